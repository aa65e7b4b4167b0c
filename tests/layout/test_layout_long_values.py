"""Long values wrap and never leave the paper; QR sizing holds at the limits."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from layout_support import CHECK_AT, MASTHEAD, Authority, decode_qr_texts
from PIL import Image, ImageChops

from hardware.layout import QrCapacityError, QrEcc, default_fonts, render_verdict
from hardware.layout.fonts import open_font
from hardware.layout.qr import QUIET_ZONE, encode_qr, fit_qr, symbol_image
from hardware.layout.text import Direction, wrap
from verifier.documents import (
    Bilingual,
    Document,
    DocumentType,
    FamilyMember,
    MaritalStatus,
    Place,
    Relation,
    Sex,
)
from verifier.national_id import make
from verifier.verify import verify

MARGIN = {384: 6, 576: 8}
AR_NAME = ("عبد الرحمن محمود عبد الكريم سليمان إسماعيل الشوابكة " * 4)[:160].strip()
EN_NAME = ("Abdulrahman Mahmoud Abdulkarim Suleiman Ismail Al-Shawabkeh " * 4)[:160].strip()
AR_WORD = "عبدالرحمنمحمودعبدالكريمسليمانإسماعيلالشوابكةالعدوانالكيلاني"  # no space to break at
EN_WORD = "Abdulrahmanmahmoudabdulkarimsuleimanismailalshawabkehaladwan"


def _long_birth() -> Document:
    return Document(
        DocumentType.BIRTH_CERTIFICATE,
        {
            "name": Bilingual(AR_NAME, EN_NAME),
            "national_id": make("201511298"),
            "sex": Sex.MALE,
            "date_of_birth": dt.date(2015, 3, 14),
            "place_of_birth": Place(
                name=Bilingual(f"{AR_WORD} {AR_NAME[:80]}", f"{EN_WORD} {EN_NAME[:80]}")
            ),
            "father_name": Bilingual(AR_NAME, EN_NAME),
            "mother_name": Bilingual(AR_NAME, None),
            "registration_office": Place(1101),
            "record_number": "1437/2015",
            "registration_date": dt.date(2015, 3, 22),
        },
        "K-AMM-0417",
        Place(2101),
    )


def _big_family(count: int) -> Document:
    members = tuple(
        FamilyMember(
            Bilingual(f"{AR_NAME[:50]} {i}", f"{EN_NAME[:50]} {i}"),
            make(f"2015{i:05d}"),
            Relation.HEAD if i == 0 else Relation.SON,
            Sex.MALE,
            dt.date(2015, 3, 14),
            MaritalStatus.SINGLE,
        )
        for i in range(count)
    )
    return Document(
        DocumentType.FAMILY_EXTRACT,
        {
            "members": members,
            "registration_office": Place(1101),
            "record_number": "3310/2012",
            "registration_date": dt.date(2012, 6, 28),
        },
        "K-AMM-0417",
        Place(2101),
    )


@pytest.mark.parametrize("width", [384, 576])
@pytest.mark.parametrize("kind", ["long-names", "family-of-12"])
def test_long_values_wrap_inside_the_margins_and_still_verify(
    kind: str, width: int, authority: Authority
) -> None:
    document = _long_birth() if kind == "long-names" else _big_family(12)
    signed = authority.sign(document, "LONG-0001")
    receipt = render_verdict(signed.verdict, signed.qr_text, width_dots=width, masthead=MASTHEAD)
    assert receipt.image.width == width
    box = ImageChops.invert(receipt.image.convert("L")).getbbox()
    assert box is not None
    left, top, right, bottom = box
    assert left >= MARGIN[width]
    assert right <= width - MARGIN[width]
    assert top >= MARGIN[width]
    assert bottom <= receipt.height_dots - MARGIN[width]
    texts = decode_qr_texts(receipt.image)
    assert texts == [signed.qr_text]
    assert verify(texts[0], authority.trust, CHECK_AT).claims == signed.verdict.claims


_WORDS = st.lists(
    st.sampled_from(
        ["محمد", "عبد", "الرحمن", "الشوابكة", AR_WORD, "2018-10-05", "Al-Shawabkeh", EN_WORD, "—"]
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(words=_WORDS, bold=st.booleans(), rtl=st.booleans())
def test_no_wrapped_line_is_wider_than_the_line(words: list[str], bold: bool, rtl: bool) -> None:
    fonts = default_fonts()
    font = open_font(fonts.arabic_bold if bold else fonts.arabic, 22)
    direction = Direction.RTL if rtl else Direction.LTR
    text = " ".join(words)
    lines = wrap(text, font, 300, direction)
    assert lines
    for line in lines:
        assert font.getlength(line, direction=direction.value) <= 300
    # Nothing is lost or reordered: the lines hold the words in order (cuts aside).
    assert "".join(lines).replace("\u200d", "").replace(" ", "") == text.replace(" ", "")


def _fits(version: int, width: int, module: int) -> bool:
    return (17 + 4 * version + 2 * QUIET_ZONE) * module <= width


@pytest.mark.parametrize("length", [200, 420, 600, 800, 900])
def test_qr_steps_down_error_correction_before_shrinking_modules(length: int) -> None:
    text = ("SN1D:" + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:" * 40)[:length]
    symbol, module = fit_qr(text, 384, min_module=4)
    assert module >= 4
    assert _fits(symbol.version, 384, module)
    if symbol.ecc is not QrEcc.Q:
        assert not _fits(encode_qr(text, QrEcc.Q).version, 384, 4)
    # Whatever level was chosen, the symbol decodes back to the text.
    image = Image.new("1", ((symbol.modules + 8) * module,) * 2, 1)
    image.paste(symbol_image(symbol, module), (4 * module, 4 * module))
    assert decode_qr_texts(image) == [text]


def test_a_qr_text_too_long_for_the_paper_is_a_clear_error() -> None:
    with pytest.raises(QrCapacityError, match="does not fit 384 dots"):
        fit_qr("A" * 1000, 384, min_module=4)
    with pytest.raises(QrCapacityError, match="too long for any QR version"):
        fit_qr("A" * 5000, 576, min_module=4)
    with pytest.raises(QrCapacityError, match="alphanumeric"):
        fit_qr("sn1d:lowercase", 384)
