"""The transport seam: a byte pipe to a device with an explicit bound on every call.

Modelled on httpx's ``BaseTransport``: small, opened explicitly, closed explicitly (a context
manager), never opened on attribute access and never closed from ``__del__``.

Contract for every implementation:

* ``write(data, timeout)`` sends all of ``data`` or raises ``TransportTimeout`` /
  ``ConnectionLost``; it never blocks longer than ``timeout`` seconds (plus one OS call).
* ``read(size, timeout)`` returns 1..size bytes as soon as any arrive, or ``b""`` when
  ``timeout`` passes with nothing; end-of-stream raises ``ConnectionLost``.
* ``can_read`` is False for write-only targets (a plain file): reads then return ``b""`` at once.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self, runtime_checkable

__all__ = ["Transport", "TransportBase"]


@runtime_checkable
class Transport(Protocol):
    name: str
    can_read: bool

    def write(self, data: bytes, timeout: float) -> None: ...

    def read(self, size: int, timeout: float) -> bytes: ...

    def discard_input(self) -> bytes: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class TransportBase:
    """Shared context-manager plumbing and ``discard_input`` for concrete transports."""

    name: str = "transport"
    can_read: bool = True

    def read(self, size: int, timeout: float) -> bytes:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def discard_input(self) -> bytes:
        """Drain whatever is already waiting (stale replies) without waiting; return it."""
        drained = bytearray()
        while self.can_read:
            chunk = self.read(4096, 0.0)
            if not chunk:
                break
            drained += chunk
        return bytes(drained)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
