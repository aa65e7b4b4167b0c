"""The postal batch's paper: one PDF for the day (for each order an address page, then its
document on A4) and a CSV manifest for the postal operator.

The address page puts the addressee in a 90 × 45 mm block 20 mm from the left and 45 mm from
the top (a DL or C5 window envelope's window), the sender (the authority) above it, and below
it what the envelope holds: the order code and the document's name, in Arabic and English,
with the batch day. The text is set by the certificate's own layout (`hardware.layout`:
Pillow with raqm, Arabic shaped and right to left). The document pages are
`counter_paper.a4_page_images`: the same A4 layout, the same signed QR as a counter's PDF.

The PDF is written page by page (Pillow's PDF append), so a large batch does not hold every
page in memory; both files are written to a temporary name, owner-only (0600: names and
addresses), and moved into place, so a reader never sees half a batch. The manifest has no
national number; a cell that a spreadsheet would read as a formula (= + - @) is prefixed
with an apostrophe.

What this module does not do: decide which orders are in the batch, or touch the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from hardware.layout import TextRole, render_a4_lines
from hardware.layout.receipt import A4_DPI
from registry.config import PRIVATE_FILE, Settings
from registry.counter_paper import a4_page_images
from registry.issuance import Issued
from registry.orders import codes
from verifier import words

__all__ = [
    "MANIFEST_COLUMNS",
    "BatchEntry",
    "address_page",
    "manifest_csv",
    "write_manifest",
    "write_pdf",
]

MANIFEST_COLUMNS = (
    "order_code",
    "document_type",
    "addressee",
    "line1",
    "line2",
    "city",
    "postcode",
    "serial",
)
_PAGE = (round(210 / 25.4 * A4_DPI), round(297 / 25.4 * A4_DPI))
_WINDOW = (20, 45, 90, 45)  # left, top, width, height in mm


def _mm(v: float) -> int:
    return round(v / 25.4 * A4_DPI)


@dataclass(frozen=True)
class BatchEntry:
    """One order in the day's batch, as its paper needs it."""

    order_code: str
    address: dict[str, str]  # name, line1, line2, city, postcode
    issued: Issued


def _paste_fit(page: Image.Image, block: Image.Image, box: tuple[int, int, int, int]) -> None:
    left, top, _width, height = box
    if block.height > height:  # a long address: cut at the window's edge rather than overflow
        block = block.crop((0, 0, block.width, height))
    page.paste(block, (left, top))


def address_page(entry: BatchEntry, settings: Settings, day: dt.date) -> Image.Image:
    """The address page for one order: 1-bit, A4 at 300 dpi."""
    page = Image.new("1", _PAGE, 1)
    authority = settings.identity.authority
    sender = render_a4_lines(
        [authority.ar, authority.latin or ""], width_dots=_mm(170), role=TextRole.LABEL
    )
    _paste_fit(page, sender, (_mm(20), _mm(12), _mm(170), _mm(30)))

    a = entry.address
    city = " ".join(p for p in (a.get("city", ""), a.get("postcode", "")) if p)
    lines = [a.get("name", ""), a.get("line1", ""), a.get("line2", ""), city]
    left, top, width, height = (_mm(v) for v in _WINDOW)
    block = render_a4_lines(lines, width_dots=width, role=TextRole.VALUE)
    _paste_fit(page, block, (left, top, width, height))
    ImageDraw.Draw(page).rectangle(
        (left - 4, top - 4, left + width + 4, top + height + 4), outline=0, width=2
    )

    title = words.document_title(int(entry.issued.document_type))
    shown = codes.display(entry.order_code)
    contents = render_a4_lines(
        [
            f"المحتوى: {title.ar}، الطلب رقم {shown}، دفعة البريد ليوم {day.isoformat()}",
            f"Contents: {title.en}, order {shown}, postal batch of {day.isoformat()}",
        ],
        width_dots=_mm(170),
        role=TextRole.NOTE,
    )
    _paste_fit(page, contents, (_mm(20), _mm(110), _mm(170), _mm(60)))
    return page


def _private_temp(path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    os.close(fd)
    return tmp


def write_pdf(entries: Sequence[BatchEntry], settings: Settings, day: dt.date, path: Path) -> int:
    """The batch's PDF at `path` (owner-only, replaced whole); the number of pages."""
    if not entries:
        raise ValueError("an empty batch has no PDF")
    tmp = _private_temp(path)
    pages = 0
    try:
        for entry in entries:
            for image in [
                address_page(entry, settings, day),
                *a4_page_images(entry.issued, settings),
            ]:
                image.save(
                    tmp,
                    format="PDF",
                    resolution=float(A4_DPI),
                    append=pages > 0,
                    title=f"Sanad postal batch {day.isoformat()}",
                )
                pages += 1
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return pages


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def manifest_csv(entries: Sequence[BatchEntry]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(MANIFEST_COLUMNS)
    for e in entries:
        a = e.address
        w.writerow(
            [
                e.order_code,
                e.issued.document_type.slug,
                *(_cell(a.get(k, "")) for k in ("name", "line1", "line2", "city", "postcode")),
                e.issued.serial,
            ]
        )
    return out.getvalue()


def write_manifest(entries: Sequence[BatchEntry], path: Path) -> None:
    tmp = _private_temp(path)
    try:
        tmp.write_text(manifest_csv(entries), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
