"""Fixtures for appointments: a registry's database with the pilot offices' services,
counters and hours (migration 0013), and people with a phone on record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.db import Database
from tests.support.registry import Registry, copied_registry


@pytest.fixture
def registry(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return copied_registry(tmp_path, tmp_path_factory)


@pytest.fixture
def db(registry: Registry) -> Iterator[Database]:
    database = registry.db()
    yield database
    database.dispose()
