"""COSE_Sign1 (RFC 9052) with EdDSA over Ed25519: build, parse and check the signature.

Only the shape Sanad uses is accepted: a CBOR tag 18 around
`[protected: bstr, unprotected: {}, payload: bstr, signature: 64 bytes]`, whose protected
header is a map holding alg (1) = EdDSA (-8) and kid (4) = 8 bytes, and optionally content
type (3), nothing else (so `crit` (2) or any label this code does not know is refused, as
RFC 9052 requires for crit). The unprotected header must be empty, and the whole structure
must be in CBOR preferred serialisation (the bytes `cbor2.dumps` gives): nothing outside the
signed bytes can vary.

Pure: no I/O. Parsing raises CborError/CoseError/UnsupportedAlgorithmError; signature
checking returns a bool (the caller decides what a failure means).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from verifier import cbor_guard
from verifier.errors import CoseError, UnsupportedAlgorithmError
from verifier.keys import KID_LENGTH, SigningKey, verify_detached

__all__ = ["ALG_EDDSA", "COSE_SIGN1_TAG", "Sign1", "parse_sign1", "sign1"]

COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
HDR_ALG = 1
HDR_CONTENT_TYPE = 3
HDR_KID = 4
SIGNATURE_LENGTH = 64
_HEADER_LABELS = frozenset({HDR_ALG, HDR_CONTENT_TYPE, HDR_KID})


@dataclass(frozen=True)
class Sign1:
    protected: bytes  # the serialized protected header, exactly as signed
    alg: int
    kid: bytes
    content_type: str | int | None
    payload: bytes
    signature: bytes

    def to_be_signed(self) -> bytes:
        return _sig_structure(self.protected, self.payload)

    def verify(self, public_key: bytes) -> bool:
        """True when the signature is a valid Ed25519 signature by public_key."""
        return verify_detached(public_key, self.to_be_signed(), self.signature)


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    # Sig_structure for COSE_Sign1 with no external AAD (RFC 9052, section 4.4)
    return cbor2.dumps(["Signature1", protected, b"", payload])


def sign1(payload: bytes, key: SigningKey, *, content_type: str | None = None) -> bytes:
    """A tagged COSE_Sign1 of payload by key, with alg and kid in the protected header."""
    header: dict[int, Any] = {HDR_ALG: ALG_EDDSA, HDR_KID: key.kid}
    if content_type is not None:
        header[HDR_CONTENT_TYPE] = content_type
    protected = cbor2.dumps(header, canonical=True)
    signature = key.sign(_sig_structure(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def parse_sign1(data: bytes, *, max_bytes: int = 16384) -> Sign1:
    """Parse a tagged COSE_Sign1; raise if it is not of the accepted shape."""
    outer = cbor_guard.loads(
        data,
        max_bytes=max_bytes,
        max_depth=4,
        allowed_tags=frozenset({COSE_SIGN1_TAG}),
    )
    if not isinstance(outer, cbor2.CBORTag):
        raise CoseError("not a tagged COSE_Sign1 (CBOR tag 18 missing)")
    if outer.tag != COSE_SIGN1_TAG:
        raise CoseError(f"CBOR tag {outer.tag} is not COSE_Sign1 (18)")
    body = outer.value
    if not isinstance(body, list | tuple) or len(body) != 4:  # cbor2 freezes tagged values
        raise CoseError("COSE_Sign1 must be an array of four items")
    protected, unprotected, payload, signature = body
    if not isinstance(protected, bytes) or not protected:
        raise CoseError("COSE_Sign1 protected header must be a non-empty byte string")
    if not isinstance(unprotected, Mapping):
        raise CoseError("COSE_Sign1 unprotected header must be a map")
    if unprotected:
        raise CoseError("COSE_Sign1 unprotected header must be empty")
    if not isinstance(payload, bytes):
        raise CoseError("COSE_Sign1 payload must be an embedded byte string")
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_LENGTH:
        raise CoseError("COSE_Sign1 signature must be 64 bytes for Ed25519")
    if cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature])) != data:
        raise CoseError("COSE_Sign1 is not in CBOR preferred serialisation")
    header = cbor_guard.loads(protected, max_bytes=256, max_depth=2)
    if not isinstance(header, dict):
        raise CoseError("COSE protected header must be a map")
    stray = set(header) - _HEADER_LABELS
    if stray:
        raise CoseError(f"COSE protected header labels {sorted(stray, key=str)} are not accepted")
    alg = header.get(HDR_ALG)
    if alg is None:
        raise CoseError("COSE protected header has no algorithm")
    if alg != ALG_EDDSA or isinstance(alg, bool):
        raise UnsupportedAlgorithmError(f"COSE algorithm {alg!r} is not EdDSA (-8)")
    kid = header.get(HDR_KID)
    if not isinstance(kid, bytes) or len(kid) != KID_LENGTH:
        raise CoseError(f"COSE protected header must carry a {KID_LENGTH}-byte kid")
    content_type = header.get(HDR_CONTENT_TYPE)
    if content_type is not None and not isinstance(content_type, str | int):
        raise CoseError("COSE content type must be a text or an integer")
    return Sign1(protected, alg, kid, content_type, payload, signature)
