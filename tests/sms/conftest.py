"""Fixtures for the SMS tests: a migrated outbox database, the SMSC simulator on real TCP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.db import Database
from registry.sms import outbox
from sanad.sim.smsc import Smsc

NUMBER = "+962791234567"
ALWAYS = outbox.Policy(
    quiet_start=dt.time(0, 0),
    quiet_end=dt.time(0, 0),  # no quiet hours
    rate_limit=1000,
    retry_base=dt.timedelta(0),
    lease=dt.timedelta(seconds=30),
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'sms.sqlite3'}", pool_size=2)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def smsc(tmp_path: Path) -> Iterator[Smsc]:
    with Smsc(log_path=tmp_path / "smsc.jsonl") as sim:
        yield sim
