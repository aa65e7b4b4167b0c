"""The emulated printer itself: simulated state, injected faults, paper, receipts.

``EmulatedPrinter.receive(data)`` takes bytes as they arrive on any link and returns a
``Reaction``: the reply bytes to send back and whether to drop the connection. It holds one
parser and one roll of paper (a list of dot-row strips) shared by every link, under a lock, and
writes each cut receipt as a 1-bit PNG exactly ``width_dots`` wide: raster images land on it
pixel for pixel, ``ESC J`` feeds as white rows, a native QR as the printer would draw it
(module-size dots, no quiet zone, justified with ``ESC a``), text in a plain font. The
distance fed to reach the cutter is not drawn.

States (``EmulatorState``) decide the DLE EOT answers; a printer that is offline, out of paper,
has its cover open or its cutter jammed prints nothing (data is dropped, as a real printer's
buffer would be cleared by recovery) and withholds process-ID replies. ``SILENT`` prints but
never answers. Faults: paper runs out after N dot rows (the partial receipt is written with
``-incomplete`` in its name), the connection drops after N more bytes, replies turn to
garbage, the printer stops taking bytes (stall: the links stop reading). Unknown commands are
logged, never fatal. No sockets here: see ``server``.
"""

from __future__ import annotations

import enum
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from hardware.emulator import parser as p

__all__ = ["EmulatedPrinter", "EmulatorState", "Faults", "Reaction", "Receipt"]

log = logging.getLogger(__name__)

_DEFAULT_LINE_SPACING = 30
_GARBAGE = 0xFF  # bits 0 and 7 set: can never be a DLE EOT reply


class EmulatorState(enum.Enum):
    OK = "ok"
    NEAR_END = "near-end"
    PAPER_OUT = "paper-out"
    COVER_OPEN = "cover-open"
    OFFLINE = "offline"
    SILENT = "silent"
    CUTTER_ERROR = "cutter-error"

    @property
    def prints(self) -> bool:
        return self in (EmulatorState.OK, EmulatorState.NEAR_END, EmulatorState.SILENT)


@dataclass
class Faults:
    paper_out_after_rows: int | None = None
    drop_after_bytes: int | None = None
    garbage: bool = False
    stall: bool = False  # stop taking bytes, like a full buffer behind flow control

    def to_json(self) -> dict[str, Any]:
        return {
            "paper_out_after_rows": self.paper_out_after_rows,
            "drop_after_bytes": self.drop_after_bytes,
            "garbage": self.garbage,
            "stall": self.stall,
        }


@dataclass(frozen=True)
class Receipt:
    index: int
    path: Path
    complete: bool
    width: int
    height: int

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "path": str(self.path),
            "complete": self.complete,
            "width": self.width,
            "height": self.height,
        }


@dataclass(frozen=True)
class Reaction:
    reply: bytes = b""
    drop: bool = False


def status_bytes(state: EmulatorState) -> dict[int, int]:
    """DLE EOT n replies for a state (the byte layouts are in ``hardware.status``)."""
    base = 0x12
    stopped = state in (
        EmulatorState.PAPER_OUT,
        EmulatorState.COVER_OPEN,
        EmulatorState.OFFLINE,
        EmulatorState.CUTTER_ERROR,
    )
    n1 = base | (0x08 if stopped else 0)
    n2 = base
    if state is EmulatorState.COVER_OPEN:
        n2 |= 0x04
    if state is EmulatorState.PAPER_OUT:
        n2 |= 0x20
    if state is EmulatorState.CUTTER_ERROR:
        n2 |= 0x40
    n3 = base | (0x08 if state is EmulatorState.CUTTER_ERROR else 0)
    n4 = base
    if state is EmulatorState.NEAR_END:
        n4 |= 0x0C
    if state is EmulatorState.PAPER_OUT:
        n4 |= 0x6C
    return {1: n1, 2: n2, 3: n3, 4: n4}


@dataclass
class _Modes:
    justify: int = 0
    line_spacing: int | None = None
    motion_y: int = 0
    qr_module: int = 3
    qr_ec: int = 48
    qr_data: bytes = b""
    graphics: Image.Image | None = None
    text: bytearray = field(default_factory=bytearray)


