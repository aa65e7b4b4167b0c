"""A clerk declares a birth through the Arabic form in real Chromium, and a registrar signs in,
finds it on the today page and registers it; screenshots go to docs/gallery/office/
(declare-birth-ar, declare-birth-refused-ar, today-ar, declaration-ar, declaration-en)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from tests.office.test_declarations_web import Web, warnings_of, web  # noqa: F401
from tests.office.test_office_browser import WORDS, browser, fill_sign_in, shot  # noqa: F401

pytestmark = pytest.mark.browser

from playwright.sync_api import Browser, Page, expect  # noqa: E402


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811
    """A page that fails the test on any console error but the refused form's own 422."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()
    assert [e for e in errors if "status of 422" not in e] == []


REQUIRED, OPTIONAL = "(مطلوب)", "(اختياري)"


def label(words: str, required: bool = False) -> str:
    return f"{words} {REQUIRED if required else OPTIONAL}"


def test_a_clerk_declares_a_birth_in_arabic_and_a_registrar_registers_it(
    web: Web,  # noqa: F811
    page: Page,
) -> None:
    site = web.site
    mother, father = web.couple()
    born = web.today() - dt.timedelta(days=45)  # late: a warning for the registrar to confirm
    w = WORDS["ar"]

    # the clerk, in Arabic, with the keyboard where a person would use it
    site.next_step()
    page.goto(f"{site.url}/office/sign-in")
    fill_sign_in(page, w, site, "amal.clerk", site.passwords["amal.clerk"])
    page.get_by_role("navigation", name="القائمة الرئيسية").get_by_role(
        "link", name="تقديم واقعة"
    ).click()
    page.get_by_role("link", name="ولادة").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("تقديم واقعة: ولادة")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_label(label("اسم المولود بالعربية", True), exact=True).fill("جود")
    latin = page.get_by_label(label("اسم المولود بالحروف اللاتينية"), exact=True)
    expect(latin).to_have_accessible_description(
        "إن تُرك فارغًا اقتُرح من الاسم العربي عند التسجيل، ويمكن لأمين السجل تعديله."
    )
    page.get_by_label(label("الجنس", True), exact=True).select_option(label="أنثى")
    page.get_by_label(label("ساعة الولادة"), exact=True).fill("06:30")
    page.get_by_label(label("اسم المكان بالعربية", True), exact=True).fill("مستشفى البشير")
    page.get_by_label(label("اسم المكان بالحروف اللاتينية"), exact=True).fill("Al-Bashir Hospital")
    page.get_by_label(label("الرقم الوطني للأم"), exact=True).fill(mother)
    page.get_by_label(label("الرقم الوطني للأب"), exact=True).fill(father)
    page.get_by_label(label("صلة المبلِّغ بالواقعة", True), exact=True).select_option(label="الأب")
    page.get_by_label(label("اسم المبلِّغ", True), exact=True).fill("والد المولودة")
    # the date forgotten: the form comes back with everything typed and the message by the field
    page.get_by_role("button", name="تقديم الطلب").click()
    expect(page.get_by_role("alert")).to_contain_text("لم يُقدَّم الطلب")
    date = page.get_by_label(label("تاريخ الولادة", True), exact=True)
    expect(date).to_have_accessible_description("الحقل «تاريخ الولادة» مطلوب.")
    expect(page.get_by_label(label("اسم المولود بالعربية", True), exact=True)).to_have_value("جود")
    expect(page.get_by_label(label("الرقم الوطني للأم"), exact=True)).to_have_value(mother)
    shot(page, "declare-birth-refused-ar")
    date.fill(born.isoformat())
    shot(page, "declare-birth-ar")
    page.get_by_role("button", name="تقديم الطلب").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("قُدِّم الطلب، وهو بانتظار تدقيق أمين السجل.")
    number = page.url.split("/")[-1].split("?")[0]
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    expect(page.get_by_role("link", name="تعديل الطلب")).to_be_visible()
    expect(page.get_by_role("button", name="تسجيل الواقعة")).to_have_count(0)
    page.get_by_role("button", name=w["sign_out"]).click()

    # the registrar finds it waiting on the today page
    site.next_step()
    fill_sign_in(page, w, site, "omar.registrar", site.passwords["omar.registrar"])
    expect(page).to_have_url(f"{site.url}/office/today")
    waiting = page.get_by_role("region", name="بانتظار التدقيق")
    link = waiting.get_by_role("link", name=number)
    expect(link).to_be_visible()
    shot(page, "today-ar")
    link.click()
    expect(page.get_by_role("heading", name="نتائج التدقيق الآلي")).to_be_visible()
    facts = page.get_by_role("region", name="بيانات الواقعة")
    expect(facts.get_by_text("جود", exact=True)).to_be_visible()
    expect(facts.get_by_text("أنثى", exact=True)).to_be_visible()
    boxes = page.get_by_role("checkbox", name="اطّلعتُ على التنبيه وأؤكّده")
    expect(boxes).to_have_count(len(warnings_of(web, number)))
    for i in range(boxes.count()):
        boxes.nth(i).check()
    shot(page, "declaration-ar")
    page.get_by_role("button", name="تسجيل الواقعة").click()
    expect(page.get_by_role("status")).to_have_text("سُجِّلت الواقعة.")
    expect(page.get_by_text("مسجَّل", exact=True)).to_be_visible()

    # the same page in English, then the child's record
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Birth declaration")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.get_by_role("cell", name="Registered", exact=True)).to_be_visible()
    shot(page, "declaration-en")
    page.get_by_role("link", name="Open the record").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Civil-status record")
    expect(page.get_by_text("Al-Bashir Hospital")).to_be_visible()
