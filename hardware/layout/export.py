"""The laid-out document as files: a PNG preview for the kiosk screen, a PDF for A4 paper.

The PNG is the receipt itself, dot for dot (optionally enlarged by a whole factor, so it
stays sharp), in greyscale so any image loader can show it. The PDF puts a layout at its
true size (its own dpi) on A4 pages, centred: `receipt.render_a4`'s, laid out for the page
at 300 dpi, or a thermal receipt at 203 dpi; a receipt longer than a page is cut
at the last blank row before the page ends, so never through a line of text (only through a
block taller than a whole page, which no certificate has).

Pure: returns bytes, writes no files.
"""

from __future__ import annotations

import io

from PIL import Image

from hardware.layout.receipt import Receipt

__all__ = ["A4_MM", "a4_pages", "pdf_a4", "preview_png"]

A4_MM = (210.0, 297.0)
_PAGE_MARGIN_MM = 12.0


def preview_png(receipt: Receipt, *, scale: int = 1) -> bytes:
    """The receipt as a greyscale PNG, each dot scale×scale pixels."""
    if scale < 1:
        raise ValueError("scale must be a whole number from 1")
    image = receipt.image.convert("L")
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, dpi=(receipt.dpi * scale,) * 2)
    return out.getvalue()


def _cut_rows(image: Image.Image, page_rows: int) -> list[tuple[int, int]]:
    """Row ranges of at most page_rows, each ending on a blank row where there is one."""
    width, height = image.size
    blank = [image.crop((0, y, width, y + 1)).getbbox() is None for y in range(height)]
    ranges, start = [], 0
    while height - start > page_rows:
        end = start + page_rows
        cut = next((y for y in range(end, start, -1) if blank[y]), end)
        ranges.append((start, cut))
        start = cut
    ranges.append((start, height))
    return ranges


def pdf_a4(receipt: Receipt, *, scale: int = 1) -> bytes:
    """The receipt on as many A4 pages as it needs, as PDF bytes: at its true size, or
    enlarged by a whole factor (2 makes an 80 mm receipt 144 mm wide) for easier reading."""
    pages = a4_pages(receipt, scale=scale)
    out = io.BytesIO()
    pages[0].save(
        out,
        format="PDF",
        resolution=float(receipt.dpi),
        save_all=True,
        append_images=pages[1:],
        title="Sanad document",
    )
    return out.getvalue()


def a4_pages(receipt: Receipt, *, scale: int = 1) -> list[Image.Image]:
    """The A4 pages `pdf_a4` makes, as 1-bit images at the receipt's dpi (for a caller that
    gathers many documents into one PDF, such as the postal batch)."""
    dpi = receipt.dpi
    page_w = round(A4_MM[0] / 25.4 * dpi)
    page_h = round(A4_MM[1] / 25.4 * dpi)
    margin = round(_PAGE_MARGIN_MM / 25.4 * dpi)
    largest = (page_w - 2 * margin) // receipt.width_dots
    if not 1 <= scale <= largest:
        raise ValueError(f"scale {scale} does not fit the receipt on A4 (1 to {largest})")
    image = receipt.image
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    # The receipt's ink is black on white; in mode "1", 0 is black, so invert for getbbox.
    inverted = image.point(lambda v: 255 - v)
    pages = []
    for top, bottom in _cut_rows(inverted, page_h - 2 * margin):
        page = Image.new("1", (page_w, page_h), 1)
        strip = image.crop((0, top, image.width, bottom))
        page.paste(strip, ((page_w - image.width) // 2, margin))
        pages.append(page)
    return pages