class EmulatedPrinter:
    """One virtual printer; thread-safe. ``out_dir`` receives ``receipt-NNNN.png`` files."""

    def __init__(
        self,
        out_dir: Path,
        width_dots: int = 576,
        state: EmulatorState = EmulatorState.OK,
        dpi: int = 203,
    ) -> None:
        self.out_dir = Path(out_dir)
        # receipts are the citizens' documents: owner-only folder and files
        self.out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.out_dir, 0o700)
        self.width_dots = width_dots
        self.dpi = dpi
        self._state = state
        self.faults = Faults()
        self._lock = threading.RLock()
        self._parser = p.Parser()
        self._modes = _Modes()
        self._strips: list[Image.Image] = []
        self._rows = 0
        self._receipts: list[Receipt] = []
        self._index = 0
        self.unknown_commands = 0
        self.bytes_received = 0
        self._forced: dict[int, int] | None = None
        self._font: ImageFont.ImageFont | ImageFont.FreeTypeFont | None = None
        # keep numbering after receipts left by an earlier run: never overwrite one
        stems = [e.stem.split("-")[1] for e in self.out_dir.glob("receipt-*.png")]
        self._index = max((int(s) for s in stems if s.isdigit()), default=0)

    # -- control ---------------------------------------------------------------------------

    @property
    def state(self) -> EmulatorState:
        return self._state

    def set_state(self, state: EmulatorState) -> None:
        with self._lock:
            if state is not self._state:
                log.info("emulator state %s -> %s", self._state.value, state.value)
            self._state = state

    def paper_out_after(self, rows: int | None) -> None:
        with self._lock:
            self.faults.paper_out_after_rows = rows

    def drop_after(self, nbytes: int | None) -> None:
        with self._lock:
            self.faults.drop_after_bytes = nbytes

    def garbage(self, on: bool) -> None:
        with self._lock:
            self.faults.garbage = on

    def stall(self, on: bool) -> None:
        with self._lock:
            self.faults.stall = on

    @property
    def stalled(self) -> bool:
        return self.faults.stall

    def force_status(self, replies: dict[int, int] | None) -> None:
        """Answer DLE EOT n with these exact bytes (``None``: from the state again)."""
        with self._lock:
            self._forced = dict(replies) if replies is not None else None

    def clear(self) -> None:
        """Back to a healthy printer: state OK, no faults, no forced status bytes."""
        with self._lock:
            self.faults = Faults()  # stall included
            self._forced = None
            self._state = EmulatorState.OK

    def receipts(self) -> list[Receipt]:
        with self._lock:
            return list(self._receipts)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "state": self._state.value,
                "faults": self.faults.to_json(),
                "receipts": len(self._receipts),
                "bytes_received": self.bytes_received,
                "unknown_commands": self.unknown_commands,
                "width_dots": self.width_dots,
            }

    # -- the byte stream -------------------------------------------------------------------

    def receive(self, data: bytes) -> Reaction:
        with self._lock:
            drop = False
            limit = self.faults.drop_after_bytes
            if limit is not None and len(data) >= limit:
                data = data[:limit]
                drop = True
                self.faults.drop_after_bytes = None
            elif limit is not None:
                self.faults.drop_after_bytes = limit - len(data)
            self.bytes_received += len(data)
            reply = bytearray()
            for command in self._parser.feed(data):
                reply += self._apply(command)
            if drop:
                log.warning("emulator: dropping the connection (injected fault)")
                self.disconnected()
            return Reaction(bytes(reply), drop)

    def disconnected(self) -> None:
        """A link closed: an incomplete command is lost; paper printed so far is a receipt."""
        with self._lock:
            lost = self._parser.reset()
            if lost:
                log.info("emulator: %d bytes of an incomplete command discarded", len(lost))
            if self._rows:
                self._save(complete=False)

    # -- commands --------------------------------------------------------------------------

    def _apply(self, command: p.Command) -> bytes:
        m = self._modes
        state = self._state
        if isinstance(command, p.StatusQuery):
            return self._status_reply(command.n)
        if isinstance(command, p.Recover):
            if command.n in (1, 2) and state is EmulatorState.CUTTER_ERROR:
                self._state = EmulatorState.OK
                log.info("emulator: recovered from cutter error (DLE ENQ %d)", command.n)
            return b""
        if isinstance(command, p.ProcessIdRequest):
            if state.prints and state is not EmulatorState.SILENT:
                if self.faults.garbage:
                    return bytes((_GARBAGE,)) * 7
                return b"\x37\x22" + command.process_id + b"\x00"
            return b""
        if isinstance(command, p.Unknown):
            self.unknown_commands += 1
            log.warning("emulator: unknown bytes %s ignored", command.data.hex(" "))
            return b""
        if isinstance(command, p.Ignored):
            return b""
        if isinstance(command, p.Init):
            self._modes = _Modes()
            return b""
        if isinstance(command, p.LineSpacing):
            m.line_spacing = command.units
            return b""
        if isinstance(command, p.Justify):
            m.justify = command.mode if command.mode in (0, 1, 2) else 0
            return b""
        if isinstance(command, p.MotionUnits):
            m.motion_y = command.y
            return b""
        if isinstance(command, p.QrCommand):
            self._qr(command)
            return b""
        if not state.prints:
            return b""  # stopped: print data goes nowhere
        if isinstance(command, p.Text):
            m.text += command.data
        elif isinstance(command, p.LineFeed):
            self._print_line(self._spacing())
        elif isinstance(command, p.Feed):
            self._print_line(self._dots(command.units), blank_ok=True)
        elif isinstance(command, p.FeedLines):
            self._print_line(self._spacing())
            self._blank(self._spacing() * max(command.lines - 1, 0))
        elif isinstance(command, p.Raster):
            self._raster(command)
        elif isinstance(command, p.ColumnImage):
            self._column(command)
        elif isinstance(command, p.GraphicsStore):
            self._graphics_store(command)
        elif isinstance(command, p.GraphicsPrint):
            if m.graphics is not None:
                self._place(m.graphics)
                m.graphics = None
        elif isinstance(command, p.Cut):
            if m.text:
                self._print_line(self._spacing())
            self._save(complete=True)
        return b""

    def _status_reply(self, n: int) -> bytes:
        if self._state is EmulatorState.SILENT:
            return b""
        if self.faults.garbage:
            return bytes((_GARBAGE,))
        table = self._forced if self._forced is not None else status_bytes(self._state)
        if n not in table:
            log.warning("emulator: DLE EOT %d not supported", n)
            return b""
        return bytes((table[n],))

    def _dots(self, units: int) -> int:
        if self._modes.motion_y <= 0:
            return units
        return round(units * self.dpi / self._modes.motion_y)

    def _spacing(self) -> int:
        units = self._modes.line_spacing
        return _DEFAULT_LINE_SPACING if units is None else self._dots(units)

    # -- paper -----------------------------------------------------------------------------

    def _append(self, strip: Image.Image) -> None:
        limit = self.faults.paper_out_after_rows
        if limit is not None and strip.height >= limit:
            if limit > 0:
                self._strips.append(strip.crop((0, 0, strip.width, limit)))
                self._rows += limit
            self.faults.paper_out_after_rows = None
            self._state = EmulatorState.PAPER_OUT
            log.warning("emulator: paper ran out (injected fault)")
            self._save(complete=False)
            return
        if limit is not None:
            self.faults.paper_out_after_rows = limit - strip.height
        self._strips.append(strip)
        self._rows += strip.height

    def _blank(self, rows: int) -> None:
        if rows > 0:
            self._append(Image.new("1", (self.width_dots, rows), 1))

    def _place(self, image: Image.Image) -> None:
        """Put a 1-bit image on the paper at the current justification, clipped to the width."""
        if image.width > self.width_dots:
            image = image.crop((0, 0, self.width_dots, image.height))
        strip = Image.new("1", (self.width_dots, image.height), 1)
        room = self.width_dots - image.width
        x = {0: 0, 1: room // 2, 2: room}[self._modes.justify]
        strip.paste(image, (x, 0))
        self._append(strip)

    def _print_line(self, height: int, blank_ok: bool = False) -> None:
        text = bytes(self._modes.text)
        self._modes.text.clear()
        if not text:
            if blank_ok or height:
                self._blank(height)
            return
        font = self._text_font()
        decoded = text.decode("cp437", errors="replace").replace("\t", "    ")
        height = max(height, 24)
        line = Image.new("1", (self.width_dots, height), 1)
        draw = ImageDraw.Draw(line)
        width = int(draw.textlength(decoded, font=font))
        room = max(self.width_dots - width, 0)
        x = {0: 0, 1: room // 2, 2: room}[self._modes.justify]
        draw.text((x, 0), decoded, font=font, fill=0)
        self._append(line)

    def _text_font(self) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
        if self._font is None:
            try:
                self._font = ImageFont.truetype("DejaVuSansMono.ttf", 20)
            except OSError:
                self._font = ImageFont.load_default()
        return self._font

    def _raster(self, command: p.Raster) -> None:
        width = command.width_bytes * 8
        if width == 0 or command.height == 0:
            return
        inverted = bytes(b ^ 0xFF for b in command.data)  # PIL "1": bit set = white
        image = Image.frombytes("1", (width, command.height), inverted)
        scale_x = 2 if command.mode & 1 else 1
        scale_y = 2 if command.mode & 2 else 1
        if scale_x != 1 or scale_y != 1:
            image = image.resize(
                (width * scale_x, command.height * scale_y), Image.Resampling.NEAREST
            )
        self._place(image)

    def _column(self, command: p.ColumnImage) -> None:
        rows = 24 if command.mode in (32, 33) else 8
        per = rows // 8
        image = Image.new("1", (command.width, rows), 1)
        pixels = image.load()
        assert pixels is not None
        for x in range(command.width):
            column = command.data[x * per : (x + 1) * per]
            for byte_index, byte in enumerate(column):
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        pixels[x, byte_index * 8 + bit] = 0
        if command.mode in (0, 32):  # single density: each column two dots wide
            image = image.resize((command.width * 2, rows), Image.Resampling.NEAREST)
        self._place(image)

    def _graphics_store(self, command: p.GraphicsStore) -> None:
        width_bytes = (command.width + 7) // 8
        data = command.data[: width_bytes * command.height]
        if len(data) < width_bytes * command.height or command.width == 0:
            log.warning("emulator: short GS ( L graphics data ignored")
            return
        inverted = bytes(b ^ 0xFF for b in data)
        image = Image.frombytes("1", (width_bytes * 8, command.height), inverted)
        image = image.crop((0, 0, command.width, command.height))
        if command.scale_x == 2 or command.scale_y == 2:
            image = image.resize(
                (command.width * command.scale_x, command.height * command.scale_y),
                Image.Resampling.NEAREST,
            )
        self._modes.graphics = image

    def _qr(self, command: p.QrCommand) -> None:
        m = self._modes
        if command.fn == 67 and command.params:  # module size
            m.qr_module = max(1, min(16, command.params[0]))
        elif command.fn == 69 and command.params:  # error correction 48..51
            m.qr_ec = command.params[0]
        elif command.fn == 80 and command.params:  # store: m='0' then data
            m.qr_data = bytes(command.params[1:])
        elif command.fn == 81 and self._state.prints and m.qr_data:  # print
            symbol = render_qr(m.qr_data, m.qr_module, m.qr_ec - 48)
            if symbol.width <= self.width_dots:
                self._place(symbol)
            else:
                log.warning("emulator: QR wider than the paper is not printed")

    def _save(self, complete: bool) -> None:
        if not self._strips:
            return
        image = Image.new("1", (self.width_dots, self._rows), 1)
        y = 0
        for strip in self._strips:
            image.paste(strip, (0, y))
            y += strip.height
        self._strips.clear()
        self._rows = 0
        self._index += 1
        suffix = "" if complete else "-incomplete"
        path = self.out_dir / f"receipt-{self._index:04d}{suffix}.png"
        tmp = path.with_suffix(".png.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            image.save(f, format="PNG")
        os.chmod(tmp, 0o600)
        tmp.replace(path)
        receipt = Receipt(self._index, path, complete, image.width, image.height)
        self._receipts.append(receipt)
        log.info("emulator: wrote %s (%dx%d)", path.name, image.width, image.height)


def render_qr(data: bytes, module_dots: int, level: int) -> Image.Image:
    """A QR symbol as an ESC/POS printer prints it: no quiet zone, ``module_dots`` per module."""
    import qrcode
    import qrcode.constants

    levels = [
        qrcode.constants.ERROR_CORRECT_L,
        qrcode.constants.ERROR_CORRECT_M,
        qrcode.constants.ERROR_CORRECT_Q,
        qrcode.constants.ERROR_CORRECT_H,
    ]
    code = qrcode.QRCode(
        version=None, error_correction=levels[level if 0 <= level <= 3 else 0], border=0, box_size=1
    )
    try:
        code.add_data(data.decode("ascii"))
    except UnicodeDecodeError:
        code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    symbol = Image.new("1", (n, n), 1)
    symbol.putdata([0 if cell else 1 for row in matrix for cell in row])
    return symbol.resize((n * module_dots, n * module_dots), Image.Resampling.NEAREST)
