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
from verifier.trust import SignerStatus, serial_hash

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
