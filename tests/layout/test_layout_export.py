"""The PNG preview and the A4 PDF carry the same receipt."""

from __future__ import annotations

import io
import itertools
import re

import pytest
from layout_support import CHECK_AT, MASTHEAD, Authority, Signed, contains, decode_qr_texts
from PIL import Image, ImageChops

from hardware.layout import (
    Receipt,
    TextRole,
    pdf_a4,
    preview_png,
    render_a4,
    render_receipt,
    render_text,
)
from hardware.layout.receipt import A4_DPI, A4_WIDTH_DOTS
from verifier import words
from verifier.documents import DocumentType
from verifier.verify import verify


def test_preview_png_is_the_receipt_dot_for_dot(
    receipts: dict[tuple[DocumentType, int], Receipt],
) -> None:
    receipt = receipts[(DocumentType.BIRTH_CERTIFICATE, 384)]
    with Image.open(io.BytesIO(preview_png(receipt))) as png:
        assert png.format == "PNG"
        assert png.size == receipt.image.size
        assert png.info["dpi"] == pytest.approx((203, 203), abs=0.5)
        assert ImageChops.difference(png.convert("L"), receipt.image.convert("L")).getbbox() is None


def test_preview_png_enlarges_by_whole_dots(
    receipts: dict[tuple[DocumentType, int], Receipt],
) -> None:
    receipt = receipts[(DocumentType.BIRTH_CERTIFICATE, 576)]
    with Image.open(io.BytesIO(preview_png(receipt, scale=2))) as png:
        assert png.size == (1152, 2 * receipt.height_dots)
        back = png.convert("L").resize(receipt.image.size, Image.Resampling.NEAREST)
        assert ImageChops.difference(back, receipt.image.convert("L")).getbbox() is None
        assert decode_qr_texts(png) == [receipt.qr.text]
    with pytest.raises(ValueError, match="whole number"):
        preview_png(receipt, scale=0)


def _pages(pdf: bytes) -> list[tuple[float, float]]:
    return [
        (float(w), float(h))
        for w, h in re.findall(rb"/MediaBox \[ 0 0 ([0-9.]+) ([0-9.]+) \]", pdf)
    ]


def test_pdf_puts_the_receipt_on_one_a4_page(
    receipts: dict[tuple[DocumentType, int], Receipt],
) -> None:
    receipt = receipts[(DocumentType.DEATH_CERTIFICATE, 576)]
    pdf = pdf_a4(receipt)
    assert pdf.startswith(b"%PDF-")
    pages = _pages(pdf)
    assert len(pages) == 1
    w, h = pages[0]
    assert w * 25.4 / 72 == pytest.approx(210, abs=0.5)
    assert h * 25.4 / 72 == pytest.approx(297, abs=0.5)


def test_a_receipt_longer_than_a_page_goes_on_several_cut_between_lines(
    receipts: dict[tuple[DocumentType, int], Receipt],
) -> None:
    one = receipts[(DocumentType.FAMILY_EXTRACT, 384)]
    # Three receipts end to end: longer than one A4 page.
    tall = Image.new("1", (384, 3 * one.height_dots), 1)
    for i in range(3):
        tall.paste(one.image, (0, i * one.height_dots))
    long_receipt = Receipt(tall, one.above, one.qr, one.below, 384)
    assert long_receipt.height_mm > 297
    pages = _pages(pdf_a4(long_receipt))
    assert len(pages) == 3


def test_page_cuts_fall_on_blank_rows(
    receipts: dict[tuple[DocumentType, int], Receipt],
) -> None:
    from hardware.layout.export import _cut_rows

    image = receipts[(DocumentType.FAMILY_EXTRACT, 576)].image
    inverted = ImageChops.invert(image.convert("L"))
    ranges = _cut_rows(inverted, 700)
    assert ranges[0][0] == 0
    assert ranges[-1][1] == image.height
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert end == start
        assert inverted.crop((0, end, image.width, end + 1)).getbbox() is None
    assert all(0 < b - a <= 700 for a, b in ranges)
    assert len(ranges) >= 3


def test_pdf_can_enlarge_by_a_whole_factor_that_fits_a4(
    receipts: dict[tuple[DocumentType, int], Receipt],
) -> None:
    receipt = receipts[(DocumentType.MARRIAGE_CERTIFICATE, 576)]
    assert len(_pages(pdf_a4(receipt, scale=2))) == 2  # 2 × 189 mm of receipt
    with pytest.raises(ValueError, match="does not fit"):
        pdf_a4(receipt, scale=3)
    with pytest.raises(ValueError, match="does not fit"):
        pdf_a4(receipt, scale=0)


def test_a4_is_laid_out_for_the_page_not_the_receipt_enlarged(
    signed: dict[DocumentType, Signed], authority: Authority
) -> None:
    s = signed[DocumentType.FAMILY_EXTRACT]
    assert s.verdict.claims is not None
    a4 = render_a4(s.verdict.claims, s.qr_text, masthead=MASTHEAD)
    receipt = render_receipt(s.verdict.claims, s.qr_text, width_dots=576, masthead=MASTHEAD)
    assert (a4.width_dots, a4.dpi) == (A4_WIDTH_DOTS, A4_DPI)
    assert a4.width_dots * 25.4 / a4.dpi == pytest.approx(183, abs=1)
    # More on each line: the receipt enlarged to the same width would be twice as long.
    enlarged_mm = receipt.height_mm * a4.width_dots / a4.dpi / (576 / 203)
    assert a4.height_mm < enlarged_mm / 2
    assert a4.height_mm < 297 - 2 * 12  # one page
    # Plain paper: no thermal-paper advice (the receipt has it).
    advice = render_text(words.THERMAL_ADVICE.en, width_dots=576, role=TextRole.NOTE)
    assert contains(receipt.image, _ink(advice))
    texts = decode_qr_texts(a4.image)
    assert texts == [s.qr_text]
    assert verify(texts[0], authority.trust, CHECK_AT).claims == s.verdict.claims
    pdf = pdf_a4(a4)
    assert len(_pages(pdf)) == 1
    # The page image is A4 at 300 dpi: 2480 × 3508 dots.
    assert re.search(rb"/Width 2480\b", pdf) and re.search(rb"/Height 3508\b", pdf)


def _ink(image: Image.Image) -> Image.Image:
    grey = image.convert("L")
    box = ImageChops.invert(grey).getbbox()
    assert box is not None
    return grey.crop(box)
