"""The office's statistics: the pure figures from hand-made rows; the same figures from
declarations made, returned, amended, rejected and registered through `registry.civil.store`
on SQLite and PostgreSQL (with corrections and documents beside them); and the page and API
twin's scope (a supervisor every office, a registrar only their own, a clerk nothing)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from registry import kiosks
from registry.civil import store
from registry.models import Correction, IssuedDocument, Person
from registry.office import statistics as stats
from registry.office.declarations import CorrectionState, EventKind, State
from registry.office_web.statistics_page import read_rows
from registry.office_web.statistics_text import (
    TEXT,
    duration_words,
    rate_words,
    registrations_counted,
)
from tests.office.civil_support import LAW, NOW, TODAY, Civil, Databases, birth_facts
from tests.office.office_support import Site
from tests.office.test_admin_documents import bearer
from tests.office.test_admin_staff import signed_in

H = dt.timedelta(hours=1)
API = "/api/v1/office/statistics"


# -- pure -------------------------------------------------------------------------------------


def test_figures_from_rows() -> None:
    period = stats.Period.of(NOW)
    day_before = NOW - dt.timedelta(days=1)
    last_month = dt.datetime(2026, 10, 28, 9, 0, tzinfo=dt.UTC)
    rows = stats.Rows(
        declarations=(
            stats.DeclarationCount("AMM", "birth", "registered", 3),
            stats.DeclarationCount("AMM", "birth", "declared", 2),
            stats.DeclarationCount("AMM", "death", "rejected", 1),
            stats.DeclarationCount("IRB", "birth", "returned", 4),
            stats.DeclarationCount("IRB", "adoption", "declared", 9),  # not a kind: not counted
        ),
        registrations=(
            stats.Registration("AMM", "birth", NOW - 3 * H, NOW - H),  # 2 h, today
            stats.Registration("AMM", "birth", day_before - 6 * H, day_before),  # 6 h
            stats.Registration("AMM", "birth", last_month - 30 * H, last_month),  # 30 h
            stats.Registration("IRB", "death", NOW - 2 * H, NOW),
        ),
        reviews=(stats.ReviewCount("AMM", 4, 1), stats.ReviewCount("IRB", 4, 4)),
        corrections=(
            stats.CorrectionCount("AMM", "approved", 2),
            stats.CorrectionCount("AMM", "proposed", 1),
        ),
        documents=(
            stats.DocumentCount(None, stats.Channel.KIOSK, 5),
            stats.DocumentCount("AMM", stats.Channel.COUNTER, 2),
            stats.DocumentCount("IRB", stats.Channel.COUNTER, 1),
        ),
    )
    amm = stats.figures(rows, period, "AMM")
    assert amm.declarations[EventKind.BIRTH][State.REGISTERED] == 3
    assert amm.declarations[EventKind.DEATH][State.REJECTED] == 1
    assert amm.waiting == 2
    assert amm.registered_today == {
        EventKind.BIRTH: 1,
        EventKind.DEATH: 0,
        EventKind.MARRIAGE: 0,
        EventKind.DIVORCE: 0,
    }
    assert amm.registered_month[EventKind.BIRTH] == 2  # the 28th of October is last month
    assert amm.median_to_register == 6 * H and amm.median_of == 3  # 2 h, 6 h, 30 h
    assert amm.returned == stats.Rate(1, 4) and amm.returned.percent == 25
    assert amm.rejected == stats.Rate(1, 4)
    assert amm.corrections_proposed == 3 and amm.corrections[CorrectionState.APPROVED] == 2
    assert amm.documents_today == {stats.Channel.KIOSK: None, stats.Channel.COUNTER: 2}
    every = stats.figures(rows, period)
    assert every.waiting == 6 and every.returned == stats.Rate(5, 8)
    assert every.documents_today == {stats.Channel.KIOSK: 5, stats.Channel.COUNTER: 3}
    assert every.median_of == 4
    assert set(stats.per_office(rows, period)) == {"AMM", "IRB"}


def test_nothing_to_count_gives_zeros_and_no_rates() -> None:
    f = stats.figures(stats.Rows(), stats.Period.of(NOW), "AMM")
    assert f.waiting == 0 and f.median_to_register is None and f.median_of == 0
    assert f.returned.percent is None and f.rejected.percent is None
    assert rate_words(f.returned, "ar") == "—"
    assert stats.per_office(stats.Rows(), stats.Period.of(NOW)) == {}


def test_the_period_is_the_authoritys_day_and_month() -> None:
    p = stats.Period.of(dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=3))))
    assert p.today == dt.datetime(2026, 11, 30, tzinfo=dt.UTC)  # 21:30 UTC on the 30th
    assert p.month == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert p.earliest == p.median_since  # 30 days back reaches into October


@pytest.mark.parametrize(
    ("delta", "ar", "en"),
    [
        (dt.timedelta(seconds=20), "أقل من دقيقة", "less than a minute"),
        (dt.timedelta(minutes=1), "دقيقة واحدة", "1 minute"),
        (dt.timedelta(hours=2, minutes=5), "ساعتان و\u20685\u2069 دقائق", "2 hours and 5 minutes"),
        (
            dt.timedelta(hours=11, minutes=20),
            "\u206811\u2069 ساعة و\u206820\u2069 دقيقة",
            "11 hours and 20 minutes",
        ),
        (dt.timedelta(days=1, minutes=50), "يوم واحد", "1 day"),
        (dt.timedelta(days=2, hours=3), "يومان و\u20683\u2069 ساعات", "2 days and 3 hours"),
    ],
)
def test_durations_in_words(delta: dt.timedelta, ar: str, en: str) -> None:
    assert duration_words(delta, "ar") == ar
    assert duration_words(delta, "en") == en


def test_every_word_in_both_languages() -> None:
    assert set(TEXT["ar"]) == set(TEXT["en"])
    assert all(v.strip() for lang in ("ar", "en") for v in TEXT[lang].values())


def test_rates_and_counts_in_words() -> None:
    assert rate_words(stats.Rate(1, 4), "ar") == "\u206825%\u2069 (\u20681\u2069 من \u20684\u2069)"
    assert rate_words(stats.Rate(1, 3), "en") == "33% (1 of 3)"
    assert registrations_counted(1, "ar") == "من تسجيل واحد"
    assert registrations_counted(2, "ar") == "من تسجيلين"
    assert registrations_counted(12, "ar") == "من \u206812\u2069 تسجيلًا"
    assert registrations_counted(2, "en") == "over 2 registrations"


# -- from the store ---------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def civil(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Civil]:
    yield from Databases(tmp_path).open(request.param)


def _births(c: Civil, n: int, by: str = "clerk", skip: int = 0) -> list[tuple[str, int]]:
    """`n` births declared at NOW: their numbers and mothers' ids."""
    out = []
    with c.db.session() as s:
        for i in range(skip, skip + n):
            mother = c.mother(s, skip=i)
            facts = birth_facts(mother, c.husband_of(s, mother))
            view = store.declare(s, EventKind.BIRTH, facts, by=c.staff[by], at=NOW)
            out.append((view.number, mother.id))
    return out


