"""Kiosk identity and the fleet: enrolment, revocation, request authentication, heartbeats.

`authenticate` checks one signed request against the enrolled kiosk's Ed25519 key and records
its nonce (a second use inside the window is a replay). Each refusal is a `KioskAuthError`
with its own code, logged with the kiosk id only. `attention` is the pure rule behind the
technician page: which kiosks need a visit, and why. Enrolment and revocation name who did
them (`by`: an administrator's user name, or `cli`) in the audit log; `enroll_and_publish` is
what the CLI and the office app's kiosk page both call, since the trust list names the centre.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry import admin_refusals as no
from registry import audit, keyring
from registry.admin_refusals import AdminConflict, AdminInvalid, AdminNotFound
from registry.audit import AuditEvent
from registry.codes import ErrorCode
from registry.config import DataDir, Settings
from registry.errors import KioskAuthError
from registry.models import Kiosk, KioskNonce
from registry.places import PlaceKind, ensure_place
from registry.signing import SignatureHeaders, is_fresh, valid_kiosk_id
from verifier.documents import Bilingual
from verifier.errors import KeyFileError
from verifier.keys import public_key_from_jwk

__all__ = [
    "Attention",
    "Heartbeat",
    "KioskInfo",
    "PaperState",
    "PrinterState",
    "attention",
    "authenticate",
    "check_request",
    "enroll",
    "enroll_and_publish",
    "public_key_of",
    "purge_nonces",
    "record_heartbeat",
    "revoke",
]

log = logging.getLogger(__name__)


class PrinterState(enum.StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    ERROR = "error"
    UNKNOWN = "unknown"


class PaperState(enum.StrEnum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"


class Attention(enum.StrEnum):
    NEVER_SEEN = "never_seen"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    PAPER_NEAR_END = "paper_near_end"
    PRINTER_ERROR = "printer_error"
    PRINTER_UNKNOWN = "printer_unknown"
    COVER_OPEN = "cover_open"
    FAILED_JOBS = "failed_jobs"
    REVOKED = "revoked"


@dataclass(frozen=True)
class KioskInfo:
    """What a request needs to know about the kiosk that signed it."""

    id: str
    public_key: bytes
    revoked_at: dt.datetime | None
    centre_ar: str
    centre_latin: str | None
    kind: str = "kiosk"  # registry.channels.ChannelKind


@dataclass(frozen=True)
class Heartbeat:
    printer: PrinterState
    paper: PaperState
    cover_open: bool
    app_version: str
    last_error: str | None
    journal_backlog: int
    failed_jobs: int


def enroll(
    session: Session,
    kiosk_id: str,
    public_key: bytes,
    centre_ar: str,
    centre_latin: str | None,
    now: dt.datetime,
    *,
    by: str = "cli",
    kind: str = "kiosk",
    office: str | None = None,
) -> Kiosk:
    """Enrol (or re-enrol after revocation) a channel's key; `office` is the office a kiosk
    stands in, for check-in and queue tickets (registry.bookings.tickets)."""
    if not valid_kiosk_id(kiosk_id):
        raise AdminInvalid(no.KIOSK_ID_INVALID)
    if len(public_key) != 32:
        raise AdminInvalid(no.KIOSK_KEY_INVALID)
    centre_ar, centre_latin = centre_ar.strip(), (centre_latin or "").strip() or None
    if not 0 < len(centre_ar) <= 120 or len(centre_latin or "") > 120:
        raise AdminInvalid(no.CENTRE_REQUIRED)
    if office is not None:
        from registry.models import Office

        place = session.get(Office, office)
        if place is None or place.closed_at is not None:
            raise AdminInvalid(no.NO_SUCH_OFFICE)
    existing = session.get(Kiosk, kiosk_id)
    if existing is not None and existing.revoked_at is None:
        raise AdminConflict(no.KIOSK_ENROLLED)
    if existing is not None:
        # a revoked kiosk re-enrolled with a new key keeps its id (its documents refer to it)
        row = existing
        row.public_key, row.centre_ar, row.centre_latin = public_key, centre_ar, centre_latin
        row.enrolled_at, row.revoked_at, row.revocation_reason = now, None, None
        row.fail_window_start, row.fail_window_count = None, 0
    else:
        row = Kiosk(
            id=kiosk_id,
            public_key=public_key,
            centre_ar=centre_ar,
            centre_latin=centre_latin,
            enrolled_at=now,
            fail_window_count=0,
            kind=kind,
            office=office,
        )
        session.add(row)
    if existing is not None:
        row.kind, row.office = kind, office
    ensure_place(session, Bilingual(centre_ar, centre_latin), PlaceKind.CENTRE)
    audit.append(
        session, AuditEvent.KIOSK_ENROLLED, {"kiosk": kiosk_id, "kind": kind, "by": by}, now
    )
    log.info("kiosk %s enrolled", kiosk_id)
    return row


def public_key_of(jwk_text: str) -> bytes:
    """The raw Ed25519 key of a public JWK pasted as text (a private key is refused: it
    never leaves the kiosk)."""
    try:
        return public_key_from_jwk(jwk_text[:4000]).raw
    except KeyFileError:
        raise AdminInvalid(no.KIOSK_KEY_INVALID) from None


def enroll_and_publish(
    session: Session,
    data: DataDir,
    settings: Settings,
    kiosk_id: str,
    public_key: bytes,
    centre_ar: str,
    centre_latin: str | None,
    now: dt.datetime,
    *,
    by: str,
    kind: str = "kiosk",
    office: str | None = None,
) -> tuple[Kiosk, keyring.PublishedList]:
    """Enrol and publish the trust list that names the kiosk's centre, in one transaction
    (no root key: `KeyringError`, and nothing is enrolled)."""
    row = enroll(
        session, kiosk_id, public_key, centre_ar, centre_latin, now, by=by, kind=kind, office=office
    )
    session.flush()
    return row, keyring.publish_trust_list(session, data, settings)


def revoke(
    session: Session, kiosk_id: str, reason: str, now: dt.datetime, *, by: str = "cli"
) -> Kiosk:
    reason = reason.strip()
    if not 0 < len(reason) <= 200:
        raise AdminInvalid(no.REASON_REQUIRED)
    row = session.get(Kiosk, kiosk_id) if valid_kiosk_id(kiosk_id) else None
    if row is None:
        raise AdminNotFound(no.NO_SUCH_KIOSK)
    if row.revoked_at is not None:
        raise AdminConflict(no.KIOSK_ALREADY_REVOKED, code=ErrorCode.ALREADY_REVOKED)
    row.revoked_at = now
    row.revocation_reason = reason
    audit.append(
        session, AuditEvent.KIOSK_REVOKED, {"kiosk": kiosk_id, "reason": reason, "by": by}, now
    )
    log.warning("kiosk %s revoked", kiosk_id)
    return row


def check_request(
    kiosk: KioskInfo | None,
    headers: SignatureHeaders,
    method: str,
    target: str,
    body: bytes,
    now: dt.datetime,
    skew: dt.timedelta,
) -> KioskInfo:
    """The checks of a signed request, in order, on what the database holds about the kiosk
    that claims to have signed it (None: no such kiosk): enrolled, not revoked, signature,
    timestamp. Pure (no I/O): `authenticate` and the issue path both call it, and record the
    nonce afterwards."""
    if kiosk is None:
        log.warning("request from unknown kiosk %s refused", headers.kiosk_id)
        raise KioskAuthError("unknown kiosk", code=ErrorCode.KIOSK_UNKNOWN)
    if kiosk.revoked_at is not None:
        log.warning("request from revoked kiosk %s refused", headers.kiosk_id)
        raise KioskAuthError("this kiosk has been revoked", code=ErrorCode.KIOSK_REVOKED)
    if not headers.verify(kiosk.public_key, method, target, body):
        log.warning("bad request signature from kiosk %s", headers.kiosk_id)
        raise KioskAuthError(
            "the request signature does not verify", code=ErrorCode.SIGNATURE_INVALID
        )
    if not is_fresh(headers.timestamp, now, skew):
        log.warning(
            "stale request from kiosk %s (timestamp %d)", headers.kiosk_id, headers.timestamp
        )
        raise KioskAuthError(
            f"the request timestamp is more than {int(skew.total_seconds())} s from the "
            "registry's clock",
            code=ErrorCode.TIMESTAMP_STALE,
        )
    return kiosk


def authenticate(
    session: Session,
    headers: SignatureHeaders,
    method: str,
    target: str,
    body: bytes,
    now: dt.datetime,
    skew: dt.timedelta,
) -> KioskInfo:
    """The enrolled kiosk that signed this request, or KioskAuthError (nonce recorded)."""
    found = session.execute(
        select(
            Kiosk.public_key, Kiosk.revoked_at, Kiosk.centre_ar, Kiosk.centre_latin, Kiosk.kind
        ).where(Kiosk.id == headers.kiosk_id)
    ).first()
    kiosk = check_request(
        KioskInfo(headers.kiosk_id, *found) if found is not None else None,
        headers,
        method,
        target,
        body,
        now,
        skew,
    )
    try:
        session.execute(
            insert(KioskNonce).values(kiosk_id=kiosk.id, nonce=headers.nonce, seen_at=now)
        )
    except IntegrityError:
        log.warning("replayed request from kiosk %s refused", headers.kiosk_id)
        raise KioskAuthError(
            "this request was already received (replay)", code=ErrorCode.NONCE_REPLAYED
        ) from None
    return kiosk


def purge_nonces(session: Session, before: dt.datetime) -> None:
    session.execute(delete(KioskNonce).where(KioskNonce.seen_at < before))


def record_heartbeat(session: Session, kiosk: Kiosk, beat: Heartbeat, now: dt.datetime) -> None:
    kiosk.last_seen_at = now
    kiosk.printer = beat.printer.value
    kiosk.paper = beat.paper.value
    kiosk.cover_open = beat.cover_open
    kiosk.app_version = beat.app_version
    kiosk.last_error = beat.last_error
    kiosk.journal_backlog = beat.journal_backlog
    kiosk.failed_jobs = beat.failed_jobs


def attention(kiosk: Kiosk, now: dt.datetime, offline_after: dt.timedelta) -> list[Attention]:
    """What needs a technician at this kiosk (empty: nothing)."""
    if kiosk.revoked_at is not None:
        return [Attention.REVOKED]
    if kiosk.last_seen_at is None:
        return [Attention.NEVER_SEEN]
    out = []
    if now - kiosk.last_seen_at > offline_after:
        out.append(Attention.OFFLINE)
    if kiosk.paper == PaperState.OUT:
        out.append(Attention.PAPER_OUT)
    elif kiosk.paper == PaperState.NEAR_END:
        out.append(Attention.PAPER_NEAR_END)
    if kiosk.printer in (PrinterState.ERROR, PrinterState.OFFLINE):
        out.append(Attention.PRINTER_ERROR)
    elif kiosk.printer == PrinterState.UNKNOWN:
        out.append(Attention.PRINTER_UNKNOWN)
    if kiosk.cover_open:
        out.append(Attention.COVER_OPEN)
    if kiosk.failed_jobs:
        out.append(Attention.FAILED_JOBS)
    return out


def list_kiosks(session: Session, kind: str = "kiosk") -> list[Kiosk]:
    """The enrolled channels of one kind (kiosks by default: the fleet; "portal")."""
    return list(
        session.execute(select(Kiosk).where(Kiosk.kind == kind).order_by(Kiosk.id)).scalars()
    )
