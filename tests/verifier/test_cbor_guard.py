"""verifier.cbor_guard: one item of plain data, bounded; everything else is a CborError."""

from __future__ import annotations

import contextlib
from typing import Any

import cbor2
import pytest

from verifier import cbor_guard
from verifier.errors import CborError

REFUSED = {
    "undefined": b"\xf7",
    "simple(16)": b"\xf0",
    "simple(32)": b"\xf8\x20",
    "true": b"\xf5",
    "null": b"\xf6",
    "half float": b"\xf9\x3c\x00",
    "single float": b"\xfa\x3f\x80\x00\x00",
    "double float": b"\xfb\x3f\xf0\x00\x00\x00\x00\x00\x00",
    "float inside an array": b"\x82\x01\xf9\x3c\x00",
    "true as a map key": b"\xa1\xf5\x01",
    "1.0 as a map key": b"\xa1\xf9\x3c\x00\x01",
    "a byte string as a map key": b"\xa1\x41a\x01",
    "an array as a map key": b"\xa1\x81\x01\x01",
    "semantic tag 1 (epoch time)": b"\xc1\x1a\x00\x00\x00\x00",
    "bignum tag 2": b"\xc2\x41\x01",
    "unknown tag 99": b"\xd8\x63\x01",
    "indefinite array": b"\x9f\x01\xff",
    "indefinite text": b"\x7f\x61a\xff",
    "duplicate map key": b"\xa2\x01\x01\x01\x02",
    "trailing byte": b"\x01\x00",
    "truncated": b"\x82\x01",
    "a length beyond the input": b"\x5a\xff\xff\xff\xff",
    "invalid UTF-8": b"\x61\xff",
}


@pytest.mark.parametrize("data", REFUSED.values(), ids=REFUSED.keys())
def test_what_is_not_plain_bounded_cbor_is_refused(data: bytes) -> None:
    with pytest.raises(CborError):
        cbor_guard.loads(data)


def test_plain_data_decodes_including_maps_inside_an_allowed_tag() -> None:
    value: Any = {1: "a", -2: [b"\x00", {"k": 0}], 3: 2**64 - 1, -4: -(2**64)}
    assert cbor_guard.loads(cbor2.dumps(value)) == value
    tagged = cbor_guard.loads(
        cbor2.dumps(cbor2.CBORTag(18, [b"", {1: 2}])), allowed_tags=frozenset({18})
    )
    assert tagged.tag == 18 and dict(tagged.value[1]) == {1: 2}


def test_depth_and_size_caps() -> None:
    assert cbor_guard.loads(b"\x81" * 3 + b"\x00", max_depth=4) == [[[0]]]
    with pytest.raises(CborError):
        cbor_guard.loads(b"\x81" * 5 + b"\x00", max_depth=4)
    with pytest.raises(CborError):
        cbor_guard.loads(b"\x81" * 5000 + b"\x00", max_bytes=10_000)
    with pytest.raises(CborError, match="more than"):
        cbor_guard.loads(b"\x00" * 20, max_bytes=10)


def test_semantic_tags_cannot_be_allowed() -> None:
    with pytest.raises(ValueError, match="semantic"):
        cbor_guard.loads(b"\x00", allowed_tags=frozenset({1}))


def test_semantic_tags_are_exactly_the_ones_cbor2_decodes_itself() -> None:
    # Probed again here, so that a cbor2 that learns a new tag is noticed: a tag whose value
    # reaches tag_hook is left to the caller, every other one cbor2 would build itself.
    reached: set[int] = set()

    def hook(tag: cbor2.CBORTag, immutable: bool) -> Any:
        reached.add(tag.tag)
        return tag

    probed = range(70_000)
    for n in probed:
        with contextlib.suppress(cbor2.CBORDecodeError):
            cbor2.loads(cbor2.dumps(cbor2.CBORTag(n, 0)), tag_hook=hook)
    assert set(probed) - reached == cbor_guard.SEMANTIC_TAGS


def test_a_cbor2_without_the_options_fails_loudly_not_as_malformed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class OldDecoder:  # the signature of a cbor2 before 6.1 (no allow_duplicate_keys)
        def __init__(self, fp: object, *, tag_hook: object = None, max_depth: int = 400):
            pass

    monkeypatch.setattr(cbor2, "CBORDecoder", OldDecoder)
    with pytest.raises(TypeError):
        cbor_guard.loads(b"\x00")


def test_items_longer_than_4096_bytes_decode_intact() -> None:
    # cbor2 6.1.0 returned corrupted data past 4096 bytes when decoding from a stream (fixed
    # in 6.1.1, the minimum pinned): trust lists are that long.
    value = [bytes([i % 256]) * 100 for i in range(120)]
    data = cbor2.dumps(value)
    assert len(data) > 4096
    assert cbor_guard.loads(data) == value
