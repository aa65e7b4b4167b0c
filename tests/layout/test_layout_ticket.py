"""The queue ticket on paper: laid out, printed through the kiosk's printer adapter to the
ESC/POS emulator, and read back from the printed PNG line by line.

Each expected line is set here on its own with Pillow and raqm, at the role's size, from the
words written out in this file, and must appear dot for dot on the printed ticket; the label
must be the largest type that fits. Counts are checked against `vectors/ticket_counts.json`.
The printed Arabic and English tickets go to docs/gallery/tickets/ for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from layout_support import contains
from PIL import Image, ImageChops, ImageDraw, ImageFont

from hardware.emulator import Emulator
from hardware.layout import LayoutError, default_fonts
from hardware.layout.ticket import (
    QueueTicketView,
    TicketPaper,
    expected_wait,
    people_ahead,
    render_queue_ticket,
)
from kiosk_app.adapters import HardwarePrinter
from kiosk_app.effects import PrintOutcome
from verifier.words import isolate_values

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery" / "tickets"
VECTORS = json.loads((Path(__file__).parent / "vectors" / "ticket_counts.json").read_text("utf-8"))
THRESHOLD = 150  # the layout's: grey below this prints
TALLEST = 8 * 24  # ESC/POS's tallest type: font A's 24 dots at GS ! eight times height
MARGIN = {384: 6, 576: 8}
# (Arabic size, Latin size, bold) per role and paper width, as receipts set them
ROLES: dict[int, dict[str, tuple[int, int, bool]]] = {
    576: {
        "header": (24, 17, True),
        "title": (34, 23, True),
        "label": (20, 16, False),
        "value": (25, 19, True),
        "note": (20, 16, False),
    },
    384: {
        "header": (21, 15, True),
        "title": (30, 20, True),
        "label": (18, 14, False),
        "value": (22, 17, True),
        "note": (18, 14, False),
    },
}
AMMAN = ZoneInfo("Asia/Amman")
ISSUED = dt.datetime(2026, 12, 3, 9, 41, 30, tzinfo=AMMAN)  # UTC+03:00: 06:41 UTC


def view(**changes: Any) -> QueueTicketView:
    fields: dict[str, Any] = {
        "label": "B-007",
        "kind": "booked",
        "late": False,
        "office_ar": "مكتب الأحوال المدنية في عمّان",
        "office_latin": "Amman Civil Status Office",
        "service_ar": "بطاقة الأحوال المدنية",
        "service_latin": "Civil status ID card",
        "ahead": 11,
        "expected_wait_minutes": 25,
        "issued_at": ISSUED,
        "language": "ar",
    }
    fields.update(changes)
    return QueueTicketView(**fields)


def _ink(image: Image.Image) -> Image.Image:
    grey = image.convert("L")
    box = ImageChops.invert(grey).getbbox()
    assert box is not None
    return grey.crop(box)


def alone(text: str, size: int, *, bold: bool, arabic: bool, isolate: bool = True) -> Image.Image:
    """One line set by Pillow and raqm alone, thresholded like the layout, cropped to ink."""
    fonts = default_fonts()
    if arabic:
        path = fonts.arabic_bold if bold else fonts.arabic
        drawn, direction = (isolate_values(text) if isolate else text), "rtl"
    else:
        path = fonts.latin_bold if bold else fonts.latin
        drawn, direction = text, "ltr"
    font = ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)
    canvas = Image.new("L", (len(text) * size + 4 * size, 3 * size), 255)
    ImageDraw.Draw(canvas).text(
        (size, 2 * size), drawn, font=font, fill=0, anchor="ls", direction=direction
    )
    return _ink(canvas.point(lambda v: 0 if v < THRESHOLD else 255))


def line(width: int, role: str, text: str, *, arabic: bool) -> Image.Image:
    ar, en, bold = ROLES[width][role]
    return alone(text, ar if arabic else en, bold=bold, arabic=arabic)


def locate(image: Image.Image, template: Image.Image) -> tuple[int, int] | None:
    """Where template appears pixel for pixel in image (its top-left corner), if it does."""
    img, tpl = image.convert("L"), template.convert("L")
    w, h = tpl.size
    rows = [img.tobytes()[y * img.width : (y + 1) * img.width] for y in range(img.height)]
    trows = [tpl.tobytes()[y * w : (y + 1) * w] for y in range(h)]
    for y in range(img.height - h + 1):
        x = rows[y].find(trows[0])
        while x != -1:
            if x + w <= img.width and all(rows[y + i][x : x + w] == trows[i] for i in range(1, h)):
                return x, y
            x = rows[y].find(trows[0], x + 1)
    return None


@pytest.fixture(params=[576, 384], ids=["80mm", "58mm"])
def width(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def emulator(tmp_path: Path, width: int) -> Iterator[Emulator]:
    with Emulator(tmp_path / "receipts", width_dots=width) as emu:
        yield emu


def print_ticket(emulator: Emulator, paper: TicketPaper) -> Image.Image:
    """The ticket through the kiosk's printer adapter; the emulator's printed PNG back."""
    printer = HardwarePrinter(
        emulator.url, width_dots=paper.width_dots, timeout=1.0, job_timeout=10.0
    )
    outcome, reason = printer.print_image(paper.image, label="ticket-test")
    assert outcome is PrintOutcome.PRINTED, reason
    (receipt,) = emulator.wait_for_receipts(1)
    assert receipt.complete
    with Image.open(receipt.path) as printed:
        printed.load()
        return printed.copy()


def same(a: Image.Image, b: Image.Image) -> bool:
    return (
        a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None
    )


# ---------------------------------------------------------------------------------------------
# Words


@pytest.mark.parametrize("case", VECTORS["people_ahead"], ids=lambda c: c["id"])
def test_people_ahead_counts_agree_with_their_number(case: dict[str, Any]) -> None:
    words = people_ahead(case["n"])
    assert (words.ar, words.en) == (case["ar"], case["en"])


@pytest.mark.parametrize("case", VECTORS["expected_wait"], ids=lambda c: c["id"])
def test_expected_wait_counts_minutes_after_about(case: dict[str, Any]) -> None:
    words = expected_wait(case["minutes"])
    assert (words.ar, words.en) == (case["ar"], case["en"])


def test_counts_below_their_range_are_refused() -> None:
    with pytest.raises(ValueError, match="from 1"):
        people_ahead(0)
    with pytest.raises(ValueError, match="negative"):
        expected_wait(-5)


# ---------------------------------------------------------------------------------------------
# Printed


@pytest.mark.parametrize("language", ["ar", "en"])
def test_printed_ticket_carries_every_line_and_the_label_in_large_type(
    emulator: Emulator, width: int, language: str
) -> None:
    paper = render_queue_ticket(view(language=language), width_dots=width)
    printed = print_ticket(emulator, paper)
    assert same(printed, paper.image)  # the printer path adds and loses nothing
    assert printed.width == width

    expected = [
        line(width, "header", "مكتب الأحوال المدنية في عمّان", arabic=True),
        line(width, "header", "Amman Civil Status Office", arabic=False),
        line(width, "title", "بطاقة الأحوال المدنية", arabic=True),
        line(width, "title", "Civil status ID card", arabic=False),
        line(width, "label", "رقم الدور", arabic=True),
        line(width, "label", "Queue number", arabic=False),
        line(width, "label", "موعد محجوز", arabic=True),
        line(width, "label", "Booked appointment", arabic=False),
        line(width, "value", "في الانتظار قبل هذا الرقم: 11 شخصًا", arabic=True),
        line(width, "value", "People ahead of you: 11", arabic=False),
        line(width, "value", "مدة الانتظار المتوقعة: نحو 25 دقيقة", arabic=True),
        line(width, "value", "Expected wait: about 25 minutes", arabic=False),
        line(width, "label", "وقت الإصدار", arabic=True),
        line(width, "label", "Issued", arabic=False),
        line(width, "value", "2026-12-03 09:41", arabic=False),  # office time, as given
    ]
    for i, template in enumerate(expected):
        assert contains(printed, template), f"line {i} is not on the printed ticket"
    assert not contains(printed, line(width, "value", "2026-12-03 06:41", arabic=False))
    assert not contains(printed, line(width, "value", "You are next", arabic=False))
    assert not contains(printed, line(width, "note", "Checked in late:", arabic=False))

    # The label: one piece of type, as large as the paper's printable width and ESC/POS's
    # tallest character allow; a size larger would break one of the two.
    label = alone("B-007", paper.label_px, bold=True, arabic=False)
    assert contains(printed, label)
    avail = width - 2 * MARGIN[width]
    larger = alone("B-007", paper.label_px + 1, bold=True, arabic=False)
    assert larger.width > avail or larger.height > TALLEST
    assert label.width <= avail and label.height <= TALLEST
    value_line = line(width, "value", "People ahead of you: 11", arabic=False)
    assert label.height >= 5 * value_line.height
    assert label.height * 25.4 / 203 >= 12  # at least 12 mm tall on either paper
    left, top, right, bottom = paper.label_box
    assert (right - left, bottom - top) == label.size
    assert locate(printed, label) == (left, top)
    assert abs((left + right) - width) <= 2  # centred


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_citizens_language_comes_first(width: int, language: str) -> None:
    image = render_queue_ticket(view(language=language), width_dots=width).image
    rows = {}
    for name, template in {
        "office_ar": line(width, "header", "مكتب الأحوال المدنية في عمّان", arabic=True),
        "office_en": line(width, "header", "Amman Civil Status Office", arabic=False),
        "ahead_ar": line(width, "value", "في الانتظار قبل هذا الرقم: 11 شخصًا", arabic=True),
        "ahead_en": line(width, "value", "People ahead of you: 11", arabic=False),
    }.items():
        found = locate(image, template)
        assert found is not None, name
        rows[name] = found[1]
    arabic_first = language == "ar"
    assert (rows["office_ar"] < rows["office_en"]) is arabic_first
    assert (rows["ahead_ar"] < rows["ahead_en"]) is arabic_first


def test_nobody_ahead_says_next_instead_of_a_count_and_a_wait(
    emulator: Emulator, width: int
) -> None:
    paper = render_queue_ticket(
        view(label="W-012", kind="walk_in", ahead=0, expected_wait_minutes=0), width_dots=width
    )
    printed = print_ticket(emulator, paper)
    assert contains(printed, line(width, "value", "هذا الرقم هو التالي في الدور", arabic=True))
    assert contains(printed, line(width, "value", "You are next", arabic=False))
    assert contains(printed, line(width, "label", "دون موعد مسبق", arabic=True))
    assert contains(printed, line(width, "label", "Walk-in", arabic=False))
    assert contains(printed, alone("W-012", paper.label_px, bold=True, arabic=False))
    for absent in ("People ahead of you: 0", "Expected wait: less than a minute"):
        assert not contains(printed, line(width, "value", absent, arabic=False)), absent
    assert not contains(printed, line(width, "label", "Booked appointment", arabic=False))


@pytest.mark.parametrize(("ahead", "counted"), [(1, "شخص واحد"), (2, "شخصان"), (3, "3 أشخاص")])
def test_the_printed_count_agrees_with_its_number(ahead: int, counted: str) -> None:
    image = render_queue_ticket(view(ahead=ahead), width_dots=576).image
    text = f"في الانتظار قبل هذا الرقم: {counted}"
    assert contains(image, line(576, "value", text, arabic=True))
    wrong = "3 شخص" if ahead == 3 else f"{ahead} أشخاص"  # the count a careless template makes
    assert not contains(
        image, line(576, "value", f"في الانتظار قبل هذا الرقم: {wrong}", arabic=True)
    )


def test_a_late_booked_citizen_is_told_of_the_walk_in_order(emulator: Emulator, width: int) -> None:
    on_time = render_queue_ticket(view(), width_dots=width)
    paper = render_queue_ticket(view(late=True), width_dots=width)
    printed = print_ticket(emulator, paper)
    assert printed.height > on_time.image.height
    arabic = "سُجّل الحضور بعد وقت الموعد، فيُنادى هذا الرقم بترتيب المراجعين دون موعد."
    english = "Checked in late: this number is called in the walk-in order."
    assert contains(printed, line(width, "note", english, arabic=False))
    if width == 576:  # one line on 80 mm; on 58 mm the Arabic wraps, by words
        assert contains(printed, line(width, "note", arabic, arabic=True))
    else:
        first, rest = "سُجّل الحضور بعد وقت الموعد، فيُنادى هذا الرقم بترتيب", "المراجعين دون موعد."
        assert contains(printed, line(width, "note", first, arabic=True))
        assert contains(printed, line(width, "note", rest, arabic=True))


def test_latin_values_inside_arabic_names_keep_their_order() -> None:
    # "7 B" after Arabic, unisolated, is reordered by the bidi algorithm to read "B 7".
    office = "مكتب الأحوال المدنية - مجمع 7 B"
    image = render_queue_ticket(view(office_ar=office), width_dots=576).image
    ar, _, bold = ROLES[576]["header"]
    kept = alone(office, ar, bold=bold, arabic=True)
    reordered = alone(office, ar, bold=bold, arabic=True, isolate=False)
    assert not same(kept, reordered)  # the control: isolation changes what is printed
    assert contains(image, kept)
    assert not contains(image, reordered)


def test_long_names_wrap_inside_the_margins_at_58_mm(width: int) -> None:
    paper = render_queue_ticket(
        view(
            office_ar="مكتب الأحوال المدنية والجوازات في لواء ماركا الشمالية - مبنى الخدمات الموحد",
            office_latin="Civil Status and Passports Office, Northern Marka District, Unified "
            "Services Building",
            service_ar="تسجيل واقعة ولادة أو وفاة أو زواج أو طلاق وتصحيح القيود المدنية",
            service_latin="Registering a birth, death, marriage or divorce and correcting "
            "civil records",
            late=True,
            ahead=125,
            expected_wait_minutes=240,
            label="W-1234",
        ),
        width_dots=width,
    )
    image = paper.image
    assert image.mode == "1" and image.width == width
    box = ImageChops.invert(image.convert("L")).getbbox()
    assert box is not None
    left, top, right, bottom = box
    margin = MARGIN[width]
    assert left >= margin and right <= width - margin
    assert top >= margin and bottom <= image.height - margin
    assert paper.label_box[2] - paper.label_box[0] <= width - 2 * margin
    assert contains(image, line(width, "value", "People ahead of you: 125", arabic=False))


def test_print_and_save_the_gallery_tickets(tmp_path: Path) -> None:
    """One Arabic and one English ticket, as the emulator printed them, for docs/gallery."""
    GALLERY.mkdir(parents=True, exist_ok=True)
    cases = {
        "queue-ticket-ar-576.png": (view(late=True), 576),
        "queue-ticket-en-576.png": (
            view(language="en", label="W-012", kind="walk_in", ahead=3, expected_wait_minutes=10),
            576,
        ),
        "queue-ticket-ar-384.png": (view(ahead=0, expected_wait_minutes=0), 384),
    }
    for name, (v, w) in cases.items():
        with Emulator(tmp_path / name, width_dots=w) as emu:
            paper = render_queue_ticket(v, width_dots=w)
            printed = print_ticket(emu, paper)
            assert same(printed, paper.image)
            (receipt,) = emu.receipts()
            shutil.copyfile(receipt.path, GALLERY / name)
        with Image.open(GALLERY / name) as saved:
            assert same(saved, paper.image)


# ---------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "vip"}, "kind"),
        ({"language": "fr"}, "language"),
        ({"label": ""}, "label"),
        ({"label": "ب-007"}, "label"),
        ({"ahead": -1}, "negative"),
        ({"expected_wait_minutes": -1}, "negative"),
        ({"issued_at": dt.datetime(2026, 12, 3, 9, 41)}, "aware"),
        ({"office_ar": " "}, "Arabic"),
    ],
    ids=["kind", "language", "empty-label", "arabic-label", "ahead", "wait", "naive", "office"],
)
def test_a_view_that_cannot_be_printed_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        view(**changes)


@pytest.mark.parametrize("bad", [0, 383, 512, 577])
def test_other_paper_widths_are_refused(bad: int) -> None:
    with pytest.raises(LayoutError, match="384"):
        render_queue_ticket(view(), width_dots=bad)
