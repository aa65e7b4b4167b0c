"""Citizen enrolment at the office (registry.enrolment and its pages and API): a clerk enrols a
citizen, who then signs in at a kiosk with the PIN; a reset unlocks a locked citizen; refusals
change nothing; a printer out of paper mid-job leaves no PIN stored; the audit log names the
clerk and never holds the PIN or the phone number. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import json
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, func, select

from hardware.emulator import Emulator, EmulatorState
from registry import enrolment, keyring, kiosks
from registry import staff as accounts
from registry.client import RegistryClient
from registry.config import Settings, load_settings
from registry.enrolment import Delivery, EnrolRefusal, PinIssued
from registry.errors import InvalidCredentials, Locked
from registry.models import AuditEntry, CitizenSession, Credential, Death, Person
from registry.office.errors import Refused
from tests.office.office_support import Site, browser_sign_in, csrf_of, serving
from verifier import national_id as nid_rules
from verifier.keys import SigningKey

ENROL = "/api/v1/office/citizens/{}/enrol"
RESET = "/api/v1/office/citizens/{}/pin-reset"
PHONE = "/api/v1/office/citizens/{}/phone"
KINDS = ("citizen_enrolled", "pin_reset", "phone_set")
MOBILE = "079 012 3456"  # a Jordanian mobile number as dialled in the country
MOBILE_E164 = "+962790123456"


def _site(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> Iterator[Site]:
    if request.param == "sqlite":
        with serving(tmp_path, None, demo=60) as s:
            yield s
        return
    with throwaway_postgres("sanad_enrol") as url, serving(tmp_path, url, demo=60) as s:
        yield s


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_site(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> Iterator[Site]:
    yield from _site(request, tmp_path, throwaway_postgres)


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(tmp_path / "printed", 576) as emu:
        yield emu


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def printer_site(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Site]:
    """A registry whose office printer is an emulated printer on TCP (faults on demand)."""
    monkeypatch.setenv("SANAD_REGISTRY_COUNTER_PRINTER__URL", emulator.url)
    yield from _site(request, tmp_path, throwaway_postgres)


# ---------------------------------------------------------------------------------------------
# helpers


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


def not_enrolled(site: Site, n: int = 1) -> list[str]:
    """Living adults of the demo population whose PIN is removed: citizens never enrolled."""
    with site.data.demo_citizens_path.open(encoding="utf-8", newline="") as f:
        nids = [r["national_id"] for r in csv.DictReader(f)][-n:]
    db = site.db()
    try:
        with db.session() as s:
            ids = select(Person.id).where(Person.national_id.in_(nids))
            s.execute(delete(Credential).where(Credential.person_id.in_(ids)))
    finally:
        db.dispose()
    return nids


def demo_citizen(site: Site) -> dict[str, str]:
    with site.data.demo_citizens_path.open(encoding="utf-8", newline="") as f:
        return next(csv.DictReader(f))


def deceased(site: Site) -> str:
    db = site.db()
    try:
        with db.session() as s:
            nid = s.execute(
                select(Person.national_id).join(Death, Death.person_id == Person.id).limit(1)
            ).scalar_one()
            return str(nid)
    finally:
        db.dispose()


def unknown_nid(site: Site) -> str:
    db = site.db()
    try:
        with db.session() as s:
            taken = set(s.execute(select(Person.national_id)).scalars())
    finally:
        db.dispose()
    return next(
        nid for n in range(100_000_000, 100_001_000) if (nid := nid_rules.make(str(n))) not in taken
    )


def credential(site: Site, nid: str) -> Credential | None:
    db = site.db()
    try:
        with db.session() as s:
            pid = s.execute(select(Person.id).where(Person.national_id == nid)).scalar_one()
            cred = s.get(Credential, pid)
            if cred is not None:
                s.expunge(cred)
            return cred
    finally:
        db.dispose()


def phone_of(site: Site, nid: str) -> str | None:
    db = site.db()
    try:
        with db.session() as s:
            return s.execute(select(Person.phone).where(Person.national_id == nid)).scalar_one()
    finally:
        db.dispose()


def entries(site: Site) -> list[tuple[str, dict[str, object]]]:
    db = site.db()
    try:
        with db.session() as s:
            rows = s.execute(
                select(AuditEntry).where(AuditEntry.kind.in_(KINDS)).order_by(AuditEntry.seq)
            ).scalars()
            return [(e.kind, json.loads(e.data)) for e in rows]
    finally:
        db.dispose()


def raw_audit(site: Site) -> str:
    db = site.db()
    try:
        with db.session() as s:
            return "\n".join(s.execute(select(AuditEntry.data)).scalars())
    finally:
        db.dispose()


def staff_id(site: Site, username: str) -> int:
    db = site.db()
    try:
        with db.session() as s:
            return accounts.find(s, username).id
    finally:
        db.dispose()


def kiosk(site: Site, kiosk_id: str = "ENR-K1") -> RegistryClient:
    key = SigningKey.generate()
    db = site.db()
    try:
        with db.session() as s:
            kiosks.enroll(
                s, kiosk_id, key.public.raw, "مركز عمان", "Amman", dt.datetime.now(dt.UTC)
            )
            s.flush()
            keyring.publish_trust_list(s, site.data, load_settings(site.data))
    finally:
        db.dispose()
    return RegistryClient(site.url, kiosk_id, key, retries=0)


# ---------------------------------------------------------------------------------------------
# pure parts


def test_generated_pins_are_six_digits_and_never_a_run_or_a_repeat() -> None:
    seen = {enrolment.generate_pin() for _ in range(300)}
    assert all(len(p) == 6 and p.isdigit() for p in seen)
    assert len(seen) > 290
    digits = iter([1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7, 7, 4, 8, 2, 9, 1, 3])
    assert enrolment.generate_pin(randbelow=lambda _: next(digits)) == "482913"


def test_pin_issued_never_shows_the_pin() -> None:
    issued = PinIssued(
        "9861234567", 7, "محمد", "Mohammad", dt.datetime.now(dt.UTC), Delivery.SHOW, False, "482913"
    )
    assert "482913" not in repr(issued) and "482913" not in str(issued)
    assert "482913" not in repr([issued]) and "<hidden>" in repr(issued)


def test_phone_numbers_are_stored_in_e164_and_landlines_refused() -> None:
    assert enrolment.normalise_phone(MOBILE, "JO") == MOBILE_E164
    assert enrolment.normalise_phone("+962 79 012 3456", None) == MOBILE_E164
    assert enrolment.normalise_phone("00962790123456", "JO") == MOBILE_E164
    for bad in ("", "12", "079 012 34567890", "not a number", "+999 1234"):
        with pytest.raises(Refused) as caught:
            enrolment.normalise_phone(bad, "JO")
        assert caught.value.code == EnrolRefusal.BAD_PHONE.value
        assert "\u2068" in caught.value.refusal.ar  # the example number isolated in Arabic
    with pytest.raises(Refused) as landline:
        enrolment.normalise_phone("06 500 0000", "JO")
    assert landline.value.code == EnrolRefusal.NOT_MOBILE.value
    assert "محمول" in landline.value.refusal.ar and "mobile" in landline.value.refusal.en


# ---------------------------------------------------------------------------------------------
# the API


def test_clerk_enrols_over_the_api_and_the_citizen_signs_in_at_the_kiosk(
    demo_site: Site,
) -> None:
    site = demo_site
    (nid,) = not_enrolled(site)
    clerk = bearer(site, "amal.clerk")
    client = kiosk(site)
    try:
        with pytest.raises(InvalidCredentials):  # not enrolled: no PIN works
            client.login(national_id=nid, pin="482913")
        r = httpx.post(
            site.url + ENROL.format(nid),
            json={"identity_checked": True, "delivery": "show", "phone": MOBILE},
            headers=clerk,
        )
        assert r.status_code == 200, r.text
        body = r.json()
        pin = body["pin"]
        assert len(pin) == 6 and pin.isdigit()
        assert body["delivery"] == "show" and body["printed"] is False
        assert body["set_by"] == "amal.clerk" and body["phone"] == MOBILE_E164
        session = client.login(national_id=nid, pin=pin)
        assert session.token
    finally:
        client.close()
    cred = credential(site, nid)
    assert cred is not None and cred.set_by == staff_id(site, "amal.clerk")
    assert cred.set_at is not None and pin not in cred.pin_hash
    assert phone_of(site, nid) == MOBILE_E164
    kinds = [k for k, _ in entries(site)]
    assert kinds == ["citizen_enrolled", "phone_set"]
    for _, data in entries(site):
        assert data["by"] == "amal.clerk" and data["office"] == "AMM"
    enrolled = entries(site)[0][1]
    assert enrolled["delivery"] == "show"
    log = raw_audit(site)
    assert pin not in log and MOBILE_E164 not in log and "790123456" not in log
    assert nid not in log


def test_refusals_answer_in_both_languages_and_change_nothing(demo_site: Site) -> None:
    site = demo_site
    (nid,) = not_enrolled(site)
    phone_before = phone_of(site, nid)  # demo citizens have a demo mobile number
    ok = {"identity_checked": True, "delivery": "show"}
    assert httpx.post(site.url + ENROL.format(nid), json=ok).status_code == 401
    for user in ("huda.supervisor", "sami.admin"):
        r = httpx.post(site.url + ENROL.format(nid), json=ok, headers=bearer(site, user))
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_permitted", user
    clerk = bearer(site, "amal.clerk")

    def refused(path: str, body: dict[str, object], status: int, code: str) -> dict[str, str]:
        r = httpx.post(site.url + path, json=body, headers=clerk)
        assert r.status_code == status, (path, body, r.text)
        error = r.json()["error"]
        assert error["code"] == code
        assert error["words"]["ar"] and error["words"]["en"]
        return dict(error["words"])

    refused(ENROL.format(nid), {**ok, "identity_checked": False}, 422, "identity_not_checked")
    refused(ENROL.format("1234567890"), ok, 422, "invalid_national_id")
    refused(ENROL.format(unknown_nid(site)), ok, 404, "not_found")
    words = refused(ENROL.format(deceased(site)), ok, 409, "deceased")
    assert "متوف" in words["ar"]
    refused(RESET.format(deceased(site)), ok, 409, "deceased")
    words = refused(ENROL.format(nid), {**ok, "phone": "12"}, 422, "bad_phone")
    assert "\u2068" in words["ar"]
    refused(ENROL.format(nid), {**ok, "phone": "06 500 0000"}, 422, "not_mobile")
    refused(RESET.format(nid), ok, 409, "not_enrolled")
    enrolled = demo_citizen(site)["national_id"]
    words = refused(ENROL.format(enrolled), ok, 409, "already_enrolled")
    assert "reset" in words["en"] and "أعد تعيينه" in words["ar"]
    bad_body = httpx.post(site.url + ENROL.format(nid), json={"delivery": "fax"}, headers=clerk)
    assert bad_body.status_code == 422
    assert credential(site, nid) is None and phone_of(site, nid) == phone_before
    assert entries(site) == []


def test_a_clerk_enrols_only_at_their_own_office(demo_site: Site) -> None:
    site = demo_site
    (nid,) = not_enrolled(site)
    db = site.db()
    try:
        with db.session() as s:
            clerk = accounts.StaffView.of(accounts.find(s, "amal.clerk"))
            with pytest.raises(Refused) as caught:
                enrolment.enrol(
                    s,
                    nid,
                    clerk,
                    "IRB",
                    dt.datetime.now(dt.UTC),
                    settings=Settings(),
                    identity_checked=True,
                )
            assert caught.value.code == "not_permitted"
            assert "مكتبه" in caught.value.refusal.ar
    finally:
        db.dispose()
    assert credential(site, nid) is None


def test_a_reset_unlocks_a_locked_citizen_and_ends_their_sessions(demo_site: Site) -> None:
    site = demo_site
    citizen = demo_citizen(site)
    nid, old_pin = citizen["national_id"], citizen["pin"]
    client = kiosk(site)
    try:
        client.login(national_id=nid, pin=old_pin)  # an open session, from before the reset
        db = site.db()
        try:
            with db.session() as s:
                pid = s.execute(select(Person.id).where(Person.national_id == nid)).scalar_one()
                cred = s.get(Credential, pid)
                assert cred is not None
                cred.failures, cred.locked_at = 10, dt.datetime.now(dt.UTC)
        finally:
            db.dispose()
        with pytest.raises(Locked):
            client.login(national_id=nid, pin=old_pin)
        clerk = bearer(site, "omar.registrar")
        r = httpx.post(
            site.url + RESET.format(nid),
            json={"identity_checked": True, "delivery": "show"},
            headers=clerk,
        )
        assert r.status_code == 200, r.text
        assert r.json()["unlocked"] is True
        new_pin = r.json()["pin"]
        if new_pin != old_pin:  # one draw in a million is the same PIN
            with pytest.raises(InvalidCredentials):
                client.login(national_id=nid, pin=old_pin)
        assert client.login(national_id=nid, pin=new_pin).token
    finally:
        client.close()
    cred = credential(site, nid)
    assert cred is not None and cred.locked_at is None
    assert cred.set_by == staff_id(site, "omar.registrar")
    ((kind, data),) = entries(site)
    assert kind == "pin_reset" and data["by"] == "omar.registrar" and data["unlocked"] is True
    db = site.db()
    try:
        with db.session() as s:
            sessions = s.execute(
                select(func.count())
                .select_from(CitizenSession)
                .join(Person, Person.id == CitizenSession.person_id)
                .where(Person.national_id == nid)
            ).scalar_one()
    finally:
        db.dispose()
    assert sessions == 1  # the session opened before the reset ended; the new one is open


def test_phone_is_changed_and_removed_over_the_api(demo_site: Site) -> None:
    site = demo_site
    nid = demo_citizen(site)["national_id"]
    clerk = bearer(site, "amal.clerk")
    unchecked = httpx.put(
        site.url + PHONE.format(nid),
        json={"phone": MOBILE, "identity_checked": False},
        headers=clerk,
    )
    assert unchecked.status_code == 422, unchecked.text  # who is at the counter, first
    assert unchecked.json()["error"]["code"] == "identity_not_checked"
    assert phone_of(site, nid) != MOBILE_E164  # unchanged (the demo number)
    ok = {"identity_checked": True}
    r = httpx.put(site.url + PHONE.format(nid), json={**ok, "phone": MOBILE}, headers=clerk)
    assert r.status_code == 200 and r.json()["phone"] == MOBILE_E164
    assert phone_of(site, nid) == MOBILE_E164
    bad = httpx.put(site.url + PHONE.format(nid), json={**ok, "phone": "0790"}, headers=clerk)
    assert bad.status_code == 422 and phone_of(site, nid) == MOBILE_E164
    gone = httpx.put(site.url + PHONE.format(nid), json={**ok, "phone": None}, headers=clerk)
    assert gone.status_code == 200 and gone.json()["phone"] is None
    assert phone_of(site, nid) is None
    assert [d["cleared"] for _, d in entries(site)] == [False, True]
    assert MOBILE_E164 not in raw_audit(site)


@pytest.mark.postgres
def test_two_clerks_enrolling_one_citizen_at_once_give_one_pin(
    tmp_path: Path, throwaway_postgres: Callable[[str], AbstractContextManager[str]]
) -> None:
    with throwaway_postgres("sanad_enrol_race") as url, serving(tmp_path, url, demo=60) as site:
        (nid,) = not_enrolled(site)
        heads = [bearer(site, "amal.clerk"), bearer(site, "omar.registrar")]
        statuses: list[int] = []
        start = threading.Barrier(2)

        def go(head: dict[str, str]) -> None:
            start.wait()
            r = httpx.post(
                site.url + ENROL.format(nid),
                json={"identity_checked": True, "delivery": "show"},
                headers=head,
                timeout=30,
            )
            statuses.append(r.status_code)

        threads = [threading.Thread(target=go, args=(h,)) for h in heads]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(statuses) == [200, 409]
        assert [k for k, _ in entries(site)] == ["citizen_enrolled"]


# ---------------------------------------------------------------------------------------------
# the PIN mailer


def test_the_default_counter_printer_writes_owner_only_mailers(demo_site: Site) -> None:
    site = demo_site
    (nid,) = not_enrolled(site)
    r = httpx.post(
        site.url + ENROL.format(nid),
        json={"identity_checked": True, "delivery": "print"},
        headers=bearer(site, "amal.clerk"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["pin"] is None and r.json()["printed"] is True
    folder = site.data.counter_printer_dir
    (slip,) = folder.glob("receipt-*.png")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(slip.stat().st_mode) == 0o600
    from PIL import Image

    with Image.open(slip) as image:
        assert image.width == 576 and image.height > 600
    assert credential(site, nid) is not None
    assert entries(site)[0][1]["delivery"] == "print"


def test_printer_out_of_paper_mid_job_stores_no_pin(printer_site: Site, emulator: Emulator) -> None:
    site = printer_site
    (nid,) = not_enrolled(site)
    clerk = bearer(site, "amal.clerk")
    body = {"identity_checked": True, "delivery": "print"}
    emulator.paper_out_after(120)  # the paper runs out a few lines into the mailer
    r = httpx.post(site.url + ENROL.format(nid), json=body, headers=clerk, timeout=60)
    assert r.status_code == 503, r.text
    error = r.json()["error"]
    assert error["code"] == "printer_failed"
    assert "out of paper" in error["words"]["en"] and "نفد الورق" in error["words"]["ar"]
    assert "no PIN was saved" in error["words"]["en"]
    assert credential(site, nid) is None and entries(site) == []
    assert [rc.complete for rc in emulator.receipts()] == [False]  # a part-printed slip

    emulator.clear()  # paper loaded: the clerk tries again
    again = httpx.post(site.url + ENROL.format(nid), json=body, headers=clerk, timeout=60)
    assert again.status_code == 200, again.text
    assert [rc.complete for rc in emulator.wait_for_receipts(2)] == [False, True]
    assert credential(site, nid) is not None
    assert [k for k, _ in entries(site)] == ["citizen_enrolled"]

    # a reset on a printer that is out of paper keeps the PIN that works
    before = credential(site, nid)
    emulator.set_state(EmulatorState.PAPER_OUT)
    failed = httpx.post(site.url + RESET.format(nid), json=body, headers=clerk, timeout=60)
    assert failed.status_code == 503
    after = credential(site, nid)
    assert before is not None and after is not None and after.pin_hash == before.pin_hash


# ---------------------------------------------------------------------------------------------
# the pages


def test_pages_enrol_show_the_pin_once_and_change_the_phone(demo_site: Site) -> None:
    site = demo_site
    (nid,) = not_enrolled(site)
    with httpx.Client(base_url=site.url, timeout=20) as c:
        assert c.get(f"/office/citizens/{nid}/enrol").status_code == 303  # no session
        c.cookies.set("sanad-office-lang", "en", domain="127.0.0.1")
        assert browser_sign_in(c, site, "amal.clerk").status_code == 303
        record = c.get(f"/office/record/{nid}")
        assert f'href="/office/citizens/{nid}/enrol"' in record.text
        found = c.get("/office/enrol", params={"national_id": nid})
        assert found.status_code == 303
        assert found.headers["location"] == f"/office/citizens/{nid}/enrol"
        assert c.get("/office/enrol", params={"national_id": "123"}).status_code == 422
        form = c.get(f"/office/citizens/{nid}/enrol")
        assert form.status_code == 200 and "Not enrolled" in form.text
        token = csrf_of(form.text)
        no_csrf = c.post(
            f"/office/citizens/{nid}/enrol", data={"identity_checked": "yes", "delivery": "show"}
        )
        assert no_csrf.status_code == 403
        unchecked = c.post(
            f"/office/citizens/{nid}/enrol", data={"csrf": token, "delivery": "show"}
        )
        assert unchecked.status_code == 422 and "identity card" in unchecked.text
        assert credential(site, nid) is None
        shown = c.post(
            f"/office/citizens/{nid}/enrol",
            data={"csrf": token, "identity_checked": "yes", "delivery": "show", "phone": MOBILE},
        )
        assert shown.status_code == 200 and "The new PIN" in shown.text
        assert shown.headers["cache-control"] == "no-store"
        cred = credential(site, nid)
        assert cred is not None
        again = c.get(f"/office/citizens/{nid}/enrol")
        assert "Enrolled; PIN set on" in again.text and MOBILE_E164 in again.text
        assert "Reset the PIN" in again.text
        changed = c.post(
            f"/office/citizens/{nid}/phone",
            data={"csrf": token, "identity_checked": "yes", "phone": "+962 78 555 1234"},
        )
        assert changed.status_code == 200 and "The phone number is saved" in changed.text
        assert phone_of(site, nid) == "+962785551234"
        printed = c.post(
            f"/office/citizens/{nid}/pin-reset",
            data={"csrf": token, "identity_checked": "yes", "delivery": "print"},
        )
        assert printed.status_code == 200 and "mailer printed" in printed.text
    pin_shown = shown.text.split('class="pin-digits"')[1].split(">")[1].split("<")[0]
    assert len(pin_shown) == 6 and pin_shown not in printed.text
    assert [k for k, _ in entries(site)] == [
        "citizen_enrolled",
        "phone_set",
        "phone_set",
        "pin_reset",
    ]


def test_every_enrolment_word_in_both_languages() -> None:
    from registry.office_web.enrolment_text import TEXT

    assert set(TEXT["ar"]) == set(TEXT["en"])
    assert all(v.strip() for lang in TEXT.values() for v in lang.values())
    for code in EnrolRefusal:
        words = enrolment.refusal(code, "JO")
        assert words.ar.strip() and words.en.strip() and words.code == code.value


def test_the_page_speaks_of_a_woman_in_the_feminine(demo_site: Site) -> None:
    site = demo_site
    with site.data.demo_citizens_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    woman = next(r["national_id"] for r in rows if r["sex"] == "F")
    man = next(r["national_id"] for r in rows if r["sex"] == "M")
    with httpx.Client(base_url=site.url, timeout=20) as c:
        assert browser_sign_in(c, site, "amal.clerk").status_code == 303  # Arabic by default
        her = c.get(f"/office/citizens/{woman}/enrol").text
        his = c.get(f"/office/citizens/{man}/enrol").text
    # demo citizens hold a seeded PIN
    assert "مسجَّلة (رقم سري من بيانات التجربة)" in her
    assert "مسجَّل (رقم سري من بيانات التجربة)" in his and "مسجَّلة" not in his
