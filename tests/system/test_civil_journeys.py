"""Civil registration end to end: the registry (with its office app) on PostgreSQL, a verifier
service and a kiosk, each its own process.

A clerk declares a birth through the office API and a registrar registers it; the mother signs
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
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select
from system_support import FINISH, SIGN_OUT, System, journey, login_steps

from registry.config import DataDir
from registry.models import Marriage, Person
from registry.office.declarations import Role
from tests.support.staff_tokens import staff_bearer
from verifier.qr import decode_image

pytestmark = [pytest.mark.slow, pytest.mark.gui, pytest.mark.postgres]

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


def _qr(receipt: dict[str, Any]) -> str:
    assert receipt["complete"], receipt
    (text,) = decode_image(Path(receipt["path"]))
    return text


def test_a_registered_birth_is_printed_by_the_mother_and_a_death_changes_what_is_offered(
    kiosks: System,
) -> None:
    mother = _young_mother(kiosks)
    father = _husband(kiosks, mother["national_id"])
    today = dt.date.today()
    born = _register(
        kiosks,
        "birth",
        {
            "given_ar": "ليان",
            "sex": 2,
            "date_of_birth": (today - dt.timedelta(days=2)).isoformat(),
            "place": {"name_ar": "مستشفى البشير", "name_latin": "Al-Bashir Hospital"},
            "mother": {"national_id": mother["national_id"]},
            "father": {"national_id": father},
            "informant": {"relation": "father", "name_ar": "والد المولودة"},
        },
    )
    child_nid = born["registered_ref"].removeprefix("person:")

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
