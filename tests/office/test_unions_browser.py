"""The marriage and divorce forms in real Chromium: a clerk declares a divorce in English and a
registrar registers it; the Arabic marriage form read as a clerk sees it. Screenshots go to
docs/gallery/office/ (declare-divorce-en, declare-marriage-ar)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.office.test_declarations_browser import page  # noqa: F401
from tests.office.test_declarations_web import Web, web  # noqa: F401
from tests.office.test_office_browser import WORDS, browser, fill_sign_in, shot  # noqa: F401

pytestmark = pytest.mark.browser

from playwright.sync_api import Page, expect  # noqa: E402


def test_a_divorce_declared_in_english_and_registered(web: Web, page: Page) -> None:  # noqa: F811
    site = web.site
    wife, husband = web.couple()
    w = WORDS["en"]
    site.next_step()
    page.goto(f"{site.url}/office/sign-in")
    page.get_by_role("link", name="English").click()
    fill_sign_in(page, w, site, "amal.clerk", site.passwords["amal.clerk"])
    page.goto(f"{site.url}/office/declare/divorce")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.get_by_label("Husband's national number (required)", exact=True).fill(husband)
    page.get_by_label("Wife's national number (required)", exact=True).fill(wife)
    day = (web.today() - dt.timedelta(days=5)).isoformat()
    page.get_by_label("Date of the divorce (required)", exact=True).fill(day)
    page.get_by_label("Court (required)", exact=True).fill("محكمة عمّان الشرعية")
    page.get_by_label("Court's name in Latin letters (optional)", exact=True).fill(
        "Amman Sharia Court"
    )
    page.get_by_label("Divorce deed or ruling number (required)", exact=True).fill("2026/731")
    shot(page, "declare-divorce-en")
    page.get_by_role("button", name="Submit the declaration").click()
    expect(page.get_by_role("status")).to_have_text(
        "The declaration is made and awaits a registrar's review."
    )
    number = page.url.split("/")[-1].split("?")[0]
    page.get_by_role("button", name=w["sign_out"]).click()

    site.next_step()
    fill_sign_in(page, w, site, "omar.registrar", site.passwords["omar.registrar"])
    page.goto(f"{site.url}/office/declarations/{number}")
    boxes = page.get_by_role("checkbox")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.get_by_role("button", name="Register the event").click()
    expect(page.get_by_role("status")).to_have_text("The event is registered.")


def test_the_marriage_form_in_arabic(web: Web, page: Page) -> None:  # noqa: F811
    site = web.site
    site.next_step()
    page.goto(f"{site.url}/office/sign-in")
    fill_sign_in(page, WORDS["ar"], site, "amal.clerk", site.passwords["amal.clerk"])
    page.goto(f"{site.url}/office/declare/marriage")
    expect(page.get_by_role("heading", level=1)).to_have_text("تقديم واقعة: زواج")
    for label in ("الرقم الوطني للزوج (مطلوب)", "رقم عقد الزواج (مطلوب)"):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    shot(page, "declare-marriage-ar")
