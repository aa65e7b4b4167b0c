"""Corrections under four eyes, on SQLite and PostgreSQL, through the office API: who may
propose, decide and withdraw; which values are refused and why; what an approval writes (the
record, version 2, the name search keys, superseded documents and their online status, the
audit chain); and what a kiosk then issues (a new document with the corrected data, also for
a retry of the superseded document's purchase)."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import or_, select

from registry import audit, keyring, kiosks, offices, record_history, records
from registry import staff as accounts
from registry.civil import corrections, store
from registry.client import CitizenSession, RegistryClient
from registry.config import load_settings
from registry.issuance import payload_sha256
from registry.models import AuditEntry, Death, Marriage, Person, PersonNameBlock
from registry.office import arabic_match
from registry.office.declarations import EventKind, Role
from registry.office.errors import NoTransition
from tests.office.civil_support import LAW, NOW, Civil, Databases, birth_facts
from tests.office.office_support import CHEAP, Site, browser_sign_in, csrf_of, serving
from verifier import codec, cose
from verifier.documents import DocumentType
from verifier.keys import SigningKey, load_public_key
from verifier.payload import decode_claims
from verifier.service.online import online_status
from verifier.service_words import officer_message
from verifier.trust import load_trust_list
from verifier.verify import verify

API = "/api/v1/office/corrections"
PEOPLE = {
    # username: role, office ("home": the citizen's birth office; "other": another), names
    "rana.registrar": (Role.REGISTRAR, "home", "رنا محمود العدوان", "Rana Mahmoud Al-Adwan"),
    "badr.registrar": (Role.REGISTRAR, "home", "بدر سليمان الفايز", "Badr Suleiman Al-Fayez"),
    "zaid.registrar": (Role.REGISTRAR, "other", "زيد عادل القضاة", "Zaid Adel Al-Qudah"),
    "noor.clerk": (Role.CLERK, "home", "نور هاني الحديد", "Noor Hani Al-Hadid"),
}


@dataclass
class World:
    """A served registry with a demo population, a citizen who can use a kiosk, the staff of
    her birth office, and a kiosk."""

    site: Site
    nid: str  # the citizen (unmarried, her father in the register)
    pin: str
    father_nid: str
    office: str
    passwords: dict[str, str]
    kiosk: RegistryClient
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def bearer(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            password = self.passwords.get(username) or self.site.passwords[username]
            r = httpx.post(
                f"{self.site.url}/api/v1/office/session",
                json={
                    "username": username,
                    "password": password,
                    "code": self.site.code(username),
                },
            )
            assert r.status_code == 201, r.text
            self.tokens[username] = {"Authorization": f"Bearer {r.json()['token']}"}
        return self.tokens[username]

    def post(self, path: str, username: str, body: Any = None) -> httpx.Response:
        return httpx.post(
            self.site.url + path, json=body, headers=self.bearer(username), timeout=20
        )

    def get(self, path: str, username: str) -> httpx.Response:
        return httpx.get(self.site.url + path, headers=self.bearer(username), timeout=20)

    def propose(self, username: str, changes: dict[str, Any], **extra: Any) -> httpx.Response:
        body = {
            "record": f"person:{self.nid}",
            "changes": changes,
            "reason": "a clerical error at registration",
            "evidence": "Court of First Instance ruling 2026/1187",
            **extra,
        }
        return self.post(API, username, body)

    def person(self, nid: str | None = None) -> Person:
        db = self.site.db()
        try:
            with db.session() as s:
                p = s.execute(
                    select(Person).where(Person.national_id == (nid or self.nid))
                ).scalar_one()
                s.expunge(p)
                return p
        finally:
            db.dispose()

    def login(self) -> CitizenSession:
        return self.kiosk.login(national_id=self.nid, pin=self.pin)


def _citizen(site: Site) -> tuple[dict[str, str], str, str]:
    """A demo citizen with a PIN, unmarried and alive, whose father is in the register; her
    father's national number and her birth office's code."""
    db = site.db()
    try:
        with site.data.demo_citizens_path.open(encoding="utf-8", newline="") as f:
            citizens = list(csv.DictReader(f))
        with db.session() as s:
            for c in citizens:
                p = s.execute(
                    select(Person).where(Person.national_id == c["national_id"])
                ).scalar_one()
                married = s.execute(
                    select(Marriage.id).where(
                        or_(Marriage.husband_id == p.id, Marriage.wife_id == p.id)
                    )
                ).first()
                dead = s.execute(select(Death.id).where(Death.person_id == p.id)).first()
                office = offices.by_name(s, p.birth_office_ar)
                if p.father_id is None or married or dead or office is None:
                    continue
                father = s.get_one(Person, p.father_id)
                return c, father.national_id, office.code
    finally:
        db.dispose()
    raise AssertionError("the demo population has no unmarried citizen with a father")


def make_world(site: Site) -> World:
    citizen, father_nid, office = _citizen(site)
    other = "IRB" if office != "IRB" else "AMM"
    passwords: dict[str, str] = {}
    key = SigningKey.generate()
    db = site.db()
    try:
        with db.session() as s:
            for username, (role, where, ar, en) in PEOPLE.items():
                creds = accounts.add_staff(
                    s,
                    CHEAP,
                    username=username,
                    name_ar=ar,
                    name_en=en,
                    role=role,
                    office=office if where == "home" else other,
                    password=None,
                    by="test",
                    at=dt.datetime.now(dt.UTC),
                    seal=accounts.SecretSeal(site.data.staff_secret_key()),
                    demo=True,
                )
                assert creds.password is not None
                passwords[username] = creds.password
            kiosks.enroll(
                s, "COR-K1", key.public.raw, "مركز عمان", "Amman", dt.datetime.now(dt.UTC)
            )
            s.flush()
            keyring.publish_trust_list(s, site.data, load_settings(site.data))
    finally:
        db.dispose()
    return World(
        site,
        citizen["national_id"],
        citizen["pin"],
        father_nid,
        office,
        passwords,
        RegistryClient(site.url, "COR-K1", key),
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> Iterator[World]:
    if request.param == "sqlite":
        with serving(tmp_path, None, demo=20) as site:
            w = make_world(site)
            yield w
            w.kiosk.close()
        return
    with throwaway_postgres("sanad_corrections") as url, serving(tmp_path, url, demo=20) as site:
        w = make_world(site)
        yield w
        w.kiosk.close()


def audit_entries(site: Site, kind: str) -> list[dict[str, Any]]:
    db = site.db()
    try:
        with db.session() as s:
            rows = s.execute(select(AuditEntry).where(AuditEntry.kind == kind)).scalars()
            return [json.loads(e.data) for e in rows]
    finally:
        db.dispose()


def fields_of(qr_text: str) -> dict[str, Any]:
    claims = decode_claims(cose.parse_sign1(codec.decode_text(qr_text)).payload)
    return dict(claims.document.fields)


def error_code(r: httpx.Response) -> str:
    code: str = r.json()["error"]["code"]
    return code


# ---------------------------------------------------------------------------------------------


def test_refusals_change_nothing(world: World) -> None:
    w = world
    before = w.person()
    new_given = "مريم" if before.given_ar != "مريم" else "سلمى"
    # a clerk proposes: the rules refuse, in both languages
    r = w.propose("noor.clerk", {"given_ar": new_given})
    assert r.status_code == 403 and error_code(r) == "not_permitted"
    assert "موظف تسجيل" in r.json()["error"]["words"]["ar"]
    # a registrar of another office
    r = w.propose("zaid.registrar", {"given_ar": new_given})
    assert r.status_code == 403 and error_code(r) == "other_office"
    # a supervisor decides corrections but does not propose them
    r = w.propose("huda.supervisor", {"given_ar": new_given})
    assert r.status_code == 403 and error_code(r) == "not_permitted"
    # values that cannot be used, each with the problem named
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"date_of_birth": "2001-02-30"}, "invalid_date", "not a real date"),
        ({"date_of_birth": "2999-01-01"}, "date_in_future", "in the future"),
        (
            {"date_of_birth": (before.birth_registered_on + dt.timedelta(days=1)).isoformat()},
            "birth_after_registration",
            "after the birth was registered",
        ),
        (
            {"date_of_birth": w.person(w.father_nid).date_of_birth.isoformat()},
            "birth_before_parent",
            "not after a parent's birth",
        ),
        ({"given_ar": before.given_ar}, "unchanged", "already recorded"),
        ({"given_latin": "مريم"}, "invalid_value", "Latin letters"),
        ({"given_ar": "Mariam"}, "invalid_value", "Arabic letters"),
        ({"sex": "other"}, "invalid_value", "male or female"),
        ({"national_id": "2990000000"}, "unknown_field", "not a field"),
        ({}, "no_changes", "No field"),
    ]
    for changes, code, words in cases:
        r = w.propose("rana.registrar", changes)
        assert r.status_code == 422, (changes, r.text)
        assert error_code(r) == code and words in r.json()["error"]["message"], r.text
    r = w.propose("rana.registrar", {"given_ar": new_given}, evidence=" ")
    assert r.status_code == 422 and error_code(r) == "evidence_required"
    r = w.propose("rana.registrar", {"given_ar": new_given}, evidence="ruling\x00 12")
    assert r.status_code == 422  # a control character is refused before any rule
    r = w.propose("rana.registrar", {"given_ar": new_given}, record="person:2990000001")
    assert r.status_code == 404 and error_code(r) == "no_such_record"
    assert audit_entries(w.site, "correction_proposed") == []

    r = w.propose("rana.registrar", {"given_ar": f"  {new_given}\u0640 "})  # tatweel, spaces
    assert r.status_code == 201, r.text
    made = r.json()
    number = made["number"]
    assert made["state"] == "proposed" and made["office"] == w.office
    assert made["changes"] == [{"field": "given_ar", "old": before.given_ar, "new": new_given}]
    # the proposer does not decide; nor does another office, nor a clerk
    r = w.post(f"{API}/{number}/approve", "rana.registrar")
    assert r.status_code == 403 and error_code(r) == "own_correction"
    r = w.post(f"{API}/{number}/approve", "zaid.registrar")
    assert r.status_code == 403 and error_code(r) == "other_office"
    r = w.post(f"{API}/{number}/approve", "noor.clerk")
    assert r.status_code == 403 and error_code(r) == "not_permitted"
    r = w.post(f"{API}/{number}/decline", "badr.registrar", {"reason": "  "})
    assert r.status_code == 422 and error_code(r) == "reason_required"
    # only the proposer withdraws
    r = w.post(f"{API}/{number}/withdraw", "badr.registrar")
    assert r.status_code == 403 and error_code(r) == "not_proposer"
    # the queue: the office's registrars and the supervisor see it, the other office not
    assert [c["number"] for c in w.get(API, "badr.registrar").json()["corrections"]] == [number]
    assert [c["number"] for c in w.get(API, "huda.supervisor").json()["corrections"]] == [number]
    assert w.get(API, "zaid.registrar").json()["corrections"] == []
    assert w.get(f"{API}/{number}", "zaid.registrar").status_code == 403
    after = w.person()
    assert (after.given_ar, after.name_key) == (before.given_ar, before.name_key)

    r = w.post(f"{API}/{number}/withdraw", "rana.registrar")
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    r = w.post(f"{API}/{number}/approve", "badr.registrar")
    assert r.status_code == 409 and error_code(r) == "wrong_state"
    assert w.person().given_ar == before.given_ar
    assert w.get(API, "badr.registrar").json()["corrections"] == []
    kinds = [e["state"] for e in audit_entries(w.site, "correction_withdrawn")]
    assert kinds == ["withdrawn"]
    db = w.site.db()
    try:
        with db.session() as s:
            assert record_history.versions(s, f"person:{w.nid}") == []
            assert audit.verify_chain(s).ok
    finally:
        db.dispose()


def test_decline_by_a_supervisor_keeps_the_record(world: World) -> None:
    w = world
    before = w.person()
    day = (before.date_of_birth - dt.timedelta(days=2)).isoformat()
    number = w.propose("rana.registrar", {"date_of_birth": day}).json()["number"]
    r = w.post(f"{API}/{number}/decline", "huda.supervisor", {"reason": "the ruling is not final"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "declined"
    assert r.json()["decision_reason"] == "the ruling is not final"
    assert w.person().date_of_birth == before.date_of_birth
    (entry,) = audit_entries(w.site, "correction_declined")
    assert entry["correction"] == number and entry["role"] == "supervisor"
    assert "ruling" not in json.dumps(entry)  # free text stays out of the log


def test_approval_writes_version_two_and_supersedes_issued_documents(world: World) -> None:
    w = world
    before = w.person()
    session = w.login()
    offers = {(e.document_type, e.subject) for e in w.kiosk.entitlements(session)}
    family = (DocumentType.FAMILY_EXTRACT, w.father_nid)
    assert family in offers
    birth = w.kiosk.issue(
        session,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=w.nid,
        payment_reference="PAY-COR-1",
    )
    extract = w.kiosk.issue(
        session,
        document_type=DocumentType.INDIVIDUAL_EXTRACT,
        subject=w.nid,
        payment_reference="PAY-COR-2",
        idempotency_key="retry-key-0001",
    )
    fathers = w.kiosk.issue(
        session,
        document_type=DocumentType.FAMILY_EXTRACT,
        subject=w.father_nid,
        payment_reference="PAY-COR-3",
    )
    members = [m.national_id for m in fields_of(fathers.qr_text)["members"]]
    assert w.nid in members

    def status(doc: Any) -> Any:
        return w.kiosk.document_status(doc.serial, payload_sha256(doc.qr_text))

    assert status(birth).status == "valid"
    new_given = "مريم" if before.given_ar != "مريم" else "سلمى"
    born = before.date_of_birth - dt.timedelta(days=1)
    r = w.propose(
        "rana.registrar",
        {"given_ar": new_given, "given_latin": "Mariam", "date_of_birth": born.isoformat()},
    )
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    assert status(birth).status == "valid"  # a proposal changes nothing yet

    r = w.post(f"{API}/{number}/approve", "badr.registrar")
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["state"] == "approved" and done["version"] == 2
    assert sorted(done["superseded"]) == sorted([birth.serial, extract.serial, fathers.serial])
    old = {c["field"]: c["old"] for c in done["changes"]}
    assert old == {
        "given_ar": before.given_ar,
        "given_latin": before.given_latin,
        "date_of_birth": before.date_of_birth.isoformat(),
    }
    after = w.person()
    assert (after.given_ar, after.given_latin, after.date_of_birth) == (new_given, "Mariam", born)
    assert after.name_key == arabic_match.search_key(after.name_ar) != before.name_key
    db = w.site.db()
    try:
        with db.session() as s:
            history = record_history.versions(s, f"person:{w.nid}")
            assert [v.version for v in history] == [1, 2]
            assert history[0].data["given_ar"] == before.given_ar
            assert history[1].data["given_ar"] == new_given
            assert history[1].data["date_of_birth"] == born.isoformat()
            assert history[1].by == accounts.find(s, "badr.registrar").id
            assert history[1].correction_id is not None
            assert history[1].reason == "a clerical error at registration"
            blocks = set(
                s.execute(
                    select(PersonNameBlock.block).where(PersonNameBlock.person_id == after.id)
                ).scalars()
            )
            assert blocks == set(arabic_match.blocking_keys(after.name_ar))
            assert audit.verify_chain(s).ok
    finally:
        db.dispose()
    (approved,) = audit_entries(w.site, "correction_approved")
    assert approved["correction"] == number and approved["version"] == 2
    assert approved["by"] == "badr.registrar"
    assert audit_entries(w.site, "correction_proposed")[0]["by"] == "rana.registrar"
    assert approved["fields"] == ["date_of_birth", "given_ar", "given_latin"]
    assert new_given not in json.dumps(approved, ensure_ascii=False)
    # the name search finds the corrected name
    found = w.get(f"/api/v1/office/search?q={after.name_ar}", "badr.registrar").json()
    assert w.nid in json.dumps(found)

    # the online status the verifier asks: superseded, since the approval
    for doc in (birth, extract, fathers):
        st = status(doc)
        assert st.status == "superseded", doc.serial
        assert number in (st.reason or "")
        assert st.since is not None
        assert st.since.date() == dt.datetime.fromisoformat(done["decided_at"]).date()

    # the verifier's online check, end to end: genuine, superseded, the officer told why
    trust = load_trust_list(
        httpx.get(f"{w.site.url}/api/v1/trust-list").content,
        [load_public_key(w.site.data.root_public_key_path)],
    )
    verdict = verify(birth.qr_text, trust)
    assert verdict.status.value == "valid"

    async def ask() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=10) as client:
            return await online_status(client, w.site.url, verdict)

    online = asyncio.run(ask())
    assert online["registry_status"] == "superseded" and online["issued"] is True
    assert online["since"] is not None and number in (online["reason"] or "")
    words = officer_message({**verdict.to_json(), "online_status": online})
    assert words["outcome"] == "valid" and words["note"] is not None
    assert "تصحيح للقيد" in words["note"]["ar"] and "correction" in words["note"]["en"]
    assert online["since"][:10] in words["note"]["en"]

    # the kiosk asks again: a new document with the corrected data
    again = w.kiosk.issue(
        session,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=w.nid,
        payment_reference="PAY-COR-4",
    )
    assert again.serial != birth.serial and not again.replayed
    fresh = fields_of(again.qr_text)
    assert fresh["name"].ar.startswith(new_given) and fresh["date_of_birth"] == born
    assert status(again).status == "valid"
    # a retry of the superseded document's purchase (same key) is not handed the old one
    retried = w.kiosk.issue(
        session,
        document_type=DocumentType.INDIVIDUAL_EXTRACT,
        subject=w.nid,
        payment_reference="PAY-COR-2",
        idempotency_key="retry-key-0001",
    )
    assert retried.serial != extract.serial
    assert fields_of(retried.qr_text)["name"].ar.startswith(new_given)
    assert status(retried).status == "valid" and status(extract).status == "superseded"
    # and a retry of that retry is the same new document, never a third
    replay = w.kiosk.issue(
        session,
        document_type=DocumentType.INDIVIDUAL_EXTRACT,
        subject=w.nid,
        payment_reference="PAY-COR-2",
        idempotency_key="retry-key-0001",
    )
    assert replay.serial == retried.serial and replay.replayed
    issued = audit_entries(w.site, "document_issued")
    assert [e.get("replaces") for e in issued if e["serial"] == retried.serial] == [extract.serial]


def test_a_birth_date_after_the_persons_death_is_refused(world: World) -> None:
    w = world
    db = w.site.db()
    try:
        with db.session() as s:
            row = s.execute(select(Death, Person).join(Person, Person.id == Death.person_id))
            found = row.first()
            if found is None:
                pytest.skip("the demo population has no death")
            death, person = found
            nid, died = person.national_id, death.date
            for username, office_name in (
                ("lina.registrar", person.birth_office_ar),
                ("fadi.registrar", death.office_ar),
            ):
                office = offices.by_name(s, office_name)
                assert office is not None
                creds = accounts.add_staff(
                    s,
                    CHEAP,
                    username=username,
                    name_ar="لينا فراس التل",
                    name_en="Lina Firas Al-Tal",
                    role=Role.REGISTRAR,
                    office=office.code,
                    password=None,
                    by="test",
                    at=dt.datetime.now(dt.UTC),
                    seal=accounts.SecretSeal(w.site.data.staff_secret_key()),
                    demo=True,
                )
                assert creds.password is not None
                w.passwords[username] = creds.password
    finally:
        db.dispose()
    after_death = min(died + dt.timedelta(days=1), dt.date.today())
    r = w.propose(
        "lina.registrar", {"date_of_birth": after_death.isoformat()}, record=f"person:{nid}"
    )
    assert r.status_code == 422 and error_code(r) == "birth_after_death", r.text
    assert "after the person's death" in r.json()["error"]["message"]
    assert "بعد تاريخ وفاة" in r.json()["error"]["words"]["ar"]
    r = w.post(
        API,
        "fadi.registrar",
        {
            "record": f"death:{death.record_number}",
            "changes": {"date": (person.date_of_birth - dt.timedelta(days=1)).isoformat()},
            "reason": "the hospital's letter",
            "evidence": "letter 44/2026",
        },
    )
    assert r.status_code == 422 and error_code(r) == "death_before_birth", r.text
    assert "before the person's birth" in r.json()["error"]["message"]


def test_two_approvals_at_once_give_exactly_one(world: World) -> None:
    """Two deciders approve the same correction at once: the second waits on the first's row
    lock (PostgreSQL's SELECT ... FOR UPDATE; SQLite's write lock) and, once the first commits,
    finds it approved. One approval, one `wrong_state`, one new version, the chain intact."""
    w = world
    before = w.person()
    born = before.date_of_birth - dt.timedelta(days=3)
    number = w.propose("rana.registrar", {"date_of_birth": born.isoformat()}).json()["number"]
    db = w.site.db()
    try:
        with db.session() as s:
            first, second = (
                accounts.StaffView.of(accounts.find(s, u)).staff
                for u in ("badr.registrar", "huda.supervisor")
            )
    finally:
        db.dispose()
    engines = [w.site.db(), w.site.db()]
    holding, release = threading.Event(), threading.Event()
    results: dict[str, str] = {}

    def approve_and_hold() -> None:
        with engines[0].session() as s:
            corrections.approve(s, first, number, at=dt.datetime.now(dt.UTC))
            holding.set()  # approved, not yet committed: the locks are held
            release.wait(20)
        results["first"] = "approved"

    def approve_meanwhile() -> None:
        holding.wait(20)
        try:
            with engines[1].session() as s:
                corrections.approve(s, second, number, at=dt.datetime.now(dt.UTC))
            results["second"] = "approved"
        except NoTransition as exc:
            results["second"] = exc.code

    threads = [
        threading.Thread(target=approve_and_hold),
        threading.Thread(target=approve_meanwhile),
    ]
    for t in threads:
        t.start()
    assert holding.wait(20)
    threads[1].join(1.0)
    waited = threads[1].is_alive()  # blocked on the lock while the first is uncommitted
    release.set()
    for t in threads:
        t.join(30)
    for e in engines:
        e.dispose()
    assert waited
    assert results == {"first": "approved", "second": "wrong_state"}
    assert w.person().date_of_birth == born
    assert len(audit_entries(w.site, "correction_approved")) == 1
    db = w.site.db()
    try:
        with db.session() as s:
            assert [v.version for v in record_history.versions(s, f"person:{w.nid}")] == [1, 2]
            report = audit.verify_chain(s)
            assert report.ok, report.problems
    finally:
        db.dispose()


def test_pages_check_csrf_and_answer_refusals_in_the_readers_language(world: World) -> None:
    w = world
    site = w.site
    before = w.person()
    new_given = "مريم" if before.given_ar != "مريم" else "سلمى"
    record = f"person:{w.nid}"
    with httpx.Client(base_url=site.url, timeout=20) as c:
        site.passwords.update(w.passwords)
        assert browser_sign_in(c, site, "rana.registrar").status_code == 303
        form = c.get("/office/corrections/new", params={"record": record})
        assert form.status_code == 200 and before.given_ar in form.text
        token = csrf_of(form.text)
        body = {
            "record": record,
            "f_given_ar": new_given,
            "reason": "a clerical error",
            "evidence": "ruling 12/2026",
        }
        assert c.post("/office/corrections/new", data={**body, "csrf": "no"}).status_code == 403
        bad = c.post(
            "/office/corrections/new",
            data={**body, "f_date_of_birth": "2001-13-01", "csrf": token},
        )
        assert bad.status_code == 422 and "ليس تاريخًا صحيحًا" in bad.text
        assert new_given in bad.text  # what was typed is kept
        made = c.post("/office/corrections/new", data={**body, "csrf": token})
        assert made.status_code == 303, made.text
        page_url = made.headers["location"].split("?")[0]
        number = page_url.rsplit("/", 1)[1]
        own = c.post(f"{page_url}/approve", data={"csrf": token})
        assert own.status_code == 403 and "اقترحته بنفسك" in own.text
        assert c.get("/office/corrections/new", params={"record": "person:1"}).status_code == 404
    site.next_step()
    with httpx.Client(base_url=site.url, timeout=20) as c:
        c.cookies.set("sanad-office-lang", "en", domain="127.0.0.1")
        assert browser_sign_in(c, site, "badr.registrar").status_code == 303
        shown = c.get(page_url)
        assert shown.status_code == 200 and "Approve the correction" in shown.text
        token = csrf_of(shown.text)
        assert c.post(f"{page_url}/approve", data={"csrf": "forged"}).status_code == 403
        empty = c.post(f"{page_url}/decline", data={"csrf": token, "reason": " "})
        assert empty.status_code == 422 and "without a reason" in empty.text
        assert w.person().given_ar == before.given_ar
        done = c.post(f"{page_url}/approve", data={"csrf": token})
        assert done.status_code == 303 and done.headers["location"].endswith("done=approved")
        again = c.post(f"{page_url}/approve", data={"csrf": token})
        assert again.status_code == 409 and "it is approved" in again.text
    assert w.person().given_ar == new_given
    assert w.get(f"{API}/{number}", "huda.supervisor").json()["version"] == 2
    with httpx.Client(base_url=site.url, timeout=20) as c:
        assert browser_sign_in(c, site, "noor.clerk").status_code == 303
        assert c.get("/office/corrections/new", params={"record": record}).status_code == 403


def _staff_at(w: World, office_name: str, *usernames: str) -> None:
    db = w.site.db()
    try:
        with db.session() as s:
            office = offices.by_name(s, office_name)
            assert office is not None
            for username in usernames:
                creds = accounts.add_staff(
                    s,
                    CHEAP,
                    username=username,
                    name_ar="سلمى ماجد الروسان",
                    name_en="Salma Majed Al-Rousan",
                    role=Role.REGISTRAR,
                    office=office.code,
                    password=None,
                    by="test",
                    at=dt.datetime.now(dt.UTC),
                    seal=accounts.SecretSeal(w.site.data.staff_secret_key()),
                    demo=True,
                )
                assert creds.password is not None
                w.passwords[username] = creds.password
    finally:
        db.dispose()


def test_a_marriage_correction_supersedes_its_certificate(world: World) -> None:
    w = world
    db = w.site.db()
    try:
        with w.site.data.demo_citizens_path.open(encoding="utf-8", newline="") as f:
            citizens = list(csv.DictReader(f))
        with db.session() as s:
            found = None
            for c in citizens:
                p = s.execute(
                    select(Person).where(Person.national_id == c["national_id"])
                ).scalar_one()
                m = s.execute(
                    select(Marriage).where(
                        or_(Marriage.husband_id == p.id, Marriage.wife_id == p.id)
                    )
                ).scalar()
                if m is not None:
                    husband = s.get_one(Person, m.husband_id)
                    found = (c, m.record_number, m.date, m.office_ar, husband.date_of_birth)
                    break
    finally:
        db.dispose()
    assert found is not None, "the demo population has no married citizen"
    citizen, record, married_on, office_ar, husband_born = found
    _staff_at(w, office_ar, "hala.registrar", "ward.registrar")
    session = w.kiosk.login(national_id=citizen["national_id"], pin=citizen["pin"])
    offers = {(e.document_type, e.subject) for e in w.kiosk.entitlements(session)}
    if (DocumentType.MARRIAGE_CERTIFICATE, record) not in offers:
        pytest.skip("the married citizen's marriage ended (a divorce or a death)")
    cert = w.kiosk.issue(
        session,
        document_type=DocumentType.MARRIAGE_CERTIFICATE,
        subject=record,
        payment_reference="PAY-COR-M1",
    )
    body = {
        "record": f"marriage:{record}",
        "reason": "the contract's date was copied wrongly",
        "evidence": "Sharia court letter 77/2026",
    }
    early = {"date": husband_born.isoformat()}
    r = w.post(API, "hala.registrar", {**body, "changes": early})
    assert r.status_code == 422 and error_code(r) == "marriage_before_birth", r.text
    corrected = married_on - dt.timedelta(days=1)
    r = w.post(API, "hala.registrar", {**body, "changes": {"date": corrected.isoformat()}})
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    r = w.post(f"{API}/{number}/approve", "ward.registrar")
    assert r.status_code == 200, r.text
    assert r.json()["superseded"] == [cert.serial]
    st = w.kiosk.document_status(cert.serial, payload_sha256(cert.qr_text))
    assert st.status == "superseded" and number in (st.reason or "")
    again = w.kiosk.issue(
        session,
        document_type=DocumentType.MARRIAGE_CERTIFICATE,
        subject=record,
        payment_reference="PAY-COR-M2",
    )
    assert fields_of(again.qr_text)["date_of_marriage"] == corrected


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def civil(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Civil]:
    yield from Databases(tmp_path).open(request.param)


def test_a_birth_registered_at_the_office_is_corrected_as_its_version_two(civil: Civil) -> None:
    """A record registered through the declarations store already has version 1 (the
    registration): the approved correction is version 2, and the name search follows it."""
    later = NOW + dt.timedelta(minutes=5)
    with civil.db.session() as s:
        mother = civil.mother(s)
        father = civil.husband_of(s, mother)
        declared = store.declare(
            s, EventKind.BIRTH, birth_facts(mother, father), by=civil.staff["clerk"], at=NOW
        )
    with civil.db.session() as s:
        done = store.register(s, declared.number, by=civil.staff["registrar"], at=later, law=LAW)
    assert done.registered_ref is not None
    ref = done.registered_ref
    at = later + dt.timedelta(hours=1)
    with civil.db.session() as s:
        proposer = store.staff_of(s, civil.staff["registrar"])
        with pytest.raises(corrections.Invalid) as refused:
            corrections.propose(
                s,
                proposer,
                ref,
                {"date_of_birth": mother.date_of_birth.isoformat()},
                reason="the hospital's notice",
                evidence="Al-Bashir letter 118",
                at=at,
            )
        assert refused.value.code == "birth_before_parent"
        made = corrections.propose(
            s,
            proposer,
            ref,
            {"given_ar": "ليانة", "given_latin": "Layana"},
            reason="the hospital's notice",
            evidence="Al-Bashir letter 118",
            at=at,
        )
    with civil.db.session() as s:
        approver = store.staff_of(s, civil.staff["registrar2"])
        approved = corrections.approve(s, approver, made.number, at=at + dt.timedelta(minutes=1))
    assert approved.version == 2
    with civil.db.session() as s:
        history = record_history.versions(s, ref)
        assert [v.version for v in history] == [1, 2]
        assert history[0].declaration_id is not None and history[0].data["given_ar"] == "ليان"
        assert history[1].data["given_ar"] == "ليانة"
        assert history[1].data["given_latin"] == "Layana"
        child = s.execute(
            select(Person).where(Person.national_id == ref.removeprefix("person:"))
        ).scalar_one()
        found = records.search(s, child.name_ar)
        assert child.national_id in [f.national_id for f in found]
        assert audit.verify_chain(s).ok


def test_the_today_page_counts_the_corrections_waiting_for_those_who_decide(world: World) -> None:
    w = world
    site = w.site
    before = w.person()
    new_given = "مريم" if before.given_ar != "مريم" else "سلمى"
    assert w.propose("rana.registrar", {"given_ar": new_given}).status_code == 201
    site.passwords.update(w.passwords)
    for username, shown in (("badr.registrar", True), ("noor.clerk", False)):
        site.next_step()
        with httpx.Client(base_url=site.url, timeout=20) as c:
            assert browser_sign_in(c, site, username).status_code == 303
            page = c.get("/office/today").text
        assert ("تصحيحات بانتظار القرار (<bdi>1</bdi>)" in page) is shown, username
