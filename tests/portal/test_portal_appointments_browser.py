"""The appointment pages in a real browser on a phone-sized screen (Debian's chromium at
390×844 through Playwright), in Arabic, read by role and label: booking end to end, a time
taken meanwhile offering the free ones instead, cancelling from "my appointments", and the
SMS link's page. Every page passes tests/portal/a11y.js and is saved for docs/gallery/portal/.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator

import pytest

from registry.client import CitizenSession, RegistryClient
from tests.orders.orders_support import signed_in
from tests.portal import test_portal_browser as shared
from tests.portal.portal_support import Site, fill_day
from tests.portal.test_portal_browser import WORDS, check

pytestmark = pytest.mark.browser

from playwright.sync_api import Page, expect  # noqa: E402

browser, page = shared.browser, shared.page  # the same Chromium and phone-sized page
W = WORDS["ar"]
REFERENCE = re.compile(r"^[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}$")


@pytest.fixture
def channel(site: Site) -> Iterator[RegistryClient]:
    """A second portal channel, for what other citizens do meanwhile."""
    key = site.reg.enroll_portal("PORTAL-2")
    with RegistryClient(site.registry_url, "PORTAL-2", key, retries=0) as c:
        yield c


def _sign_in(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/sign-in")
    page.get_by_label(W["national_id"]).fill(site.citizen["national_id"])
    page.get_by_label(W["pin"]).fill(site.citizen["pin"])
    page.get_by_role("button", name=W["continue"]).click()
    page.get_by_label(W["code"]).fill(site.otp())
    page.get_by_role("button", name=W["verify"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(W["home"])


def _to_times(page: Page, *, shots: bool = False) -> None:
    """Service (registering an event) → the Zarqa governorate's nearest → Amman → first day."""
    page.get_by_role("navigation").get_by_role("link", name="مواعيدي").click()
    page.get_by_role("main").get_by_role("link", name="حجز موعد").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("يُرجى اختيار الخدمة")
    if shots:
        check(page, "appointment-service-ar")
    page.get_by_role("link", name=re.compile("^اختيار هذه الخدمة: تسجيل واقعة")).click()
    page.get_by_label("المحافظة").select_option(label="الزرقاء")
    page.get_by_role("button", name="عرض الأقرب أولًا").click()
    first = page.get_by_role("link", name=re.compile("^اختيار هذا المكتب")).first
    expect(first).to_have_accessible_name(re.compile("الزرقاء$"))
    if shots:
        check(page, "appointment-office-ar")
    page.get_by_role("link", name=re.compile("^اختيار هذا المكتب: .*عمان")).click()
    expect(page.get_by_role("heading", name="يُرجى اختيار اليوم")).to_be_visible()
    days = page.locator("a.day-link")
    expect(days.first).to_contain_text("هـ")  # the Hijri date beside
    if shots:
        check(page, "appointment-day-ar")
    days.first.click()
    expect(page.get_by_role("heading", name="يُرجى اختيار الوقت")).to_be_visible()


def test_book_end_to_end_and_see_the_reference(site: Site, page: Page) -> None:
    _sign_in(site, page)
    check(page, "appointment-home-ar")
    _to_times(page, shots=True)
    check(page, "appointment-time-ar")
    first_time = page.locator("ul.times button").first
    chosen = first_time.inner_text().strip()
    assert re.fullmatch(r"\d\d:\d\d", chosen)
    first_time.click()
    held = page.get_by_role("status")
    expect(held).to_contain_text(re.compile(r"يُحتفظ بهذا الموعد حتى الساعة\s*\u2068?\d\d:\d\d"))
    expect(page.get_by_text(chosen, exact=True)).to_be_visible()
    check(page, "appointment-confirm-ar")
    page.get_by_role("button", name="تأكيد الموعد").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("تم حجز الموعد")
    code = page.locator(".order-code").inner_text().strip()
    assert REFERENCE.fullmatch(code), code
    expect(page.get_by_role("img", name=re.compile(code))).to_be_visible()
    expect(page.get_by_role("heading", name="ما يلزم إحضاره")).to_be_visible()
    check(page, "appointment-booked-ar")


def test_a_time_taken_meanwhile_offers_the_free_ones(
    site: Site, page: Page, channel: RegistryClient
) -> None:
    _sign_in(site, page)
    _to_times(page)
    last = page.locator("ul.times button").last
    slot = last.get_attribute("value") or ""
    day, time = dt.date.fromisoformat(slot[:10]), dt.time.fromisoformat(slot[11:])
    others = [
        c
        for c in site.reg.citizens()
        if c["phone"]
        and "deceased" not in c["facts"]
        and c["national_id"] != site.citizen["national_id"]
    ][:2]
    for other in others:  # both counters serving the service take that time
        session: CitizenSession = signed_in(channel, site.reg.url, other)
        channel.hold_booking(
            session,
            service="EVENT_REG",
            office="AMM",
            day=day,
            time=time,
            idempotency_key=uuid.uuid4().hex,
        )
    last.click()
    taken = page.get_by_role("alert")
    expect(taken).to_contain_text("حُجز هذا الوقت قبل لحظات")
    offered = taken.get_by_role("button")
    expect(offered.first).to_be_visible()
    values = [b.get_attribute("value") for b in offered.all()]
    assert values and slot not in values
    check(page, "appointment-taken-ar")
    offered.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("تأكيد الموعد")


