"""Arabic on the certificate: letters shaped and joined as raqm sets them, right to left, and
numbers inside Arabic lines reading left to right as the Latin side prints them."""

from __future__ import annotations

import datetime as dt
from collections import deque

import pytest
from layout_support import MASTHEAD, Authority, contains
from PIL import Image, ImageChops, ImageDraw, ImageFont, features

from hardware.layout import (
    TextEngineError,
    TextRole,
    default_fonts,
    render_text,
    render_verdict,
)
from hardware.layout import fonts as layout_fonts
from verifier.documents import Bilingual, Document, DocumentType, Place
from verifier.national_id import make
from verifier.words import FSI, PDI, isolate_values

THRESHOLD = 150  # the layout's: grey below this prints
VALUE_SIZE = {384: 22, 576: 25}  # Amiri Bold, the value role


def _ink(image: Image.Image) -> Image.Image:
    """The image cropped to its ink, as "L" with only 0 and 255."""
    grey = image.convert("L")
    box = ImageChops.invert(grey).getbbox()
    assert box is not None
    return grey.crop(box)


def _alone(
    text: str,
    size: int,
    *,
    bold: bool = True,
    direction: str = "rtl",
    layout: ImageFont.Layout = ImageFont.Layout.RAQM,
) -> Image.Image:
    """text set by Pillow and raqm (or the basic layout) alone, thresholded like the layout."""
    fonts = default_fonts()
    font = ImageFont.truetype(
        str(fonts.arabic_bold if bold else fonts.arabic), size, layout_engine=layout
    )
    canvas = Image.new("L", (40 * size, 4 * size), 255)
    kwargs = {"direction": direction} if layout is ImageFont.Layout.RAQM else {}
    ImageDraw.Draw(canvas).text((size, 2 * size), text, font=font, fill=0, anchor="ls", **kwargs)
    return _ink(canvas.point(lambda v: 0 if v < THRESHOLD else 255))


def _same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def _components(image: Image.Image) -> int:
    """Connected groups of ink (8-neighbourhood)."""
    img = image.convert("L")
    w, h = img.size
    ink = {(x, y) for y in range(h) for x in range(w) if img.getpixel((x, y)) == 0}
    count = 0
    while ink:
        count += 1
        queue = deque([ink.pop()])
        while queue:
            x, y = queue.popleft()
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    n = (x + dx, y + dy)
                    if n in ink:
                        ink.remove(n)
                        queue.append(n)
    return count


@pytest.mark.parametrize("width", [384, 576])
def test_an_arabic_word_is_set_exactly_as_raqm_sets_it(width: int) -> None:
    ours = _ink(render_text("محمد", width_dots=width, role=TextRole.VALUE))
    assert _same(ours, _alone("محمد", VALUE_SIZE[width]))
    # Negative control: without shaping and bidi the same letters come out apart and reversed.
    assert not _same(ours, _alone("محمد", VALUE_SIZE[width], layout=ImageFont.Layout.BASIC))


def test_letters_of_a_word_join_into_one_shape() -> None:
    ours = _ink(render_text("محمد", width_dots=384, role=TextRole.VALUE))
    assert _components(ours) == 1  # م ح م د joined
    unshaped = _alone("محمد", VALUE_SIZE[384], layout=ImageFont.Layout.BASIC)
    assert _components(unshaped) == 4  # four isolated letters


def test_the_receipt_sets_an_arabic_name_as_raqm_does(authority: Authority) -> None:
    document = Document(
        DocumentType.NON_EMPLOYMENT,
        {
            "name": Bilingual("محمد", "Mohammad"),
            "national_id": make("198512345"),
            "date_of_birth": dt.date(1985, 11, 30),
            "place_of_birth": Place(3103),
            "father_name": Bilingual("عبد الرحمن محمود الشوابكة", "Abdulrahman Al-Shawabkeh"),
            "mother_name": Bilingual("فاطمة الزهراء الرواشدة", None),
            "as_of": dt.date(2026, 11, 2),
            "registration_office": Place(1101),
        },
        "K-AMM-0417",
        Place(2101),
    )
    signed = authority.sign(document, "NO26-00000001")
    for width in (384, 576):
        receipt = render_verdict(
            signed.verdict, signed.qr_text, width_dots=width, masthead=MASTHEAD
        )
        assert contains(receipt.image, _alone("محمد", VALUE_SIZE[width]))
        assert not contains(
            receipt.image, _alone("محمد", VALUE_SIZE[width], layout=ImageFont.Layout.BASIC)
        )


def _best_match(image: Image.Image, template: Image.Image) -> tuple[float, int]:
    """The smallest share of differing pixels over every placement, and its x."""
    img, tpl = image.convert("L"), template.convert("L")
    best, best_x = 1.0, -1
    area = tpl.width * tpl.height
    for y in range(img.height - tpl.height + 1):
        for x in range(img.width - tpl.width + 1):
            diff = ImageChops.difference(img.crop((x, y, x + tpl.width, y + tpl.height)), tpl)
            share = diff.histogram()[255] / area
            if share < best:
                best, best_x = share, x
    return best, best_x


