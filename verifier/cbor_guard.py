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

import functools
import io
from collections.abc import Callable
from typing import Any

import cbor2

from verifier.errors import CborError

__all__ = ["SEMANTIC_TAGS", "check_plain", "decode_bounded", "loads"]

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
    item = decode_bounded(data, max_bytes=max_bytes, max_depth=max_depth, allowed_tags=allowed_tags)
    check_plain(item)
    return item


def decode_bounded(
    data: bytes,
    *,
    max_bytes: int = 16384,
    max_depth: int = 12,
    allowed_tags: frozenset[int] = frozenset(),
) -> Any:
    """`loads` without its last step, the walk refusing what is not plain data.

    Only for a caller that checks the exact type of every value it accepts (so nothing but
    plain data can pass it) and, before reporting any fault, calls `check_plain` on the item,
    so that a value which is not plain data is still the CBOR fault: payload.decode_claims,
    where the walk was a tenth of the time outside Ed25519 (bench/format.py)."""
    if len(data) > max_bytes:
        raise CborError(f"CBOR is {len(data)} bytes, more than the {max_bytes} accepted")
    stream = io.BytesIO(data)
    decoder = cbor2.CBORDecoder(
        stream,
        max_depth=max_depth,
        allow_indefinite=False,
        allow_duplicate_keys=False,
        semantic_decoders=_REFUSE_ALL_SEMANTIC,
        tag_hook=_tag_hook(allowed_tags),
    )
    try:
        item = decoder.decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError) as exc:
        cause = exc.__cause__ if isinstance(exc.__cause__, _RefusedTag) else exc
        raise CborError(f"not acceptable CBOR: {cause}") from exc
    left = len(data) - stream.tell()
    if left:
        raise CborError(f"{left} bytes left over after the CBOR item")
    return item


@functools.lru_cache(maxsize=16)
def _tag_hook(allowed_tags: frozenset[int]) -> Callable[[cbor2.CBORTag, bool], Any]:
    # One hook per set of allowed tags (callers pass a handful of constant sets), not a new
    # closure for every item decoded.
    if allowed_tags & SEMANTIC_TAGS:
        raise ValueError("semantic tags cannot be allowed")

    def tag_hook(tag: cbor2.CBORTag, immutable: bool) -> Any:
        if tag.tag not in allowed_tags:
            raise _RefusedTag(f"CBOR tag {tag.tag} is not accepted here")
        return tag

    return tag_hook


def check_plain(item: Any) -> None:
    """Raise CborError if item holds anything but integers, texts, byte strings, arrays,
    maps keyed by integers or texts, and (allowed) tags around those."""
    # Iterative, so its depth is cbor2's max_depth bound, not Python's recursion limit.
    # Leaves (integers, texts, byte strings: nearly every item) are passed over inside their
    # container's loop; only containers go on the stack.
    stack = [item]
    push, pop = stack.append, stack.pop
    while stack:
        x = pop()
        t = type(x)
        if t is int or t is str or t is bytes:
            continue
        if t is list or t is tuple:
            values = x
        elif t is dict or t is cbor2.frozendict:  # frozendict: maps inside a tag or a key
            for k in x:
                if type(k) is not int and type(k) is not str:
                    raise CborError(f"a map key is {_what(k)}; only integers and text are keys")
            values = x.values()
        elif t is cbor2.CBORTag:
            push(x.value)
            continue
        else:
            raise CborError(f"{_what(x)} is not accepted (no floats, no simple values)")
        for v in values:
            tv = type(v)
            if tv is not int and tv is not str and tv is not bytes:
                push(v)


def _what(x: object) -> str:
    if isinstance(x, bool) or x is None or x is cbor2.undefined:
        return f"the simple value {x!r}"
    if isinstance(x, cbor2.CBORSimpleValue):
        return f"simple({x.value})"
    if isinstance(x, float):
        return "a float"
    return f"a {type(x).__name__}"
