"""Fixtures shared by every test area (the helpers behind them live in tests/support/)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from tests.support.postgres import throwaway_database


@pytest.fixture(scope="session")
def throwaway_postgres() -> Callable[[str], AbstractContextManager[str]]:
    """`with throwaway_postgres("prefix") as url:` a fresh PostgreSQL database for a test."""
    return throwaway_database
