"""The hardware package's exceptions: one root, translated once at each device boundary.

What callers catch (third-party errors from socket, pyserial and pyusb never escape)::

    HardwareError
     ├── AddressError          a printer URL or port name that cannot be used (bad input)
     ├── UnsupportedFeature    the job asks for something the printer profile lacks
     └── TransportError        the byte pipe failed
          ├── DeviceNotFound    nothing at that address (no such port, USB device, refused)
          ├── TransportTimeout  a bounded read or write ran out of time
          └── ConnectionLost    the device went away (cable pulled, socket reset, EOF)

A printer *fault* (paper out, cover open) is not an exception: it is a value in
``hardware.status.PrinterStatus`` or a failed ``hardware.job.PrintResult``.
"""

from __future__ import annotations

__all__ = [
    "AddressError",
    "ConnectionLost",
    "DeviceNotFound",
    "HardwareError",
    "TransportError",
    "TransportTimeout",
    "UnsupportedFeature",
]


class HardwareError(Exception):
    """Root of every error the hardware package raises."""


class AddressError(HardwareError, ValueError):
    """A printer URL, port name or option that cannot be used."""


class UnsupportedFeature(HardwareError):
    """The printer profile does not support what was asked."""


class TransportError(HardwareError):
    """The connection to a device failed."""


class DeviceNotFound(TransportError):
    """No device answers at that address."""


class TransportTimeout(TransportError):
    """A bounded read or write did not complete in time."""


class ConnectionLost(TransportError):
    """The device went away while in use."""