def _booked(site: Site, channel: RegistryClient) -> tuple[str, str]:
    """The site's citizen books through another channel; (reference, the SMS link's token)."""
    session = signed_in(channel, site.reg.url, site.citizen)
    day = next(d.day for d in channel.booking_days(session, "ID_CARD", "IRB") if d.has_free)
    time = channel.booking_times(session, "ID_CARD", "IRB", day)[0]
    held = channel.hold_booking(
        session,
        service="ID_CARD",
        office="IRB",
        day=day,
        time=time,
        idempotency_key=uuid.uuid4().hex,
    )
    channel.confirm_booking(session, held.reference)
    token = re.search(
        rf"/b/{held.reference}\?t=([a-z]+)", site.reg.last_sms(site.citizen["phone"]) or ""
    )
    assert token
    return held.reference, token.group(1)


def test_cancel_from_my_appointments(site: Site, page: Page, channel: RegistryClient) -> None:
    ref, _ = _booked(site, channel)
    display = f"{ref[:3]}-{ref[3:6]}-{ref[6:]}"
    _sign_in(site, page)
    page.get_by_role("navigation").get_by_role("link", name="مواعيدي").click()
    item = page.get_by_role("listitem").filter(has_text=display)
    expect(item).to_contain_text("محجوز")
    expect(item).to_contain_text("هـ")
    check(page, "appointments-ar")
    item.get_by_role("link", name=f"إلغاء الموعد {display}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("إلغاء الموعد")
    check(page, "appointment-cancel-ar")
    page.get_by_role("button", name="نعم، إلغاء الموعد").click()
    expect(page.get_by_role("status")).to_contain_text("أُلغي الموعد")
    expect(page.get_by_role("list", name="مواعيد سابقة أو ملغاة")).to_contain_text(display)
    check(page, "appointments-cancelled-ar")


def test_the_sms_link_page_cancels_without_signing_in(
    site: Site, page: Page, channel: RegistryClient
) -> None:
    ref, token = _booked(site, channel)
    page.goto(f"{site.url}/b/{ref}?t={token}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{ref[:3]}-{ref[3:6]}-{ref[6:]}")
    expect(page.get_by_role("navigation")).to_have_count(0)  # no session, no menu
    check(page, "appointment-link-ar")
    page.get_by_role("link", name="إلغاء الموعد").click()
    page.get_by_role("button", name="نعم، إلغاء الموعد").click()
    expect(page.get_by_role("status")).to_contain_text("أُلغي الموعد")
    expect(page.get_by_text("أُلغي", exact=True)).to_be_visible()
    check(page, "appointment-link-cancelled-ar")
    page.goto(f"{site.url}/b/{ref}?t={'a' * 22}")
    expect(page.get_by_role("heading", level=1)).to_have_text("الرابط غير صالح")
    check(page, "appointment-link-invalid-ar")


def test_a_waiting_list_offer_is_confirmed_from_its_sms_link(
    site: Site, page: Page, channel: RegistryClient
) -> None:
    other = next(
        c
        for c in site.reg.citizens()
        if c["phone"]
        and "deceased" not in c["facts"]
        and c["national_id"] != site.citizen["national_id"]
    )
    theirs = signed_in(channel, site.reg.url, other)
    day = next(d.day for d in channel.booking_days(theirs, "EXTRACT", "AMM") if d.has_free)
    time = channel.booking_times(theirs, "EXTRACT", "AMM", day)[0]
    held = channel.hold_booking(
        theirs,
        service="EXTRACT",
        office="AMM",
        day=day,
        time=time,
        idempotency_key=uuid.uuid4().hex,
    )
    channel.confirm_booking(theirs, held.reference)
    fill_day(site, day.isoformat(), "EXTRACT")  # a waiting list is for a full day
    mine = signed_in(channel, site.reg.url, site.citizen)
    assert channel.join_waitlist(mine, service="EXTRACT", office="AMM", day=day) == 1
    channel.cancel_booking(theirs, held.reference)  # the time frees: offered to the first waiting
    body = site.reg.last_sms(site.citizen["phone"]) or ""
    link = re.search(r"/b/([0-9A-Z]{9})\?t=([a-z]+)", body)
    assert link, body
    page.goto(f"{site.url}/b/{link.group(1)}?t={link.group(2)}")
    expect(page.get_by_role("status")).to_contain_text("أصبح هذا الموعد متاحًا من قائمة الانتظار")
    check(page, "appointment-offer-ar")
    page.get_by_role("button", name="تأكيد الموعد").click()
    expect(page.get_by_role("status")).to_contain_text("تم تأكيد الموعد.")
    expect(page.get_by_text("محجوز", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("رقم الحجز"))).to_be_visible()
