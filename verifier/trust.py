"""The trust list: which document-signer keys the authority vouches for, and what is revoked.

The list is a COSE_Sign1 by the root key (content type `TRUST_LIST_CONTENT_TYPE`) whose
payload is a CBOR map:

    {1: format version (1), 2: sequence number, 3: issued-at, 4: next-update,
     5: authority name [arabic, english],
     6: [signer, ...], 7: [revoked document serial hash, ...],
     8: {place code: [arabic, latin]} (optional),
     9: identity {1: country, 2: currency, 3: minor units, 4: verify URL, 5: currency name}}
    signer = {1: kid, 2: public key (32 bytes), 3: issuer code, 4: signing window start,
              5: signing window end, 6: [document type codes allowed], 7: status code,
              8: revoked from (only when status is revoked)}

Times are integer seconds since 1970 (UTC), at most 9999-12-31T23:59:59Z. Unknown keys, at any
level, refuse the whole list: a change of meaning is a new format version (key 1). A serial
hash is the first 16 bytes of SHA-256 of the serial's ASCII bytes, so the list does not
publish which documents exist. The place table
names the offices, service centres and places that documents refer to by code.

`build_trust_list`/`sign_trust_list` make one; `load_trust_list` checks one against pinned
root public keys and parses it; `TrustStore` keeps the newest and refuses a rollback. This
module does no I/O: fetching and caching live with the service.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import cbor2

from verifier import cbor_guard, cose
from verifier.documents import MAX_PLACE_CODE, MAX_TEXT, Bilingual, PlaceTable, text_fault
from verifier.errors import FormatError, TrustListError, UnsupportedAlgorithmError
from verifier.keys import KID_LENGTH, PublicKey, SigningKey, kid_of
from verifier.payload import MAX_TIME

__all__ = [
    "TRUST_LIST_CONTENT_TYPE",
    "Identity",
    "SignerEntry",
    "SignerStatus",
    "TrustList",
    "TrustStore",
    "load_trust_list",
    "parse_payload",
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
class Identity:
    """The jurisdiction the trust list speaks for (key 9): configuration, never code."""

    country: str  # ISO 3166-1 alpha-2, e.g. "JO"
    currency: str  # ISO 4217, e.g. "JOD"
    minor_units: int  # 0..4: digits after the decimal point when fees are printed
    verify_url: str  # https URL printed on the paper and shown by the page
    currency_name: Bilingual  # [arabic, english], e.g. دينار / dinar

    def to_cbor(self) -> dict[int, Any]:
        return {
            1: self.country,
            2: self.currency,
            3: self.minor_units,
            4: self.verify_url,
            5: [self.currency_name.ar, self.currency_name.latin or ""],
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
    identity: Identity = field(kw_only=True)

    def signers_with_kid(self, kid: bytes) -> list[SignerEntry]:
        """Every entry with this kid, in trust-list order."""
        return list(self._by_kid.get(kid, ()))

    @functools.cached_property
    def _by_kid(self) -> dict[bytes, tuple[SignerEntry, ...]]:
        # Built once per list: computing every entry's kid (a SHA-256) on every verification
        # cost a microsecond per signer.
        index: dict[bytes, list[SignerEntry]] = {}
        for s in self.signers:
            index.setdefault(s.kid, []).append(s)
        return {k: tuple(v) for k, v in index.items()}

    @functools.cached_property
    def place_table(self) -> PlaceTable:
        """The place table ready for decoding (each code's Place built once per list)."""
        return PlaceTable(self.places)

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
            9: self.identity.to_cbor(),
        }
        data = cbor2.dumps(payload, canonical=True)
        parse_payload(data)  # what verifiers would refuse is never signed (TrustListError)
        return data


def sign_trust_list(trust_list: TrustList, root_key: SigningKey) -> bytes:
    """The trust list as a COSE_Sign1 by the root key: the bytes to publish."""
    return cose.sign1(trust_list.to_payload(), root_key, content_type=TRUST_LIST_CONTENT_TYPE)


