"""Signing in through a ministry's OpenID provider in a real browser (Debian's headless
chromium): the provider at http://localhost, another site than the office at 127.0.0.1, so the
browser comes back from a foreign site as it does from a real provider (the attempt's
SameSite=Lax cookie and the same-site step to /office/today are what make that work).
Screenshots go to docs/gallery/office/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.office.office_support import Site, serving
from tests.office.test_office_oidc import USERS, configure
from tests.support.chromium import CHROMIUM, FLAGS
from tests.support.oidc_provider import Provider, serve_provider

pytestmark = pytest.mark.browser

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery" / "office"

if not CHROMIUM.exists():  # pragma: no cover - CI installs it
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

WORDS = {
    "ar": {
        "button": "الدخول عبر وزارة الداخلية",
        "welcome": "مرحبًا، ليلى أحمد الحداد",
        "role": "موظف تسجيل",
        "sign_out": "تسجيل الخروج",
        "no_role": "لا يمنحك مزوّد الهوية أي دور في السجل المدني: راجع مدير النظام.",
    },
    "en": {
        "button": "Sign in with the Ministry of Interior",
        "welcome": "Welcome, Layla Ahmad Al-Haddad",
        "role": "Registration clerk",
        "sign_out": "Sign out",
        "no_role": "The identity provider grants you no role in the civil registry: ask an"
        " administrator.",
    },
}


@pytest.fixture
def provider_and_site(tmp_path: Path) -> Iterator[tuple[Provider, Site]]:
    with (
        serve_provider(
            Provider(users=dict(USERS), user="u-1001", interactive=True), host="localhost"
        ) as p,
        serving(tmp_path, None, prepare=configure(p.issuer, p.client_secret)) as site,
    ):
        yield p, site


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        pg = context.new_page()
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield pg
        context.close()
        browser.close()
        # no CSP violation; the refused sign-in's own 403 is expected
        assert [e for e in errors if "status of 403" not in e] == []


def shot(page: Page, name: str) -> None:
    GALLERY.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GALLERY / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_sign_in_with_the_ministry_then_a_refused_one(
    provider_and_site: tuple[Provider, Site], page: Page, lang: str
) -> None:
    provider, site = provider_and_site
    w = WORDS[lang]
    page.goto(f"{site.url}/office/sign-in")
    if lang == "en":
        page.get_by_role("link", name="English").click()
    button = page.get_by_role("link", name=w["button"])
    expect(button).to_be_visible()
    shot(page, f"sign-in-sso-{lang}")

    button.click()  # to localhost, whose own page sends the browser back to 127.0.0.1
    page.get_by_role("button", name="Continue as u-1001").click()
    expect(page).to_have_url(f"{site.url}/office/today")
    expect(page.get_by_role("heading", level=1)).to_have_text(w["welcome"])
    expect(page.get_by_text(w["role"], exact=True)).to_be_visible()
    expect(page.get_by_text("AMM", exact=True)).to_be_visible()
    page.get_by_role("button", name=w["sign_out"]).click()

    provider.user = "u-2002"  # in no mapped group
    page.get_by_role("link", name=w["button"]).click()
    page.get_by_role("button", name="Continue as u-2002").click()
    expect(page.get_by_role("alert")).to_have_text(w["no_role"])
    shot(page, f"sign-in-sso-refused-{lang}")
    page.goto(f"{site.url}/office/today")
    expect(page).to_have_url(f"{site.url}/office/sign-in")
