"""Fixtures of the office tests: a registry serving the office app, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from tests.office.office_support import Site, serving


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> Iterator[Site]:
    if request.param == "sqlite":
        with serving(tmp_path, None) as s:
            yield s
        return
    with throwaway_postgres("sanad_office") as url, serving(tmp_path, url) as s:
        yield s


@pytest.fixture
def sqlite_site(tmp_path: Path) -> Iterator[Site]:
    with serving(tmp_path, None) as s:
        yield s


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def populated_site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> Iterator[Site]:
    """A registry with a small demo population (read-only tests share it)."""
    root = tmp_path_factory.mktemp("populated")
    if request.param == "sqlite":
        with serving(root, None, demo=300) as s:
            yield s
        return
    with throwaway_postgres("sanad_office_pop") as url, serving(root, url, demo=300) as s:
        yield s
