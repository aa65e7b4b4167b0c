"""Fixtures for the monitoring tests: a fresh SQLite registry with the demo population."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.registry import Registry, copied_registry


@pytest.fixture
def registry(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return copied_registry(tmp_path, tmp_path_factory)
