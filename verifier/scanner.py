"""Desk scanner mode: read QR texts from a serial-connected scanner and verify each one.

A serial (or USB-CDC) barcode scanner sends each code it reads as a line of text ended by CR,
LF or CR LF. `LineAssembler` turns the byte stream into texts (pure: bytes in, texts out,
over-long lines dropped rather than grown without bound); `scan_lines` reads a port with
pyserial and yields them; `verdict_line` makes the one big line a desk shows per scan.

It does not configure the scanner (baud rate and suffix are set on the device, usually by
scanning setup codes from its manual) and it does not decide what the verdict is.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Protocol

from verifier.qr import normalise_qr_text, upper_cased
from verifier.service_words import officer_message
from verifier.trust import TrustList
from verifier.verify import DEFAULT_STALE_GRACE, Status, Verdict, verify

__all__ = [
    "MAX_LINE",
    "LineAssembler",
    "SerialPort",
    "open_port",
    "scan_lines",
    "verdict_line",
    "verify_typed",
]

log = logging.getLogger(__name__)

MAX_LINE = 8192  # longer than any QR text (4,296 alphanumeric characters at most)


class LineAssembler:
    """Bytes from a scanner → complete lines, split on CR, LF or CR LF."""

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self._buf = bytearray()
        self._overflow = False
        self._after_cr = False

    def feed(self, data: bytes) -> list[str]:
        out: list[str] = []
        for byte in data:
            if byte == 0x0A and self._after_cr:  # the LF of a CR LF
                self._after_cr = False
                continue
            self._after_cr = byte == 0x0D
            if byte in (0x0A, 0x0D):
                if self._overflow:
                    log.warning("scanner sent a line over %d bytes; ignored", self.max_line)
                else:
                    text = normalise_qr_text(self._buf.decode("ascii", errors="replace"))
                    if text:
                        out.append(text)
                self._buf.clear()
                self._overflow = False
                continue
            if len(self._buf) >= self.max_line:
                self._overflow = True
                self._buf.clear()
            if not self._overflow:
                self._buf.append(byte)
        return out


class SerialPort(Protocol):
    def read(self, size: int = 1) -> bytes: ...

    @property
    def in_waiting(self) -> int: ...

    def close(self) -> None: ...


def open_port(port: str, baudrate: int = 9600, timeout: float = 0.25) -> SerialPort:
    """Open a device path, a pty or a pyserial URL (loop://, socket://host:port).

    Raises OSError (pyserial's SerialException is one) if it cannot be opened.
    """
    import serial

    conn: SerialPort = serial.serial_for_url(port, baudrate=baudrate, timeout=timeout)
    log.info("scanner port %s open at %d baud", port, baudrate)
    return conn


def scan_lines(port: SerialPort, should_stop: Callable[[], bool] = lambda: False) -> Iterator[str]:
    """Texts from the port as they arrive, until should_stop() is true.

    Reads return after the port's timeout even with nothing to read, so the caller can do
    periodic work (a trust list refresh) between yields; an empty string is yielded then.
    """
    lines = LineAssembler()
    while not should_stop():
        data = port.read(max(1, port.in_waiting))
        if not data:
            yield ""
            continue
        yield from lines.feed(data)


def verify_typed(
    text: str,
    trust: TrustList,
    at: dt.datetime | None = None,
    *,
    stale_grace: dt.timedelta = DEFAULT_STALE_GRACE,
) -> tuple[Verdict, str | None]:
    """Verify a text as a person or a keyboard-mode scanner typed it: (verdict, input note).

    The text is verified as given. Only if that is MALFORMED and it holds lower-case letters
    is the upper-cased text tried (Caps Lock): if that reads, its verdict is used and the note
    is "upper_cased"; if not, the first verdict stands with the note "lower_case", so the
    officer is told the likely cause. A printed code never has lower-case letters."""
    text = normalise_qr_text(text)
    verdict = verify(text, trust, at, stale_grace=stale_grace)
    if verdict.status is not Status.MALFORMED:
        return verdict, None
    upper = upper_cased(text)
    if upper is None:
        return verdict, None
    second = verify(upper, trust, verdict.checked_at, stale_grace=stale_grace)
    if second.status is Status.MALFORMED:
        return verdict, "lower_case"
    return second, "upper_cased"


def verdict_line(verdict: Verdict, lang: str = "en", input_note: str | None = None) -> str:
    """The one line shown per scan: VALID and what the document is; otherwise the headline
    (NOT CONFIRMED / NOT VALID) and what it means, in the officer's words."""
    words = officer_message({**verdict.to_json(), "input": input_note})
    head = words["headline"][lang]
    if words["outcome"] != "valid":
        return f"{head}: {words['meaning'][lang]} ({verdict.status.value})"
    claims = verdict.claims
    assert claims is not None
    doc = claims.document
    schema = doc.schema
    title = (schema.title_ar if lang == "ar" else schema.title_en) if schema else "?"
    name = _first_name_field(verdict, lang)
    parts = [head, title, claims.serial]
    if name:
        parts.append(name)
    return " · ".join(parts)


def _first_name_field(verdict: Verdict, lang: str) -> str | None:
    from verifier.presentation import display_fields

    assert verdict.claims is not None
    for f in display_fields(verdict.claims.document):
        if f.name.endswith("name"):
            return f.ar if lang == "ar" else f.en
    return None
