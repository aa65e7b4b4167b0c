"""RFC 8032 section 7.1 vectors, through Sanad's signing layer and its COSE verification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verifier import cose
from verifier.keys import SigningKey, verify_detached

CASES = json.loads((Path(__file__).parent.parent / "vectors" / "ed25519-rfc8032.json").read_text())[
    "cases"
]


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_signing_key_reproduces_rfc8032_signature(case: dict[str, str]) -> None:
    key = SigningKey.from_seed(bytes.fromhex(case["secret_key"]))
    assert key.public.raw.hex() == case["public_key"]
    assert key.sign(bytes.fromhex(case["message"])).hex() == case["signature"]


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_verification_accepts_vector_and_rejects_altered_message(case: dict[str, str]) -> None:
    pk, msg, sig = (bytes.fromhex(case[k]) for k in ("public_key", "message", "signature"))
    assert verify_detached(pk, msg, sig)
    assert not verify_detached(pk, msg + b"\x00", sig)


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_cose_sign1_with_vector_key_verifies_only_under_that_key(case: dict[str, str]) -> None:
    key = SigningKey.from_seed(bytes.fromhex(case["secret_key"]))
    msg = cose.parse_sign1(cose.sign1(bytes.fromhex(case["message"]) or b"\x00", key))
    assert msg.kid == key.kid
    assert msg.verify(bytes.fromhex(case["public_key"]))
    assert not msg.verify(SigningKey.generate().public.raw)
