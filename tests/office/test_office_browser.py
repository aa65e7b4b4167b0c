"""The office app in a real browser (Debian's headless chromium driven by Playwright), read as
a person reads it: by role and label. Screenshots go to docs/gallery/office/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.office.office_support import Site
from tests.support.chromium import CHROMIUM, FLAGS

pytestmark = pytest.mark.browser

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery" / "office"

if not CHROMIUM.exists():  # pragma: no cover - CI installs it
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

WORDS = {
    "ar": {
        "sign_in": "تسجيل الدخول",
        "username": "اسم المستخدم",
        "password": "كلمة المرور",
        "code": "رمز التحقق (ستة أرقام)",
        "submit": "دخول",
        "sign_out": "تسجيل الخروج",
        "signed_out": "تم تسجيل الخروج.",
        "switch": "English",
        "welcome": "مرحبًا، أمل خالد العمري",
        "role": "موظف تسجيل",
        "bad": "اسم المستخدم أو كلمة المرور أو رمز التحقق غير صحيح.",
        "fleet": "أجهزة الخدمة الذاتية",
        "search": "البحث في السجل",
        "search_label": "الرقم الوطني أو الاسم الرباعي",
    },
    "en": {
        "sign_in": "Sign in",
        "username": "User name",
        "password": "Password",
        "code": "Verification code (six digits)",
        "submit": "Sign in",
        "sign_out": "Sign out",
        "signed_out": "You are signed out.",
        "switch": "العربية",
        "welcome": "Welcome, Amal Khaled Al-Omari",
        "role": "Registration clerk",
        "bad": "The user name, password or verification code is not right.",
        "fleet": "Kiosk fleet",
        "search": "Search the register",
        "search_label": "National number or four-part name",
    },
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()
    # no CSP violation, nothing failed to load (but the refused sign-in page's own 401)
    assert [e for e in errors if "status of 401" not in e] == []


def shot(page: Page, name: str) -> None:
    GALLERY.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GALLERY / f"{name}.png"), full_page=True)


def fill_sign_in(page: Page, w: dict[str, str], site: Site, user: str, password: str) -> None:
    page.get_by_label(w["username"]).fill(user)
    page.get_by_label(w["password"]).fill(password)
    page.get_by_label(w["code"]).fill(site.code(user))
    page.get_by_role("button", name=w["submit"]).click()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_sign_in_with_totp_today_and_sign_out(sqlite_site: Site, page: Page, lang: str) -> None:
    site = sqlite_site
    w = WORDS[lang]
    page.goto(f"{site.url}/office/today")  # no session: to the sign-in page
    expect(page).to_have_url(f"{site.url}/office/sign-in")
    if lang == "en":
        page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.get_by_role("heading", level=1)).to_have_text(w["sign_in"])
    shot(page, f"sign-in-{lang}")

    # a wrong password: the uniform refusal, the user name kept
    page.get_by_label(w["username"]).fill("amal.clerk")
    page.get_by_label(w["password"]).fill("not the password at all, really")
    page.get_by_label(w["code"]).fill(site.code("amal.clerk"))
    page.get_by_role("button", name=w["submit"]).click()
    expect(page.get_by_role("alert")).to_have_text(w["bad"])
    expect(page.get_by_label(w["username"])).to_have_value("amal.clerk")
    shot(page, f"sign-in-refused-{lang}")

    fill_sign_in(page, w, site, "amal.clerk", site.passwords["amal.clerk"])
    expect(page).to_have_url(f"{site.url}/office/today")
    expect(page.get_by_role("heading", level=1)).to_have_text(w["welcome"])
    expect(page.get_by_text(w["role"], exact=True)).to_be_visible()
    expect(page.get_by_text("AMM", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=w["fleet"])).to_have_count(0)  # not for a clerk
    shot(page, f"today-clerk-{lang}")

    # the keyboard alone reaches the sign-out button
    page.get_by_role("button", name=w["sign_out"]).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(w["signed_out"])
    page.goto(f"{site.url}/office/today")
    expect(page).to_have_url(f"{site.url}/office/sign-in")


def test_administrator_sees_the_fleet(sqlite_site: Site, page: Page) -> None:
    from tests.office.test_office_fleet import enrol_two

    site = sqlite_site
    enrol_two(site)
    w = WORDS["ar"]
    page.goto(f"{site.url}/office/sign-in")
    fill_sign_in(page, w, site, "sami.admin", site.passwords["sami.admin"])
    page.get_by_role("link", name=w["fleet"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(w["fleet"])
    expect(page.get_by_role("cell", name="AMM-001")).to_be_visible()
    expect(page.get_by_role("cell", name="الورق قارب على النفاد")).to_be_visible()
    shot(page, "fleet-ar")


def test_clerk_searches_a_misspelt_name_and_opens_the_record(
    browser: Browser, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from registry.models import Person
    from tests.office.office_support import serving

    with serving(tmp_path, None, demo=200) as site:
        db = site.db()
        try:
            with db.session() as s:
                person = s.scalars(
                    select(Person).where(Person.father_id.is_not(None)).order_by(Person.id)
                ).first()
                assert person is not None
        finally:
            db.dispose()
        for lang in ("ar", "en"):
            w = WORDS[lang]
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(f"{site.url}/office/sign-in")
            if lang == "en":
                page.get_by_role("link", name="English").click()
            site.next_step()
            fill_sign_in(page, w, site, "amal.clerk", site.passwords["amal.clerk"])
            page.get_by_role("link", name=w["search"]).click()
            typed = person.name_ar.replace("أ", "ا").replace("ة", "ه")
            page.get_by_label(w["search_label"]).fill(typed)
            page.keyboard.press("Enter")
            link = page.get_by_role("link", name=person.national_id)
            expect(link).to_be_visible()
            shot(page, f"search-{lang}")
            link.click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(person.national_id)
            expect(page.get_by_text(person.birth_record, exact=True)).to_be_visible()
            shot(page, f"record-{lang}")
            context.close()
