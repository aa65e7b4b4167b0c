"""An administrator revokes a document from the admin page in real Chromium (Arabic and
English); screenshots go to docs/gallery/office/admin-documents-{ar,en}.png."""

from __future__ import annotations

import pytest

from tests.office.office_support import Site
from tests.office.test_admin_documents import Issued, demo_site, issued  # noqa: F401
from tests.office.test_office_browser import WORDS, browser, fill_sign_in, page, shot  # noqa: F401

pytestmark = pytest.mark.browser

from playwright.sync_api import Page, expect  # noqa: E402

LABELS = {
    "ar": ("الرقم التسلسلي", "السبب", "إلغاء الوثيقة", "أُلغيت الوثيقة"),
    "en": ("Serial", "Reason", "Revoke the document", "The document is revoked"),
}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_administrator_revokes_a_document_on_the_page(
    demo_site: Site,  # noqa: F811
    issued: Issued,  # noqa: F811
    page: Page,  # noqa: F811
    lang: str,
) -> None:
    if "sqlite" not in demo_site.database_url:
        pytest.skip("the browser journey runs once, on SQLite")
    serial, status = issued
    w = WORDS[lang]
    serial_label, reason_label, button, done = LABELS[lang]
    page.context.add_cookies([{"name": "sanad-office-lang", "value": lang, "url": demo_site.url}])
    page.goto(f"{demo_site.url}/office/sign-in")
    fill_sign_in(page, w, demo_site, "sami.admin", demo_site.passwords["sami.admin"])
    page.goto(f"{demo_site.url}/office/admin/documents")
    page.get_by_label(serial_label).fill(serial)
    page.get_by_label(reason_label).fill("issued to the wrong person")
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("status")).to_contain_text(done)
    shot(page, f"admin-documents-{lang}")
    assert status() == "revoked"
