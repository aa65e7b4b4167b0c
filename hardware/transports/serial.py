"""Serial transport over pyserial (``serial_for_url``: real ports, USB-serial adapters, ptys)."""

from __future__ import annotations

import logging
import select
from typing import Any

from hardware.errors import ConnectionLost, DeviceNotFound, TransportTimeout
from hardware.transports.base import TransportBase
from hardware.url import Flow

__all__ = ["SerialTransport", "open_serial_port"]

log = logging.getLogger(__name__)


def open_serial_port(path: str, baudrate: int, flow: Flow = Flow.NONE) -> Any:
    """Open a pyserial port (non-blocking reads) and translate its errors."""
    import serial

    try:
        port = serial.serial_for_url(
            path,
            baudrate=baudrate,
            rtscts=flow is Flow.RTSCTS,
            xonxoff=flow is Flow.XONXOFF,
            dsrdtr=flow is Flow.DSRDTR,
            timeout=0,
            write_timeout=1.0,
            exclusive=True if path.startswith("/") else None,
        )
    except (serial.SerialException, ValueError, OSError) as exc:
        raise DeviceNotFound(f"serial {path}: {exc}") from exc
    return port


class SerialTransport(TransportBase):
    def __init__(self, port: Any, name: str) -> None:
        self._port = port
        self.name = name
        self._closed = False
        try:  # a real port or pty has a descriptor to wait on; loop:// and friends do not
            self._fileno: int | None = int(port.fileno())
        except (AttributeError, OSError, ValueError, TypeError):
            self._fileno = None

    @classmethod
    def open(cls, path: str, baudrate: int, flow: Flow = Flow.NONE) -> SerialTransport:
        port = open_serial_port(path, baudrate, flow)
        name = f"serial://{path}"
        log.info("opened %s at %d baud (flow %s)", name, baudrate, flow.value)
        return cls(port, name)

    def _set_write_timeout(self, timeout: float) -> None:
        # pyserial reprograms the port (tcsetattr) on every timeout change: only when needed
        bound = round(max(timeout, 0.001), 3)
        if self._port.write_timeout != bound:
            self._port.write_timeout = bound

    def write(self, data: bytes, timeout: float) -> None:
        import serial

        if timeout <= 0:
            raise TransportTimeout(f"{self.name}: no time left to write")
        try:
            # inside the try: reprogramming a port that just hung up fails like the write would
            self._set_write_timeout(timeout)
            self._port.write(data)  # one bound for the whole write (pyserial loops inside)
        except serial.SerialTimeoutException as exc:
            raise TransportTimeout(f"{self.name}: write did not finish in {timeout:g}s") from exc
        except (serial.SerialException, OSError) as exc:
            raise ConnectionLost(f"{self.name}: {exc}") from exc

    def read(self, size: int, timeout: float) -> bytes:
        import serial

        try:
            if self._fileno is not None:
                # wait with select: changing pyserial's read timeout reprograms the port
                readable, _, _ = select.select([self._fileno], [], [], max(timeout, 0.0))
                if not readable:
                    return b""
                return bytes(self._port.read(min(max(self._port.in_waiting, 1), size)))
            self._port.timeout = max(timeout, 0.0)
            first = self._port.read(1)
            if not first:
                return b""
            self._port.timeout = 0
            waiting = min(self._port.in_waiting, size - 1)
            rest = self._port.read(waiting) if waiting > 0 else b""
        except (serial.SerialException, OSError) as exc:
            raise ConnectionLost(f"{self.name}: {exc}") from exc
        return bytes(first + rest)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._port.close()
        except Exception as exc:  # closing an unplugged port may fail: it is gone anyway
            log.debug("closing %s: %s", self.name, exc)
        log.info("closed %s", self.name)
