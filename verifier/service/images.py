"""Photos and scans sent to the service: bounded before decoding, decoded where a deadline holds.

Two defences, both needed:

- `inspect(data)` walks the file's structure (JPEG markers, PNG chunks) without decoding
  anything and refuses what no camera or scanner writes but an attacker can: more than
  `MAX_JPEG_SCANS` scans (a progressive JPEG with 190,000 tiny scans costs libjpeg minutes
  of CPU within 8 MiB and 24 MP), more than `MAX_SEGMENTS` marker segments or PNG chunks,
  lossless or hierarchical JPEG, more than one frame, and pixels or decoded bytes over the
  limits read from the header. It is linear in the file size and stops at the first fault.
- `DecodePool` decodes in worker processes. A decode that outlives its deadline is ended
  by killing the process (a thread cannot be stopped), and the caller's slot is held until
  the process is dead, so the number of cores the endpoint can keep busy never exceeds the
  pool's size. A killed worker is replaced on the next request.

Exceptions: `ImageRefused` (the file is refused before decoding: `status` 413 or 422, a
metrics `reason`, and a sentence for the sender), `DecodeTimeout`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import re
import struct
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

import anyio
import anyio.to_thread

__all__ = [
    "MAX_JPEG_SCANS",
    "MAX_SEGMENTS",
    "DecodePool",
    "DecodeTimeout",
    "ImageInfo",
    "ImageRefused",
    "decode_bounded",
    "inspect",
]

MAX_JPEG_SCANS = 100  # libjpeg's progressive scripts use 6-10; mozjpeg's searched ones < 70
MAX_SEGMENTS = 2000  # JPEG marker segments or PNG chunks (an encoder's 8 MiB PNG: ~130 IDATs)
BYTES_PER_PIXEL_CAP = 4  # decoded bytes per pixel allowed at the pixel limit (8-bit RGBA)

_START_TIMEOUT = 60.0  # a worker imports Pillow and zxing-cpp before it is ready
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8"
# A marker inside entropy-coded data: 0xFF then anything but a stuffed 0x00, a restart
# marker (D0-D7) or another fill byte.
_ENTROPY_END = re.compile(rb"\xff[\x01-\xcf\xd8-\xfe]")
_SOF_DECODABLE = {0xC0: "baseline", 0xC1: "extended", 0xC2: "progressive"}
_SOF_OTHER = {0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


class ImageRefused(ValueError):
    """The file is refused without decoding it."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status  # HTTP status: 413 (too big) or 422 (not a file we decode)
        self.reason = reason  # a short label for the rejected-requests metric
        self.message = message


class DecodeTimeout(Exception):
    """The decode did not finish in time; its worker process was killed."""


@dataclass(frozen=True)
class ImageInfo:
    kind: str  # "jpeg" or "png"
    width: int
    height: int
    channels: int
    scans: int = 1

    @property
    def pixels(self) -> int:
        return self.width * self.height


def _unreadable(why: str) -> ImageRefused:
    return ImageRefused(422, "unreadable_image", f"the image could not be read: {why}")


def inspect(data: bytes, *, max_pixels: int) -> ImageInfo:
    """What the file says it is, refusing pathological structure (ImageRefused)."""
    if data.startswith(_PNG):
        info = _inspect_png(data)
    elif data.startswith(_JPEG):
        info = _inspect_jpeg(data)
    else:
        raise ImageRefused(415, "not_an_image", "send a JPEG or PNG image")
    if info.width <= 0 or info.height <= 0:
        raise _unreadable("it has no width or height")
    if info.pixels > max_pixels:
        raise ImageRefused(
            413,
            "too_many_pixels",
            f"the image has {info.pixels} pixels, over the {max_pixels} limit",
        )
    if info.pixels * info.channels > max_pixels * BYTES_PER_PIXEL_CAP:
        raise ImageRefused(
            413, "too_many_pixels", "the image decodes to more bytes than allowed; send 8-bit"
        )
    return info


def _inspect_jpeg(data: bytes) -> ImageInfo:
    n = len(data)
    pos = 2
    segments = scans = 0
    frame: tuple[int, int, int] | None = None
    while True:
        if pos >= n or data[pos] != 0xFF:
            if frame is not None and scans:
                break  # truncated after a scan: the decoder reports what it can
            raise _unreadable("the JPEG structure is broken")
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            raise _unreadable("the JPEG ends inside a marker")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            break
        if marker in _STANDALONE:
            continue
        if pos + 2 > n:
            raise _unreadable("the JPEG ends inside a segment")
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > n:
            raise _unreadable("a JPEG segment runs past the end of the file")
        segments += 1
        if segments > MAX_SEGMENTS:
            raise ImageRefused(
                422, "pathological_image", f"the JPEG has over {MAX_SEGMENTS} segments"
            )
        body = data[pos + 2 : pos + length]
        if marker in _SOF_OTHER:
            raise ImageRefused(
                422,
                "unsupported_image",
                "lossless, hierarchical and arithmetic-coded JPEGs "
                "are not accepted; send a baseline or progressive JPEG",
            )
        if marker in _SOF_DECODABLE:
            if frame is not None:
                raise _unreadable("the JPEG has more than one frame")
            if len(body) < 6:
                raise _unreadable("the JPEG frame header is short")
            _, height, width, components = struct.unpack_from(">BHHB", body)
            if not 1 <= components <= 4:
                raise _unreadable("the JPEG has an unusual number of colour components")
            frame = (width, height, components)
        pos += length
        if marker == 0xDA:  # SOS: entropy-coded data follows, up to the next marker
            if frame is None:
                raise _unreadable("a JPEG scan comes before its frame header")
            scans += 1
            if scans > MAX_JPEG_SCANS:
                raise ImageRefused(
                    422,
                    "pathological_image",
                    f"the JPEG has over {MAX_JPEG_SCANS} scans; no camera writes that",
                )
            found = _ENTROPY_END.search(data, pos)
            if found is None:
                break  # truncated inside a scan
            pos = found.start()
    if frame is None or not scans:
        raise _unreadable("the JPEG holds no image")
    width, height, components = frame
    return ImageInfo("jpeg", width, height, components, scans)


