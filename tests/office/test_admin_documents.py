"""Revoking a document is an administrator's act in the office app (the shared admin token is
gone): the page and its API twin revoke, name the administrator in the audit log and publish
a trust list listing the serial's hash; every other role is refused and nothing changes."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from registry import keyring, kiosks
from registry.client import RegistryClient
from registry.config import load_settings
from registry.issuance import payload_sha256
from registry.models import AuditEntry
from tests.office.office_support import Site, browser_sign_in, csrf_of, serving
from verifier.documents import DocumentType
from verifier.keys import SigningKey, load_public_key
from verifier.trust import load_trust_list, serial_hash

REVOKE = "/api/v1/office/documents/{}/revoke"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_site(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> Iterator[Site]:
    if request.param == "sqlite":
        with serving(tmp_path, None, demo=20) as s:
            yield s
        return
    with throwaway_postgres("sanad_admin_docs") as url, serving(tmp_path, url, demo=20) as s:
        yield s


Issued = tuple[str, Callable[[], str]]  # the serial, and its online status now


@pytest.fixture
def issued(demo_site: Site) -> Iterator[Issued]:
    client, serial, digest = issue_one(demo_site)
    try:
        yield serial, lambda: client.document_status(serial, digest).status
    finally:
        client.close()


def issue_one(site: Site) -> tuple[RegistryClient, str, str]:
    """A document issued at an enrolled kiosk to a demo citizen: its serial and the kiosk."""
    key = SigningKey.generate()
    db = site.db()
    try:
        with db.session() as s:
            kiosks.enroll(
                s, "ADM-K1", key.public.raw, "مركز عمان", "Amman", dt.datetime.now(dt.UTC)
            )
            s.flush()
            keyring.publish_trust_list(s, site.data, load_settings(site.data))
    finally:
        db.dispose()
    with site.data.demo_citizens_path.open(encoding="utf-8", newline="") as f:
        citizen = next(csv.DictReader(f))
    client = RegistryClient(site.url, "ADM-K1", key)
    session = client.login(national_id=citizen["national_id"], pin=citizen["pin"])
    doc = client.issue(
        session,
        document_type=DocumentType.INDIVIDUAL_EXTRACT,
        subject=citizen["national_id"],
        payment_reference="PAY-ADMIN-1",
    )
    return client, doc.serial, payload_sha256(doc.qr_text)


def bearer(site: Site, username: str) -> dict[str, str]:
    r = httpx.post(
        f"{site.url}/api/v1/office/session",
        json={
            "username": username,
            "password": site.passwords[username],
            "code": site.code(username),
        },
    )
    assert r.status_code == 201, r.text
    site.next_step()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def revocations(site: Site) -> list[dict[str, str]]:
    db = site.db()
    try:
        with db.session() as s:
            rows = s.execute(select(AuditEntry).where(AuditEntry.kind == "document_revoked"))
            return [json.loads(e.data) for e in rows.scalars()]
    finally:
        db.dispose()


def published_serial_hashes(site: Site) -> frozenset[bytes]:
    raw = httpx.get(f"{site.url}/api/v1/trust-list").content
    trust = load_trust_list(raw, [load_public_key(site.data.root_public_key_path)])
    return trust.revoked_serials


def test_api_revocation_by_an_administrator_only(demo_site: Site, issued: Issued) -> None:
    site = demo_site
    serial, status = issued
    body = {"reason": "issued to the wrong person"}
    assert httpx.post(site.url + REVOKE.format(serial), json=body).status_code == 401
    for user in ("amal.clerk", "omar.registrar", "huda.supervisor"):
        r = httpx.post(site.url + REVOKE.format(serial), json=body, headers=bearer(site, user))
        assert r.status_code == 403, user
        assert r.json()["error"]["code"] == "not_permitted"
    assert status() == "valid" and revocations(site) == []
    admin = bearer(site, "sami.admin")
    r = httpx.post(site.url + REVOKE.format(serial), json=body, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "revoked" and r.json()["revoked_by"] == "sami.admin"
    assert status() == "revoked"
    assert serial_hash(serial) in published_serial_hashes(site)
    (entry,) = revocations(site)
    assert entry == {"by": "sami.admin", "serial": serial, "reason": body["reason"]}
    again = httpx.post(site.url + REVOKE.format(serial), json=body, headers=admin)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_revoked"
    assert "ملغاة" in again.json()["error"]["words"]["ar"]
    unknown = httpx.post(site.url + REVOKE.format("B26-0000000-0"), json=body, headers=admin)
    assert unknown.status_code == 404
    assert len(revocations(site)) == 1


def test_page_revokes_with_csrf_and_refuses_other_roles(demo_site: Site, issued: Issued) -> None:
    site = demo_site
    serial, status = issued
    for user in ("amal.clerk", "omar.registrar", "huda.supervisor"):
        with httpx.Client(base_url=site.url, timeout=10) as c:
            assert browser_sign_in(c, site, user).status_code == 303
            assert c.get("/office/admin/documents").status_code == 403
            r = c.post("/office/admin/documents", data={"serial": serial, "reason": "x"})
            assert r.status_code == 403
        site.next_step()
    with httpx.Client(base_url=site.url, timeout=10) as c:
        assert c.get("/office/admin/documents").status_code == 303  # no session: sign in
        c.cookies.set("sanad-office-lang", "en", domain="127.0.0.1")
        assert browser_sign_in(c, site, "sami.admin").status_code == 303
        form = c.get("/office/admin/documents")
        assert form.status_code == 200
        bad = c.post(
            "/office/admin/documents", data={"serial": serial, "reason": "x", "csrf": "no"}
        )
        assert bad.status_code == 403
        assert status() == "valid"
        token = csrf_of(form.text)
        empty = c.post("/office/admin/documents", data={"serial": serial, "csrf": token})
        assert empty.status_code == 422 and "Give the reason" in empty.text
        done = c.post(
            "/office/admin/documents",
            data={"serial": serial, "reason": "cancelled at the counter", "csrf": token},
        )
        assert done.status_code == 200 and "The document is revoked" in done.text
    assert status() == "revoked"
    assert revocations(site)[0]["by"] == "sami.admin"
