"""Arabic and mixed text for a toolkit that knows neither shaping nor right-to-left (Kivy).

Kivy draws code points left to right, one glyph each. So a right-to-left line is prepared here:
`arabic_reshaper` picks the joined presentation form of each letter, and python-bidi's
`get_display` reorders the line into visual order and mirrors brackets. Every Latin or numeric
value set into a sentence is wrapped in FSI…PDI (`isolate`; the catalogues do it for each
placeholder), so "B26-0000001-8" keeps its order inside Arabic. python-bidi's algorithm that
mirrors (`bidi.algorithm`) predates the isolates, so each isolate becomes the embedding of its
first strong direction (LRE or RLE … PDF) before reordering; the newer one knows isolates but
does not mirror, and "(أنت)" would show as ")أنت(". The controls are dropped after reordering
(fonts have no glyph for them).
Diacritics are kept (arabic-reshaper deletes them by default, which changes meanings: "تُصدر"
is not "تَصدر"), in their logical place, where DejaVu Sans draws them over their letter.
Lines are wrapped *before* that, on the logical text, measuring each candidate in
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

from hardware.layout.text import break_lines
from verifier import words

__all__ = ["FSI", "PDI", "Measure", "has_rtl", "isolate", "layout", "shape_line", "wrap"]

Measure = Callable[[str], float]

FSI, PDI = words.FSI, words.PDI  # the contract's one definition
# bidi controls: they steer the reordering, then go (no font draws them)
_CONTROLS = dict.fromkeys(
    map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e")
)


_LRE, _RLE, _PDF = "\u202a", "\u202b", "\u202c"


def _embed_isolates(text: str) -> str:
    """FSI…PDI as the embedding of the isolate's first strong direction."""
    if FSI not in text:
        return text.replace(PDI, "")  # a line cut from the middle of an isolated value
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == FSI:
            end = text.find(PDI, i + 1)
            inner = text[i + 1 :] if end < 0 else text[i + 1 : end]
            first = next(
                (unicodedata.bidirectional(c) for c in inner
                 if unicodedata.bidirectional(c) in ("L", "R", "AL")),
                "L",
            )  # fmt: skip
            out.append(_LRE if first == "L" else _RLE)
            out.append(_embed_isolates(inner))
            out.append(_PDF)
            i = len(text) if end < 0 else end + 1
            continue
        out.append("" if ch == PDI else ch)
        i += 1
    return "".join(out)


def isolate(value: str) -> str:
    """`value` as one unit inside a sentence of either direction (FSI…PDI)."""
    if not value or (value.startswith(FSI) and value.endswith(PDI)):
        return value
    return words.isolate(value)


@functools.cache
def _reshaper() -> arabic_reshaper.ArabicReshaper:
    # Only the lam-alef ligatures are obligatory in Arabic and present in common UI fonts; the
    # word ligatures (Allah, Mohammad, the rial sign) would be drawn as missing glyphs by
    # DejaVu Sans, so letters stay letters.
    ligatures = importlib.import_module("arabic_reshaper.ligatures").LIGATURES
    config = {name: "LAM WITH ALEF" in name and "MAKSURA" not in name for name, _ in ligatures}
    config["support_ligatures"] = True
    # keep the harakat, where they are: "أُدخل" and "أدخل" are an order and its opposite
    config["delete_harakat"] = False
    config["shift_harakat_position"] = False
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
        return text.translate(_CONTROLS)
    shown = get_display(_reshaper().reshape(_embed_isolates(text)), base_dir="R" if rtl else "L")
    return str(shown).translate(_CONTROLS)


def wrap(text: str, width: float, measure: Measure, rtl: bool | None = None) -> list[str]:
    """Logical-order lines of `text` whose shaped form is at most `width` wide.

    Explicit newlines are kept; a word too long for a line is cut between characters. The
    breaking itself is the paper's (`hardware.layout.text.break_lines`): one wrapper.
    """
    return break_lines(
        text, lambda candidate: measure(shape_line(candidate, rtl)) <= width, blank_lines=True
    )


def layout(text: str, width: float, measure: Measure, rtl: bool | None = None) -> str:
    """Wrapped and shaped text, lines joined by newlines, for a label that must not wrap again."""
    return "\n".join(shape_line(line, rtl) for line in wrap(text, width, measure, rtl))
