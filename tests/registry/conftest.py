"""Fixtures for the registry tests: data directories, live servers, kiosks, PostgreSQL.
The helpers behind them are in tests/support/registry.py (tests import them from there)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from registry.config import DataDir
from registry.seed import initialise
from tests.support.registry import (
    FAST,
    POPULATION,
    SEED,
    Kiosk,
    LiveServer,
    Registry,
    copied_registry,
)


@pytest.fixture
def registry(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """A fresh SQLite registry with a demo population (copied from a template)."""
    return copied_registry(tmp_path, tmp_path_factory)


@pytest.fixture
def pg_url(throwaway_postgres: Callable[[str], AbstractContextManager[str]]) -> Iterator[str]:
    """A throwaway PostgreSQL database, dropped afterwards."""
    with throwaway_postgres("sanad_test") as url:
        yield url


@pytest.fixture
def pg_registry(tmp_path: Path, pg_url: str) -> Registry:
    data = DataDir(tmp_path / "pgdata")
    initialise(data, database_url=pg_url, demo=POPULATION, seed=SEED, settings=FAST)
    return Registry(data, pg_url, FAST)


@pytest.fixture
def server(registry: Registry) -> Iterator[LiveServer]:
    with LiveServer(registry) as live:
        yield live


@pytest.fixture
def kiosk(registry: Registry, server: LiveServer) -> Iterator[Kiosk]:
    key = registry.enroll("IRB-001")
    with server.client("IRB-001", key, retries=0) as c:
        yield Kiosk("IRB-001", key, c)
