"""An ESC/POS printer behind a transport: real-time status, bounded print jobs, recovery.

``open_printer(url)`` opens the connection at once (no lazy opening on attribute access, no
``__del__``) and returns a ``Printer`` to use as a context manager. Every method is bounded by
a timeout; none blocks its caller longer than that (plus one OS call). A ``Printer`` may be
shared between threads (a status poller and a print worker): calls are serialised by a lock
whose wait is itself bounded.

A print job goes: status (not ready -> ``FAILED`` with the reason, after one ``DLE ENQ``
recovery attempt where the model allows it and the fault is recoverable) -> job bytes ->
Epson ``GS ( H`` process-ID request where supported -> wait for the printer's completion reply
while polling status -> status again. Anything going wrong on the way (paper out, cover open,
cable pulled, no confirmation in time) is ``FAILED`` with one ``FailureReason``, never
``PRINTED``. Where the model cannot confirm, ``PRINTED`` means "the printer took every byte and
reported no fault afterwards" and ``confirmed`` is False.

What it does not do: retry a failed job (reprinting is the caller's decision, from its
journal), or render documents (that is the kiosk's layout code).
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
import time
from collections.abc import Callable
from types import TracebackType

from hardware.encoding import encode_job, process_id_request, recover_command
from hardware.errors import (
    ConnectionLost,
    HardwareError,
    TransportError,
    TransportTimeout,
    UnsupportedFeature,
)
from hardware.job import FailureReason, Outcome, PrintJob, PrintResult, reason_for
from hardware.models import PrinterModel, resolve_model
from hardware.status import (
    QUERIES,
    RECOVERABLE_PROBLEMS,
    PrinterStatus,
    Problem,
    ProcessIdReply,
    StatusByte,
    split_replies,
    status_from_replies,
)
from hardware.transports import Transport, open_transport
from hardware.url import parse_printer_url

__all__ = ["Printer", "open_printer"]

log = logging.getLogger(__name__)

_CHUNK = 4096
_POLL_INTERVAL = 0.2


def open_printer(
    url: str,
    *,
    width_dots: int = 576,
    profile: str | None = None,
    timeout: float = 2.0,
) -> Printer:
    """Open the printer at ``url`` (see ``hardware.url``); use the result as a context manager.

    ``profile`` is a python-escpos profile name (``"TM-T20II"``, ``"TM-T88V"``; ``None`` is the
    generic profile: native QR, no confirmation). ``timeout`` bounds opening the connection and
    each status query. Raises ``AddressError`` for a bad URL or profile and ``TransportError``
    when the device cannot be opened.
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    address = parse_printer_url(url)
    model = resolve_model(profile, width_dots)
    transport = open_transport(address, timeout)
    return Printer(
        transport, model, timeout=timeout, reopen=lambda: open_transport(address, timeout)
    )


def _recoverable(status: PrinterStatus) -> bool:
    """True when every fault is one DLE ENQ clears (the offline bit comes with them)."""
    faults = set(status.problems) - {Problem.OFFLINE}
    return bool(faults) and faults <= RECOVERABLE_PROBLEMS


def _status_of(got: list[int]) -> PrinterStatus:
    values: list[int | None] = [*got[:4], None, None, None, None][:4]
    return status_from_replies(
        (
            StatusByte.of(values[0]),
            StatusByte.of(values[1]),
            StatusByte.of(values[2]),
            StatusByte.of(values[3]),
        )
    )


