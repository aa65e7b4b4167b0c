"""The PIN mailer: a slip printed at the office counter with a citizen's new PIN.

`render_mailer` lays the slip out as a 1-bit image exactly the paper's width (the kiosk's own
text setter, `hardware.layout.render_text`, so Arabic is shaped and right to left as on the
certificates): the authority's name, the office, the citizen's name and national number, the
PIN in large digits, and the words to keep it secret and how to change it, in Arabic and
English. `print_mailer` prints it on the counter's receipt printer, the one certificates are
printed on (`[counter_printer]`, `registry.counter_paper.CounterPrinter`): "emulator" writes
each slip as an owner-only PNG into `DATA/counter-printer/`; anything else is a printer URL.

A failed print raises `MailerNotPrinted` (a bilingual `Refused`) naming what to fix: the
caller (`registry.enrolment`) has not committed, so the PIN's hash goes with the PIN.

What it does not do: keep the PIN, log it, or retry (the clerk resets again).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from hardware.job import FailureReason
from registry.config import DataDir, Settings
from registry.counter_paper import CounterPrinter, CounterPrinterError, failure_words
from registry.office.errors import Refusal, Refused
from verifier.documents import Bilingual

__all__ = ["Mailer", "MailerNotPrinted", "print_mailer", "render_mailer"]

log = logging.getLogger(__name__)

JOB_TIMEOUT = 30.0

TITLE = ("رقمك السري للخدمة الذاتية", "Your kiosk PIN")
KEEP_SECRET = (
    "هذا رقمك السري لأجهزة الخدمة الذاتية. احفظه ولا تُطلع عليه أحدًا، فلن يطلبه منك أي موظف."
    " أتلف هذه الورقة بعد حفظه.",
    "This is your PIN for the self-service kiosks. Keep it secret and show it to no one: no"
    " member of staff will ever ask for it. Destroy this slip once you know it by heart.",
)
CHANGE_IT = (
    "إن ظننت أن أحدًا عرفه فراجع أي مكتب للأحوال المدنية ومعك بطاقتك الشخصية لتغييره.",
    "If you think someone else knows it, visit any civil status office with your identity card"
    " to change it.",
)


@dataclass(frozen=True)
class Mailer:
    """What a PIN mailer says (the PIN is kept out of the repr)."""

    authority: Bilingual
    office: Bilingual
    name_ar: str
    name_latin: str | None
    national_id: str
    issued_on: dt.date
    pin: str = field(repr=False)


class MailerNotPrinted(Refused):
    """The office printer did not print the mailer; nothing was stored."""

    def __init__(self, reason: FailureReason | None) -> None:
        ar, en = failure_words(reason.value if reason else None)
        super().__init__(
            Refusal(
                "printer_failed",
                f"تعذّرت طباعة ورقة الرقم السري ({ar})، فلم يُحفظ أي رقم سري. أصلح الطابعة ثم"
                " أعد المحاولة، وأتلف أي ورقة خرجت ناقصة.",
                f"The PIN mailer could not be printed ({en}), so no PIN was saved. Fix the"
                " printer and try again; destroy any slip that came out part-printed.",
            )
        )
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# the slip


def _stack(images: list[Image.Image], width: int, gap: int) -> Image.Image:
    height = sum(i.height for i in images) + gap * (len(images) - 1)
    out = Image.new("1", (width, height), 1)
    y = 0
    for image in images:
        out.paste(image, (0, y))
        y += image.height + gap
    return out


def _pin_digits(pin: str, width: int) -> Image.Image:
    """The PIN in large, spaced digits, left to right, inside a box (it is read aloud)."""
    from hardware.layout.fonts import Script, default_fonts, open_font

    font = open_font(default_fonts().path(Script.LATIN, True), 64 if width >= 576 else 48)
    text = " ".join(pin)
    probe = ImageDraw.Draw(Image.new("1", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
    pad = 14
    box_w, box_h = int(right - left) + 2 * pad, int(bottom - top) + 2 * pad
    image = Image.new("1", (width, box_h + 8), 1)
    draw = ImageDraw.Draw(image)
    x0 = (width - box_w) // 2
    draw.rectangle((x0, 2, x0 + box_w, 2 + box_h), outline=0, width=3)
    draw.text((x0 + pad - left, 2 + pad - top), text, font=font, fill=0)
    return image


def _rule(width: int) -> Image.Image:
    image = Image.new("1", (width, 10), 1)
    ImageDraw.Draw(image).rectangle((8, 4, width - 8, 5), fill=0)
    return image


def render_mailer(m: Mailer, *, width_dots: int = 576) -> Image.Image:
    """The mailer as a 1-bit image `width_dots` wide (384 or 576), Arabic first."""
    from hardware.layout import TextRole, render_text

    def text(value: str, role: TextRole) -> Image.Image:
        return render_text(value, width_dots=width_dots, role=role)

    parts = [
        text(m.authority.ar, TextRole.HEADER),
        *([text(m.authority.latin, TextRole.HEADER)] if m.authority.latin else []),
        text(m.office.ar, TextRole.LABEL),
        *([text(m.office.latin, TextRole.LABEL)] if m.office.latin else []),
        _rule(width_dots),
        text(TITLE[0], TextRole.TITLE),
        text(TITLE[1], TextRole.TITLE),
        text(m.name_ar, TextRole.VALUE),
        *([text(m.name_latin, TextRole.VALUE)] if m.name_latin else []),
        text(f"الرقم الوطني: {m.national_id}", TextRole.LABEL),
        text(f"National number: {m.national_id}", TextRole.LABEL),
        _pin_digits(m.pin, width_dots),
        text(KEEP_SECRET[0], TextRole.NOTE),
        text(CHANGE_IT[0], TextRole.NOTE),
        _rule(width_dots),
        text(KEEP_SECRET[1], TextRole.NOTE),
        text(CHANGE_IT[1], TextRole.NOTE),
        text(m.issued_on.isoformat(), TextRole.LABEL),
    ]
    return _stack(parts, width_dots, gap=4)


# ---------------------------------------------------------------------------------------------
# the printer


def print_mailer(
    m: Mailer, settings: Settings, data: DataDir, *, timeout: float = JOB_TIMEOUT
) -> None:
    """Print the mailer on the counter's printer, or raise `MailerNotPrinted`."""
    printer = CounterPrinter(settings.counter_printer, data)
    printer.job_timeout = timeout
    image = render_mailer(m, width_dots=printer.width_dots)
    try:
        printer.print_image(image, "pin-mailer")
    except CounterPrinterError as exc:
        reason = next((f for f in FailureReason if f.value == exc.reason), None)
        raise MailerNotPrinted(reason) from exc
    log.info("counter printer: PIN mailer printed")
