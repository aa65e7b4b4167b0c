"""Bounded CBOR decoding: one item of plain data, within size and depth limits, no tags.

cbor2 (6.1.1 or newer) does the bounding itself when asked: a depth limit, no indefinite
lengths, no duplicate map keys (two values for one claim), and declared lengths are checked
against the input rather than allocated up front. What it does not do by default is refuse
the semantic tags it knows (dates, big numbers, sets, regular expressions, ...): it would build
those objects from hostile input. `loads` refuses every tag except the ones the caller allows,
input longer than `max_bytes` (before decoding) and bytes left over after the item. Then it
walks the result and refuses anything that is not plain data: floats (of any width) and every
simple value (false, true, null, undefined, simple(0..255)) anywhere, and map keys that are
not integers or text. No Sanad structure uses them, and `true` and `1.0` would otherwise be
equal to the claim key 1 in Python.

The decoder is built outside the `try`: a cbor2 too old for these options raises TypeError at
once, loudly, instead of turning every document into "malformed".

Tested by tests/verifier/test_cbor_guard.py. Pure: no I/O.
"""

from __future__ import annotations

import io
from typing import Any

import cbor2

from verifier.errors import CborError

__all__ = ["SEMANTIC_TAGS", "loads"]

# The tags cbor2 6.2 decodes into Python objects itself (found by probing tags 0 to 69,999;
# tests/verifier/test_cbor_guard.py probes again, so a newer cbor2 that adds one is noticed).
SEMANTIC_TAGS = frozenset(
    {0, 1, 2, 3, 4, 5, 25, 28, 29, 30, 35, 36, 37, 52, 54, 100, 256, 258, 260, 261, 1004,
     43000, 55799}
)  # fmt: skip


class _RefusedTag(Exception):
    pass


def _refuse_semantic(decoder: object) -> Any:
    raise _RefusedTag("a CBOR semantic tag is not accepted here")


_REFUSE_ALL_SEMANTIC = dict.fromkeys(SEMANTIC_TAGS, _refuse_semantic)


def loads(
    data: bytes,
    *,
    max_bytes: int = 16384,
    max_depth: int = 12,
    allowed_tags: frozenset[int] = frozenset(),
) -> Any:
    """Decode exactly one CBOR item from data, or raise CborError saying what is wrong."""
    if len(data) > max_bytes:
        raise CborError(f"CBOR is {len(data)} bytes, more than the {max_bytes} accepted")
    if allowed_tags & SEMANTIC_TAGS:
        raise ValueError("semantic tags cannot be allowed")

    def tag_hook(tag: cbor2.CBORTag, immutable: bool) -> Any:
        if tag.tag not in allowed_tags:
            raise _RefusedTag(f"CBOR tag {tag.tag} is not accepted here")
        return tag

    stream = io.BytesIO(data)
    decoder = cbor2.CBORDecoder(
        stream,
        max_depth=max_depth,
        allow_indefinite=False,
        allow_duplicate_keys=False,
        semantic_decoders=_REFUSE_ALL_SEMANTIC,
        tag_hook=tag_hook,
    )
    try:
        item = decoder.decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError) as exc:
        cause = exc.__cause__ if isinstance(exc.__cause__, _RefusedTag) else exc
        raise CborError(f"not acceptable CBOR: {cause}") from exc
    left = len(data) - stream.tell()
    if left:
        raise CborError(f"{left} bytes left over after the CBOR item")
    _check_plain(item)
    return item


def _check_plain(item: Any) -> None:
    # Iterative, so its depth is cbor2's max_depth bound, not Python's recursion limit.
    stack = [item]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is int or t is str or t is bytes:
            continue
        if t is list or t is tuple:
            stack.extend(x)
        elif t is dict or t is cbor2.frozendict:  # frozendict: maps inside a tag or a key
            for k in x:
                if type(k) is not int and type(k) is not str:
                    raise CborError(f"a map key is {_what(k)}; only integers and text are keys")
            stack.extend(x.values())
        elif t is cbor2.CBORTag:
            stack.append(x.value)
        else:
            raise CborError(f"{_what(x)} is not accepted (no floats, no simple values)")


def _what(x: object) -> str:
    if isinstance(x, bool) or x is None or x is cbor2.undefined:
        return f"the simple value {x!r}"
    if isinstance(x, cbor2.CBORSimpleValue):
        return f"simple({x.value})"
    if isinstance(x, float):
        return "a float"
    return f"a {type(x).__name__}"
