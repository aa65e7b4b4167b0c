"""Kiosks from the office app, on SQLite and PostgreSQL: an administrator enrols a kiosk with
its public JWK pasted as text (the trust list is published and names the centre), sees it in
the fleet with its enrolment, and revokes it with a reason, after which its next request is
refused; a private key, a second enrolment, an empty reason and other roles are refused."""

from __future__ import annotations

import json

import httpx
import pytest

from registry.client import RegistryClient
from registry.errors import KioskAuthError
from tests.office.office_support import Site, csrf_of
from tests.office.test_admin_documents import bearer
from tests.office.test_admin_fees_offices import audit_of
from tests.office.test_admin_staff import signed_in
from verifier.keys import SigningKey

KIOSKS = "/api/v1/office/admin/kiosks"


def beat(client: RegistryClient) -> None:
    client.heartbeat(printer="online", paper="ok", app_version="1.0.0")


def test_enrol_on_the_page_then_revoke_with_the_api(site: Site) -> None:
    key = SigningKey.generate()
    public = json.dumps(key.public.to_jwk())
    with signed_in(site, "sami.admin") as c:
        page = c.get("/office/admin/kiosks")
        assert page.status_code == 200 and "تسجيل جهاز جديد" in page.text
        token = csrf_of(page.text)
        form = {
            "kiosk_id": "SHB-001",
            "centre_ar": "مركز خدمة المواطن - الشوبك",
            "centre_latin": "Citizen Service Centre - Shobak",
            "csrf": token,
        }
        private = c.post(
            "/office/admin/kiosks", data={**form, "public_key": json.dumps(key.to_jwk())}
        )
        assert private.status_code == 422 and "لا المفتاح الخاص" in private.text
        junk = c.post("/office/admin/kiosks", data={**form, "public_key": "not a key"})
        assert junk.status_code == 422
        bad_id = c.post(
            "/office/admin/kiosks", data={**form, "kiosk_id": "SHB 001", "public_key": public}
        )
        assert bad_id.status_code == 422 and "رمز الجهاز" in bad_id.text
        assert audit_of(site, "kiosk_enrolled") == []
        done = c.post("/office/admin/kiosks", data={**form, "public_key": public})
        assert done.status_code == 200, done.text
        assert "سُجّل الجهاز ونُشرت قائمة الثقة رقم" in done.text and "SHB-001" in done.text
        assert "مركز خدمة المواطن - الشوبك" in done.text
        twice = c.post("/office/admin/kiosks", data={**form, "public_key": public})
        assert twice.status_code == 409 and "مسجّل من قبل" in twice.text
    assert audit_of(site, "kiosk_enrolled") == [
        {"kiosk": "SHB-001", "kind": "kiosk", "by": "sami.admin"}
    ]
    kiosk = RegistryClient(site.url, "SHB-001", key)
    try:
        beat(kiosk)  # enrolled: its signed requests are accepted
        admin = bearer(site, "sami.admin")
        listed = httpx.get(site.url + KIOSKS, headers=admin).json()["kiosks"]
        (row,) = [k for k in listed if k["id"] == "SHB-001"]
        assert row["enrolled_at"] and row["revoked_at"] is None and row["app_version"] == "1.0.0"
        for user in ("amal.clerk", "huda.supervisor"):
            r = httpx.post(
                f"{site.url}{KIOSKS}/SHB-001/revoke",
                json={"reason": "x"},
                headers=bearer(site, user),
            )
            assert r.status_code == 403
        beat(kiosk)
        r = httpx.post(f"{site.url}{KIOSKS}/SHB-001/revoke", json={"reason": " "}, headers=admin)
        assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required"
        r = httpx.post(f"{site.url}{KIOSKS}/NOPE-9/revoke", json={"reason": "x"}, headers=admin)
        assert r.status_code == 404 and r.json()["error"]["code"] == "kiosk_not_found"
        r = httpx.post(
            f"{site.url}{KIOSKS}/SHB-001/revoke", json={"reason": "stolen"}, headers=admin
        )
        assert r.status_code == 200 and r.json()["revoked_by"] == "sami.admin"
        again = httpx.post(
            f"{site.url}{KIOSKS}/SHB-001/revoke", json={"reason": "stolen"}, headers=admin
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "kiosk_already_revoked"
        with pytest.raises(KioskAuthError):
            beat(kiosk)
    finally:
        kiosk.close()
    assert audit_of(site, "kiosk_revoked") == [
        {"kiosk": "SHB-001", "reason": "stolen", "by": "sami.admin"}
    ]
    with signed_in(site, "sami.admin", "en") as c:
        page = c.get("/office/admin/kiosks")
        assert "Revoked on" in page.text and "stolen" in page.text


def test_the_page_revokes_with_a_reason_and_other_roles_are_refused(site: Site) -> None:
    key = SigningKey.generate()
    admin = bearer(site, "sami.admin")
    body = {
        "id": "AMM-077",
        "public_key": json.dumps(key.public.to_jwk()),
        "centre_ar": "مركز عمان",
        "centre_latin": "Amman",
    }
    r = httpx.post(site.url + KIOSKS, json=body, headers=admin)
    assert r.status_code == 201 and r.json()["enrolled_by"] == "sami.admin"
    with signed_in(site, "omar.registrar") as c:
        assert c.get("/office/admin/kiosks").status_code == 403
    with signed_in(site, "sami.admin", "en") as c:
        page = c.get("/office/admin/kiosks")
        token = csrf_of(page.text)
        empty = c.post("/office/admin/kiosks/AMM-077/revoke", data={"reason": "", "csrf": token})
        assert empty.status_code == 422 and "Give the reason" in empty.text
        r = c.post(
            "/office/admin/kiosks/AMM-077/revoke", data={"reason": "screen broken", "csrf": token}
        )
        assert r.status_code == 200 and "The kiosk is revoked" in r.text
    assert audit_of(site, "kiosk_revoked")[0]["by"] == "sami.admin"
