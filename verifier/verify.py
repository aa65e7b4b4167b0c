"""Verification: QR text + trust list → a Verdict with one specific reason. Never raises.

The order is DESIGN.md's (docs/format.md §5), and each step can only fail with its own status:
trust list past next-update + grace (TRUST_LIST_EXPIRED) → prefix → Base45 → bounded inflate →
bounded CBOR/COSE parse → kid lookup (every key with that kid is tried) → Ed25519 (libsodium,
strict) → claims and document schema → issuer and document type allowed for that signer →
signer's window and revocation at the issue time → document revocation → trust list past
next-update (TRUST_LIST_STALE instead of VALID). Nothing from the payload is believed before
the signature checks out. `Verdict.reason` is a fixed sentence per status (`REASONS`);
`Verdict.detail` says what exactly failed, for logs.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from dataclasses import dataclass, replace
from typing import Any

from verifier import codec, cose
from verifier.documents import DocumentType
from verifier.errors import (
    Base45Error,
    CborError,
    CompressionError,
    CoseError,
    FormatError,
    PrefixError,
    SchemaError,
    UnsupportedAlgorithmError,
    UnsupportedVersionError,
)
from verifier.payload import Claims, decode_claims, payload_sha256
from verifier.trust import SignerEntry, TrustList, serial_hash

__all__ = [
    "DEFAULT_STALE_GRACE",
    "REASONS",
    "Malformation",
    "Outcome",
    "Status",
    "Verdict",
    "verify",
]

log = logging.getLogger(__name__)

CLOCK_SKEW = dt.timedelta(minutes=10)
# How long past its next-update a trust list still gives an answer (UNCONFIRMED at best);
# after that every verification is TRUST_LIST_EXPIRED until a newer list is loaded.
DEFAULT_STALE_GRACE = dt.timedelta(days=30)


class Status(enum.Enum):
    VALID = "valid"
    MALFORMED = "malformed"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    UNKNOWN_SIGNER = "unknown_signer"
    BAD_SIGNATURE = "bad_signature"
    ISSUER_MISMATCH = "issuer_mismatch"
    TYPE_NOT_ALLOWED = "type_not_allowed"
    SIGNER_NOT_VALID = "signer_not_valid_at_issue"
    SIGNER_REVOKED = "signer_revoked"
    ISSUED_IN_FUTURE = "issued_in_future"
    DOCUMENT_REVOKED = "document_revoked"
    # Every check passed, but the verification time is past the trust list's next-update:
    # revocations published since are unknown. Not valid; the outcome is UNCONFIRMED.
    TRUST_LIST_STALE = "trust_list_stale"
    # Past next-update plus the grace period: refused outright, before reading the text.
    TRUST_LIST_EXPIRED = "trust_list_expired"
    # Only from the verification service's optional online check, never from `verify` alone:
    # genuinely signed, yet the registry never issued it (a sign of a stolen signing key).
    NOT_IN_REGISTRY = "not_in_registry"


class Outcome(enum.Enum):
    """The three answers an officer acts on."""

    VALID = "valid"
    UNCONFIRMED = "unconfirmed"  # genuine signature, but the trust list is stale
    NOT_VALID = "not_valid"


# One fixed English sentence per status: never built from an exception or from the input
# (details for logs are in `Verdict.detail`). Pages and the CLI map the status to their words.
REASONS: dict[Status, str] = {
    Status.VALID: "The document is genuine and unaltered.",
    Status.MALFORMED: "The code is damaged or is not a Sanad document.",
    Status.UNSUPPORTED_VERSION: "The document uses a format version this verifier does not know.",
    Status.UNSUPPORTED_ALGORITHM: "The document is signed with an algorithm not accepted.",
    Status.UNKNOWN_SIGNER: "The document's signing key is not in the trust list.",
    Status.BAD_SIGNATURE: "The signature does not match the document: it was altered or forged.",
    Status.ISSUER_MISMATCH: "The document names an issuer other than its signing key's.",
    Status.TYPE_NOT_ALLOWED: "The signing key is not allowed to sign this type of document.",
    Status.SIGNER_NOT_VALID: "The signing key was not valid at the document's issue time.",
    Status.SIGNER_REVOKED: "The signing key was revoked before the document's issue time.",
    Status.ISSUED_IN_FUTURE: "The document's issue time is in the future.",
    Status.DOCUMENT_REVOKED: "The registry has revoked this document.",
    Status.NOT_IN_REGISTRY: "The signature is genuine, but the registry never issued it.",
    Status.TRUST_LIST_STALE: (
        "The signature is genuine, but the trust list is past its next update: "
        "revocations since then are unknown."
    ),
    Status.TRUST_LIST_EXPIRED: (
        "The trust list is too old to verify documents: load a newer trust list."
    ),
}


class Malformation(enum.Enum):
    """Which layer of a malformed text is wrong."""

    PREFIX = "prefix"
    BASE45 = "base45"
    COMPRESSION = "compression"
    CBOR = "cbor"
    COSE = "cose"
    SCHEMA = "schema"


_MALFORMATION_OF: tuple[tuple[type[FormatError], Malformation], ...] = (
    (PrefixError, Malformation.PREFIX),
    (Base45Error, Malformation.BASE45),
    (CompressionError, Malformation.COMPRESSION),
    (CborError, Malformation.CBOR),
    (CoseError, Malformation.COSE),
    (SchemaError, Malformation.SCHEMA),
)


@dataclass(frozen=True)
class Verdict:
    """The answer to "is this document genuine?", with one specific reason.

    `claims` and `signer` are set only once the signature has verified: before that nothing
    in the payload is shown, since nothing in it can be believed.
    """

    status: Status
    reason: str
    malformation: Malformation | None = None
    # What exactly failed, in English, for logs and the JSON verdict; never shown as the reason.
    detail: str | None = None
    claims: Claims | None = None
    signer: SignerEntry | None = None
    kid: bytes | None = None
    trust_list_sequence: int | None = None
    trust_list_issued_at: dt.datetime | None = None
    checked_at: dt.datetime | None = None
    trust_list_next_update: dt.datetime | None = None
    # Hex SHA-256 of the signed payload bytes: what identifies the document (set once the
    # signature has verified; the registry's status endpoint answers the same digest).
    payload_sha256: str | None = None

    @property
    def valid(self) -> bool:
        return self.status is Status.VALID

    @property
    def outcome(self) -> Outcome:
        if self.status is Status.VALID:
            return Outcome.VALID
        if self.status is Status.TRUST_LIST_STALE:
            return Outcome.UNCONFIRMED
        return Outcome.NOT_VALID

    @property
    def trust_list_age(self) -> dt.timedelta | None:
        if self.trust_list_issued_at is None or self.checked_at is None:
            return None
        return self.checked_at - self.trust_list_issued_at

    @property
    def serial_hash(self) -> str | None:
        """For logs: a hash of the serial, never the serial or any field."""
        return serial_hash(self.claims.serial).hex() if self.claims else None

    def to_json(self) -> dict[str, Any]:
        from verifier.presentation import verdict_to_json

        return verdict_to_json(self)


def _verdict(
    status: Status, detail: str | None, trust: TrustList, at: dt.datetime, **kw: Any
) -> Verdict:
    return Verdict(
        status,
        REASONS[status],
        detail=detail,
        trust_list_sequence=trust.sequence,
        trust_list_issued_at=trust.issued_at,
        trust_list_next_update=trust.next_update,
        checked_at=at,
        **kw,
    )


def _malformed(exc: FormatError, trust: TrustList, at: dt.datetime, **kw: Any) -> Verdict:
    kind = next(m for cls, m in _MALFORMATION_OF if isinstance(exc, cls))
    return _verdict(Status.MALFORMED, str(exc), trust, at, malformation=kind, **kw)


def verify(
    text: str,
    trust: TrustList,
    at: dt.datetime | None = None,
    *,
    stale_grace: dt.timedelta = DEFAULT_STALE_GRACE,
) -> Verdict:
    """Check a QR text against a verified trust list at a moment (default: now).

    Past the list's next-update a document that passes every check is TRUST_LIST_STALE
    (outcome UNCONFIRMED); past next-update + stale_grace every text is TRUST_LIST_EXPIRED.
    """
    at = at or dt.datetime.now(dt.UTC)
    try:
        return _verify(text, trust, at, stale_grace)
    except Exception:  # pragma: no cover - a bug, but the caller still gets a verdict
        log.exception("verification failed unexpectedly")
        return _verdict(
            Status.MALFORMED,
            "internal error while reading the document",
            trust,
            at,
            malformation=Malformation.CBOR,
        )


def _verify(text: str, trust: TrustList, at: dt.datetime, stale_grace: dt.timedelta) -> Verdict:
    if at > trust.next_update + stale_grace:
        return _verdict(
            Status.TRUST_LIST_EXPIRED,
            f"trust list {trust.sequence} needed an update by {trust.next_update.isoformat()}",
            trust,
            at,
        )
    if not isinstance(text, str):
        return _malformed(PrefixError("the input is not text"), trust, at)
    try:
        msg = cose.parse_sign1(codec.decode_text(text))
        if msg.content_type is not None:
            raise CoseError("a document's protected header carries no content type")
    except UnsupportedVersionError as exc:
        return _verdict(Status.UNSUPPORTED_VERSION, str(exc), trust, at)
    except UnsupportedAlgorithmError as exc:
        return _verdict(Status.UNSUPPORTED_ALGORITHM, str(exc), trust, at)
    except FormatError as exc:
        return _malformed(exc, trust, at)

    candidates = trust.signers_with_kid(msg.kid)
    if not candidates:
        return _verdict(Status.UNKNOWN_SIGNER, None, trust, at, kid=msg.kid)
    verified = [s for s in candidates if msg.verify(s.public_key)]
    if not verified:
        return _verdict(Status.BAD_SIGNATURE, None, trust, at, kid=msg.kid)

    digest = payload_sha256(msg.payload)
    try:
        claims = decode_claims(msg.payload, trust.place_table)  # place codes named
    except FormatError as exc:
        return _malformed(exc, trust, at, kid=msg.kid, signer=verified[0], payload_sha256=digest)

    # The same key may be listed more than once (re-enrolled with another window or types):
    # the document is valid if any entry allows it, unless any entry says the key was revoked
    # (a compromised key stays compromised); otherwise the first failing entry in trust-list
    # order gives the reason.
    if len(verified) == 1:  # the usual case: what the rule below gives for one entry
        verdict = _check_signer(claims, verified[0], msg.kid, trust, at, digest)
    else:
        verdicts = [_check_signer(claims, s, msg.kid, trust, at, digest) for s in verified]
        revoked = [v for v in verdicts if v.status is Status.SIGNER_REVOKED]
        verdict = (revoked or [v for v in verdicts if v.valid] or verdicts)[0]
    if verdict.valid and at > trust.next_update:
        return replace(
            verdict,
            status=Status.TRUST_LIST_STALE,
            reason=REASONS[Status.TRUST_LIST_STALE],
            detail=f"trust list {trust.sequence} needed an update by "
            f"{trust.next_update.isoformat()}",
        )
    return verdict


def _check_signer(
    claims: Claims,
    signer: SignerEntry,
    kid: bytes,
    trust: TrustList,
    at: dt.datetime,
    digest: str,
) -> Verdict:
    status, detail = _signer_fault(claims, signer, trust, at)
    return Verdict(
        status,
        REASONS[status],
        detail=detail,
        claims=claims,
        signer=signer,
        kid=kid,
        trust_list_sequence=trust.sequence,
        trust_list_issued_at=trust.issued_at,
        checked_at=at,
        trust_list_next_update=trust.next_update,
        payload_sha256=digest,
    )


def _signer_fault(
    claims: Claims, signer: SignerEntry, trust: TrustList, at: dt.datetime
) -> tuple[Status, str | None]:
    """The first check this signer entry fails, with what exactly failed; VALID if none."""
    doc_type = claims.document.type
    if claims.issuer != signer.issuer:
        return (
            Status.ISSUER_MISMATCH,
            f"signed as issuer {claims.issuer} by a key of issuer {signer.issuer}",
        )
    if int(doc_type) not in signer.document_types:
        name = doc_type.slug if isinstance(doc_type, DocumentType) else f"type {doc_type}"
        return Status.TYPE_NOT_ALLOWED, f"this signer is not allowed to sign a {name}"
    if signer.revoked_for(claims.issued_at):
        assert signer.revoked_at is not None
        return (
            Status.SIGNER_REVOKED,
            f"the signing key was revoked from {signer.revoked_at.isoformat()}",
        )
    if not signer.window_contains(claims.issued_at):
        return (
            Status.SIGNER_NOT_VALID,
            "the signing key was not allowed to sign at the document's issue time "
            f"({signer.not_before.date()} to {signer.not_after.date()})",
        )
    if claims.issued_at > at + CLOCK_SKEW:
        return (
            Status.ISSUED_IN_FUTURE,
            f"the document claims to be issued at {claims.issued_at.isoformat()}, in the future",
        )
    if trust.is_revoked(claims.serial):
        return Status.DOCUMENT_REVOKED, None
    return Status.VALID, None
