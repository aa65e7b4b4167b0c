"""Fixtures for the payments tests: the provider simulator as a real process (`sanad sim
pay`), a ledger on SQLite in a data directory holding the shared secrets, and the registry's
callback route on a live server in this process."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from registry.config import DataDir, PaymentsConfig, Settings
from registry.db import Database
from registry.payments import setup
from registry.payments.mobile_money import MobileMoney
from tests.payments.support import CallbackServer, Ledger, Sim
from tests.support.servers import SanadServer, free_port

SECRETS = PaymentsConfig()


@pytest.fixture(scope="module")
def secrets_dir(tmp_path_factory: pytest.TempPathFactory) -> DataDir:
    data = DataDir(tmp_path_factory.mktemp("pay-secrets"))
    data.ensure()
    setup.ensure_secrets(data, SECRETS)
    return data


@pytest.fixture(scope="module")
def sim_process(secrets_dir: DataDir) -> Iterator[Sim]:
    port = free_port()
    args = (
        "sim",
        "pay",
        "--port",
        str(port),
        "--callback-secret-file",
        str(secrets_dir.root / SECRETS.callback_secret_file),
        "--api-key-file",
        str(secrets_dir.root / SECRETS.api_key_file),
        "--callback-delay",
        "0.1",
    )
    with SanadServer(*args, port=port, health="/health") as server:
        yield Sim(server, setup.api_key(secrets_dir, SECRETS))


@pytest.fixture
def sim(sim_process: Sim) -> Iterator[Sim]:
    """The simulator with no faults (reset before each test)."""
    sim_process.reset()
    yield sim_process
    sim_process.reset()


@pytest.fixture
def data(tmp_path: Path, secrets_dir: DataDir) -> DataDir:
    target = DataDir(tmp_path / "data")
    target.ensure()
    for rel in (SECRETS.api_key_file, SECRETS.callback_secret_file):
        (target.root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(secrets_dir.root / rel, target.root / rel)
    return target


@pytest.fixture
def lg(data: DataDir, sim: Sim) -> Iterator[Ledger]:
    db = Database(data.sqlite_url, pool_size=4)
    db.migrate()
    settings = Settings(payments=PaymentsConfig(base_url=sim.url, timeout_seconds=2.0))
    with CallbackServer(data, db, settings) as callbacks:
        yield Ledger(data, db, settings, callbacks, sim)
    db.dispose()


@pytest.fixture
def provider(data: DataDir, sim: Sim) -> Iterator[MobileMoney]:
    with MobileMoney(sim.url, setup.api_key(data, SECRETS), timeout=2.0) as p:
        yield p


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def raw(sim: Sim) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.url, timeout=5) as c:
        yield c
