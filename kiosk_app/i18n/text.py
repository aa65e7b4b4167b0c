"""Arabic and mixed text for a toolkit that knows neither shaping nor right-to-left (Kivy).

Kivy draws code points left to right, one glyph each. So a right-to-left line is prepared here:
`arabic_reshaper` picks the joined presentation form of each letter, and python-bidi's
`get_display` reorders the line into visual order (Latin serials and digits inside Arabic stay
readable). Lines are wrapped *before* that, on the logical text, measuring each candidate in
its shaped form, because a reordered paragraph cannot be cut into lines afterwards: its first
visual line would be the end of the sentence.

What this module does not do: draw, pick fonts or know about Kivy. `measure` is any function
giving the drawn width of a (shaped) line, so the tests measure with Pillow and the app with
Kivy's CoreLabel. The font must cover Arabic presentation forms (DejaVu Sans does).
"""

from __future__ import annotations

import functools
import importlib
import unicodedata
from collections.abc import Callable

import arabic_reshaper
from bidi.algorithm import get_display

from kiosk_app.layout.text import break_lines

__all__ = ["Measure", "has_rtl", "layout", "shape_line", "wrap"]

Measure = Callable[[str], float]


@functools.cache
def _reshaper() -> arabic_reshaper.ArabicReshaper:
    # Only the lam-alef ligatures are obligatory in Arabic and present in common UI fonts; the
    # word ligatures (Allah, Mohammad, the rial sign) would be drawn as missing glyphs by
    # DejaVu Sans, so letters stay letters.
    ligatures = importlib.import_module("arabic_reshaper.ligatures").LIGATURES
    config = {name: "LAM WITH ALEF" in name and "MAKSURA" not in name for name, _ in ligatures}
    config["support_ligatures"] = True
    return arabic_reshaper.ArabicReshaper(configuration=config)


def has_rtl(text: str) -> bool:
    """True if any character is a right-to-left letter (Arabic, Hebrew...)."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


@functools.lru_cache(maxsize=8192)
def shape_line(text: str, rtl: bool | None = None) -> str:
    """One line in visual order with joined Arabic letters, ready to draw left to right.

    `rtl` is the paragraph direction (the language's); None guesses it from the text.
    """
    if rtl is None:
        rtl = has_rtl(text)
    if not has_rtl(text):
        return text
    return str(get_display(_reshaper().reshape(text), base_dir="R" if rtl else "L"))


def wrap(text: str, width: float, measure: Measure, rtl: bool | None = None) -> list[str]:
    """Logical-order lines of `text` whose shaped form is at most `width` wide.

    Explicit newlines are kept; a word too long for a line is cut between characters. The
    breaking itself is the paper's (`kiosk_app.layout.text.break_lines`): one wrapper.
    """
    return break_lines(
        text, lambda candidate: measure(shape_line(candidate, rtl)) <= width, blank_lines=True
    )


def layout(text: str, width: float, measure: Measure, rtl: bool | None = None) -> str:
    """Wrapped and shaped text, lines joined by newlines, for a label that must not wrap again."""
    return "\n".join(shape_line(line, rtl) for line in wrap(text, width, measure, rtl))
