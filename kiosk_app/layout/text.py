"""Line breaking for bidirectional text, measured with the real shaped font.

Pillow wraps nothing, and a left-to-right wrapper breaks Arabic wrongly: it must break the
*logical* text by words, measure each candidate line as raqm will shape and order it, and
let raqm reorder each line on its own with the paragraph's base direction (right to left for
the Arabic side, left to right for the Latin side). That is what `wrap` does. A word wider
than the line (a URL, a pathological name) is cut by characters, with a zero-width joiner
at the cut when both sides are Arabic letters, so each half keeps its joining form.

Pure: measures with a given font, draws nothing.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable

from PIL import ImageFont

__all__ = ["Direction", "Measure", "has_arabic", "isolate_numbers", "measure", "wrap"]

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_ZWJ = "\u200d"
_LRI, _PDI = "\u2066", "\u2069"
# A number with its inner separators: 2018-10-05, 09:41:07, 1437/2015, 3.5
_NUMBER = re.compile(r"[0-9]+(?:[-/:.][0-9]+)*")


class Direction(enum.Enum):
    """A paragraph's base direction, as raqm's `direction` argument spells it."""

    LTR = "ltr"
    RTL = "rtl"


Measure = Callable[[str, ImageFont.FreeTypeFont, "Direction"], float]


def has_arabic(text: str) -> bool:
    return _ARABIC.search(text) is not None


def measure(text: str, font: ImageFont.FreeTypeFont, direction: Direction) -> float:
    """The advance width of one line, shaped and ordered by raqm."""
    return font.getlength(text, direction=direction.value)


def isolate_numbers(text: str) -> str:
    """Wrap in a left-to-right isolate (LRI … PDI) every number that follows Arabic.

    In a right-to-left paragraph the Unicode bidi algorithm (rule W2) turns a European number
    whose nearest preceding letter is Arabic into an Arabic number, and a run of those with
    separators reads backwards: "أنثى — 2018-10-05" would show 05-10-2018, yet the same date
    at the start of the next line would show 2018-10-05. An isolate keeps every such date,
    time and record number reading as the Latin side (and the verifier) print it. Numbers
    after a Latin letter (a serial like BI26-0100, a URL) already read left to right and are
    left alone: isolating them would split a Latin run. The marks take no width.
    """
    out: list[str] = []
    last = 0
    for m in _NUMBER.finditer(text):
        before = next((c for c in reversed(text[: m.start()]) if c.isalpha()), "")
        if before and not _ARABIC.match(before):
            continue
        out += [text[last : m.start()], _LRI, m.group(0), _PDI]
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _joins(a: str, b: str) -> bool:
    return bool(_ARABIC.match(a)) and bool(_ARABIC.match(b))


def _cut_word(
    word: str,
    font: ImageFont.FreeTypeFont,
    width: float,
    direction: Direction,
    measure: Measure,
) -> list[str]:
    """A word too wide for a line, cut into pieces that each fit."""
    pieces: list[str] = []
    rest = word
    while rest:
        if measure(rest, font, direction) <= width:
            pieces.append(rest)
            break
        lo, hi = 1, len(rest) - 1  # the longest prefix that fits (at least one character)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            head = rest[:mid] + (_ZWJ if _joins(rest[mid - 1], rest[mid]) else "")
            if measure(head, font, direction) <= width:
                lo = mid
            else:
                hi = mid - 1
        head, rest = rest[:lo], rest[lo:]
        if _joins(head[-1], rest[0]):
            head, rest = head + _ZWJ, _ZWJ + rest
        pieces.append(head)
    return pieces


def wrap(
    text: str,
    font: ImageFont.FreeTypeFont,
    width: float,
    direction: Direction,
    *,
    measure: Measure = measure,
) -> list[str]:
    """Break text into lines no wider than width; "\\n" starts a new paragraph.

    Words are joined greedily in logical order; each returned line is a logical string
    for raqm to shape and reorder with the same base direction. `measure` gives a line's
    width (default: its advance; the layout passes its ink width).
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            continue
        current: list[str] = []
        for word in words:
            candidate = " ".join([*current, word])
            if measure(candidate, font, direction) <= width:
                current.append(word)
                continue
            if current:
                lines.append(" ".join(current))
                current = []
            if measure(word, font, direction) <= width:
                current = [word]
            else:
                *full, last = _cut_word(word, font, width, direction, measure)
                lines.extend(full)
                current = [last]
        if current:
            lines.append(" ".join(current))
    return lines
