"""The office queue ticket: a checked-in booking or a walk-in → a 1-bit receipt image.

    view = QueueTicketView(label="B-007", kind="booked", late=False, office_ar=..., ...)
    paper = render_queue_ticket(view, width_dots=576)
    paper.image          # mode "1", exactly 576 dots wide, 203 dpi: print it as a raster part

The ticket is laid out by the certificate's own composer (`receipt`): the same fonts, roles,
line stacking, wrapping by ink and bidi isolation of Latin and numeric values inside Arabic
lines, so it prints on the same ESC/POS path (`hardware.job.PrintJob.of(paper.image)`).
Top to bottom: the office, the service, "queue number" and the label itself as large as the
paper and the printer path allow, the kind of ticket, how many people wait before it and the
expected wait (or that it is next), for a late booked citizen that the number is now called in
the walk-in order, when it was issued, and the advice to keep it. Both languages, the
citizen's first (`language`), as receipts do.

The label is the biggest type the printer path prints: ESC/POS's own largest text is font A
(12 × 24 dots) at eight times height (`GS !`), 192 dots; the label is set as large as fits
the printable width with its ink no taller than that, so it reads from across a waiting room
and a ticket costs no more paper than a small receipt.

Arabic counts agree with their number as Arabic grammar wants (`people_ahead`,
`expected_wait`): شخص واحد، شخصان، 3–10 أشخاص، 11–99 شخصًا، 100 شخص; Western digits, as
everywhere in Sanad. Words are plain text; the composer isolates the values when it sets an
Arabic line.

What this module does not do: read the registry or the queue (the caller passes the view),
decide the order or the wait (`registry.bookings`), talk to a printer, or import Kivy.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from hardware.layout.errors import LayoutError
from hardware.layout.fonts import FontSet, Script, default_fonts, open_font, require_raqm
from hardware.layout.receipt import (
    _GAP,
    _STYLES,
    _THRESHOLD,
    DPI,
    LangOrder,
    PaperWidth,
    _Align,
    _bilingual_pair,
    _Composer,
    _draw,
    _field,
    _Line,
    _Placing,
    _Role,
    _Run,
    _stack,
)
from hardware.layout.text import Direction, has_arabic
from verifier.presentation import DisplayField
from verifier.words import Term, format_date

__all__ = [
    "KINDS",
    "LABEL_MAX_INK_DOTS",
    "LANGUAGES",
    "QueueTicketView",
    "TicketPaper",
    "expected_wait",
    "people_ahead",
    "render_queue_ticket",
]

log = logging.getLogger(__name__)

KINDS = ("booked", "walk_in")
LANGUAGES = ("ar", "en")

# ESC/POS's largest built-in character: font A's 24 dots at GS ! eight times height.
LABEL_MAX_INK_DOTS = 192


@dataclass(frozen=True)
class QueueTicketView:
    """What a queue ticket prints, as the registry's ticket answer gives it.

    `label` is "B-007" (booked) or "W-012" (walk-in); `late` marks a booked citizen who
    checked in after the allowed time and is now called in the walk-in order; `issued_at` is
    aware and in the office's zone (the ticket prints its clock time as it is given).
    """

    label: str
    kind: str  # "booked" | "walk_in"
    late: bool
    office_ar: str
    office_latin: str
    service_ar: str
    service_latin: str
    ahead: int
    expected_wait_minutes: int
    issued_at: dt.datetime
    language: str  # "ar" | "en": which language comes first

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"ticket kind must be one of {KINDS}, not {self.kind!r}")
        if self.language not in LANGUAGES:
            raise ValueError(f"ticket language must be one of {LANGUAGES}, not {self.language!r}")
        label = self.label.strip()
        if not label or len(label) > 12 or "\n" in label or has_arabic(label):
            raise ValueError("a ticket label is 1 to 12 Latin letters, digits and signs")
        if self.ahead < 0 or self.expected_wait_minutes < 0:
            raise ValueError("people ahead and the expected wait cannot be negative")
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be aware (the office's local time)")
        if not self.office_ar.strip() or not self.service_ar.strip():
            raise ValueError("the office and the service need their Arabic names")


@dataclass(frozen=True)
class TicketPaper:
    """A laid-out queue ticket."""

    image: Image.Image  # mode "1", exactly `width_dots` wide, 203 dpi
    width_dots: int
    label_px: int  # the label's type size, in dots
    label_box: tuple[int, int, int, int]  # the label's ink in `image`: left, top, right, bottom
    dpi: int = DPI

    @property
    def height_mm(self) -> float:
        return self.image.height * 25.4 / self.dpi


# ---------------------------------------------------------------------------------------------
# Words. Impersonal, about "this number" rather than the person, so nothing needs the
# citizen's sex; counts in the case the sentence gives them.


@dataclass(frozen=True)
class _Noun:
    """An Arabic counted noun: one, two, 3-10, 11-99, and after a round hundred."""

    one: str
    two: str
    few: str
    many: str
    hundred: str


_PEOPLE = _Noun("شخص واحد", "شخصان", "أشخاص", "شخصًا", "شخص")  # nominative, after a colon
_MINUTES = _Noun("دقيقة واحدة", "دقيقتين", "دقائق", "دقيقة", "دقيقة")  # genitive, after نحو


def _counted(n: int, noun: _Noun) -> str:
    """A number and its noun as Arabic grammar counts them; the number's last two digits
    decide (103 أشخاص, 111 شخصًا, 200 شخص)."""
    if n == 1:
        return noun.one
    if n == 2:
        return noun.two
    rest = n % 100
    if 3 <= rest <= 10:
        return f"{n} {noun.few}"
    if 11 <= rest <= 99:
        return f"{n} {noun.many}"
    return f"{n} {noun.hundred}"


_QUEUE_NUMBER = Term("رقم الدور", "Queue number")
_KIND = {
    "booked": Term("موعد محجوز", "Booked appointment"),
    "walk_in": Term("دون موعد مسبق", "Walk-in"),
}
_NEXT = Term("هذا الرقم هو التالي في الدور", "You are next")
_LATE = Term(
    "سُجّل الحضور بعد وقت الموعد، فيُنادى هذا الرقم بترتيب المراجعين دون موعد.",
    "Checked in late: this number is called in the walk-in order.",
)
_KEEP = Term(
    "يرجى الاحتفاظ بهذه التذكرة ومتابعة شاشة النداء.",
    "Please keep this ticket and watch the call display.",
)
_ISSUED = Term("وقت الإصدار", "Issued")


def people_ahead(n: int) -> Term:
    """How many wait before this number (n ≥ 1; none ahead is `_NEXT`'s "you are next")."""
    if n < 1:
        raise ValueError("people_ahead counts from 1")
    return Term(
        f"في الانتظار قبل هذا الرقم: {_counted(n, _PEOPLE)}",
        f"People ahead of you: {n}",
    )


def expected_wait(minutes: int) -> Term:
    """The expected wait, in whole minutes (0: less than a minute)."""
    if minutes < 0:
        raise ValueError("a wait cannot be negative")
    if minutes == 0:
        return Term("مدة الانتظار المتوقعة: أقل من دقيقة", "Expected wait: less than a minute")
    unit = "minute" if minutes == 1 else "minutes"
    return Term(
        f"مدة الانتظار المتوقعة: نحو {_counted(minutes, _MINUTES)}",
        f"Expected wait: about {minutes} {unit}",
    )


# ---------------------------------------------------------------------------------------------
# Layout.


def _ink(
    font: ImageFont.FreeTypeFont, text: str, direction: Direction
) -> tuple[int, int, int, int]:
    """The box of the dots text really prints, relative to its origin on the baseline.

    The font's box (`getbbox`) holds the side bearings too, a few per cent of the label's
    size: the label is fitted and centred by its ink instead."""
    left, top, right, bottom = font.getbbox(text, direction=direction.value, anchor="ls")
    pad = 4
    x, y = pad - math.floor(left), pad - math.floor(top)
    canvas = Image.new(
        "L", (math.ceil(right - left) + 2 * pad, math.ceil(bottom - top) + 2 * pad), 255
    )
    ImageDraw.Draw(canvas).text(
        (x, y), text, font=font, fill=0, anchor="ls", direction=direction.value
    )
    dots = canvas.point([255 if v < _THRESHOLD else 0 for v in range(256)])
    box = dots.getbbox()
    if box is None:
        raise LayoutError("the ticket's label prints no ink")
    return box[0] - x, box[1] - y, box[2] - x, box[3] - y


def _label_font(
    c: _Composer, label: str
) -> tuple[ImageFont.FreeTypeFont, Direction, tuple[int, int, int, int]]:
    """The largest bold type whose ink fits the printable width and ESC/POS's tallest type."""
    direction = Direction.LTR  # a label is Latin letters, digits and signs (the view checks)
    path = c.fonts.path(Script.LATIN, bold=True)

    def box(size: int) -> tuple[int, int, int, int]:
        return _ink(open_font(path, size), label, direction)

    def fits(size: int) -> bool:
        left, top, right, bottom = box(size)
        return right - left <= c.avail and bottom - top <= LABEL_MAX_INK_DOTS

    lo, hi = c.style.title.en, 4 * LABEL_MAX_INK_DOTS  # the title's size always fits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return open_font(path, lo), direction, box(lo)


@dataclass(frozen=True)
class _Label:
    line: _Line
    ink: tuple[int, int, int, int]  # relative to the run's origin on the baseline
    size: int


def _big_line(c: _Composer, label: str) -> _Label:
    """The label, centred by its ink, as one line of its own."""
    font, direction, box = _label_font(c, label)
    size = round(font.size)
    placing = _Placing(_Run(label, font, direction, 0), box, round(size * 1.1))
    c._put(placing, _Align.CENTER)
    line = _Line(runs=[placing.run], pitch=placing.pitch, ink_top=box[1], ink_bottom=box[3])
    c.blocks.append(line)
    return _Label(line, box, size)


def _both(c: _Composer, term: Term, role: _Role, order: LangOrder, align: _Align | None) -> None:
    for text in _bilingual_pair(term.ar, term.en, order):
        c.paragraph(text, role, align)


def _names(c: _Composer, ar: str, latin: str, role: _Role, order: LangOrder) -> None:
    """A name in Arabic and, where there is one, Latin letters, each centred."""
    latin = " ".join(latin.split())
    for text in _bilingual_pair(ar, latin, order) if latin else [ar]:
        c.paragraph(text, role, _Align.CENTER)


def _compose(c: _Composer, view: QueueTicketView, order: LangOrder) -> _Label:
    s = c.style
    _names(c, view.office_ar, view.office_latin, s.header, order)
    c.space(3)
    c.rule(2)
    c.space(2)
    _names(c, view.service_ar, view.service_latin, s.title, order)
    c.space(6)
    c.pair(_QUEUE_NUMBER.en, _QUEUE_NUMBER.ar, s.label, right_first=order is LangOrder.AR_FIRST)
    c.space(4)
    label = _big_line(c, view.label.strip())
    c.space(6)
    kind = _KIND[view.kind]
    c.pair(kind.en, kind.ar, s.label, right_first=order is LangOrder.AR_FIRST)
    c.space(3)
    c.rule(1)
    c.space(4)
    if view.ahead == 0:
        _both(c, _NEXT, s.value, order, _Align.CENTER)
    else:
        _both(c, people_ahead(view.ahead), s.value, order, None)
        c.space(4)
        _both(c, expected_wait(view.expected_wait_minutes), s.value, order, None)
    if view.late:
        c.space(6)
        _both(c, _LATE, s.note, order, None)
    c.space(4)
    c.rule(1)
    c.space(4)
    local = view.issued_at  # already the office's time: printed as given, never converted
    when = f"{format_date(local.date())} {local:%H:%M}"
    _field(c, DisplayField("issued_at", _ISSUED.ar, _ISSUED.en, when, when), order)
    c.space(6)
    _both(c, _KEEP, s.note, order, _Align.CENTER)
    return label


def render_queue_ticket(
    view: QueueTicketView, *, width_dots: int, fonts: FontSet | None = None
) -> TicketPaper:
    """Lay out a queue ticket as a 1-bit image `width_dots` (384 or 576) wide.

    Raises LayoutError for another width, and its subclasses TextEngineError (no raqm) and
    FontNotFoundError.
    """
    try:
        paper = PaperWidth(width_dots)
    except ValueError:
        raise LayoutError(
            f"paper width must be 384 (58 mm) or 576 (80 mm) dots, not {width_dots}"
        ) from None
    require_raqm()
    style = _STYLES[paper]
    order = LangOrder.AR_FIRST if view.language == "ar" else LangOrder.EN_FIRST
    composer = _Composer(int(paper), style, fonts or default_fonts())
    label = _compose(composer, view, order)
    placed, bottom = _stack(composer.blocks, top=style.margin - _GAP)
    height = bottom + style.margin
    image, _ = _draw(placed, int(paper), height, style.margin)
    image.info["dpi"] = (DPI, DPI)
    baseline = next(p.y for p in placed if p.block is label.line)
    x = label.line.runs[0].x
    ink_left, ink_top, ink_right, ink_bottom = label.ink
    box = (x + ink_left, baseline + ink_top, x + ink_right, baseline + ink_bottom)
    log.debug("rendered a %s queue ticket: %d dots wide, %d high", view.kind, paper, height)
    return TicketPaper(image=image, width_dots=int(paper), label_px=label.size, label_box=box)