def _death(c: Civil) -> str:
    with c.db.session() as s:
        person = c.living_adult(s)
        facts = {
            "national_id": person.national_id,
            "date_of_death": (TODAY - dt.timedelta(days=1)).isoformat(),
            "place": {"name_ar": "عمّان"},
            "cause_category": "natural",
            "informant": {"relation": "relative", "name_ar": "ابن المتوفى"},
        }
        return store.declare(s, EventKind.DEATH, facts, by=c.staff["clerk2"], at=NOW).number


def _documents(c: Civil) -> None:
    """Two documents at a kiosk today, one at the AMM counter today, one yesterday."""
    with c.db.session() as s:
        kiosks.enroll(s, "AMM-K1", b"\x01" * 32, "مركز عمان", "Amman", NOW - 48 * H)
        person = s.query(Person).order_by(Person.id).first()
        assert person is not None
        rows = [
            ("AMM-K1", None, NOW + H),
            ("AMM-K1", None, NOW + 2 * H),
            (None, "AMM", NOW + 3 * H),
            (None, "AMM", NOW - 24 * H),
        ]
        for i, (kiosk, office, at) in enumerate(rows):
            s.add(
                IssuedDocument(
                    serial=f"SER{i:05d}",
                    document_type=1,
                    subject_ref=person.national_id,
                    subject_person_id=person.id,
                    requester_id=person.id,
                    kiosk_id=kiosk,
                    office=office,
                    idempotency_key=f"key-{i}",
                    request_fingerprint="f" * 64,
                    fee_amount=500,
                    fee_currency="JOD",
                    payment_reference=f"pay-{i}",
                    signer_kid="k" * 16,
                    issued_at=at,
                    qr_text="X",
                )
            )


def _corrections(c: Civil) -> None:
    with c.db.session() as s:
        for i, state in enumerate(("approved", "approved", "proposed", "declined")):
            s.add(
                Correction(
                    number=f"AMM-C-{i}",
                    record=f"person:{i}",
                    office="AMM",
                    changes="{}",
                    reason="court ruling",
                    evidence="ruling 12/2026",
                    state=state,
                    proposed_by=c.staff["registrar"],
                    proposed_at=NOW,
                )
            )


