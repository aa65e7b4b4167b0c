"""Fixtures for appointments: a registry's database with the pilot offices' services,
counters and hours (migration 0013), and people with a phone on record."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from registry.config import DataDir
from registry.db import Database
from registry.seed import initialise
from tests.support.registry import FAST, POPULATION, SEED, Registry, copied_registry


@pytest.fixture
def registry(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return copied_registry(tmp_path, tmp_path_factory)


@pytest.fixture
def db(registry: Registry) -> Iterator[Database]:
    database = registry.db()
    yield database
    database.dispose()


@pytest.fixture
def pg_registry(
    tmp_path: Path, throwaway_postgres: Callable[[str], AbstractContextManager[str]]
) -> Iterator[Registry]:
    """A registry on a throwaway PostgreSQL database (dropped afterwards)."""
    with throwaway_postgres("sanad_bookings") as url:
        data = DataDir(tmp_path / "pgdata")
        initialise(data, database_url=url, demo=POPULATION, seed=SEED, settings=FAST)
        yield Registry(data, url, FAST)
