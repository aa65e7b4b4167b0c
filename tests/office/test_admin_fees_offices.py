"""Fees and offices from the office app, on SQLite and PostgreSQL: an administrator changes a
fee (the kiosks' fee table follows) and adds and closes offices; invalid amounts, duplicate
or malformed codes and other roles are refused, in both languages, and nothing changes."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select

from registry.models import AuditEntry, Fee, Office
from tests.office.office_support import Site, csrf_of
from tests.office.test_admin_documents import bearer
from tests.office.test_admin_staff import signed_in

FEES = "/api/v1/office/admin/fees"
OFFICES = "/api/v1/office/admin/offices"
STAFF = "/api/v1/office/admin/staff"
SHOBAK = {"code": "SHB", "name_ar": "مكتب أحوال الشوبك", "name_latin": "Shobak"}


def audit_of(site: Site, kind: str) -> list[dict[str, Any]]:
    db = site.db()
    try:
        with db.session() as s:
            rows = s.execute(select(AuditEntry).where(AuditEntry.kind == kind)).scalars()
            return [json.loads(e.data) for e in rows]
    finally:
        db.dispose()


def fee_of(site: Site, type_code: int) -> tuple[int, str] | None:
    db = site.db()
    try:
        with db.session() as s:
            row = s.get(Fee, type_code)
            return (row.amount, row.currency) if row else None
    finally:
        db.dispose()


def public_fee(site: Site, slug: str) -> int:
    fees = httpx.get(f"{site.url}/api/v1/fees").json()["fees"]
    (row,) = [f for f in fees if f["document_type"] == slug]
    return int(row["fee"]["amount"])


def office(site: Site, code: str) -> Office | None:
    db = site.db()
    try:
        with db.session() as s:
            return s.get(Office, code)
    finally:
        db.dispose()


def test_an_administrator_changes_a_fee_and_bad_amounts_are_refused(site: Site) -> None:
    before = fee_of(site, 1)
    assert before is not None
    with signed_in(site, "sami.admin", "en") as c:
        page = c.get("/office/admin/fees")
        assert page.status_code == 200 and "Birth certificate" in page.text
        token = csrf_of(page.text)
        for bad in ("-1", "abc", "1.5", "١٢", "", "1000001", "99999999999999"):
            data = {"document_type": "birth_certificate", "amount": bad, "csrf": token}
            r = c.post("/office/admin/fees", data=data)
            assert r.status_code == 422, bad
            assert "A fee is a whole number from 0 to 1000000 in JOD" in r.text
        assert fee_of(site, 1) == before
        r = c.post(
            "/office/admin/fees",
            data={"document_type": "birth_certificate", "amount": "2500", "csrf": "no"},
        )
        assert r.status_code == 403 and fee_of(site, 1) == before
        r = c.post(
            "/office/admin/fees",
            data={"document_type": "birth_certificate", "amount": "2500", "csrf": token},
        )
        assert r.status_code == 200 and "The fee is changed" in r.text and "2.500 JOD" in r.text
    assert fee_of(site, 1) == (2500, "JOD")
    assert public_fee(site, "birth_certificate") == 2500  # the kiosks' table, at once
    (entry,) = audit_of(site, "fee_changed")
    assert entry == {
        "by": "sami.admin",
        "document_type": "birth_certificate",
        "old": {"amount": before[0], "currency": before[1]},
        "new": {"amount": 2500, "currency": "JOD"},
    }
    admin = bearer(site, "sami.admin")
    r = httpx.put(f"{site.url}{FEES}/family_extract", json={"amount": 0}, headers=admin)
    assert r.status_code == 200 and r.json()["fee"]["amount"] == 0
    for body, status, code in [
        ({"amount": -5}, 422, "fee_invalid"),
        ({"amount": 10**9}, 422, "fee_invalid"),
    ]:
        r = httpx.put(f"{site.url}{FEES}/family_extract", json=body, headers=admin)
        assert r.status_code == status and r.json()["error"]["code"] == code
        assert "عدد صحيح" in r.json()["error"]["words"]["ar"]
    assert (
        httpx.put(
            f"{site.url}{FEES}/family_extract", json={"amount": "7"}, headers=admin
        ).status_code
        == 422
    )
    r = httpx.put(f"{site.url}{FEES}/no_such_paper", json={"amount": 1}, headers=admin)
    assert r.status_code == 404 and r.json()["error"]["code"] == "fee_unknown_document"
    listed = httpx.get(site.url + FEES, headers=admin).json()["fees"]
    assert {f["document_type"]: f["amount"] for f in listed}["family_extract"] == 0
    for user in ("amal.clerk", "omar.registrar", "huda.supervisor"):
        h = bearer(site, user)
        r = httpx.put(f"{site.url}{FEES}/birth_certificate", json={"amount": 1}, headers=h)
        assert r.status_code == 403
    assert fee_of(site, 1) == (2500, "JOD") and len(audit_of(site, "fee_changed")) == 2


def test_offices_are_added_and_closed_by_an_administrator_only(site: Site) -> None:
    for user in ("amal.clerk", "huda.supervisor"):
        r = httpx.post(site.url + OFFICES, json=SHOBAK, headers=bearer(site, user))
        assert r.status_code == 403
    assert office(site, "SHB") is None
    admin = bearer(site, "sami.admin")
    r = httpx.post(site.url + OFFICES, json=SHOBAK, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["office"]["code"] == "SHB" and r.json()["added_by"] == "sami.admin"
    cases = [
        (SHOBAK, 409, "office_code_taken"),
        ({**SHOBAK, "code": "AMM", "name_ar": "مكتب آخر"}, 409, "office_code_taken"),
        ({**SHOBAK, "code": "WDR"}, 409, "office_name_taken"),
        ({**SHOBAK, "code": "wdr", "name_ar": "مكتب وادي رم"}, 422, "office_code_invalid"),
        ({**SHOBAK, "code": "WADI", "name_ar": "مكتب وادي رم"}, 422, "office_code_invalid"),
        (
            {**SHOBAK, "code": "WDR", "name_ar": "مكتب وادي رم", "name_latin": ""},
            422,
            "office_names_required",
        ),
    ]
    for body, status, code in cases:
        r = httpx.post(site.url + OFFICES, json=body, headers=admin)
        assert r.status_code == status, (body, r.text)
        assert r.json()["error"]["code"] == code
    assert office(site, "WDR") is None
    # a clerk can now be added at the new office; then it cannot close until they leave
    clerk = {
        "username": "nour.clerk",
        "name_ar": "نور علي",
        "name_en": "Nour Ali",
        "role": "clerk",
        "office": "SHB",
    }
    assert httpx.post(site.url + STAFF, json=clerk, headers=admin).status_code == 201
    r = httpx.post(f"{site.url}{OFFICES}/SHB/close", headers=admin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "office_has_staff"
    assert httpx.post(f"{site.url}{STAFF}/nour.clerk/disable", headers=admin).status_code == 200
    with signed_in(site, "sami.admin") as c:
        page = c.get("/office/admin/offices")
        assert page.status_code == 200 and "مكتب أحوال الشوبك" in page.text
        r = c.post("/office/admin/offices/SHB/close", data={"csrf": csrf_of(page.text)})
        assert r.status_code == 200 and "أُغلق المكتب" in r.text
        again = c.post("/office/admin/offices/SHB/close", data={"csrf": csrf_of(page.text)})
        assert again.status_code == 409 and "مغلق من قبل" in again.text
        added = c.post(
            "/office/admin/offices",
            data={**SHOBAK, "csrf": csrf_of(page.text)},
        )
        assert added.status_code == 409 and "لا يُعاد استعمال رمز مكتب مغلق" in added.text
    assert office(site, "SHB").closed_at is not None  # type: ignore[union-attr]
    late = httpx.post(site.url + STAFF, json={**clerk, "username": "late.clerk"}, headers=admin)
    assert late.status_code == 422 and late.json()["error"]["code"] == "staff_unknown_office"
    assert httpx.post(f"{site.url}{OFFICES}/ZZZ/close", headers=admin).status_code == 404
    listed = httpx.get(site.url + OFFICES, headers=admin).json()["offices"]
    assert {o["code"] for o in listed} >= {"AMM", "SHB"}
    assert [e["office"] for e in audit_of(site, "office_added")] == ["SHB"]
    assert audit_of(site, "office_closed") == [{"by": "sami.admin", "office": "SHB"}]
