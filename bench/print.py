"""Benchmark: bytes and wall time to print an 80 mm certificate receipt, raster QR vs native QR.

Run: .venv/bin/python bench/print.py [--baud 115200] [--repeat 1]

The receipt is a realistic 576 x ~1400 dot, 1-bit certificate (Arabic and Latin text set with
raqm, ruled fields, a QR of ~600 Base45 characters at 4 dots per module). It is encoded three
ways and sent to the emulator (hardware.emulator) over real links:

* baseline: python-escpos as is (``Dummy.image`` + its QR as an image + ``cut``), measured in
  the same run;
* raster QR: hardware.encoding (blank rows become feeds, right margins trimmed);
* native QR: the same, with the QR sent as ``GS ( k`` (the printer draws it).

For each: bytes, wall time of ``Printer.print_job`` (status before, bytes, Epson process-ID
confirmation, status after) over TCP (loopback, unpaced) and over a pty whose far end consumes
at the given baud rate, beside the link's theoretical time (bytes x 10 / baud) and the ratio.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hardware.emulator import Emulator
from hardware.encoding import encode_job, qr_image
from hardware.job import (
    Align,
    Cut,
    ErrorCorrection,
    FeedPart,
    PrintJob,
    QrPart,
    RasterPart,
)
from hardware.models import load_escpos, resolve_model
from hardware.printer import open_printer
from hardware.testpage import find_font

WIDTH = 576
PROFILE = "TM-T20II"
BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
QR_TEXT = "SN1D:" + "".join(BASE45[(i * 7 + i // 3) % 45] for i in range(595))
QR_MODULE = 4


def _font(names: tuple[str, ...], size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = find_font(names)
    if path is None:
        return ImageFont.load_default()
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)


def certificate_parts() -> tuple[Image.Image, QrPart, Image.Image]:
    """Top of the receipt (text), the QR, the bottom (footer): as a kiosk would lay it out."""
    arabic_big = _font(("Amiri-Bold.ttf", "Amiri-Regular.ttf"), 44)
    arabic = _font(("Amiri-Regular.ttf",), 28)
    latin = _font(("DejaVuSans.ttf",), 20)
    small = _font(("DejaVuSans.ttf",), 16)
    top = Image.new("1", (WIDTH, 860), 1)
    d = ImageDraw.Draw(top)
    d.text(
        (WIDTH - 24, 20), "مصلحة الأحوال المدنية والسجل المدني", font=arabic, fill=0, anchor="ra"
    )
    d.text((24, 70), "Civil Status and Civil Registry Authority", font=small, fill=0)
    d.text((WIDTH // 2, 110), "شهادة ميلاد", font=arabic_big, fill=0, anchor="ma")
    d.text((WIDTH // 2, 175), "BIRTH CERTIFICATE", font=latin, fill=0, anchor="ma")
    d.line((24, 210, WIDTH - 25, 210), fill=0, width=2)
    fields = [
        ("الرقم الوطني", "National number", "1234567897"),
        ("الاسم", "Name", "Mohammed Ahmed Saleh"),
        ("اسم الأب", "Father", "Ahmed Saleh Ali"),
        ("اسم الأم", "Mother", "Fatima Hassan Omar"),
        ("تاريخ الميلاد", "Date of birth", "2019-03-14"),
        ("مكان الميلاد", "Place of birth", "Sana'a"),
        ("الجنس", "Sex", "Male / ذكر"),
        ("أمانة السجل المدني", "Registry office", "Al-Tahrir"),
        ("تاريخ الإصدار", "Issued", "2026-11-21"),
    ]
    y = 225
    for label_ar, label_en, value in fields:
        d.text((WIDTH - 24, y), label_ar, font=arabic, fill=0, anchor="ra")
        d.text((24, y + 6), f"{label_en}:", font=small, fill=0)
        d.text((24, y + 30), value, font=latin, fill=0)
        d.line((24, y + 64, WIDTH - 25, y + 64), fill=0)
        y += 68
    d.text((WIDTH // 2, y + 12), "مركز خدمة المواطن", font=arabic, fill=0, anchor="ma")
    qr = QrPart(
        QR_TEXT, module_dots=QR_MODULE, error_correction=ErrorCorrection.Q, align=Align.CENTER
    )
    bottom = Image.new("1", (WIDTH, 140), 1)
    b = ImageDraw.Draw(bottom)
    b.text((WIDTH // 2, 16), "تحقق من الوثيقة بمسح الرمز", font=arabic, fill=0, anchor="ma")
    b.text(
        (WIDTH // 2, 64),
        "Verify: scan the code  ·  serial 7Q2K-99XD",
        font=small,
        fill=0,
        anchor="ma",
    )
    b.line((24, 120, WIDTH - 25, 120), fill=0, width=2)
    return top, qr, bottom


def whole_image(top: Image.Image, qr: QrPart, bottom: Image.Image) -> Image.Image:
    symbol = qr_image(qr, WIDTH)
    gap = 24
    image = Image.new("1", (WIDTH, top.height + gap + symbol.height + gap + bottom.height), 1)
    image.paste(top, (0, 0))
    image.paste(symbol, (0, top.height + gap))
    image.paste(bottom, (0, top.height + gap + symbol.height + gap))
    return image


def baseline_bytes(image: Image.Image) -> bytes:
    """What plain python-escpos sends for the same receipt (QR already in the image)."""
    escpos = load_escpos()
    dummy = escpos.printer.Dummy(profile=PROFILE)
    dummy.hw("INIT")
    dummy.image(image, impl="bitImageRaster")
    dummy.cut()
    data: bytes = dummy.output
    return data


def _send_raw(url: str, data: bytes, timeout: float) -> float:
    """Baseline transmit: write the bytes, then a process-ID request; time until confirmed."""
    from hardware.encoding import process_id_request

    with open_printer(url, profile=PROFILE, timeout=2.0) as printer:
        transport = printer._transport  # the bench measures the bare link on purpose
        start = time.monotonic()
        transport.write(data + process_id_request(b"4242"), timeout)
        buffer = b""
        while b"\x37\x224242\x00" not in buffer:
            remaining = timeout - (time.monotonic() - start)
            if remaining <= 0:
                raise TimeoutError("baseline not confirmed")
            buffer += transport.read(64, remaining)
        return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--repeat", type=int, default=1, help="runs per link and variant (median)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    top, qr, bottom = certificate_parts()
    image = whole_image(top, qr, bottom)
    model = resolve_model(PROFILE, WIDTH)
    raster_job = PrintJob((RasterPart(image),), label="bench-raster")
    gap = 24
    native_job = PrintJob(
        (RasterPart(top), FeedPart(gap), qr, FeedPart(gap), RasterPart(bottom)),
        label="bench-native",
    )
    variants = {
        "python-escpos baseline": baseline_bytes(image),
        "raster QR (trimmed)": encode_job(raster_job, model).data,
        "native QR (trimmed)": encode_job(native_job, model).data,
    }
    qr_raster = len(
        encode_job(PrintJob((RasterPart(qr_image(qr, WIDTH)),), cut=Cut.NONE), model).data
    )
    qr_native = len(encode_job(PrintJob((qr,), cut=Cut.NONE), model).data)

    print(
        f"receipt: {image.width} x {image.height} dots, QR {len(QR_TEXT)} chars "
        f"({qr_image(qr, WIDTH).height} dots square at {QR_MODULE} dots/module, EC Q)"
    )
    print(f"QR alone: raster {qr_raster} bytes, native GS ( k {qr_native} bytes")
    print()
    print(f"{'variant':<24}{'bytes':>8}{'vs baseline':>13}")
    base = len(variants["python-escpos baseline"])
    for name, data in variants.items():
        print(f"{name:<24}{len(data):>8}{len(data) / base:>12.1%}")
    print()

    with tempfile.TemporaryDirectory() as out:
        rows = []
        with (
            Emulator(Path(out) / "tcp", WIDTH, tcp="127.0.0.1:0") as tcp_emu,
            Emulator(Path(out) / "pty", WIDTH, tcp=None, pty=True, baud=args.baud) as pty_emu,
        ):
            for link, url_of in (("tcp", lambda: tcp_emu.url), ("pty", lambda: pty_emu.serial_url)):
                for name, data in variants.items():
                    times = []
                    for _ in range(args.repeat):
                        if name.startswith("python-escpos"):
                            times.append(_send_raw(url_of(), data, 60.0))
                        else:
                            job = raster_job if name.startswith("raster") else native_job
                            with open_printer(url_of(), profile=PROFILE) as printer:
                                result = printer.print_job(job, timeout=60.0)
                            if not result.ok:
                                print(f"{link} {name}: FAILED {result.reason}", file=sys.stderr)
                                return 1
                            times.append(result.seconds)
                    rows.append((link, name, len(data), statistics.median(times)))
        print(f"{'link':<6}{'variant':<24}{'bytes':>8}{'wall s':>9}{'theory s':>10}{'ratio':>8}")
        for link, name, size, wall in rows:
            if link == "pty":
                theory = size * 10 / args.baud
                print(
                    f"{link:<6}{name:<24}{size:>8}{wall:>9.3f}{theory:>10.3f}{wall / theory:>8.3f}"
                )
            else:
                print(f"{link:<6}{name:<24}{size:>8}{wall:>9.3f}{'-':>10}{'-':>8}")
        print()
        print(
            f"pty theoretical time = bytes x 10 / {args.baud} baud; ratio = wall / theoretical "
            "(goal <= 1.15). Wall includes status before and after and the printer's "
            "process-ID confirmation."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
