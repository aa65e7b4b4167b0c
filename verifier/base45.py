"""Base45 (RFC 9285), encode and decode, with strict decoding.

Written here rather than taken from the `base45` package because decoding sits on the
verification hot path: the package's pure-Python loop took 65 µs for a 400-character QR
text, a quarter of a whole verification (bench/format.py); slicing and `struct` take about
a third of that. tests/verifier/test_base45.py checks it against
RFC 9285's examples and, on random input, against the `base45` package.

Pure: no I/O.
"""

from __future__ import annotations

import struct

from verifier.errors import Base45Error

__all__ = ["ALPHABET", "b45decode", "b45encode"]

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_INVALID = 0xFF
_TABLE = bytes(ALPHABET.index(chr(c)) if chr(c) in ALPHABET else _INVALID for c in range(256))


def b45encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        c, n = divmod(n, 45 * 45)
        e, d = divmod(n, 45)
        out.append(ALPHABET[d] + ALPHABET[e] + ALPHABET[c])
    if len(data) % 2:
        e, d = divmod(data[-1], 45)
        out.append(ALPHABET[d] + ALPHABET[e])
    return "".join(out)


def b45decode(text: str) -> bytes:
    """Bytes from Base45 text; Base45Error for any character outside the alphabet, a stray
    final character, or a group whose value does not fit (over 65535, or 255 at the end)."""
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise Base45Error("Base45 text contains a non-ASCII character") from None
    digits = raw.translate(_TABLE)
    if _INVALID in digits:
        raise Base45Error("Base45 text contains a character outside its alphabet")
    whole, rest = divmod(len(digits), 3)
    if rest == 1:
        raise Base45Error("Base45 text has a stray final character")
    cut = whole * 3
    values = [
        a + 45 * b + 2025 * c
        for a, b, c in zip(digits[0:cut:3], digits[1:cut:3], digits[2:cut:3], strict=True)
    ]
    try:
        out = struct.pack(f">{whole}H", *values)
    except struct.error:
        raise Base45Error("a Base45 group is larger than two bytes") from None
    if rest == 2:
        last = digits[cut] + 45 * digits[cut + 1]
        if last > 0xFF:
            raise Base45Error("the final Base45 pair is larger than a byte")
        out += bytes([last])
    return out
