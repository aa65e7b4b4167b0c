"""The queue, the call display and the appointments page over HTTP, as a browser posts them:
who may open what, CSRF, the display key (hashed, replaced), a closure's two steps, and the
words of the new audit kinds."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select

from registry.models import AuditEntry, Booking, QueueDisplay, QueueTicket, SmsMessage
from registry.office.declarations import Permission, Role, Staff, can
from registry.office_web.audit_text import lines
from registry.office_web.queue_text import TEXT, call_line
from tests.office.office_support import Site, browser_sign_in, csrf_of
from tests.office.queue_support import book, queue_site, walk_in


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> Iterator[Site]:
    if request.param == "sqlite":
        with queue_site(tmp_path) as s:
            yield s
        return
    with throwaway_postgres("sanad_office_queue") as url, queue_site(tmp_path, url) as s:
        yield s


@contextmanager
def signed_in(site: Site, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=60) as client:
        assert browser_sign_in(client, site, username).status_code == 303
        yield client


def test_supervisors_manage_bookings_and_clerks_do_not() -> None:
    supervisor = Staff("s", Role.SUPERVISOR, None)
    local = Staff("s2", Role.SUPERVISOR, "IRB")
    clerk = Staff("c", Role.CLERK, "AMM")
    assert can(supervisor, Permission.MANAGE_BOOKINGS, "AMM")
    assert can(local, Permission.MANAGE_BOOKINGS, "IRB")
    assert not can(local, Permission.MANAGE_BOOKINGS, "AMM")
    assert not can(clerk, Permission.MANAGE_BOOKINGS)
    assert not can(Staff("a", Role.ADMINISTRATOR, None), Permission.MANAGE_BOOKINGS)


def test_the_call_line_reads_right_to_left_with_the_label_isolated() -> None:
    ar, en = call_line("B-007", 3)
    assert ar == "الرقم \u2068B-007\u2069 ← الشبّاك \u20683\u2069"
    assert en == "Number B-007 → Counter 3"
    assert set(TEXT["ar"]) == set(TEXT["en"])


def test_the_audit_page_reads_a_day_closed() -> None:
    data = {"by": "huda.supervisor", "office": "AMM", "day": "2027-01-07", "cancelled": 3}
    assert dict(lines(data, "ar")) == {
        "بواسطة": "\u2068huda.supervisor\u2069",
        "المكتب": "\u2068AMM\u2069",
        "اليوم": "\u20682027-01-07\u2069",
        "المواعيد الملغاة": "\u20683\u2069",
    }
    assert dict(lines(data, "en"))["Appointments cancelled"] == "3"


def test_a_clerk_calls_serves_and_marks_a_no_show_and_a_post_needs_the_form_token(
    site: Site,
) -> None:
    first, second = walk_in(site, minutes_ago=5), walk_in(site)
    with signed_in(site, "amal.clerk") as client:
        page = client.get("/office/queue?counter=2")
        assert page.status_code == 200 and 'http-equiv="refresh"' in page.text
        assert "sanad-office-counter=2" in page.headers["set-cookie"]
        token = csrf_of(page.text)
        # without the form's token nothing is called
        assert client.post("/office/queue/call", data={"counter": "2"}).status_code == 403
        called = client.post("/office/queue/call", data={"csrf": token, "counter": "2"})
        assert called.status_code == 303
        assert called.headers["location"] == "/office/queue?counter=2&done=called"
        page = client.get("/office/queue")  # the counter remembered in the cookie
        assert TEXT["ar"]["done_called"] not in page.text
        ids = re.findall(r'action="/office/queue/tickets/(\d+)"', page.text)
        assert len(set(ids)) == 1
        served = client.post(
            f"/office/queue/tickets/{ids[0]}",
            data={"csrf": token, "counter": "2", "action": "served"},
        )
        assert served.status_code == 303
        client.post("/office/queue/call", data={"csrf": token, "counter": "2"})
        page = client.get("/office/queue")
        (nxt,) = set(re.findall(r'action="/office/queue/tickets/(\d+)"', page.text))
        client.post(
            f"/office/queue/tickets/{nxt}",
            data={"csrf": token, "counter": "2", "action": "no_show"},
        )
        # marked already: the page says it changed, never a 500
        again = client.post(
            f"/office/queue/tickets/{nxt}",
            data={"csrf": token, "counter": "2", "action": "served"},
        )
        assert again.status_code == 409 and TEXT["ar"]["changed"] in again.text
        assert (
            client.post("/office/queue/call", data={"csrf": token, "counter": "9"}).status_code
            == 422
        )
        empty = client.post("/office/queue/call", data={"csrf": token, "counter": "2"})
        assert empty.headers["location"].endswith("done=empty")
    db = site.db()
    try:
        with db.session() as s:
            states = dict(s.execute(select(QueueTicket.label, QueueTicket.state)).all())
    finally:
        db.dispose()
    assert states == {first: "served", second: "no_show"}


def test_who_may_open_the_queue_the_display_and_the_appointments_page(site: Site) -> None:
    with httpx.Client(base_url=site.url) as anonymous:
        assert anonymous.get("/office/queue").status_code == 303
        assert anonymous.get("/office/display/AMM").status_code == 303
        assert anonymous.get("/office/display/AMM?key=guess").status_code == 404
        assert anonymous.get("/office/bookings").status_code == 303
    with signed_in(site, "amal.clerk") as clerk:
        assert clerk.get("/office/display/AMM").status_code == 200
        assert clerk.get("/office/display/IRB").status_code == 403
        refused = clerk.get("/office/bookings")
        assert refused.status_code == 403 and "غير مسموح" in refused.text
        token = csrf_of(clerk.get("/office/queue").text)
        assert (
            clerk.post(
                "/office/bookings/display", data={"csrf": token, "office": "AMM"}
            ).status_code
            == 403
        )
    with signed_in(site, "huda.supervisor") as supervisor:
        assert supervisor.get("/office/queue").status_code == 403
        page = supervisor.get("/office/bookings")
        assert page.status_code == 200 and TEXT["ar"]["choose_office_first"] in page.text
        assert supervisor.get("/office/bookings?office=amm").status_code == 200
        assert supervisor.get("/office/bookings?office=A;B").status_code == 422
        bad = supervisor.get("/office/bookings?office=AMM&first=2027-01-09&last=2027-01-01")
        assert bad.status_code == 422 and TEXT["ar"]["bad_range"] in bad.text


def test_a_display_key_is_stored_hashed_and_a_new_one_retires_the_old(site: Site) -> None:
    walk_in(site)
    with signed_in(site, "huda.supervisor") as supervisor:
        token = csrf_of(supervisor.get("/office/bookings?office=AMM").text)
        made = supervisor.post("/office/bookings/display", data={"csrf": token, "office": "AMM"})
        assert made.status_code == 200
        (link,) = re.findall(r'class="bookings-link" dir="ltr">([^<]+)<', made.text)
        key = link.split("key=")[1]
        again = supervisor.post("/office/bookings/display", data={"csrf": token, "office": "AMM"})
        (newer,) = re.findall(r'class="bookings-link" dir="ltr">([^<]+)<', again.text)
    target = urlsplit(newer)
    with httpx.Client(base_url=site.url) as tv:
        shown = tv.get(f"{target.path}?{target.query}")
        assert shown.status_code == 200
        assert '<meta http-equiv="refresh" content="5">' in shown.text
        assert "/office/sign-out" not in shown.text  # no staff session, no menu
        assert tv.get(f"/office/display/AMM?key={key}").status_code == 404  # the old key
        assert tv.get(f"/office/display/IRB?{target.query}").status_code == 404
    db = site.db()
    try:
        with db.session() as s:
            row = s.get(QueueDisplay, "AMM")
            kinds = list(s.scalars(select(AuditEntry.kind)))
    finally:
        db.dispose()
    assert row is not None and row.created_by == "huda.supervisor"
    new_key = target.query.removeprefix("key=")
    assert row.key_hash == hashlib.sha256(new_key.encode()).hexdigest()
    assert new_key not in str(kinds) and kinds.count("queue_display_key_set") == 2


def test_closing_a_day_asks_first_then_cancels_and_texts_each_holder(site: Site) -> None:
    thursday = dt.date(2027, 1, 7)
    refs = book(site, thursday, [dt.time(9, 0), dt.time(9, 30), dt.time(10, 0)])
    with signed_in(site, "huda.supervisor") as supervisor:
        token = csrf_of(supervisor.get("/office/bookings?office=AMM").text)
        form = {"csrf": token, "office": "AMM", "day": "2027-01-07", "reason": "صيانة المبنى"}
        asked = supervisor.post("/office/bookings/close", data=form)
        assert asked.status_code == 200 and TEXT["ar"]["close_confirm"] in asked.text
        db = site.db()
        try:
            with db.session() as s:
                assert {b.state for b in s.scalars(select(Booking))} == {"booked"}
        finally:
            db.dispose()
        past = supervisor.post(
            "/office/bookings/close", data={**form, "day": "2027-01-05", "confirm": "yes"}
        )
        assert past.status_code == 409
        short = supervisor.post("/office/bookings/close", data={**form, "reason": "x"})
        assert short.status_code == 422
        done = supervisor.post("/office/bookings/close", data={**form, "confirm": "yes"})
        assert done.status_code == 200 and TEXT["ar"]["closed_done"] in done.text
    db = site.db()
    try:
        with db.session() as s:
            cancelled = {
                b.reference: (b.state, b.cancelled_reason) for b in s.scalars(select(Booking))
            }
            texts = list(
                s.scalars(
                    select(SmsMessage.template).where(
                        SmsMessage.template == "booking_office_closed"
                    )
                )
            )
    finally:
        db.dispose()
    assert cancelled == dict.fromkeys(refs, ("cancelled", "office_closed"))
    assert len(texts) == 3


def test_the_pages_speak_english_when_asked(site: Site) -> None:
    walk_in(site)
    with signed_in(site, "amal.clerk") as clerk:
        clerk.cookies.set("sanad-office-lang", "en")
        page = clerk.get("/office/queue?counter=3")
        assert "Today&#39;s queue" in page.text and "Walk-in" in page.text
        assert "Call the next number" in page.text and "الشبّاك" not in page.text
    with signed_in(site, "huda.supervisor") as supervisor:
        supervisor.cookies.set("sanad-office-lang", "en")
        page = supervisor.get("/office/bookings?office=AMM")
        assert "Close the office for a day" in page.text and "Walk-ins" in page.text


def _token(site: Site, username: str) -> dict[str, str]:
    site.next_step()
    answer = httpx.post(
        f"{site.url}/api/v1/office/session",
        json={
            "username": username,
            "password": site.passwords[username],
            "code": site.code(username),
        },
    )
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def test_the_api_twins_call_and_close_as_the_pages_do(site: Site) -> None:
    label = walk_in(site)
    book(site, dt.date(2027, 1, 10), [dt.time(9, 0)])  # a Sunday
    with httpx.Client(base_url=site.url, headers=_token(site, "amal.clerk")) as clerk:
        listed = clerk.get("/api/v1/office/queue").json()
        assert [t["label"] for t in listed["tickets"]] == [label]
        assert [c["number"] for c in listed["counters"]] == [1, 2, 3]
        called = clerk.post("/api/v1/office/queue/call", json={"counter": 3}).json()["ticket"]
        assert (called["label"], called["state"], called["counter"]) == (label, "called", 3)
        assert clerk.post("/api/v1/office/queue/call", json={"counter": 3}).json() == {
            "ticket": None
        }
        assert clerk.post("/api/v1/office/queue/call", json={"counter": 7}).status_code == 422
        done = clerk.post(f"/api/v1/office/queue/tickets/{called['id']}", json={"action": "served"})
        assert done.json()["ticket"]["state"] == "served"
        again = clerk.post(
            f"/api/v1/office/queue/tickets/{called['id']}", json={"action": "recall"}
        )
        assert again.status_code == 409
        assert (
            clerk.post("/api/v1/office/queue/tickets/999999", json={"action": "recall"}).status_code
            == 404
        )
        assert clerk.get("/api/v1/office/bookings/AMM/days").status_code == 403
    with httpx.Client(base_url=site.url, headers=_token(site, "huda.supervisor")) as supervisor:
        assert supervisor.get("/api/v1/office/queue").status_code == 403
        days = supervisor.get("/api/v1/office/bookings/AMM/days").json()
        (today,) = days["days"]
        assert today["walk_ins"] == 1 and today["served_by_counter"] == {"3": 1}
        assert supervisor.get("/api/v1/office/bookings/AMM/days?last=9999-12-31").status_code == 422
        assert supervisor.get("/api/v1/office/bookings/XYZ/days").status_code == 404
        closed = supervisor.post(
            "/api/v1/office/bookings/AMM/close", json={"day": "2027-01-10", "reason": "عطلة طارئة"}
        )
        assert closed.json() == {
            "office": "AMM",
            "day": "2027-01-10",
            "cancelled": 1,
            "notified": 1,
        }
        past = supervisor.post(
            "/api/v1/office/bookings/AMM/close", json={"day": "2027-01-01", "reason": "عطلة طارئة"}
        )
        assert past.status_code == 409
