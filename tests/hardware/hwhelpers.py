"""Helpers shared by the hardware tests (a unique module name: no clash with other areas)."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

# the profile the emulator behaves like: native QR, GS ( H confirmation, DLE ENQ recovery
EPSON = "TM-T20II"


def receipt_image(width: int = 576, height: int = 600, seed: int = 1) -> Image.Image:
    """A 1-bit image with blocks, lines, text, blank bands and random noise."""
    rng = random.Random(seed)
    image = Image.new("1", (width, height), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, width - 9, 40), fill=0)
    for i in range(12):
        y = 60 + i * 18
        draw.text((16 + i * 3, y), f"line {i} - certificate text", fill=0)
    draw.line((0, height // 2, width - 1, height // 2), fill=0)
    for _ in range(400):  # isolated dots anywhere catch any trimming mistake
        draw.point((rng.randrange(width), rng.randrange(height // 2, height)), fill=0)
    draw.point((width - 1, height - 1), fill=0)
    return image


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and a.convert("1").tobytes() == b.convert("1").tobytes()


def load_png(path: object) -> Image.Image:
    """Open a receipt PNG and close the file at once (warnings are errors here)."""
    with Image.open(str(path)) as image:
        image.load()
        return image.copy()
