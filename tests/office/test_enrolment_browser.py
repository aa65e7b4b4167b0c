"""A clerk enrols a citizen for the kiosk in real Chromium, in Arabic and in English: from the
record page to the enrolment form, identity confirmed, phone typed, the PIN shown once (Arabic)
or printed on a mailer (English). Screenshots go to docs/gallery/office/: enrol-ar.png,
enrol-en.png, pin-once-ar.png, and the
printed PIN mailer as pin-mailer.png."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.office.office_support import Site, serving
from tests.office.test_enrolment import MOBILE, MOBILE_E164, credential, entries, not_enrolled
from tests.office.test_office_browser import GALLERY, WORDS, browser, fill_sign_in, page, shot  # noqa: F401

pytestmark = pytest.mark.browser

from playwright.sync_api import Page, expect  # noqa: E402

LABELS = {
    "ar": {
        "link": "الخدمة الذاتية: الرقم السري والهاتف",
        "heading": "الخدمة الذاتية: الرقم السري والهاتف",
        "checked": "تحقّقتُ من هوية المواطن ببطاقته الشخصية",
        "phone": "رقم الهاتف المحمول (اختياري، للرسائل النصية)",
        "show": "عرضه مرة واحدة على هذه الشاشة",
        "print": "طباعة ورقة الرقم السري على طابعة المكتب",
        "enrol": "تسجيل المواطن",
        "pin_heading": "الرقم السري الجديد",
        "pin_label": "الرقم السري للمواطن",
        "printed": "طُبعت ورقة رقمه السري",
        "back": "تم: العودة إلى صفحة المواطن",
        "enrolled": "مسجَّل، وعُيِّن رقمه السري في",
    },
    "en": {
        "link": "Kiosk PIN and phone",
        "heading": "Kiosk PIN and phone",
        "checked": "I checked the citizen's identity card",
        "phone": "Mobile number (optional, for text messages)",
        "show": "Show it once on this screen",
        "print": "Print a PIN mailer at the office printer",
        "enrol": "Enrol the citizen",
        "pin_heading": "The new PIN",
        "pin_label": "The citizen's PIN",
        "printed": "their PIN mailer was printed",
        "back": "Done: back to the citizen's page",
        "enrolled": "Enrolled; PIN set on",
    },
}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with serving(tmp_path, None, demo=60) as s:
        yield s


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_clerk_enrols_a_citizen_on_the_page(site: Site, page: Page, lang: str) -> None:  # noqa: F811
    (nid,) = not_enrolled(site)
    w, words = WORDS[lang], LABELS[lang]
    page.context.add_cookies([{"name": "sanad-office-lang", "value": lang, "url": site.url}])
    page.goto(f"{site.url}/office/sign-in")
    fill_sign_in(page, w, site, "amal.clerk", site.passwords["amal.clerk"])
    page.goto(f"{site.url}/office/record/{nid}")
    page.get_by_role("link", name=words["link"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["heading"])
    page.get_by_label(words["checked"]).check()
    page.get_by_label(words["phone"]).fill(MOBILE)
    page.get_by_label(words["show" if lang == "ar" else "print"]).check()
    shot(page, f"enrol-{lang}")
    page.get_by_role("button", name=words["enrol"]).click()
    if lang == "ar":
        expect(page.get_by_role("heading", level=1)).to_have_text(words["pin_heading"])
        region = page.get_by_role("region", name=words["pin_label"])
        pin = region.get_by_text(re.compile(r"^[0-9]{6}$")).inner_text()
        assert len(pin) == 6 and pin.isdigit()
        shot(page, "pin-once-ar")
        page.get_by_role("link", name=words["back"]).click()
        expect(page.get_by_text(words["enrolled"])).to_be_visible()
        assert pin not in page.content()  # shown once: never again
    else:
        expect(page.get_by_role("status")).to_contain_text(words["printed"])
        (mailer,) = site.data.counter_printer_dir.glob("receipt-*.png")
        shutil.copyfile(mailer, GALLERY / "pin-mailer.png")  # the slip as the printer made it
    expect(page.get_by_text(MOBILE_E164)).to_be_visible()
    assert credential(site, nid) is not None
    assert [k for k, _ in entries(site)] == ["citizen_enrolled", "phone_set"]
