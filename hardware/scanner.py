"""Serial ID-card / barcode scanner: lines in, validated scans out, surviving unplug and replug.

A background thread opens the port with pyserial (``serial_for_url``: a device path, a
``/dev/serial/by-id/...`` link or a pty), splits the byte stream into lines on CR or LF, checks
each with the caller's ``validator`` (the kiosk passes the national-ID check; by default:
digits only) and hands out ``Scan`` objects through ``get(timeout)`` and an optional callback.
When the port fails (cable pulled, device gone) it closes it, reports ``DISCONNECTED`` and
reopens with exponential back-off until it works again or ``stop()`` is called.

What it does not do: decide what a scan means (the kiosk's session does), or log what was
scanned (an ID number is personal data: only its length and validity are logged).
"""

from __future__ import annotations

import contextlib
import enum
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

__all__ = ["Backoff", "Scan", "Scanner", "ScannerState", "digits_only", "split_lines"]

log = logging.getLogger(__name__)

_MAX_LINE = 256


def digits_only(text: str) -> bool:
    """The default validator: a non-empty run of ASCII digits."""
    return text.isascii() and text.isdigit()


class ScannerState(enum.Enum):
    STOPPED = "stopped"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class Scan:
    text: str
    valid: bool
    at: float  # time.time() when the line ended

    def __repr__(self) -> str:  # keep ID numbers out of logs and tracebacks
        return f"Scan(<{len(self.text)} chars>, valid={self.valid})"


@dataclass(frozen=True)
class Backoff:
    """Reconnect delays: ``initial``, doubling, at most ``maximum`` seconds.

    Not the project's retry library (stamina) on purpose: this is no retry of one call that
    gives up, but a loop that reconnects for as long as the scanner runs, and its waits must
    end the moment ``stop()`` is called (``Event.wait``), which stamina's sleeps cannot."""

    initial: float = 0.2
    maximum: float = 5.0

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            yield delay
            delay = min(delay * 2, self.maximum)


def split_lines(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Split on CR, LF or CRLF; return complete lines (empty ones dropped) and the remainder."""
    lines: list[bytes] = []
    start = 0
    for i, b in enumerate(buffer):
        if b in (0x0A, 0x0D):
            if i > start:
                lines.append(buffer[start:i])
            start = i + 1
    return lines, buffer[start:]


class Scanner:
    """Reads a serial scanner on a background thread. Use as a context manager or start/stop."""

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        validator: Callable[[str], bool] = digits_only,
        on_scan: Callable[[Scan], None] | None = None,
        on_state: Callable[[ScannerState], None] | None = None,
        backoff: Backoff = Backoff(),
        read_timeout: float = 0.1,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self._validator = validator
        self._on_scan = on_scan
        self._on_state = on_state
        self._backoff = backoff
        self._read_timeout = read_timeout
        self._scans: queue.Queue[Scan] = queue.Queue(maxsize=100)
        self._state = ScannerState.STOPPED
        self._state_changed = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reconnects = 0

    # -- state -----------------------------------------------------------------------------

    @property
    def state(self) -> ScannerState:
        return self._state

    def _set_state(self, state: ScannerState) -> None:
        with self._state_changed:
            if state is self._state:
                return
            log.debug("scanner %s: %s -> %s", self.port, self._state.value, state.value)
            self._state = state
            self._state_changed.notify_all()
        if self._on_state is not None:
            try:
                self._on_state(state)
            except Exception:
                log.exception("scanner state callback failed")

    def wait_for_state(self, state: ScannerState, timeout: float) -> bool:
        """Block at most ``timeout`` seconds until the scanner is in ``state``."""
        deadline = time.monotonic() + timeout
        with self._state_changed:
            while self._state is not state:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._state_changed.wait(remaining)
            return True

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Scanner:
        if self._thread is not None:
            raise RuntimeError("scanner already started")
        self._stop.clear()
        self._set_state(ScannerState.CONNECTING)
        self._thread = threading.Thread(target=self._run, name="scanner", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._set_state(ScannerState.STOPPED)

    def __enter__(self) -> Scanner:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def get(self, timeout: float) -> Scan | None:
        """The next scan, or ``None`` after ``timeout`` seconds."""
        try:
            return self._scans.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None

    # -- the reader thread -----------------------------------------------------------------

    def _open(self) -> Any:
        import serial

        return serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=self._read_timeout)

    def _run(self) -> None:
        import serial

        delays = self._backoff.delays()
        while not self._stop.is_set():
            try:
                port = self._open()
            except (serial.SerialException, OSError, ValueError) as exc:
                self._set_state(ScannerState.DISCONNECTED)
                delay = next(delays)
                log.debug("scanner %s: cannot open (%s); retry in %.1fs", self.port, exc, delay)
                self._stop.wait(delay)
                continue
            delays = self._backoff.delays()
            if self.state is ScannerState.DISCONNECTED:
                self.reconnects += 1
            log.info("scanner %s connected", self.port)
            self._set_state(ScannerState.CONNECTED)
            try:
                self._read_lines(port)
            except (serial.SerialException, OSError) as exc:
                log.warning("scanner %s disconnected: %s", self.port, exc)
                self._set_state(ScannerState.DISCONNECTED)
            finally:
                try:
                    port.close()
                except Exception as exc:  # the device is gone; closing may fail too
                    log.debug("scanner %s: close: %s", self.port, exc)

    def _read_lines(self, port: Any) -> None:
        buffer = b""
        skipping = False  # inside the tail of an overlong line
        while not self._stop.is_set():
            chunk = port.read(max(1, min(port.in_waiting, 1024)))
            if not chunk:
                continue
            if skipping:  # drop the rest of an overlong line, up to its line end
                ends = [i for i in (chunk.find(b"\r"), chunk.find(b"\n")) if i >= 0]
                if not ends:
                    continue
                chunk, skipping = chunk[min(ends) + 1 :], False
            lines, buffer = split_lines(buffer + chunk)
            for raw in lines:
                if len(raw) > _MAX_LINE:
                    log.warning("scanner %s: overlong line (%d bytes) dropped", self.port, len(raw))
                else:
                    self._deliver(raw)
            if len(buffer) > _MAX_LINE:
                log.warning(
                    "scanner %s: %d bytes without a line end dropped", self.port, len(buffer)
                )
                buffer = b""
                skipping = True

    def _deliver(self, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace").strip()
        if not text:
            return
        try:
            valid = bool(self._validator(text))
        except Exception:
            log.exception("scanner validator failed")
            valid = False
        scan = Scan(text, valid, time.time())
        log.info("scanner %s: scan of %d chars, valid=%s", self.port, len(text), valid)
        try:
            self._scans.put_nowait(scan)
        except queue.Full:
            log.warning("scanner %s: nobody is reading scans; oldest dropped", self.port)
            with contextlib.suppress(queue.Empty):
                self._scans.get_nowait()
            self._scans.put_nowait(scan)
        if self._on_scan is not None:
            try:
                self._on_scan(scan)
            except Exception:
                log.exception("scanner scan callback failed")
