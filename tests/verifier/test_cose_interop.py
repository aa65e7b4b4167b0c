"""Interoperability with an independent COSE implementation (pycose), both ways."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import cbor2
from pycose.algorithms import EdDSA
from pycose.headers import KID, Algorithm
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

from verifier import codec, cose
from verifier.documents import DocumentType
from verifier.fixtures import ISSUER
from verifier.keys import SigningKey
from verifier.payload import Claims, encode_claims
from verifier.verify import Status, verify

from .verifier_support import NOW, Keys


def _pycose_decode(encoded: bytes) -> Sign1Message:
    # pycose 1.1 pops items off the tagged list and wants dict headers, while cbor2 6 hands
    # tagged values over frozen (tuple, frozendict); thawing them is the only step done here.
    outer = cbor2.loads(encoded)
    assert outer.tag == 18
    body = [dict(v) if isinstance(v, Mapping) else v for v in outer.value]
    return Sign1Message.from_cose_obj(body, allow_unknown_attributes=False)


def _pycose_key(key: SigningKey, *, private: bool) -> OKPKey:
    if private:
        return OKPKey(crv=Ed25519, x=key.public.raw, d=bytes(key.nacl_key))
    return OKPKey(crv=Ed25519, x=key.public.raw)


def test_pycose_verifies_what_sanad_signs(keys: Keys, samples: dict) -> None:
    claims = Claims(ISSUER, NOW, "BI26-00000001", samples[DocumentType.BIRTH_CERTIFICATE])
    encoded = cose.sign1(encode_claims(claims), keys.signer)
    decoded = _pycose_decode(encoded)
    decoded.key = _pycose_key(keys.signer, private=False)
    assert decoded.verify_signature()
    assert decoded.phdr[KID] == keys.signer.kid
    decoded.key = _pycose_key(SigningKey.generate(), private=False)
    assert not decoded.verify_signature()


def test_sanad_verifies_what_pycose_signs(keys: Keys, samples: dict) -> None:
    claims = Claims(
        ISSUER,
        NOW - dt.timedelta(minutes=5),
        "MA26-00000002",
        samples[DocumentType.MARRIAGE_CERTIFICATE],
    )
    msg = Sign1Message(phdr={Algorithm: EdDSA, KID: keys.signer.kid}, payload=encode_claims(claims))
    msg.key = _pycose_key(keys.signer, private=True)
    text = codec.encode_text(msg.encode(tag=True))
    verdict = verify(text, keys.trust(), NOW)
    assert verdict.status is Status.VALID, verdict.reason
    assert verdict.claims is not None
    assert verdict.claims.document.fields["husband_name"] == claims.document.fields["husband_name"]
    assert (
        verdict.claims.document.fields["date_of_marriage"]
        == claims.document.fields["date_of_marriage"]
    )
    assert verdict.claims.serial == "MA26-00000002"


def test_pycose_message_signed_by_another_key_is_bad_signature(keys: Keys, samples: dict) -> None:
    claims = Claims(ISSUER, NOW, "MA26-00000003", samples[DocumentType.MARRIAGE_CERTIFICATE])
    msg = Sign1Message(phdr={Algorithm: EdDSA, KID: keys.signer.kid}, payload=encode_claims(claims))
    msg.key = _pycose_key(SigningKey.generate(), private=True)
    assert (
        verify(codec.encode_text(msg.encode(tag=True)), keys.trust(), NOW).status
        is Status.BAD_SIGNATURE
    )
