"""The authority's keys and the trust list built from them.

- The root key signs the trust list. Its private half lives in DATA/keys/root.jwk (0600); its
  public half is exported to DATA/root-public.jwk for verifiers to pin.
- Document-signer keys sign documents inside a signing window (90 days by default). Rotating
  creates a new signer and retires the old one (its window is cut to now): a retired signer
  stays in the trust list so what it signed stays valid. A compromised signer is revoked from a
  stated moment; if it was the current one, a replacement is created unless told otherwise.
- Every change publishes a new trust list (`publish_trust_list`): the next sequence number,
  the signers, the hashes of revoked document serials, signed with the root key, stored in the
  database (what the service serves) and written to DATA/trust-list.cose.

Private keys are only ever read from and written to the data directory (`verifier.keys`
writes them owner-only); only kids are logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import threading
from dataclasses import dataclass

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from registry import audit
from registry.audit import AuditEvent
from registry.codes import ErrorCode
from registry.config import DataDir, Settings
from registry.errors import ConfigError, KeyringError, NotFound
from registry.models import (
    DocumentStatusCode,
    IssuedDocument,
    PlaceName,
    PublishedTrustList,
    RootKey,
    Signer,
)
from verifier import keys as vkeys
from verifier.documents import Bilingual, DocumentType
from verifier.errors import KeyFileError
from verifier.trust import SignerEntry, SignerStatus, TrustList, serial_hash, sign_trust_list

__all__ = [
    "ALL_TYPES",
    "KeyCache",
    "PublishedList",
    "create_root",
    "create_signer",
    "current_signer",
    "latest_trust_list",
    "publish_trust_list",
    "retire_signer",
    "revoke_signer",
    "rotate_signer",
]

log = logging.getLogger(__name__)

ALL_TYPES = frozenset(int(t) for t in DocumentType)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def create_root(session: Session, data: DataDir, *, force: bool = False) -> RootKey:
    """Make the root key (refuses to replace one unless force)."""
    existing = session.execute(select(RootKey).where(RootKey.active)).scalars().all()
    if existing and not force:
        raise KeyringError("a root key exists already; use --force to replace it")
    data.ensure()
    key = vkeys.SigningKey.generate()
    vkeys.save_signing_key(key, data.root_key_path)
    vkeys.save_public_key(key.public, data.root_public_key_path)
    for old in existing:
        old.active = False
    row = RootKey(kid=key.kid.hex(), public_key=key.public.raw, created_at=_now(), active=True)
    session.add(row)
    audit.append(session, AuditEvent.ROOT_CREATED, {"kid": row.kid}, _now())
    log.info("root key %s created", row.kid)
    return row


def _load_root(session: Session, data: DataDir) -> vkeys.SigningKey:
    row = session.execute(select(RootKey).where(RootKey.active)).scalars().first()
    if row is None:
        raise KeyringError("no root key: run `sanad registry keys create-root` first")
    try:
        key = vkeys.load_signing_key(data.root_key_path)
    except KeyFileError as exc:
        raise KeyringError(
            f"the root private key is not in the data directory: {exc}",
            code=ErrorCode.ROOT_KEY_OFFLINE,
        ) from exc
    if key.kid.hex() != row.kid:
        raise KeyringError("the root key file does not match the database's root key")
    return key


def root_public_key(session: Session) -> vkeys.PublicKey:
    row = session.execute(select(RootKey).where(RootKey.active)).scalars().first()
    if row is None:
        raise KeyringError("no root key")
    return vkeys.PublicKey(row.public_key)


def create_signer(
    session: Session,
    data: DataDir,
    settings: Settings,
    *,
    not_before: dt.datetime | None = None,
    window: dt.timedelta | None = None,
) -> Signer:
    """A new active document signer whose window starts at not_before (default now)."""
    start = (not_before or _now()).astimezone(dt.UTC)
    span = window or settings.signing_window
    if span <= dt.timedelta(0):
        raise KeyringError("the signing window must be positive")
    data.ensure()
    key = vkeys.SigningKey.generate()
    kid = key.kid.hex()
    vkeys.save_signing_key(key, data.signer_key_path(kid))
    row = Signer(
        kid=kid,
        public_key=key.public.raw,
        issuer=settings.identity.issuer,
        not_before=start,
        not_after=start + span,
        document_types=",".join(str(t) for t in sorted(ALL_TYPES)),
        status=int(SignerStatus.ACTIVE),
        revoked_at=None,
        created_at=_now(),
    )
    session.add(row)
    audit.append(
        session,
        AuditEvent.SIGNER_CREATED,
        {
            "kid": kid,
            "not_before": row.not_before.isoformat(),
            "not_after": row.not_after.isoformat(),
        },
        _now(),
    )
    log.info("document signer %s created", kid)
    return row


def _signer(session: Session, kid: str) -> Signer:
    rows = session.execute(select(Signer).where(Signer.kid.startswith(kid.lower()))).scalars().all()
    if len(rows) != 1:
        raise NotFound(f"no single signer with kid {kid!r}")
    return rows[0]


def retire_signer(session: Session, kid: str, *, at: dt.datetime | None = None) -> Signer:
    row = _signer(session, kid)
    if row.status == SignerStatus.REVOKED:
        raise KeyringError(f"signer {row.kid} is revoked; it cannot be retired")
    moment = at or _now()
    row.status = int(SignerStatus.RETIRED)
    row.not_after = max(min(row.not_after, moment), row.not_before)
    audit.append(session, AuditEvent.SIGNER_RETIRED, {"kid": row.kid}, _now())
    log.info("document signer %s retired", row.kid)
    return row


def rotate_signer(
    session: Session, data: DataDir, settings: Settings, *, window: dt.timedelta | None = None
) -> Signer:
    """Retire every active signer and make a new one."""
    now = _now()
    for old in session.execute(
        select(Signer).where(Signer.status == int(SignerStatus.ACTIVE))
    ).scalars():
        retire_signer(session, old.kid, at=now)
    return create_signer(session, data, settings, not_before=now, window=window)


def revoke_signer(
    session: Session,
    data: DataDir,
    settings: Settings,
    kid: str,
    *,
    from_: dt.datetime,
    replace: bool = True,
) -> tuple[Signer, Signer | None]:
    """Revoke a compromised signer from a moment; make a replacement if it was current."""
    row = _signer(session, kid)
    was_current = (current := current_signer(session)) is not None and current.kid == row.kid
    row.status = int(SignerStatus.REVOKED)
    row.revoked_at = from_.astimezone(dt.UTC)
    audit.append(
        session,
        AuditEvent.SIGNER_REVOKED,
        {"kid": row.kid, "from": row.revoked_at.isoformat()},
        _now(),
    )
    log.warning("document signer %s revoked from %s", row.kid, row.revoked_at.isoformat())
    replacement = create_signer(session, data, settings) if replace and was_current else None
    return row, replacement


def current_signer(session: Session, at: dt.datetime | None = None) -> Signer | None:
    """The active signer whose window contains `at`, the newest if several."""
    moment = at or dt.datetime.now(dt.UTC)
    return (
        session.execute(
            select(Signer)
            .where(
                Signer.status == int(SignerStatus.ACTIVE),
                Signer.not_before <= moment,
                Signer.not_after >= moment,
            )
            .order_by(Signer.not_before.desc(), Signer.created_at.desc())
        )
        .scalars()
        .first()
    )


class KeyCache:
    """Signer private keys loaded once from the data directory, by kid."""

    def __init__(self, data: DataDir) -> None:
        self.data = data
        self._keys: dict[str, vkeys.SigningKey] = {}
        self._lock = threading.Lock()

    def get(self, kid: str) -> vkeys.SigningKey:
        with self._lock:
            key = self._keys.get(kid)
            if key is None:
                try:
                    key = vkeys.load_signing_key(self.data.signer_key_path(kid))
                except KeyFileError as exc:
                    raise KeyringError(f"signer {kid}'s private key is missing: {exc}") from exc
                if key.kid.hex() != kid:
                    raise KeyringError(f"signer key file {kid} holds another key")
                self._keys[kid] = key
            return key


@dataclass(frozen=True)
class PublishedList:
    sequence: int
    issued_at: dt.datetime
    next_update: dt.datetime
    data: bytes
    etag: str


def _entry(row: Signer) -> SignerEntry:
    return SignerEntry(
        public_key=row.public_key,
        issuer=row.issuer,
        not_before=row.not_before,
        not_after=row.not_after,
        document_types=frozenset(int(t) for t in row.document_types.split(",") if t),
        status=SignerStatus(row.status),
        revoked_at=row.revoked_at,
    )


def publish_trust_list(session: Session, data: DataDir, settings: Settings) -> PublishedList:
    """Build, sign, store and write the next trust list."""
    root = _load_root(session, data)
    now = _now()
    last = session.execute(select(func.max(PublishedTrustList.sequence))).scalar()
    sequence = (last or 0) + 1
    signers = session.execute(select(Signer).order_by(Signer.created_at, Signer.kid)).scalars()
    revoked = session.execute(
        select(IssuedDocument.serial).where(
            IssuedDocument.status == int(DocumentStatusCode.REVOKED),
            IssuedDocument.serial.is_not(None),
        )
    ).scalars()
    places = list(session.execute(select(PlaceName).order_by(PlaceName.code)).scalars())
    trust = TrustList(
        sequence=sequence,
        issued_at=now,
        next_update=now + settings.trust_list_validity,
        authority=settings.identity.authority,
        identity=settings.identity.for_trust_list(),
        signers=tuple(_entry(s) for s in signers),
        revoked_serials=frozenset(serial_hash(s) for s in revoked if s),
        places={p.code: Bilingual(p.name_ar, p.name_latin) for p in places},
    )
    for p in places:
        if p.published_in is None:
            p.published_in = sequence
    blob = sign_trust_list(trust, root)
    etag = f'"{sequence}-{hashlib.sha256(blob).hexdigest()[:16]}"'
    session.add(
        PublishedTrustList(
            sequence=sequence, issued_at=now, next_update=trust.next_update, data=blob, etag=etag
        )
    )
    session.flush()
    audit.append(session, AuditEvent.TRUST_LIST_PUBLISHED, {"sequence": sequence}, now)

    def _write(_: Session) -> None:  # only once the database holds it: no orphan sequence
        try:
            write_file(data.trust_list_path, blob)
        except ConfigError:
            log.error(
                "trust list %d published but %s could not be written",
                sequence,
                data.trust_list_path,
            )

    event.listen(session, "after_commit", _write, once=True)
    log.info("trust list %d published (%d signers)", sequence, len(trust.signers))
    return PublishedList(sequence, now, trust.next_update, blob, etag)


def write_file(path: os.PathLike[str] | str, blob: bytes) -> None:
    """Write atomically (a reader never sees half a trust list)."""
    target = os.fspath(path)
    tmp = f"{target}.tmp-{os.getpid()}-{threading.get_ident()}"
    try:
        with open(tmp, "wb") as f:
            f.write(blob)
        os.replace(tmp, target)
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror}") from exc


def latest_trust_list(session: Session) -> PublishedList | None:
    row = (
        session.execute(select(PublishedTrustList).order_by(PublishedTrustList.sequence.desc()))
        .scalars()
        .first()
    )
    if row is None:
        return None
    return PublishedList(row.sequence, row.issued_at, row.next_update, row.data, row.etag)
