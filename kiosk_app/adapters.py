"""Thin adapters from the effect runner's ports to the real packages.

- `HardwarePrinter`: `hardware.printer` opened per status query or job (a reconnect is free,
  and a cable pulled between citizens costs nothing); its status mapped to the session's
  `hardware.status.PrinterState` (no answer is UNKNOWN, never "ready").
- `LayoutRenderer`: `hardware.layout` for receipts of verified documents, previews marked as
  specimens, queue tickets, and the technician's test page.

What this module does not do: decide when anything happens (the session and the runner do).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PIL import Image, ImageChops, ImageDraw, ImageFont

from hardware.errors import HardwareError
from hardware.job import PrintJob
from hardware.printer import open_printer
from hardware.status import PrinterState, PrinterStatus
from kiosk_app import session as ks
from kiosk_app.effects import PrintOutcome
from kiosk_app.files import write_private
from verifier.documents import Bilingual, Document, Place, resolve_places
from verifier.keys import SigningKey
from verifier.payload import Claims, decode_claims
from verifier.sign import sign_document
from verifier.trust import TrustList

__all__ = ["HardwarePrinter", "LayoutRenderer", "printer_state"]

log = logging.getLogger(__name__)


def printer_state(status: PrinterStatus) -> PrinterState:
    """The one word the session needs from a full status (`PrinterStatus.state`)."""
    return status.state


class HardwarePrinter:
    def __init__(
        self,
        url: str,
        *,
        width_dots: int,
        profile: str | None = None,
        timeout: float = 2.0,
        job_timeout: float = 30.0,
    ) -> None:
        self.url = url
        self.width_dots = width_dots
        self.profile = profile
        self.timeout = timeout
        self.job_timeout = job_timeout
        self._lock = threading.Lock()  # one connection at a time: heartbeat vs. print worker

    def status(self) -> PrinterState:
        with self._lock:
            try:
                with open_printer(
                    self.url, width_dots=self.width_dots, profile=self.profile, timeout=self.timeout
                ) as printer:
                    return printer_state(printer.status())
            except HardwareError as exc:
                log.warning("printer %s: %s", self.url.split("?")[0], type(exc).__name__)
                return PrinterState.OFFLINE

    def print_image(self, image: Image.Image, label: str) -> tuple[PrintOutcome, str]:
        job = PrintJob.of(image, label=label)
        with self._lock:
            try:
                with open_printer(
                    self.url, width_dots=self.width_dots, profile=self.profile, timeout=self.timeout
                ) as printer:
                    result = printer.print_job(job, timeout=self.job_timeout)
            except HardwareError as exc:
                return PrintOutcome.FAILED, f"open-failed: {type(exc).__name__}"
        if result.ok:
            return PrintOutcome.PRINTED, ""
        return PrintOutcome.FAILED, result.reason.value if result.reason else "failed"


class LayoutRenderer:
    """Receipts, specimen previews and the test page through `hardware.layout`."""

    def __init__(
        self,
        *,
        width_dots: int,
        verifier_url: str,
        timezone: str = "UTC",
        issuer: str = "PREVIEW",
        trust: Callable[[], TrustList] | None = None,
    ) -> None:
        self.width_dots = width_dots
        self.verifier_url = verifier_url
        try:
            self.tz: dt.tzinfo = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r, using UTC", timezone)
            self.tz = dt.UTC
        self.issuer = issuer
        # the authority's names and the verification address come from the trust list; only
        # a renderer given none (tests, the tour) prints the configured address with the
        # catalogue's authority name
        self.trust = trust
        self._specimen_key = SigningKey.generate()  # never in any trust list

    def _render(self, claims: Claims, qr_text: str, language: str) -> Image.Image:
        from hardware.layout.receipt import LangOrder, Masthead, render_receipt

        order = LangOrder.AR_FIRST if language == "ar" else LangOrder.EN_FIRST
        if self.trust is not None:
            masthead = Masthead.from_trust_list(self.trust())
        else:
            from kiosk_app.i18n import Catalogues

            cats = Catalogues.load()
            authority = Bilingual(cats["ar"].get("app.authority"), cats["en"].get("app.authority"))
            masthead = Masthead(authority, self.verifier_url)
        receipt = render_receipt(
            claims,
            qr_text,
            width_dots=self.width_dots,
            masthead=masthead,
            lang_order=order,
            timezone=self.tz,
        )
        return receipt.image

    def receipt(self, claims: Claims, qr_text: str, language: str) -> Image.Image:
        return self._render(claims, qr_text, language)

    def specimen(self, document: Document) -> tuple[Claims, str]:
        """The claims to lay out and the QR text of a specimen of `document`: signed by a
        throw-away key no trust list holds (so it never verifies), serial and issuer PREVIEW,
        and the place names the document came with (the signature carries codes only)."""
        from verifier import codec, cose

        issued = dt.datetime.now(dt.UTC).replace(microsecond=0)
        text = sign_document(
            document, serial="PREVIEW", issuer=self.issuer, issued_at=issued, key=self._specimen_key
        )
        claims = decode_claims(cose.parse_sign1(codec.decode_text(text)).payload)
        named = resolve_places(claims.document, _place_names(document))
        return replace(claims, document=named), text

    def preview(self, document: Document, language: str, out: Path) -> Path:
        """The document as it will print, laid out from its specimen and marked as one."""
        claims, text = self.specimen(document)
        image = _mark_specimen(self._render(claims, text, language).convert("L"))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return write_private(out, buffer.getvalue())  # the citizen's data, owner-only

    def ticket(self, ticket: ks.Ticket, language: str) -> Image.Image:
        """A queue ticket through `hardware.layout.render_queue_ticket`, the citizen's language
        first."""
        from hardware.layout import QueueTicketView, render_queue_ticket

        view = QueueTicketView(
            label=ticket.label,
            kind=ticket.kind,
            late=ticket.late,
            office_ar=ticket.office_ar,
            office_latin=ticket.office_latin or "",
            service_ar=ticket.service_ar,
            service_latin=ticket.service_latin or "",
            ahead=ticket.ahead,
            expected_wait_minutes=ticket.expected_wait_minutes,
            issued_at=ticket.issued_at,
            language="ar" if language == "ar" else "en",
        )
        return render_queue_ticket(view, width_dots=self.width_dots).image

    def test_page(self) -> Image.Image:
        width = self.width_dots
        image = Image.new("1", (width, 260), 1)
        draw = ImageDraw.Draw(image)
        for x in range(0, width, 8):
            draw.line((x, 0, x, 24 if x % 64 == 0 else 12), fill=0)
        for i in range(8):
            box = (i * width // 8, 40, (i + 1) * width // 8 - 4, 90)
            if i % 2 == 0:
                draw.rectangle(box, fill=0)
            else:
                draw.rectangle(box, outline=0)
        font = _font(28)
        draw.text((10, 110), "Sanad test print", font=font, fill=0)
        draw.text(
            (10, 150), dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), font=font, fill=0
        )
        draw.text(
            (width - 10, 200), "طباعة تجريبية", font=font, fill=0, anchor="ra", direction="rtl"
        )
        return image


def _place_names(document: Document) -> dict[int, Bilingual]:
    """The names a document carries for its coded places (`resolve_places` gave them)."""
    values = [*document.fields.values(), document.centre]
    return {
        v.code: v.name
        for v in values
        if isinstance(v, Place) and v.code is not None and v.name is not None
    }


def _font(size: int) -> ImageFont.FreeTypeFont:
    from hardware.layout.fonts import Script, default_fonts, open_font

    return open_font(default_fonts().path(Script.ARABIC, False), size)


def _mark_specimen(image: Image.Image) -> Image.Image:
    """A caption band on top and light diagonal bands across: plainly not the document.

    The specimen is signed by a throw-away key no trust list holds, so its QR never verifies.
    """
    band = max(64, image.width // 9)
    out = Image.new("L", (image.width, image.height + band), 255)
    out.paste(image, (0, band))
    stripes = Image.new("L", out.size, 255)
    lines = ImageDraw.Draw(stripes)
    for offset in range(-out.height, out.width + out.height, 90):
        lines.line((offset, band, offset + out.height, band + out.height), fill=205, width=5)
    out = ImageChops.darker(out, stripes)  # the bands go under the ink, never over it
    draw = ImageDraw.Draw(out)
    font = _font(band * 3 // 5)
    label = "معاينة · PREVIEW"
    draw.rectangle((0, 0, out.width, band - 6), fill=40)
    draw.text((out.width // 2, band // 2 - 3), label, font=font, fill=255, anchor="mm")
    return out