@pytest.mark.parametrize(
    ("line", "number", "reversed_number"),
    [
        ("أنثى — 2018-10-05", "2018-10-05", "05-10-2018"),
        ("الرقم الوطني 1985123452 رقم القيد 1437/2015", "1437/2015", "2015/1437"),
        ("تاريخ ووقت الإصدار 2026-11-02 09:41:07", "09:41:07", "07:41:09"),
        ("للتحقق افتح verify.csr.example/d", "verify.csr.example/d", "d/example.csr.verify"),
        ("الرقم التسلسلي BI26-01000418", "BI26-01000418", "01000418-BI26"),
        ("افتح https://10.0.0.1:8000/v", "https://10.0.0.1:8000/v", "v/8000:1.0.0.10//:https"),
        ("الرقم التسلسلي B26-0000001-8 للوثيقة", "B26-0000001-8", "8-B26-0000001"),
    ],
)
def test_numbers_and_latin_in_an_arabic_line_read_left_to_right(
    line: str, number: str, reversed_number: str
) -> None:
    image = _ink(render_text(line, width_dots=576, role=TextRole.VALUE))
    right, right_x = _best_match(image, _alone(number, VALUE_SIZE[576], direction="ltr"))
    wrong, _ = _best_match(image, _alone(reversed_number, VALUE_SIZE[576], direction="ltr"))
    assert right < 0.08
    assert wrong > 2 * right + 0.05
    # The line begins (at the right) with Arabic, so the number is left of the first word.
    first_word = _alone(line.split()[0], VALUE_SIZE[576])
    _, word_x = _best_match(image, first_word)
    assert right_x < word_x


def test_without_raqm_the_layout_names_the_missing_packages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # raqm cannot be uninstalled for one test; pretend Pillow did not find it.
    real_check = features.check
    monkeypatch.setattr(
        layout_fonts.features, "check", lambda name: False if name == "raqm" else real_check(name)
    )
    with pytest.raises(TextEngineError, match="libraqm0") as info:
        render_text("محمد", width_dots=384)
    assert "libfribidi0" in str(info.value)


I, P = FSI, PDI  # noqa: E741 (short names keep the cases readable)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("أنثى — 2018-10-05", f"أنثى — {I}2018-10-05{P}"),
        ("2018-10-05 — أنثى", f"{I}2018-10-05{P} — أنثى"),
        ("الرقم B26-0000001-8.", f"الرقم {I}B26-0000001-8{P}."),  # the full stop is the sentence's
        ("رقم القيد B1941/0000001", f"رقم القيد {I}B1941/0000001{P}"),
        ("افتح https://verify.cspd.example/v/", f"افتح {I}https://verify.cspd.example/v/{P}"),
        ("الرسوم JOD 1.000 فقط", f"الرسوم {I}JOD 1.000{P} فقط"),  # one run: words keep order
        ("1. محمد", f"{I}1{P}. محمد"),
        ("الهاتف +962 6 5000000", f"الهاتف {I}+962 6 5000000{P}"),
        ("نسبة 50% فقط", f"نسبة {I}50%{P} فقط"),
        ("الجهاز (K-AMM-0417) هنا", f"الجهاز ({I}K-AMM-0417{P}) هنا"),
        ("شارع - عمان", "شارع - عمان"),  # a spaced dash is the sentence's, not a value
        (f"رقم {I}B26-1{P}", f"رقم {I}B26-1{P}"),  # already isolated: left alone
        ("Born 1985-11-30", "Born 1985-11-30"),  # no Arabic: nothing to protect it from
    ],
)
def test_every_latin_or_numeric_value_in_arabic_is_isolated(text: str, expected: str) -> None:
    assert isolate_values(text) == expected


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("تاريخ الولادة 2018-10-05 أنثى", "2018-10-05"),
        ("الرقم التسلسلي: B26-0000001-8 للوثيقة", "B26-0000001-8"),
        ("رقم القيد B1941/0000001، أمانة عمان", "B1941/0000001"),
        ("الوقت 2026-11-02 09:41:07 UTC+03:00 بتوقيت عمان", "2026-11-02 09:41:07 UTC+03:00"),
        ("الرسوم 0.500 دينار", "0.500"),
    ],
)
def test_isolated_values_keep_their_order_in_the_bidi_resolved_line(line: str, value: str) -> None:
    # python-bidi's UBA (Rust unicode-bidi) orders the line for display as a right-to-left
    # paragraph; the value must appear there exactly as it reads alone.
    from bidi import get_display

    shown = get_display(isolate_values(line), base_dir="R")
    assert value in shown.replace(FSI, "").replace(PDI, "")
