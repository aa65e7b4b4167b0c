"""What a phone photo does to a printed receipt, as image operations with stated strengths.

Shared by the scannability tests and bench/layout.py; each function takes and returns a
greyscale image. Strengths: downscale to 150 dpi (from 203), Gaussian blur of radius 1 pixel
at that resolution (about 0.17 mm), 5° rotation, JPEG quality 60, and a light falling from
100 % at one corner to 45 % at the opposite one.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageChops, ImageFilter

PRINT_DPI = 203
PHOTO_DPI = 150
BLUR_RADIUS = 1.0
ROTATION_DEGREES = 5.0
JPEG_QUALITY = 60
DARKEST = 0.45  # the far corner gets this share of the light


def downscale(image: Image.Image, dpi: int = PHOTO_DPI) -> Image.Image:
    f = dpi / PRINT_DPI
    size = (max(1, round(image.width * f)), max(1, round(image.height * f)))
    return image.convert("L").resize(size, Image.Resampling.BILINEAR, reducing_gap=None)


def blur(image: Image.Image, radius: float = BLUR_RADIUS) -> Image.Image:
    return image.convert("L").filter(ImageFilter.GaussianBlur(radius))


def rotate(image: Image.Image, degrees: float = ROTATION_DEGREES) -> Image.Image:
    return image.convert("L").rotate(
        degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
    )


def jpeg(image: Image.Image, quality: int = JPEG_QUALITY) -> Image.Image:
    out = io.BytesIO()
    image.convert("L").save(out, format="JPEG", quality=quality)
    out.seek(0)
    with Image.open(out) as reread:
        return reread.convert("L")


def uneven_light(image: Image.Image, darkest: float = DARKEST) -> Image.Image:
    """Multiply by a diagonal ramp of light: 1.0 at the top left, `darkest` at the bottom right."""
    grey = image.convert("L")
    w, h = grey.size
    small = Image.new("L", (64, 64))
    small.putdata(
        [round(255 * (1 - (1 - darkest) * (x + y) / 126)) for y in range(64) for x in range(64)]
    )
    light = small.resize((w, h), Image.Resampling.BILINEAR)
    return ImageChops.multiply(grey, light)


def phone_photo(image: Image.Image) -> Image.Image:
    """All of them, in the order a camera applies them."""
    return jpeg(uneven_light(rotate(blur(downscale(image)))))


DEGRADATIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "150dpi": downscale,
    "150dpi+blur": lambda im: blur(downscale(im)),
    "rotate5": rotate,
    "jpeg60": jpeg,
    "uneven-light": uneven_light,
    "all": phone_photo,
}
