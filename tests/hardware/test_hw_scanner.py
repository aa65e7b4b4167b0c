"""The serial ID-card scanner over a real pty: lines, validation, unplug and replug."""

from __future__ import annotations

import os
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.scanner import Backoff, Scanner, ScannerState, digits_only, split_lines


class PtyScanner:
    """A scanner device: a pty reached through a stable link, like /dev/serial/by-id/..."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master: int | None = None
        self.slave: int | None = None
        self.plug()

    def plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        self.master, self.slave = master, slave
        if self.link.is_symlink():
            self.link.unlink()
        self.link.symlink_to(os.ttyname(slave))

    def unplug(self) -> None:
        for fd in (self.master, self.slave):
            if fd is not None:
                os.close(fd)
        self.master = self.slave = None
        self.link.unlink()

    def type(self, text: str) -> None:
        assert self.master is not None
        os.write(self.master, text.encode("ascii"))


@pytest.fixture
def device(tmp_path: Path) -> Iterator[PtyScanner]:
    dev = PtyScanner(tmp_path / "scanner")
    yield dev
    if dev.master is not None:
        dev.unplug()


def test_split_lines_handles_cr_lf_and_crlf() -> None:
    assert split_lines(b"12\r\n34\n56\r7") == ([b"12", b"34", b"56"], b"7")
    assert split_lines(b"\r\n\r\n") == ([], b"")


def test_digits_only_default_validator() -> None:
    assert digits_only("0123456789")
    assert not digits_only("")
    assert not digits_only("12a4")
    assert not digits_only("١٢٣")  # Arabic-Indic digits are not what the card encodes


def test_reads_and_validates_lines(device: PtyScanner) -> None:
    states: list[ScannerState] = []
    with Scanner(
        str(device.link), validator=lambda s: len(s) == 10 and s.isdigit(), on_state=states.append
    ) as scanner:
        assert scanner.wait_for_state(ScannerState.CONNECTED, 3)
        device.type("1234567890\r\n")
        device.type("12AB\n")
        device.type("98765")
        device.type("43210\r")
        scans = [scanner.get(3) for _ in range(3)]
    assert [(s.text, s.valid) for s in scans if s] == [
        ("1234567890", True),
        ("12AB", False),
        ("9876543210", True),
    ]
    assert "1234567890" not in repr(scans[0])  # ID numbers stay out of logs
    assert states[0] is ScannerState.CONNECTING
    assert ScannerState.CONNECTED in states
    assert states[-1] is ScannerState.STOPPED


def test_survives_unplug_and_replug(device: PtyScanner) -> None:
    with Scanner(str(device.link), backoff=Backoff(initial=0.05, maximum=0.2)) as scanner:
        assert scanner.wait_for_state(ScannerState.CONNECTED, 3)
        device.type("111\n")
        first = scanner.get(3)
        assert first is not None and first.text == "111"
        device.unplug()
        assert scanner.wait_for_state(ScannerState.DISCONNECTED, 3)
        assert scanner.get(0.3) is None
        device.plug()
        assert scanner.wait_for_state(ScannerState.CONNECTED, 3)
        device.type("222\n")
        second = scanner.get(3)
        assert second is not None and second.text == "222" and second.valid
        assert scanner.reconnects == 1


def test_missing_port_reports_disconnected_and_keeps_trying(tmp_path: Path) -> None:
    with Scanner(str(tmp_path / "nothing"), backoff=Backoff(initial=0.05, maximum=0.1)) as scanner:
        assert scanner.wait_for_state(ScannerState.DISCONNECTED, 2)
        link = tmp_path / "nothing"
        dev = PtyScanner(link)
        try:
            assert scanner.wait_for_state(ScannerState.CONNECTED, 3)
        finally:
            scanner.stop()
            dev.unplug()


@pytest.mark.parametrize("pause", [0.0, 0.3], ids=["together", "line-end-arrives-later"])
def test_overlong_garbage_without_line_end_is_dropped(device: PtyScanner, pause: float) -> None:
    with Scanner(str(device.link)) as scanner:
        assert scanner.wait_for_state(ScannerState.CONNECTED, 3)
        device.type("x" * 600)
        time.sleep(pause)  # real time is the case: the line end arrives in a later read
        device.type("\n4242\n")
        scan = scanner.get(3)
    assert scan is not None
    assert scan.text == "4242"
