"""Strictness with a genuine signature: every input ends in a verdict, and only one encoding of
the unsigned layers verifies (empty unprotected header, preferred serialisation)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier import codec, cose
from verifier.documents import Bilingual, Document, DocumentType, encode_document, text_fault
from verifier.errors import SchemaError
from verifier.fixtures import ISSUER, sample_documents
from verifier.payload import CLAIM_DOCUMENT, Claims, encode_claims
from verifier.sign import sign_document
from verifier.verify import Malformation, Status, Verdict, verify

from .verifier_support import NOW, Keys


def _claims_map(samples: dict, doc_type: DocumentType = DocumentType.BIRTH_CERTIFICATE) -> Any:
    claims = Claims(ISSUER, NOW, "BI26-7", samples[doc_type])
    return cbor2.loads(encode_claims(claims))


def _signed_raw(keys: Keys, payload: bytes) -> str:
    return codec.encode_text(cose.sign1(payload, keys.signer))


def _check(
    keys: Keys, payload: bytes, status: Status, malformation: Malformation | None
) -> Verdict:
    verdict = verify(_signed_raw(keys, payload), keys.trust(), NOW)
    assert (verdict.status, verdict.malformation) == (status, malformation), verdict.detail
    json.dumps(verdict.to_json())  # always serialisable
    return verdict


@pytest.mark.parametrize(
    "value",
    [cbor2.undefined, cbor2.CBORSimpleValue(16), 1.5, None, True],
    ids=["undefined", "simple(16)", "float", "null", "true"],
)
def test_unknown_type_holding_a_non_plain_value_is_malformed_cbor(
    keys: Keys, samples: dict, value: object
) -> None:
    raw = _claims_map(samples)
    raw[CLAIM_DOCUMENT] = [99, 1, "K-1", 2101, {1: [value]}]
    _check(keys, cbor2.dumps(raw, canonical=True), Status.MALFORMED, Malformation.CBOR)


def test_iat_in_year_10000_is_a_schema_fault_not_unreadable_cbor(keys: Keys, samples: dict) -> None:
    raw = _claims_map(samples)
    raw[6] = 253402300800  # 10000-01-01T00:00:00Z
    _check(keys, cbor2.dumps(raw, canonical=True), Status.MALFORMED, Malformation.SCHEMA)
    raw[6] = 253402300799  # the last second of 9999 is a time (outside the signer's window)
    _check(keys, cbor2.dumps(raw, canonical=True), Status.SIGNER_NOT_VALID, None)


def test_a_claim_key_spelled_true_or_1_0_is_refused(keys: Keys, samples: dict) -> None:
    raw = _claims_map(samples)
    iss = raw.pop(1)
    for key in (True, 1.0):
        _check(keys, cbor2.dumps({key: iss, **raw}), Status.MALFORMED, Malformation.CBOR)


def test_unknown_type_text_follows_the_text_rules(keys: Keys, samples: dict) -> None:
    raw = _claims_map(samples)
    raw[CLAIM_DOCUMENT] = [99, 1, "K-1", 2101, {1: {"x": "safe\u202etxt"}}]
    _check(keys, cbor2.dumps(raw, canonical=True), Status.MALFORMED, Malformation.SCHEMA)


def _rebuilt(text: str, *, protected: bytes | None = None, unprotected: Any = None) -> str:
    msg = cose.parse_sign1(codec.decode_text(text))
    body = [protected or msg.protected, unprotected or {}, msg.payload, msg.signature]
    return codec.encode_text(cbor2.dumps(cbor2.CBORTag(18, body)))


def _genuine(keys: Keys, samples: dict) -> str:
    return sign_document(
        samples[DocumentType.BIRTH_CERTIFICATE],
        serial="BI26-7",
        issuer=ISSUER,
        issued_at=NOW,
        key=keys.signer,
    )


@pytest.mark.parametrize(
    ("unprotected", "layer"),
    [
        ({99: 1.5}, Malformation.CBOR),
        ({4: b"12345678"}, Malformation.COSE),
        ({5: b"x"}, Malformation.COSE),
    ],
    ids=["float", "kid", "iv"],
)
def test_anything_in_the_unprotected_header_is_refused(
    keys: Keys, samples: dict, unprotected: dict[int, Any], layer: Malformation
) -> None:
    text = _rebuilt(_genuine(keys, samples), unprotected=unprotected)
    verdict = verify(text, keys.trust(), NOW)
    assert (verdict.status, verdict.malformation) == (Status.MALFORMED, layer)


def test_crit_or_an_unknown_protected_label_is_refused(keys: Keys, samples: dict) -> None:
    payload = encode_claims(Claims(ISSUER, NOW, "BI26-7", samples[DocumentType.BIRTH_CERTIFICATE]))
    for header in ({1: -8, 4: keys.signer.kid, 2: [99], 99: 1}, {1: -8, 4: keys.signer.kid, 7: 1}):
        protected = cbor2.dumps(header, canonical=True)
        sig = keys.signer.sign(cbor2.dumps(["Signature1", protected, b"", payload]))
        text = codec.encode_text(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, sig])))
        verdict = verify(text, keys.trust(), NOW)
        assert (verdict.status, verdict.malformation) == (Status.MALFORMED, Malformation.COSE)


def test_a_content_type_in_a_document_header_is_refused(keys: Keys, samples: dict) -> None:
    payload = encode_claims(Claims(ISSUER, NOW, "BI26-7", samples[DocumentType.BIRTH_CERTIFICATE]))
    text = codec.encode_text(cose.sign1(payload, keys.signer, content_type="text/plain"))
    assert verify(text, keys.trust(), NOW).malformation is Malformation.COSE


def test_a_non_preferred_encoding_of_the_outer_structure_is_refused(
    keys: Keys, samples: dict
) -> None:
    cose_bytes = codec.decode_text(_genuine(keys, samples))
    assert cose_bytes[:2] == b"\xd2\x84"
    for variant in (b"\xd8\x12" + cose_bytes[1:], b"\xd2\x98\x04" + cose_bytes[2:]):
        verdict = verify(codec.encode_text(variant), keys.trust(), NOW)
        assert (verdict.status, verdict.malformation) == (Status.MALFORMED, Malformation.COSE)
    # What remains: mode R instead of D carries the same signed bytes and is the same document.
    raw_mode = "SN1R:" + codec.b45encode(cose_bytes)
    assert verify(raw_mode, keys.trust(), NOW).payload_sha256 == (
        verify(_genuine(keys, samples), keys.trust(), NOW).payload_sha256
    )


@pytest.mark.parametrize(
    "prefix",
    ["SN\u0661D:", "SN\u00b2D:", "SN\uff11D:"],
    ids=["arabic-indic", "superscript", "fullwidth"],
)
def test_the_version_digit_is_ascii_only(keys: Keys, samples: dict, prefix: str) -> None:
    text = prefix + _genuine(keys, samples)[5:]
    verdict = verify(text, keys.trust(), NOW)
    assert (verdict.status, verdict.malformation) == (Status.MALFORMED, Malformation.PREFIX)


def test_only_ascii_whitespace_around_the_text_is_forgiven(keys: Keys, samples: dict) -> None:
    text = _genuine(keys, samples)
    assert verify(f" {text}\r\n", keys.trust(), NOW).valid
    assert verify(f"\u3000{text}", keys.trust(), NOW).malformation is Malformation.PREFIX


REFUSED_TEXTS = {
    "right-to-left override": "محمد\u202eدمحم",
    "zero-width space": "Ali\u200bAli",
    "line separator": "a\u2028b",
    "paragraph separator": "a\u2029b",
    "C1 CSI": "a\x9b31mb",
    "DEL": "a\x7fb",
    "byte order mark": "\ufeffعلي",
    "ZWNJ after a Latin letter": "ab\u200cج",
    "ZWJ at the end": "علي\u200d",
    "lone surrogate": "a\ud800b",
}


@pytest.mark.parametrize("text", REFUSED_TEXTS.values(), ids=REFUSED_TEXTS.keys())
def test_refused_characters_fail_at_signing(samples: dict, text: str) -> None:
    assert text_fault(text) is not None
    doc: Document = samples[DocumentType.BIRTH_CERTIFICATE]
    bad = dataclasses.replace(doc, fields={**doc.fields, "name": Bilingual(text)})
    with pytest.raises(SchemaError):
        encode_document(bad)
    with pytest.raises(SchemaError):
        encode_document(dataclasses.replace(doc, kiosk=text))


def test_zwnj_and_zwj_inside_arabic_words_are_allowed() -> None:
    for text in ("می\u200cخواهم", "لا\u200dإله", "عبد\u00a0الله", "Ali Hassan"):
        assert text_fault(text) is None


@pytest.mark.parametrize("text", ["x\u202ey", "x\u2028y", "x\x9by"], ids=["RLO", "LS", "C1"])
def test_refused_characters_fail_at_verifying(keys: Keys, samples: dict, text: str) -> None:
    raw = _claims_map(samples)
    raw[CLAIM_DOCUMENT][4][1] = [text]  # the name, written past the signing checks
    _check(keys, cbor2.dumps(raw, canonical=True), Status.MALFORMED, Malformation.SCHEMA)
    raw = _claims_map(samples)
    raw[CLAIM_DOCUMENT][2] = text  # the kiosk id
    _check(keys, cbor2.dumps(raw, canonical=True), Status.MALFORMED, Malformation.SCHEMA)


def test_issued_at_beyond_year_9999_cannot_be_signed(samples: dict) -> None:
    with pytest.raises((SchemaError, ValueError, OverflowError)):
        encode_claims(
            Claims(
                ISSUER,
                dt.datetime(1969, 12, 31, tzinfo=dt.UTC),
                "X-1",
                samples[DocumentType.BIRTH_CERTIFICATE],
            )
        )


_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64 - 1)
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.binary(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.integers(-2, 25) | st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=12,
)
_KEYS = Keys()
_TRUST = _KEYS.trust()
_BASE = cbor2.loads(
    encode_claims(Claims(ISSUER, NOW, "BI26-7", sample_documents()[DocumentType.FAMILY_EXTRACT]))
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["claim", "doc", "field", "member"]), st.integers(-1, 25), _VALUES)
def test_any_genuinely_signed_payload_ends_in_a_verdict_not_an_internal_error(
    where: str, index: int, value: object
) -> None:
    raw = cbor2.loads(cbor2.dumps(_BASE))
    doc = raw[CLAIM_DOCUMENT]
    if where == "claim":
        raw[index] = value
    elif where == "doc":
        doc[index % 5] = value
    elif where == "field":
        doc[4][index] = value
    else:
        doc[4][3][index % 2] = value
    try:
        payload = cbor2.dumps(raw)
    except (TypeError, ValueError, OverflowError):
        return
    verdict = verify(_signed_raw(_KEYS, payload), _TRUST, NOW)
    assert verdict.detail is None or "internal error" not in verdict.detail
    json.dumps(verdict.to_json())
