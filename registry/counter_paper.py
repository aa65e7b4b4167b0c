"""The counter's paper: an A4 PDF, or the office's receipt printer, for a document issued at
the counter (`registry.counter`).

Both are laid out by the kiosk's one certificate layout, `hardware.layout` (Pillow with raqm:
Arabic shaped and right to left, then English; the QR with whole-dot modules; the authority's
names and the verification address on top): `render_a4` + `pdf_a4` for the page,
`render_receipt` at the printer's width for the receipt; `a4_page_images` gives the A4 pages
as images for a caller that gathers many documents into one PDF (the postal batch). The
layout checks that what it prints is what the QR text signs. The masthead is the registry's
own `[identity]`, which is what its trust list publishes.

The printer is `[counter_printer]` (`registry.config.CounterPrinterConfig`): a printer URL
opened through `hardware` for each status query or job, or "emulator", the ESC/POS emulator
started for the job and writing the receipt as a PNG into DATA/counter-printer/ (0700). Its
status is asked before anything is issued (`check`), so a printer out of paper refuses the
request with nothing written; a job that fails after that raises `CounterPrinterError` with
the reason, and the same request again (same idempotency key) prints the same document.

What this module does not do: decide anything about documents, or touch the database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import replace

from PIL import Image

from hardware.errors import HardwareError
from hardware.job import FailureReason, PrintJob
from hardware.layout import (
    LangOrder,
    Masthead,
    Receipt,
    a4_pages,
    pdf_a4,
    render_a4,
    render_receipt,
)
from hardware.printer import open_printer
from hardware.status import PrinterState
from registry.config import CounterPrinterConfig, DataDir, Settings
from registry.issuance import Issued
from verifier import codec, cose
from verifier.payload import Claims, decode_claims
from verifier.trust import serial_hash

__all__ = [
    "EMULATOR",
    "CounterPrinter",
    "CounterPrinterError",
    "a4_page_images",
    "a4_pdf",
    "receipt_image",
]

log = logging.getLogger(__name__)

EMULATOR = "emulator"


_EMULATOR_LOCK = threading.Lock()


def failure_words(reason: str | None) -> tuple[str, str]:
    """What a failed job's reason (a `FailureReason` value) means, in Arabic and English."""
    if reason == FailureReason.PAPER_OUT.value:
        return "نفد الورق من الطابعة", "the printer is out of paper"
    if reason == FailureReason.COVER_OPEN.value:
        return "غطاء الطابعة مفتوح", "the printer's cover is open"
    silent = {
        FailureReason.NO_ANSWER,
        FailureReason.OFFLINE,
        FailureReason.CONNECTION_LOST,
        FailureReason.IO_ERROR,
        FailureReason.TIMEOUT,
        FailureReason.NOT_CONFIRMED,
    }
    if reason is None or reason in {f.value for f in silent}:
        return "الطابعة لا تستجيب", "the printer does not answer"
    return "عطل في الطابعة", "the printer reports a fault"


