"""Certificate layout: a verified document → a 1-bit receipt image, PNG preview and A4 PDF;
and the office queue ticket (`ticket`).

    from hardware.layout import render_verdict, preview_png, pdf_a4
    masthead = Masthead.from_trust_list(trust)   # the authority and address to print
    receipt = render_verdict(verdict, qr_text, width_dots=576, masthead=masthead)
    receipt.image            # mode "1", exactly 576 dots wide, 203 dpi
    receipt.above, receipt.qr, receipt.below   # for printing the QR natively
    pdf_a4(render_a4(verdict.claims, qr_text, masthead=masthead))   # laid out for A4
    render_queue_ticket(QueueTicketView(...), width_dots=576).image   # an office queue ticket

No Kivy and no printer here: the kiosk turns `Receipt` into the hardware package's job.
"""

from __future__ import annotations

from hardware.layout.errors import (
    FontNotFoundError,
    LayoutError,
    NotVerifiedError,
    QrCapacityError,
    TextEngineError,
)
from hardware.layout.export import a4_pages, pdf_a4, preview_png
from hardware.layout.fonts import FontSet, default_fonts
from hardware.layout.qr import QrEcc
from hardware.layout.receipt import (
    DPI,
    LangOrder,
    Masthead,
    PaperWidth,
    QrPart,
    Receipt,
    TextRole,
    render_a4,
    render_a4_lines,
    render_receipt,
    render_text,
    render_verdict,
)
from hardware.layout.ticket import QueueTicketView, TicketPaper, render_queue_ticket

__all__ = [
    "DPI",
    "FontNotFoundError",
    "FontSet",
    "LangOrder",
    "LayoutError",
    "Masthead",
    "NotVerifiedError",
    "PaperWidth",
    "QrCapacityError",
    "QrEcc",
    "QrPart",
    "QueueTicketView",
    "Receipt",
    "TextEngineError",
    "TextRole",
    "TicketPaper",
    "a4_pages",
    "default_fonts",
    "pdf_a4",
    "preview_png",
    "render_a4",
    "render_a4_lines",
    "render_queue_ticket",
    "render_receipt",
    "render_text",
    "render_verdict",
]
