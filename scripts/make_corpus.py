#!/usr/bin/env python3
"""Regenerate the public test corpus, tests/corpus/*.json: one verification case per file.

Everything is derived from fixed seeds (Ed25519 signing is deterministic, DEFLATE too), so
running this again writes the same bytes; tests/verifier/test_corpus.py checks that it does.
Each case holds: description, qr_text, trust_list (base64 of the signed COSE trust list),
root_public_key (base64url, as in a JWK's "x"), verification_time (ISO 8601), and expected
{status, malformation} (malformation only for status "malformed").

Usage: scripts/make_corpus.py [--out tests/corpus] [--check]
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import hashlib
import json
import sys
import zlib
from pathlib import Path
from typing import Any

import base45
import cbor2

from verifier import codec, cose
from verifier.documents import Bilingual, Document, DocumentType, Place
from verifier.fixtures import (
    ISSUER,
    sample_documents,
    sample_serial,
    sample_trust_list,
    signer_entry,
)
from verifier.keys import SigningKey, kid_of
from verifier.payload import CLAIM_DOCUMENT, Claims, encode_claims
from verifier.sign import sign_claims
from verifier.trust import TRUST_LIST_CONTENT_TYPE, SignerStatus, serial_hash

UTC = dt.UTC
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)  # the main signer's window opens
ISSUED = dt.datetime(2026, 2, 14, 10, 30, tzinfo=UTC)
CHECKED = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
L = 2**252 + 27742317777372353535851937790883648493  # the order of the Ed25519 base point
SMALL_ORDER_POINT = bytes([1] + [0] * 31)  # the identity: order 1


def key(label: str) -> SigningKey:
    return SigningKey.from_seed(hashlib.sha256(b"sanad-corpus/" + label.encode()).digest())


ROOT, SIGNER, OTHER, OLD, LEAKED = (key(n) for n in ("root", "signer", "other", "old", "leaked"))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def text_of(cose_bytes: bytes, mode: str = "auto") -> str:
    if mode == "auto":
        return codec.encode_text(cose_bytes)
    if mode == "R":
        return "SN1R:" + base45.b45encode(cose_bytes).decode()
    comp = zlib.compressobj(
        9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, codec.deflate_dictionary()
    )
    return "SN1D:" + base45.b45encode(comp.compress(cose_bytes) + comp.flush()).decode()


def raw_sign1(
    protected: dict[int, Any] | bytes, payload: bytes, signer: SigningKey, *, tag: bool = True
) -> bytes:
    """A COSE_Sign1 with any protected header (for the malformed cases)."""
    prot = protected if isinstance(protected, bytes) else cbor2.dumps(protected, canonical=True)
    sig = signer.sign(cbor2.dumps(["Signature1", prot, b"", payload]))
    body = [prot, {}, payload, sig]
    return cbor2.dumps(cbor2.CBORTag(18, body) if tag else body)


def claims(
    doc_type: DocumentType,
    *,
    issued: dt.datetime = ISSUED,
    issuer: str = ISSUER,
    document: Document | None = None,
) -> Claims:
    return Claims(issuer, issued, sample_serial(doc_type), document or sample_documents()[doc_type])


def signed(c: Claims, signer: SigningKey = SIGNER) -> str:
    return sign_claims(c, signer)


MAIN = signer_entry(SIGNER, not_before=T0, days=90)
STANDARD_TRUST = sample_trust_list(ROOT, [MAIN], issued_at=CHECKED - dt.timedelta(hours=6))


def case(
    description: str,
    qr_text: str,
    status: str,
    malformation: str | None = None,
    *,
    trust: bytes = STANDARD_TRUST,
    at: dt.datetime = CHECKED,
) -> dict[str, Any]:
    return {
        "description": description,
        "qr_text": qr_text,
        "trust_list": b64(trust),
        "root_public_key": b64u(ROOT.public.raw),
        "verification_time": at.isoformat(),
        "expected": {"status": status, "malformation": malformation},
    }


def tamper_payload(text: str, old: bytes, new: bytes) -> str:
    msg = cose.parse_sign1(codec.decode_text(text))
    assert old in msg.payload, old
    payload = msg.payload.replace(old, new, 1)
    return text_of(cbor2.dumps(cbor2.CBORTag(18, [msg.protected, {}, payload, msg.signature])))


def cases() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    birth = signed(claims(DocumentType.BIRTH_CERTIFICATE))
    for t in DocumentType:
        out[f"valid-{t.slug.replace('_', '-')}"] = case(
            f"A genuine {t.slug.replace('_', ' ')} (long four-part names, Latin forms)",
            signed(claims(t)),
            "valid",
        )
    out["valid-raw-mode"] = case(
        "A genuine document in the uncompressed SN1R: mode",
        text_of(cose.sign1(encode_claims(claims(DocumentType.MARRIAGE_CERTIFICATE)), SIGNER), "R"),
        "valid",
    )
    unknown = cbor2.loads(encode_claims(claims(DocumentType.BIRTH_CERTIFICATE)))
    unknown[CLAIM_DOCUMENT] = [
        99,
        1,
        "K-AMM-0417",
        2101,
        {1: "a field this verifier has no name for"},
    ]
    payload = cbor2.dumps(unknown, canonical=True)
    out["valid-unknown-type"] = case(
        "A document type (99) from a newer issuer: valid, shown raw",
        text_of(cose.sign1(payload, SIGNER)),
        "valid",
        trust=sample_trust_list(
            ROOT,
            [dataclasses.replace(MAIN, document_types=MAIN.document_types | {99})],
            issued_at=CHECKED - dt.timedelta(hours=6),
        ),
    )
    name = "عبد الله".encode()
    out["tampered-field"] = case(
        "The child's Arabic name changed after signing",
        tamper_payload(birth, name, "عبد الرب".encode()[: len(name)]),
        "bad_signature",
    )
    msg = cose.parse_sign1(codec.decode_text(birth))
    flipped = bytes([msg.signature[0] ^ 1]) + msg.signature[1:]
    out["tampered-signature"] = case(
        "One bit of the signature flipped",
        text_of(cbor2.dumps(cbor2.CBORTag(18, [msg.protected, {}, msg.payload, flipped]))),
        "bad_signature",
    )
    out["wrong-key"] = case(
        "Signed by a key that is not in the trust list",
        signed(claims(DocumentType.BIRTH_CERTIFICATE), OTHER),
        "unknown_signer",
    )
    out["kid-collision-forged"] = case(
        "Signed by another key but claiming the genuine signer's kid: every key with that kid is tried, none verifies",
        text_of(raw_sign1({1: -8, 4: SIGNER.kid}, msg.payload, OTHER)),
        "bad_signature",
    )
    twice = [signer_entry(SIGNER, not_before=T0 - dt.timedelta(days=400), days=90), MAIN]
    out["kid-shared-by-two-entries"] = case(
        "The same key listed twice (an old window, then a new one): the entry whose window fits makes it valid",
        birth,
        "valid",
        trust=sample_trust_list(ROOT, twice, issued_at=CHECKED - dt.timedelta(hours=6)),
    )
    old_entry = signer_entry(
        OLD, not_before=T0 - dt.timedelta(days=365), days=90, status=SignerStatus.RETIRED
    )
    retired_trust = sample_trust_list(
        ROOT, [old_entry, MAIN], issued_at=CHECKED - dt.timedelta(hours=6)
    )
    out["retired-signer-still-valid"] = case(
        "Signed inside a retired signer's window, checked long after: civil documents do not expire",
        signed(claims(DocumentType.DEATH_CERTIFICATE, issued=T0 - dt.timedelta(days=300)), OLD),
        "valid",
        trust=retired_trust,
    )
    out["signer-not-valid-at-issue"] = case(
        "Issued after the signer's window closed",
        signed(claims(DocumentType.DEATH_CERTIFICATE, issued=T0 - dt.timedelta(days=200)), OLD),
        "signer_not_valid_at_issue",
        trust=retired_trust,
    )
    revoked_at = dt.datetime(2026, 2, 20, tzinfo=UTC)
    leaked_entry = signer_entry(
        LEAKED, not_before=T0, days=90, status=SignerStatus.REVOKED, revoked_at=revoked_at
    )
    leaked_trust = sample_trust_list(
        ROOT, [leaked_entry, MAIN], issued_at=CHECKED - dt.timedelta(hours=6)
    )
    out["compromised-signer-before-revocation"] = case(
        "Signed by a compromised key before the moment it was revoked from: still valid",
        signed(
            claims(DocumentType.MARRIAGE_CERTIFICATE, issued=revoked_at - dt.timedelta(days=3)),
            LEAKED,
        ),
        "valid",
        trust=leaked_trust,
    )
    out["compromised-signer-after-revocation"] = case(
        "Signed by a compromised key after the moment it was revoked from",
        signed(
            claims(DocumentType.MARRIAGE_CERTIFICATE, issued=revoked_at + dt.timedelta(hours=1)),
            LEAKED,
        ),
        "signer_revoked",
        trust=leaked_trust,
    )
    out["revoked-document"] = case(
        "A genuine document the registry has revoked",
        birth,
        "document_revoked",
        trust=sample_trust_list(
            ROOT,
            [MAIN],
            issued_at=CHECKED - dt.timedelta(hours=6),
            revoked_serials=frozenset({serial_hash(sample_serial(DocumentType.BIRTH_CERTIFICATE))}),
        ),
    )
    birth_only = dataclasses.replace(
        MAIN, document_types=frozenset({int(DocumentType.BIRTH_CERTIFICATE)})
    )
    out["type-not-allowed"] = case(
        "A death certificate signed by a key allowed to sign birth certificates only",
        signed(claims(DocumentType.DEATH_CERTIFICATE)),
        "type_not_allowed",
        trust=sample_trust_list(ROOT, [birth_only], issued_at=CHECKED - dt.timedelta(hours=6)),
    )
    out["issuer-mismatch"] = case(
        "Signed as issuer XYZ by a key of issuer CSR",
        signed(claims(DocumentType.BIRTH_CERTIFICATE, issuer="XYZ")),
        "issuer_mismatch",
    )
    out["issued-in-future"] = case(
        "Issue time a day after the verification time",
        signed(claims(DocumentType.BIRTH_CERTIFICATE, issued=CHECKED + dt.timedelta(days=1))),
        "issued_in_future",
    )
    out["bad-prefix"] = case(
        "A text that is not a Sanad document", "HC1:" + birth[5:], "malformed", "prefix"
    )
    out["unknown-mode"] = case(
        "An unknown encoding mode letter", "SN1X:" + birth[5:], "malformed", "prefix"
    )
    out["unsupported-version"] = case(
        "A format version from the future", "SN2D:" + birth[5:], "unsupported_version"
    )
    out["bad-base45"] = case(
        "Characters outside the Base45 alphabet",
        birth[:40] + "abc" + birth[43:],
        "malformed",
        "base45",
    )
    out["truncated"] = case(
        "The text cut in half (a torn or partly scanned code)",
        birth[: 5 + (len(birth) - 5) // 6 * 3],  # whole Base45 groups: the DEFLATE layer fails
        "malformed",
        "compression",
    )
    comp = zlib.compressobj(
        9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, codec.deflate_dictionary()
    )
    bomb = comp.compress(b"\0" * 1_000_000) + comp.flush()
    out["deflate-bomb"] = case(
        "1 MB of zeros deflated to about a kilobyte",
        "SN1D:" + base45.b45encode(bomb).decode(),
        "malformed",
        "compression",
    )
    deep = b"\x81" * 2000 + b"\x00"
    out["deep-cbor"] = case("Arrays nested 2,000 deep", text_of(deep, "R"), "malformed", "cbor")
    out["oversized-input"] = case(
        "5,000 characters, more than any QR code holds", "SN1D:" + "A" * 4995, "malformed", "prefix"
    )
    out["trailing-bytes"] = case(
        "Bytes after the COSE structure",
        text_of(codec.decode_text(birth) + b"\x00", "R"),
        "malformed",
        "cbor",
    )
    out["wrong-algorithm"] = case(
        "alg ES256 (-7) in the protected header",
        text_of(raw_sign1({1: -7, 4: SIGNER.kid}, msg.payload, SIGNER)),
        "unsupported_algorithm",
    )
    out["untagged-cose"] = case(
        "A COSE_Sign1 array without CBOR tag 18",
        text_of(raw_sign1({1: -8, 4: SIGNER.kid}, msg.payload, SIGNER, tag=False)),
        "malformed",
        "cose",
    )
    out["kid-in-unprotected-only"] = case(
        "The kid only in the unprotected header (nothing security-relevant may sit there)",
        text_of(
            cbor2.dumps(
                cbor2.CBORTag(
                    18, [cbor2.dumps({1: -8}), {4: SIGNER.kid}, msg.payload, msg.signature]
                )
            )
        ),
        "malformed",
        "cose",
    )
    s_int = int.from_bytes(msg.signature[32:], "little")
    non_canonical = msg.signature[:32] + (s_int + L).to_bytes(32, "little")
    out["non-canonical-signature"] = case(
        "The signature's S replaced by S + L (accepted by lax Ed25519 code, refused by libsodium)",
        text_of(cbor2.dumps(cbor2.CBORTag(18, [msg.protected, {}, msg.payload, non_canonical]))),
        "bad_signature",
    )
    small = dataclasses.replace(MAIN, public_key=SMALL_ORDER_POINT)
    forged = cbor2.dumps(
        cbor2.CBORTag(
            18,
            [
                cbor2.dumps({1: -8, 4: kid_of(SMALL_ORDER_POINT)}, canonical=True),
                {},
                msg.payload,
                SMALL_ORDER_POINT + bytes(32),
            ],
        )
    )
    out["small-order-public-key"] = case(
        "A trust list entry with a small-order public key and a signature that lax code accepts for any message",
        text_of(forged),
        "bad_signature",
        trust=sample_trust_list(ROOT, [small, MAIN], issued_at=CHECKED - dt.timedelta(hours=6)),
    )
    bad_doc = cbor2.loads(encode_claims(claims(DocumentType.BIRTH_CERTIFICATE)))
    del bad_doc[CLAIM_DOCUMENT][4][4]  # date of birth: required
    out["schema-missing-field"] = case(
        "Genuinely signed, but the birth certificate has no date of birth",
        text_of(cose.sign1(cbor2.dumps(bad_doc, canonical=True), SIGNER)),
        "malformed",
        "schema",
    )
    dup = cbor2.dumps(
        cbor2.loads(encode_claims(claims(DocumentType.BIRTH_CERTIFICATE))), canonical=True
    )
    dup = bytes([dup[0] + 1]) + dup[1:] + cbor2.dumps(1) + cbor2.dumps("XYZ")  # a second iss
    out["duplicate-claim"] = case(
        "Two values for the issuer claim (a CBOR map with a duplicate key)",
        text_of(cose.sign1(dup, SIGNER)),
        "malformed",
        "cbor",
    )
    literal = sample_documents()[DocumentType.BIRTH_CERTIFICATE]
    literal = dataclasses.replace(
        literal,
        fields={
            **literal.fields,
            "place_of_birth": Place(name=Bilingual("القاهرة - مصر", "Cairo - Egypt")),
        },
    )
    out["valid-literal-place"] = case(
        "A place of birth abroad written out instead of a place code",
        signed(claims(DocumentType.BIRTH_CERTIFICATE, document=literal)),
        "valid",
    )
    out.update(structural_cases(msg))
    out.update(strict_cases())
    out.update(trust_cases())
    return out


def cose_body(
    protected: bytes, unprotected: Any, payload: Any, signature: Any, *, tag: int = 18
) -> bytes:
    return cbor2.dumps(cbor2.CBORTag(tag, [protected, unprotected, payload, signature]))


def structural_cases(msg: cose.Sign1) -> dict[str, dict[str, Any]]:
    """Every structural fault of the COSE layer with its status (docs/format.md §1.4)."""
    p, u, pl, sig = msg.protected, {}, msg.payload, msg.signature
    out: dict[str, dict[str, Any]] = {}

    def add(name: str, description: str, cose_bytes: bytes, status: str, mal: str | None) -> None:
        out[name] = case(description, text_of(cose_bytes), status, mal)

    add(
        "cose-wrong-outer-tag",
        "Tag 17 (COSE_Mac0) instead of 18",
        cose_body(p, u, pl, sig, tag=17),
        "malformed",
        "cbor",
    )
    add(
        "cose-array-of-five",
        "A COSE_Sign1 array with a fifth item",
        cbor2.dumps(cbor2.CBORTag(18, [p, u, pl, sig, b""])),
        "malformed",
        "cose",
    )
    add(
        "cose-empty-protected-header",
        "The protected header is h'' (no alg, no kid)",
        cose_body(b"", u, pl, sig),
        "malformed",
        "cose",
    )
    add(
        "cose-protected-empty-map",
        "The protected header is an empty map: no algorithm",
        cose_body(cbor2.dumps({}), u, pl, sig),
        "malformed",
        "cose",
    )
    add(
        "cose-kid-seven-bytes",
        "A 7-byte kid (signed)",
        raw_sign1({1: -8, 4: SIGNER.kid[:7]}, pl, SIGNER),
        "malformed",
        "cose",
    )
    add(
        "cose-signature-63-bytes",
        "A signature one byte short",
        cose_body(p, u, pl, sig[:63]),
        "malformed",
        "cose",
    )
    add(
        "cose-payload-not-bstr",
        "The payload is an array instead of a byte string",
        cose_body(p, u, [1], sig),
        "malformed",
        "cose",
    )
    add(
        "cose-detached-payload",
        "A detached payload (null)",
        cose_body(p, u, None, sig),
        "malformed",
        "cbor",
    )
    add(
        "cose-unprotected-not-empty",
        "The genuine signed bytes with an unsigned content type in the unprotected header",
        cose_body(p, {3: 0}, pl, sig),
        "malformed",
        "cose",
    )
    add(
        "cose-float-in-unprotected-header",
        "A float in the unprotected header (no floats anywhere)",
        cose_body(p, {99: 1.5}, pl, sig),
        "malformed",
        "cbor",
    )
    add(
        "cose-crit-header",
        "crit (2) names an unknown label 99 (RFC 9052: must be refused)",
        raw_sign1({1: -8, 2: [99], 4: SIGNER.kid, 99: 0}, pl, SIGNER),
        "malformed",
        "cose",
    )
    add(
        "cose-unknown-protected-label",
        "An unknown label (7) in the protected header",
        raw_sign1({1: -8, 4: SIGNER.kid, 7: 0}, pl, SIGNER),
        "malformed",
        "cose",
    )
    add(
        "cose-content-type-in-document",
        "A content type in a document's protected header",
        raw_sign1({1: -8, 3: "application/cwt", 4: SIGNER.kid}, pl, SIGNER),
        "malformed",
        "cose",
    )
    genuine = cose_body(p, u, pl, sig)
    add(
        "cose-non-preferred-head",
        "The genuine bytes with tag 18 written in two bytes (d8 12) instead of one (d2)",
        b"\xd8\x12" + genuine[1:],
        "malformed",
        "cose",
    )
    fixed = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_FIXED, codec.deflate_dictionary())
    out["valid-other-deflate-encoding"] = case(
        "The genuine bytes deflated with fixed Huffman codes: an allowed variation (same payload digest)",
        "SN1D:" + base45.b45encode(fixed.compress(genuine) + fixed.flush()).decode(),
        "valid",
    )
    return out


def signed_payload(raw: Any) -> str:
    return text_of(cose.sign1(cbor2.dumps(raw, canonical=True), SIGNER))


def strict_cases() -> dict[str, dict[str, Any]]:
    """Genuine signatures over payloads that break a rule, and the prefix and text rules."""
    out: dict[str, dict[str, Any]] = {}
    base = cbor2.loads(encode_claims(claims(DocumentType.BIRTH_CERTIFICATE)))
    birth = signed(claims(DocumentType.BIRTH_CERTIFICATE))
    more_types = sample_trust_list(
        ROOT,
        [dataclasses.replace(MAIN, document_types=MAIN.document_types | {99})],
        issued_at=CHECKED - dt.timedelta(hours=6),
    )

    def unknown_type(value: Any) -> str:
        raw = dict(base)
        raw[CLAIM_DOCUMENT] = [99, 1, "K-AMM-0417", 2101, {1: value}]
        return signed_payload(raw)

    for name, value, what in (
        ("undefined", cbor2.undefined, "CBOR undefined"),
        ("simple-16", cbor2.CBORSimpleValue(16), "simple(16)"),
        ("float", 1.5, "a float"),
        ("null", None, "null"),
        ("true", True, "true"),
    ):
        out[f"unknown-type-holding-{name}"] = case(
            f"Genuinely signed, an unknown document type whose field holds {what}",
            unknown_type([value]),
            "malformed",
            "cbor",
            trust=more_types,
        )
    out["unknown-type-text-with-bidi-override"] = case(
        "Genuinely signed, an unknown document type whose text holds U+202E",
        unknown_type("abc\u202edef"),
        "malformed",
        "schema",
        trust=more_types,
    )
    true_key = {True if k == 1 else k: v for k, v in base.items()}
    out["claim-key-true"] = case(
        "Genuinely signed, the issuer claim keyed by true instead of 1",
        text_of(cose.sign1(cbor2.dumps(true_key), SIGNER)),
        "malformed",
        "cbor",
    )
    not_map = cbor2.dumps([1, 2, 3])
    out["payload-not-a-map"] = case(
        "Genuinely signed, the payload is an array, not a map of claims",
        text_of(cose.sign1(not_map, SIGNER)),
        "malformed",
        "cbor",
    )
    deep = dict(base)
    deep[CLAIM_DOCUMENT] = [99, 1, "K-AMM-0417", 2101, {1: [[[[[[0]]]]]]}]
    out["payload-nested-too-deep"] = case(
        "Genuinely signed, an item at nesting level 9 in the payload (the limit is 8)",
        signed_payload(deep),
        "malformed",
        "cbor",
        trust=more_types,
    )
    year_10000 = dict(base)
    year_10000[6] = 253402300800
    out["iat-year-10000"] = case(
        "Genuinely signed, an issue time in year 10000",
        signed_payload(year_10000),
        "malformed",
        "schema",
    )
    for name, prefix in (("arabic-indic", "SN\u0661D:"), ("superscript", "SN\u00b2D:")):
        out[f"version-digit-{name}"] = case(
            f"The version digit written as {prefix[2]!r}: ASCII digits only",
            prefix + birth[5:],
            "malformed",
            "prefix",
        )
    out["unicode-space-before-prefix"] = case(
        "An ideographic space (U+3000) before the text: only ASCII whitespace is stripped",
        "\u3000" + birth,
        "malformed",
        "prefix",
    )
    out["ascii-whitespace-around"] = case(
        "A space before and CR LF after the text, as scanners send it",
        " " + birth + "\r\n",
        "valid",
    )

    def with_name(text: str) -> str:
        raw = cbor2.loads(encode_claims(claims(DocumentType.BIRTH_CERTIFICATE)))
        raw[CLAIM_DOCUMENT][4][1] = [text, "Abdullah"]
        return signed_payload(raw)

    for name, text, what in (
        ("bidi-override", "عبد الله\u202e", "a right-to-left override U+202E"),
        ("line-separator", "عبد\u2028الله", "a line separator U+2028"),
        ("c1-control", "عبد\x9b31mالله", "a C1 control (CSI, U+009B)"),
        ("zero-width-space", "عبد\u200bالله", "a zero-width space U+200B"),
        ("zwnj-after-latin", "Abd\u200cالله", "a ZWNJ after a Latin letter"),
    ):
        out[f"name-with-{name}"] = case(
            f"Genuinely signed, the name holds {what}", with_name(text), "malformed", "schema"
        )
    out["valid-zwnj-inside-arabic-word"] = case(
        "A ZWNJ between two Arabic letters, where Arabic-script spelling needs it",
        with_name("عبد\u200cالله"),
        "valid",
    )
    kiosk = cbor2.loads(encode_claims(claims(DocumentType.BIRTH_CERTIFICATE)))
    kiosk[CLAIM_DOCUMENT][2] = "K-AMM\x1b[2J"
    out["kiosk-with-escape"] = case(
        "Genuinely signed, the kiosk id holds an ESC sequence",
        signed_payload(kiosk),
        "malformed",
        "schema",
    )
    # Several entries for one key, each failing: the first in trust-list order gives the reason.
    late = dataclasses.replace(
        MAIN, not_before=T0 + dt.timedelta(days=200), not_after=T0 + dt.timedelta(days=290)
    )
    no_birth = dataclasses.replace(
        MAIN, document_types=frozenset({int(DocumentType.DEATH_CERTIFICATE)})
    )
    out["two-entries-both-fail-first-reason"] = case(
        "One key listed twice, the first entry's window does not cover iat, the second may not sign births: the first entry's reason",
        birth,
        "signer_not_valid_at_issue",
        trust=sample_trust_list(ROOT, [late, no_birth], issued_at=CHECKED - dt.timedelta(hours=6)),
    )
    out["two-entries-revoked-wins"] = case(
        "One key listed twice, one entry valid, the other revoked before iat: revoked wins",
        birth,
        "signer_revoked",
        trust=sample_trust_list(
            ROOT,
            [MAIN, dataclasses.replace(MAIN, status=SignerStatus.REVOKED, revoked_at=T0)],
            issued_at=CHECKED - dt.timedelta(hours=6),
        ),
    )
    next_update = CHECKED - dt.timedelta(hours=6) + dt.timedelta(days=1)
    out["trust-list-stale"] = case(
        "A genuine document checked a day after the trust list's next-update: unconfirmed",
        birth,
        "trust_list_stale",
        at=next_update + dt.timedelta(days=1),
    )
    out["trust-list-expired"] = case(
        "Checked 31 days after the trust list's next-update: refused outright",
        birth,
        "trust_list_expired",
        at=next_update + dt.timedelta(days=31),
    )
    return out


def trust_cases() -> dict[str, dict[str, Any]]:
    """Trust lists a verifier must refuse (expected status: trust_list_refused)."""
    birth = signed(claims(DocumentType.BIRTH_CERTIFICATE))
    good = cbor2.loads(cose.parse_sign1(STANDARD_TRUST).payload)
    out: dict[str, dict[str, Any]] = {}

    def refused(name: str, description: str, edit: Any) -> None:
        raw = cbor2.loads(cose.parse_sign1(STANDARD_TRUST).payload)
        edit(raw)
        data = cose.sign1(
            cbor2.dumps(raw, canonical=True), ROOT, content_type=TRUST_LIST_CONTENT_TYPE
        )
        out[f"trust-list-{name}"] = case(description, birth, "trust_list_refused", trust=data)

    assert good[9]
    refused(
        "window-year-10000",
        "A signer's window ends in year 10000",
        lambda r: r[6][0].__setitem__(5, 253402300800),
    )
    refused(
        "next-update-year-10000",
        "next-update in year 10000",
        lambda r: r.__setitem__(4, 253402300800),
    )
    refused("unknown-key", "An unknown top-level key 10", lambda r: r.__setitem__(10, 0))
    refused(
        "unknown-signer-key", "An unknown key 9 in a signer", lambda r: r[6][0].__setitem__(9, 0)
    )
    refused("float", "A float as the issued-at time", lambda r: r.__setitem__(3, 1.5e9))
    refused("no-identity", "No identity (key 9)", lambda r: r.pop(9))
    refused(
        "bad-country", "The identity's country is not alpha-2", lambda r: r[9].__setitem__(1, "JOR")
    )
    refused(
        "bidi-in-place-name",
        "A place name with a right-to-left override",
        lambda r: r[8].__setitem__(1101, ["أمانة\u202e", ""]),
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "tests" / "corpus"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the files differ from a fresh run"
    )
    args = parser.parse_args()
    made = {
        f"{name}.json": json.dumps(c, ensure_ascii=False, indent=2) + "\n"
        for name, c in cases().items()
    }
    if args.check:
        existing = {p.name: p.read_text(encoding="utf-8") for p in args.out.glob("*.json")}
        if existing != made:
            print("tests/corpus differs from scripts/make_corpus.py output", file=sys.stderr)
            return 1
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.json"):
        old.unlink()
    for name, text in made.items():
        (args.out / name).write_text(text, encoding="utf-8")
    print(f"{len(made)} cases written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
