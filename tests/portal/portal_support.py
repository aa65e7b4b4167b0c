"""A real registry (SQLite, in this process on a live socket) with the portal enrolled as a
channel, the portal app on its own live socket in front of it, and, for the payment journeys,
the mobile-money simulator (`sanad sim pay`, its own process). The SMS code is read from the
registry's outbox (the text the citizen would receive; the SMSC is the SMS suites' business).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from portal.app import create_app
from portal.config import PortalConfig
from registry.client import RegistryClient
from registry.config import DataDir, PaymentsConfig
from registry.models import CitizenSession as CitizenSessionRow
from registry.models import Kiosk, Order, SmsMessage
from registry.payments import setup as payments_setup
from tests.support.registry import FAST, LiveServer, Registry, template_data_dir
from tests.support.servers import SanadServer, free_port, serve_app

__all__ = ["PORTAL_ID", "Site", "fill_day", "pay_simulator", "portal_site"]

PORTAL_ID = "PORTAL-1"


@dataclass
class Site:
    reg: Registry
    registry_url: str
    url: str
    citizen: dict[str, str]
    provider: str | None = None

    def otp(self) -> str:
        """The code in the newest SMS to the citizen's phone."""
        found = re.search(r"\b(\d{6})\b", self.reg.last_sms(self.citizen["phone"]) or "")
        assert found, "no code in the SMS"
        return found.group(1)

    def _count(self, model: type, **where: object) -> int:
        db = self.reg.db()
        try:
            with db.session() as s:
                q = select(func.count()).select_from(model)
                for k, v in where.items():
                    q = q.where(getattr(model, k) == v)
                return int(s.execute(q).scalar_one())
        finally:
            db.dispose()

    def otp_count(self) -> int:
        return self._count(SmsMessage, template="otp")

    def _update(self, statement: object) -> None:
        db = self.reg.db()
        try:
            with db.session() as s:
                s.execute(statement)  # type: ignore[call-overload]
        finally:
            db.dispose()

    def expire_sessions(self) -> None:
        """Every citizen session at the registry ends now (as its minutes would)."""
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        self._update(update(CitizenSessionRow).values(expires_at=past))

    def revoke_portal(self) -> None:
        now = dt.datetime.now(dt.UTC)
        self._update(update(Kiosk).where(Kiosk.id == PORTAL_ID).values(revoked_at=now))

    def set_state(self, code: str, state: str) -> None:
        """An order moved on by someone else (the post office's return, a counter clerk)."""
        self._update(update(Order).where(Order.code == code).values(state=state))

    def faults(self, **faults: object) -> None:
        assert self.provider, "no payment simulator in this site"
        httpx.post(f"{self.provider}/control/faults", json=faults, timeout=5).raise_for_status()


@contextlib.contextmanager
def pay_simulator(reg: Registry) -> Iterator[str]:
    """`sanad sim pay` on a free port, calling back with the registry's callback secret."""
    payments_setup.ensure_secrets(reg.data, PaymentsConfig())
    secret = reg.data.root / PaymentsConfig().callback_secret_file
    port = free_port()
    args = ("sim", "pay", "--port", str(port), "--callback-secret-file", str(secret))
    with SanadServer(*args, "--callback-delay", "0.1", port=port, health="/health"):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def portal_site(
    tmp_path: Path, factory: pytest.TempPathFactory, *, payments: bool = False
) -> Iterator[Site]:
    target = tmp_path / "registry"
    shutil.copytree(template_data_dir(factory), target)
    data = DataDir(target)
    reg = Registry(data, data.sqlite_url, FAST)
    with_phone = [c for c in reg.citizens("parent_of_minor") if c["phone"]]
    citizen = with_phone[0]
    key = reg.enroll_portal(PORTAL_ID)
    with contextlib.ExitStack() as stack:
        live = stack.enter_context(LiveServer(reg))
        provider = stack.enter_context(pay_simulator(reg)) if payments else None
        if provider:
            state = live.app.state.registry
            state.settings = dataclasses.replace(
                state.settings,
                payments=PaymentsConfig(base_url=provider, callback_base_url=live.url),
            )
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
        url = stack.enter_context(serve_app(app, health="/health"))
        yield Site(reg, live.url, url, citizen, provider)


def fill_day(site: Site, day: str, service: str) -> None:
    """Every counter serving `service` at AMM booked all day by other people (a day for a
    waiting list)."""
    import datetime as dt
    import uuid

    from sqlalchemy import select

    from registry.bookings import calendar, store
    from registry.bookings.rules import Rules
    from registry.config import BookingsConfig
    from registry.models import Person

    rules = Rules(BookingsConfig(max_active_per_person=50, holds_per_hour=1000), b"f" * 32)
    when, now = dt.date.fromisoformat(day), dt.datetime.now(dt.UTC)
    db = site.reg.db()
    try:
        with db.session() as s:
            others = s.scalars(
                select(Person.id).where(Person.national_id != site.citizen["national_id"]).limit(2)
            ).all()
            place = calendar.load_place(s, "AMM", service)
            while times := calendar.free_times(s, rules.settings, place, when, now=now):
                held = store.hold(
                    s,
                    rules,
                    person_id=others[len(times) % 2],
                    office="AMM",
                    service=service,
                    day=when,
                    time=times[0],
                    channel_id="FILL",
                    idempotency_key=uuid.uuid4().hex,
                    language="ar",
                    now=now,
                )
                store.confirm(s, rules, reference=held.reference, person_id=None, now=now)
    finally:
        db.dispose()
