"""The fleet page folded into the office app: administrators and supervisors see it after
signing in (no token in the URL); clerks and registrars are refused; the JSON twin too."""

from __future__ import annotations

import datetime as dt

import httpx

from registry import kiosks
from registry.models import Kiosk
from tests.office.office_support import Site, browser_sign_in
from verifier.keys import SigningKey


def enrol_two(site: Site) -> None:
    db = site.db()
    now = dt.datetime.now(dt.UTC)
    try:
        with db.session() as s:
            kiosks.enroll(s, "AMM-001", SigningKey.generate().public.raw, "مركز عمان", "Amman", now)
            kiosks.enroll(s, "IRB-002", SigningKey.generate().public.raw, "مركز إربد", "Irbid", now)
            s.flush()
            row = s.get_one(Kiosk, "AMM-001")
            kiosks.record_heartbeat(
                s,
                row,
                kiosks.Heartbeat(
                    printer=kiosks.PrinterState.ONLINE,
                    paper=kiosks.PaperState.NEAR_END,
                    cover_open=False,
                    app_version="1.0",
                    last_error=None,
                    journal_backlog=0,
                    failed_jobs=0,
                ),
                now,
            )
    finally:
        db.dispose()


def test_administrator_and_supervisor_see_the_fleet_others_do_not(sqlite_site: Site) -> None:
    site = sqlite_site
    enrol_two(site)
    for user, allowed in [
        ("sami.admin", True),
        ("huda.supervisor", True),
        ("amal.clerk", False),
        ("omar.registrar", False),
    ]:
        with httpx.Client(base_url=site.url, timeout=10) as c:
            c.cookies.set("sanad-office-lang", "en", domain="127.0.0.1")
            assert browser_sign_in(c, site, user).status_code == 303
            today = c.get("/office/today")
            assert ('href="/office/fleet"' in today.text) is allowed, user
            page = c.get("/office/fleet")
            if allowed:
                assert page.status_code == 200
                assert "AMM-001" in page.text and "paper near end" in page.text
                assert "IRB-002" in page.text and "never sent a heartbeat" in page.text
            else:
                assert page.status_code == 403 and "AMM-001" not in page.text
        site.next_step()


def test_fleet_json_for_an_administrators_bearer_token(sqlite_site: Site) -> None:
    site = sqlite_site
    enrol_two(site)
    r = httpx.post(
        f"{site.url}/api/v1/office/session",
        json={
            "username": "sami.admin",
            "password": site.passwords["sami.admin"],
            "code": site.code("sami.admin"),
        },
        timeout=30,  # Argon2 and a loaded CI machine: httpx's 5 s default flaked once
    )
    token = r.json()["token"]
    fleet = httpx.get(
        f"{site.url}/api/v1/office/fleet", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).json()
    by_id = {k["id"]: k for k in fleet["kiosks"]}
    assert by_id["AMM-001"]["attention"] == ["paper_near_end"]
    assert by_id["IRB-002"]["attention"] == ["never_seen"]
