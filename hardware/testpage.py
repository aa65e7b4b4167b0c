"""The technician's test page as a ``PrintJob``: ruler, grey steps, Arabic and Latin text, a QR.

Text is shaped with Pillow's raqm layout engine (Arabic joined and laid out right to left);
fonts are Amiri for Arabic and DejaVu Sans for Latin, found in the usual Debian places, with
Pillow's built-in font as a last resort (then Arabic will not shape: the page says so).
"""

from __future__ import annotations

import datetime as dt
import os

from PIL import Image, ImageDraw, ImageFont

from hardware.job import Align, ErrorCorrection, FeedPart, PrintJob, QrPart, RasterPart

__all__ = ["ARABIC_LINE", "build_test_page", "find_font"]

ARABIC_LINE = "صفحة اختبار الطابعة — مركز خدمة المواطن"
LATIN_LINE = "Printer test page - citizen service centre"

_FONT_DIRS = (
    "/usr/share/fonts/opentype/fonts-hosny-amiri",
    "/usr/share/fonts/truetype/fonts-hosny-amiri",
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
)


def find_font(names: tuple[str, ...]) -> str | None:
    for directory in _FONT_DIRS:
        for name in names:
            path = os.path.join(directory, name)
            if os.path.exists(path):
                return path
    return None


def _font(names: tuple[str, ...], size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = find_font(names)
    if path is None:
        return ImageFont.load_default()
    layout = ImageFont.Layout.RAQM if ImageFont.core.HAVE_RAQM else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, size, layout_engine=layout)


def _ruler(width: int) -> Image.Image:
    image = Image.new("1", (width, 48), 1)
    draw = ImageDraw.Draw(image)
    small = _font(("DejaVuSans.ttf",), 14)
    for x in range(0, width, 8):
        height = 24 if x % 80 == 0 else (14 if x % 40 == 0 else 6)
        draw.line((x, 0, x, height), fill=0)
        if x % 80 == 0 and 0 < x < width - 40:
            draw.text((x + 2, 26), str(x), font=small, fill=0)
    draw.line((width - 1, 0, width - 1, 30), fill=0)
    draw.line((0, 0, width - 1, 0), fill=0)
    return image


def _grey_steps(width: int, steps: int = 8) -> Image.Image:
    grey = Image.new("L", (width, 64), 255)
    draw = ImageDraw.Draw(grey)
    step_width = width // steps
    for i in range(steps):
        level = round(255 * i / (steps - 1))
        draw.rectangle((i * step_width, 0, (i + 1) * step_width - 1, 63), fill=level)
    image = grey.convert("1", dither=Image.Dither.FLOYDSTEINBERG)
    ImageDraw.Draw(image).rectangle((0, 0, steps * step_width - 1, 63), outline=0)
    return image


def _text(width: int, profile: str, url_label: str) -> Image.Image:
    image = Image.new("1", (width, 220), 1)
    draw = ImageDraw.Draw(image)
    arabic = _font(("Amiri-Regular.ttf", "DejaVuSans.ttf"), 34)
    size = 34
    while size > 16 and draw.textlength(ARABIC_LINE, font=arabic) > width - 16:
        size -= 2
        arabic = _font(("Amiri-Regular.ttf", "DejaVuSans.ttf"), size)
    latin = _font(("DejaVuSans.ttf",), 24)
    small = _font(("DejaVuSans.ttf",), 18)
    right = width - 8
    box = draw.textbbox((0, 0), ARABIC_LINE, font=arabic, direction="rtl")
    draw.text((right - box[2], 4), ARABIC_LINE, font=arabic, fill=0, direction="rtl")
    draw.text((8, 70), LATIN_LINE, font=latin, fill=0)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    draw.text((8, 110), f"{width} dots · {profile}", font=small, fill=0)
    draw.text((8, 140), url_label[:48], font=small, fill=0)
    draw.text((8, 170), now, font=small, fill=0)
    return image


def build_test_page(width_dots: int, profile: str = "default", url_label: str = "") -> PrintJob:
    """The whole page; the QR is a ``QrPart`` so native QR is tested where supported."""
    return PrintJob(
        (
            RasterPart(_ruler(width_dots)),
            FeedPart(12),
            RasterPart(_grey_steps(width_dots)),
            FeedPart(12),
            RasterPart(_text(width_dots, profile, url_label)),
            QrPart(
                "SANAD TEST PAGE " + str(width_dots),
                module_dots=6,
                error_correction=ErrorCorrection.Q,
                align=Align.CENTER,
            ),
            FeedPart(24),
        ),
        label="test-page",
    )
