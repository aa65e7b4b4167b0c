"""Civil registration end to end: the registry (with its office app) on PostgreSQL, a verifier
service and a kiosk, each its own process.

A clerk declares a birth in the office app (real Chromium, Arabic) and a registrar registers
it; the mother signs
in at the kiosk, is offered her new daughter's birth certificate, prints it, and the receipt
verifies VALID with the child's new national number and record number. A registrar corrects
the child's name and another approves it: the printed certificate is then "superseded" at the
verifier's online check, and the kiosk prints the corrected one. Then the husband's death is
registered: at the kiosk his widow is offered his death certificate, and his own national
number no longer signs in (so nothing of his own is offered to anyone as himself).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select
from system_support import FINISH, SIGN_OUT, System, journey, login_steps

from registry.config import DataDir
from registry.models import Marriage, Person
from registry.office.declarations import Role
from tests.support.chromium import CHROMIUM, FLAGS
from tests.support.staff_tokens import StaffAccount, new_staff, staff_bearer
from verifier.qr import decode_image

pytestmark = [pytest.mark.slow, pytest.mark.gui, pytest.mark.browser, pytest.mark.postgres]


if not CHROMIUM.exists():  # pragma: no cover - CI installs it
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

BIRTH, DEATH = 1, 2


def _staff(system: System, role: Role) -> dict[str, str]:
    reg = system.registry
    token = staff_bearer(DataDir(reg.data), reg.url, role, office="AMM", database_url=reg.db_url)
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def _office(system: System, method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
    r = httpx.request(method, f"{system.registry.url}{path}", headers=headers, timeout=30, **kw)
    assert r.status_code in (200, 201), r.text
    return r.json()


def _husband(system: System, wife_nid: str) -> str:
    engine = create_engine(system.registry.db_url)
    try:
        with engine.connect() as c:
            wife = c.execute(select(Person.id).where(Person.national_id == wife_nid)).scalar_one()
            husband_id = c.execute(
                select(Marriage.husband_id).where(Marriage.wife_id == wife)
            ).scalar_one()
            return str(
                c.execute(select(Person.national_id).where(Person.id == husband_id)).scalar_one()
            )
    finally:
        engine.dispose()


def _young_mother(system: System) -> dict[str, str]:
    today = dt.date.today()
    for row in system.citizens:
        facts = row["facts"].split()
        age = (today - dt.date.fromisoformat(row["date_of_birth"])).days // 365
        if (
            row["sex"] == "F"
            and "married" in facts
            and not {"divorced", "parent_of_minor"} & set(facts)
            and 20 <= age <= 40
        ):
            return row
    raise LookupError("no married woman of 20 to 40 without minor children")


def _register(system: System, kind: str, facts: dict[str, Any]) -> dict[str, Any]:
    clerk, registrar = _staff(system, Role.CLERK), _staff(system, Role.REGISTRAR)
    declared = _office(
        system, "POST", "/api/v1/office/declarations", clerk, json={"kind": kind, "facts": facts}
    )
    number = declared["number"]
    done: dict[str, Any] = _office(
        system,
        "POST",
        f"/api/v1/office/declarations/{number}/register",
        registrar,
        json={"acknowledged": []},
    )
    assert done["state"] == "registered", done
    return done


REQUIRED, OPTIONAL = "(مطلوب)", "(اختياري)"


def _label(words: str, required: bool = False) -> str:
    return f"{words} {REQUIRED if required else OPTIONAL}"


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar")
            yield context.new_page()
            context.close()
        finally:
            browser.close()


def _sign_in(page: Page, system: System, account: StaffAccount) -> None:
    page.goto(f"{system.registry.url}/office/sign-in")
    page.get_by_label("اسم المستخدم").fill(account.username)
    page.get_by_label("كلمة المرور").fill(account.password)
    page.get_by_label("رمز التحقق (ستة أرقام)").fill(account.code())
    page.get_by_role("button", name="دخول").click()
    expect(page).to_have_url(f"{system.registry.url}/office/today")


def _birth_in_the_browser(
    system: System, page: Page, mother: str, father: str, today: dt.date
) -> str:
    """A clerk declares the birth through the Arabic form, a registrar of the same office
    registers it; the child's national number, from the record the page links to."""
    reg = system.registry
    clerk, registrar = (
        new_staff(DataDir(reg.data), role, office="AMM", database_url=reg.db_url)
        for role in (Role.CLERK, Role.REGISTRAR)
    )
    _sign_in(page, system, clerk)
    page.goto(f"{reg.url}/office/declare/birth")
    page.get_by_label(_label("اسم المولود بالعربية", True), exact=True).fill("ليان")
    page.get_by_label(_label("الجنس", True), exact=True).select_option(label="أنثى")
    born = (today - dt.timedelta(days=2)).isoformat()
    page.get_by_label(_label("تاريخ الولادة", True), exact=True).fill(born)
    page.get_by_label(_label("اسم المكان بالعربية", True), exact=True).fill("مستشفى البشير")
    page.get_by_label(_label("اسم المكان بالحروف اللاتينية"), exact=True).fill("Al-Bashir Hospital")
    page.get_by_label(_label("الرقم الوطني للأم"), exact=True).fill(mother)
    page.get_by_label(_label("الرقم الوطني للأب"), exact=True).fill(father)
    page.get_by_label(_label("صلة المبلِّغ بالواقعة", True), exact=True).select_option(label="الأب")
    page.get_by_label(_label("اسم المبلِّغ", True), exact=True).fill("والد المولودة")
    page.get_by_role("button", name="تقديم الطلب").click()
    expect(page.get_by_role("status")).to_have_text("قُدِّم الطلب، وهو بانتظار تدقيق أمين السجل.")
    number = page.url.split("/")[-1].split("?")[0]
    page.get_by_role("button", name="تسجيل الخروج").click()

    _sign_in(page, system, registrar)
    page.get_by_role("region", name="بانتظار التدقيق").get_by_role("link", name=number).click()
    boxes = page.get_by_role("checkbox", name="اطّلعتُ على التنبيه وأؤكّده")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.get_by_role("button", name="تسجيل الواقعة").click()
    expect(page.get_by_role("status")).to_have_text("سُجِّلت الواقعة.")
    page.get_by_role("link", name="فتح القيد").click()
    return page.url.rstrip("/").split("/")[-1]


