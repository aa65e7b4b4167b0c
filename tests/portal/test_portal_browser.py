"""The portal in a real browser on a phone-sized screen (Debian's chromium at 390×844, driven
by Playwright), read as a person reads it: by role and label. Every page is checked for
labels, contrast, target size, a visible focus ring and no sideways scroll
(tests/portal/a11y.js), and saved for docs/gallery/portal/ in Arabic and English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.portal.portal_support import Site
from tests.support.chromium import CHROMIUM, FLAGS
from tests.support.registry import wrong_pin
from tests.support.servers import wait_for

pytestmark = pytest.mark.browser

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery" / "portal"
A11Y = (Path(__file__).with_name("a11y.js")).read_text(encoding="utf-8")

if not CHROMIUM.exists():  # pragma: no cover - CI installs it
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

WORDS = {
    "ar": {
        "sign_in": "تسجيل الدخول",
        "national_id": "الرقم الوطني",
        "pin": "الرقم السري",
        "continue": "متابعة",
        "pin_wrong": "الرقم الوطني أو الرقم السري غير صحيح.",
        "code_title": "رمز التحقق",
        "code": "الرمز المكوّن من 6 أرقام",
        "verify": "تأكيد الرمز",
        "weaker": "حماية أضعف من تطبيق",
        "home": "الوثائق التي يمكن طلبها",
        "order_this": "طلب هذه الوثيقة",
        "birth": "شهادة ميلاد",
        "kiosk": "من أي جهاز خدمة ذاتية",
        "place": "تأكيد الطلب",
        "unpaid": "بانتظار الدفع",
        "ready": "جاهز للاستلام",
        "pay": "دفع",
        "check_again": "تحديث الحالة",
        "order_code": "رمز الطلب",
        "msisdn": "رقم الهاتف المحمول للمحفظة",
        "my_orders": "طلباتي",
        "sign_out": "تسجيل الخروج",
        "signed_out": "تم تسجيل الخروج.",
        "skip": "الانتقال إلى المحتوى",
    },
    "en": {
        "sign_in": "Sign in",
        "national_id": "National number",
        "pin": "PIN",
        "continue": "Continue",
        "pin_wrong": "The national number or PIN is not correct.",
        "code_title": "Verification code",
        "code": "The 6-digit code",
        "verify": "Confirm the code",
        "weaker": "weaker protection than an app",
        "home": "Documents you can order",
        "order_this": "Order this document",
        "birth": "Birth certificate",
        "kiosk": "At any self-service kiosk",
        "place": "Place the order",
        "unpaid": "Waiting for payment",
        "ready": "Ready to collect",
        "pay": "Pay",
        "check_again": "Check again",
        "order_code": "Order code",
        "msisdn": "Mobile number of the wallet",
        "my_orders": "My orders",
        "sign_out": "Sign out",
        "signed_out": "You are signed out.",
        "skip": "Skip to content",
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
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()
    # no CSP violation, nothing failed to load (but the pages answered 4xx on purpose)
    assert [e for e in errors if not re.search(r"status of 4\d\d", e)] == []


def check(page: Page, name: str) -> None:
    """The page passes the accessibility checks; then its screenshot for the gallery."""
    problems = page.evaluate(A11Y)
    assert problems == [], f"{name}: {problems}"
    GALLERY.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GALLERY / f"{name}.png"), full_page=True)


def focus_ring(page: Page) -> None:
    """Tabbing shows the skip link first, then a focus outline of at least 2 px."""
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return [e.textContent.trim(), s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    text, style, width = focused
    assert style != "none" and width >= 2, focused
    assert text


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_sign_in_order_for_a_kiosk_pay_and_see_it_in_my_orders(
    paying_site: Site, page: Page, lang: str
) -> None:
    site = paying_site
    w = WORDS[lang]
    page.goto(f"{site.url}/home")  # no session: to the sign-in page
    expect(page).to_have_url(f"{site.url}/sign-in")
    if lang == "en":
        page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(w["sign_in"])
    focus_ring(page)
    expect(page.get_by_role("link", name=w["skip"])).to_be_focused()
    check(page, f"sign-in-{lang}")

    # a wrong PIN: the words next to the field, the national number kept
    page.get_by_label(w["national_id"]).fill(site.citizen["national_id"])
    page.get_by_label(w["pin"]).fill(wrong_pin(site.citizen["pin"]))
    page.get_by_role("button", name=w["continue"]).click()
    expect(page.locator("#pin-error")).to_contain_text(w["pin_wrong"])
    expect(page.get_by_label(w["national_id"])).to_have_value(site.citizen["national_id"])
    check(page, f"sign-in-wrong-pin-{lang}")

    page.get_by_label(w["pin"]).fill(site.citizen["pin"])
    page.get_by_role("button", name=w["continue"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(w["code_title"])
    expect(page.get_by_text(w["weaker"])).to_be_visible()
    check(page, f"code-{lang}")
    page.get_by_label(w["code"]).fill(site.otp())
    page.get_by_role("button", name=w["verify"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(w["home"])
    check(page, f"home-{lang}")
    page.get_by_role("link", name=re.compile(f"^{w['order_this']}: {w['birth']}")).first.click()
    expect(page.get_by_label(w["kiosk"])).to_be_checked()
    check(page, f"order-form-{lang}")
    page.get_by_role("button", name=w["place"]).click()

    expect(page.get_by_text(w["unpaid"])).to_be_visible()
    expect(page.get_by_label(w["msisdn"])).to_be_visible()
    check(page, f"order-unpaid-{lang}")

    code = page.url.rsplit("/", 1)[1]
    page.get_by_label(w["msisdn"]).fill(site.citizen["phone"])
    page.get_by_role("button", name=re.compile(w["pay"])).click()

    def paid() -> bool:  # the operator's callback may come after the page: check again
        if page.locator(".order-code").count():
            return True
        page.get_by_role("link", name=w["check_again"]).click()
        return False

    wait_for(paid, timeout=15, what="the payment to be confirmed", interval=0.3)
    expect(page.get_by_role("heading", name=w["order_code"])).to_be_visible()
    expect(page.locator(".order-code")).to_have_text(f"{code[:3]}-{code[3:6]}-{code[6:]}")
    expect(page.get_by_role("img", name=re.compile(code[:3]))).to_be_visible()
    expect(page.get_by_text(w["ready"]).first).to_be_visible()
    check(page, f"order-paid-{lang}")

    page.get_by_role("link", name=w["my_orders"]).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(w["my_orders"])
    expect(page.get_by_role("listitem").filter(has_text=w["birth"])).to_contain_text(w["ready"])
    check(page, f"my-orders-{lang}")

    page.get_by_role("button", name=w["sign_out"]).click()
    expect(page.get_by_role("status")).to_have_text(w["signed_out"])


def test_counter_order_names_the_office_and_a_missing_office_is_marked(
    site: Site, page: Page
) -> None:
    w = WORDS["en"]
    page.goto(f"{site.url}/lang/en?next=/sign-in")
    page.get_by_label(w["national_id"]).fill(site.citizen["national_id"])
    page.get_by_label(w["pin"]).fill(site.citizen["pin"])
    page.get_by_role("button", name=w["continue"]).click()
    page.get_by_label(w["code"]).fill(site.otp())
    page.get_by_role("button", name=w["verify"]).click()
    page.get_by_role("link", name=re.compile(f"^{w['order_this']}: {w['birth']}")).first.click()
    page.get_by_label("At a service centre counter").check()
    expect(
        page.get_by_label("Centre", exact=True)
    ).to_be_visible()  # shown once the counter is chosen
    expect(page.get_by_label("Recipient's name")).to_be_hidden()
    page.get_by_role("button", name=w["place"]).click()
    expect(page.locator("#office-error")).to_have_text("Error: Please choose a centre.")
    expect(page.get_by_label("Centre", exact=True)).to_have_attribute("aria-invalid", "true")
    check(page, "order-form-error-en")
    page.get_by_label("Centre", exact=True).select_option(index=1)
    page.get_by_role("button", name=w["place"]).click()
    expect(page.get_by_text("At the counter of")).to_be_visible()


def _signed_in_order(site: Site, page: Page, lang: str) -> str:
    w = WORDS[lang]
    page.goto(f"{site.url}/lang/{lang}?next=/sign-in")
    page.get_by_label(w["national_id"]).fill(site.citizen["national_id"])
    page.get_by_label(w["pin"]).fill(site.citizen["pin"])
    page.get_by_role("button", name=w["continue"]).click()
    page.get_by_label(w["code"]).fill(site.otp())
    page.get_by_role("button", name=w["verify"]).click()
    page.get_by_role("link", name=re.compile(f"^{w['order_this']}: {w['birth']}")).first.click()
    page.get_by_role("button", name=w["place"]).click()
    page.get_by_label(w["msisdn"]).fill(site.citizen["phone"])
    page.get_by_role("button", name=re.compile(w["pay"])).click()
    return page.url.rsplit("/", 1)[1]


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_lost_callback_reads_not_confirmed_yet_never_failed(
    paying_site: Site, page: Page, lang: str
) -> None:
    paying_site.faults(callback_lost=True)
    _signed_in_order(paying_site, page, lang)
    words = {"ar": "لم يتأكد الدفع بعد", "en": "Payment not confirmed yet"}[lang]
    expect(page.get_by_role("status")).to_contain_text(words)
    expect(page.get_by_role("button", name=re.compile(WORDS[lang]["pay"]))).to_have_count(0)
    check(page, f"order-pending-{lang}")


def test_a_provider_that_is_down_leaves_it_unpaid_with_a_way_on(
    paying_site: Site, page: Page
) -> None:
    paying_site.faults(down=True)
    _signed_in_order(paying_site, page, "en")
    expect(page.get_by_role("status")).to_contain_text("nothing was charged")
    expect(page.get_by_text("Waiting for payment")).to_be_visible()
    check(page, "order-provider-down-en")


def test_a_declined_payment_says_nothing_was_charged(paying_site: Site, page: Page) -> None:
    paying_site.faults(decline="all")
    _signed_in_order(paying_site, page, "ar")

    def declined() -> bool:
        if page.get_by_text("لم تتم عملية الدفع").count():
            return True
        page.get_by_role("link", name="تحديث الحالة").click()
        return False

    wait_for(declined, timeout=15, what="the decline", interval=0.3)
    expect(page.get_by_label("رقم الهاتف المحمول للمحفظة")).to_be_visible()  # another go
    check(page, "order-declined-ar")
