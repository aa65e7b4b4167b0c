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
from verifier.errors import CoseError, SchemaError
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


def _head(major: int, n: int, width: int) -> bytes:
    # A CBOR head for n with a chosen argument width (0 = inside the initial byte, when n fits)
    if width == 0:
        return bytes([major << 5 | n]) if n < 24 else _head(major, n, 1)
    info = {1: 24, 2: 25, 4: 26, 8: 27}[width]
    if n >= 256**width:
        return _head(major, n, width * 2)
    return bytes([major << 5 | info]) + n.to_bytes(width, "big")


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    payload=st.binary(max_size=600),
    widths=st.lists(st.sampled_from([0, 0, 0, 1, 2, 4, 8]), min_size=6, max_size=6),
)
def test_preferred_serialisation_check_and_cut_sig_structure_match_cbor2(
    keys: Keys, payload: bytes, widths: list[int]
) -> None:
    # parse_sign1 decides "preferred" by length arithmetic and cuts the Sig_structure from its
    # input; both must agree with re-encoding by cbor2 for any choice of head widths.
    genuine = cose.parse_sign1(cose.sign1(payload, keys.signer))
    protected, signature = genuine.protected, genuine.signature
    data = b"".join(
        (
            _head(6, 18, widths[0]),
            _head(4, 4, widths[1]),
            _head(2, len(protected), widths[2]),
            protected,
            _head(5, 0, widths[3]),
            _head(2, len(payload), widths[4]),
            payload,
            _head(2, 64, widths[5]),
            signature,
        )
    )
    outer = cbor2.loads(data)
    assert outer.tag == 18 and list(outer.value) == [protected, {}, payload, signature]
    preferred = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature])) == data
    try:
        msg = cose.parse_sign1(data)
    except CoseError:
        assert not preferred
    else:
        assert preferred
        assert msg.to_be_signed() == cbor2.dumps(["Signature1", protected, b"", payload])
        assert msg.verify(keys.signer.public.raw)


_NON_PLAIN = [cbor2.undefined, cbor2.CBORSimpleValue(16), 1.5, None, True, False]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    # every node of a decoded CBOR structure (the root excluded), as a path of keys/indexes
    out = []
    if isinstance(node, dict | list):
        for k, v in node.items() if isinstance(node, dict) else enumerate(node):
            out.append((*path, k))
            out.extend(_paths(v, (*path, k)))
    return out


def _replaced(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {k: _replaced(v, rest, value) if k == head else v for k, v in node.items()}
    return [_replaced(v, rest, value) if i == head else v for i, v in enumerate(node)]


def _rekeyed(node: Any, path: tuple[Any, ...], key: Any) -> Any:
    # the map at path with its key path[-1] spelled as key (True for 1, 1.0, ...)
    *where, old = path
    target: Any = node
    for step in where:
        target = target[step]
    assert isinstance(target, dict)
    new = {key if k == old else k: v for k, v in target.items()}
    return _replaced(node, tuple(where), new) if where else new


@pytest.mark.parametrize("doc_type", list(DocumentType), ids=lambda t: t.slug)
def test_a_non_plain_value_anywhere_in_the_claims_is_a_cbor_fault(
    samples: dict, doc_type: DocumentType
) -> None:
    # Whatever the schema would say of it, a float, a simple value or a non-integer key at
    # any place in the payload is refused as CBOR (the guard's rule), for every type.
    from verifier.errors import CborError
    from verifier.payload import decode_claims

    raw = _claims_map(samples, doc_type)
    decode_claims(cbor2.dumps(raw))  # the genuine one decodes
    paths = _paths(raw)
    assert len(paths) > 15
    for path in paths:
        for value in _NON_PLAIN:
            with pytest.raises(CborError):
                decode_claims(cbor2.dumps(_replaced(raw, path, value)))
        parent: Any = raw
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and isinstance(path[-1], int):
            for key in (float(path[-1]), *([True] if path[-1] in (0, 1) else [])):
                with pytest.raises(CborError):
                    decode_claims(cbor2.dumps(_rekeyed(raw, path, key)))


def test_a_non_plain_value_anywhere_in_the_cose_structure_is_a_cbor_fault(keys: Keys) -> None:
    # parse_sign1 checks the shape first and walks for non-plain values only on a fault;
    # the answer must still be the CBOR fault wherever the value sits.
    from verifier.errors import CborError

    genuine = cose.parse_sign1(cose.sign1(b"\xa0", keys.signer))
    items = [genuine.protected, {}, genuine.payload, genuine.signature]
    for value in _NON_PLAIN:
        with pytest.raises(CborError):
            cose.parse_sign1(cbor2.dumps(value))
        with pytest.raises(CborError):
            cose.parse_sign1(cbor2.dumps(cbor2.CBORTag(18, value)))
        for i in range(4):
            changed = [*items[:i], value, *items[i + 1 :]]
            with pytest.raises(CborError):
                cose.parse_sign1(cbor2.dumps(cbor2.CBORTag(18, changed)))
        with pytest.raises(CborError):
            cose.parse_sign1(cbor2.dumps(cbor2.CBORTag(18, [*items, value])))
        with pytest.raises(CborError):
            cose.parse_sign1(cbor2.dumps(cbor2.CBORTag(18, [items[0], {1: value}, *items[2:]])))
    with pytest.raises(CborError):
        cose.parse_sign1(cbor2.dumps(cbor2.CBORTag(18, [items[0], {1.0: 1}, *items[2:]])))


def test_the_cut_sig_structure_follows_a_replaced_field(keys: Keys) -> None:
    # parse_sign1 keeps the Sig_structure it cut from the input; a Sign1 changed with
    # dataclasses.replace must not verify against the old one.
    msg = cose.parse_sign1(cose.sign1(b"\xa1\x01\x02", keys.signer))
    assert msg.verify(keys.signer.public.raw)
    for changed in (
        dataclasses.replace(msg, payload=b"\xa1\x01\x03"),
        dataclasses.replace(msg, payload=b"\xa1\x01\x02\x00"),
        dataclasses.replace(msg, protected=msg.protected[:-1] + b"\x00"),
    ):
        assert changed.to_be_signed() == cbor2.dumps(
            ["Signature1", changed.protected, b"", changed.payload]
        )
        assert not changed.verify(keys.signer.public.raw)
