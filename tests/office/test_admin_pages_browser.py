"""The administrators' pages in real Chromium: a clerk added in Arabic (the one-time password,
secret and QR code shown), a fee changed in English from the keyboard, a kiosk revoked in
Arabic, an office added and closed in Arabic. Screenshots go to docs/gallery/office/
admin-{staff-ar,fees-en,kiosks-ar,offices-ar}.png."""

from __future__ import annotations

import datetime as dt

import pytest

from registry import kiosks
from registry.client import RegistryClient
from registry.config import load_settings
from tests.office.office_support import Site
from tests.office.test_admin_fees_offices import fee_of
from tests.office.test_admin_staff import account
from tests.office.test_office_browser import WORDS, browser, fill_sign_in, page, shot  # noqa: F401
from verifier.keys import SigningKey

pytestmark = pytest.mark.browser

from playwright.sync_api import Page, expect  # noqa: E402


def sign_in_as_admin(pg: Page, site: Site, lang: str) -> None:
    pg.context.add_cookies([{"name": "sanad-office-lang", "value": lang, "url": site.url}])
    pg.goto(f"{site.url}/office/sign-in")
    fill_sign_in(pg, WORDS[lang], site, "sami.admin", site.passwords["sami.admin"])
    site.next_step()


def test_administrator_adds_a_clerk_in_arabic(sqlite_site: Site, page: Page) -> None:  # noqa: F811
    site = sqlite_site
    sign_in_as_admin(page, site, "ar")
    page.get_by_role("link", name="الإدارة").click()
    expect(page.get_by_role("heading", name="حسابات الموظفين")).to_be_visible()
    page.get_by_label("اسم المستخدم").fill("rana.clerk")
    page.get_by_label("الاسم بالعربية").fill("رنا محمود الشرع")
    page.get_by_label("الاسم بالإنجليزية").fill("Rana Mahmoud Al-Sharaa")
    page.get_by_label("الدور").select_option("clerk")
    page.get_by_label("المكتب").select_option("AMM")
    page.get_by_role("button", name="إضافة الحساب").click()
    expect(page.get_by_role("status")).to_contain_text("أُضيف الحساب")
    once = page.get_by_role("region", name="بيانات الدخول (تُعرض مرة واحدة): rana.clerk")
    expect(once).to_be_visible()
    expect(
        once.get_by_role("img", name="رمز الاستجابة السريعة لإعداد التحقق بخطوتين")
    ).to_be_visible()
    assert len(page.locator("#once-password").inner_text()) >= 20
    expect(page.get_by_role("row").filter(has_text="rana.clerk")).to_contain_text("موظف تسجيل")
    shot(page, "admin-staff-ar")
    assert account(site, "rana.clerk") is not None


def test_administrator_changes_a_fee_in_english(sqlite_site: Site, page: Page) -> None:  # noqa: F811
    site = sqlite_site
    sign_in_as_admin(page, site, "en")
    page.goto(f"{site.url}/office/admin/staff")
    page.get_by_role("navigation", name="Administration sections").get_by_role(
        "link", name="Fees"
    ).click()
    expect(page.get_by_role("heading", name="Document fees")).to_be_visible()
    page.get_by_label("Document type").select_option(label="Birth certificate")
    amount = page.get_by_label("Amount in the currency's minor unit")
    amount.fill("2500")
    amount.press("Enter")  # the keyboard submits the form
    expect(page.get_by_role("status")).to_contain_text("The fee is changed")
    expect(page.get_by_role("row").filter(has_text="Birth certificate")).to_contain_text(
        "2.500 JOD"
    )
    shot(page, "admin-fees-en")
    assert fee_of(site, 1) == (2500, "JOD")


def test_administrator_revokes_a_kiosk_in_arabic(sqlite_site: Site, page: Page) -> None:  # noqa: F811
    site = sqlite_site
    keys = {k: SigningKey.generate() for k in ("AMM-001", "AMM-002", "IRB-001")}
    db = site.db()
    try:
        with db.session() as s:
            for kid, key in keys.items():
                ar, latin = (
                    ("مركز خدمة المواطن - عمان", "Citizen Service Centre - Amman")
                    if kid.startswith("AMM")
                    else ("مركز خدمة المواطن - إربد", "Citizen Service Centre - Irbid")
                )
                kiosks.enroll_and_publish(
                    s,
                    site.data,
                    load_settings(site.data),
                    kid,
                    key.public.raw,
                    ar,
                    latin,
                    dt.datetime.now(dt.UTC),
                    by="sami.admin",
                )
    finally:
        db.dispose()
    for kid, paper in (("AMM-001", "ok"), ("IRB-001", "near_end")):
        client = RegistryClient(site.url, kid, keys[kid])
        client.heartbeat(printer="online", paper=paper, app_version="1.4.0")
        client.close()
    sign_in_as_admin(page, site, "ar")
    page.goto(f"{site.url}/office/admin/kiosks")
    expect(page.get_by_role("heading", name="أجهزة الخدمة الذاتية", exact=True)).to_be_visible()
    reason = page.get_by_label("سبب الإلغاء AMM-002")
    reason.fill("سُرق الجهاز من المركز")
    reason.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("أُلغي تسجيل الجهاز")
    row = page.get_by_role("row").filter(has_text="AMM-002")
    expect(row).to_contain_text("سُرق الجهاز من المركز")
    expect(page.get_by_role("row").filter(has_text="IRB-001")).to_contain_text(
        "الورق قارب على النفاد"
    )
    shot(page, "admin-kiosks-ar")


def test_administrator_adds_and_closes_an_office_in_arabic(sqlite_site: Site, page: Page) -> None:  # noqa: F811
    site = sqlite_site
    sign_in_as_admin(page, site, "ar")
    page.goto(f"{site.url}/office/admin/offices")
    expect(page.get_by_role("heading", name="مكاتب الأحوال المدنية")).to_be_visible()
    page.get_by_label("رمز المكتب").fill("SHB")
    page.get_by_label("اسم المكتب بالعربية").fill("مكتب أحوال الشوبك")
    latin = page.get_by_label("اسم المكتب بالحروف اللاتينية")
    latin.fill("Shobak")
    latin.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("أُضيف المكتب")
    page.get_by_role("button", name="إغلاق المكتب SHB").click()
    expect(page.get_by_role("status")).to_contain_text("أُغلق المكتب")
    expect(page.get_by_role("row").filter(has_text="SHB")).to_contain_text("مغلق منذ")
    shot(page, "admin-offices-ar")
