"""Fixtures for the registry tests: data directories, live servers, kiosks, PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import uvicorn

from registry import keyring, kiosks
from registry.client import CitizenSession, RegistryClient
from registry.config import DataDir, Settings, ThrottlePolicy
from registry.db import Database
from registry.seed import initialise
from registry.service import create_app
from verifier.keys import PublicKey, SigningKey, load_public_key
from verifier.trust import TrustList, load_trust_list

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SEED = 7
POPULATION = 400

# Cheap Argon2id (the demo cost, so no re-hash on login) and short delays: the tests check
# the policy's shape, not its wall-clock cost.
FAST = Settings(
    pin_opslimit=1,
    pin_memlimit=64 * 1024,
    throttle=ThrottlePolicy(
        max_failures=5, free_failures=2, base_delay=0.2, max_delay=0.4, kiosk_max_failures=1000
    ),
)


@dataclass
class Registry:
    """An initialised data directory and its database URL."""

    data: DataDir
    url: str
    settings: Settings

    def db(self) -> Database:
        return Database(self.url, pool_size=2)

    def enroll(self, kiosk_id: str, centre: str = "مركز خدمة المواطن - إربد") -> SigningKey:
        return self.enroll_many([kiosk_id], centre)[kiosk_id]

    def enroll_many(
        self, kiosk_ids: list[str], centre: str = "مركز خدمة المواطن - إربد"
    ) -> dict[str, SigningKey]:
        keys = {k: SigningKey.generate() for k in kiosk_ids}
        db = self.db()
        try:
            with db.session() as s:
                for kiosk_id, key in keys.items():
                    kiosks.enroll(
                        s,
                        kiosk_id,
                        key.public.raw,
                        centre,
                        "Citizen Service Centre - Irbid",
                        dt.datetime.now(dt.UTC),
                    )
                s.flush()
                keyring.publish_trust_list(s, self.data, self.settings)
        finally:
            db.dispose()
        return keys

    def root(self) -> PublicKey:
        return load_public_key(self.data.root_public_key_path)

    def trust(self) -> TrustList:
        return load_trust_list(self.data.trust_list_path.read_bytes(), [self.root()])

    def citizens(self, *facts: str) -> list[dict[str, str]]:
        with self.data.demo_citizens_path.open(encoding="utf-8", newline="") as f:
            return [r for r in csv.DictReader(f) if all(x in r["facts"].split() for x in facts)]


_TEMPLATE: dict[str, Path] = {}


def _template(tmp_factory: pytest.TempPathFactory) -> Path:
    if "sqlite" not in _TEMPLATE:
        root = tmp_factory.mktemp("registry-template")
        initialise(DataDir(root), demo=POPULATION, seed=SEED, settings=FAST)
        _TEMPLATE["sqlite"] = root
    return _TEMPLATE["sqlite"]


@pytest.fixture
def registry(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """A fresh SQLite registry with a demo population (copied from a template)."""
    target = tmp_path / "data"
    shutil.copytree(_template(tmp_path_factory), target)
    data = DataDir(target)
    return Registry(data, data.sqlite_url, FAST)


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


class LiveServer:
    """The registry app served by uvicorn in a thread, on an ephemeral port."""

    def __init__(self, reg: Registry, settings: Settings | None = None) -> None:
        self.reg = reg
        self.app = create_app(reg.data, database_url=reg.url, settings=settings or reg.settings)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level="critical", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
        self.app.state.registry.db.dispose()

    def client(self, kiosk_id: str, key: SigningKey, **kw: object) -> RegistryClient:
        return RegistryClient(self.url, kiosk_id, key, **kw)  # type: ignore[arg-type]


@pytest.fixture
def server(registry: Registry) -> Iterator[LiveServer]:
    with LiveServer(registry) as live:
        yield live


@dataclass
class Kiosk:
    id: str
    key: SigningKey
    client: RegistryClient


@pytest.fixture
def kiosk(registry: Registry, server: LiveServer) -> Iterator[Kiosk]:
    key = registry.enroll("IRB-001")
    with server.client("IRB-001", key, retries=0) as c:
        yield Kiosk("IRB-001", key, c)


def login(client: RegistryClient, citizen: dict[str, str]) -> CitizenSession:
    return client.login(national_id=citizen["national_id"], pin=citizen["pin"])


def wrong_pin(pin: str) -> str:
    return f"{(int(pin) + 1) % 1_000_000:06d}"


__all__ = ["FAST", "Kiosk", "LiveServer", "Registry", "login", "replace", "wrong_pin"]


class ServerProcess:
    """`sanad registry serve` in its own process, on a free port."""

    def __init__(self, reg: Registry, workers: int = 1) -> None:
        import subprocess
        import sys

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [
            sys.executable,
            "-m",
            "sanad",
            "registry",
            "serve",
            "--data",
            str(reg.data.root),
            "--db",
            reg.url,
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def __enter__(self) -> ServerProcess:
        import httpx

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"the registry server exited: {err}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.proc.kill()
        raise RuntimeError("the registry server did not start")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except Exception:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stderr:
            self.proc.stderr.close()


def fast_settings_file(reg: Registry) -> None:
    """Make a server process use the cheap test PIN cost."""
    path = reg.data.config_path
    text = path.read_text(encoding="utf-8") if path.exists() else "[registry]\n"
    cheap = "[registry]\npin_opslimit = 1\npin_memlimit_kib = 64\n"
    path.write_text(text.replace("[registry]\n", cheap, 1), encoding="utf-8")
