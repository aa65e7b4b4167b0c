"""Bounded CBOR: check that bytes are one well-formed CBOR item within limits, then decode.

cbor2 trusts declared lengths and nests as deep as the input says, so a few hostile bytes can
ask it for a huge allocation or a deep recursion. `loads` walks the item header by header
first, without building anything, and refuses (CborError) before cbor2 sees the bytes when:
the input is longer than `max_bytes`; nesting is deeper than `max_depth`; a declared length
is longer than what is left of the input; there are more than `max_items` items in total;
indefinite lengths, floats or simple values other than false/true/null appear; a tag other
than those allowed appears; or bytes are left over after the item.

cbor2 (6.x) checks depth and declared lengths itself, but it turns every semantic tag it knows
into a Python object (dates, big numbers, sets, regular expressions...) and accepts floats,
none of which a Sanad object contains; the walk refuses those before any object is built, and
duplicate map keys (two values for one claim) are refused by cbor2's own option.

Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

import cbor2

from verifier.errors import CborError

__all__ = ["check", "loads"]


def _head(data: bytes, pos: int) -> tuple[int, int, int]:
    """(major type, argument, position after the head) of the item at pos."""
    if pos >= len(data):
        raise CborError("CBOR ends in the middle of an item")
    initial = data[pos]
    major, info = initial >> 5, initial & 0x1F
    pos += 1
    if info < 24:
        return major, info, pos
    if info in (24, 25, 26, 27):
        n = 1 << (info - 24)
        if pos + n > len(data):
            raise CborError("CBOR ends in the middle of an item")
        return major, int.from_bytes(data[pos : pos + n], "big"), pos + n
    if info == 31:
        raise CborError("indefinite-length CBOR items are not accepted")
    raise CborError(f"reserved CBOR additional information {info}")


def check(
    data: bytes,
    *,
    max_bytes: int = 16384,
    max_depth: int = 12,
    max_items: int = 4096,
    allowed_tags: frozenset[int] = frozenset(),
) -> None:
    """Raise CborError unless data is exactly one well-formed CBOR item within the limits."""
    if len(data) > max_bytes:
        raise CborError(f"CBOR is {len(data)} bytes, more than the {max_bytes} accepted")
    items = 0
    # A stack of "items still to read" per open container; iterative, so no recursion.
    pos = 0
    pending = [1]
    while pending:
        if pending[-1] == 0:
            pending.pop()
            continue
        pending[-1] -= 1
        items += 1
        if items > max_items:
            raise CborError(f"more than {max_items} CBOR items")
        major, arg, pos = _head(data, pos)
        if major in (0, 1):
            continue
        if major in (2, 3):
            if arg > len(data) - pos:
                raise CborError("a CBOR string is longer than the input")
            if major == 3:
                try:
                    data[pos : pos + arg].decode("utf-8")
                except UnicodeDecodeError:
                    raise CborError("a CBOR text string is not valid UTF-8") from None
            pos += arg
            continue
        if major in (4, 5):
            count = arg * (2 if major == 5 else 1)
            if count > len(data) - pos:
                raise CborError("a CBOR array or map declares more items than the input holds")
            if len(pending) >= max_depth:
                raise CborError(f"CBOR nested deeper than {max_depth}")
            pending.append(count)
            continue
        if major == 6:
            if arg not in allowed_tags:
                raise CborError(f"CBOR tag {arg} is not accepted here")
            if len(pending) >= max_depth:
                raise CborError(f"CBOR nested deeper than {max_depth}")
            pending.append(1)
            continue
        # major 7: only false, true and null (floats and other simple values have no use here)
        if arg not in (20, 21, 22) or data[pos - 1] & 0x1F >= 24:
            raise CborError("CBOR floats and simple values are not accepted")
    if pos != len(data):
        raise CborError(f"{len(data) - pos} bytes left over after the CBOR item")


def loads(data: bytes, **limits: Any) -> Any:
    """Decode one CBOR item after `check` has passed it; see `check` for the limits."""
    check(data, **limits)
    try:
        return cbor2.loads(data, allow_duplicate_keys=False, allow_indefinite=False)
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError) as exc:
        raise CborError(f"CBOR decode failed: {exc}") from exc
