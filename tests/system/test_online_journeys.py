"""Ordering online end to end, every part its own process: the registry on PostgreSQL with its
SMS worker, the SMSC simulator (SMPP), the mobile-money simulator (HTTP, signed callbacks),
the portal, a verifier and a kiosk with its emulated printer.

A citizen on a phone-sized Chromium signs in to the portal with the PIN and the six-digit code
the SMSC received, orders her birth certificate for collection at a kiosk, pays (the provider
approves and calls back), and the "ready" SMS reaches the SMSC with the order code; at the
kiosk she chooses "collect an order", types the code and her PIN, and the printed receipt
verifies VALID; a second collection is refused as collected.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from system_support import (
    FINISH,
    SANAD,
    Proc,
    RegistryProc,
    System,
    VerifierProc,
    free_port,
    sanad,
    wait_for,
)

from registry.config import DataDir, PaymentsConfig
from registry.payments import setup as payments_setup
from tests.support.chromium import CHROMIUM, FLAGS
from verifier.qr import decode_image

pytestmark = [pytest.mark.slow, pytest.mark.gui, pytest.mark.browser, pytest.mark.postgres]

if not CHROMIUM.exists():  # pragma: no cover - CI installs it
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

POPULATION, SEED = 300, 29


@dataclass
class Online:
    system: System
    portal_url: str
    smsc_control: str
    procs: list[Proc]

    def messages(self, to: str) -> list[dict[str, Any]]:
        r = httpx.get(f"{self.smsc_control}/messages", params={"to": to}, timeout=5)
        r.raise_for_status()
        found: list[dict[str, Any]] = r.json()["messages"]
        return found

    def wait_sms(self, to: str, pattern: str, after: int = 0) -> str:
        def arrived() -> str | None:
            for m in self.messages(to)[after:]:
                if re.search(pattern, m["text"]):
                    return str(m["text"])
            return None

        return wait_for(arrived, 60, f"an SMS matching {pattern!r} at the SMSC")


def _spawn(base: Path, name: str, argv: list[str], env: dict[str, str]) -> Proc:
    proc = Proc(name, base / f"{name}.log")
    proc.spawn([SANAD, *argv], env={**os.environ, **env})
    return proc


def _up(url: str, proc: Proc) -> Callable[[], bool]:
    def up() -> bool:
        assert proc.alive, f"{proc.name} died:\n{proc.tail()}"
        try:
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    return up


@pytest.fixture(scope="module")
def online(
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Online]:
    base = tmp_path_factory.mktemp("online")
    data = base / "registry"
    ports = {k: free_port() for k in ("smsc", "control", "pay", "registry", "portal", "verify")}
    local = "http://127.0.0.1"
    with throwaway_postgres("sanad_online") as pg_url:
        sanad("registry", "init", "--data", str(data), "--db", pg_url, "--demo", str(POPULATION),
              "--seed", str(SEED), "--json", timeout=120)  # fmt: skip
        registry_url = f"{local}:{ports['registry']}"
        env = {
            "SANAD_REGISTRY_SMS__PORT": str(ports["smsc"]),
            "SANAD_REGISTRY_SMS__QUIET_START": "00:00",
            "SANAD_REGISTRY_SMS__QUIET_END": "00:00",
            "SANAD_REGISTRY_SMS__RETRY_BASE_SECONDS": "1",
            "SANAD_REGISTRY_PAYMENTS__BASE_URL": f"{local}:{ports['pay']}",
            "SANAD_REGISTRY_PAYMENTS__CALLBACK_BASE_URL": registry_url,
        }
        procs: list[Proc] = []
        registry = RegistryProc(data, pg_url, ports["registry"], base / "registry.log", env=env)
        verifier = VerifierProc(
            data / "root-public.jwk", registry.trust_url, base / "verifier-cache",
            ports["verify"], base / "verifier.log",
        )  # fmt: skip
        with (data / "demo-citizens.csv").open(encoding="utf-8", newline="") as f:
            citizens = list(csv.DictReader(f))
        system = System(base, registry, verifier, citizens)
        try:
            smsc = _spawn(base, "smsc", ["sim", "smsc", "--port", str(ports["smsc"]),
                                         "--control-port", str(ports["control"])], {})  # fmt: skip
            procs.append(smsc)
            wait_for(_up(f"{local}:{ports['control']}/messages", smsc), 30, "the SMSC")
            payments_setup.ensure_secrets(DataDir(data), PaymentsConfig())
            secret = data / PaymentsConfig().callback_secret_file
            pay = _spawn(base, "pay", ["sim", "pay", "--port", str(ports["pay"]),
                                       "--callback-secret-file", str(secret),
                                       "--callback-delay", "0.3"], {})  # fmt: skip
            procs.append(pay)
            wait_for(_up(f"{local}:{ports['pay']}/health", pay), 30, "the payment simulator")
            registry.start()
            procs.append(_spawn(base, "sms-worker", ["registry", "sms", "work", "--data",
                                                     str(data)], env))  # fmt: skip
            verifier.start()
            portal_dir = base / "portal"
            sanad("portal", "init", "--data", str(portal_dir), "--id", "PORTAL-1")
            registry.admin("portal", "enroll", "--id", "PORTAL-1",
                           "--public-key", str(portal_dir / "portal-public.jwk"))  # fmt: skip
            portal = _spawn(
                base, "portal",
                ["portal", "serve", "--config", str(portal_dir / "portal.toml"),
                 "--port", str(ports["portal"])],
                {"SANAD_PORTAL_REGISTRY__URL": registry_url,
                 "SANAD_PORTAL_PORTAL__PUBLIC_URL": f"{local}:{ports['portal']}"},
            )  # fmt: skip
            procs.append(portal)
            wait_for(_up(f"{local}:{ports['portal']}/health", portal), 30, "the portal")
            yield Online(system, f"{local}:{ports['portal']}", f"{local}:{ports['control']}",
                         procs)  # fmt: skip
        finally:
            system.stop_started()
            for proc in reversed(procs):
                proc.stop()
            verifier.stop()
            registry.stop()


@pytest.fixture
def phone() -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, locale="ar"
            )
            yield context.new_page()
            context.close()
        finally:
            browser.close()


def test_order_on_the_phone_pay_and_collect_at_a_kiosk(online: Online, phone: Page) -> None:
    citizen = next(c for c in online.system.citizens if c["phone"] and c["sex"] == "F")
    to = citizen["phone"]
    seen = len(online.messages(to))
    page = phone
    page.goto(f"{online.portal_url}/lang/ar?next=/sign-in")
    page.get_by_label("الرقم الوطني").fill(citizen["national_id"])
    page.get_by_label("الرقم السري").fill(citizen["pin"])
    page.get_by_role("button", name="متابعة").click()
    sms = online.wait_sms(to, r"\b\d{6}\b", after=seen)
    assert citizen["national_id"] not in sms and citizen["pin"] not in sms
    code = re.search(r"\b(\d{6})\b", sms)
    assert code
    page.get_by_label("الرمز المكوّن من 6 أرقام").fill(code.group(1))
    page.get_by_role("button", name="تأكيد الرمز").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("الوثائق التي يمكن طلبها")
    page.get_by_role("link", name=re.compile("^طلب هذه الوثيقة: شهادة ميلاد")).first.click()
    expect(page.get_by_label("من أي جهاز خدمة ذاتية")).to_be_checked()
    page.get_by_role("button", name="تأكيد الطلب").click()
    page.get_by_label("رقم الهاتف المحمول للمحفظة").fill(to)
    page.get_by_role("button", name=re.compile("دفع")).click()

    def ready() -> bool:
        if page.get_by_role("heading", name="رمز الطلب").count():
            return True
        link = page.get_by_role("link", name="تحديث الحالة")
        if link.count():
            link.click()
        return False

    wait_for(ready, 60, "the payment to be confirmed on the order page")
    text = page.locator("body").inner_text()
    found = re.search(r"\b([0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3})\b", text)
    assert found, text
    order_code = found.group(1)
    ready_sms = online.wait_sms(to, re.escape(order_code), after=seen)
    assert citizen["national_id"] not in ready_sms

    kiosk, printer = online.system.kiosk("ONLINE-K1")
    collect = [
        {"label": "collect", "do": "collect", "until": ["language"]},
        {"label": "arabic", "do": "language", "lang": "ar", "until": ["order_entry"]},
        {"label": "code", "do": "keys", "text": order_code.replace("-", ""),
         "until": ["order_entry"]},
        {"label": "continue", "do": "tap_key", "key": "button.continue",
         "until": ["order_pin"]},
        {"label": "pin", "do": "keys", "text": citizen["pin"]},
        {"label": "ok", "do": "tap_key", "key": "button.ok",
         "until": ["done", "print_failed", "refused", "service_error"], "timeout": 60},
    ]  # fmt: skip
    last = kiosk.send(*collect)[-1]
    assert kiosk.wait_step(last)["state"] == "done"
    receipt = printer.wait_receipts(1)[0]
    assert receipt["complete"], receipt
    (qr,) = decode_image(Path(receipt["path"]))
    verdict = online.system.verifier.verify(qr)
    assert (verdict["valid"], verdict["status"]) == (True, "valid"), verdict
    kiosk.run(FINISH)

    again = kiosk.send(*collect)[-1]
    assert kiosk.wait_step(again)["state"] == "refused"


@pytest.fixture
def phone_and_desk() -> Iterator[tuple[Page, Page]]:
    """A phone-sized page for the citizen and a desktop one for the clerk, one Chromium."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            phone = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, locale="ar"
            )
            desk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar")
            yield phone.new_page(), desk.new_page()
            phone.close()
            desk.close()
        finally:
            browser.close()


