"""Base45 (RFC 9285) as the codec uses it: the RFC's examples, and invalid text refused."""

from __future__ import annotations

import json
from pathlib import Path

import base45
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier import codec
from verifier.base45 import ALPHABET, b45decode, b45encode
from verifier.errors import Base45Error

DATA = json.loads((Path(__file__).parent.parent / "vectors" / "base45-rfc9285.json").read_text())


@pytest.mark.parametrize("case", DATA["encode"], ids=[c["description"] for c in DATA["encode"]])
def test_rfc9285_examples_encode_and_decode(case: dict[str, str]) -> None:
    assert b45encode(case["bytes"].encode()) == case["base45"]
    assert codec.decode_text("SN1R:" + case["base45"]) == case["bytes"].encode()


@pytest.mark.parametrize("case", DATA["invalid"], ids=[c["description"] for c in DATA["invalid"]])
def test_invalid_base45_is_a_base45_error(case: dict[str, str]) -> None:
    with pytest.raises(Base45Error):
        codec.decode_text("SN1R:" + case["base45"])


def test_deflate_is_used_only_when_smaller() -> None:
    incompressible = bytes(range(256))
    assert codec.encode_text(incompressible).startswith("SN1R:")
    assert codec.encode_text(b"abc" * 100).startswith("SN1D:")
    for data in (incompressible, b"abc" * 100):
        assert codec.decode_text(codec.encode_text(data)) == data


def test_every_qr_text_is_in_the_qr_alphanumeric_set() -> None:
    alphabet = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert set(codec.encode_text(bytes(range(256)) * 3)) <= alphabet


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_matches_the_base45_package_on_random_bytes(data: bytes) -> None:
    text = b45encode(data)
    assert text == base45.b45encode(data).decode()
    assert b45decode(text) == data


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET + "abc\u0661", max_size=60))
def test_decoding_agrees_with_the_base45_package_on_any_text(text: str) -> None:
    try:
        expected: bytes | None = base45.b45decode(text)
    except (ValueError, KeyError, IndexError):
        expected = None
    try:
        got: bytes | None = b45decode(text)
    except Base45Error:
        got = None
    assert got == expected


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_any_alphabet_text_decodes_exactly_as_the_base45_package(text: str) -> None:
    # every group value, 65535 and over included, is judged as the reference does
    try:
        expected: bytes | None = base45.b45decode(text)
    except ValueError:
        expected = None
    try:
        got: bytes | None = b45decode(text)
    except Base45Error:
        got = None
    assert got == expected
