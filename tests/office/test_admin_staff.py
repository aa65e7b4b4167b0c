"""Staff accounts from the office app, on SQLite and PostgreSQL: an administrator adds,
disables, resets and unlocks accounts (page and API twin, the same words); the shown password
and second-factor secret sign the new account in; nobody disables themselves or the last
active administrator; every other role is refused and nothing changes."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from registry import staff as accounts
from registry.admin_refusals import AdminConflict
from registry.audit import verify_chain
from registry.db import Database
from registry.models import AuditEntry, StaffMember
from registry.office.declarations import Role
from registry.office.staff_auth import totp_code
from tests.office.office_support import CHEAP, Site, browser_sign_in, csrf_of, make_site
from tests.office.test_admin_documents import bearer

STAFF = "/api/v1/office/admin/staff"
NEW_CLERK = {
    "username": "rana.clerk",
    "name_ar": "رنا محمود الشرع",
    "name_en": "Rana Mahmoud Al-Sharaa",
    "role": "clerk",
    "office": "AMM",
}


def client(site: Site, lang: str = "ar") -> httpx.Client:
    c = httpx.Client(base_url=site.url, timeout=20)
    if lang == "en":
        c.cookies.set("sanad-office-lang", "en", domain="127.0.0.1")
    return c


@contextmanager
def signed_in(site: Site, username: str, lang: str = "ar") -> Iterator[httpx.Client]:
    with client(site, lang) as c:
        assert browser_sign_in(c, site, username).status_code == 303
        site.next_step()
        yield c


def audit_of(site: Site, kind: str) -> list[dict[str, Any]]:
    db = site.db()
    try:
        with db.session() as s:
            rows = s.execute(select(AuditEntry).where(AuditEntry.kind == kind)).scalars()
            return [json.loads(e.data) for e in rows]
    finally:
        db.dispose()


def account(site: Site, username: str) -> StaffMember | None:
    db = site.db()
    try:
        with db.session() as s:
            return s.execute(
                select(StaffMember).where(StaffMember.username == username)
            ).scalar_one_or_none()
    finally:
        db.dispose()


def shown(page: str, name: str) -> str:
    found = re.search(rf'<code dir="ltr"[^>]* id="once-{name}">([^<]*)</code>', page)
    assert found, f"the page shows no {name}"
    return html.unescape(found.group(1))


def test_other_roles_are_refused_and_nothing_changes(site: Site) -> None:
    with httpx.Client(base_url=site.url) as anonymous:
        assert anonymous.get("/office/admin/staff").status_code == 303
        assert anonymous.post(STAFF, json=NEW_CLERK).status_code == 401
    for user in ("amal.clerk", "omar.registrar", "huda.supervisor"):
        with signed_in(site, user) as c:
            page = c.get("/office/admin/staff")
            assert page.status_code == 403 and "لا يسمح دورك" in page.text
            r = c.post("/office/admin/staff", data={**NEW_CLERK, "csrf": csrf_of(page.text)})
            assert r.status_code == 403
            r = c.post("/office/admin/staff/sami.admin/disable", data={"csrf": csrf_of(page.text)})
            assert r.status_code == 403
        headers = bearer(site, user)
        assert httpx.get(site.url + STAFF, headers=headers).status_code == 403
        r = httpx.post(site.url + STAFF, json=NEW_CLERK, headers=headers)
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_permitted"
        r = httpx.post(f"{site.url}{STAFF}/sami.admin/reset", headers=headers)
        assert r.status_code == 403
    assert account(site, "rana.clerk") is None
    assert audit_of(site, "staff_reset") == [] and audit_of(site, "staff_disabled") == []
    assert not account(site, "sami.admin").disabled_at  # type: ignore[union-attr]


def test_a_clerk_added_on_the_page_signs_in_with_what_was_shown(site: Site) -> None:
    with signed_in(site, "sami.admin") as admin:
        form = admin.get("/office/admin/staff")
        assert form.status_code == 200 and "حسابات الموظفين" in form.text
        bad = admin.post("/office/admin/staff", data={**NEW_CLERK, "csrf": "wrong"})
        assert bad.status_code == 403 and account(site, "rana.clerk") is None
        added = admin.post("/office/admin/staff", data={**NEW_CLERK, "csrf": csrf_of(form.text)})
        assert added.status_code == 200, added.text
        assert "بيانات الدخول (تُعرض مرة واحدة)" in added.text
        password, secret = shown(added.text, "password"), shown(added.text, "secret")
        uri = shown(added.text, "uri")
        assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
        assert 'src="data:image/png;base64,' in added.text  # the QR code, drawn here
        again = admin.get("/office/admin/staff")
        assert password not in again.text and secret not in again.text  # shown once
        assert "rana.clerk" in again.text and "رنا محمود الشرع" in again.text
    (entry,) = audit_of(site, "staff_added")[-1:]
    assert entry["by"] == "sami.admin" and entry["staff"] == "rana.clerk"
    assert entry["office"] == "AMM" and entry["demo"] is False
    with client(site) as c:
        code = totp_code(secret, site.clock.now())
        r = browser_sign_in(c, site, "rana.clerk", password=password, code=code)
        assert r.status_code == 303 and r.headers["location"] == "/office/today"
        today = c.get("/office/today")
        assert "رنا محمود الشرع" in today.text and "موظف تسجيل" in today.text


def test_the_api_twin_adds_with_the_same_refusals(site: Site) -> None:
    admin = bearer(site, "sami.admin")
    r = httpx.post(site.url + STAFF, json=NEW_CLERK, headers=admin)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["staff"]["username"] == "rana.clerk" and body["staff"]["office"] == "AMM"
    assert body["password"] and body["totp_uri"].startswith("otpauth://totp/")
    db = site.db()
    try:
        with db.session() as s:
            sealed = accounts.find(s, "rana.clerk").totp_secret
            assert (
                accounts.SecretSeal(site.data.staff_secret_key()).open(sealed)
                == body["totp_secret"]
            )
    finally:
        db.dispose()
    cases = [
        (NEW_CLERK, 409, "staff_username_taken", "محجوز"),
        ({**NEW_CLERK, "username": "Rana Clerk"}, 422, "staff_username_invalid", "اسم المستخدم"),
        ({**NEW_CLERK, "username": "x.y", "office": None}, 422, "staff_office_required", "المكتب"),
        ({**NEW_CLERK, "username": "x.y", "office": "ZZZ"}, 422, "staff_unknown_office", "مكتب"),
        (
            {**NEW_CLERK, "username": "x.y", "role": "supervisor"},
            422,
            "staff_office_not_allowed",
            "المشرف",
        ),
        ({**NEW_CLERK, "username": "x.y", "name_ar": " "}, 422, "staff_names_required", "الاسم"),
    ]
    for sent, status, code, ar in cases:
        r = httpx.post(site.url + STAFF, json=sent, headers=admin)
        assert r.status_code == status, (sent, r.text)
        error = r.json()["error"]
        assert error["code"] == code and ar in error["words"]["ar"], error
    assert account(site, "x.y") is None
    # the page says the same, in English for an English reader
    with signed_in(site, "sami.admin", "en") as c:
        form = c.get("/office/admin/staff")
        r = c.post("/office/admin/staff", data={**NEW_CLERK, "csrf": csrf_of(form.text)})
        assert r.status_code == 409 and "That user name is taken" in r.text
    listed = httpx.get(site.url + STAFF, headers=admin).json()["staff"]
    assert [v["username"] for v in listed].count("rana.clerk") == 1


def test_nobody_disables_themselves_or_the_last_administrator(site: Site) -> None:
    admin = bearer(site, "sami.admin")
    r = httpx.post(f"{site.url}{STAFF}/sami.admin/disable", headers=admin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "staff_own_account"
    with signed_in(site, "sami.admin") as c:
        page = c.get("/office/admin/staff")
        assert 'aria-label="تعطيل sami.admin"' not in page.text  # no button for oneself
        r = c.post("/office/admin/staff/sami.admin/disable", data={"csrf": csrf_of(page.text)})
        assert r.status_code == 409 and "لا يمكنك تعطيل حسابك بنفسك" in r.text
    assert account(site, "sami.admin").disabled_at is None  # type: ignore[union-attr]
    # a second administrator, signed in; sami disables them: their session ends at once
    second = {**NEW_CLERK, "username": "lina.admin", "role": "administrator", "office": None}
    creds = httpx.post(site.url + STAFF, json=second, headers=admin).json()
    token = httpx.post(
        f"{site.url}/api/v1/office/session",
        json={
            "username": "lina.admin",
            "password": creds["password"],
            "code": totp_code(creds["totp_secret"], site.clock.now()),
        },
    ).json()["token"]
    lina = {"Authorization": f"Bearer {token}"}
    assert httpx.get(site.url + STAFF, headers=lina).status_code == 200
    r = httpx.post(f"{site.url}{STAFF}/lina.admin/disable", headers=admin)
    assert r.status_code == 200 and r.json()["staff"]["disabled"] is True
    assert httpx.get(site.url + STAFF, headers=lina).status_code == 401
    # sami is now the last active administrator: the CLI's path refuses too
    db = site.db()
    try:
        with pytest.raises(AdminConflict) as refused, db.session() as s:
            accounts.disable_staff(s, "sami.admin", by="cli", at=dt.datetime.now(dt.UTC))
        assert refused.value.refusal.code == "staff_last_administrator"
        assert "آخر حساب فعّال لمدير النظام" in refused.value.refusal.ar
        with db.session() as s:
            assert accounts.find(s, "sami.admin").disabled_at is None
            assert verify_chain(s).ok
    finally:
        db.dispose()
    assert [e["staff"] for e in audit_of(site, "staff_disabled")] == ["lina.admin"]
    assert audit_of(site, "staff_disabled")[0]["by"] == "sami.admin"


def test_reset_shows_new_credentials_and_unlock_lifts_a_lock(site: Site) -> None:
    db = site.db()
    try:
        with db.session() as s:
            row = accounts.find(s, "amal.clerk")
            row.failures, row.locked_at = 10, dt.datetime.now(dt.UTC)
    finally:
        db.dispose()
    admin = bearer(site, "sami.admin")
    r = httpx.post(f"{site.url}{STAFF}/amal.clerk/unlock", headers=admin)
    assert r.status_code == 200 and r.json()["staff"]["locked"] is False
    again = httpx.post(f"{site.url}{STAFF}/amal.clerk/unlock", headers=admin)
    assert again.status_code == 409 and again.json()["error"]["code"] == "staff_not_locked"
    assert audit_of(site, "staff_unlocked") == [{"by": "sami.admin", "staff": "amal.clerk"}]
    missing = httpx.post(f"{site.url}{STAFF}/no.such/reset", headers=admin)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "staff_not_found"
    # the old password still works after an unlock; a reset from the page replaces it
    with signed_in(site, "amal.clerk"):
        pass
    with signed_in(site, "sami.admin", "en") as c:
        page = c.get("/office/admin/staff")
        r = c.post("/office/admin/staff/amal.clerk/reset", data={"csrf": csrf_of(page.text)})
        assert r.status_code == 200 and "Sign-in details (shown once)" in r.text
        password, secret = shown(r.text, "password"), shown(r.text, "secret")
    assert audit_of(site, "staff_reset")[-1] == {"by": "sami.admin", "staff": "amal.clerk"}
    with client(site) as c:
        old = browser_sign_in(c, site, "amal.clerk", code=totp_code(secret, site.clock.now()))
        assert old.status_code == 401
    site.next_step()
    with client(site) as c:
        code = totp_code(secret, site.clock.now())
        r = browser_sign_in(c, site, "amal.clerk", password=password, code=code)
        assert r.status_code == 303
    db = site.db()
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(StaffMember)) == 4
            assert verify_chain(s).ok
    finally:
        db.dispose()


def race(
    db: Database, barrier: threading.Barrier, outcomes: list[str], target: str, by: str
) -> None:
    barrier.wait()
    try:
        with db.session() as s:
            accounts.disable_staff(s, target, by=by, at=dt.datetime.now(dt.UTC))
        outcomes.append("disabled")
    except AdminConflict as exc:
        outcomes.append(exc.refusal.code)


@pytest.mark.postgres
def test_two_administrators_disabling_each_other_at_once_leave_one(
    throwaway_postgres: Callable[[str], AbstractContextManager[str]], tmp_path: Path
) -> None:
    """On PostgreSQL, with real concurrent transactions: exactly one of the two succeeds."""
    with throwaway_postgres("sanad_admin_race") as url:
        data, url, _ = make_site(tmp_path, url)
        seal = accounts.SecretSeal(data.staff_secret_key())
        db = Database(url, pool_size=4)
        try:
            with db.session() as s:
                accounts.add_staff(
                    s,
                    CHEAP,
                    username="lina.admin",
                    name_ar="لينا فارس",
                    name_en="Lina Fares",
                    role=Role.ADMINISTRATOR,
                    office=None,
                    password=None,
                    by="test",
                    at=dt.datetime.now(dt.UTC),
                    seal=seal,
                )
            for _ in range(3):
                barrier = threading.Barrier(2)
                outcomes: list[str] = []

                threads = [
                    threading.Thread(target=race, args=(db, barrier, outcomes, target, by))
                    for target, by in (("lina.admin", "sami.admin"), ("sami.admin", "lina.admin"))
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(30)
                assert sorted(outcomes) == ["disabled", "staff_last_administrator"]
                with db.session() as s:
                    active = [
                        v.username
                        for v in accounts.list_staff(s)
                        if v.role is Role.ADMINISTRATOR and not v.disabled
                    ]
                    assert len(active) == 1
                    for v in accounts.list_staff(s):  # both active again for the next round
                        if v.role is Role.ADMINISTRATOR and v.disabled:
                            accounts.find(s, v.username).disabled_at = None
                    assert verify_chain(s).ok
        finally:
            db.dispose()
