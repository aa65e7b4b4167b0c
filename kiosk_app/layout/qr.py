"""The QR symbol: encoded with the `qrcode` library, drawn in whole dots with no grey.

The QR text of a Sanad document is all in the QR alphanumeric set, so it is encoded in
alphanumeric mode. Error correction Q is the default (DESIGN.md); on 58 mm paper a long
document at Q would need modules under 4 dots, which phones read badly, so `fit_qr` steps
down to M, then L, before it would shrink a module below `min_module` dots. Modules are as
large as the width allows, and the 4-module quiet zone is always kept inside the width.

Pure: builds images in memory, no I/O.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import qrcode
import qrcode.constants
import qrcode.exceptions
import qrcode.util
from PIL import Image

from kiosk_app.layout.errors import QrCapacityError

__all__ = ["QUIET_ZONE", "QrEcc", "QrSymbol", "encode_qr", "fit_qr", "symbol_image"]

QUIET_ZONE = 4  # modules of white on every side (ISO/IEC 18004)
_ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]+")


class QrEcc(enum.Enum):
    """Error correction level; the value is the share of the symbol that can be lost."""

    L = "L"  # ~7 %
    M = "M"  # ~15 %
    Q = "Q"  # ~25 %
    H = "H"  # ~30 %

    @property
    def _constant(self) -> int:
        return int(
            {
                "L": qrcode.constants.ERROR_CORRECT_L,
                "M": qrcode.constants.ERROR_CORRECT_M,
                "Q": qrcode.constants.ERROR_CORRECT_Q,
                "H": qrcode.constants.ERROR_CORRECT_H,
            }[self.value]
        )


@dataclass(frozen=True)
class QrSymbol:
    """An encoded symbol: `rows[y][x]` is True for a dark module (quiet zone not included)."""

    text: str
    ecc: QrEcc
    version: int
    rows: tuple[tuple[bool, ...], ...]

    @property
    def modules(self) -> int:
        return len(self.rows)


def _qr(text: str, ecc: QrEcc) -> qrcode.QRCode:
    if not _ALPHANUMERIC.fullmatch(text):
        raise QrCapacityError("the QR text is not in the QR alphanumeric character set")
    qr = qrcode.QRCode(error_correction=ecc._constant, border=0, box_size=1)
    qr.add_data(qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM))
    return qr


def _version(qr: qrcode.QRCode) -> int:
    try:
        return int(qr.best_fit())
    except (qrcode.exceptions.DataOverflowError, ValueError) as exc:  # ValueError: past v40
        raise QrCapacityError("the QR text is too long for any QR version") from exc


def encode_qr(text: str, ecc: QrEcc = QrEcc.Q) -> QrSymbol:
    """Encode text in alphanumeric mode at the smallest version that holds it."""
    qr = _qr(text, ecc)
    qr.version = _version(qr)
    qr.make(fit=False)
    rows = tuple(tuple(bool(m) for m in row) for row in qr.modules)
    return QrSymbol(text, ecc, int(qr.version), rows)


def _modules_of(version: int) -> int:
    return 17 + 4 * version


def fit_qr(
    text: str,
    width_dots: int,
    *,
    min_module: int = 4,
    max_module: int | None = None,
    levels: tuple[QrEcc, ...] = (QrEcc.Q, QrEcc.M, QrEcc.L),
) -> tuple[QrSymbol, int]:
    """The symbol at the strongest level in `levels` whose modules can be >= min_module dots,
    and the module size in dots: as large as fits width_dots with the quiet zone."""
    for ecc in levels:
        version = _version(_qr(text, ecc))
        module = width_dots // (_modules_of(version) + 2 * QUIET_ZONE)
        if module >= min_module:
            if max_module is not None:
                module = max(min_module, min(module, max_module))
            return encode_qr(text, ecc), module
    raise QrCapacityError(
        f"the QR text ({len(text)} characters) does not fit {width_dots} dots with modules of "
        f"{min_module} dots and a {QUIET_ZONE}-module quiet zone, even at error correction "
        f"{levels[-1].value}"
    )


def symbol_image(symbol: QrSymbol, module: int) -> Image.Image:
    """The symbol alone (no quiet zone) as a 1-bit image, each module module×module dots."""
    n = symbol.modules
    data = bytes(0 if dark else 255 for row in symbol.rows for dark in row)
    small = Image.frombytes("L", (n, n), data).convert("1", dither=Image.Dither.NONE)
    return small.resize((n * module, n * module), Image.Resampling.NEAREST)
