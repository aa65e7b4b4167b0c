"""Job encoding and the emulator's parser, in process (no links): bytes, trimming, round trips."""

from __future__ import annotations

import dataclasses
import logging
import random
from pathlib import Path

import pytest
import zxingcpp
from hwhelpers import load_png, receipt_image, same_pixels
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps

from hardware.emulator import EmulatedPrinter
from hardware.emulator import parser as p
from hardware.encoding import encode_job, encode_raster, process_id_request, qr_image
from hardware.errors import UnsupportedFeature
from hardware.job import Align, Cut, ErrorCorrection, FeedPart, PrintJob, QrPart
from hardware.models import resolve_model

QR_TEXT = "SN1D:" + "6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEPWK G2EP4J0B3KL6QM5/OSPH" * 9


def _print_in_process(tmp_path: Path, data: bytes, width: int = 576) -> EmulatedPrinter:
    machine = EmulatedPrinter(tmp_path / "out", width)
    reaction = machine.receive(data)
    assert not reaction.drop
    return machine


def test_raster_round_trips_pixel_for_pixel(tmp_path: Path) -> None:
    image = receipt_image()
    job = encode_job(PrintJob.of(image), resolve_model("TM-T20II", 576))
    machine = _print_in_process(tmp_path, job.data)
    (receipt,) = machine.receipts()
    assert receipt.complete
    assert same_pixels(load_png(receipt.path), image)


def test_narrow_odd_width_image_round_trips(tmp_path: Path) -> None:
    image = receipt_image(width=301, height=97, seed=3)
    job = encode_job(PrintJob.of(image), resolve_model("TM-T20II", 576))
    (receipt,) = _print_in_process(tmp_path, job.data).receipts()
    expected = Image.new("1", (576, 97), 255)
    expected.paste(image, (0, 0))
    assert same_pixels(load_png(receipt.path), expected)


def test_blank_rows_become_feeds_and_right_margins_are_trimmed() -> None:
    image = Image.new("1", (576, 1000), 255)
    image.paste(Image.new("1", (100, 10), 0), (0, 500))
    data = encode_raster(image, 576)
    naive = 8 + 72 * 1000
    # 500 blank rows (2 ESC J of 3 bytes), a 10-row band 13 bytes wide, 490 blank rows
    assert data.count(b"\x1dv0") == 1
    assert len(data) == 3 * 2 + (8 + 13 * 10) + 3 * 2
    assert len(data) < naive / 100


def test_image_wider_than_paper_is_refused() -> None:
    with pytest.raises(UnsupportedFeature):
        encode_raster(Image.new("1", (600, 10), 255), 576)


def test_native_qr_is_small_and_prints_like_the_raster_fallback(tmp_path: Path) -> None:
    part = QrPart(QR_TEXT, module_dots=4, error_correction=ErrorCorrection.Q, align=Align.CENTER)
    native = encode_job(PrintJob.of(part), resolve_model("TM-T20II", 576))
    no_native = dataclasses.replace(resolve_model("TM-T20II", 576), native_qr=False)
    raster = encode_job(PrintJob.of(part), no_native)
    assert native.native_qr and not raster.native_qr
    assert len(native.data) < 800 < 10_000 < len(raster.data)
    a = _print_in_process(tmp_path / "a", native.data).receipts()[0]
    b = _print_in_process(tmp_path / "b", raster.data).receipts()[0]
    assert same_pixels(load_png(a.path), load_png(b.path))
    paper = ImageOps.expand(load_png(a.path).convert("L"), border=40, fill=255)
    decoded = zxingcpp.read_barcodes(paper)
    assert QR_TEXT in [d.text for d in decoded]


def test_qr_too_wide_for_the_paper_is_refused() -> None:
    with pytest.raises(UnsupportedFeature):
        qr_image(QrPart(QR_TEXT, module_dots=16), 384)


def test_feed_part_and_cut_modes(tmp_path: Path) -> None:
    model = resolve_model("TM-T20II", 384)
    job = PrintJob.of(
        receipt_image(384, 40), FeedPart(300), receipt_image(384, 40, seed=2), cut=Cut.PARTIAL
    )
    encoded = encode_job(job, model)
    assert encoded.data.endswith(b"\x1dV\x42\x00")
    (receipt,) = _print_in_process(tmp_path, encoded.data, width=384).receipts()
    assert receipt.height == 40 + 300 + 40


