"""QR text ↔ COSE bytes: the versioned prefix, Base45 (RFC 9285) and optional raw DEFLATE.

A Sanad QR text is `SN` + format version digit + mode letter + `:` + Base45 of the body:
    SN1D:  body is raw DEFLATE (RFC 1951, no zlib header) of the COSE_Sign1, compressed with
           the preset dictionary `data/deflate-dictionary-v1.txt` (its exact bytes)
    SN1R:  body is the COSE_Sign1 itself (used when DEFLATE would not make it smaller)
All characters are in the QR alphanumeric set, so the text encodes in alphanumeric mode.

Decoding is bounded: the text is capped at `MAX_TEXT_LENGTH` characters and inflation at
`MAX_INFLATED` bytes, so a deflate bomb costs at most that much memory and time.

Pure: no I/O beyond reading the packaged dictionary once.
"""

from __future__ import annotations

import functools
import zlib
from importlib import resources

from verifier.base45 import b45decode, b45encode
from verifier.errors import Base45Error, CompressionError, PrefixError, UnsupportedVersionError

__all__ = [
    "FORMAT_VERSION",
    "MAX_INFLATED",
    "MAX_TEXT_LENGTH",
    "decode_text",
    "deflate_dictionary",
    "encode_text",
]

FORMAT_VERSION = 1
MAX_TEXT_LENGTH = 4296  # the most alphanumeric characters any QR code (version 40-L) holds
MAX_INFLATED = 16384
_MODE_DEFLATE = "D"
_MODE_RAW = "R"


@functools.cache
def deflate_dictionary() -> bytes:
    """The preset DEFLATE dictionary of format version 1 (frozen: never edit the file)."""
    return (resources.files("verifier") / "data" / "deflate-dictionary-v1.txt").read_bytes()


def _deflate(data: bytes) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, deflate_dictionary())
    return comp.compress(data) + comp.flush()


def _inflate(data: bytes) -> bytes:
    decomp = zlib.decompressobj(-15, zdict=deflate_dictionary())
    try:
        out = decomp.decompress(data, MAX_INFLATED + 1)
    except zlib.error as exc:
        raise CompressionError(f"not a valid DEFLATE stream: {exc}") from exc
    if len(out) > MAX_INFLATED or decomp.unconsumed_tail:
        raise CompressionError(f"inflates to more than {MAX_INFLATED} bytes; refused")
    if not decomp.eof:
        raise CompressionError("DEFLATE stream is truncated")
    if decomp.unused_data:
        raise CompressionError("bytes after the end of the DEFLATE stream")
    return out


def encode_text(cose: bytes) -> str:
    """The QR text for COSE bytes: deflated if (and only if) that is smaller."""
    packed = _deflate(cose)
    if len(packed) < len(cose):
        mode, body = _MODE_DEFLATE, packed
    else:
        mode, body = _MODE_RAW, cose
    text = f"SN{FORMAT_VERSION}{mode}:" + b45encode(body)
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"the document needs {len(text)} QR characters, over {MAX_TEXT_LENGTH}")
    return text


def decode_text(text: str) -> bytes:
    """The COSE bytes inside a QR text; raises a FormatError subclass naming what is wrong."""
    if len(text) > MAX_TEXT_LENGTH:
        raise PrefixError(f"text is {len(text)} characters, over the {MAX_TEXT_LENGTH} accepted")
    # Scanners append CR/LF: surrounding ASCII space, tab, CR and LF are forgiven, nothing else
    # (not lower case, not Unicode spaces).
    text = text.strip(" \t\r\n")
    if not text.startswith("SN") or len(text) < 5 or text[4] != ":":
        raise PrefixError("not a Sanad document: the text does not start with 'SN<version><mode>:'")
    version, mode = text[2], text[3]
    if version not in "0123456789":  # ASCII only: str.isdigit() accepts "١" and "²"
        raise PrefixError(f"bad format version {version!r} in the prefix")
    if int(version) != FORMAT_VERSION:
        raise UnsupportedVersionError(
            f"format version {version} is not supported (this verifier knows {FORMAT_VERSION})"
        )
    if mode not in (_MODE_DEFLATE, _MODE_RAW):
        raise PrefixError(f"unknown encoding mode {mode!r} in the prefix")
    body = b45decode(text[5:])
    if not body:
        raise Base45Error("the text after the prefix is empty")
    return _inflate(body) if mode == _MODE_DEFLATE else body
