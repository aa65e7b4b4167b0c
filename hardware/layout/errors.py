"""Exceptions raised by the certificate layout.

    LayoutError                 the document cannot be laid out as asked
    ├── TextEngineError         Pillow has no raqm layout engine (libraqm0 / libfribidi0 missing)
    ├── FontNotFoundError       no font covering Arabic and Latin was found
    ├── QrCapacityError         the QR text does not fit the paper at the smallest module size
    └── NotVerifiedError        asked to print a verdict that is not VALID, or claims that are
                                not what the QR text signs

Exit codes are the CLI's business (`render_command`), not these classes'.
"""

from __future__ import annotations

__all__ = [
    "FontNotFoundError",
    "LayoutError",
    "NotVerifiedError",
    "QrCapacityError",
    "TextEngineError",
]


class LayoutError(Exception):
    """Root of the layout's exceptions."""


class TextEngineError(LayoutError):
    pass


class FontNotFoundError(LayoutError):
    pass


class QrCapacityError(LayoutError):
    pass


class NotVerifiedError(LayoutError):
    pass