def test_no_cut_means_no_receipt_yet(tmp_path: Path) -> None:
    encoded = encode_job(PrintJob.of(receipt_image(), cut=Cut.NONE), resolve_model("TM-T20II", 576))
    machine = _print_in_process(tmp_path, encoded.data)
    assert machine.receipts() == []
    machine.disconnected()
    assert [r.complete for r in machine.receipts()] == [False]


def test_process_id_request_bytes() -> None:
    assert process_id_request(b"0042") == b"\x1d(H\x06\x000" + b"0" + b"0042"
    with pytest.raises(ValueError, match="four ASCII digits"):
        process_id_request(b"12")


def test_parser_is_incremental() -> None:
    data = (
        encode_job(
            PrintJob.of(receipt_image(height=80), QrPart("HELLO")), resolve_model("TM-T20II", 576)
        ).data
        + process_id_request(b"1234")
        + b"\x10\x04\x01"
    )
    whole = p.Parser().feed(data)
    parser = p.Parser()
    pieces: list[p.Command] = []
    for i in range(len(data)):
        pieces += parser.feed(data[i : i + 1])
    assert pieces == whole
    assert parser.pending == 0
    assert isinstance(whole[0], p.Init)
    assert p.ProcessIdRequest(b"1234") in whole
    assert whole[-1] == p.StatusQuery(1)


def test_unknown_bytes_are_logged_not_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    machine = EmulatedPrinter(tmp_path, 576)
    with caplog.at_level(logging.WARNING, logger="hardware.emulator.machine"):
        reaction = machine.receive(b"\x1b@\x1b\xf0\x1d\xf1\x01hello\n\x1dV\x00\x10\x04\x01")
    assert reaction.reply == b"\x12"
    assert machine.unknown_commands == 3
    assert "unknown bytes" in caplog.text
    assert len(machine.receipts()) == 1


def test_python_escpos_output_is_understood(tmp_path: Path) -> None:
    """What python-escpos itself sends (text, column and graphics images, cut) parses cleanly."""
    from hardware.models import load_escpos

    escpos = load_escpos()
    dummy = escpos.printer.Dummy(profile="TM-T20II")
    dummy.set(align="center", bold=True)
    dummy.textln("Sanad")
    image = receipt_image(width=200, height=48)
    dummy.image(image, impl="bitImageColumn")
    dummy.image(image, impl="graphics")
    dummy.image(image, impl="bitImageRaster")
    dummy.qr("HELLO", native=True)
    dummy.cut()
    machine = EmulatedPrinter(tmp_path, 576)
    machine.receive(dummy.output)
    assert machine.unknown_commands == 0
    (receipt,) = machine.receipts()
    assert receipt.height > 3 * 48


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    width=st.integers(1, 576),
    height=st.integers(1, 300),
    seed=st.integers(0, 2**32 - 1),
    density=st.sampled_from([0.0, 0.001, 0.05, 0.5, 1.0]),
)
def test_any_image_round_trips(
    tmp_path: Path, width: int, height: int, seed: int, density: float
) -> None:
    rng = random.Random(seed)
    image = Image.new("1", (width, height), 255)
    pixels = image.load()
    assert pixels is not None
    for _ in range(int(width * height * density)):
        pixels[rng.randrange(width), rng.randrange(height)] = 0
    out = tmp_path / f"{width}x{height}-{seed}"
    data = encode_job(PrintJob.of(image), resolve_model("TM-T20II", 576)).data
    (receipt,) = _print_in_process(out, data).receipts()
    expected = Image.new("1", (576, height), 255)
    expected.paste(image, (0, 0))
    assert same_pixels(load_png(receipt.path), expected)


def test_receipts_left_by_an_earlier_run_are_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "receipt-0007-incomplete.png").write_bytes(b"old")
    (tmp_path / "receipt-notes.png").write_bytes(b"not ours")
    machine = EmulatedPrinter(tmp_path, 576)
    machine.receive(
        encode_job(PrintJob.of(receipt_image(height=20)), resolve_model("TM-T20II", 576)).data
    )
    assert [r.path.name for r in machine.receipts()] == ["receipt-0008.png"]
    assert (tmp_path / "receipt-0007-incomplete.png").read_bytes() == b"old"
