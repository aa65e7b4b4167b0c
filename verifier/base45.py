"""Base45 (RFC 9285), encode and decode, with strict decoding.

Written here rather than taken from the `base45` package because decoding sits on the
verification hot path: the package's pure-Python loop took 65 µs for a 400-character QR
text, a quarter of a whole verification (bench/format.py); big-integer lanes (below) take
about a sixth of that. tests/verifier/test_base45.py checks it against
RFC 9285's examples and, on random input, against the `base45` package.

Pure: no I/O.
"""

from __future__ import annotations

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
    # Every group at once, in C: each digit column becomes one big integer with a 24-bit lane
    # per group, so a + 45 b + 2025 c is three big-integer operations (a lane tops out at
    # 91124, below 2**24: no carries between lanes); then lanes over 65535 (a non-zero top
    # byte) are refused and the low two bytes of each lane are the output.
    size = 3 * whole
    columns = []
    for k in range(3):
        lane = bytearray(size)
        lane[2::3] = digits[k:cut:3]
        columns.append(int.from_bytes(lane, "big"))
    total = (columns[0] + 45 * columns[1] + 2025 * columns[2]).to_bytes(size, "big")
    if total[0::3].count(0) != whole:
        raise Base45Error("a Base45 group is larger than two bytes")
    out = bytearray(2 * whole)
    out[0::2] = total[1::3]
    out[1::2] = total[2::3]
    if rest == 2:
        last = digits[cut] + 45 * digits[cut + 1]
        if last > 0xFF:
            raise Base45Error("the final Base45 pair is larger than a byte")
        out.append(last)
    return bytes(out)
