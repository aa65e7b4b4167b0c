"""Line breaking for bidirectional text, measured with the real shaped font: the one
word-wrapper of the project, for the paper and (through `kiosk_app.i18n.text`) the kiosk screen.

A left-to-right wrapper breaks Arabic wrongly: text must be broken in its *logical* order, by
words, each candidate line measured as it will be shaped and ordered, and each line then
reordered on its own with the paragraph's base direction (right to left for the Arabic side,
left to right for the Latin side). `break_lines` does that for any measure (a `fits` test);
`wrap` is it for Pillow with raqm. A word wider than the line (a URL, a pathological name) is
cut by characters; on paper with a zero-width joiner at the cut when both sides are Arabic
letters, so each half keeps its joining form.

Pure: measures with what it is given, draws nothing.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable

from PIL import ImageFont

__all__ = ["Direction", "Fits", "Measure", "break_lines", "has_arabic", "measure", "wrap"]

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_ZWJ = "\u200d"


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


def _joins(a: str, b: str) -> bool:
    return bool(_ARABIC.match(a)) and bool(_ARABIC.match(b))


Fits = Callable[[str], bool]


def _cut_word(word: str, fits: Fits, joiner: bool) -> list[str]:
    """A word too wide for a line, cut into pieces that each fit (at least one character)."""
    pieces: list[str] = []
    rest = word
    while rest:
        if fits(rest):
            pieces.append(rest)
            break
        lo, hi = 1, len(rest) - 1  # the longest prefix that fits (at least one character)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            head = rest[:mid] + (_ZWJ if joiner and _joins(rest[mid - 1], rest[mid]) else "")
            if fits(head):
                lo = mid
            else:
                hi = mid - 1
        head, rest = rest[:lo], rest[lo:]
        if joiner and _joins(head[-1], rest[0]):
            head, rest = head + _ZWJ, _ZWJ + rest
        pieces.append(head)
    return pieces


def break_lines(
    text: str, fits: Fits, *, joiner: bool = False, blank_lines: bool = False
) -> list[str]:
    """Break text into logical-order lines that each `fits`; "\\n" starts a new paragraph.

    Words are joined greedily in logical order. `joiner` puts a zero-width joiner at a cut
    inside an Arabic word (for a shaper that honours it, like raqm); `blank_lines` keeps an
    empty line for an empty paragraph (a screen label's spacing) instead of dropping it.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            if blank_lines:
                lines.append("")
            continue
        whole = " ".join(words)
        if fits(whole):  # most values and labels: one measure instead of one per word
            lines.append(whole)
            continue
        current: list[str] = []
        for word in words:
            if fits(" ".join([*current, word])):
                current.append(word)
                continue
            if current:
                lines.append(" ".join(current))
                current = []
            if fits(word):
                current = [word]
            else:
                *full, last = _cut_word(word, fits, joiner)
                lines.extend(full)
                current = [last]
        lines.append(" ".join(current))
    return lines


def wrap(
    text: str,
    font: ImageFont.FreeTypeFont,
    width: float,
    direction: Direction,
    *,
    measure: Measure = measure,
) -> list[str]:
    """Break text into lines no wider than width, as raqm shapes it; "\\n" starts a new
    paragraph. Each returned line is a logical string for raqm to shape and reorder with the
    same base direction. `measure` gives a line's width (default: its advance; the layout
    passes its ink width)."""
    return break_lines(text, lambda line: measure(line, font, direction) <= width, joiner=True)