def _portal_sign_in(online: Online, page: Page, citizen: dict[str, str]) -> None:
    to = citizen["phone"]
    seen = len(online.messages(to))
    page.goto(f"{online.portal_url}/lang/ar?next=/sign-in")
    page.get_by_label("الرقم الوطني").fill(citizen["national_id"])
    page.get_by_label("الرقم السري").fill(citizen["pin"])
    page.get_by_role("button", name="متابعة").click()
    code = re.search(r"\b(\d{6})\b", online.wait_sms(to, r"\b\d{6}\b", after=seen))
    assert code
    page.get_by_label("الرمز المكوّن من 6 أرقام").fill(code.group(1))
    page.get_by_role("button", name="تأكيد الرمز").click()


def test_book_online_check_in_with_the_qr_and_be_called_at_the_office(
    online: Online, phone_and_desk: tuple[Page, Page]
) -> None:
    """A citizen books on the phone and receives the SMS at the SMSC; on the day (the booking
    is moved to ten minutes from now, as the calendar would bring it) she scans the booking's
    QR at the office's kiosk, which prints her queue ticket; a clerk calls the next number from
    the office's queue page and it is hers."""
    from sqlalchemy import create_engine, update

    from registry.models import Booking
    from registry.office.declarations import Role
    from tests.support.staff_tokens import new_staff

    citizen = next(
        c
        for c in online.system.citizens
        if c["phone"] and c["sex"] == "M" and "deceased" not in c["facts"]
    )
    to = citizen["phone"]
    seen = len(online.messages(to))
    page, desk = phone_and_desk
    _portal_sign_in(online, page, citizen)
    page.get_by_role("navigation").get_by_role("link", name="مواعيدي").click()
    page.get_by_role("main").get_by_role("link", name="حجز موعد").click()
    page.get_by_role("link", name=re.compile("^اختيار هذه الخدمة: تسجيل واقعة")).click()
    page.get_by_role("link", name=re.compile("^اختيار هذا المكتب: .*عمان")).click()
    page.locator("a.day-link").first.click()
    page.locator("ul.times button").first.click()
    page.get_by_role("button", name="تأكيد الموعد").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("تم حجز الموعد")
    shown = page.locator(".order-code").inner_text().strip()
    sms = online.wait_sms(to, re.escape(shown), after=seen)
    assert citizen["national_id"] not in sms and "/b/" in sms
    reference = shown.replace("-", "")

    # the day comes: the appointment starts in ten minutes
    soon = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=10)
    engine = create_engine(online.system.registry.db_url)
    try:
        with engine.begin() as c:
            c.execute(
                update(Booking)
                .where(Booking.reference == reference)
                .values(starts_at=soon, ends_at=soon + dt.timedelta(minutes=30))
            )
    finally:
        engine.dispose()

    master, slave = os.openpty()
    try:
        kiosk, printer = online.system.kiosk("ONLINE-K2", office="AMM", scanner=os.ttyname(slave))
        last = kiosk.send(
            {"label": "appointment", "do": "appointment", "until": ["language", "checkin_entry"]},
        )[-1]
        if kiosk.wait_step(last)["state"] == "language":
            last = kiosk.send(
                {"label": "arabic", "do": "language", "lang": "ar", "until": ["checkin_entry"]}
            )[-1]
            kiosk.wait_step(last)
        os.write(master, f"SANAD-BOOKING:{reference}\r".encode())
        assert kiosk.wait_shown("ticket", timeout=60)["state"] == "ticket"
        ticket = printer.wait_receipts(1)[0]
        assert ticket["complete"], ticket
    finally:
        os.close(master)
        os.close(slave)

    reg = online.system.registry
    clerk = new_staff(DataDir(reg.data), Role.CLERK, office="AMM", database_url=reg.db_url)
    desk.goto(f"{reg.url}/office/sign-in")
    desk.get_by_label("اسم المستخدم").fill(clerk.username)
    desk.get_by_label("كلمة المرور").fill(clerk.password)
    desk.get_by_label("رمز التحقق (ستة أرقام)").fill(clerk.code())
    desk.get_by_role("button", name="دخول").click()
    desk.goto(f"{reg.url}/office/queue")
    desk.get_by_role("link", name="الشبّاك 1").click()
    desk.get_by_role("button", name="نداء الرقم التالي").click()
    expect(desk.locator("body")).to_contain_text("B-001")
    engine = create_engine(reg.db_url)
    try:
        with engine.connect() as c:
            state = c.execute(
                Booking.__table__.select()
                .with_only_columns(Booking.state)
                .where(Booking.reference == reference)
            ).scalar_one()
    finally:
        engine.dispose()
    assert state == "called"
    kiosk.run(FINISH)
