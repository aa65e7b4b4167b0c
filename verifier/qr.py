"""QR codes: make one from a QR text, and find the QR texts in a photo or scan (zxing-cpp).

`make_qr_matrix` is what layouts and benchmarks use to size a code (ECC Q by default,
alphanumeric mode, which every Sanad QR text fits). `decode_image` reads every QR code in an
image; it does not verify anything. `normalise_qr_text` readies a typed or scanned text.
The imaging libraries are imported when first needed, so the CLI's `check` of a text does not
load them.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import qrcode
    from PIL import Image

__all__ = [
    "ECC",
    "ImageError",
    "decode_image",
    "make_qr",
    "normalise_qr_text",
    "qr_version",
    "upper_cased",
]

ECC = {"L": 1, "M": 0, "Q": 3, "H": 2}  # qrcode.constants.ERROR_CORRECT_*
MAX_IMAGE_PIXELS = 40_000_000


class ImageError(ValueError):
    """The file is not an image this decoder can read (or is too large)."""


def normalise_qr_text(text: str) -> str:
    """A QR text as typed or scanned, without surrounding ASCII whitespace (the format strips
    nothing else: docs/format.md §1.1; a Unicode space before the prefix stays and is refused).
    Letter case is left alone: `verifier.scanner.verify_typed` handles Caps Lock."""
    return text.strip(" \t\r\n")


def upper_cased(text: str) -> str | None:
    """text with its ASCII letters upper-cased, or None if it has none in lower case. Base45
    and the prefix have no lower-case letters, so this is what was printed when the text
    was typed with Caps Lock on (or sent by a scanner set to lower case)."""
    if not any("a" <= c <= "z" for c in text):
        return None
    return "".join(c.upper() if "a" <= c <= "z" else c for c in text)


def make_qr(text: str, ecc: str = "Q", border: int = 4) -> qrcode.QRCode:
    """A fitted QR code for text in alphanumeric mode."""
    import qrcode
    from qrcode.util import MODE_ALPHA_NUM, QRData

    qr = qrcode.QRCode(error_correction=ECC[ecc], border=border, box_size=1)
    qr.add_data(QRData(text, mode=MODE_ALPHA_NUM))
    qr.make(fit=True)
    return qr


def qr_version(text: str, ecc: str = "Q") -> int:
    return int(make_qr(text, ecc).version)


def _open(source: str | Path | bytes | Image.Image) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    if isinstance(source, Image.Image):
        return source
    try:
        img = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
        if img.width * img.height > MAX_IMAGE_PIXELS:
            raise ImageError(f"image has {img.width * img.height} pixels, over {MAX_IMAGE_PIXELS}")
        img.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ImageError(f"not a readable image: {exc}") from exc
    return img


def decode_image(source: str | Path | bytes | Image.Image) -> list[str]:
    """Every QR text found in the image, in reading order (empty if none)."""
    from PIL import Image, ImageOps

    img = ImageOps.exif_transpose(_open(source)).convert("L")
    found = _read(img)
    if not found and max(img.size) < 1200:
        # Small, soft photos decode better enlarged; one retry is cheap and bounded.
        found = _read(img.resize((img.width * 2, img.height * 2), Image.Resampling.LANCZOS))
    return found


def _read(img: Image.Image) -> list[str]:
    import zxingcpp

    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [r.text for r in zxingcpp.read_barcodes(img, formats=formats)]
