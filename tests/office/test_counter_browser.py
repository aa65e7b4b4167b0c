"""A clerk issues documents at the counter in real Chromium, in Arabic: the A4 PDF as a
download, then a certificate on the office's receipt printer (the emulator); the screenshot goes
to docs/gallery/office/counter-ar.png."""

from __future__ import annotations

import pytest

from hardware.emulator import Emulator
from registry.office.errors import isolate
from tests.office.office_support import Site
from tests.office.test_counter import citizens, counter_site, documents, emulator  # noqa: F401
from tests.office.test_office_browser import WORDS, browser, fill_sign_in, page, shot  # noqa: F401

pytestmark = pytest.mark.browser

from playwright.sync_api import Page, expect  # noqa: E402


def test_clerk_prints_at_the_counter_in_arabic(
    counter_site: Site,  # noqa: F811
    emulator: Emulator,  # noqa: F811
    page: Page,  # noqa: F811
) -> None:
    site = counter_site
    if "sqlite" not in site.database_url:
        pytest.skip("the browser journey runs once, on SQLite")
    me = citizens(site)[0]
    page.goto(f"{site.url}/office/sign-in")
    fill_sign_in(page, WORDS["ar"], site, "amal.clerk", site.passwords["amal.clerk"])
    page.goto(f"{site.url}/office/record/{me['national_id']}")
    page.get_by_role("main").get_by_role("link", name="طباعة شهادة").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("إصدار وثيقة على الشبّاك")
    expect(page.get_by_label("الرقم الوطني للمواطن الحاضر")).to_have_value(me["national_id"])

    # the A4 PDF: downloaded, named by its serial
    page.get_by_role("radio", name="بيان قيد فردي").first.check()
    # the Latin words are directional isolates inside the Arabic label
    page.get_by_role("radio", name=f"ملف {isolate('PDF')} بمقاس {isolate('A4')}").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="إصدار الوثيقة").click()
    (first,) = documents(site)
    assert download.value.suggested_filename == f"{first.serial}.pdf"

    # a fresh form (a new request) to the office's receipt printer
    page.goto(f"{site.url}/office/counter?nid={me['national_id']}")
    page.get_by_role("radio", name="بيان قيد فردي").first.check()
    page.get_by_role("radio", name="طابعة الإيصالات في المكتب").check()
    page.get_by_role("button", name="إصدار الوثيقة").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("صدرت الوثيقة وطُبعت على طابعة المكتب.")
    second = documents(site)[1]
    expect(status).to_contain_text(second.serial)
    expect(status).to_contain_text("COUNTER-AMM-2")
    assert len(emulator.wait_for_receipts(1)) == 1
    shot(page, "counter-ar")
