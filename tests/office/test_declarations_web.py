"""Declarations through the office app: the API twins with staff bearer tokens and the pages
with a browser's cookie and CSRF tokens, on a registry served on a real socket (SQLite; the
journey once more on PostgreSQL). Refusals answer in the reader's language and change
nothing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from registry import audit
from registry import staff as accounts
from registry.models import AuditEntry, Death, DeclarationRow, Marriage, Person
from registry.office.declarations import Role
from tests.office.office_support import CHEAP, Site, browser_sign_in, csrf_of, serving

API = "/api/v1/office/declarations"

# staff added to the served site beside office_support.ACCOUNTS
MORE = {
    "rana.registrar": (Role.REGISTRAR, "AMM", "رنا محمود الحسن", "Rana Mahmoud Al-Hasan"),
    "irbid.registrar": (Role.REGISTRAR, "IRB", "خالد سعيد الرفاعي", "Khaled Saeed Al-Rifai"),
}


def add_staff(site: Site) -> None:
    db = site.db()
    try:
        with db.session() as s:
            for username, (role, office, ar, en) in MORE.items():
                creds = accounts.add_staff(
                    s,
                    CHEAP,
                    username=username,
                    name_ar=ar,
                    name_en=en,
                    role=role,
                    office=office,
                    password=None,
                    by="test",
                    at=dt.datetime.now(dt.UTC),
                    seal=accounts.SecretSeal(site.data.staff_secret_key()),
                    demo=True,
                )
                assert creds.password is not None
                site.passwords[username] = creds.password
    finally:
        db.dispose()


@dataclass
class Web:
    """A served registry with a population, and the parents and people the tests use up."""

    site: Site
    parents: list[tuple[str, str]] = field(default_factory=list)  # (mother, father) nids
    adults: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.site.url

    def today(self) -> dt.date:
        return self.site.clock.now().date()

    def couple(self) -> tuple[str, str]:
        return self.parents.pop(0)

    def adult(self) -> str:
        return self.adults.pop(0)

    def count(self, model: Any) -> int:
        db = self.site.db()
        try:
            with db.session() as s:
                return int(s.execute(select(func.count()).select_from(model)).scalar_one())
        finally:
            db.dispose()


def _people(site: Site) -> tuple[list[tuple[str, str]], list[str]]:
    """Living married women aged 20 to 40 with a living husband; living adults without."""
    today = site.clock.now().date()
    db = site.db()
    try:
        with db.session() as s:
            dead = set(s.execute(select(Death.person_id)).scalars())
            couples: list[tuple[str, str]] = []
            used: set[int] = set()
            for m in s.execute(select(Marriage).order_by(Marriage.id)).scalars():
                wife, husband = s.get(Person, m.wife_id), s.get(Person, m.husband_id)
                assert wife is not None and husband is not None
                age = (today - wife.date_of_birth).days // 365
                if 20 <= age <= 40 and not {wife.id, husband.id} & (dead | used):
                    couples.append((wife.national_id, husband.national_id))
                    used |= {wife.id, husband.id}
            adults = [
                p.national_id
                for p in s.execute(select(Person).order_by(Person.id.desc())).scalars()
                if p.id not in dead | used and (today - p.date_of_birth).days > 30 * 365
            ]
    finally:
        db.dispose()
    return couples, adults


@contextmanager
def web_site(root: Path, database_url: str | None) -> Iterator[Web]:
    with serving(root, database_url, demo=200) as site:
        add_staff(site)
        couples, adults = _people(site)
        assert len(couples) >= 8 and len(adults) >= 4
        yield Web(site, couples, adults)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    with web_site(tmp_path_factory.mktemp("declweb"), None) as w:
        yield w


def bearer(site: Site, username: str, lang: str = "en") -> dict[str, str]:
    site.next_step()  # a fresh TOTP code for every sign-in
    r = httpx.post(
        f"{site.url}/api/v1/office/session",
        json={
            "username": username,
            "password": site.passwords[username],
            "code": site.code(username),
        },
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}", "Accept-Language": lang}


@contextmanager
def signed_in(site: Site, username: str, lang: str = "ar") -> Iterator[httpx.Client]:
    site.next_step()
    with httpx.Client(base_url=site.url, timeout=20) as c:
        c.cookies.set("sanad-office-lang", lang)
        assert browser_sign_in(c, site, username).status_code == 303
        yield c


def birth_facts(web: Web, **over: Any) -> dict[str, Any]:
    mother, father = web.couple()
    facts: dict[str, Any] = {
        "given_ar": "ليان",
        "sex": 2,
        "date_of_birth": (web.today() - dt.timedelta(days=3)).isoformat(),
        "time_of_birth": "04:15",
        "place": {"name_ar": "مستشفى البشير", "name_latin": "Al-Bashir Hospital"},
        "mother": {"national_id": mother},
        "father": {"national_id": father},
        "informant": {"relation": "father", "name_ar": "والد المولودة"},
    }
    facts.update(over)
    return facts


def death_facts(web: Web, nid: str) -> dict[str, Any]:
    return {
        "national_id": nid,
        "date_of_death": (web.today() - dt.timedelta(days=1)).isoformat(),
        "place": {"name_ar": "مستشفى الجامعة"},
        "cause_category": "illness",
        "informant": {"relation": "relative", "name_ar": "ابن المتوفى"},
    }


def declare(web: Web, who: str, kind: str, facts: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(
        web.url + API, json={"kind": kind, "facts": facts}, headers=bearer(web.site, who)
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def warnings_of(web: Web, number: str, who: str = "omar.registrar") -> list[str]:
    r = httpx.get(f"{web.url}{API}/{number}", headers=bearer(web.site, who))
    assert r.status_code == 200, r.text
    found = r.json()["findings"]
    assert [f for f in found if f["severity"] == "refuse"] == [], found
    return [f["code"] for f in found if f["severity"] == "warn"]


def state_of(web: Web, number: str) -> str:
    db = web.site.db()
    try:
        with db.session() as s:
            row = s.execute(select(DeclarationRow).where(DeclarationRow.number == number))
            return row.scalar_one().state
    finally:
        db.dispose()


# ---------------------------------------------------------------------------------------------
# the API


def api_journey(web: Web) -> None:
    declared = declare(web, "amal.clerk", "birth", birth_facts(web))
    number = declared["number"]
    assert declared["state"] == "declared" and declared["declared_by"] == "amal.clerk"
    assert declared["office"] == "AMM" and re.fullmatch(r"AMM-\d{4}-\d{6}", number)
    assert declared["facts"]["given_ar"] == "ليان"
    waiting = httpx.get(
        web.url + API, params={"state": "declared"}, headers=bearer(web.site, "omar.registrar")
    )
    assert number in [d["number"] for d in waiting.json()["declarations"]]
    r = httpx.post(
        f"{web.url}{API}/{number}/register",
        json={"acknowledged": warnings_of(web, number)},
        headers=bearer(web.site, "omar.registrar"),
    )
    assert r.status_code == 200, r.text
    registered = r.json()
    assert registered["state"] == "registered" and registered["reviewed_by"] == "omar.registrar"
    assert [h["action"] for h in registered["history"]] == ["declare", "register"]
    nid = registered["registered_ref"].removeprefix("person:")
    child = httpx.get(
        f"{web.url}/api/v1/office/persons/{nid}", headers=bearer(web.site, "amal.clerk")
    )
    assert child.status_code == 200
    assert child.json()["name"]["ar"].startswith("ليان ")
    assert child.json()["birth_record"].startswith("B")
    db = web.site.db()
    try:
        with db.session() as s:
            assert audit.verify_chain(s).ok
            kinds = [e.kind for e in s.execute(select(AuditEntry)).scalars()]
            assert "declaration_declared" in kinds and "declaration_registered" in kinds
    finally:
        db.dispose()


def test_a_clerk_declares_a_birth_and_a_registrar_registers_it(web: Web) -> None:
    api_journey(web)


@pytest.mark.postgres
def test_the_api_journey_on_postgresql(
    tmp_path: Path, throwaway_postgres: Callable[[str], AbstractContextManager[str]]
) -> None:
    with throwaway_postgres("sanad_declweb") as url, web_site(tmp_path, url) as w:
        api_journey(w)


def test_no_one_registers_their_own_declaration_in_either_language(web: Web) -> None:
    number = declare(web, "omar.registrar", "birth", birth_facts(web))["number"]
    persons = web.count(Person)
    for lang, words in (("ar", "أمين سجل آخر"), ("en", "another registrar")):
        r = httpx.post(
            f"{web.url}{API}/{number}/register",
            json={"acknowledged": []},
            headers=bearer(web.site, "omar.registrar", lang),
        )
        assert r.status_code == 403
        error = r.json()["error"]
        assert error["code"] == "own_declaration" and words in error["message"]
        assert r.headers["content-language"] == lang
    # a clerk may not register at all, even one a colleague declared
    clerk = httpx.post(
        f"{web.url}{API}/{number}/register",
        json={"acknowledged": []},
        headers=bearer(web.site, "amal.clerk", "ar"),
    )
    assert clerk.status_code == 403 and clerk.json()["error"]["code"] == "not_permitted"
    assert "لا يملك موظف تسجيل صلاحية" in clerk.json()["error"]["message"]
    assert state_of(web, number) == "declared" and web.count(Person) == persons


def test_a_clerk_registering_their_own_declaration_on_the_page_is_refused(web: Web) -> None:
    number = declare(web, "amal.clerk", "birth", birth_facts(web))["number"]
    persons = web.count(Person)
    for lang, words in (("ar", "لا يملك موظف تسجيل صلاحية تسجيل الواقعة"), ("en", "may not")):
        with signed_in(web.site, "amal.clerk", lang) as c:
            page = c.get(f"/office/declarations/{number}")
            assert page.status_code == 200
            assert f"/office/declarations/{number}/register" not in page.text  # no form
            r = c.post(f"/office/declarations/{number}/register", data={"csrf": csrf_of(page.text)})
            assert r.status_code == 403
            assert words in r.text and 'role="alert"' in r.text
            assert f'lang="{lang}"' in r.text
    with signed_in(web.site, "omar.registrar", "en") as c:
        declared = declare(web, "omar.registrar", "birth", birth_facts(web))["number"]
        page = c.get(f"/office/declarations/{declared}")
        r = c.post(f"/office/declarations/{declared}/register", data={"csrf": csrf_of(page.text)})
        assert r.status_code == 403 and "another registrar must review it" in r.text
    assert state_of(web, number) == "declared" and state_of(web, declared) == "declared"
    assert web.count(Person) == persons


def test_a_registrar_of_another_office_is_refused(web: Web) -> None:
    number = declare(web, "amal.clerk", "birth", birth_facts(web))["number"]
    irbid = bearer(web.site, "irbid.registrar", "ar")
    r = httpx.post(f"{web.url}{API}/{number}/register", json={"acknowledged": []}, headers=irbid)
    assert r.status_code == 403 and r.json()["error"]["code"] == "other_office"
    assert "مكتب غير مكتبك" in r.json()["error"]["message"]
    seen = httpx.get(f"{web.url}{API}/{number}", headers=irbid)
    assert seen.status_code == 403 and "facts" not in seen.text
    other = httpx.get(web.url + API, params={"office": "AMM"}, headers=irbid)
    assert other.status_code == 403
    with signed_in(web.site, "irbid.registrar", "en") as c:
        assert c.get(f"/office/declarations/{number}").status_code == 403
        today = c.get("/office/today")
        r = c.post(f"/office/declarations/{number}/reject", data={"csrf": csrf_of(today.text)})
        assert r.status_code == 403 and "at another office" in r.text
        assert "ليان" not in r.text  # the facts stay with their office
    assert state_of(web, number) == "declared"


def test_a_second_death_is_refused(web: Web) -> None:
    nid = web.adult()
    first = declare(web, "amal.clerk", "death", death_facts(web, nid))["number"]
    registrar = bearer(web.site, "omar.registrar", "ar")
    r = httpx.post(
        f"{web.url}{API}/{first}/register",
        json={"acknowledged": warnings_of(web, first)},
        headers=registrar,
    )
    assert r.status_code == 200, r.text
    deaths = web.count(Death)
    second = declare(web, "amal.clerk", "death", death_facts(web, nid))["number"]
    found = httpx.get(f"{web.url}{API}/{second}", headers=registrar).json()["findings"]
    assert any(f["severity"] == "refuse" for f in found)
    again = httpx.post(
        f"{web.url}{API}/{second}/register", json={"acknowledged": []}, headers=registrar
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "findings_refuse"
    assert "لا يمكن تسجيل الواقعة" in again.json()["error"]["message"]
    assert web.count(Death) == deaths and state_of(web, second) == "declared"
    # the first one again: the wrong state
    twice = httpx.post(
        f"{web.url}{API}/{first}/register", json={"acknowledged": []}, headers=registrar
    )
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "wrong_state"


def test_invalid_facts_answer_422_with_each_field(web: Web) -> None:
    before = web.count(DeclarationRow)
    facts = birth_facts(web, given_ar="", mother={"national_id": "1234567890"})
    del facts["informant"]
    r = httpx.post(
        web.url + API,
        json={"kind": "birth", "facts": facts},
        headers=bearer(web.site, "amal.clerk"),
    )
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_facts"
    fields = {p["field"] for p in error["problems"]}
    assert {"given_ar", "informant"} <= fields
    assert any(f.startswith("mother") for f in fields)
    assert all(p["message"] for p in error["problems"])
    arabic = httpx.post(
        web.url + API,
        json={"kind": "birth", "facts": facts},
        headers=bearer(web.site, "amal.clerk", "ar"),
    )
    assert "الحقل «المبلِّغ» مطلوب." in [p["message"] for p in arabic.json()["error"]["problems"]]
    unknown = httpx.post(
        web.url + API,
        json={"kind": "birth", "facts": {**birth_facts(web), "eye_colour": "brown"}},
        headers=bearer(web.site, "amal.clerk"),
    )
    assert unknown.status_code == 422
    control = httpx.post(
        web.url + API,
        json={"kind": "birth", "facts": {**birth_facts(web), "given_ar": "ليان\u0000"}},
        headers=bearer(web.site, "amal.clerk"),
    )
    assert control.status_code == 422 and control.json()["error"]["code"] == "invalid_facts"
    assert web.count(DeclarationRow) == before


def test_the_form_keeps_the_values_and_says_what_is_wrong_next_to_each_field(web: Web) -> None:
    before = web.count(DeclarationRow)
    mother, _ = web.couple()
    with signed_in(web.site, "amal.clerk", "ar") as c:
        form = c.get("/office/declare/birth")
        assert form.status_code == 200
        for name in ("given_ar", "given_latin", "sex", "date_of_birth", "mother_nid"):
            assert f'name="{name}"' in form.text
        assert "اقتُرح من الاسم العربي" in form.text
        r = c.post(
            "/office/declare/birth",
            data={
                "csrf": csrf_of(form.text),
                "given_ar": "",
                "given_latin": "Layan",
                "sex": "2",
                "date_of_birth": "2026-02-30",
                "place_ar": "مستشفى البشير",
                "mother_nid": mother,
                "informant_relation": "mother",
                "informant_name_ar": "أم المولودة",
            },
        )
    assert r.status_code == 422
    assert 'role="alert"' in r.text
    assert f'value="{mother}"' in r.text and 'value="Layan"' in r.text
    field = re.search(r'<input id="f-given_ar"[^>]*>', r.text)
    assert field and 'aria-describedby="e-given_ar"' in field.group(0)
    assert 'aria-invalid="true"' in field.group(0)
    assert re.search(r'id="e-given_ar">[^<]*مطلوب', r.text)
    assert re.search(r'id="e-date_of_birth">[^<]*ليس تاريخًا', r.text)
    assert web.count(DeclarationRow) == before


def test_without_the_csrf_token_nothing_happens(web: Web) -> None:
    before = web.count(DeclarationRow)
    mother, father = web.couple()
    fields = {
        "given_ar": "سلمى",
        "sex": "2",
        "date_of_birth": (web.today() - dt.timedelta(days=2)).isoformat(),
        "place_ar": "مستشفى البشير",
        "mother_nid": mother,
        "father_nid": father,
        "informant_relation": "father",
        "informant_name_ar": "والد المولودة",
    }
    with signed_in(web.site, "amal.clerk", "en") as c:
        missing = c.post("/office/declare/birth", data=fields)
        wrong = c.post("/office/declare/birth", data={**fields, "csrf": "x" * 40})
        assert missing.status_code == wrong.status_code == 403
        assert "The form has expired" in missing.text
    assert web.count(DeclarationRow) == before
    number = declare(web, "amal.clerk", "birth", birth_facts(web))["number"]
    with signed_in(web.site, "omar.registrar", "en") as c:
        for action in ("register", "return", "reject"):
            r = c.post(f"/office/declarations/{number}/{action}", data={"reason": "x"})
            assert r.status_code == 403
    assert state_of(web, number) == "declared"


# ---------------------------------------------------------------------------------------------
# the pages


def test_pages_declare_register_and_lead_to_the_record(web: Web) -> None:
    mother, father = web.couple()
    with signed_in(web.site, "amal.clerk", "ar") as c:
        form = c.get("/office/declare/birth")
        r = c.post(
            "/office/declare/birth",
            data={
                "csrf": csrf_of(form.text),
                "given_ar": "يزن",
                "sex": "1",
                "date_of_birth": (web.today() - dt.timedelta(days=4)).isoformat(),
                "time_of_birth": "22:40",
                "place_ar": "مستشفى البشير",
                "place_latin": "Al-Bashir Hospital",
                "mother_nid": mother,
                "father_nid": father,
                "informant_relation": "father",
                "informant_name_ar": "والد المولود",
            },
        )
        assert r.status_code == 303
        target = r.headers["location"]
        assert target.startswith("/office/declarations/AMM-")
        number = target.split("/")[-1].split("?")[0]
        page = c.get(target)
        assert "قُدِّم الطلب" in page.text and "يزن" in page.text
        assert f"/office/declarations/{number}/amend" in page.text  # the author may amend
        assert "/register" not in page.text
        amend = c.get(f"/office/declarations/{number}/amend")
        assert amend.status_code == 200 and 'value="يزن"' in amend.text
        today = c.get("/office/today")
        assert number in today.text and "بانتظار التدقيق" in today.text
    with signed_in(web.site, "omar.registrar", "en") as c:
        page = c.get(f"/office/declarations/{number}")
        assert page.status_code == 200 and "Findings of the checks" in page.text
        acks = re.findall(r'name="ack" value="([^"]+)"', page.text)
        assert acks == warnings_of(web, number)
        assert "/amend" not in page.text  # not an author
        r = c.post(
            f"/office/declarations/{number}/register",
            data={"csrf": csrf_of(page.text), "ack": acks},
        )
        assert r.status_code == 303
        done = c.get(r.headers["location"])
        assert "The event is registered." in done.text
        link = re.search(r'href="(/office/record/\d+)"', done.text)
        assert link, "no link to the child's record"
        record = c.get(link.group(1))
        assert record.status_code == 200 and "Al-Bashir Hospital" in record.text
        today = c.get("/office/today")
        registered = today.text.split("Registered today", 1)[1]
        assert number in registered


def test_return_amend_reject_through_the_api(web: Web) -> None:
    number = declare(web, "amal.clerk", "birth", birth_facts(web, given_ar="لين"))["number"]
    registrar = bearer(web.site, "omar.registrar")
    empty = httpx.post(f"{web.url}{API}/{number}/return", json={"reason": " "}, headers=registrar)
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "reason_required"
    returned = httpx.post(
        f"{web.url}{API}/{number}/return",
        json={"reason": "the hospital's notice says ليان"},
        headers=registrar,
    )
    assert returned.status_code == 200 and returned.json()["state"] == "returned"
    facts = returned.json()["facts"] | {"given_ar": "ليان"}
    amended = httpx.put(
        f"{web.url}{API}/{number}/facts",
        json={"facts": facts},
        headers=bearer(web.site, "amal.clerk"),
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["state"] == "amended" and amended.json()["revision"] == 2
    bad = httpx.put(
        f"{web.url}{API}/{number}/facts",
        json={"facts": {**facts, "sex": 7}},
        headers=bearer(web.site, "amal.clerk"),
    )
    assert bad.status_code == 422 and state_of(web, number) == "amended"
    rejected = httpx.post(
        f"{web.url}{API}/{number}/reject", json={"reason": "declared twice"}, headers=registrar
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert [h["action"] for h in rejected.json()["history"]] == [
        "declare",
        "return",
        "amend",
        "reject",
    ]
    late = httpx.put(
        f"{web.url}{API}/{number}/facts",
        json={"facts": facts},
        headers=bearer(web.site, "amal.clerk"),
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "wrong_state"
    unknown = httpx.get(f"{web.url}{API}/AMM-1999-000001", headers=registrar)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "declaration_unknown"


def test_today_shows_every_office_to_a_supervisor(web: Web) -> None:
    number = declare(web, "amal.clerk", "birth", birth_facts(web))["number"]
    with signed_in(web.site, "huda.supervisor", "en") as c:
        today = c.get("/office/today")
        assert today.status_code == 200
        assert number in today.text and '<th scope="col">Office</th>' in today.text
        page = c.get(f"/office/declarations/{number}")
        assert page.status_code == 200 and "/register" not in page.text
        r = c.post(f"/office/declarations/{number}/register", data={"csrf": csrf_of(page.text)})
        assert r.status_code == 403 and "may not register" in r.text
        assert c.get("/office/declare/birth").status_code == 403
    queue = httpx.get(web.url + API, headers=bearer(web.site, "huda.supervisor"))
    assert queue.status_code == 200 and queue.json()["office"] is None
    assert queue.json()["counts"]["declared"] >= 1


def test_pages_return_with_a_reason_then_the_author_amends(web: Web) -> None:
    number = declare(web, "amal.clerk", "birth", birth_facts(web, given_ar="لين"))["number"]
    with signed_in(web.site, "omar.registrar", "ar") as c:
        page = c.get(f"/office/declarations/{number}")
        empty = c.post(
            f"/office/declarations/{number}/return", data={"csrf": csrf_of(page.text), "reason": ""}
        )
        assert empty.status_code == 422 and "دون ذكر السبب" in empty.text
        r = c.post(
            f"/office/declarations/{number}/return",
            data={"csrf": csrf_of(page.text), "reason": "الاسم في تبليغ المستشفى: ليان"},
        )
        assert r.status_code == 303
        assert "أُعيد الطلب للتصحيح." in c.get(r.headers["location"]).text
    with signed_in(web.site, "amal.clerk", "ar") as c:
        today = c.get("/office/today")
        assert number in today.text.split("معادة للتصحيح", 1)[1]
        form = c.get(f"/office/declarations/{number}/amend")
        assert form.status_code == 200
        assert "الاسم في تبليغ المستشفى: ليان" in form.text and 'value="لين"' in form.text
        fields = dict(re.findall(r'name="([a-z_]+)" type="[a-z]+" value="([^"]+)"', form.text))
        fields.update(
            {
                "csrf": csrf_of(form.text),
                "given_ar": "ليان",
                "sex": "2",
                "informant_relation": "father",
            }
        )
        r = c.post(f"/office/declarations/{number}/amend", data=fields)
        assert r.status_code == 303, r.text
        page = c.get(r.headers["location"])
        assert "حُفظ التعديل" in page.text and "معدَّل بانتظار التدقيق" in page.text
        assert page.text.count('class="revision"') == 2
    registered = httpx.get(f"{web.url}{API}/{number}", headers=bearer(web.site, "rana.registrar"))
    assert registered.json()["facts"]["given_ar"] == "ليان"
    assert registered.json()["revision"] == 2
