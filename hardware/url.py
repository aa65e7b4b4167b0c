"""Printer URLs -> typed addresses (pure; opens nothing).

Accepted forms::

    usb://04b8:0e15                  vendor and product id in hex (optional ?interface=0)
    serial:///dev/ttyUSB0?baudrate=115200&flow=rtscts     flow: none | rtscts | xonxoff | dsrdtr
    serial:///dev/pts/7              a pty (the emulator's), same code path
    tcp://192.168.1.50:9100          raw TCP ("JetDirect"); port defaults to 9100
    file:///dev/usb/lp0              a character device or plain file, write-only (no status)

A bad URL raises ``AddressError`` naming what is wrong.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from hardware.errors import AddressError

__all__ = ["Flow", "PrinterAddress", "Scheme", "parse_printer_url"]

_DEFAULT_TCP_PORT = 9100
_BAUDRATES = frozenset(
    {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600}
)


class Scheme(enum.Enum):
    USB = "usb"
    SERIAL = "serial"
    TCP = "tcp"
    FILE = "file"


class Flow(enum.Enum):
    NONE = "none"
    RTSCTS = "rtscts"
    XONXOFF = "xonxoff"
    DSRDTR = "dsrdtr"


@dataclass(frozen=True)
class PrinterAddress:
    scheme: Scheme
    host: str = ""
    port: int = 0
    path: str = ""
    vendor_id: int = 0
    product_id: int = 0
    interface: int = 0
    baudrate: int = 115200
    flow: Flow = Flow.NONE

    def __str__(self) -> str:
        if self.scheme is Scheme.TCP:
            return f"tcp://{self.host}:{self.port}"
        if self.scheme is Scheme.USB:
            return f"usb://{self.vendor_id:04x}:{self.product_id:04x}"
        if self.scheme is Scheme.SERIAL:
            return f"serial://{self.path}?baudrate={self.baudrate}&flow={self.flow.value}"
        return f"file://{self.path}"


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise AddressError(f"option {name!r} given more than once")
    return values[0]


def _check_known(query: dict[str, list[str]], allowed: set[str]) -> None:
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise AddressError(f"unknown option(s) {', '.join(unknown)}; allowed: {sorted(allowed)}")


def _hex16(text: str, what: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise AddressError(f"{what} {text!r} is not hexadecimal") from None
    if not 0 <= value <= 0xFFFF:
        raise AddressError(f"{what} {text!r} is out of range")
    return value


def parse_printer_url(url: str) -> PrinterAddress:
    """Parse a printer URL; raise ``AddressError`` if it cannot name a printer."""
    if "://" not in url:
        raise AddressError(
            f"{url!r} is not a printer URL (expected usb://, serial://, tcp://, file://)"
        )
    parts = urlsplit(url)
    try:
        scheme = Scheme(parts.scheme.lower())
    except ValueError:
        raise AddressError(
            f"unsupported scheme {parts.scheme!r}; use usb, serial, tcp or file"
        ) from None
    query = parse_qs(parts.query, keep_blank_values=True)

    if scheme is Scheme.TCP:
        _check_known(query, set())
        host = parts.hostname
        if not host:
            raise AddressError(f"{url!r}: no host")
        try:
            port = parts.port or _DEFAULT_TCP_PORT
        except ValueError:
            raise AddressError(f"{url!r}: bad port") from None
        return PrinterAddress(scheme, host=host, port=port)

    if scheme is Scheme.USB:
        _check_known(query, {"interface"})
        ids = parts.netloc or parts.path.lstrip("/")
        vid, sep, pid = ids.partition(":")
        if not sep or not vid or not pid:
            raise AddressError(f"{url!r}: expected usb://VID:PID (hex)")
        interface_text = _one(query, "interface") or "0"
        if not interface_text.isdigit():
            raise AddressError(f"{url!r}: interface must be a number")
        return PrinterAddress(
            scheme,
            vendor_id=_hex16(vid, "vendor id"),
            product_id=_hex16(pid, "product id"),
            interface=int(interface_text),
        )

    path = parts.path
    if parts.netloc:  # serial://dev/ttyUSB0 (two slashes) is a common slip: accept it
        path = "/" + parts.netloc + path
    if not path:
        raise AddressError(f"{url!r}: no device path")

    if scheme is Scheme.FILE:
        _check_known(query, set())
        return PrinterAddress(scheme, path=path)

    _check_known(query, {"baudrate", "flow"})
    baud_text = _one(query, "baudrate") or "115200"
    if not baud_text.isdigit() or int(baud_text) not in _BAUDRATES:
        raise AddressError(f"{url!r}: baudrate must be one of {sorted(_BAUDRATES)}")
    flow_text = (_one(query, "flow") or "none").lower()
    try:
        flow = Flow(flow_text)
    except ValueError:
        raise AddressError(f"{url!r}: flow must be one of {[f.value for f in Flow]}") from None
    return PrinterAddress(scheme, path=path, baudrate=int(baud_text), flow=flow)
