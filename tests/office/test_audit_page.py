"""The audit log page and its API twin, on SQLite and PostgreSQL: newest first in pages of 50,
filters by kind, staff member, office and dates, the chain check on demand (an entry edited in
the database shows the chain broken at its number), every kind in words in both languages,
and every role but a supervisor's and an administrator's refused with nothing shown."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from registry import audit
from registry.audit import AuditEvent, AuditProblem, ProblemKind
from registry.models import AuditEntry
from registry.office.errors import Refused
from registry.office_web.audit_query import parse_filter
from registry.office_web.audit_text import KINDS, TEXT, kind_words, lines, problem_words
from tests.office.office_support import Site, csrf_of
from tests.office.test_admin_documents import bearer
from tests.office.test_admin_staff import signed_in

API = "/api/v1/office/audit"
DAY = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)

# (kind, data) shaped as the registry writes them; appended on three days
SAMPLES: list[tuple[AuditEvent, dict[str, Any]]] = [
    (
        AuditEvent.DECLARATION_DECLARED,
        {
            "by": "amal.clerk",
            "declaration": "AMM-2026-000001",
            "event": "birth",
            "office": "AMM",
            "revision": 1,
            "role": "clerk",
            "staff": "1",
            "state": "declared",
        },
    ),
    (AuditEvent.STAFF_SIGNED_IN, {"staff": "omar.registrar"}),
    (
        AuditEvent.CITIZEN_ENROLLED,
        {"by": "irbid_clerk", "staff": 9, "office": "IRB", "person": 7, "delivery": "print"},
    ),
    (
        AuditEvent.FEE_CHANGED,
        {
            "by": "sami.admin",
            "document_type": "birth_certificate",
            "old": {"amount": 500, "currency": "JOD"},
            "new": {"amount": 750, "currency": "JOD"},
        },
    ),
]


def append_samples(site: Site, rounds: int) -> list[int]:
    """`rounds` times each sample, spread over three days; the new sequence numbers."""
    db = site.db()
    try:
        with db.session() as s:
            first = audit.head(s)[0] + 1
            for i in range(rounds):
                for kind, data in SAMPLES:
                    at = DAY + dt.timedelta(days=i % 3, minutes=i)
                    audit.append(s, kind, data, at)
            last = audit.head(s)[0]
    finally:
        db.dispose()
    return list(range(first, last + 1))


def api(site: Site, headers: dict[str, str], **params: str) -> httpx.Response:
    return httpx.get(site.url + API, params=params, headers=headers, timeout=20)


def all_pages(site: Site, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = ""
    while True:
        r = api(site, headers, **params, cursor=cursor)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["entries"]) <= 50
        out += body["entries"]
        if body["next_cursor"] is None:
            return out
        cursor = body["next_cursor"]


def seqs_on(page: str) -> list[int]:
    rows = re.findall(r"<tr(?: class=\"bad\")?>\s*<td><bdi>(\d+)</bdi></td>", page)
    return [int(n) for n in rows]


@pytest.fixture
def supervisor(site: Site) -> Iterator[httpx.Client]:
    with signed_in(site, "huda.supervisor") as c:
        yield c


# -- pages ------------------------------------------------------------------------------------


def test_the_log_reads_newest_first_in_pages_of_fifty(site: Site, supervisor: httpx.Client) -> None:
    added = append_samples(site, 20)  # 80 entries beside the set-up's
    page = supervisor.get("/office/audit")
    assert page.status_code == 200
    shown = seqs_on(page.text)
    db = site.db()
    with db.session() as s:
        head = audit.head(s)[0]
    db.dispose()
    assert len(shown) == 50 and shown == list(range(head, head - 50, -1))
    assert added[-1] <= head
    older = re.search(r'href="(/office/audit\?before=\d+)">قيود أقدم', page.text)
    assert older, "no link to the older entries"
    second = supervisor.get(html.unescape(older.group(1)))
    assert seqs_on(second.text)[0] == shown[-1] - 1
    newer = re.search(r'href="(/office/audit\?after=\d+)">قيود أحدث', second.text)
    assert newer, "no link back to the newer entries"
    assert seqs_on(supervisor.get(html.unescape(newer.group(1))).text) == shown
    # each kind in words, the data as labelled lines in the reader's language
    assert "تقديم واقعة" in page.text and "تغيير رسم وثيقة" in page.text
    assert "شهادة ميلاد" in page.text and "طُبع في ظرف الرقم السري" in page.text
    assert "declaration_declared" not in page.text.split("<tbody>")[1]


def test_the_filters_narrow_the_page_and_keep_in_its_links(
    site: Site, supervisor: httpx.Client
) -> None:
    append_samples(site, 30)
    page = supervisor.get("/office/audit", params={"kind": "declaration_declared", "office": "amm"})
    assert page.status_code == 200
    assert len(seqs_on(page.text)) == 30
    assert "تقديم واقعة" in page.text and "تسجيل دخول موظف" not in page.text.split("<tbody>")[1]
    assert 'value="AMM"' in page.text or 'value="amm"' in page.text
    by_day = supervisor.get("/office/audit", params={"from": "2026-03-11", "to": "2026-03-11"})
    assert len(seqs_on(by_day.text)) == 40  # 10 rounds fell on the 11th, 4 entries each
    older = re.search(r'href="(/office/audit\?[^"]*before=\d+)"', by_day.text)
    assert older is None  # 40 fit on one page
    # the staff member who acted ("by") or whom it concerned ("staff"): 30 sign-ins and the
    # account's creation
    omar = supervisor.get("/office/audit", params={"staff": "OMAR.registrar"})
    assert len(seqs_on(omar.text)) == 31
    two_days = supervisor.get("/office/audit", params={"from": "2026-03-10", "to": "2026-03-11"})
    assert len(seqs_on(two_days.text)) == 50
    link = re.search(r'href="(/office/audit\?[^"]*before=\d+)">قيود أقدم', two_days.text)
    assert link and "from=2026-03-10&to=2026-03-11" in html.unescape(link.group(1))
    rest = supervisor.get(html.unescape(link.group(1)))
    assert len(seqs_on(rest.text)) == 30


def test_a_bad_filter_is_refused_in_the_readers_language(
    site: Site, supervisor: httpx.Client
) -> None:
    r = supervisor.get("/office/audit", params={"from": "10/03/2026"})
    assert r.status_code == 422
    assert "تاريخ البداية غير صحيح" in r.text
    assert seqs_on(r.text) == []
    supervisor.cookies.set("sanad-office-lang", "en", domain="127.0.0.1")
    r = supervisor.get("/office/audit", params={"from": "2026-03-12", "to": "2026-03-11"})
    assert r.status_code == 422 and "The start date is after the end date." in r.text


@pytest.mark.parametrize("username", ["amal.clerk", "omar.registrar"])
def test_a_clerk_or_registrar_is_refused_and_shown_nothing(site: Site, username: str) -> None:
    append_samples(site, 1)
    with signed_in(site, username) as c:
        r = c.get("/office/audit")
        assert r.status_code == 403
        assert "لا يسمح دورك بفتح هذه الصفحة." in r.text
        assert seqs_on(r.text) == [] and "AMM-2026-000001" not in r.text
        assert 'href="/office/audit"' not in r.text  # not in the menu either
        check = c.post("/office/audit/verify", data={"csrf": csrf_of(r.text)})
        assert check.status_code == 403
    r = api(site, bearer(site, username))
    assert r.status_code == 403 and "entries" not in r.json()


def test_without_a_session_the_page_sends_to_sign_in_and_the_api_answers_401(site: Site) -> None:
    r = httpx.get(site.url + "/office/audit")
    assert r.status_code == 303 and r.headers["location"].startswith("/office/sign-in")
    assert httpx.get(site.url + API).status_code == 401
    assert httpx.post(site.url + API + "/verify").status_code == 401


def test_an_edited_entry_shows_the_chain_broken_at_its_number(
    site: Site, supervisor: httpx.Client
) -> None:
    added = append_samples(site, 3)
    page = supervisor.get("/office/audit")
    assert "لم يُتحقَّق من سلامة السجل منذ تشغيل النظام." in page.text
    r = supervisor.post("/office/audit/verify", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 303
    page = supervisor.get("/office/audit")
    assert "السجل سليم: لم يُعدَّل أي قيد ولم يُحذف." in page.text
    assert "huda.supervisor" in page.text
    victim = added[5]
    db = site.db()
    with db.session() as s:
        s.execute(
            update(AuditEntry)
            .where(AuditEntry.seq == victim)
            .values(data='{"staff":"somebody.else"}')
        )
    db.dispose()
    append_samples(site, 1)
    assert "السجل سليم" in supervisor.get("/office/audit").text  # the last check's result
    r = supervisor.post("/office/audit/verify", data={"csrf": csrf_of(page.text)})
    page = supervisor.get("/office/audit")
    assert f"السجل غير سليم: أول خلل عند القيد رقم <bdi>{victim}</bdi>." in page.text
    assert f'<tr class="bad">\n<td><bdi>{victim}</bdi>' in page.text
    assert "عُدِّل القيد رقم" in page.text
    # the API twin says the same
    headers = bearer(site, "sami.admin")
    checked = httpx.post(site.url + API + "/verify", headers=headers, timeout=30).json()
    assert checked["intact"] is False and checked["first_fault"] == victim
    assert checked["problems"][0]["kind"] == "edited"
    assert api(site, headers).json()["chain"]["first_fault"] == victim


def test_a_forged_form_does_not_run_the_check(site: Site, supervisor: httpx.Client) -> None:
    r = supervisor.post("/office/audit/verify", data={"csrf": "forged"})
    assert r.status_code == 403
    assert "لم يُتحقَّق من سلامة السجل" in supervisor.get("/office/audit").text


# -- the API twin -----------------------------------------------------------------------------


def test_the_api_pages_with_a_cursor_and_filters_like_the_page(site: Site) -> None:
    append_samples(site, 15)
    headers = bearer(site, "huda.supervisor")
    everything = all_pages(site, headers)
    seqs = [e["seq"] for e in everything]
    db = site.db()
    with db.session() as s:
        stored = list(s.execute(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())).scalars())
    db.dispose()
    assert seqs[: len(stored)] == stored[: len(seqs)] and len(seqs) >= len(stored) - 2
    fees = all_pages(site, headers, kind="fee_changed")
    assert len(fees) == 15
    assert fees[0]["words"] == {"ar": "تغيير رسم وثيقة", "en": "Document fee changed"}
    assert fees[0]["data"]["new"] == {"amount": 750, "currency": "JOD"}
    irbid = all_pages(site, headers, office="IRB")
    assert len(irbid) == 15 and {e["kind"] for e in irbid} == {"citizen_enrolled"}
    # "_" in a user name is a letter, not a wildcard
    assert len(all_pages(site, headers, staff="irbid_clerk")) == 15
    assert all_pages(site, headers, staff="irbidxclerk") == []
    day = all_pages(site, headers, **{"from": "2026-03-10", "to": "2026-03-10"})
    assert len(day) == 20 and all(e["at"].startswith("2026-03-10") for e in day)
    bad = api(site, headers, kind="no_such_kind")
    assert bad.status_code == 422
    assert bad.json()["error"]["words"]["ar"] == "نوع القيد غير معروف."
    assert api(site, headers, cursor="-3").status_code == 422


# -- pure parts -------------------------------------------------------------------------------


def test_every_audit_kind_has_words_in_both_languages() -> None:
    assert set(KINDS) == {e.value for e in AuditEvent}
    for ar, en in KINDS.values():
        assert ar and en and ar != en
        assert re.search("[\u0600-\u06ff]", ar) and not re.search("[\u0600-\u06ff]", en)
    assert set(TEXT["ar"]) == set(TEXT["en"])
    assert kind_words("not_yet_known", "en") == "not_yet_known"


def test_the_data_reads_as_words_and_never_shows_a_secret() -> None:
    data = {
        "by": "omar.registrar",
        "event": "death",
        "state": "returned",
        "role": "registrar",
        "type": 1,
        "pin": "123456",
        "new_password": "x",
        "cleared": True,
        "acknowledged": [],
    }
    ar = dict(lines(data, "ar"))
    assert ar["الواقعة"] == "وفاة" and ar["الحالة بعده"] == "معاد للتصحيح"
    assert ar["الدور"] == "أمين السجل" and ar["نوع الوثيقة"] == "شهادة ميلاد"
    assert ar["بواسطة"] == "\u2068omar.registrar\u2069"
    assert ar["حُذف الرقم"] == "نعم" and ar["تنبيهات أقرّها أمين السجل"] == "لا يوجد"
    en = lines(data, "en")
    assert en[0] == ("By", "omar.registrar")
    assert "123456" not in str(en) and "123456" not in str(ar)
    assert ("\u2068pin\u2069", "محجوب") in ar.items()


def test_a_refused_exchange_query_reads_as_refused_with_its_reason() -> None:
    data = {
        "agency": "PENS",
        "legal_basis": "pension",
        "case_reference": "C-1",
        "query": "is_married",
        "person": 7,
        "outcome": "refused",
        "reason": "not_allowed",
    }
    ar = dict(lines(data, "ar"))
    assert ar["النتيجة"] == "رُفض ولم يُجَب عنه"
    assert ar["السبب"] == "السؤال غير مأذون به بموجب السند القانوني المذكور"
    en = dict(lines(data, "en"))
    assert en["Outcome"] == "Refused, not answered"
    assert dict(lines({"outcome": "answered"}, "en"))["Outcome"] == "Answered"
    # another event's free-text reason is shown as written
    assert dict(lines({"reason": "lost"}, "en"))["Reason"] == "lost"


def test_chain_problems_in_arabic_name_the_entry() -> None:
    p = AuditProblem(7, ProblemKind.EDITED, "entry 7 was edited: its hash does not match")
    assert problem_words(p, "ar") == "عُدِّل القيد رقم \u20687\u2069 أو استُبدل: بصمته لا تطابق محتواه."
    assert problem_words(p, "en") == "Entry 7 was edited: its hash does not match."


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"kind": "nope"}, "audit_bad_kind"),
        ({"staff": "عمر"}, "audit_bad_staff"),
        ({"office": "AM"}, "audit_bad_office"),
        ({"from": "2026-3-1"}, "audit_bad_date"),
        ({"to": "2026-02-30"}, "audit_bad_date"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "audit_bad_range"),
        ({"before": "0"}, "audit_bad_cursor"),
        ({"before": "٣"}, "audit_bad_cursor"),
        ({"before": "5", "after": "2"}, "audit_bad_cursor"),
    ],
)
def test_malformed_filters_are_refused(params: dict[str, str], code: str) -> None:
    with pytest.raises(Refused) as caught:
        parse_filter(params)
    assert caught.value.code == code


def test_filters_are_normalised() -> None:
    f = parse_filter({"staff": " Omar.Registrar ", "office": "irb", "to": "9999-12-31"})
    assert f.staff == "omar.registrar" and f.office == "IRB" and f.until == dt.date.max
    assert f.query(before=9) == {
        "staff": "omar.registrar",
        "office": "IRB",
        "to": "9999-12-31",
        "before": "9",
    }


def test_the_api_paths_are_in_the_openapi_document_that_schemathesis_runs(site: Site) -> None:
    # tests/office/test_office_schemathesis.py runs every /api/v1/office/ operation of this
    # document without a token (401 only) and with a supervisor's (no 5xx)
    paths = httpx.get(site.url + "/openapi.json").json()["paths"]
    for path, method in [
        (API, "get"),
        (API + "/verify", "post"),
        ("/api/v1/office/statistics", "get"),
    ]:
        assert "401" in paths[path][method]["responses"], path
    assert {"kind", "staff", "office", "from", "to", "cursor"} <= {
        p["name"] for p in paths[API]["get"]["parameters"]
    }
    assert "/office/audit" not in paths and "/office/statistics" not in paths
