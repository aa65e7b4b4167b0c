"""Incremental ESC/POS stream parser: bytes in, command objects out (pure; no I/O).

It understands what Sanad and python-escpos send: initialise, text and line feeds, line
spacing, justification, motion units, feeds, raster images (``GS v 0``, ``GS ( L`` / ``GS 8 L``
graphics, ``ESC *`` column images), native QR (``GS ( k``), cuts (``GS V``), real-time status
(``DLE EOT``), recovery (``DLE ENQ``) and Epson process-ID requests (``GS ( H``). Commands with
known lengths but no effect on the emulated paper come out as ``Ignored``; anything else as
``Unknown`` (two bytes for an unknown ESC/GS/FS command, one for a stray control byte), so an
unknown command never desynchronises the stream. ``feed`` keeps incomplete commands for the
next call.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ColumnImage",
    "Command",
    "Cut",
    "Feed",
    "FeedLines",
    "GraphicsPrint",
    "GraphicsStore",
    "Ignored",
    "Init",
    "Justify",
    "LineFeed",
    "LineSpacing",
    "MotionUnits",
    "Parser",
    "ProcessIdRequest",
    "QrCommand",
    "Raster",
    "Recover",
    "StatusQuery",
    "Text",
    "Unknown",
]

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
EOT, ENQ, DC4 = 0x04, 0x05, 0x14
LF, CR, HT, FF, CAN, BEL = 0x0A, 0x0D, 0x09, 0x0C, 0x18, 0x07


@dataclass(frozen=True)
class Init:
    pass


@dataclass(frozen=True)
class Text:
    data: bytes


@dataclass(frozen=True)
class LineFeed:
    pass


@dataclass(frozen=True)
class Feed:
    """ESC J n: print the line buffer and feed n vertical motion units."""

    units: int


@dataclass(frozen=True)
class FeedLines:
    """ESC d n: print the line buffer and feed n lines."""

    lines: int


@dataclass(frozen=True)
class LineSpacing:
    """ESC 3 n (units) or ESC 2 (``None``: the default)."""

    units: int | None


@dataclass(frozen=True)
class Justify:
    mode: int


@dataclass(frozen=True)
class MotionUnits:
    x: int
    y: int


@dataclass(frozen=True)
class Raster:
    """GS v 0 m xL xH yL yH d...: rows of ``width_bytes`` bytes, bit set = black."""

    mode: int
    width_bytes: int
    height: int
    data: bytes


@dataclass(frozen=True)
class ColumnImage:
    """ESC * m nL nH d...: ``width`` columns of 1 (8-dot) or 3 (24-dot) bytes."""

    mode: int
    width: int
    data: bytes


@dataclass(frozen=True)
class GraphicsStore:
    """GS ( L / GS 8 L fn 112: raster graphics to the print buffer."""

    scale_x: int
    scale_y: int
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class GraphicsPrint:
    """GS ( L fn 50: print the buffered graphics."""


@dataclass(frozen=True)
class QrCommand:
    """GS ( k with cn = 49 (QR): fn and its parameter bytes."""

    fn: int
    params: bytes


@dataclass(frozen=True)
class Cut:
    mode: int
    feed_units: int


@dataclass(frozen=True)
class StatusQuery:
    n: int


@dataclass(frozen=True)
class Recover:
    n: int


@dataclass(frozen=True)
class ProcessIdRequest:
    process_id: bytes


@dataclass(frozen=True)
class Ignored:
    data: bytes


@dataclass(frozen=True)
class Unknown:
    data: bytes


Command = (
    Init
    | Text
    | LineFeed
    | Feed
    | FeedLines
    | LineSpacing
    | Justify
    | MotionUnits
    | Raster
    | ColumnImage
    | GraphicsStore
    | GraphicsPrint
    | QrCommand
    | Cut
    | StatusQuery
    | Recover
    | ProcessIdRequest
    | Ignored
    | Unknown
)

# ESC x with a fixed number of argument bytes and no effect on the emulated paper.
_ESC_IGNORED: dict[int, int] = {
    ord("!"): 1,
    ord("E"): 1,
    ord("-"): 1,
    ord("M"): 1,
    ord("t"): 1,
    ord("="): 1,
    ord("{"): 1,
    ord("R"): 1,
    ord("G"): 1,
    ord("V"): 1,
    ord("p"): 3,
    ord(" "): 1,
    ord("$"): 2,
    ord("\\"): 2,
    ord("c"): 2,
    ord("B"): 2,
    ord("r"): 1,
    ord("%"): 1,
    ord("?"): 1,
    ord("U"): 1,
    ord("T"): 1,
    ord("S"): 0,
    ord("L"): 0,
    ord("i"): 0,
    ord("m"): 0,
    ord("W"): 8,
    ord("K"): 1,
}
_GS_IGNORED: dict[int, int] = {
    ord("!"): 1,
    ord("B"): 1,
    ord("H"): 1,
    ord("f"): 1,
    ord("h"): 1,
    ord("w"): 1,
    ord("b"): 1,
    ord("|"): 1,
    ord("L"): 2,
    ord("W"): 2,
    ord("a"): 1,
    ord("I"): 1,
    ord("r"): 1,
    ord("$"): 2,
    ord("\\"): 2,
    ord("^"): 3,
    ord(":"): 0,
}
_FS_IGNORED: dict[int, int] = {
    ord("."): 0,
    ord("&"): 0,
    ord("C"): 1,
    ord("!"): 1,
    ord("-"): 1,
    ord("S"): 2,
    ord("W"): 1,
    ord("p"): 2,
}
_DC4_ARGS = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 7: 1, 8: 7}
_PRINTABLE_CONTROLS = frozenset({HT})

_NEED_MORE = None


class Parser:
    """Feed bytes with ``feed``; it returns every command completed so far."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """Bytes of an incomplete command kept for the next ``feed``."""
        return len(self._buffer)

    def reset(self) -> bytes:
        """Drop (and return) an incomplete command, e.g. when the connection closes."""
        dropped = bytes(self._buffer)
        self._buffer.clear()
        return dropped

    def feed(self, data: bytes) -> list[Command]:
        self._buffer += data
        commands: list[Command] = []
        pos = 0
        buf = self._buffer
        while pos < len(buf):
            parsed = self._one(buf, pos)
            if parsed is _NEED_MORE:
                break
            command, pos = parsed
            commands.append(command)
        del buf[:pos]
        return commands

    # Each parser returns (command, new position) or None when more bytes are needed.
    def _one(self, buf: bytearray, pos: int) -> tuple[Command, int] | None:
        b = buf[pos]
        if b == ESC:
            return self._esc(buf, pos)
        if b == GS:
            return self._gs(buf, pos)
        if b == FS:
            return self._prefixed(buf, pos, _FS_IGNORED)
        if b == DLE:
            return self._dle(buf, pos)
        if b == LF:
            return LineFeed(), pos + 1
        if b >= 0x20 or b in _PRINTABLE_CONTROLS:
            end = pos
            while end < len(buf) and (buf[end] >= 0x20 or buf[end] in _PRINTABLE_CONTROLS):
                end += 1
            return Text(bytes(buf[pos:end])), end
        if b in (CR, CAN, BEL, FF, 0x00):
            return Ignored(bytes((b,))), pos + 1
        return Unknown(bytes((b,))), pos + 1

    @staticmethod
    def _need(buf: bytearray, pos: int, n: int) -> bool:
        return pos + n <= len(buf)

    def _prefixed(
        self, buf: bytearray, pos: int, table: dict[int, int]
    ) -> tuple[Command, int] | None:
        if not self._need(buf, pos, 2):
            return _NEED_MORE
        code = buf[pos + 1]
        if code == ord("(") and buf[pos] == FS:
            return self._length_prefixed(buf, pos)
        if code in table:
            n = 2 + table[code]
            if not self._need(buf, pos, n):
                return _NEED_MORE
            return Ignored(bytes(buf[pos : pos + n])), pos + n
        return Unknown(bytes(buf[pos : pos + 2])), pos + 2

    def _length_prefixed(self, buf: bytearray, pos: int) -> tuple[Command, int] | None:
        """GS ( X pL pH d[p] / FS ( X pL pH d[p]: skip as a whole."""
        if not self._need(buf, pos, 5):
            return _NEED_MORE
        size = buf[pos + 3] | buf[pos + 4] << 8
        if not self._need(buf, pos, 5 + size):
            return _NEED_MORE
        return Ignored(bytes(buf[pos : pos + 5 + size])), pos + 5 + size

    def _esc(self, buf: bytearray, pos: int) -> tuple[Command, int] | None:
        if not self._need(buf, pos, 2):
            return _NEED_MORE
        code = buf[pos + 1]
        if code == ord("@"):
            return Init(), pos + 2
        if code == ord("2"):
            return LineSpacing(None), pos + 2
        if code in (ord("3"), ord("J"), ord("d"), ord("a")):
            if not self._need(buf, pos, 3):
                return _NEED_MORE
            n = buf[pos + 2]
            end = pos + 3
            if code == ord("3"):
                return LineSpacing(n), end
            if code == ord("J"):
                return Feed(n), end
            if code == ord("d"):
                return FeedLines(n), end
            return Justify(n - 48 if n >= 48 else n), end
        if code == ord("*"):
            if not self._need(buf, pos, 5):
                return _NEED_MORE
            mode = buf[pos + 2]
            width = buf[pos + 3] | buf[pos + 4] << 8
            size = width * (3 if mode in (32, 33) else 1)
            if not self._need(buf, pos, 5 + size):
                return _NEED_MORE
            return ColumnImage(mode, width, bytes(buf[pos + 5 : pos + 5 + size])), pos + 5 + size
        if code == ord("D"):
            end = buf.find(b"\x00", pos + 2)
            if end < 0:
                return (
                    _NEED_MORE
                    if len(buf) - pos < 40
                    else (Unknown(bytes(buf[pos : pos + 2])), pos + 2)
                )
            return Ignored(bytes(buf[pos : end + 1])), end + 1
        return self._prefixed(buf, pos, _ESC_IGNORED)

    def _gs(self, buf: bytearray, pos: int) -> tuple[Command, int] | None:
        if not self._need(buf, pos, 2):
            return _NEED_MORE
        code = buf[pos + 1]
        if code == ord("v"):
            if not self._need(buf, pos, 8):
                return _NEED_MORE
            if buf[pos + 2] != ord("0"):
                return Unknown(bytes(buf[pos : pos + 3])), pos + 3
            mode = buf[pos + 3]
            width_bytes = buf[pos + 4] | buf[pos + 5] << 8
            height = buf[pos + 6] | buf[pos + 7] << 8
            size = width_bytes * height
            if not self._need(buf, pos, 8 + size):
                return _NEED_MORE
            data = bytes(buf[pos + 8 : pos + 8 + size])
            return Raster(mode & 0x03, width_bytes, height, data), pos + 8 + size
        if code == ord("P"):
            if not self._need(buf, pos, 4):
                return _NEED_MORE
            return MotionUnits(buf[pos + 2], buf[pos + 3]), pos + 4
        if code == ord("V"):
            if not self._need(buf, pos, 3):
                return _NEED_MORE
            mode = buf[pos + 2]
            if mode in (0, 1, 48, 49):
                return Cut(mode, 0), pos + 3
            if not self._need(buf, pos, 4):
                return _NEED_MORE
            return Cut(mode, buf[pos + 3]), pos + 4
        if code == ord("("):
            return self._gs_paren(buf, pos)
        if code == ord("8"):
            return self._gs_8(buf, pos)
        if code == ord("k"):
            return self._barcode(buf, pos)
        return self._prefixed(buf, pos, _GS_IGNORED)

    def _gs_paren(self, buf: bytearray, pos: int) -> tuple[Command, int] | None:
        if not self._need(buf, pos, 5):
            return _NEED_MORE
        kind = buf[pos + 2]
        size = buf[pos + 3] | buf[pos + 4] << 8
        if not self._need(buf, pos, 5 + size):
            return _NEED_MORE
        body = bytes(buf[pos + 5 : pos + 5 + size])
        end = pos + 5 + size
        if kind == ord("k") and len(body) >= 2 and body[0] == 49:
            return QrCommand(body[1], body[2:]), end
        if kind == ord("H") and len(body) == 6 and body[0] == 48 and body[1] == 48:
            return ProcessIdRequest(body[2:6]), end
        if kind == ord("L") and len(body) >= 2:
            return self._graphics(body[1], body[2:]) or Ignored(bytes(buf[pos:end])), end
        return Ignored(bytes(buf[pos:end])), end

    def _gs_8(self, buf: bytearray, pos: int) -> tuple[Command, int] | None:
        """GS 8 L p1 p2 p3 p4 m fn ...: graphics with a four-byte length."""
        if not self._need(buf, pos, 7):
            return _NEED_MORE
        if buf[pos + 2] != ord("L"):
            return Unknown(bytes(buf[pos : pos + 3])), pos + 3
        size = int.from_bytes(buf[pos + 3 : pos + 7], "little")
        if not self._need(buf, pos, 7 + size):
            return _NEED_MORE
        body = bytes(buf[pos + 7 : pos + 7 + size])
        end = pos + 7 + size
        if len(body) >= 2:
            found = self._graphics(body[1], body[2:])
            if found is not None:
                return found, end
        return Ignored(bytes(buf[pos:end])), end

    @staticmethod
    def _graphics(fn: int, rest: bytes) -> Command | None:
        if fn in (50, 2):
            return GraphicsPrint()
        if fn == 112 and len(rest) >= 8:
            # a bx by c xL xH yL yH d...  (a = 48 monochrome)
            scale_x, scale_y = rest[1], rest[2]
            width = rest[4] | rest[5] << 8
            height = rest[6] | rest[7] << 8
            return GraphicsStore(scale_x, scale_y, width, height, rest[8:])
        return None

    def _barcode(self, buf: bytearray, pos: int) -> tuple[Command, int] | None:
        if not self._need(buf, pos, 3):
            return _NEED_MORE
        m = buf[pos + 2]
        if m <= 6:
            end = buf.find(b"\x00", pos + 3)
            if end < 0:
                return (
                    _NEED_MORE
                    if len(buf) - pos < 300
                    else (Unknown(bytes(buf[pos : pos + 3])), pos + 3)
                )
            return Ignored(bytes(buf[pos : end + 1])), end + 1
        if not self._need(buf, pos, 4):
            return _NEED_MORE
        n = buf[pos + 3]
        if not self._need(buf, pos, 4 + n):
            return _NEED_MORE
        return Ignored(bytes(buf[pos : pos + 4 + n])), pos + 4 + n

    def _dle(self, buf: bytearray, pos: int) -> tuple[Command, int] | None:
        if not self._need(buf, pos, 2):
            return _NEED_MORE
        code = buf[pos + 1]
        if code in (EOT, ENQ):
            if not self._need(buf, pos, 3):
                return _NEED_MORE
            n = buf[pos + 2]
            if code == EOT:
                return StatusQuery(n), pos + 3
            return Recover(n), pos + 3
        if code == DC4:
            if not self._need(buf, pos, 3):
                return _NEED_MORE
            n = 3 + _DC4_ARGS.get(buf[pos + 2], 0)
            if not self._need(buf, pos, n):
                return _NEED_MORE
            return Ignored(bytes(buf[pos : pos + n])), pos + n
        return Unknown(bytes(buf[pos : pos + 1])), pos + 1
