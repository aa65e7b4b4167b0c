"""Byte pipes to printers: USB, serial (and ptys), TCP, files, memory; see ``base.Transport``."""

from __future__ import annotations

from hardware.transports.base import Transport, TransportBase
from hardware.url import PrinterAddress, Scheme

__all__ = ["Transport", "TransportBase", "open_transport"]


def open_transport(address: PrinterAddress, timeout: float) -> Transport:
    """Open the transport an address names; raises ``DeviceNotFound`` / ``TransportTimeout``."""
    if address.scheme is Scheme.TCP:
        from hardware.transports.tcp import TcpTransport

        return TcpTransport.connect(address.host, address.port, timeout)
    if address.scheme is Scheme.SERIAL:
        from hardware.transports.serial import SerialTransport

        return SerialTransport.open(address.path, address.baudrate, address.flow)
    if address.scheme is Scheme.USB:
        from hardware.transports.usb import UsbTransport

        return UsbTransport.open(address.vendor_id, address.product_id, address.interface)
    from hardware.transports.file import FileTransport

    return FileTransport.open(address.path)
