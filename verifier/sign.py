"""Signing a document: claims → CBOR → COSE_Sign1 (EdDSA) → DEFLATE if smaller → Base45 → QR text.

The registry calls this with its current document-signer key; tests and the development
fixtures call it too. Invalid documents raise SchemaError before anything is signed.
"""

from __future__ import annotations

import datetime as dt

from verifier import codec, cose
from verifier.documents import Document
from verifier.keys import SigningKey
from verifier.payload import Claims, encode_claims

__all__ = ["sign_claims", "sign_document"]


def sign_claims(claims: Claims, key: SigningKey) -> str:
    """The QR text for already assembled claims."""
    return codec.encode_text(cose.sign1(encode_claims(claims), key))


def sign_document(
    document: Document,
    *,
    serial: str,
    issuer: str,
    issued_at: dt.datetime,
    key: SigningKey,
) -> str:
    """Sign a document; returns the QR text to print."""
    return sign_claims(Claims(issuer, issued_at, serial, document), key)
