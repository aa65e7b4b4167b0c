"""A real registry (SQLite, in this process on a live socket) with the portal enrolled as a
channel, and the portal app on its own live socket in front of it, as the portal suites use
them. The SMS code is read from the registry's outbox rows (the SMSC simulator's log is the
system tests' business): the text the citizen would receive.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, update

from portal.app import create_app
from portal.config import PortalConfig
from registry import kiosks
from registry.client import RegistryClient
from registry.config import DataDir
from registry.models import CitizenSession as CitizenSessionRow
from registry.models import Kiosk, Order, Person, SmsMessage
from tests.support.registry import FAST, LiveServer, Registry, template_data_dir
from tests.support.servers import serve_app
from verifier.keys import SigningKey

__all__ = ["PORTAL_ID", "Site", "portal_site"]

PORTAL_ID = "PORTAL-1"
PHONE = "+962791234567"


@dataclass
class Site:
    reg: Registry
    registry_url: str
    url: str
    citizen: dict[str, str]
    key: SigningKey

    def otp(self) -> str:
        """The code in the newest one-time-code SMS to the citizen's phone."""
        db = self.reg.db()
        try:
            with db.session() as s:
                body = s.execute(
                    select(SmsMessage.body)
                    .where(SmsMessage.to == PHONE, SmsMessage.template == "otp")
                    .order_by(SmsMessage.id.desc())
                    .limit(1)
                ).scalar_one()
        finally:
            db.dispose()
        found = re.search(r"\b(\d{6})\b", body)
        assert found, "no code in the SMS"
        return found.group(1)

    def expire_sessions(self) -> None:
        """Every citizen session at the registry ends now (as its five minutes would)."""
        db = self.reg.db()
        try:
            with db.session() as s:
                past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
                s.execute(update(CitizenSessionRow).values(expires_at=past))
        finally:
            db.dispose()

    def settle(self, code: str, state: str = "paid") -> None:
        """The order's state as the payments ledger leaves it once the operator confirms
        (the portal reads it; how the ledger gets there is the payment suites' business)."""
        db = self.reg.db()
        try:
            with db.session() as s:
                s.execute(update(Order).where(Order.code == code).values(state=state))
        finally:
            db.dispose()

    def revoke_portal(self) -> None:
        db = self.reg.db()
        try:
            with db.session() as s:
                now = dt.datetime.now(dt.UTC)
                s.execute(update(Kiosk).where(Kiosk.id == PORTAL_ID).values(revoked_at=now))
        finally:
            db.dispose()

    def otp_count(self) -> int:
        db = self.reg.db()
        try:
            with db.session() as s:
                return len(
                    s.execute(select(SmsMessage.id).where(SmsMessage.template == "otp")).all()
                )
        finally:
            db.dispose()


def _prepare(reg: Registry, key: SigningKey, national_id: str) -> None:
    db = reg.db()
    try:
        with db.session() as s:
            kiosks.enroll(
                s,
                PORTAL_ID,
                key.public.raw,
                "البوابة الإلكترونية",
                "Portal",
                dt.datetime.now(dt.UTC),
            )
            s.flush()
            s.execute(update(Kiosk).where(Kiosk.id == PORTAL_ID).values(kind="portal"))
            s.execute(update(Person).where(Person.national_id == national_id).values(phone=PHONE))
    finally:
        db.dispose()


@contextlib.contextmanager
def portal_site(tmp_path: Path, factory: pytest.TempPathFactory) -> Iterator[Site]:
    target = tmp_path / "registry"
    shutil.copytree(template_data_dir(factory), target)
    data = DataDir(target)
    reg = Registry(data, data.sqlite_url, FAST)
    citizen = reg.citizens("parent_of_minor")[0]
    key = SigningKey.generate()
    _prepare(reg, key, citizen["national_id"])
    with LiveServer(reg) as live:
        config = PortalConfig(
            channel_id=PORTAL_ID,
            key_path=tmp_path / "unused.jwk",
            cookie_key_path=tmp_path / "unused.key",
            registry_url=live.url,
            phone_region="JO",
        )
        app = create_app(
            config,
            client_factory=lambda c: RegistryClient(c.registry_url, PORTAL_ID, key, retries=0),
            cookie_key=secrets.token_bytes(32),
        )
        with serve_app(app, health="/health") as url:
            yield Site(reg, live.url, url, citizen, key)
