"""The office's queue, its waiting-room display and the supervisor's appointments page in real
Chromium, in Arabic, read by role and label: a clerk calls, serves and marks a no-show while
the display follows; a supervisor closes a day (bookings cancelled, SMS queued) and makes the
display's link, which a TV with no staff session opens. Screenshots go to docs/gallery/office/
(queue-ar.png, display-ar.png, bookings-ar.png, bookings-close-ar.png)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from registry.bookings import queue, tickets
from registry.models import Booking, QueueTicket, SmsMessage
from tests.office.office_support import Site
from tests.office.queue_support import WEDNESDAY_9, book, queue_site, site_rules, walk_in
from tests.office.test_office_browser import WORDS, browser, fill_sign_in, shot  # noqa: F401

pytestmark = pytest.mark.browser

from playwright.sync_api import Browser, Page, expect  # noqa: E402

DESKTOP = {"width": 1280, "height": 800}
TV = {"width": 1920, "height": 1080}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with queue_site(tmp_path) as s:
        yield s


@pytest.fixture
def tab(browser: Browser) -> Iterator[Callable[..., Page]]:  # noqa: F811
    """New pages, each in its own context (no shared cookies) unless `like` is given; no
    console error but the refusals a test names in `allowed`."""
    contexts = []
    errors: list[str] = []
    allowed: list[str] = []

    def new(viewport: dict[str, int] = DESKTOP, like: Page | None = None, allow: str = "") -> Page:
        if allow:
            allowed.append(allow)
        if like is not None:
            pg = like.context.new_page()
        else:
            context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
            contexts.append(context)
            pg = context.new_page()
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        return pg

    yield new
    for context in contexts:
        context.close()
    assert [e for e in errors if not any(f"status of {a}" in e for a in allowed)] == []


def sign_in(page: Page, site: Site, user: str) -> None:
    page.goto(f"{site.url}/office/sign-in")
    fill_sign_in(page, WORDS["ar"], site, user, site.passwords[user])
    expect(page).to_have_url(f"{site.url}/office/today")


def booked_tickets(site: Site) -> list[str]:
    """Two appointments this morning, made on Monday: one checked in on time, one late."""
    monday = WEDNESDAY_9 - dt.timedelta(days=2)
    on_time, late = book(site, WEDNESDAY_9.date(), [dt.time(9, 0), dt.time(8, 30)], now=monday)
    db = site.db()
    try:
        with db.session() as s:
            return [
                tickets.check_in(
                    s,
                    site_rules(site),
                    reference=ref,
                    office="AMM",
                    kiosk_id="K",
                    now=site.clock.now(),
                ).label
                for ref in (on_time, late)
            ]
    finally:
        db.dispose()


def states(site: Site) -> dict[str, str]:
    db = site.db()
    try:
        with db.session() as s:
            return dict(s.execute(select(QueueTicket.label, QueueTicket.state)).all())
    finally:
        db.dispose()


def test_a_clerk_calls_serves_and_marks_a_no_show_while_the_display_follows(
    site: Site, tab: Callable[..., Page]
) -> None:
    early = walk_in(site, minutes_ago=20)
    on_time, late = booked_tickets(site)
    later = walk_in(site, service="ID_CARD")
    page = tab()
    sign_in(page, site, "amal.clerk")
    page.get_by_role("link", name="دور المراجعين").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("دور المراجعين اليوم")
    expect(page.get_by_text("اختر الشبّاك الذي تعمل عليه قبل نداء أي رقم.")).to_be_visible()
    waiting = page.get_by_role("table", name="بانتظار النداء، بترتيبه")
    # on time first, then the walk-ins and the late arrival by their tickets' time
    expect(waiting.get_by_role("rowheader")).to_have_text([on_time, early, late, later])
    expect(waiting.get_by_role("row", name=late)).to_contain_text("حضر بعد موعده")
    expect(waiting.get_by_role("row", name=early)).to_contain_text("دون موعد")

    page.get_by_role("link", name="الشبّاك 1").click()
    expect(page.get_by_role("link", name="الشبّاك 1")).to_have_attribute("aria-current", "true")
    page.get_by_role("button", name="نداء الرقم التالي").click()
    expect(page.get_by_role("status")).to_have_text("نُودي على الرقم التالي.")
    current = page.get_by_role("group", name=f"رقم الدور {on_time}")
    expect(current).to_be_visible()

    # the waiting room's screen, from the clerk's own session, shows the call
    display = tab(like=page)
    display.goto(f"{site.url}/office/display/AMM")
    expect(display.get_by_role("status")).to_have_text(
        f"الرقم \u2068{on_time}\u2069 ← الشبّاك \u20681\u2069"
    )

    current.get_by_role("button", name="أُنجزت الخدمة").click()
    expect(page.get_by_role("status")).to_have_text("سُجّل إنجاز الخدمة.")
    expect(page.get_by_text("لا يوجد رقم منادى عليه على هذا الشبّاك.")).to_be_visible()
    page.get_by_role("button", name="نداء الرقم التالي").click()
    page.get_by_role("group", name=f"رقم الدور {early}").get_by_role(
        "button", name="لم يحضر"
    ).click()
    expect(page.get_by_role("status")).to_have_text("سُجّل عدم حضور صاحب الرقم.")
    done = page.get_by_role("table", name="الأرقام المنتهية اليوم")
    expect(done.get_by_role("row", name=early)).to_contain_text("لم يحضر")
    expect(done.get_by_role("row", name=on_time)).to_contain_text("أُنجزت خدمته")

    # the next call reaches the screen by its own refresh (every five seconds)
    page.get_by_role("button", name="نداء الرقم التالي").click()
    expect(page.get_by_role("group", name=f"رقم الدور {late}")).to_be_visible()
    expect(display.get_by_role("status")).to_contain_text(late, timeout=12_000)
    page.get_by_role("group", name=f"رقم الدور {late}").get_by_role(
        "button", name="إعادة النداء"
    ).click()
    expect(page.get_by_role("status")).to_have_text("أُعيد النداء على الرقم.")
    assert states(site) == {on_time: "served", early: "no_show", late: "called", later: "waiting"}
    page.reload()  # the counter is remembered
    expect(page.get_by_role("group", name=f"رقم الدور {late}")).to_be_visible()
    shot(page, "queue-ar")


def test_a_supervisor_closes_a_day_and_a_tv_opens_the_display_with_its_key(
    site: Site, tab: Callable[..., Page]
) -> None:
    thursday = WEDNESDAY_9.date() + dt.timedelta(days=1)
    refs = book(site, thursday, [dt.time(9, 0), dt.time(9, 30), dt.time(11, 0)])
    # a morning's work for the figures: four tickets, two served, two called now
    for minutes in (40, 30, 20, 10):
        walk_in(site, minutes_ago=minutes)
    db = site.db()
    try:
        with db.session() as s:
            now = site.clock.now()
            for counter in (1, 2):
                row = queue.call_next(
                    s,
                    office="AMM",
                    counter=counter,
                    by="amal.clerk",
                    now=now - dt.timedelta(minutes=8),
                )
                assert row is not None
                queue.mark(
                    s, office="AMM", ticket_id=row.id, outcome="served", by="amal.clerk", now=now
                )
            earlier = queue.call_next(
                s, office="AMM", counter=1, by="amal.clerk", now=now - dt.timedelta(minutes=1)
            )
            called = queue.call_next(s, office="AMM", counter=3, by="amal.clerk", now=now)
            assert earlier is not None and called is not None
    finally:
        db.dispose()

    page = tab()
    sign_in(page, site, "huda.supervisor")
    page.get_by_role("link", name="المواعيد").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("المواعيد ودور المراجعين")
    expect(page.get_by_text("اختر مكتبًا لعرض أرقامه.")).to_be_visible()
    page.get_by_label("المكتب").select_option("AMM")
    page.get_by_role("button", name="عرض").click()
    figures = page.get_by_role("table", name="الأرقام اليومية")
    today = figures.get_by_role("row", name=WEDNESDAY_9.date().isoformat())
    expect(today).to_contain_text("الشبّاك \u20681\u2069: \u20681\u2069")
    expect(today.get_by_role("cell").last).to_have_text("4")  # walk-ins

    page.get_by_label("اليوم المراد إغلاقه").fill(thursday.isoformat())
    page.get_by_label("سبب الإغلاق").fill("أعمال صيانة في مبنى المكتب")
    page.get_by_role("button", name="متابعة").click()
    expect(page.get_by_role("heading", name="تأكيد إغلاق المكتب")).to_be_visible()
    expect(page.get_by_text("المواعيد التي ستُلغى")).to_be_visible()
    facts = page.locator("dl.bookings-facts")
    expect(facts).to_contain_text("3")
    shot(page, "bookings-close-ar")
    page.get_by_role("button", name="تأكيد الإغلاق").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("أُغلق المكتب في هذا اليوم.")
    expect(status).to_contain_text("المواعيد الملغاة")

    db = site.db()
    try:
        with db.session() as s:
            after = {b.reference: b.state for b in s.scalars(select(Booking))}
            texts = s.scalars(
                select(SmsMessage.template).where(SmsMessage.template == "booking_office_closed")
            ).all()
    finally:
        db.dispose()
    assert {after[r] for r in refs} == {"cancelled"} and len(texts) == 3

    page.get_by_role("button", name="إنشاء رابط جديد").click()
    link = page.locator("p.bookings-link").inner_text().strip()
    assert link.startswith(f"{site.url}/office/display/AMM?key=")
    shot(page, "bookings-ar")

    screen = tab(TV, allow="404")
    screen.goto(link)
    expect(screen.get_by_role("status")).to_have_text(
        f"الرقم \u2068{called.label}\u2069 ← الشبّاك \u20683\u2069"
    )
    expect(screen.get_by_text(f"Number {called.label} → Counter 3")).to_be_visible()
    earlier_calls = screen.get_by_role("region", name="نداءات سابقة Earlier calls")
    expect(earlier_calls).to_contain_text(f"Number {earlier.label} → Counter 1")
    expect(screen.get_by_role("button", name="تسجيل الخروج")).to_have_count(0)
    shot(screen, "display-ar")
    wrong = screen.goto(link[:-3] + "xyz")
    assert wrong is not None and wrong.status == 404
    expect(screen.get_by_role("alert")).to_contain_text("لا توجد شاشة نداء بهذا الرابط.")


def test_a_clerk_is_refused_the_appointments_page(site: Site, tab: Callable[..., Page]) -> None:
    page = tab(allow="403")
    sign_in(page, site, "amal.clerk")
    expect(page.get_by_role("link", name="المواعيد")).to_have_count(0)
    answer = page.goto(f"{site.url}/office/bookings")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("غير مسموح")
    expect(page.get_by_role("alert")).to_have_text("لا يسمح دورك بفتح هذه الصفحة.")
