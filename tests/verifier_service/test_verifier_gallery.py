"""The verification page in every state, both languages, desktop and phone, read by role and
label in a real Chromium, with screenshots saved to docs/gallery/verifier/ for people to read.

States: valid (a birth certificate; a family extract), valid with a later event on record
(online), not confirmed (trust list past its next update), and not valid for each family of
reasons: unreadable, forged, unknown signer, revoked (online, with date and reason), trust
list expired."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from service_support import (
    Material,
    base_config,
    contract_answer,
    fake_registry,
    registry_serial,
    run_service,
    tamper,
)

from verifier.documents import DocumentType
from verifier.fixtures import ISSUER, sample_documents, sample_trust_list, signer_entry
from verifier.keys import SigningKey
from verifier.sign import sign_document

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery" / "verifier"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SIZES = {"desktop": {"width": 1200, "height": 900}, "phone": {"width": 390, "height": 844}}

if not CHROMIUM.exists():  # pragma: no cover - CI installs it
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


@dataclass(frozen=True)
class State:
    name: str
    site: str
    text: str
    outcome: str  # valid / unconfirmed / not_valid
    headline: dict[str, str]
    action: dict[str, str]  # a phrase the action line holds, per language


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


def _stale_material(material: Material, tmp: Path) -> tuple[Path, str]:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    entry = signer_entry(material.signer, not_before=now - dt.timedelta(days=20))
    path = tmp / "stale.cose"
    path.write_bytes(
        sample_trust_list(material.root, [entry], issued_at=now - dt.timedelta(days=3))
    )
    text = sign_document(
        sample_documents()[DocumentType.BIRTH_CERTIFICATE],
        serial=registry_serial("B", 501),
        issuer=ISSUER,
        issued_at=now - dt.timedelta(days=5),
        key=material.signer,
    )
    return path, text


@pytest.fixture(scope="module")
def states(material: Material, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[State]]:
    tmp = Path(tmp_path_factory.mktemp("gallery"))
    with ExitStack() as stack:
        registry = stack.enter_context(fake_registry())
        signed = {}
        for name, doc_type, number in (
            ("birth", DocumentType.BIRTH_CERTIFICATE, 11),
            ("family", DocumentType.FAMILY_EXTRACT, 12),
            ("marriage", DocumentType.MARRIAGE_CERTIFICATE, 13),
            ("death", DocumentType.DEATH_CERTIFICATE, 14),
        ):
            letter = {"birth": "B", "family": "F", "marriage": "M", "death": "D"}[name]
            serial = registry_serial(letter, number)
            text = material.sign(doc_type, serial=serial)
            answer = contract_answer(material, text, serial, doc_type)
            if name == "marriage":
                answer.update(status="superseded", since="2026-03-01T09:00:00Z")
            if name == "death":
                answer.update(
                    status="revoked", since="2026-02-14T10:30:00Z", reason="issued in error"
                )
            registry.statuses[serial] = answer
            signed[name] = text
        online = stack.enter_context(run_service(base_config(material, status_url=registry.url)))
        stale_list, stale_text = _stale_material(material, tmp)
        stale = stack.enter_context(run_service(base_config(material, trust_file=str(stale_list))))
        expired = stack.enter_context(
            run_service(base_config(material, trust_file=str(stale_list), stale_grace_days=1))
        )
        plain = stack.enter_context(run_service(base_config(material)))
        stranger = material.sign(DocumentType.BIRTH_CERTIFICATE, key=SigningKey.generate())
        damaged = material.birth[:-30] + "A" * 30
        heads = {
            "valid": {"ar": "صالحة", "en": "VALID"},
            "unconfirmed": {"ar": "غير مؤكَّدة", "en": "NOT CONFIRMED"},
            "not_valid": {"ar": "غير صالحة", "en": "NOT VALID"},
        }
        compare = {"ar": "قارن", "en": "Compare"}
        update = {"ar": "حدّث قائمة الثقة", "en": "Update the trust list"}
        table = [
            ("valid", online, signed["birth"], "valid", compare),
            ("valid-family", online, signed["family"], "valid", compare),
            ("valid-later-event", online, signed["marriage"], "valid", compare),
            ("unconfirmed", stale, stale_text, "unconfirmed", update),
            ("unreadable", plain, damaged, "not_valid", {"ar": "امسح", "en": "Scan the code"}),
            ("forged", plain, tamper(material.birth), "not_valid", {"ar": "احتفظ", "en": "Keep"}),
            ("unknown-signer", plain, stranger, "not_valid", update),
            ("revoked", online, signed["death"], "not_valid", {"ar": "سارية", "en": "current"}),
            ("trust-list-expired", expired, stale_text, "not_valid", update),
        ]
        yield [
            State(name, site, text, out, heads[out], act) for name, site, text, out, act in table
        ]


def _open(browser: Browser, site: str, size: str, lang: str) -> Page:
    context = browser.new_context(
        viewport=SIZES[size],
        device_scale_factor=1,
        is_mobile=size == "phone",
        has_touch=size == "phone",
        locale=lang,
    )
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((site, "data:", "blob:")) else outside.append(r.url),
    )
    page.goto(f"{site}/?lang={lang}")
    page.outside = outside  # type: ignore[attr-defined]
    return page


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_every_state_in_both_languages(
    browser: Browser, states: list[State], lang: str, size: str
) -> None:
    GALLERY.mkdir(parents=True, exist_ok=True)
    page = _open(browser, states[0].site, size, lang)
    page.screenshot(path=str(GALLERY / f"empty-{lang}-{size}.png"))
    for state in states:
        if page.url.split("/?")[0] != state.site:
            page.context.close()
            page = _open(browser, state.site, size, lang)
        page.fill("#scan", state.text)
        page.press("#scan", "Enter")
        verdict = page.get_by_role("region", name=state.headline[lang], exact=True)
        expect(verdict).to_be_visible()
        expect(verdict).to_have_attribute("data-outcome", state.outcome)
        expect(verdict.locator(".action")).to_contain_text(state.action[lang])
        text = verdict.inner_text()
        assert "Error" not in text and "DEFLATE" not in text, state.name
        if state.name == "revoked":
            expect(verdict.locator(".summary")).to_contain_text("2026-02-14")
            expect(verdict.locator(".summary")).to_contain_text("issued in error")
        if state.name == "valid-later-event":
            expect(verdict.locator(".note")).to_contain_text("2026-03-01")
        if state.name == "unconfirmed":
            expect(verdict.get_by_role("group", name="Name" if lang == "en" else "الاسم"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SIZES[size]["width"], (state.name, width)
        page.screenshot(path=str(GALLERY / f"{state.name}-{lang}-{size}.png"), full_page=True)
        if size == "phone" and state.name in ("valid", "valid-family", "unconfirmed"):
            page.locator(".verdict .meta").scroll_into_view_if_needed()
            box = page.locator(".verdict .banner").bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844
            page.screenshot(path=str(GALLERY / f"{state.name}-{lang}-{size}-scrolled.png"))
        page.get_by_role("button", name="تفريغ الحقل" if lang == "ar" else "Clear").click()
    outside = page.outside  # type: ignore[attr-defined]
    page.context.close()
    assert outside == []


def test_nothing_served_loads_from_elsewhere(browser: Browser, states: list[State]) -> None:
    """The page, the API description and the old Swagger UI address: no request may leave
    127.0.0.1 (Swagger UI loads from a CDN, so it is not served at all)."""
    site = states[0].site
    page = _open(browser, site, "desktop", "en")
    for path in ("/", "/api/docs", "/docs", "/redoc", "/api/v1/openapi.json"):
        response = page.goto(f"{site}{path}")
        assert response is not None
        assert response.status == (200 if path in ("/", "/api/v1/openapi.json") else 404), path
        page.wait_for_load_state("networkidle")
    outside = page.outside  # type: ignore[attr-defined]
    page.context.close()
    assert outside == [], outside
