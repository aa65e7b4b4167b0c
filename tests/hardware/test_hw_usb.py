"""USB transport against a fake pyusb device (the one mock allowed: no USB printer here).

The fake speaks pyusb's Device API and forwards bulk transfers to an in-memory emulated
printer, so the USB code path carries real ESC/POS both ways.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest
import usb.core
from hwhelpers import EPSON, load_png, receipt_image, same_pixels

from hardware.emulator import EmulatedPrinter
from hardware.errors import DeviceNotFound
from hardware.job import FailureReason, PrintJob
from hardware.models import resolve_model
from hardware.printer import Printer, open_printer
from hardware.transports.usb import UsbTransport


class _Endpoint:
    def __init__(self, address: int) -> None:
        self.bEndpointAddress = address
        self.bmAttributes = 0x02  # bulk


class _Config:
    def __getitem__(self, key: tuple[int, int]) -> list[_Endpoint]:
        assert key == (0, 0)
        return [_Endpoint(0x81), _Endpoint(0x01)]


class FakeUsbPrinter:
    """Enough of ``usb.core.Device`` for ``UsbTransport``; bytes go to an ``EmulatedPrinter``."""

    def __init__(self, machine: EmulatedPrinter, unplug_after: int | None = None) -> None:
        self.machine = machine
        self.replies = bytearray()
        self.detached = False
        self.unplug_after = unplug_after
        self.written = 0

    def is_kernel_driver_active(self, interface: int) -> bool:
        return not self.detached

    def detach_kernel_driver(self, interface: int) -> None:
        self.detached = True

    def get_active_configuration(self) -> _Config:
        return _Config()

    def set_configuration(self) -> None:  # pragma: no cover - already configured
        pass

    def write(self, endpoint: int, data: bytes, timeout: int) -> int:
        assert endpoint == 0x01
        assert timeout > 0  # python-escpos's default of "no timeout" must never reach pyusb
        if self.unplug_after is not None and self.written + len(data) > self.unplug_after:
            raise usb.core.USBError("No such device", errno=errno.ENODEV)
        self.written += len(data)
        self.replies += self.machine.receive(bytes(data)).reply
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int) -> Any:
        assert endpoint == 0x81
        assert timeout > 0
        if not self.replies:
            raise usb.core.USBTimeoutError("Operation timed out", errno=errno.ETIMEDOUT)
        out = bytes(self.replies[:size])
        del self.replies[:size]
        return bytearray(out)


def _open(fake: FakeUsbPrinter | None) -> UsbTransport:
    return UsbTransport.open(0x04B8, 0x0E15, find=lambda **kw: fake)


def test_usb_status_and_job_round_trip(tmp_path: Path) -> None:
    machine = EmulatedPrinter(tmp_path, 576)
    fake = FakeUsbPrinter(machine)
    image = receipt_image(height=300)
    with Printer(_open(fake), resolve_model(EPSON, 576)) as printer:
        assert printer.name == "usb://04b8:0e15"
        assert printer.status().ready
        result = printer.print_job(PrintJob.of(image), timeout=5)
    assert fake.detached
    assert result.ok and result.confirmed
    (receipt,) = machine.receipts()
    assert same_pixels(load_png(receipt.path), image)


def test_usb_unplugged_mid_job_is_connection_lost(tmp_path: Path) -> None:
    fake = FakeUsbPrinter(EmulatedPrinter(tmp_path, 576), unplug_after=5000)
    with Printer(_open(fake), resolve_model(EPSON, 576)) as printer:
        result = printer.print_job(PrintJob.of(receipt_image(height=600)), timeout=5)
    assert result.reason is FailureReason.CONNECTION_LOST


def test_usb_device_absent_is_device_not_found() -> None:
    with pytest.raises(DeviceNotFound, match="no such USB device"):
        _open(None)


def test_usb_url_with_no_device_attached() -> None:
    with pytest.raises(DeviceNotFound):
        open_printer("usb://ffff:fffe", timeout=0.5)
