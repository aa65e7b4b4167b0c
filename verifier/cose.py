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

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    # The Sig_structure, when parse_sign1 could cut it from the bytes it parsed
    tbs: bytes | None = field(default=None, repr=False, compare=False)

    def to_be_signed(self) -> bytes:
        tbs = self.tbs
        if tbs is not None:
            # Still the Sig_structure of these fields (not of those before a
            # dataclasses.replace): same length, same protected and payload bytes in place.
            start = len(_SIG_STRUCTURE_HEAD) + _head_length(len(self.protected))
            end = start + len(self.protected)
            size = end + 1 + _head_length(len(self.payload)) + len(self.payload)
            if len(tbs) == size and tbs.endswith(self.payload) and tbs[start:end] == self.protected:
                return tbs
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


_SIG_STRUCTURE_HEAD = b"\x84\x6aSignature1"  # array(4), text(10) "Signature1"
_EMPTY_BSTR = b"\x40"


def _head_length(n: int) -> int:
    """Bytes of the shortest CBOR head for a length n (RFC 8949 §4.2.1)."""
    return 1 if n < 24 else 2 if n < 0x100 else 3 if n < 0x10000 else 5 if n < 2**32 else 9


def parse_sign1(data: bytes, *, max_bytes: int = 16384) -> Sign1:
    """Parse a tagged COSE_Sign1; raise if it is not of the accepted shape."""
    outer = cbor_guard.decode_bounded(
        data,
        max_bytes=max_bytes,
        max_depth=4,
        allowed_tags=_SIGN1_TAGS,
    )
    try:
        protected, payload, signature = _shape(outer)
    except CoseError:
        # What passes _shape is plain data (byte strings and an empty map); for what does not,
        # a float or a simple value anywhere is the CBOR fault, as cbor_guard.loads says.
        cbor_guard.check_plain(outer)
        raise
    # Preferred serialisation without re-encoding: the decoder has fixed every value, and it
    # refused indefinite lengths and left-over bytes, so the bytes differ from cbor2.dumps of
    # the same structure exactly when some head is longer than the shortest one, that is,
    # exactly when the input is longer than the shortest encoding. Heads: tag 18 (1 byte),
    # array of 4 (1), the protected bstr, the empty map (1), the payload bstr, 64-byte bstr (2).
    # (tests/verifier/test_strict_format.py cross-checks this against cbor2.dumps.)
    protected_end = 2 + _head_length(len(protected)) + len(protected)
    payload_end = protected_end + 1 + _head_length(len(payload)) + len(payload)
    if len(data) != payload_end + 2 + SIGNATURE_LENGTH:
        raise CoseError("COSE_Sign1 is not in CBOR preferred serialisation")
    alg, kid, content_type = _protected_header(protected)
    # The Sig_structure ["Signature1", protected, h'', payload] is made of the very bstr
    # encodings just checked, so it is cut from the input instead of encoded again.
    tbs = b"".join(
        (
            _SIG_STRUCTURE_HEAD,
            data[2:protected_end],
            _EMPTY_BSTR,
            data[protected_end + 1 : payload_end],
        )
    )
    return Sign1(protected, alg, kid, content_type, payload, signature, tbs)


_SIGN1_TAGS = frozenset({COSE_SIGN1_TAG})


def _shape(outer: Any) -> tuple[bytes, bytes, bytes]:
    """(protected, payload, signature) of a decoded COSE_Sign1 of the accepted shape."""
    if not isinstance(outer, cbor2.CBORTag):
        raise CoseError("not a tagged COSE_Sign1 (CBOR tag 18 missing)")
    if outer.tag != COSE_SIGN1_TAG:
        raise CoseError(f"CBOR tag {outer.tag} is not COSE_Sign1 (18)")
    body = outer.value
    if not isinstance(body, list | tuple) or len(body) != 4:  # cbor2 freezes tagged values
        raise CoseError("COSE_Sign1 must be an array of four items")
    protected, unprotected, payload, signature = body
    if type(protected) is not bytes or not protected:
        raise CoseError("COSE_Sign1 protected header must be a non-empty byte string")
    if not isinstance(unprotected, Mapping):
        raise CoseError("COSE_Sign1 unprotected header must be a map")
    if unprotected:
        raise CoseError("COSE_Sign1 unprotected header must be empty")
    if type(payload) is not bytes:
        raise CoseError("COSE_Sign1 payload must be an embedded byte string")
    if type(signature) is not bytes or len(signature) != SIGNATURE_LENGTH:
        raise CoseError("COSE_Sign1 signature must be 64 bytes for Ed25519")
    return protected, payload, signature


@functools.lru_cache(maxsize=64)
def _protected_header(protected: bytes) -> tuple[int, bytes, str | int | None]:
    # Cached by its bytes (a pure function of them): every document of one signer carries
    # the same protected header. Only accepted headers are cached (errors are raised).
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
    return alg, kid, content_type
