"""The registry as tests use it: an initialised data directory (`Registry`), cheap test
settings (`FAST`), the app on a live server in this process (`LiveServer`) or `sanad registry
serve` in its own (`registry_process`), enrolled kiosks and citizen logins.

The fixtures built on these live in tests/registry/conftest.py; other suites import from here.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from registry import keyring, kiosks
from registry.client import CitizenSession, RegistryClient
from registry.config import DataDir, Settings, ThrottlePolicy
from registry.db import Database
from registry.seed import initialise
from registry.service import create_app
from tests.support.servers import SanadServer, free_port, serve_app
from verifier.keys import PublicKey, SigningKey, load_public_key
from verifier.trust import TrustList, load_trust_list

__all__ = [
    "FAST",
    "HEALTH",
    "POPULATION",
    "SEED",
    "Kiosk",
    "LiveServer",
    "Registry",
    "copied_registry",
    "fast_settings_file",
    "login",
    "registry_process",
    "template_data_dir",
    "wrong_pin",
]

SEED = 7
POPULATION = 400
HEALTH = "/api/v1/health"

# Cheap Argon2id (the demo cost, so no re-hash on login) and short delays: the tests check
# the policy's shape, not its wall-clock cost.
FAST = Settings(
    pin_opslimit=1,
    pin_memlimit=64 * 1024,
    throttle=ThrottlePolicy(
        max_failures=5, free_failures=2, base_delay=0.2, max_delay=0.4, kiosk_max_failures=1000
    ),
)

CENTRE_AR = "مركز خدمة المواطن - إربد"
CENTRE_LATIN = "Citizen Service Centre - Irbid"


@dataclass
class Registry:
    """An initialised data directory and its database URL."""

    data: DataDir
    url: str
    settings: Settings

    def db(self) -> Database:
        return Database(self.url, pool_size=2)

    def enroll(
        self, kiosk_id: str, centre: str = CENTRE_AR, *, office: str | None = None
    ) -> SigningKey:
        return self.enroll_many([kiosk_id], centre, office=office)[kiosk_id]

    def enroll_many(
        self, kiosk_ids: list[str], centre: str = CENTRE_AR, *, office: str | None = None
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
                        CENTRE_LATIN,
                        dt.datetime.now(dt.UTC),
                        office=office,
                    )
                s.flush()
                keyring.publish_trust_list(s, self.data, self.settings)
        finally:
            db.dispose()
        return keys

    def enroll_portal(self, portal_id: str = "PORTAL-1") -> SigningKey:
        """Enrol a portal channel (kind "portal") and publish the trust list naming it."""
        key = SigningKey.generate()
        db = self.db()
        try:
            with db.session() as s:
                kiosks.enroll_and_publish(
                    s,
                    self.data,
                    self.settings,
                    portal_id,
                    key.public.raw,
                    "الخدمات الإلكترونية",
                    "E-services",
                    dt.datetime.now(dt.UTC),
                    by="test",
                    kind="portal",
                )
        finally:
            db.dispose()
        return key

    def last_sms(self, to: str) -> str:
        """The body of the newest SMS queued for this number (the outbox, before any SMSC)."""
        from sqlalchemy import select

        from registry.models import SmsMessage

        db = self.db()
        try:
            with db.session() as s:
                body = s.execute(
                    select(SmsMessage.body)
                    .where(SmsMessage.to == to)
                    .order_by(SmsMessage.id.desc())
                    .limit(1)
                ).scalar_one_or_none()
        finally:
            db.dispose()
        if body is None:
            raise AssertionError("no SMS was queued for that number")
        return str(body)

    def root(self) -> PublicKey:
        return load_public_key(self.data.root_public_key_path)

    def trust(self) -> TrustList:
        return load_trust_list(self.data.trust_list_path.read_bytes(), [self.root()])

    def citizens(self, *facts: str) -> list[dict[str, str]]:
        with self.data.demo_citizens_path.open(encoding="utf-8", newline="") as f:
            return [r for r in csv.DictReader(f) if all(x in r["facts"].split() for x in facts)]


_TEMPLATE: dict[str, Path] = {}


def template_data_dir(tmp_factory: pytest.TempPathFactory) -> Path:
    """A SQLite registry with the demo population, made once per run; copy it, never use it."""
    if "sqlite" not in _TEMPLATE:
        root = tmp_factory.mktemp("registry-template")
        initialise(DataDir(root), demo=POPULATION, seed=SEED, settings=FAST)
        _TEMPLATE["sqlite"] = root
    return _TEMPLATE["sqlite"]


def copied_registry(tmp_path: Path, tmp_factory: pytest.TempPathFactory) -> Registry:
    """A fresh SQLite registry with the demo population, copied from the run's template."""
    import shutil

    target = tmp_path / "data"
    shutil.copytree(template_data_dir(tmp_factory), target)
    data = DataDir(target)
    return Registry(data, data.sqlite_url, FAST)


class LiveServer:
    """The registry app on a live server in this process (`tests.support.servers.serve_app`)."""

    def __init__(
        self,
        reg: Registry,
        settings: Settings | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.reg = reg
        extra: dict[str, Any] = {} if clock is None else {"clock": clock}
        self.app = create_app(
            reg.data, database_url=reg.url, settings=settings or reg.settings, **extra
        )
        self.url = ""
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> LiveServer:
        self._stack.callback(self.app.state.registry.db.dispose)
        self.url = self._stack.enter_context(serve_app(self.app, health=HEALTH, lifespan="off"))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def client(self, kiosk_id: str, key: SigningKey, **kw: Any) -> RegistryClient:
        return RegistryClient(self.url, kiosk_id, key, **kw)


@contextlib.contextmanager
def registry_process(reg: Registry, workers: int = 1) -> Iterator[SanadServer]:
    """`sanad registry serve` on `reg` in its own process, on a free port, until the block ends."""
    port = free_port()
    args = ("registry", "serve", "--data", str(reg.data.root), "--db", reg.url)
    with SanadServer(
        *args, "--port", str(port), "--workers", str(workers), port=port, health=HEALTH
    ) as server:
        yield server


def fast_settings_file(reg: Registry) -> None:
    """Make a server process use the cheap test PIN cost."""
    path = reg.data.config_path
    text = path.read_text(encoding="utf-8") if path.exists() else "[registry]\n"
    cheap = "[registry]\npin_opslimit = 1\npin_memlimit_kib = 64\n"
    path.write_text(text.replace("[registry]\n", cheap, 1), encoding="utf-8")


@dataclass
class Kiosk:
    id: str
    key: SigningKey
    client: RegistryClient


def login(client: RegistryClient, citizen: dict[str, str]) -> CitizenSession:
    return client.login(national_id=citizen["national_id"], pin=citizen["pin"])


def wrong_pin(pin: str) -> str:
    return f"{(int(pin) + 1) % 1_000_000:06d}"
