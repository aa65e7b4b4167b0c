"""Printer URLs: every supported form, and clear errors for bad ones."""

from __future__ import annotations

import pytest

from hardware.errors import AddressError
from hardware.url import Flow, PrinterAddress, Scheme, parse_printer_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("tcp://10.0.0.5:9100", PrinterAddress(Scheme.TCP, host="10.0.0.5", port=9100)),
        ("tcp://printer.local", PrinterAddress(Scheme.TCP, host="printer.local", port=9100)),
        ("usb://04b8:0e15", PrinterAddress(Scheme.USB, vendor_id=0x04B8, product_id=0x0E15)),
        (
            "usb://04B8:0202?interface=1",
            PrinterAddress(Scheme.USB, vendor_id=0x04B8, product_id=0x0202, interface=1),
        ),
        (
            "serial:///dev/ttyUSB0?baudrate=115200&flow=rtscts",
            PrinterAddress(Scheme.SERIAL, path="/dev/ttyUSB0", baudrate=115200, flow=Flow.RTSCTS),
        ),
        ("serial:///dev/pts/7", PrinterAddress(Scheme.SERIAL, path="/dev/pts/7")),
        (
            "serial://dev/ttyS0?baudrate=9600",
            PrinterAddress(Scheme.SERIAL, path="/dev/ttyS0", baudrate=9600),
        ),
        ("file:///dev/usb/lp0", PrinterAddress(Scheme.FILE, path="/dev/usb/lp0")),
    ],
)
def test_parses_supported_urls(url: str, expected: PrinterAddress) -> None:
    assert parse_printer_url(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/dev/ttyUSB0", "not a printer URL"),
        ("lpt://1", "unsupported scheme"),
        ("usb://04b8", "VID:PID"),
        ("usb://zz:0e15", "not hexadecimal"),
        ("usb://04b8:10000", "out of range"),
        ("serial:///dev/ttyUSB0?baudrate=12345", "baudrate"),
        ("serial:///dev/ttyUSB0?flow=magic", "flow"),
        ("serial:///dev/ttyUSB0?parity=E", "unknown option"),
        ("tcp://:9100", "no host"),
        ("tcp://host:99999", "bad port"),
        ("file://", "no device path"),
    ],
)
def test_rejects_bad_urls_with_a_reason(url: str, message: str) -> None:
    with pytest.raises(AddressError, match=message):
        parse_printer_url(url)


def test_address_round_trips_through_str() -> None:
    for url in ("tcp://h:9100", "usb://04b8:0e15", "file:///tmp/x"):
        assert str(parse_printer_url(url)) == url