class Printer:
    """One open printer connection. Create with ``open_printer``."""

    def __init__(
        self,
        transport: Transport,
        model: PrinterModel,
        *,
        timeout: float = 2.0,
        reopen: Callable[[], Transport] | None = None,
    ):
        self._transport = transport
        self._reopen = reopen
        self.model = model
        self.timeout = timeout
        self._lock = threading.Lock()
        self._rest = b""
        self._process_ids: set[bytes] = set()
        self._ids = itertools.count(random.randrange(10000))
        self._closed = False

    @property
    def name(self) -> str:
        return self._transport.name

    @property
    def width_dots(self) -> int:
        return self.model.width_dots

    # -- context manager -------------------------------------------------------------------

    def __enter__(self) -> Printer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._transport.close()

    def reopen(self) -> None:
        """Close the link and open it again (after ``connection-lost``: cable, power cycle).

        Raises ``TransportError`` if the device is still not there; the ``Printer`` stays
        usable for another ``reopen`` either way.
        """
        if self._reopen is None:
            raise UnsupportedFeature("this printer was not opened from a URL; open it again")
        self._acquire(self.timeout, allow_closed=True)
        try:
            self._transport.close()
            self._rest = b""
            self._process_ids.clear()
            self._transport = self._reopen()
            self._closed = False
        finally:
            self._lock.release()

    # -- locking ---------------------------------------------------------------------------

    def _acquire(self, timeout: float, *, allow_closed: bool = False) -> None:
        if self._closed and not allow_closed:
            raise ConnectionLost(f"{self.name}: printer is closed")
        if not self._lock.acquire(timeout=max(timeout, 0.0)):
            raise TransportTimeout(f"{self.name}: busy with another call for {timeout:g}s")

    # -- status ----------------------------------------------------------------------------

    def status(self, *, timeout: float | None = None) -> PrinterStatus:
        """Query DLE EOT 1..4. A silent printer gives an all-``UNKNOWN`` status after ``timeout``.

        Raises ``TransportError`` only when the connection itself fails (``ConnectionLost``).
        """
        bound = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + bound
        self._acquire(bound)
        try:
            return self._query_status(deadline)
        finally:
            self._lock.release()

    def _collect(self, data: bytes) -> list[int]:
        """Split incoming bytes; remember process-ID replies, return single reply bytes."""
        items, self._rest, junk = split_replies(self._rest + data)
        if junk:
            log.debug("%s: %d unexpected reply byte(s)", self.name, len(junk))
        singles: list[int] = []
        for item in items:
            if isinstance(item, ProcessIdReply):
                self._process_ids.add(item.process_id)
            else:
                singles.append(item)
        return singles

    def _drain(self) -> None:
        stale = self._transport.discard_input()
        if stale:
            self._collect(stale)

    def _query_status(self, deadline: float) -> PrinterStatus:
        if not self._transport.can_read:
            return status_from_replies(
                (StatusByte.of(None), StatusByte.of(None), StatusByte.of(None), StatusByte.of(None))
            )
        self._drain()
        self._transport.write(b"".join(QUERIES), max(deadline - time.monotonic(), 0.05))
        got: list[int] = []
        while len(got) < 4:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            chunk = self._transport.read(64, remaining)
            if chunk:
                got += self._collect(chunk)
        status = _status_of(got)
        log.debug("%s: status %s", self.name, [p.value for p in status.problems] or "ready")
        return status

    # -- recovery --------------------------------------------------------------------------

    def recover(self, *, clear_buffers: bool = True, timeout: float | None = None) -> PrinterStatus:
        """Send ``DLE ENQ`` (where the model allows it) and return the status afterwards."""
        if not self.model.recovery:
            raise UnsupportedFeature(f"profile {self.model.profile!r} has no DLE ENQ recovery")
        bound = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + bound
        self._acquire(bound)
        try:
            return self._recover(clear_buffers, deadline)
        finally:
            self._lock.release()

    def _recover(self, clear_buffers: bool, deadline: float) -> PrinterStatus:
        log.warning("%s: sending DLE ENQ %d", self.name, 2 if clear_buffers else 1)
        self._transport.write(
            recover_command(clear_buffers), max(deadline - time.monotonic(), 0.05)
        )
        return self._query_status(deadline)

    # -- printing --------------------------------------------------------------------------

    def print_job(self, job: PrintJob, *, timeout: float, recover: bool = True) -> PrintResult:
        """Print ``job`` within ``timeout`` seconds; never raises for printer or link faults."""
        start = time.monotonic()
        deadline = start + timeout
        try:
            self._acquire(timeout)
        except ConnectionLost as exc:  # closed
            return PrintResult(Outcome.FAILED, FailureReason.CONNECTION_LOST, detail=str(exc))
        except HardwareError as exc:  # another call kept the printer for the whole timeout
            return PrintResult(Outcome.FAILED, FailureReason.TIMEOUT, detail=str(exc))
        try:
            result = self._print(job, start, deadline, recover)
        finally:
            self._lock.release()
        level = logging.INFO if result.ok else logging.WARNING
        log.log(
            level,
            "%s: job %s %s%s (%d bytes, %.2fs%s)",
            self.name,
            job.label or "-",
            result.outcome.value,
            f" ({result.reason.value})" if result.reason else "",
            result.bytes_sent,
            result.seconds,
            ", confirmed" if result.confirmed else "",
        )
        return result

    def _status_bound(self, deadline: float) -> float:
        return min(time.monotonic() + self.timeout, deadline)

    def _print(self, job: PrintJob, start: float, deadline: float, recover: bool) -> PrintResult:
        def failed(
            reason: FailureReason,
            before: PrinterStatus | None,
            after: PrinterStatus | None = None,
            sent: int = 0,
            detail: str = "",
        ) -> PrintResult:
            return PrintResult(
                Outcome.FAILED,
                reason,
                status_before=before,
                status_after=after,
                bytes_sent=sent,
                seconds=time.monotonic() - start,
                detail=detail,
            )

        try:
            encoded = encode_job(job, self.model)
        except UnsupportedFeature as exc:
            return failed(FailureReason.UNSUPPORTED, None, detail=str(exc))

        if not self._transport.can_read:
            return self._print_blind(encoded.data, start, deadline)

        before: PrinterStatus | None = None
        sent = 0
        try:
            before = self._query_status(self._status_bound(deadline))
            if (
                not before.ready
                and recover
                and self.model.recovery
                and before.answered
                and _recoverable(before)
            ):
                before = self._recover(True, self._status_bound(deadline))
            reason = reason_for(before)
            if reason is not None:
                return failed(reason, before, detail="printer not ready; nothing was sent")

            process_id: bytes | None = None
            data = encoded.data
            if self.model.process_id:
                process_id = b"%04d" % (next(self._ids) % 10000)
                self._process_ids.discard(process_id)
                data += process_id_request(process_id)

            # keep a slice of the budget to name the fault if the printer stops taking bytes
            write_deadline = deadline - min(0.5, (deadline - start) * 0.1)
            for offset in range(0, len(data), _CHUNK):
                remaining = write_deadline - time.monotonic()
                if remaining <= 0:
                    raise TransportTimeout(f"{self.name}: job did not go out in time")
                self._transport.write(data[offset : offset + _CHUNK], remaining)
                sent = min(offset + _CHUNK, len(data))
                pending = self._transport.read(256, 0.0)
                if pending:
                    self._collect(pending)

            if process_id is None:
                after = self._query_status(self._status_bound(deadline))
                reason = reason_for(after)
                if reason is not None:
                    return failed(
                        reason, before, after, sent, "printer reported a fault after the job"
                    )
                return PrintResult(
                    Outcome.PRINTED,
                    status_before=before,
                    status_after=after,
                    bytes_sent=sent,
                    seconds=time.monotonic() - start,
                    detail="the model cannot confirm printing; no fault was reported",
                    warnings=tuple(after.warnings),
                )
            return self._await_confirmation(process_id, before, sent, start, deadline)
        except ConnectionLost as exc:
            return failed(FailureReason.CONNECTION_LOST, before, None, sent, str(exc))
        except TransportTimeout as exc:
            last = self._last_look(deadline) if deadline - time.monotonic() > 0.05 else None
            reason = reason_for(last) if last is not None else None
            return failed(reason or FailureReason.TIMEOUT, before, last, sent, str(exc))
        except TransportError as exc:
            return failed(FailureReason.IO_ERROR, before, None, sent, str(exc))

    def _last_look(self, deadline: float) -> PrinterStatus | None:
        """After a timeout, one short status query to name the fault (paper out beats timeout)."""
        try:
            return self._query_status(min(time.monotonic() + self.timeout, deadline))
        except TransportError:
            return None

    def _await_confirmation(
        self,
        process_id: bytes,
        before: PrinterStatus,
        sent: int,
        start: float,
        deadline: float,
    ) -> PrintResult:
        """Wait for the process-ID reply, polling status without piling up queries.

        On a slow link the status replies queue behind the job's own bytes, so an unanswered
        poll proves nothing until the deadline; an *answered* poll naming a fault fails the job
        at once.
        """

        def result(
            outcome: Outcome, reason: FailureReason | None, after: PrinterStatus | None, detail: str
        ) -> PrintResult:
            return PrintResult(
                outcome,
                reason,
                confirmed=process_id_seen,
                status_before=before,
                status_after=after,
                bytes_sent=sent,
                seconds=time.monotonic() - start,
                detail=detail,
                warnings=tuple(after.warnings) if after is not None else (),
            )

        last: PrinterStatus | None = None
        got: list[int] = []
        asked_at: float | None = None  # when the unanswered poll was sent
        next_poll = time.monotonic() + _POLL_INTERVAL
        process_id_seen = False
        while True:
            if process_id in self._process_ids:
                self._process_ids.discard(process_id)
                process_id_seen = True
                if asked_at is not None:  # let the outstanding poll finish before a new one
                    self._finish_poll(got, self._status_bound(deadline))
                after = self._query_status(self._status_bound(deadline))
                reason = reason_for(after)
                # The printer's own confirmation is authoritative: the job is on paper. A fault
                # right after it (paper ran out at the end) is for the next job to refuse.
                detail = f"printed; the printer now reports {reason.value}" if reason else ""
                return result(Outcome.PRINTED, None, after, detail)
            now = time.monotonic()
            if now >= deadline:
                if asked_at is not None and now - asked_at >= self.timeout:
                    reason = FailureReason.NO_ANSWER
                else:
                    reason = (
                        reason_for(last) if last is not None else None
                    ) or FailureReason.NOT_CONFIRMED
                return result(
                    Outcome.FAILED, reason, last, "the printer did not confirm the job in time"
                )
            if asked_at is None and now >= next_poll:
                self._transport.write(b"".join(QUERIES), max(deadline - now, 0.05))
                asked_at, got = now, []
            wait_until = deadline if asked_at is not None else min(next_poll, deadline)
            chunk = self._transport.read(64, max(wait_until - now, 0.0))
            if chunk:
                got += self._collect(chunk)
            if asked_at is not None and len(got) >= 4:
                last = _status_of(got[:4])
                asked_at, got = None, []
                next_poll = time.monotonic() + _POLL_INTERVAL
                reason = reason_for(last)
                if reason is not None and process_id not in self._process_ids:
                    return result(
                        Outcome.FAILED, reason, last, "the printer faulted before confirming"
                    )

    def _finish_poll(self, got: list[int], deadline: float) -> None:
        """Read the rest of an outstanding poll's replies so they cannot shift the next one."""
        while len(got) < 4:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            chunk = self._transport.read(64, remaining)
            if chunk:
                got += self._collect(chunk)

    def _print_blind(self, data: bytes, start: float, deadline: float) -> PrintResult:
        """Write-only targets (a file): send, and say plainly that nothing is confirmed."""
        try:
            self._transport.write(data, max(deadline - time.monotonic(), 0.05))
        except ConnectionLost as exc:
            return PrintResult(
                Outcome.FAILED,
                FailureReason.CONNECTION_LOST,
                detail=str(exc),
                seconds=time.monotonic() - start,
            )
        except TransportError as exc:
            return PrintResult(
                Outcome.FAILED,
                FailureReason.IO_ERROR,
                detail=str(exc),
                seconds=time.monotonic() - start,
            )
        return PrintResult(
            Outcome.PRINTED,
            bytes_sent=len(data),
            seconds=time.monotonic() - start,
            detail="write-only target: status and completion cannot be checked",
        )

    def send_raw(self, data: bytes, *, timeout: float) -> None:
        """Write bytes as they are (technician tools); raises ``TransportError``."""
        self._acquire(timeout)
        try:
            self._transport.write(data, timeout)
        finally:
            self._lock.release()
