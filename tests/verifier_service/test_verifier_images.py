"""Image endpoint resource limits: hostile files are refused before decoding, and a decode that
outlives its deadline is stopped for real (its worker process is killed), so CPU returns to
idle as soon as the answer is sent."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from image_bombs import jpeg_scan_bomb, png_chunk_bomb
from PIL import Image
from service_support import Material, base_config

from verifier.qr import decode_image, make_qr
from verifier.service.images import MAX_JPEG_SCANS, ImageRefused, inspect

MAX_PIXELS = 24_000_000
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_of_tree(root: int) -> float:
    """CPU seconds used so far by root and every process descending from it (from /proc)."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(cpu.get(p, 0.0) for p in tree)


def idle_cpu(seconds: float = 1.5) -> float:
    """CPU seconds this test process and its children burn over `seconds` of wall time."""
    before = _cpu_of_tree(os.getpid())
    time.sleep(seconds)  # real time is the thing measured: CPU burnt over a stretch of wall time
    return _cpu_of_tree(os.getpid()) - before


def post_image(url: str, data: bytes, name: str = "photo.jpg") -> httpx.Response:
    files = {"image": (name, data, "application/octet-stream")}
    return httpx.post(f"{url}/api/v1/verify-image", files=files, timeout=60)


def test_a_jpeg_scan_bomb_is_refused_quickly_and_cpu_returns_to_idle(
    material: Material, serve_app: Callable[..., Any]
) -> None:
    bomb = jpeg_scan_bomb()
    assert len(bomb) <= 8 * 1024 * 1024  # within every documented limit...
    with Image.open(io.BytesIO(bomb)) as probe:
        assert probe.width * probe.height <= MAX_PIXELS  # ...bytes and pixels
    with serve_app(base_config(material)) as url:
        started = time.monotonic()
        r = post_image(url, bomb)
        took = time.monotonic() - started
        assert r.status_code == 422, r.text
        assert "scans" in r.json()["detail"]
        assert took < 3.0, f"refused after {took:.1f} s"
        assert idle_cpu() < 0.3
        assert "pathological_image" in httpx.get(f"{url}/metrics").text


def test_a_png_chunk_bomb_is_refused(material: Material, serve_app: Callable[..., Any]) -> None:
    with serve_app(base_config(material)) as url:
        r = post_image(url, png_chunk_bomb(), "photo.png")
        assert r.status_code == 422
        assert "chunks" in r.json()["detail"]


@pytest.mark.solo
def test_a_decode_past_its_deadline_is_killed_and_cpu_returns_to_idle(
    material: Material, serve_app: Callable[..., Any]
) -> None:
    """A legitimate but heavy image (24 MP progressive, under the scan limit) with a short
    deadline: the answer comes at the deadline and nothing keeps decoding after it."""
    heavy = jpeg_scan_bomb(scans=MAX_JPEG_SCANS - 1)
    # The deadline is a quarter of what decoding this image takes on this machine, measured
    # here: a fixed deadline let a fast machine finish in time and answer 200.
    started = time.monotonic()
    assert decode_image(heavy) == []
    decode_takes = time.monotonic() - started
    config = base_config(material, decode_timeout=max(decode_takes / 4, 0.02), decode_workers=1)
    with serve_app(config) as url:
        started = time.monotonic()
        answers = [post_image(url, heavy) for _ in range(3)]  # each outlives its deadline
        took = time.monotonic() - started
        assert [a.status_code for a in answers] == [422, 422, 422]
        assert all("in time" in a.json()["detail"] for a in answers)
        assert took < 15
        assert idle_cpu() < 0.3
        assert "decode_timeout" in httpx.get(f"{url}/metrics").text
        # The pool replaces killed workers: a normal photo still verifies.
        r = post_image(url, qr_png(material.birth), "photo.png")
        assert r.status_code == 200
        assert r.json()["verdicts"][0]["status"] == "valid"


def qr_png(text: str) -> bytes:
    img = make_qr(text).make_image().get_image().convert("L")
    img = img.resize((img.width * 4, img.height * 4), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _encoded(fmt: str, **kw: Any) -> bytes:
    img = Image.new("RGB", (640, 480), (200, 100, 50))
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("fmt", "kw", "kind", "scans"),
    [
        ("JPEG", {}, "jpeg", 1),
        ("JPEG", {"progressive": True}, "jpeg", 10),
        ("PNG", {}, "png", 1),
        ("PNG", {"optimize": True}, "png", 1),
    ],
)
def test_ordinary_files_pass_inspection(
    fmt: str, kw: dict[str, Any], kind: str, scans: int
) -> None:
    info = inspect(_encoded(fmt, **kw), max_pixels=MAX_PIXELS)
    assert (info.kind, info.width, info.height, info.scans) == (kind, 640, 480, scans)


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        (jpeg_scan_bomb(2048, 2048, scans=MAX_JPEG_SCANS + 1), 422, "pathological_image"),
        (jpeg_scan_bomb(8000, 4096, scans=1), 413, "too_many_pixels"),
        (b"\xff\xd8\xff\xc3\x00\x0b\x08\x00\x10\x00\x10\x01\x01\x11\x00", 422, "unsupported_image"),
        (b"\xff\xd8\xff\xe0\x00\x05", 422, "unreadable_image"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIDAT", 422, "unreadable_image"),
        (b"GIF89a", 415, "not_an_image"),
    ],
    ids=["too many scans", "too many pixels", "lossless", "truncated", "png no header", "gif"],
)
def test_hostile_files_are_refused_before_decoding(data: bytes, status: int, reason: str) -> None:
    with pytest.raises(ImageRefused) as caught:
        inspect(data, max_pixels=MAX_PIXELS)
    assert (caught.value.status, caught.value.reason) == (status, reason)


def test_a_png_over_the_decoded_size_cap_is_refused() -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    # 16-bit RGBA at 20 MP: 160 MB once decoded, from a few bytes of header.
    header = struct.pack(">IIBBBBB", 5000, 4000, 16, 6, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    with pytest.raises(ImageRefused) as caught:
        inspect(data, max_pixels=MAX_PIXELS)
    assert caught.value.status == 413
