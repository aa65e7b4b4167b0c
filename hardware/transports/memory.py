"""In-memory transport for unit tests: records writes, answers with a scripted responder."""

from __future__ import annotations

import collections
import time
from collections.abc import Callable

from hardware.errors import ConnectionLost
from hardware.transports.base import TransportBase

__all__ = ["MemoryTransport"]


class MemoryTransport(TransportBase):
    """``respond(data)`` is called with each write and returns the bytes to queue for reading."""

    def __init__(self, respond: Callable[[bytes], bytes] | None = None, name: str = "memory://"):
        self.name = name
        self.written = bytearray()
        self._respond = respond
        self._pending: collections.deque[int] = collections.deque()
        self.closed = False

    def feed(self, data: bytes) -> None:
        self._pending.extend(data)

    def write(self, data: bytes, timeout: float) -> None:
        if self.closed:
            raise ConnectionLost(f"{self.name}: closed")
        self.written += data
        if self._respond is not None:
            self._pending.extend(self._respond(bytes(data)))

    def read(self, size: int, timeout: float) -> bytes:
        if self.closed:
            raise ConnectionLost(f"{self.name}: closed")
        if not self._pending:
            time.sleep(max(0.0, min(timeout, 0.05)))  # nothing will arrive: no busy loop
        out = bytearray()
        while self._pending and len(out) < size:
            out.append(self._pending.popleft())
        return bytes(out)

    def close(self) -> None:
        self.closed = True
