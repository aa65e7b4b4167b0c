"""USB printer-class transport over pyusb, with a timeout on every transfer.

python-escpos's USB printer has no timeout by default (a stuck printer blocks forever) and
opens the device when its ``device`` property is first read; here the device is opened by
``UsbTransport.open`` and every bulk transfer carries an explicit bound.
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Callable
from typing import Any

from hardware.errors import ConnectionLost, DeviceNotFound, TransportError, TransportTimeout
from hardware.transports.base import TransportBase

__all__ = ["UsbTransport", "list_usb_printers"]

log = logging.getLogger(__name__)

_PRINTER_CLASS = 7
_ENDPOINT_IN = 0x80
_TRANSFER_BULK = 0x02


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _gone(exc: Exception) -> bool:
    return getattr(exc, "errno", None) in (errno.ENODEV, errno.EIO, errno.EPIPE, errno.ENOENT)


class UsbTransport(TransportBase):
    def __init__(self, device: Any, out_ep: int, in_ep: int | None, interface: int, name: str):
        self._device = device
        self._out = out_ep
        self._in = in_ep
        self._interface = interface
        self.name = name
        self.can_read = in_ep is not None
        self._closed = False

    @classmethod
    def open(
        cls,
        vendor_id: int,
        product_id: int,
        interface: int = 0,
        *,
        find: Callable[..., Any] | None = None,
    ) -> UsbTransport:
        """Find, claim and configure the device; ``find`` defaults to ``usb.core.find``."""
        import usb.core

        name = f"usb://{vendor_id:04x}:{product_id:04x}"
        finder = find or usb.core.find
        try:
            device = finder(idVendor=vendor_id, idProduct=product_id)
        except usb.core.NoBackendError as exc:
            raise DeviceNotFound(f"{name}: no USB backend (libusb) installed") from exc
        if device is None:
            raise DeviceNotFound(f"{name}: no such USB device")
        try:
            if device.is_kernel_driver_active(interface):
                device.detach_kernel_driver(interface)
            try:
                config = device.get_active_configuration()
            except usb.core.USBError:
                config = None
            if config is None:
                device.set_configuration()
                config = device.get_active_configuration()
            intf = config[(interface, 0)]
            out_ep = in_ep = None
            for ep in intf:
                if ep.bmAttributes & 0x03 != _TRANSFER_BULK:
                    continue
                if ep.bEndpointAddress & _ENDPOINT_IN:
                    in_ep = in_ep if in_ep is not None else ep.bEndpointAddress
                else:
                    out_ep = out_ep if out_ep is not None else ep.bEndpointAddress
        except usb.core.USBError as exc:
            if getattr(exc, "errno", None) == errno.EACCES:
                raise DeviceNotFound(
                    f"{name}: permission denied (install the udev rule in docs/hardware.md)"
                ) from exc
            raise DeviceNotFound(f"{name}: {exc}") from exc
        if out_ep is None:
            raise DeviceNotFound(f"{name}: interface {interface} has no bulk OUT endpoint")
        log.info("opened %s", name)
        return cls(device, out_ep, in_ep, interface, name)

    def write(self, data: bytes, timeout: float) -> None:
        import usb.core

        deadline = time.monotonic() + timeout
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TransportTimeout(f"{self.name}: write did not finish in {timeout:g}s")
            try:
                written = self._device.write(self._out, bytes(view[:16384]), _ms(remaining))
            except usb.core.USBTimeoutError as exc:
                raise TransportTimeout(
                    f"{self.name}: write did not finish in {timeout:g}s"
                ) from exc
            except usb.core.USBError as exc:
                if _gone(exc):
                    raise ConnectionLost(f"{self.name}: device disconnected") from exc
                raise TransportError(f"{self.name}: {exc}") from exc
            view = view[int(written) :]

    def read(self, size: int, timeout: float) -> bytes:
        import usb.core

        if self._in is None:
            return b""
        try:
            data = self._device.read(self._in, max(size, 64), _ms(timeout))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as exc:
            if _gone(exc):
                raise ConnectionLost(f"{self.name}: device disconnected") from exc
            raise TransportError(f"{self.name}: {exc}") from exc
        return bytes(data)[:size] if len(data) else b""

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            import usb.util

            usb.util.dispose_resources(self._device)
        except Exception as exc:  # an unplugged device cannot be released: nothing to do
            log.debug("releasing %s: %s", self.name, exc)
        log.info("closed %s", self.name)


def list_usb_printers() -> list[tuple[int, int, str]]:
    """(vendor id, product id, description) of attached USB printer-class devices."""
    try:
        import usb.core
        import usb.util
    except ImportError:  # pragma: no cover - pyusb is a dependency
        return []
    found: list[tuple[int, int, str]] = []
    try:
        devices = list(usb.core.find(find_all=True))
    except usb.core.NoBackendError:
        return []
    for dev in devices:
        try:
            is_printer = dev.bDeviceClass == _PRINTER_CLASS or any(
                intf.bInterfaceClass == _PRINTER_CLASS for cfg in dev for intf in cfg
            )
        except usb.core.USBError:
            continue
        if is_printer:
            try:
                label = usb.util.get_string(dev, dev.iProduct) or ""
            except (usb.core.USBError, ValueError):
                label = ""
            found.append((dev.idVendor, dev.idProduct, label))
    return found
