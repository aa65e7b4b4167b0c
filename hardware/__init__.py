"""Sanad's hardware layer: ESC/POS receipt printers, the ID-card scanner and a printer emulator.

It depends on nothing else in the repository. Importing ``hardware`` (or any of its pure
modules) opens no device and reads no file; python-escpos, pyserial and pyusb are imported only
inside the adapters that need them.

Modules:
    ``hardware.status``      DLE EOT status bytes -> enums (pure)
    ``hardware.url``         printer URLs -> addresses (pure)
    ``hardware.job``         print jobs and results (pure data)
    ``hardware.encoding``    print job -> ESC/POS bytes (python-escpos adapter)
    ``hardware.models``      per-model capabilities (python-escpos profiles + what they omit)
    ``hardware.transports``  USB, serial, TCP, file and memory byte pipes with timeouts
    ``hardware.printer``     ``open_printer``: status, print jobs, recovery
    ``hardware.scanner``     serial ID-card / barcode reader with reconnect
    ``hardware.emulator``    a virtual ESC/POS printer (TCP, pty) that writes PNG receipts
    ``hardware.cli``         ``sanad hw ...``
"""

from __future__ import annotations

__all__: list[str] = []
