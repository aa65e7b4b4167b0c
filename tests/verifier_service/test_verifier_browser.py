"""The page in a real browser: Debian's headless chromium driven by Playwright.

Screenshots are saved under tests/verifier_service/screenshots/ for a person to look at.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from service_support import Material, base_config, run_service, tamper

from tests.support.chromium import CHROMIUM, FLAGS
from verifier.documents import DocumentType
from verifier.qr import make_qr

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).parent / "screenshots"

if not CHROMIUM.exists():  # pragma: no cover - CI installs it
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
    yield b
    b.close()


@pytest.fixture(scope="module")
def site(material: Material) -> Iterator[str]:
    with run_service(base_config(material, clear_after_seconds=6)) as url:
        yield url


@pytest.fixture
def page(browser: Browser, site: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="ar")
    pg = context.new_page()
    outside: list[str] = []
    pg.on(
        "request",
        lambda r: None if r.url.startswith((site, "data:", "blob:")) else outside.append(r.url),
    )
    pg.goto(site)
    yield pg
    context.close()
    assert outside == [], f"the page fetched something from elsewhere: {outside}"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def scan(page: Page, text: str) -> None:
    """What a handheld scanner does: type into whatever has focus, then Enter."""
    page.keyboard.type(text, delay=0)
    page.keyboard.press("Enter")


def photo_of(text: str, path: Path) -> Path:
    """A photo-like picture of a receipt: the QR on paper, grey background, slightly rotated."""
    qr = make_qr(text).make_image().get_image().convert("L")
    qr = qr.resize((qr.width * 5, qr.height * 5), Image.Resampling.NEAREST)
    paper = Image.new("L", (qr.width + 160, qr.height + 260), 250)
    ImageDraw.Draw(paper).text((80, 30), "Sanad - birth certificate", fill=20)
    paper.paste(qr, (80, 120))
    scene = Image.new("L", (paper.width + 200, paper.height + 200), 120)
    scene.paste(paper.rotate(4, expand=True, fillcolor=120), (60, 60))
    buf = io.BytesIO()
    scene.convert("RGB").save(buf, "JPEG", quality=88)
    path.write_bytes(buf.getvalue())
    return path


def field(scope: Any, label: str) -> Any:
    """A labelled value on the page, found as an officer finds it: by its label."""
    return scope.get_by_role("group", name=label, exact=True)


def test_scanner_field_valid_then_tampered_then_arabic(page: Page, material: Material) -> None:
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#scan")).to_be_focused()
    expect(page.locator("#trust")).to_contain_text("قائمة الثقة رقم 1")
    expect(page.get_by_role("button", name="تفريغ الحقل")).to_be_visible()
    expect(page.get_by_text("رفع صورة")).to_be_visible()
    shot(page, "01-empty-arabic")

    page.click("#lang")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("#scan")).to_be_focused()  # focus comes back after the button

    scan(page, material.birth)
    verdict = page.get_by_role("region", name="VALID", exact=True)
    expect(verdict).to_have_attribute("data-outcome", "valid")
    expect(verdict.get_by_role("heading", level=2)).to_have_text("VALID")
    expect(verdict.locator(".summary")).to_have_text(
        "The document is genuine, unaltered and not revoked."
    )
    expect(field(verdict, "Name")).to_contain_text("Abdullah Mohammad Abdulrahman Al-Shawabkeh")
    expect(field(verdict, "الاسم")).to_contain_text("عبد الله محمد عبد الرحمن الشوابكة")
    expect(field(verdict, "Self-service kiosk")).to_contain_text("K-AMM-0417")
    expect(field(verdict, "Issuing centre")).to_contain_text("Citizen Service Centre - Wadi al-Sir")
    expect(verdict.locator(".meta")).to_contain_text("Trust list #1 · 2 h old · from file")
    expect(page.locator("#scan")).to_have_value("")
    expect(page.locator("#scan")).to_be_focused()
    shot(page, "02-valid-english")

    scan(page, tamper(material.birth))
    verdict = page.get_by_role("region", name="NOT VALID", exact=True)
    expect(verdict).to_have_attribute("data-outcome", "not_valid")
    expect(verdict.locator(".action")).to_have_text(
        "Do not accept it. Keep the document and follow your procedure for suspected forgery."
    )
    expect(verdict.locator(".paper")).to_be_hidden()  # nothing unverified is shown
    shot(page, "03-tampered-english")

    page.click("#lang")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    verdict = page.get_by_role("region", name="غير صالحة", exact=True)
    expect(verdict.locator(".action")).to_contain_text("احتفظ بالوثيقة")
    expect(page.locator("#countdown")).to_contain_text("يُمسح بعد")
    shot(page, "04-tampered-arabic")

    scan(page, material.texts[DocumentType.FAMILY_EXTRACT])
    verdict = page.get_by_role("region", name="صالحة", exact=True)
    expect(verdict.locator(".doc-title .t-ar")).to_have_text("بيان قيد عائلي")
    members = verdict.locator('.row[data-field="members"] .side.ar table')
    expect(members.get_by_role("row")).to_have_count(1 + 4)  # a header, one row per member
    expect(members.get_by_role("columnheader")).to_have_count(6)
    expect(members).to_contain_text("رنا عبد العزيز يوسف الكيلاني")
    shot(page, "05-family-arabic")


def test_caps_lock_text_and_raw_errors_never_shown(page: Page, material: Material) -> None:
    page.click("#lang")
    scan(page, material.birth.lower())  # typed with Caps Lock on
    verdict = page.get_by_role("region", name="VALID", exact=True)
    expect(verdict.locator(".note")).to_contain_text("Caps Lock")
    scan(page, "SN1D:" + "A" * 30 + "%%%")  # damaged
    verdict = page.get_by_role("region", name="NOT VALID", exact=True)
    expect(verdict.locator(".action")).to_contain_text("Scan the code again")
    text = verdict.inner_text()
    assert "DEFLATE" not in text and "Error" not in text and "base45" not in text.lower()


def test_record_numbers_read_as_on_the_paper(page: Page, material: Material) -> None:
    """In the Arabic column a Latin value keeps its order: "B1941/0000001", never
    "1941/0000001B"."""
    scan(page, material.birth)
    verdict = page.get_by_role("region", name="صالحة", exact=True)
    serial = field(verdict, "الرقم التسلسلي").locator("bdi")
    expect(serial).to_have_attribute("dir", "ltr")
    expect(serial).to_have_text(material_serial(material))
    # What the eye sees: the serial's first character is the leftmost one on screen.
    boxes = page.evaluate(
        """(el) => { const r = document.createRange(); const t = el.firstChild;
        r.setStart(t, 0); r.setEnd(t, 1); const a = r.getBoundingClientRect();
        r.setStart(t, t.length - 1); r.setEnd(t, t.length); const b = r.getBoundingClientRect();
        return [a.left, b.left]; }""",
        serial.element_handle(),
    )
    assert boxes[0] < boxes[1]


def material_serial(material: Material) -> str:
    from verifier.fixtures import sample_serial

    return sample_serial(DocumentType.BIRTH_CERTIFICATE)


def test_photo_upload_verifies(page: Page, material: Material, tmp_path: Path) -> None:
    page.click("#lang")
    page.set_input_files("#photo", str(photo_of(material.birth, tmp_path / "receipt.jpg")))
    verdict = page.get_by_role("region", name="VALID", exact=True)
    expect(verdict).to_be_visible(timeout=15000)
    expect(field(verdict, "Name")).to_contain_text("Abdullah Mohammad Abdulrahman Al-Shawabkeh")
    shot(page, "06-photo-english")

    blank = tmp_path / "blank.png"
    Image.new("RGB", (400, 300), "white").save(blank)
    page.set_input_files("#photo", str(blank))
    expect(page.locator("#error")).to_have_text("No QR code found in the image")


def test_verdict_clears_itself_unless_paused(page: Page, material: Material) -> None:
    scan(page, material.birth)
    expect(page.locator(".verdict .head")).to_have_text("صالحة")
    expect(page.locator("#countdown")).to_contain_text("يُمسح بعد")
    page.get_by_role("button", name="إيقاف العدّ").click()
    expect(page.locator("#countdown")).to_contain_text("العدّ متوقف")
    page.wait_for_timeout(7000)  # past the 6 s the site clears after
    expect(page.locator(".verdict")).to_have_count(1)
    page.get_by_role("button", name="متابعة العدّ").click()
    expect(page.locator(".verdict")).to_have_count(0, timeout=9000)
    expect(page.locator("#countdown")).to_be_hidden()


def test_phone_layout(browser: Browser, site: str, material: Material) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.goto(site)
    page.fill("#scan", material.texts[DocumentType.MARRIAGE_CERTIFICATE])
    page.press("#scan", "Enter")
    expect(page.locator(".verdict .head")).to_have_text("صالحة")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing overflows sideways
    # Scrolled to the document's last line, the verdict is still on screen (sticky).
    page.locator(".verdict .meta").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 200
    box = page.locator(".verdict .banner").bounding_box()
    assert box is not None and 0 <= box["y"] < 844 and box["y"] + box["height"] <= 844
    shot(page, "07-phone-arabic")
    context.close()


def y4m_of(image: Image.Image, path: Path, frames: int = 10) -> Path:
    """A tiny Y4M video of a still image: chromium's fake camera plays it in a loop."""
    img = image.convert("RGB")
    img = img.resize((img.width // 2 * 2, img.height // 2 * 2))
    y, cb, cr = img.convert("YCbCr").split()
    half = (img.width // 2, img.height // 2)
    frame = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    header = f"YUV4MPEG2 W{img.width} H{img.height} F5:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + (b"FRAME\n" + frame) * frames)
    return path


def test_camera_button_reads_a_code(
    playwright: Playwright, site: str, material: Material, tmp_path: Path
) -> None:
    photo = Image.open(photo_of(material.birth, tmp_path / "receipt.jpg"))
    canvas = Image.new("RGB", (960, 720), (110, 110, 110))
    photo.thumbnail((700, 700))
    canvas.paste(photo, ((960 - photo.width) // 2, (720 - photo.height) // 2))
    video = y4m_of(canvas, tmp_path / "camera.y4m")
    flags = [
        *FLAGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=flags, headless=True)
    try:
        context = b.new_context(viewport={"width": 1000, "height": 900})
        context.grant_permissions(["camera"], origin=site)
        page = context.new_page()
        page.goto(f"{site}/?lang=en")
        page.click("#camera")
        expect(page.locator(".verdict .head")).to_have_text("VALID", timeout=15000)
        expect(field(page.locator(".verdict"), "Name")).to_contain_text(
            "Abdullah Mohammad Abdulrahman Al-Shawabkeh"
        )
        expect(page.locator("#camera-box")).to_be_hidden()  # the camera stops once read
        shot(page, "08-camera-english")
        context.close()
    finally:
        b.close()


def test_offline_page_shows_the_cached_list_and_its_age(
    browser: Browser, material: Material, tmp_path: Path
) -> None:
    from service_support import fake_registry

    from tests.support.servers import closed_port_url
    from verifier.trust_source import TrustSource

    with fake_registry(material.trust_list(5)) as registry:
        TrustSource(
            [material.root.public], url=registry.trust_url, cache_dir=tmp_path
        ).refresh_sync()
    config = base_config(
        material,
        trust_file=None,
        trust_url=closed_port_url("/api/v1/trust-list"),
        cache_dir=str(tmp_path),
    )
    with run_service(config) as url:
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.goto(url)
        expect(page.locator("#trust")).to_have_text(
            "قائمة الثقة رقم 5 · عمرها 2 س · من النسخة المحفوظة · دون اتصال"
        )
        scan(page, material.texts[DocumentType.NON_EMPLOYMENT])
        expect(page.locator(".verdict .head")).to_have_text("صالحة")
        expect(page.locator(".verdict .meta")).to_contain_text("من النسخة المحفوظة · دون اتصال")
        shot(page, "09-offline-arabic")
        context.close()