class CounterPrinterError(Exception):
    """The counter's printer cannot print: `reason` is a `PrinterState` value before the job
    (paper_out, cover_open, offline, error, unknown) or a `FailureReason` value after it."""

    def __init__(self, reason: str, *, serial: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.serial = serial  # set when the document was issued but its paper did not print


def _masthead(settings: Settings) -> Masthead:
    return Masthead(settings.identity.authority, settings.identity.verify_url)


def _claims(issued: Issued) -> Claims:
    """The signed claims, with the places' names the registry resolved for display."""
    signed = decode_claims(cose.parse_sign1(codec.decode_text(issued.qr_text)).payload)
    return replace(signed, document=issued.document)


def _order(lang: str) -> LangOrder:
    return LangOrder.AR_FIRST if lang == "ar" else LangOrder.EN_FIRST


def _a4(issued: Issued, settings: Settings, lang: str) -> Receipt:
    return render_a4(
        _claims(issued), issued.qr_text, masthead=_masthead(settings), lang_order=_order(lang)
    )


def a4_pdf(issued: Issued, settings: Settings, lang: str = "ar") -> bytes:
    """The document on A4, Arabic first (or English first), as PDF bytes."""
    return pdf_a4(_a4(issued, settings, lang))


def a4_page_images(issued: Issued, settings: Settings, lang: str = "ar") -> list[Image.Image]:
    """The same A4 pages as images at 300 dpi (for the postal batch's one PDF)."""
    return a4_pages(_a4(issued, settings, lang))


def receipt_image(
    issued: Issued, settings: Settings, width_dots: int, lang: str = "ar"
) -> Image.Image:
    """The document as the receipt printer prints it (1-bit, `width_dots` wide)."""
    return render_receipt(
        _claims(issued),
        issued.qr_text,
        width_dots=width_dots,
        masthead=_masthead(settings),
        lang_order=_order(lang),
    ).image


class CounterPrinter:
    """The office's receipt printer, from `[counter_printer]`."""

    def __init__(self, config: CounterPrinterConfig, data: DataDir, *, timeout: float = 2.0):
        self.config = config
        self.data = data
        self.timeout = timeout
        self.job_timeout = 30.0

    @property
    def width_dots(self) -> int:
        return self.config.width

    @contextlib.contextmanager
    def _url(self) -> Iterator[str]:
        if self.config.url != EMULATOR:
            yield self.config.url
            return
        from hardware.emulator import Emulator  # sockets and threads: only when emulating

        out = self.data.counter_printer_dir
        out.mkdir(parents=True, exist_ok=True)
        os.chmod(out, 0o700)  # receipts carry personal data
        # one emulated job at a time in this process: each numbers its PNG after the last one
        with _EMULATOR_LOCK, Emulator(out, self.config.width, tcp="127.0.0.1:0") as emulator:
            yield emulator.url

    def _where(self) -> str:
        return self.config.url.split("?")[0]

    def check(self) -> PrinterState:
        """The printer's state; CounterPrinterError unless it can print (no answer is
        `unknown`, never "paper OK")."""
        try:
            with (
                self._url() as url,
                open_printer(
                    url,
                    width_dots=self.width_dots,
                    profile=self.config.profile,
                    timeout=self.timeout,
                ) as printer,
            ):
                state = printer.status().state
        except HardwareError as exc:
            log.warning("counter printer %s: %s", self._where(), type(exc).__name__)
            raise CounterPrinterError(PrinterState.OFFLINE.value) from exc
        if not state.can_print:
            log.warning("counter printer %s: %s", self._where(), state.value)
            raise CounterPrinterError(state.value)
        return state

    def print_image(self, image: Image.Image, label: str) -> None:
        """Print one 1-bit image the printer's width (a certificate, a PIN mailer);
        CounterPrinterError with the printer's reason if it did not print all of it."""
        job = PrintJob.of(image, label=label)
        try:
            with (
                self._url() as url,
                open_printer(
                    url,
                    width_dots=self.width_dots,
                    profile=self.config.profile,
                    timeout=self.timeout,
                ) as printer,
            ):
                result = printer.print_job(job, timeout=self.job_timeout)
        except HardwareError as exc:
            log.warning("counter printer %s: %s", self._where(), type(exc).__name__)
            raise CounterPrinterError("connection-lost") from exc
        if not result.ok:
            reason = result.reason.value if result.reason else "printer-error"
            log.warning("counter printer %s: job failed (%s)", self._where(), reason)
            raise CounterPrinterError(reason)

    def print_document(self, issued: Issued, settings: Settings, lang: str = "ar") -> None:
        """Print the document; CounterPrinterError (with the serial) if the job fails."""
        image = receipt_image(issued, settings, self.width_dots, lang)
        try:
            self.print_image(image, f"counter {serial_hash(issued.serial).hex()[:12]}")
        except CounterPrinterError as exc:
            raise CounterPrinterError(exc.reason, serial=issued.serial) from exc
        log.info(
            "counter printer %s printed serial-hash %s",
            self._where(),
            serial_hash(issued.serial).hex(),
        )