def _qr(receipt: dict[str, Any]) -> str:
    assert receipt["complete"], receipt
    (text,) = decode_image(Path(receipt["path"]))
    return text


def test_a_registered_birth_is_printed_by_the_mother_and_a_death_changes_what_is_offered(
    kiosks: System, page: Page
) -> None:
    mother = _young_mother(kiosks)
    father = _husband(kiosks, mother["national_id"])
    today = dt.date.today()
    child_nid = _birth_in_the_browser(kiosks, page, mother["national_id"], father, today)
    born = {"registered_ref": f"person:{child_nid}"}

    kiosk, printer = kiosks.kiosk("CIVIL-K1")
    last = kiosk.send(*journey("ar", mother, BIRTH, "child"))[-1]
    assert kiosk.wait_step(last)["state"] == "done"
    text = _qr(printer.wait_receipts(1)[0])
    verdict = kiosks.verifier.verify(text)
    assert (verdict["valid"], verdict["status"]) == (True, "valid"), verdict
    flat = json.dumps(verdict["document"], ensure_ascii=False)
    assert child_nid in flat, verdict
    assert f"B{today.year}/AMM/" in flat, verdict
    kiosk.run(FINISH)

    # -- the child's name is corrected under four eyes: the printed one is superseded -----
    proposer, approver = _staff(kiosks, Role.REGISTRAR), _staff(kiosks, Role.REGISTRAR)
    proposed = _office(
        kiosks,
        "POST",
        "/api/v1/office/corrections",
        proposer,
        json={
            "record": born["registered_ref"],
            "changes": {"given_ar": "ليانة", "given_latin": "Layana"},
            "reason": "خطأ في كتابة الاسم في بيان المستشفى",
            "evidence": "كتاب مستشفى البشير رقم 2026/118",
        },
    )
    _office(kiosks, "POST", f"/api/v1/office/corrections/{proposed['number']}/approve", approver)
    online = kiosks.verifier.verify(text, online=True)["online_status"]
    assert (online["checked"], online["registry_status"]) == (True, "superseded"), online
    assert online["since"] and online["since"].startswith(today.isoformat()), online
    last = kiosk.send(*journey("ar", mother, BIRTH, "child"))[-1]
    assert kiosk.wait_step(last)["state"] == "done"
    corrected = _qr(printer.wait_receipts(2)[1])
    assert corrected != text
    fresh = kiosks.verifier.verify(corrected, online=True)
    assert fresh["valid"], fresh
    assert "ليانة" in json.dumps(fresh["document"], ensure_ascii=False), fresh
    kiosk.run(FINISH)

    # -- the father dies ------------------------------------------------------------------
    _register(
        kiosks,
        "death",
        {
            "national_id": father,
            "date_of_death": (today - dt.timedelta(days=1)).isoformat(),
            "place": {"name_ar": "عمّان"},
            "informant": {"relation": "relative", "name_ar": "زوجة المتوفى"},
        },
    )
    *steps, pin_ok = login_steps("en", mother["national_id"], mother["pin"])
    kiosk.run(*steps, pin_ok)
    offered = kiosk.report()["entitlements"]
    mine = {(e["type"], e["relation"]) for e in offered}
    assert (DEATH, "spouse") in mine, offered
    kiosk.run(*SIGN_OUT)
    # the dead man's own documents: his national number no longer signs in
    *steps, pin_ok = login_steps("en", father, "000000")
    refused = kiosk.run(*steps, pin_ok)
    assert refused["state"] != "choose_document", refused
