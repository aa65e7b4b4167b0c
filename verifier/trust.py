"""The trust list: which document-signer keys the authority vouches for, and what is revoked.

The list is a COSE_Sign1 by the root key (content type `TRUST_LIST_CONTENT_TYPE`) whose
payload is a CBOR map:

    {1: format version (1), 2: sequence number, 3: issued-at, 4: next-update,
     5: authority name [arabic, english],
     6: [signer, ...], 7: [revoked document serial hash, ...],
     8: {place code: [arabic, latin]}}
    signer = {1: kid, 2: public key (32 bytes), 3: issuer code, 4: signing window start,
              5: signing window end, 6: [document type codes allowed], 7: status code,
              8: revoked from (only when status is revoked)}

Times are integer seconds since 1970 (UTC). A serial hash is the first 16 bytes of SHA-256 of
the serial's ASCII bytes, so the list does not publish which documents exist. The place table
names the offices, service centres and places that documents refer to by code.

`build_trust_list`/`sign_trust_list` make one; `load_trust_list` checks one against pinned
root public keys and parses it; `TrustStore` keeps the newest and refuses a rollback. This
module does no I/O: fetching and caching live with the service.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import cbor2

from verifier import cbor_guard, cose
from verifier.documents import Bilingual
from verifier.errors import FormatError, TrustListError, UnsupportedAlgorithmError
from verifier.keys import KID_LENGTH, PublicKey, SigningKey, kid_of

__all__ = [
    "TRUST_LIST_CONTENT_TYPE",
    "SignerEntry",
    "SignerStatus",
    "TrustList",
    "TrustStore",
    "load_trust_list",
    "serial_hash",
    "sign_trust_list",
]

TRUST_LIST_CONTENT_TYPE = "application/sanad-trust-list+cbor"
TRUST_LIST_VERSION = 1
MAX_TRUST_LIST_BYTES = 8 * 1024 * 1024
SERIAL_HASH_LENGTH = 16


def serial_hash(serial: str) -> bytes:
    """How a revoked serial appears in the trust list."""
    return hashlib.sha256(serial.encode("ascii")).digest()[:SERIAL_HASH_LENGTH]


class SignerStatus(enum.IntEnum):
    ACTIVE = 1  # inside or before its signing window
    RETIRED = 2  # no longer signs; what it signed inside its window stays valid
    REVOKED = 3  # compromised: what it "signed" from `revoked_at` on is not valid


def _ts(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("trust list times must be timezone-aware")
    return int(moment.timestamp())


def _dt(seconds: object, what: str) -> dt.datetime:
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not 0 <= seconds < 2**40:
        raise TrustListError(f"trust list: {what} is not a time")
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


@dataclass(frozen=True)
class SignerEntry:
    public_key: bytes
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    document_types: frozenset[int]
    status: SignerStatus = SignerStatus.ACTIVE
    revoked_at: dt.datetime | None = None

    @property
    def kid(self) -> bytes:
        return kid_of(self.public_key)

    def window_contains(self, moment: dt.datetime) -> bool:
        return self.not_before <= moment <= self.not_after

    def revoked_for(self, moment: dt.datetime) -> bool:
        """True if this signer is revoked and moment is at or after the revocation."""
        return (
            self.status is SignerStatus.REVOKED
            and self.revoked_at is not None
            and moment >= self.revoked_at
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kid": self.kid.hex(),
            "issuer": self.issuer,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "document_types": sorted(self.document_types),
            "status": self.status.name.lower(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


@dataclass(frozen=True)
class TrustList:
    sequence: int
    issued_at: dt.datetime
    next_update: dt.datetime
    authority: Bilingual
    signers: tuple[SignerEntry, ...]
    revoked_serials: frozenset[bytes] = field(default_factory=frozenset)
    places: Mapping[int, Bilingual] = field(default_factory=dict)

    def signers_with_kid(self, kid: bytes) -> list[SignerEntry]:
        return [s for s in self.signers if s.kid == kid]

    def is_revoked(self, serial: str) -> bool:
        return serial_hash(serial) in self.revoked_serials

    def to_payload(self) -> bytes:
        signers = []
        for s in self.signers:
            entry: dict[int, Any] = {
                1: s.kid,
                2: s.public_key,
                3: s.issuer,
                4: _ts(s.not_before),
                5: _ts(s.not_after),
                6: sorted(s.document_types),
                7: int(s.status),
            }
            if s.status is SignerStatus.REVOKED:
                if s.revoked_at is None:
                    raise ValueError("a revoked signer needs revoked_at")
                entry[8] = _ts(s.revoked_at)
            signers.append(entry)
        payload = {
            1: TRUST_LIST_VERSION,
            2: self.sequence,
            3: _ts(self.issued_at),
            4: _ts(self.next_update),
            5: [self.authority.ar, self.authority.latin or ""],
            6: signers,
            7: sorted(self.revoked_serials),
            8: {code: [n.ar, n.latin or ""] for code, n in sorted(self.places.items())},
        }
        return cbor2.dumps(payload, canonical=True)


def sign_trust_list(trust_list: TrustList, root_key: SigningKey) -> bytes:
    """The trust list as a COSE_Sign1 by the root key: the bytes to publish."""
    return cose.sign1(trust_list.to_payload(), root_key, content_type=TRUST_LIST_CONTENT_TYPE)


def _parse_signer(raw: object, i: int) -> SignerEntry:
    what = f"signer {i}"
    if not isinstance(raw, dict):
        raise TrustListError(f"trust list: {what} is not a map")
    kid, pk, issuer = raw.get(1), raw.get(2), raw.get(3)
    if not isinstance(pk, bytes) or len(pk) != 32:
        raise TrustListError(f"trust list: {what} has no 32-byte public key")
    if not isinstance(kid, bytes) or len(kid) != KID_LENGTH or kid != kid_of(pk):
        raise TrustListError(f"trust list: {what}'s kid does not match its public key")
    if not isinstance(issuer, str) or not issuer:
        raise TrustListError(f"trust list: {what} has no issuer")
    types = raw.get(6)
    if not isinstance(types, list) or not all(
        isinstance(t, int) and not isinstance(t, bool) for t in types
    ):
        raise TrustListError(f"trust list: {what}'s document types are not a list of codes")
    code = raw.get(7)
    try:
        if not isinstance(code, int):
            raise ValueError(code)
        status = SignerStatus(code)
    except ValueError:
        raise TrustListError(f"trust list: {what} has an unknown status") from None
    revoked_at = _dt(raw.get(8), f"{what}'s revocation") if status is SignerStatus.REVOKED else None
    return SignerEntry(
        public_key=pk,
        issuer=issuer,
        not_before=_dt(raw.get(4), f"{what}'s window start"),
        not_after=_dt(raw.get(5), f"{what}'s window end"),
        document_types=frozenset(types),
        status=status,
        revoked_at=revoked_at,
    )


def parse_payload(payload: bytes) -> TrustList:
    """A TrustList from its (already verified) payload bytes."""
    try:
        raw = cbor_guard.loads(payload, max_bytes=MAX_TRUST_LIST_BYTES, max_depth=6)
    except FormatError as exc:
        raise TrustListError(f"trust list payload: {exc}") from exc
    if not isinstance(raw, dict) or raw.get(1) != TRUST_LIST_VERSION:
        raise TrustListError("trust list: unknown trust list format version")
    seq = raw.get(2)
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise TrustListError("trust list: no sequence number")
    authority = raw.get(5)
    if not (
        isinstance(authority, list)
        and len(authority) == 2
        and all(isinstance(a, str) for a in authority)
    ):
        raise TrustListError("trust list: no authority name")
    signers, revoked = raw.get(6), raw.get(7)
    if not isinstance(signers, list) or not isinstance(revoked, list):
        raise TrustListError("trust list: signers and revocations must be lists")
    if not all(isinstance(h, bytes) and len(h) == SERIAL_HASH_LENGTH for h in revoked):
        raise TrustListError("trust list: a revoked serial hash is not 16 bytes")
    places: dict[int, Bilingual] = {}
    raw_places = raw.get(8, {})
    if not isinstance(raw_places, Mapping):
        raise TrustListError("trust list: the place table is not a map")
    for code, name in raw_places.items():
        if not (
            isinstance(code, int)
            and isinstance(name, list | tuple)
            and len(name) == 2
            and all(isinstance(n, str) for n in name)
            and name[0]
        ):
            raise TrustListError("trust list: a place table entry is not code -> [arabic, latin]")
        places[code] = Bilingual(name[0], name[1] or None)
    return TrustList(
        sequence=seq,
        issued_at=_dt(raw.get(3), "issued-at"),
        next_update=_dt(raw.get(4), "next-update"),
        authority=Bilingual(authority[0], authority[1] or None),
        signers=tuple(_parse_signer(s, i) for i, s in enumerate(signers)),
        revoked_serials=frozenset(revoked),
        places=places,
    )


def load_trust_list(data: bytes, root_keys: Sequence[PublicKey]) -> TrustList:
    """Verify a published trust list against the pinned root keys and parse it."""
    if not root_keys:
        raise TrustListError("no root public key is pinned")
    try:
        msg = cose.parse_sign1(data, max_bytes=MAX_TRUST_LIST_BYTES + 1024)
    except (FormatError, UnsupportedAlgorithmError) as exc:
        raise TrustListError(f"not a signed trust list: {exc}") from exc
    if msg.content_type != TRUST_LIST_CONTENT_TYPE:
        raise TrustListError("this COSE object is not a trust list (wrong content type)")
    for root in root_keys:
        if root.kid == msg.kid and msg.verify(root.raw):
            return parse_payload(msg.payload)
    raise TrustListError("the trust list is not signed by a pinned root key")


class TrustStore:
    """The newest verified trust list, refusing any list older than the one it holds."""

    def __init__(self, root_keys: Iterable[PublicKey], current: TrustList | None = None):
        self.root_keys = tuple(root_keys)
        self.current = current

    def accept(self, data: bytes) -> TrustList:
        """Verify data; make it current unless it goes back in sequence (TrustListError)."""
        candidate = load_trust_list(data, self.root_keys)
        if self.current is not None and candidate.sequence < self.current.sequence:
            raise TrustListError(
                f"trust list rollback refused: sequence {candidate.sequence} is older than "
                f"the {self.current.sequence} already held"
            )
        self.current = candidate
        return candidate
