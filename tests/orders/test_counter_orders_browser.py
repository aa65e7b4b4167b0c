"""A clerk hands over online orders at the counter in real Chromium (desktop, Arabic): the
paid order is on the counter page, its code typed prints the A4 PDF (downloaded; its QR,
read off the page poppler renders, verifies VALID), another goes to the office's receipt
printer (the emulator), the same code again prints the same document, a typo is refused.
The screenshot goes to docs/gallery/office/counter-orders-ar.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware.emulator import Emulator
from registry.client import RegistryClient
from registry.office.errors import isolate
from registry.orders import codes
from tests.office.office_support import Site
from tests.office.test_office_browser import WORDS, browser, fill_sign_in, page, shot  # noqa: F401
from tests.orders.orders_support import pay, pdf_pages, qr_codes
from tests.orders.test_counter_orders import (  # noqa: F401
    citizens_with_phone,
    counter_order,
    counter_site,
    documents_for,
    emulator,
    order_row,
    portal,
    trust,
)
from verifier.verify import Status, verify

pytestmark = pytest.mark.browser

from playwright.sync_api import Page, expect  # noqa: E402


def test_a_clerk_prints_online_orders_by_their_code(
    counter_site: Site,  # noqa: F811
    portal: RegistryClient,  # noqa: F811
    emulator: Emulator,  # noqa: F811
    page: Page,  # noqa: F811
    tmp_path: Path,
) -> None:
    site = counter_site
    if "sqlite" not in site.database_url:
        pytest.skip("the browser journey runs once, on SQLite")
    first, second = citizens_with_phone(site)[:2]
    one, two = counter_order(site, portal, first), counter_order(site, portal, second)
    pay(site.database_url, one)
    pay(site.database_url, two)

    page.goto(f"{site.url}/office/sign-in")
    fill_sign_in(page, WORDS["ar"], site, "amal.clerk", site.passwords["amal.clerk"])
    page.goto(f"{site.url}/office/counter")
    orders = page.get_by_role("region", name="طلبات إلكترونية تُستلم في هذا المكتب")
    expect(orders.get_by_role("heading", level=2)).to_be_visible()
    table = orders.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(3)  # the header and two orders
    newest = table.get_by_role("row").nth(1)
    expect(newest).to_contain_text(codes.display(two))  # newest first
    expect(newest).to_contain_text("شهادة ميلاد")
    shot(page, "counter-orders-ar")

    code_box = page.get_by_label("رمز الطلب (يُكتب أو يُمسح)")
    code_box.fill(codes.display(one).lower())
    orders.get_by_role("radio", name=f"ملف {isolate('PDF')} بمقاس {isolate('A4')}").check()
    with page.expect_download() as download:
        orders.get_by_role("button", name="طباعة الطلب").click()
    (serial,) = documents_for(site, one)
    assert download.value.suggested_filename == f"{serial}.pdf"
    saved = tmp_path / "order.pdf"
    download.value.save_as(saved)
    (sheet,) = pdf_pages(saved, tmp_path / "pages")
    (text,) = qr_codes(sheet)
    assert verify(text, trust(site)).status is Status.VALID
    assert order_row(site, one).state == "collected"

    page.goto(f"{site.url}/office/counter")
    expect(table.get_by_role("row")).to_have_count(2)  # one left
    code_box.fill(two)
    orders.get_by_role("radio", name="طابعة الإيصالات في المكتب").check()
    orders.get_by_role("button", name="طباعة الطلب").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("طُبعت وثيقة الطلب وسُلّم الطلب.")
    expect(status).to_contain_text(codes.display(two))
    assert len(emulator.wait_for_receipts(1)) == 1
    expect(
        orders.get_by_text("لا توجد طلبات مدفوعة بانتظار الاستلام في هذا المكتب.")
    ).to_be_visible()

    code_box.fill(two)  # the printer jammed: the same document again
    orders.get_by_role("radio", name="طابعة الإيصالات في المكتب").check()
    orders.get_by_role("button", name="طباعة الطلب").click()
    expect(page.get_by_role("status")).to_contain_text("طُبعت وثيقة الطلب نفسها مرة أخرى")
    assert len(documents_for(site, two)) == 1

    code_box.fill(one[:-1] + ("0" if one[-1] != "0" else "1"))
    orders.get_by_role("button", name="طباعة الطلب").click()
    expect(page.get_by_role("alert")).to_contain_text("هذا ليس رمز طلب صحيحًا")
    shot(page, "counter-orders-refused-ar")
