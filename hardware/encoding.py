"""Print job -> ESC/POS bytes, built with python-escpos's constants, image and QR encoders.

What this adds to python-escpos:

* Fewer bytes: runs of blank dot rows become ``ESC J n`` feeds (3 bytes instead of 72 per row
  on 80 mm paper), and each raster band is trimmed of its blank right margin; bands are at
  most 256 rows, within every printer's ``GS v 0`` limit.
* ``GS P`` sets the vertical motion unit to one dot so ``ESC J`` feeds are exact.
* Cuts feed the last printed line past the cutter (``GS V 65/66``) instead of python-escpos's
  "print and feed 6 lines" guess.
* A QR the profile cannot draw natively is rasterised with the same geometry (module size, no
  quiet zone, alignment), so both paths print the same symbol.

It writes nothing: ``hardware.printer`` sends the bytes. Nothing is imported from
python-escpos until a function here is called.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from hardware.errors import UnsupportedFeature
from hardware.job import Align, Cut, FeedPart, PrintJob, QrPart, RasterPart
from hardware.models import PrinterModel, load_escpos

__all__ = [
    "EncodedJob",
    "cut_command",
    "encode_job",
    "encode_raster",
    "process_id_request",
    "qr_image",
    "recover_command",
]

_MAX_BAND_ROWS = 256
_MIN_GAP_ROWS = 2  # a blank gap shorter than this stays inside the band


def _u16(value: int) -> bytes:
    return bytes((value & 0xFF, (value >> 8) & 0xFF))


@dataclass(frozen=True)
class EncodedJob:
    data: bytes
    raster_bytes: int  # bytes of GS v 0 image data (headers included)
    native_qr: bool  # at least one QR went as GS ( k


def _packed_rows(image: Image.Image) -> tuple[bytes, int]:
    """Raster bytes with 1 = black, as python-escpos encodes them, and bytes per row."""
    escpos = load_escpos()
    encoded = escpos.image.EscposImage(image)
    data: bytes = encoded.to_raster_format()
    width_bytes: int = encoded.width_bytes
    return data, width_bytes


def _feed(dots: int) -> bytes:
    constants = load_escpos().constants
    out = bytearray()
    while dots > 0:
        step = min(dots, 255)
        out += constants.ESC + b"J" + bytes((step,))
        dots -= step
    return bytes(out)


def encode_raster(image: Image.Image, width_dots: int) -> bytes:
    """``GS v 0`` bands for a 1-bit image; blank rows become ``ESC J`` feeds."""
    if image.width > width_dots:
        raise UnsupportedFeature(f"image is {image.width} dots wide; the paper has {width_dots}")
    constants = load_escpos().constants
    data, width_bytes = _packed_rows(image)
    rows = [data[i * width_bytes : (i + 1) * width_bytes] for i in range(image.height)]
    used = [len(row.rstrip(b"\x00")) for row in rows]

    out = bytearray()
    y = 0
    height = image.height
    while y < height:
        if used[y] == 0:
            start = y
            while y < height and used[y] == 0:
                y += 1
            out += _feed(y - start)
            continue
        start = y
        gap = 0
        while y < height and y - start < _MAX_BAND_ROWS:
            gap = gap + 1 if used[y] == 0 else 0
            y += 1
            if gap >= _MIN_GAP_ROWS:
                break
        end = y - gap  # trailing blank rows go out as a feed
        y = end
        band_bytes = max(used[start:end])
        out += constants.S_RASTER_N + _u16(band_bytes) + _u16(end - start)
        out += b"".join(row[:band_bytes] for row in rows[start:end])
    return bytes(out)


def qr_image(part: QrPart, width_dots: int) -> Image.Image:
    """The QR symbol as a printer draws it: ``module_dots`` per module, no quiet zone, aligned."""
    import qrcode
    import qrcode.constants

    levels = {
        0: qrcode.constants.ERROR_CORRECT_L,
        1: qrcode.constants.ERROR_CORRECT_M,
        2: qrcode.constants.ERROR_CORRECT_Q,
        3: qrcode.constants.ERROR_CORRECT_H,
    }
    code = qrcode.QRCode(
        version=None,
        error_correction=levels[part.error_correction.value],
        box_size=1,
        border=0,
    )
    code.add_data(part.text)
    code.make(fit=True)
    matrix = code.get_matrix()
    modules = len(matrix)
    side = modules * part.module_dots
    if side > width_dots:
        raise UnsupportedFeature(
            f"QR is {side} dots wide at {part.module_dots} dots/module; the paper has {width_dots}"
        )
    symbol = Image.new("1", (modules, modules), 1)
    symbol.putdata([0 if cell else 1 for row in matrix for cell in row])
    symbol = symbol.resize((side, side), Image.Resampling.NEAREST)
    canvas = Image.new("1", (width_dots, side), 1)
    x = {Align.LEFT: 0, Align.CENTER: (width_dots - side) // 2, Align.RIGHT: width_dots - side}
    canvas.paste(symbol, (x[part.align], 0))
    return canvas


def _native_qr(part: QrPart, width_dots: int) -> bytes:
    escpos = load_escpos()
    constants = escpos.constants
    qr_image(part, width_dots)  # raises if the symbol would not fit the paper
    dummy = escpos.printer.Dummy()
    dummy.qr(
        part.text,
        ec=part.error_correction.value,
        size=part.module_dots,
        model=constants.QR_MODEL_2,
        native=True,
    )
    align = constants.TXT_STYLE["align"]
    names = {Align.LEFT: "left", Align.CENTER: "center", Align.RIGHT: "right"}
    data: bytes = align[names[part.align]] + dummy.output + align["left"]
    return data


def cut_command(cut: Cut, model: PrinterModel) -> bytes:
    """Feed to the cutter and cut (``GS V 65 0`` full, ``GS V 66 0`` partial)."""
    constants = load_escpos().constants
    if cut is Cut.NONE:
        return b""
    full = model.full_cut
    partial = model.partial_cut
    if cut is Cut.PARTIAL and partial:
        return bytes(constants.GS + b"V" + bytes((66, 0)))
    if full or partial:
        return bytes(constants.GS + b"V" + bytes((65 if full else 66, 0)))
    raise UnsupportedFeature(f"profile {model.profile!r} has no cutter")


def process_id_request(process_id: bytes) -> bytes:
    """Epson ``GS ( H`` fn 48: the printer answers ``37 22 id 00`` once all before it printed."""
    if len(process_id) != 4 or not all(0x30 <= b <= 0x39 for b in process_id):
        raise ValueError("a process id is four ASCII digits")
    constants = load_escpos().constants
    return bytes(constants.GS + b"(H" + _u16(6) + b"00" + process_id)


def recover_command(clear_buffers: bool) -> bytes:
    """``DLE ENQ 1`` (recover, resume) or ``DLE ENQ 2`` (recover, clear buffers)."""
    constants = load_escpos().constants
    return bytes(constants.DLE + constants.ENQ + bytes((2 if clear_buffers else 1,)))


def encode_job(job: PrintJob, model: PrinterModel) -> EncodedJob:
    """The whole job: initialise, one-dot motion unit, parts in order, cut."""
    constants = load_escpos().constants
    out = bytearray(constants.HW_INIT)
    if model.dpi <= 255:
        out += constants.GS + b"P" + bytes((0, model.dpi))
    raster = 0
    native = False
    for part in job.parts:
        if isinstance(part, RasterPart):
            chunk = encode_raster(part.image, model.width_dots)
            raster += len(chunk)
            out += chunk
        elif isinstance(part, QrPart):
            if model.native_qr:
                out += _native_qr(part, model.width_dots)
                native = True
            else:
                chunk = encode_raster(qr_image(part, model.width_dots), model.width_dots)
                raster += len(chunk)
                out += chunk
        elif isinstance(part, FeedPart):
            out += _feed(part.dots)
    out += cut_command(job.cut, model)
    return EncodedJob(bytes(out), raster, native)