_TOP_KEYS = frozenset(range(1, 10))
_REQUIRED_TOP_KEYS = _TOP_KEYS - {8}
_SIGNER_KEYS = frozenset(range(1, 8))
_IDENTITY_KEYS = frozenset(range(1, 6))
_COUNTRY = re.compile(r"[A-Z]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_ISSUER = re.compile(r"[A-Z0-9][A-Z0-9-]{0,15}")
MAX_URL = 200


def _fail(message: str) -> TrustListError:
    return TrustListError(f"trust list: {message}")


def _keys(
    raw: dict[Any, Any], allowed: frozenset[int], required: frozenset[int], what: str
) -> None:
    stray = set(raw) - allowed
    if stray:
        raise _fail(f"{what} has unknown keys {sorted(stray, key=str)}")
    missing = required - set(raw)
    if missing:
        raise _fail(f"{what} lacks keys {sorted(missing)}")


def _uint(value: object, what: str, top: int) -> int:
    if type(value) is not int or not 0 <= value <= top:
        raise _fail(f"{what} is not an integer from 0 to {top}")
    return value


def _text(value: object, what: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT or (not value and not empty):
        raise _fail(f"{what} is not a text of 1 to {MAX_TEXT} characters")
    fault = text_fault(value)
    if fault is not None:
        raise _fail(f"{what}: {fault}")
    return value


def _bilingual(value: object, what: str) -> Bilingual:
    # [arabic, latin]: the Arabic is required, the Latin may be "" (none).
    if not isinstance(value, list) or len(value) != 2:
        raise _fail(f"{what} is not [arabic, latin]")
    return Bilingual(_text(value[0], what), _text(value[1], what, empty=True) or None)


def _dt(seconds: object, what: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(
        _uint(seconds, f"{what} (seconds since 1970)", MAX_TIME), dt.UTC
    )


def _parse_signer(raw: object, i: int) -> SignerEntry:
    what = f"signer {i}"
    if not isinstance(raw, dict):
        raise _fail(f"{what} is not a map")
    _keys(raw, _SIGNER_KEYS | {8}, _SIGNER_KEYS, what)
    kid, pk, issuer = raw[1], raw[2], raw[3]
    if not isinstance(pk, bytes) or len(pk) != 32:
        raise _fail(f"{what} has no 32-byte public key")
    if not isinstance(kid, bytes) or len(kid) != KID_LENGTH or kid != kid_of(pk):
        raise _fail(f"{what}'s kid does not match its public key")
    if not isinstance(issuer, str) or not _ISSUER.fullmatch(issuer):
        raise _fail(f"{what}'s issuer is not 1-16 of A-Z, 0-9, '-'")
    types = raw[6]
    if not isinstance(types, list) or not all(type(t) is int and 0 < t < 2**16 for t in types):
        raise _fail(f"{what}'s document types are not a list of codes from 1 to 65535")
    code = _uint(raw[7], f"{what}'s status", 255)
    try:
        status = SignerStatus(code)
    except ValueError:
        raise _fail(f"{what} has an unknown status {code}") from None
    if (status is SignerStatus.REVOKED) != (8 in raw):
        raise _fail(f"{what}: a revoked-from time is present exactly when the status is revoked")
    revoked_at = _dt(raw[8], f"{what}'s revocation") if status is SignerStatus.REVOKED else None
    not_before = _dt(raw[4], f"{what}'s window start")
    not_after = _dt(raw[5], f"{what}'s window end")
    if not_after < not_before:
        raise _fail(f"{what}'s signing window ends before it starts")
    return SignerEntry(
        public_key=pk,
        issuer=issuer,
        not_before=not_before,
        not_after=not_after,
        document_types=frozenset(types),
        status=status,
        revoked_at=revoked_at,
    )


def _parse_identity(raw: object) -> Identity:
    if not isinstance(raw, dict):
        raise _fail("the identity (key 9) is not a map")
    _keys(raw, _IDENTITY_KEYS, _IDENTITY_KEYS, "the identity")
    country, currency, url = raw[1], raw[2], raw[4]
    if not isinstance(country, str) or not _COUNTRY.fullmatch(country):
        raise _fail("the identity's country is not an ISO 3166-1 alpha-2 code")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise _fail("the identity's currency is not an ISO 4217 code")
    if not (
        isinstance(url, str)
        and url.startswith("https://")
        and len(url) <= MAX_URL
        and url.isascii()
        and url.isprintable()
        and " " not in url
    ):
        raise _fail(f"the identity's verification address is not an https URL of at most {MAX_URL}")
    return Identity(
        country=country,
        currency=currency,
        minor_units=_uint(raw[3], "the identity's currency minor units", 4),
        verify_url=url,
        currency_name=_bilingual(raw[5], "the identity's currency name"),
    )


def parse_payload(payload: bytes) -> TrustList:
    """A TrustList from its (already verified) payload bytes; TrustListError if it does not fit."""
    try:
        raw = cbor_guard.loads(payload, max_bytes=MAX_TRUST_LIST_BYTES, max_depth=6)
    except FormatError as exc:
        raise TrustListError(f"trust list payload: {exc}") from exc
    if not isinstance(raw, dict) or raw.get(1) != TRUST_LIST_VERSION:
        raise _fail("unknown trust list format version")
    _keys(raw, _TOP_KEYS, _REQUIRED_TOP_KEYS, "the list")
    seq = _uint(raw[2], "the sequence number", 2**63 - 1)
    signers, revoked = raw[6], raw[7]
    if not isinstance(signers, list) or not isinstance(revoked, list):
        raise _fail("signers and revocations must be lists")
    if not all(isinstance(h, bytes) and len(h) == SERIAL_HASH_LENGTH for h in revoked):
        raise _fail("a revoked serial hash is not 16 bytes")
    places: dict[int, Bilingual] = {}
    raw_places = raw.get(8, {})
    if not isinstance(raw_places, Mapping):
        raise _fail("the place table is not a map")
    for code, name in raw_places.items():
        if type(code) is not int or not 0 < code <= MAX_PLACE_CODE:
            raise _fail(f"place code {code!r} is not from 1 to {MAX_PLACE_CODE}")
        places[code] = _bilingual(name, f"place {code}")
    issued_at, next_update = _dt(raw[3], "issued-at"), _dt(raw[4], "next-update")
    if next_update < issued_at:
        raise _fail("next-update is before issued-at")
    return TrustList(
        sequence=seq,
        issued_at=issued_at,
        next_update=next_update,
        authority=_bilingual(raw[5], "the authority name"),
        signers=tuple(_parse_signer(s, i) for i, s in enumerate(signers)),
        revoked_serials=frozenset(revoked),
        places=places,
        identity=_parse_identity(raw[9]),
    )


def _check_min_sequence(trust: TrustList, min_sequence: int) -> None:
    if trust.sequence < min_sequence:
        raise TrustListError(
            f"trust list {trust.sequence} is older than the minimum sequence {min_sequence} "
            "this deployment pins; refused"
        )


def load_trust_list(
    data: bytes, root_keys: Sequence[PublicKey], *, min_sequence: int = 0
) -> TrustList:
    """Verify a published trust list against the pinned root keys and parse it.

    min_sequence: the lowest sequence number a deployment accepts (so a verifier without a
    cache cannot be handed an old genuine list); lower is TrustListError."""
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
            trust = parse_payload(msg.payload)
            _check_min_sequence(trust, min_sequence)
            return trust
    raise TrustListError("the trust list is not signed by a pinned root key")


class TrustStore:
    """The newest verified trust list. Refuses a list older than the one it holds (rollback),
    one older than the deployment's pinned `min_sequence`, and a list with the sequence number
    it holds but other content (a registry fault the operator must see); the same list again
    is a no-op."""

    def __init__(
        self,
        root_keys: Iterable[PublicKey],
        current: TrustList | None = None,
        *,
        min_sequence: int = 0,
    ):
        self.root_keys = tuple(root_keys)
        self.min_sequence = min_sequence
        if current is not None:
            _check_min_sequence(current, min_sequence)
        self.current = current

    def accept(self, data: bytes) -> TrustList:
        """Verify data and make it current, or raise TrustListError saying why not."""
        candidate = load_trust_list(data, self.root_keys, min_sequence=self.min_sequence)
        held = self.current
        if held is not None:
            if candidate.sequence < held.sequence:
                raise TrustListError(
                    f"trust list rollback refused: sequence {candidate.sequence} is older than "
                    f"the {held.sequence} already held"
                )
            if candidate.sequence == held.sequence:
                if candidate != held:
                    raise TrustListError(
                        f"trust list {held.sequence} was republished with different content; "
                        f"refused (a changed list needs a higher sequence number): keeping the "
                        f"list held"
                    )
                return held
        self.current = candidate
        return candidate
