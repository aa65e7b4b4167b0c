"""The audit log and the statistics in real Chromium, read by role and label: a supervisor
checks the chain and filters the log in Arabic; in English, after an entry was edited in the
database, the check shows where the chain breaks; the statistics of a served registry with
declarations made through the store, in Arabic. Screenshots go to docs/gallery/office/
audit-ar.png, audit-en.png and statistics-ar.png."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from registry.civil import store
from registry.models import AuditEntry, StaffMember
from registry.office.declarations import EventKind
from registry.office_web.context import load_family_law
from tests.office.office_support import Site
from tests.office.test_audit_page import append_samples
from tests.office.test_declarations_web import Web, birth_facts, death_facts, web_site
from tests.office.test_office_browser import (  # noqa: F401
    GALLERY,
    WORDS,
    browser,
    fill_sign_in,
    page,
    shot,
)

pytestmark = pytest.mark.browser

from playwright.sync_api import Page, expect  # noqa: E402


def top(pg: Page, name: str) -> None:
    """The page's first screenful (a page of fifty entries is too long for the gallery)."""
    GALLERY.mkdir(parents=True, exist_ok=True)
    pg.set_viewport_size({"width": 1280, "height": 1300})
    pg.screenshot(path=str(GALLERY / f"{name}.png"))


def sign_in(pg: Page, site: Site, username: str, lang: str) -> None:
    pg.context.add_cookies([{"name": "sanad-office-lang", "value": lang, "url": site.url}])
    pg.goto(f"{site.url}/office/sign-in")
    fill_sign_in(pg, WORDS[lang], site, username, site.passwords[username])
    site.next_step()


def test_a_supervisor_checks_the_chain_and_filters_the_log_in_arabic(
    sqlite_site: Site,
    page: Page,  # noqa: F811
) -> None:
    site = sqlite_site
    append_samples(site, 15)
    sign_in(page, site, "huda.supervisor", "ar")
    page.get_by_role("navigation", name="القائمة الرئيسية").get_by_role(
        "link", name="سجل التدقيق"
    ).click()
    expect(page.get_by_role("heading", name="سجل التدقيق", level=1)).to_be_visible()
    chain = page.get_by_role("region", name="سلامة السجل")
    expect(chain.get_by_role("status")).to_have_text("لم يُتحقَّق من سلامة السجل منذ تشغيل النظام.")
    chain.get_by_role("button", name="تحقّق من سلامة السجل الآن").click()
    expect(chain.get_by_role("status")).to_have_text("السجل سليم: لم يُعدَّل أي قيد ولم يُحذف.")
    page.get_by_label("نوع القيد").select_option(label="تقديم واقعة")
    page.get_by_label("رمز المكتب").fill("AMM")
    page.get_by_role("button", name="تصفية", exact=True).click()
    table = page.get_by_role("table", name="القيود، الأحدث أولًا")
    rows = table.get_by_role("row")
    expect(rows).to_have_count(16)  # the header and 15 declarations
    expect(rows.nth(1)).to_contain_text("تقديم واقعة")
    expect(rows.nth(1)).to_contain_text("AMM-2026-000001")
    expect(rows.nth(1)).to_contain_text("مقدَّم بانتظار التدقيق")
    expect(page.get_by_label("نوع القيد")).to_have_value("declaration_declared")
    page.get_by_role("link", name="إزالة التصفية").click()
    expect(page.get_by_role("navigation", name="صفحات القيود")).to_be_visible()
    page.get_by_label("نوع القيد").select_option(label="تغيير رسم وثيقة")
    page.get_by_role("button", name="تصفية", exact=True).click()
    expect(table.get_by_role("row").nth(1)).to_contain_text("شهادة ميلاد")
    page.get_by_role("link", name="إزالة التصفية").click()
    expect(table.get_by_role("row")).to_have_count(51)  # the header and fifty entries
    top(page, "audit-ar")


def test_an_edited_entry_breaks_the_chain_in_english(
    sqlite_site: Site,
    page: Page,  # noqa: F811
) -> None:
    site = sqlite_site
    added = append_samples(site, 5)
    victim = added[9]
    db = site.db()
    with db.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == victim).values(data='{"by":"nobody"}'))
    db.dispose()
    sign_in(page, site, "sami.admin", "en")
    page.goto(f"{site.url}/office/audit")
    chain = page.get_by_role("region", name="The chain")
    chain.get_by_role("button", name="Check the chain now").click()
    expect(chain.get_by_role("status")).to_have_text(
        f"The log is broken: the first fault is at entry no. {victim}."
    )
    expect(chain.get_by_role("listitem").first).to_contain_text(f"Entry {victim} was edited")
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=str(victim), exact=True))
    expect(row).to_contain_text("nobody")
    top(page, "audit-en")


@pytest.fixture
def busy(tmp_path: Path) -> Iterator[Web]:
    """A served registry where the Amman office has declared, returned, rejected and
    registered births and deaths today, and Irbid has one waiting."""
    with web_site(tmp_path, None) as web:
        site = web.site
        now = site.clock.now()
        db = site.db()
        law = load_family_law(None)
        try:
            with db.session() as s:
                ids = {m.username: m.id for m in s.execute(select(StaffMember)).scalars()}
            declared = []
            with db.session() as s:
                for _ in range(5):
                    v = store.declare(
                        s,
                        EventKind.BIRTH,
                        birth_facts(web),
                        by=ids["amal.clerk"],
                        at=now - dt.timedelta(hours=6),
                    )
                    declared.append(v.number)
                death = store.declare(
                    s,
                    EventKind.DEATH,
                    death_facts(web, web.adult()),
                    by=ids["amal.clerk"],
                    at=now - dt.timedelta(hours=5),
                )
                store.declare(
                    s, EventKind.BIRTH, birth_facts(web), by=ids["irbid.registrar"], at=now
                )
            for i, number in enumerate(declared[:3]):
                with db.session() as s:
                    store.register(
                        s,
                        number,
                        by=ids["omar.registrar"],
                        at=now - dt.timedelta(hours=4 - i),
                        law=law,
                    )
            with db.session() as s:
                store.return_declaration(
                    s, declared[3], "اسم الأم ناقص", by=ids["omar.registrar"], at=now
                )
                store.reject(s, declared[4], "واقعة مكرّرة", by=ids["rana.registrar"], at=now)
            with db.session() as s:
                store.register(s, death.number, by=ids["rana.registrar"], at=now, law=law)
        finally:
            db.dispose()
        yield web


def test_a_supervisor_reads_the_statistics_in_arabic(
    busy: Web,
    page: Page,  # noqa: F811
) -> None:
    site = busy.site
    sign_in(page, site, "huda.supervisor", "ar")
    page.get_by_role("link", name="الإحصاءات").click()
    expect(page.get_by_role("heading", name="الإحصاءات — جميع المكاتب")).to_be_visible()
    births = page.get_by_role("table", name="الطلبات حسب نوع الواقعة وحالتها").get_by_role(
        "row", name="ولادة"
    )
    expect(births).to_contain_text("3")
    registrations = page.get_by_role("table", name="التسجيل").get_by_role("row", name="وفاة")
    expect(registrations).to_contain_text("1")
    expect(page.get_by_text("ساعات", exact=False).first).to_be_visible()
    offices = page.get_by_role("table", name="المكاتب")
    expect(offices.get_by_role("row")).to_have_count(3)  # the header, Amman, Irbid
    expect(offices.get_by_role("row").nth(1)).to_contain_text("AMM")
    shot(page, "statistics-ar")
    offices.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("AMM")
    expect(page.get_by_label("النطاق")).to_have_value("AMM")