def test_the_figures_of_declarations_made_through_the_store(civil: Civil) -> None:
    c = civil
    (first, _), (second, mother_id), (third, _), _waiting = _births(c, 4)
    death = _death(c)
    ((irbid, _),) = _births(c, 1, by="irbid.registrar", skip=4)
    with c.db.session() as s:
        store.register(s, first, by=c.staff["registrar"], at=NOW + 2 * H, law=LAW)
    with c.db.session() as s:
        store.return_declaration(s, second, "اسم الأم ناقص", by=c.staff["registrar"], at=NOW + H)
    with c.db.session() as s:
        mother = s.get(Person, mother_id)
        assert mother is not None
        facts = birth_facts(mother, c.husband_of(s, mother), given_ar="لين")
        store.amend(s, second, facts, by=c.staff["clerk"], at=NOW + 2 * H)
    with c.db.session() as s:
        store.register(s, second, by=c.staff["registrar2"], at=NOW + 6 * H, law=LAW)
    with c.db.session() as s:
        store.reject(s, third, "واقعة مكرّرة", by=c.staff["registrar"], at=NOW + H)
    with c.db.session() as s:
        store.register(s, death, by=c.staff["registrar"], at=NOW + 4 * H, law=LAW)
    _documents(c)
    _corrections(c)
    period = stats.Period.of(NOW + 8 * H)
    with c.db.session() as s:
        rows = read_rows(s, period, None)
    amm = stats.figures(rows, period, "AMM")
    assert amm.declarations[EventKind.BIRTH] == {
        State.DECLARED: 1,
        State.RETURNED: 0,
        State.AMENDED: 0,
        State.REGISTERED: 2,
        State.REJECTED: 1,
    }
    assert amm.declarations[EventKind.DEATH][State.REGISTERED] == 1
    assert amm.waiting == 1
    assert amm.registered_today[EventKind.BIRTH] == 2
    assert amm.registered_today[EventKind.DEATH] == 1
    assert amm.registered_month == amm.registered_today
    assert amm.median_to_register == 4 * H and amm.median_of == 3  # 2 h, 6 h, 4 h
    assert amm.returned == stats.Rate(1, 4)  # four reviewed, one of them returned
    assert amm.rejected == stats.Rate(1, 4)  # three registered, one rejected
    assert amm.corrections_proposed == 4
    assert amm.corrections[CorrectionState.APPROVED] == 2
    assert amm.documents_today == {stats.Channel.KIOSK: None, stats.Channel.COUNTER: 1}
    every = stats.figures(rows, period)
    assert every.waiting == 2 and every.documents_today[stats.Channel.KIOSK] == 2
    irb = stats.per_office(rows, period)["IRB"]
    assert irb.declarations[EventKind.BIRTH][State.DECLARED] == 1 and irb.median_of == 0
    # one office's rows are that office's figures
    with c.db.session() as s:
        only = read_rows(s, period, "IRB")
    assert stats.figures(only, period, "IRB") == irb
    assert irbid.startswith("IRB-")
    # the next day: nothing registered today, the month still counts
    tomorrow = stats.Period.of(NOW + 24 * H)
    with c.db.session() as s:
        later = stats.figures(read_rows(s, tomorrow, "AMM"), tomorrow, "AMM")
    assert sum(later.registered_today.values()) == 0
    assert sum(later.registered_month.values()) == 3
    assert later.documents_today[stats.Channel.COUNTER] == 0


# -- the page and the API twin ----------------------------------------------------------------


def test_a_supervisor_sees_every_office_and_each(site: Site) -> None:
    with signed_in(site, "huda.supervisor") as c:
        page = c.get("/office/statistics")
        assert page.status_code == 200
        assert "الإحصاءات — جميع المكاتب" in page.text
        assert "الطلبات حسب نوع الواقعة وحالتها" in page.text
        assert 'href="/office/statistics"' in page.text and 'href="/office/audit"' in page.text
        one = c.get("/office/statistics", params={"office": "irb"})
        assert one.status_code == 200 and '(<bdi dir="ltr">IRB</bdi>)' in one.text
    r = httpx.get(site.url + API, headers=bearer(site, "sami.admin"))
    assert r.status_code == 200
    body = r.json()
    assert body["office"] is None and body["waiting"] == 0
    assert body["documents_today"] == {"kiosk": 0, "counter": 0}
    assert set(body["declarations"]) == {"birth", "death", "marriage", "divorce"}
    assert body["returned"] == {"n": 0, "of": 0, "percent": None}


def test_a_registrar_sees_only_their_office(site: Site) -> None:
    with signed_in(site, "omar.registrar", "en") as c:
        page = c.get("/office/statistics")
        assert page.status_code == 200 and '(<bdi dir="ltr">AMM</bdi>)' in page.text
        assert 'name="office"' not in page.text  # no other office to choose
        other = c.get("/office/statistics", params={"office": "IRB"})
        assert other.status_code == 403
        assert "A registrar sees only their own office's statistics." in html.unescape(other.text)
    headers = bearer(site, "omar.registrar")
    assert httpx.get(site.url + API, headers=headers).json()["office"] == "AMM"
    r = httpx.get(site.url + API, params={"office": "IRB"}, headers=headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "other_office"


def test_a_clerk_is_refused_and_shown_nothing(site: Site) -> None:
    with signed_in(site, "amal.clerk") as c:
        page = c.get("/office/statistics")
        assert page.status_code == 403
        assert "الطلبات حسب نوع الواقعة" not in page.text
        assert 'href="/office/statistics"' not in page.text
    r = httpx.get(site.url + API, headers=bearer(site, "amal.clerk"))
    assert r.status_code == 403 and "declarations" not in r.json()


def test_a_bad_office_code_is_refused_and_no_session_is_401(site: Site) -> None:
    r = httpx.get(site.url + API, params={"office": "A1"}, headers=bearer(site, "huda.supervisor"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_office"
    assert httpx.get(site.url + API).status_code == 401
    assert httpx.get(site.url + "/office/statistics").status_code == 303
