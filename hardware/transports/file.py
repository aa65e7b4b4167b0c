"""File transport: a printer character device (``/dev/usb/lp0``) or a plain file.

A character device is opened read-write and non-blocking so status queries can work where the
kernel driver passes replies back; a plain file is write-only (``can_read`` False), so a
printer behind it can never report status and jobs sent there are never *confirmed*.
"""

from __future__ import annotations

import logging
import os
import select
import stat
import time

from hardware.errors import ConnectionLost, DeviceNotFound, TransportTimeout
from hardware.transports.base import TransportBase

__all__ = ["FileTransport"]

log = logging.getLogger(__name__)


class FileTransport(TransportBase):
    def __init__(self, fd: int, name: str, can_read: bool) -> None:
        self._fd = fd
        self.name = name
        self.can_read = can_read
        self._closed = False

    @classmethod
    def open(cls, path: str) -> FileTransport:
        name = f"file://{path}"
        try:
            is_char = os.path.exists(path) and stat.S_ISCHR(os.stat(path).st_mode)
            if is_char:
                fd = os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY)
            else:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise DeviceNotFound(f"{name}: {exc.strerror or exc}") from exc
        log.info("opened %s", name)
        return cls(fd, name, can_read=is_char)

    def write(self, data: bytes, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._fd, view)
            except BlockingIOError:
                written = 0
            except OSError as exc:
                raise ConnectionLost(f"{self.name}: {exc.strerror or exc}") from exc
            view = view[written:]
            if not view:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TransportTimeout(f"{self.name}: write did not finish in {timeout:g}s")
            select.select([], [self._fd], [], remaining)

    def read(self, size: int, timeout: float) -> bytes:
        if not self.can_read:
            return b""
        readable, _, _ = select.select([self._fd], [], [], max(timeout, 0.0))
        if not readable:
            return b""
        try:
            return os.read(self._fd, size)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise ConnectionLost(f"{self.name}: {exc.strerror or exc}") from exc

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        os.close(self._fd)
        log.info("closed %s", self.name)
