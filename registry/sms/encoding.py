"""How a text travels as SMS: its alphabet, its segment count and its concatenated parts.

A text that the GSM 03.38 default alphabet can carry (the `gsm0338` codec: unpacked septets,
an extension character such as `€ [ ] { } ~ ^ | \\` taking two) goes as `data_coding` 0 and
fits 160 septets in one SMS, or 153 per part when a 6-octet concatenation header (UDH IE 0x00)
takes its room. Anything else (Arabic) goes as UCS-2 (`data_coding` 8, UTF-16BE): 70 code units
in one SMS, 67 per part. `segments(text)` counts them; `parts(text, reference)` builds the
`short_message` octets of each part, UDH included.

smpplib's own `gsm.make_parts` does the same split but may cut a GSM escape pair or a UTF-16
surrogate pair in two (its FIXME) and uses its own GSM table; this module never cuts a
character, so the count in the tests is exactly what the SMSC receives. Pure: no I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

__all__ = [
    "GSM7_PART",
    "GSM7_SINGLE",
    "UCS2_PART",
    "UCS2_SINGLE",
    "Alphabet",
    "Segments",
    "decode",
    "parts",
    "segments",
]

GSM7_SINGLE, GSM7_PART = 160, 153  # septets
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units
MAX_PARTS = 255  # the 8-bit concatenation header's limit
_CODEC = "gsm03.38"


class Alphabet(enum.IntEnum):
    """The alphabet, valued as SMPP's `data_coding`."""

    GSM7 = 0
    UCS2 = 8


@dataclass(frozen=True)
class Segments:
    alphabet: Alphabet
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int  # how many SMS it takes


def _units(text: str) -> tuple[Alphabet, list[bytes]]:
    """Each character's encoded units, in the alphabet the text needs."""
    try:
        return Alphabet.GSM7, [ch.encode(_CODEC) for ch in text]
    except UnicodeEncodeError:
        return Alphabet.UCS2, [ch.encode("utf-16-be") for ch in text]


def _width(alphabet: Alphabet, unit: bytes) -> int:
    return len(unit) if alphabet is Alphabet.GSM7 else len(unit) // 2


def _limits(alphabet: Alphabet) -> tuple[int, int]:
    return (GSM7_SINGLE, GSM7_PART) if alphabet is Alphabet.GSM7 else (UCS2_SINGLE, UCS2_PART)


def _chunks(alphabet: Alphabet, units: list[bytes]) -> list[bytes]:
    single, per_part = _limits(alphabet)
    total = sum(_width(alphabet, u) for u in units)
    if total <= single:
        return [b"".join(units)]
    chunks: list[bytes] = []
    current: list[bytes] = []
    room = per_part
    for u in units:
        w = _width(alphabet, u)
        if w > room:  # a character never straddles two parts
            chunks.append(b"".join(current))
            current, room = [], per_part
        current.append(u)
        room -= w
    chunks.append(b"".join(current))
    return chunks


def segments(text: str) -> Segments:
    """The alphabet `text` needs, its length in that alphabet's units and its SMS count."""
    alphabet, units = _units(text)
    total = sum(_width(alphabet, u) for u in units)
    return Segments(alphabet, total, len(_chunks(alphabet, units)) if text else 1)


def parts(text: str, reference: int) -> tuple[Alphabet, list[bytes]]:
    """The `short_message` octets of each SMS that carries `text`: one part without a header,
    or parts each opening with the UDH `05 00 03 ref total seq` (`reference` 0-255 ties them
    together; set esm_class's UDHI bit, 0x40, when there is more than one)."""
    if not 0 <= reference <= 255:
        raise ValueError("the concatenation reference is one octet")
    alphabet, units = _units(text)
    chunks = _chunks(alphabet, units)
    if len(chunks) == 1:
        return alphabet, chunks
    if len(chunks) > MAX_PARTS:
        raise ValueError(f"a text of {len(chunks)} parts is too long for SMS")
    head = bytes([5, 0, 3, reference, len(chunks)])
    return alphabet, [head + bytes([i]) + c for i, c in enumerate(chunks, start=1)]


def decode(data_coding: int, octets: bytes) -> str:
    """Text from `short_message` octets (no UDH) in the SMPP `data_coding` given; unknown
    codings are read as Latin-1 so nothing is lost."""
    if data_coding == Alphabet.GSM7:
        return octets.decode(_CODEC, errors="replace")
    if data_coding == Alphabet.UCS2:
        return octets.decode("utf-16-be", errors="replace")
    if data_coding == 1:
        return octets.decode("ascii", errors="replace")
    return octets.decode("latin-1")
