"""The signed payload: CWT claims (RFC 8392) around one private claim holding the document.

    {1: iss (text), 6: iat (integer seconds, UTC), 7: cti (the serial as ASCII bytes),
     -65537: document claim (see `documents.encode_document`)}

-65537 is the first private-use CWT claim key (keys below -65536 are private use). No other
claims are accepted, so nothing unsigned or unexplained can ride along.

Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from verifier import cbor_guard
from verifier.documents import Bilingual, Document, decode_document, encode_document
from verifier.errors import CborError, SchemaError

__all__ = [
    "CLAIM_DOCUMENT",
    "MAX_TIME",
    "Claims",
    "decode_claims",
    "encode_claims",
    "payload_sha256",
    "valid_serial",
]

CLAIM_ISS = 1
CLAIM_IAT = 6
CLAIM_CTI = 7
CLAIM_DOCUMENT = -65537
_SERIAL = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")
_ISSUER = re.compile(r"[A-Z0-9][A-Z0-9-]{0,15}")
MAX_TIME = 253402300799  # 9999-12-31T23:59:59Z: the last second a four-digit year can name


def payload_sha256(payload: bytes) -> str:
    """What identifies a document: hex SHA-256 of the COSE payload bytes exactly as signed.

    The QR text is not an identifier (mode R/D and DEFLATE's freedom give one payload
    several texts); the registry's status endpoint answers this digest as `payload_sha256`.
    """
    return hashlib.sha256(payload).hexdigest()


def valid_serial(serial: str) -> bool:
    """Serials are 1 to 32 characters of A-Z, 0-9 and '-', starting with a letter or digit."""
    return _SERIAL.fullmatch(serial) is not None


@dataclass(frozen=True)
class Claims:
    issuer: str
    issued_at: dt.datetime
    serial: str
    document: Document


def _utc_seconds(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    seconds = int(moment.timestamp())
    if not 0 <= seconds <= MAX_TIME:
        raise SchemaError("iat: before 1970")
    return seconds


def encode_claims(claims: Claims) -> bytes:
    if not valid_serial(claims.serial):
        raise SchemaError(f"serial {claims.serial!r} is not 1-32 of A-Z, 0-9, '-'")
    if not _ISSUER.fullmatch(claims.issuer):
        raise SchemaError(f"issuer {claims.issuer!r} is not 1-16 of A-Z, 0-9, '-'")
    payload: dict[int, Any] = {
        CLAIM_ISS: claims.issuer,
        CLAIM_IAT: _utc_seconds(claims.issued_at),
        CLAIM_CTI: claims.serial.encode("ascii"),
        CLAIM_DOCUMENT: encode_document(claims.document),
    }
    return cbor2.dumps(payload, canonical=True)


_CLAIM_KEYS = frozenset({CLAIM_ISS, CLAIM_IAT, CLAIM_CTI, CLAIM_DOCUMENT})
_INT_ONLY = frozenset({int})  # keys spelled true or 1.0 are equal to 1 but not of this type


def decode_claims(payload: bytes, places: Mapping[int, Bilingual] | None = None) -> Claims:
    """Claims from the signed payload; raises CborError or SchemaError if they do not fit.

    places: a place table (the trust list's) to name the document's place codes from, as
    `documents.resolve_places` does."""
    # One pass over the values instead of two: the checks below and decode_document's take
    # each value by its exact type (so what they accept is plain data), and before any fault
    # is reported the guard's walk decides whether it is the CBOR fault (a float, a simple
    # value, a key like true or 1.0) rather than a schema one, as cbor_guard.loads would.
    raw = cbor_guard.decode_bounded(payload, max_bytes=16384, max_depth=8)
    try:
        claims = _claims(raw, places)
        if not claims.document.known:  # its fields were taken raw, unchecked: walk them
            cbor_guard.check_plain(raw)
    except Exception:
        cbor_guard.check_plain(raw)
        raise
    return claims


def _claims(raw: Any, places: Mapping[int, Bilingual] | None) -> Claims:
    if not isinstance(raw, dict):
        raise CborError("the payload is not a CBOR map of claims")
    if raw.keys() != _CLAIM_KEYS or not _INT_ONLY.issuperset(map(type, raw)):
        raise SchemaError(
            f"claims must be exactly iss, iat, cti and the document; got {sorted(raw, key=str)}"
        )
    iss, iat, cti = raw[CLAIM_ISS], raw[CLAIM_IAT], raw[CLAIM_CTI]
    if not isinstance(iss, str) or not _ISSUER.fullmatch(iss):
        raise SchemaError("iss: expected an issuer code")
    if not isinstance(iat, int) or isinstance(iat, bool) or not 0 <= iat <= MAX_TIME:
        raise SchemaError("iat: expected seconds since 1970")
    if not isinstance(cti, bytes):
        raise SchemaError("cti: expected a byte string")
    try:
        serial = cti.decode("ascii")
    except UnicodeDecodeError:
        raise SchemaError("cti: the serial is not ASCII") from None
    if not valid_serial(serial):
        raise SchemaError("cti: not a valid serial")
    return Claims(
        issuer=iss,
        issued_at=dt.datetime.fromtimestamp(iat, dt.UTC),
        serial=serial,
        document=decode_document(raw[CLAIM_DOCUMENT], places),
    )
