"""A printer driven over real TCP sockets and ptys against the emulator: status, jobs, faults."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import pytest
from hwhelpers import EPSON, load_png, receipt_image, same_pixels
from PIL import Image

from hardware.emulator import Emulator, EmulatorState
from hardware.errors import DeviceNotFound
from hardware.job import FailureReason, Outcome, PrintJob, QrPart
from hardware.printer import open_printer
from hardware.status import Cover, Online, Paper, Problem
from tests.support.servers import free_port


def _url(emulator: Emulator, link: str) -> str:
    return emulator.url if link == "tcp" else emulator.serial_url


@pytest.mark.parametrize(
    ("state", "ready", "problems"),
    [
        (EmulatorState.OK, True, []),
        (EmulatorState.NEAR_END, True, []),
        (EmulatorState.PAPER_OUT, False, [Problem.OFFLINE, Problem.PAPER_OUT]),
        (EmulatorState.COVER_OPEN, False, [Problem.OFFLINE, Problem.COVER_OPEN]),
        (EmulatorState.OFFLINE, False, [Problem.OFFLINE]),
        (EmulatorState.CUTTER_ERROR, False, [Problem.OFFLINE, Problem.CUTTER_ERROR]),
        (EmulatorState.SILENT, False, [Problem.NO_ANSWER]),
    ],
    ids=lambda v: v.value if isinstance(v, EmulatorState) else None,
)
@pytest.mark.parametrize("link", ["tcp", "pty"])
def test_status_of_each_emulated_state(
    emulator: Emulator, link: str, state: EmulatorState, ready: bool, problems: list[Problem]
) -> None:
    emulator.set_state(state)
    with open_printer(_url(emulator, link), profile=EPSON, timeout=0.5) as printer:
        started = time.monotonic()
        status = printer.status()
        elapsed = time.monotonic() - started
    assert status.ready is ready
    assert status.problems == problems
    if state is EmulatorState.NEAR_END:
        assert status.paper is Paper.NEAR_END
    if state is EmulatorState.SILENT:
        assert (status.online, status.paper, status.cover) == (
            Online.UNKNOWN,
            Paper.UNKNOWN,
            Cover.UNKNOWN,
        )
        assert 0.45 <= elapsed < 1.0  # waited its bound, and no longer
    else:
        assert elapsed < 0.3  # answered: no waiting out the timeout


def _expected_problems(n1: int, n2: int, n3: int, n4: int) -> list[str]:
    out = []
    if n1 & 0x08:
        out.append("offline")
    if n2 & 0x04:
        out.append("cover-open")
    if n4 & 0x60 or n2 & 0x20:
        out.append("paper-out")
    for bit, name in (
        (3, "cutter-error"),
        (5, "unrecoverable-error"),
        (6, "auto-recoverable-error"),
        (2, "recoverable-error"),
    ):
        if n3 & (1 << bit):
            out.append(name)
    return out


def test_every_status_bit_combination_over_tcp(emulator: Emulator) -> None:
    """All 2 x 8 x 16 x 4 combinations of the meaningful DLE EOT bits, as real replies."""
    n1s = [0x12 | b for b in (0, 0x08)]
    n2s = [0x12 | a | b | c for a in (0, 0x04) for b in (0, 0x20) for c in (0, 0x40)]
    n3s = [
        0x12 | a | b | c | d
        for a in (0, 0x04)
        for b in (0, 0x08)
        for c in (0, 0x20)
        for d in (0, 0x40)
    ]
    n4s = [0x12 | a for a in (0, 0x0C, 0x60, 0x6C)]
    combos = list(itertools.product(n1s, n2s, n3s, n4s))
    assert len(combos) == 1024
    with open_printer(emulator.url, profile=EPSON, timeout=1.0) as printer:
        for combo in combos:
            emulator.printer.force_status(dict(zip((1, 2, 3, 4), combo, strict=True)))
            status = printer.status()
            expected = _expected_problems(*combo)
            assert [p.value for p in status.problems] == expected, [hex(b) for b in combo]
            assert status.ready is (not expected)
            near = combo[3] & 0x0C and not combo[3] & 0x60
            assert (Problem.PAPER_NEAR_END in status.warnings) is bool(near)


@pytest.mark.parametrize("link", ["tcp", "pty"])
def test_printed_receipt_is_pixel_equal_to_the_image_sent(emulator: Emulator, link: str) -> None:
    image = receipt_image(height=900)
    with open_printer(_url(emulator, link), profile=EPSON) as printer:
        result = printer.print_job(PrintJob.of(image, label="journal-1"), timeout=10)
    assert result.outcome is Outcome.PRINTED, result
    assert result.confirmed  # Epson GS ( H: the printer said it finished
    assert result.status_before is not None and result.status_before.ready
    assert result.status_after is not None and result.status_after.ready
    (receipt,) = emulator.receipts()
    assert receipt.complete
    assert same_pixels(load_png(receipt.path), image)


def test_native_qr_job_prints_with_confirmation(emulator: Emulator) -> None:
    job = PrintJob.of(
        receipt_image(height=200),
        QrPart("SN1D:" + "A1B2C3" * 100),
        receipt_image(height=100, seed=7),
    )
    with open_printer(emulator.url, profile=EPSON) as printer:
        result = printer.print_job(job, timeout=10)
    assert result.ok and result.confirmed
    (receipt,) = emulator.receipts()
    assert receipt.height > 300


def test_near_end_prints_with_a_warning(emulator: Emulator) -> None:
    emulator.set_state(EmulatorState.NEAR_END)
    with open_printer(emulator.url, profile=EPSON) as printer:
        result = printer.print_job(PrintJob.of(receipt_image(height=50)), timeout=5)
    assert result.ok
    assert result.warnings == (Problem.PAPER_NEAR_END,)


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (EmulatorState.PAPER_OUT, FailureReason.PAPER_OUT),
        (EmulatorState.COVER_OPEN, FailureReason.COVER_OPEN),
        (EmulatorState.OFFLINE, FailureReason.OFFLINE),
        (EmulatorState.SILENT, FailureReason.NO_ANSWER),
    ],
    ids=lambda v: v.value,
)
def test_job_is_refused_before_sending_when_not_ready(
    emulator: Emulator, state: EmulatorState, reason: FailureReason
) -> None:
    emulator.set_state(state)
    with open_printer(emulator.url, profile=EPSON, timeout=0.3) as printer:
        result = printer.print_job(PrintJob.of(receipt_image(height=50)), timeout=5)
    assert result.outcome is Outcome.FAILED
    assert result.reason is reason
    assert result.bytes_sent == 0
    assert result.seconds < 1.0
    assert emulator.receipts() == []


def test_garbage_replies_fail_the_job_before_printing(emulator: Emulator) -> None:
    emulator.garbage(True)
    with open_printer(emulator.url, profile=EPSON) as printer:
        result = printer.print_job(PrintJob.of(receipt_image(height=50)), timeout=5)
    assert result.reason is FailureReason.GARBLED_ANSWER
    assert result.status_before is not None and result.status_before.raw_bytes == (0xFF,) * 4
    assert emulator.receipts() == []


@pytest.mark.parametrize("link", ["tcp", "pty"])
def test_paper_running_out_mid_job_fails_the_job(emulator: Emulator, link: str) -> None:
    emulator.paper_out_after(250)
    with open_printer(_url(emulator, link), profile=EPSON) as printer:
        result = printer.print_job(PrintJob.of(receipt_image(height=900)), timeout=10)
        assert result.outcome is Outcome.FAILED
        assert result.reason is FailureReason.PAPER_OUT
        assert result.bytes_sent > 0
        assert not result.confirmed
        assert printer.status().paper is Paper.OUT
    (receipt,) = emulator.receipts()
    assert not receipt.complete
    assert receipt.height == 250
    assert receipt.path.name.endswith("-incomplete.png")


def test_connection_dropped_mid_job_fails_the_job(emulator: Emulator) -> None:
    emulator.drop_after(2000)
    with open_printer(emulator.url, profile=EPSON) as printer:
        result = printer.print_job(PrintJob.of(receipt_image(height=900)), timeout=10)
    assert result.outcome is Outcome.FAILED
    assert result.reason is FailureReason.CONNECTION_LOST
    assert all(not r.complete for r in emulator.receipts())


def test_pty_hang_up_mid_job_fails_the_job(emulator: Emulator) -> None:
    url = emulator.serial_url
    emulator.drop_after(2000)
    with open_printer(url, profile=EPSON) as printer:
        result = printer.print_job(PrintJob.of(receipt_image(height=1200, seed=5)), timeout=10)
    assert result.outcome is Outcome.FAILED
    assert result.reason in (FailureReason.CONNECTION_LOST, FailureReason.NO_ANSWER)
    # a fresh pty is offered (the kernel may reuse the number), like a replugged adapter
    with open_printer(emulator.serial_url, profile=EPSON) as again:
        assert again.status().ready


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("cover-open", FailureReason.COVER_OPEN),
        ("silent", FailureReason.NO_ANSWER),
        ("garbage", FailureReason.GARBLED_ANSWER),
    ],
)
def test_fault_arriving_while_the_job_streams_fails_the_job(
    tmp_path: Path, fault: str, reason: FailureReason
) -> None:
    # 115200 baud: the ~29 KB job takes ~2.5 s to go through, the fault arrives after 0.5 s
    with Emulator(tmp_path, 576, tcp="127.0.0.1:0", baud=115200) as emulator:
        timer = threading.Timer(
            0.5, lambda: emulator.command("garbage on" if fault == "garbage" else f"state {fault}")
        )
        with open_printer(emulator.url, profile=EPSON, timeout=0.5) as printer:
            timer.start()
            result = printer.print_job(PrintJob.of(receipt_image(height=1400, seed=9)), timeout=6)
        timer.join()
        assert result.outcome is Outcome.FAILED, result
        assert result.reason is reason
        assert not result.confirmed
        if fault == "cover-open":  # a silent or garbling printer may well have printed it
            assert all(not r.complete for r in emulator.receipts())


def test_cutter_error_is_recovered_with_dle_enq(emulator: Emulator) -> None:
    emulator.set_state(EmulatorState.CUTTER_ERROR)
    with open_printer(emulator.url, profile=EPSON) as printer:
        refused = printer.print_job(PrintJob.of(receipt_image(height=40)), timeout=5, recover=False)
        assert refused.reason is FailureReason.CUTTER_ERROR
        result = printer.print_job(PrintJob.of(receipt_image(height=40)), timeout=5)
    assert result.ok
    assert emulator.printer.state is EmulatorState.OK
    assert len(emulator.receipts()) == 1


def test_generic_profile_prints_without_confirmation(emulator: Emulator) -> None:
    with open_printer(emulator.url) as printer:  # python-escpos "default": no GS ( H
        result = printer.print_job(PrintJob.of(receipt_image(height=60)), timeout=5)
    assert result.ok
    assert not result.confirmed
    assert "cannot confirm" in result.detail
    assert len(emulator.wait_for_receipts(1)) == 1


def test_file_target_is_write_only_and_never_confirmed(tmp_path: Path) -> None:
    target = tmp_path / "job.bin"
    with open_printer(f"file://{target}", profile=EPSON) as printer:
        status = printer.status()
        result = printer.print_job(PrintJob.of(receipt_image(height=60)), timeout=5)
    assert status.problems == [Problem.NO_ANSWER]
    assert result.ok and not result.confirmed
    assert target.read_bytes().startswith(b"\x1b@")
    assert len(target.read_bytes()) == result.bytes_sent


def test_nothing_listening_is_device_not_found() -> None:
    with pytest.raises(DeviceNotFound):
        open_printer(f"tcp://127.0.0.1:{free_port()}", timeout=0.5)


def test_status_from_another_thread_waits_for_the_job(emulator: Emulator) -> None:
    with open_printer(emulator.url, profile=EPSON) as printer:
        statuses = []
        worker = threading.Thread(target=lambda: statuses.append(printer.status(timeout=5)))
        results = []
        job_thread = threading.Thread(
            target=lambda: results.append(
                printer.print_job(PrintJob.of(receipt_image(height=900)), timeout=10)
            )
        )
        job_thread.start()
        worker.start()
        job_thread.join(10)
        worker.join(10)
    assert results[0].ok
    assert statuses[0].ready


def test_printer_that_stops_taking_bytes_cannot_block_past_the_timeout(tmp_path: Path) -> None:
    black = Image.new("1", (576, 1400), 0)  # ~100 KB of raster, far more than a pty buffers
    with Emulator(tmp_path, 576, tcp=None, pty=True, baud=115200) as emulator:
        with open_printer(emulator.serial_url, profile=EPSON, timeout=0.5) as printer:
            # 0.3 s into the job its buffer stays full: the pty fills up and writes block
            timer = threading.Timer(0.3, emulator.printer.stall, args=(True,))
            timer.start()
            started = time.monotonic()
            result = printer.print_job(PrintJob.of(black), timeout=2.0)
            elapsed = time.monotonic() - started
            timer.join()
        emulator.printer.stall(False)
    assert result.outcome is Outcome.FAILED
    # the last look behind the stuck bytes gets no answer either; both name it fairly
    assert result.reason in (FailureReason.TIMEOUT, FailureReason.NO_ANSWER)
    assert result.status_before is not None and result.status_before.ready
    assert 0 < result.bytes_sent < 100_000
    assert 1.5 <= elapsed < 2.3


def test_reopen_after_the_connection_was_lost(emulator: Emulator) -> None:
    emulator.drop_after(100)
    with open_printer(emulator.url, profile=EPSON) as printer:
        lost = printer.print_job(PrintJob.of(receipt_image(height=200)), timeout=5)
        assert lost.reason is FailureReason.CONNECTION_LOST
        printer.reopen()
        assert printer.status().ready
        assert printer.print_job(PrintJob.of(receipt_image(height=50)), timeout=5).ok
        printer.close()
        printer.reopen()  # a closed printer can be reopened too
        assert printer.status().ready
