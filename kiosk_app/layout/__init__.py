"""Certificate layout: a verified document → a 1-bit receipt image, PNG preview and A4 PDF.

    from kiosk_app.layout import render_verdict, preview_png, pdf_a4
    receipt = render_verdict(verdict, qr_text, width_dots=576, verifier_url=url)
    receipt.image            # mode "1", exactly 576 dots wide, 203 dpi
    receipt.above, receipt.qr, receipt.below   # for printing the QR natively

No Kivy and no printer here: the kiosk turns `Receipt` into the hardware package's job.
"""

from __future__ import annotations

from kiosk_app.layout.errors import (
    FontNotFoundError,
    LayoutError,
    NotVerifiedError,
    QrCapacityError,
    TextEngineError,
)
from kiosk_app.layout.export import pdf_a4, preview_png
from kiosk_app.layout.fonts import FontSet, default_fonts
from kiosk_app.layout.qr import QrEcc
from kiosk_app.layout.receipt import (
    DPI,
    LangOrder,
    PaperWidth,
    QrPart,
    Receipt,
    TextRole,
    render_receipt,
    render_text,
    render_verdict,
)

__all__ = [
    "DPI",
    "FontNotFoundError",
    "FontSet",
    "LangOrder",
    "LayoutError",
    "NotVerifiedError",
    "PaperWidth",
    "QrCapacityError",
    "QrEcc",
    "QrPart",
    "Receipt",
    "TextEngineError",
    "TextRole",
    "default_fonts",
    "pdf_a4",
    "preview_png",
    "render_receipt",
    "render_text",
    "render_verdict",
]