def _inspect_png(data: bytes) -> ImageInfo:
    n = len(data)
    pos = len(_PNG)
    chunks = 0
    header: ImageInfo | None = None
    while pos + 8 <= n:
        length, kind = struct.unpack_from(">I4s", data, pos)
        chunks += 1
        if chunks > MAX_SEGMENTS:
            raise ImageRefused(422, "pathological_image", f"the PNG has over {MAX_SEGMENTS} chunks")
        if header is None:
            if kind != b"IHDR" or length != 13 or pos + 21 > n:
                raise _unreadable("the PNG does not start with its header")
            width, height, depth, colour = struct.unpack_from(">IIBB", data, pos + 8)
            if colour not in _PNG_CHANNELS or depth not in (1, 2, 4, 8, 16):
                raise _unreadable("the PNG header is invalid")
            channels = _PNG_CHANNELS[colour] * max(depth // 8, 1)
            header = ImageInfo("png", width, height, channels)
        if kind == b"IEND":
            break
        pos += 12 + length
    if header is None:
        raise _unreadable("the PNG holds no header")
    return header


# -- decoding -----------------------------------------------------------------------------


def decode_bounded(data: bytes, *, max_pixels: int) -> list[str]:
    """inspect, then decode in this process: for callers that are the file's own owner (the
    CLI). ImageRefused, or verifier.qr.ImageError when the decoder cannot read it."""
    from verifier.qr import decode_image

    inspect(data, max_pixels=max_pixels)
    return decode_image(data)


def _worker_main(conn: multiprocessing.connection.Connection, max_pixels: int) -> None:
    """A decode worker: bytes in, ("ok", texts) or ("error", message) out, until EOF."""
    import zxingcpp  # noqa: F401  (imported before "ready": the deadline is decoding alone)
    from PIL import Image, ImageOps  # noqa: F401

    from verifier.qr import decode_image

    Image.MAX_IMAGE_PIXELS = max_pixels
    conn.send(("ready", None))  # imports done: the deadline from now on is decoding alone
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            result: tuple[str, Any] = ("ok", decode_image(data))
        except Exception:  # anything the decoders raise is "could not be read"
            result = ("error", "the image could not be read")
        try:
            conn.send(result)
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, ctx: Any, max_pixels: int) -> None:
        parent, child = ctx.Pipe()
        self.process: BaseProcess = ctx.Process(
            target=_worker_main, args=(child, max_pixels), daemon=True, name="sanad-decode"
        )
        self.process.start()
        child.close()
        self.conn: multiprocessing.connection.Connection = parent
        if not parent.poll(_START_TIMEOUT) or parent.recv() != ("ready", None):
            self.kill()
            raise RuntimeError("an image decode worker did not start")

    def run(self, data: bytes, timeout: float) -> tuple[str, Any] | None:
        """Send one job and wait up to timeout; None if no answer came (blocking)."""
        self.conn.send_bytes(data)
        if not self.conn.poll(timeout):
            return None
        result: tuple[str, Any] = self.conn.recv()
        return result

    def kill(self) -> None:
        """End the process and wait until it is gone (blocking; SIGKILL takes milliseconds)."""
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
        self.process.join()
        self.conn.close()


class DecodePool:
    """At most `size` decodes at once, each in a worker process killed at its deadline."""

    def __init__(self, size: int, *, timeout: float, max_pixels: int) -> None:
        self.size = size
        self.timeout = timeout
        self.max_pixels = max_pixels
        self._ctx = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self._limiter = anyio.CapacityLimiter(size)
        # Threads that wait on workers: their own limiter, so waiting cannot starve anyio's pool.
        self._threads = anyio.CapacityLimiter(size * 2 + 2)
        self._idle: list[_Worker] = []
        self._closed = False
        self.killed = 0  # workers killed at their deadline (for tests and metrics)

    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._idle if w.process.pid is not None]

    async def decode(self, data: bytes) -> list[str]:
        """The QR texts in data (DecodeTimeout; verifier.qr.ImageError if unreadable)."""
        from verifier.qr import ImageError

        async with self._limiter:  # held until the worker has answered or is dead
            worker = self._idle.pop() if self._idle else None
            answered = False
            try:
                if worker is None:
                    worker = await anyio.to_thread.run_sync(
                        _Worker, self._ctx, self.max_pixels, limiter=self._threads
                    )
                result = await anyio.to_thread.run_sync(
                    worker.run, data, self.timeout, limiter=self._threads
                )
                answered = result is not None
            finally:
                if worker is not None:
                    if answered and not self._closed:
                        self._idle.append(worker)
                    else:
                        with anyio.CancelScope(shield=True):
                            await anyio.to_thread.run_sync(worker.kill, limiter=self._threads)
        if result is None:
            self.killed += 1
            raise DecodeTimeout
        kind, value = result
        if kind != "ok":
            raise ImageError(str(value))
        return list(value)

    def close(self) -> None:
        """Kill every idle worker (blocking; for shutdown)."""
        self._closed = True
        while self._idle:
            self._idle.pop().kill()
