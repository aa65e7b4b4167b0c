"""Raw TCP printer transport (port 9100 "JetDirect" style), non-blocking with deadlines."""

from __future__ import annotations

import logging
import select
import socket
import time

from hardware.errors import ConnectionLost, DeviceNotFound, TransportTimeout
from hardware.transports.base import TransportBase

__all__ = ["TcpTransport"]

log = logging.getLogger(__name__)


class TcpTransport(TransportBase):
    def __init__(self, sock: socket.socket, name: str) -> None:
        self._sock = sock
        self._sock.setblocking(False)
        self.name = name
        self._closed = False

    @classmethod
    def connect(cls, host: str, port: int, timeout: float) -> TcpTransport:
        name = f"tcp://{host}:{port}"
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except TimeoutError as exc:
            raise TransportTimeout(f"{name}: no connection within {timeout:g}s") from exc
        except OSError as exc:
            raise DeviceNotFound(f"{name}: {exc.strerror or exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        log.info("opened %s", name)
        return cls(sock, name)

    def write(self, data: bytes, timeout: float) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + timeout
        while view:
            try:
                sent = self._sock.send(view)
            except BlockingIOError:
                sent = 0
            except OSError as exc:
                raise ConnectionLost(f"{self.name}: {exc.strerror or exc}") from exc
            view = view[sent:]
            if not view:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TransportTimeout(f"{self.name}: write did not finish in {timeout:g}s")
            _, writable, _ = select.select([], [self._sock], [], remaining)
            if not writable and time.monotonic() >= deadline:
                raise TransportTimeout(f"{self.name}: write did not finish in {timeout:g}s")

    def read(self, size: int, timeout: float) -> bytes:
        readable, _, _ = select.select([self._sock], [], [], max(timeout, 0.0))
        if not readable:
            return b""
        try:
            data = self._sock.recv(size)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise ConnectionLost(f"{self.name}: {exc.strerror or exc}") from exc
        if not data:
            raise ConnectionLost(f"{self.name}: connection closed by the printer")
        return data

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._sock.close()
        finally:
            log.info("closed %s", self.name)
