"""Printer logic against the in-memory transport: reply framing corner cases, no links needed."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from hardware.emulator import EmulatedPrinter, EmulatorState
from hardware.job import FailureReason, PrintJob
from hardware.models import resolve_model
from hardware.printer import Printer
from hardware.status import Problem
from hardware.transports.memory import MemoryTransport


def _printer(respond: Callable[[bytes], bytes]) -> tuple[Printer, MemoryTransport]:
    transport = MemoryTransport(respond)
    return Printer(transport, resolve_model("TM-T20II", 576), timeout=0.2), transport


def test_stale_replies_do_not_shift_the_status(tmp_path: Path) -> None:
    machine = EmulatedPrinter(tmp_path, 576, EmulatorState.NEAR_END)
    printer, transport = _printer(lambda data: machine.receive(data).reply)
    transport.feed(b"\x37\x220042\x00" + b"\x1a")  # a late process-ID reply and a stray byte
    status = printer.status()
    assert status.ready
    assert status.warnings == [Problem.PAPER_NEAR_END]
    assert transport.written == b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"


def test_partial_answer_is_no_answer_for_the_rest() -> None:
    printer, _ = _printer(lambda data: b"\x12\x12" if data.startswith(b"\x10\x04") else b"")
    status = printer.status()
    assert not status.ready
    assert status.problems == [Problem.NO_ANSWER]
    assert status.raw_bytes == (0x12, 0x12, None, None)


def test_job_on_a_printer_that_answers_status_but_never_confirms(tmp_path: Path) -> None:
    machine = EmulatedPrinter(tmp_path, 576)
    printer, _ = _printer(
        lambda data: re.sub(rb"\x37\x22\d{4}\x00", b"", machine.receive(data).reply)
    )
    result = printer.print_job(PrintJob.of(Image.new("1", (576, 8), 0)), timeout=1.0)
    assert not result.ok
    assert result.reason is FailureReason.NOT_CONFIRMED
    assert 0.9 <= result.seconds < 1.3
    assert len(machine.receipts()) == 1  # it did print: "not confirmed" is not "not printed"


def test_closed_printer_reports_connection_lost() -> None:
    printer, _ = _printer(lambda data: b"")
    printer.close()
    result = printer.print_job(PrintJob.of(Image.new("1", (8, 8), 255)), timeout=1.0)
    assert result.reason is FailureReason.CONNECTION_LOST
