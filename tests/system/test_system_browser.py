"""The verifier's page in Debian's headless chromium (Playwright), on the acceptance run's
receipts: A's receipt PNG uploaded as a photo is VALID; B's revoked certificate, scanned, is
NOT VALID. Runs after `test_system_acceptance.py`, which makes the receipts.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from system_support import System

from tests.support.chromium import CHROMIUM, FLAGS

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.postgres]


if not CHROMIUM.exists():  # pragma: no cover - CI installs it
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


@pytest.fixture
def page(system: System) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="ar")
            pg = context.new_page()
            pg.goto(system.verifier.url)
            yield pg
            context.close()
        finally:
            browser.close()


def test_the_page_shows_a_receipt_valid_and_a_revoked_certificate_not_valid(
    system: System, page: Page
) -> None:
    if "receipt_a" not in system.artifacts:
        pytest.skip("needs the receipts of test_system_acceptance.py (run the whole directory)")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.set_input_files("#photo", system.artifacts["receipt_a"])
    verdict = page.locator(".verdict")
    expect(verdict.locator(".head")).to_have_text("صالحة", timeout=20_000)
    expect(verdict.locator(".doc-title .t-ar")).to_have_text("شهادة ميلاد")

    page.click("#lang")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.locator("#scan").focus()
    page.keyboard.type(system.artifacts["qr_b"], delay=0)
    page.keyboard.press("Enter")
    expect(verdict.locator(".head")).to_have_text("NOT VALID", timeout=20_000)
    expect(verdict.locator(".summary")).to_contain_text("revoked")
