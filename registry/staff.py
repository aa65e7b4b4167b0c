"""Staff accounts and sessions in the database: what the CLI and the office app call.

The rules are `registry.office.staff_auth`'s (password policy, Argon2id, TOTP with replay
refusal, the lockout counter, session timeouts, CSRF tokens); this module keeps their state in
the `staff` and `staff_sessions` tables and writes an audit entry for every change, naming the
staff member (or `cli`) who made it.

Sign-in (`sign_in`) checks, in order: the account may try now (not locked, not inside its
wait), the password (an unknown user name costs the same Argon2id work), the TOTP code (a step
at or before the last accepted one is a replay). Every failure, whichever factor it was,
counts once and answers with the same `BAD_CREDENTIALS` refusal; the tenth locks the account
until an administrator resets it. Success clears the count, stores the step and creates a new
session with a fresh id (a session id set before sign-in is never the one after).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import nacl.exceptions
import nacl.secret
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from registry import admin_refusals as no
from registry import audit
from registry.admin_refusals import AdminConflict, AdminInvalid, AdminNotFound
from registry.audit import AuditEvent
from registry.config import ThrottlePolicy
from registry.errors import InvalidInput, Refused
from registry.models import Office, StaffMember, StaffSession
from registry.office import staff_auth
from registry.office.declarations import Role, Staff
from registry.office.errors import Refusal

__all__ = [
    "BAD_CREDENTIALS",
    "Credentials",
    "SecretSeal",
    "SignInRefused",
    "SignedIn",
    "StaffView",
    "add_staff",
    "demo_totp",
    "disable_staff",
    "find",
    "list_staff",
    "new_password",
    "open_session",
    "purge_sessions",
    "reset_staff",
    "resolve_session",
    "sign_in",
    "sign_out",
    "unlock_staff",
]

ISSUER = "Sanad office"
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")

BAD_CREDENTIALS = Refusal(
    "staff_bad_credentials",
    "اسم المستخدم أو كلمة المرور أو رمز التحقق غير صحيح.",
    "The user name, password or verification code is not right.",
)


class SignInRefused(Exception):
    """A refused sign-in: `refusal` says why (uniform unless locked or throttled)."""

    def __init__(self, refusal: Refusal, *, status: int = 401, retry_after: float = 0) -> None:
        super().__init__(refusal.en)
        self.refusal = refusal
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class StaffView:
    """A staff member as pages show them (never their hash or secret)."""

    id: int
    username: str
    name_ar: str
    name_en: str
    role: Role
    office: str | None
    disabled: bool
    locked: bool
    demo: bool

    @property
    def staff(self) -> Staff:
        """The value `declarations.can` answers for."""
        return Staff(str(self.id), self.role, self.office, active=not self.disabled)

    @classmethod
    def of(cls, row: StaffMember) -> StaffView:
        return cls(
            id=row.id,
            username=row.username,
            name_ar=row.name_ar,
            name_en=row.name_en,
            role=Role(row.role),
            office=row.office,
            disabled=row.disabled_at is not None,
            locked=row.locked_at is not None,
            demo=row.demo,
        )


@dataclass(frozen=True)
class Credentials:
    """What `add_staff` and `reset_staff` give once: the password (None if the caller chose
    it) and the TOTP provisioning URI to scan."""

    staff: StaffView
    password: str | None
    totp_uri: str


@dataclass(frozen=True)
class SignedIn:
    session_id: str  # the cookie's value or the bearer token: shown once, stored hashed
    staff: StaffView
    csrf_key: bytes


class SecretSeal:
    """TOTP secrets at rest: XSalsa20-Poly1305 (libsodium's secretbox) under a 32-byte key
    kept in the data directory (`DataDir.staff_secret_key`), so a copy of the database
    alone does not give anyone the staff's second factors."""

    PREFIX = "sb1:"

    def __init__(self, key: bytes) -> None:
        self._box = nacl.secret.SecretBox(key)

    def seal(self, secret: str) -> str:
        sealed = self._box.encrypt(secret.encode("ascii"))
        return self.PREFIX + base64.urlsafe_b64encode(bytes(sealed)).decode("ascii")

    def open(self, stored: str) -> str:
        if not stored.startswith(self.PREFIX):
            raise Refused("the stored second factor is not sealed: reset the account")
        try:
            raw = base64.urlsafe_b64decode(stored[len(self.PREFIX) :])
            return self._box.decrypt(raw).decode("ascii")
        except (ValueError, nacl.exceptions.CryptoError):
            raise Refused(
                "the stored second factor does not open with this data directory's key"
            ) from None


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


def _username(text: str) -> str:
    name = text.strip().lower()
    if not 2 <= len(name) <= 64 or not set(name) <= USERNAME_CHARS:
        raise AdminInvalid(no.USERNAME_INVALID)
    return name


def _office_for(s: Session, role: Role, office: str | None) -> str | None:
    """The office code a role's account carries: an open office for clerks and registrars,
    none for supervisors and administrators."""
    code = office.strip().upper() if office and office.strip() else None
    bound = role in (Role.CLERK, Role.REGISTRAR)  # as `declarations.Staff` requires
    if bound and code is None:
        raise AdminInvalid(no.OFFICE_REQUIRED)
    if not bound and code is not None:
        raise AdminInvalid(no.OFFICE_NOT_ALLOWED)
    if code is not None:
        row = s.get(Office, code[:8])
        if row is None or row.closed_at is not None:
            raise AdminInvalid(no.UNKNOWN_OFFICE)
    return code


def new_password(policy: staff_auth.PasswordPolicy) -> str:
    """A random initial password the policy accepts (24 URL-safe characters, 144 bits)."""
    while True:
        candidate = secrets.token_urlsafe(18)
        if not staff_auth.check_password(policy, candidate):
            return candidate


def _checked(policy: staff_auth.PasswordPolicy, password: str, context: list[str]) -> str:
    problems = staff_auth.check_password(policy, password, context=context)
    if problems:
        raise InvalidInput(" ".join(p.en for p in problems))
    return staff_auth.hash_password(policy, password)


def find(s: Session, username: str) -> StaffMember:
    name = username.strip().lower()
    if not 0 < len(name) <= 64 or not set(name) <= USERNAME_CHARS:  # no NUL reaches PostgreSQL
        raise AdminNotFound(no.NO_SUCH_STAFF)
    row = s.execute(select(StaffMember).where(StaffMember.username == name)).scalar_one_or_none()
    if row is None:
        raise AdminNotFound(no.NO_SUCH_STAFF)
    return row


def add_staff(
    s: Session,
    policy: staff_auth.PasswordPolicy,
    *,
    username: str,
    name_ar: str,
    name_en: str,
    role: Role,
    office: str | None,
    password: str | None,
    by: str,
    at: dt.datetime,
    seal: SecretSeal,
    demo: bool = False,
) -> Credentials:
    """Create an account with a TOTP secret; a random password unless one is given."""
    name = _username(username)
    if not 0 < len(name_ar.strip()) <= 160 or not 0 < len(name_en.strip()) <= 160:
        raise AdminInvalid(no.NAMES_REQUIRED)
    office = _office_for(s, role, office)
    if s.execute(select(StaffMember.id).where(StaffMember.username == name)).first():
        raise AdminConflict(no.USERNAME_TAKEN)
    chosen = password is None
    password = password if password is not None else new_password(policy)
    secret = staff_auth.new_totp_secret()
    row = StaffMember(
        username=name,
        name_ar=name_ar.strip(),
        name_en=name_en.strip(),
        role=role.value,
        office=office,
        password_hash=_checked(policy, password, [name, name_ar, name_en]),
        totp_secret=seal.seal(secret),
        failures=0,
        demo=demo,
        created_at=at,
        created_by=by[:64],  # the audit entry keeps `by` whole (an issuer URL may be longer)
    )
    s.add(row)
    s.flush()
    audit.append(
        s,
        AuditEvent.STAFF_ADDED,
        {"by": by, "staff": name, "role": role.value, "office": office, "demo": demo},
        at,
    )
    uri = staff_auth.totp_uri(secret, account=name, issuer=ISSUER)
    return Credentials(StaffView.of(row), password if chosen else None, uri)


def list_staff(s: Session) -> list[StaffView]:
    rows = s.execute(select(StaffMember).order_by(StaffMember.username)).scalars()
    return [StaffView.of(r) for r in rows]


def disable_staff(s: Session, username: str, *, by: str, at: dt.datetime) -> StaffView:
    """Disable an account and end its sessions at once. Nobody disables their own account,
    and the last active administrator stays (the active administrators' rows are locked
    first, so two administrators disabling each other at once cannot both succeed)."""
    row = find(s, username)
    if row.username == by:
        raise AdminConflict(no.OWN_ACCOUNT)
    if row.role == Role.ADMINISTRATOR.value and row.disabled_at is None:
        active = s.execute(
            select(StaffMember.id)
            .where(
                StaffMember.role == Role.ADMINISTRATOR.value,
                StaffMember.disabled_at.is_(None),
                StaffMember.locked_at.is_(None),
            )
            .order_by(StaffMember.id)  # one locking order: two such calls cannot deadlock
            .with_for_update()
        ).all()
        if not any(i != row.id for (i,) in active):
            raise AdminConflict(no.LAST_ADMINISTRATOR)
    if row.disabled_at is None:
        row.disabled_at = at
    s.execute(delete(StaffSession).where(StaffSession.staff_id == row.id))
    audit.append(s, AuditEvent.STAFF_DISABLED, {"by": by, "staff": row.username}, at)
    return StaffView.of(row)


def reset_staff(
    s: Session,
    policy: staff_auth.PasswordPolicy,
    username: str,
    *,
    password: str | None,
    by: str,
    at: dt.datetime,
    seal: SecretSeal,
) -> Credentials:
    """A new password and TOTP secret; lifts a lock and a disablement, ends every session."""
    row = find(s, username)
    chosen = password is None
    password = password if password is not None else new_password(policy)
    row.password_hash = _checked(policy, password, [row.username, row.name_ar, row.name_en])
    secret = staff_auth.new_totp_secret()
    row.totp_secret = seal.seal(secret)
    row.last_totp_step = None
    row.failures, row.last_failure_at, row.locked_at = 0, None, None
    row.disabled_at = None
    s.execute(delete(StaffSession).where(StaffSession.staff_id == row.id))
    audit.append(s, AuditEvent.STAFF_RESET, {"by": by, "staff": row.username}, at)
    uri = staff_auth.totp_uri(secret, account=row.username, issuer=ISSUER)
    return Credentials(StaffView.of(row), password if chosen else None, uri)


def unlock_staff(s: Session, username: str, *, by: str, at: dt.datetime) -> StaffView:
    """Lift a lock (and the failure count) without changing the password or second factor:
    for an owner who still has both and mistyped too often."""
    row = find(s, username)
    if row.locked_at is None and not row.failures:
        raise AdminConflict(no.NOT_LOCKED)
    row.failures, row.last_failure_at, row.locked_at = 0, None, None
    audit.append(s, AuditEvent.STAFF_UNLOCKED, {"by": by, "staff": row.username}, at)
    return StaffView.of(row)


def demo_totp(s: Session, username: str, at: dt.datetime, *, seal: SecretSeal) -> str:
    """The current code of a demo account (refused for every other account)."""
    row = find(s, username)
    if not row.demo:
        raise Refused(f"{row.username} is not a demo account: its code is on its owner's phone")
    return staff_auth.totp_code(seal.open(row.totp_secret), at)


def _counter(row: StaffMember) -> staff_auth.LoginCounter:
    return staff_auth.LoginCounter(row.failures, row.last_failure_at, row.locked_at)


def _fail(s: Session, row: StaffMember, throttle: ThrottlePolicy, now: dt.datetime) -> None:
    was_locked = row.locked_at is not None
    c = staff_auth.record_failure(throttle, _counter(row), now)
    row.failures, row.last_failure_at, row.locked_at = c.failures, c.last_failure_at, c.locked_at
    if row.locked_at is not None and not was_locked:
        audit.append(
            s, AuditEvent.STAFF_LOCKED, {"staff": row.username, "failures": row.failures}, now
        )


def sign_in(
    s: Session,
    throttle: ThrottlePolicy,
    *,
    username: str,
    password: str,
    code: str,
    now: dt.datetime,
    seal: SecretSeal,
    purge_after: staff_auth.SessionPolicy,
) -> SignedIn:
    """Check both factors and open a session (a new id), forgetting every session idle past
    `purge_after`'s timeout. Raises `SignInRefused`; the caller commits the session even
    then, so the failure is counted."""
    name = username.strip().lower()
    row = (
        s.execute(select(StaffMember).where(StaffMember.username == name)).scalar_one_or_none()
        if 0 < len(name) <= 64 and set(name) <= USERNAME_CHARS  # no NUL reaches PostgreSQL
        else None
    )
    if row is not None:
        verdict = staff_auth.attempt_verdict(throttle, _counter(row), now)
        if verdict.refusal is not None:
            locked = verdict.attempt is staff_auth.Attempt.LOCKED
            raise SignInRefused(
                verdict.refusal, status=423 if locked else 429, retry_after=verdict.retry_after
            )
    password_ok = staff_auth.verify_password(row.password_hash if row else None, password)
    if row is None or row.disabled_at is not None:
        raise SignInRefused(BAD_CREDENTIALS)
    secret = seal.open(row.totp_secret)
    totp = staff_auth.verify_totp(secret, code, at=now, last_step=row.last_totp_step)
    if not (password_ok and totp.accepted):
        _fail(s, row, throttle, now)
        raise SignInRefused(BAD_CREDENTIALS)
    c = staff_auth.record_success(_counter(row))
    row.failures, row.last_failure_at, row.locked_at = c.failures, c.last_failure_at, c.locked_at
    row.last_totp_step = totp.step
    return open_session(s, row, now, purge_after)


def open_session(
    s: Session,
    row: StaffMember,
    now: dt.datetime,
    purge_after: staff_auth.SessionPolicy,
    *,
    via: str | None = None,
) -> SignedIn:
    """A new session (a fresh id) for an account whose sign-in succeeded, audited; `via`
    names an identity provider that vouched for it (`registry.staff_sso`)."""
    purge_sessions(s, purge_after, now)
    session_id = staff_auth.new_session_id()
    key = secrets.token_bytes(32)
    s.add(
        StaffSession(
            id_hash=_hash(session_id),
            staff_id=row.id,
            created_at=now,
            last_seen_at=now,
            csrf_key=key,
        )
    )
    data = {"staff": row.username, **({"via": via} if via else {})}
    audit.append(s, AuditEvent.STAFF_SIGNED_IN, data, now)
    return SignedIn(session_id, StaffView.of(row), key)


def resolve_session(
    s: Session, policy: staff_auth.SessionPolicy, session_id: str | None, now: dt.datetime
) -> SignedIn | None:
    """The session's staff member if it is still good (its last-seen time moves on), else
    None (an expired one is deleted)."""
    if not session_id or len(session_id) > 200:
        return None
    row = s.get(StaffSession, _hash(session_id))
    if row is None:
        return None
    verdict = staff_auth.session_verdict(
        policy, created_at=row.created_at, last_seen_at=row.last_seen_at, now=now
    )
    member = s.get(StaffMember, row.staff_id)
    if verdict is not staff_auth.SessionVerdict.ACTIVE or member is None or member.disabled_at:
        s.delete(row)
        return None
    row.last_seen_at = now
    return SignedIn(session_id, StaffView.of(member), row.csrf_key)


def sign_out(s: Session, session_id: str | None, now: dt.datetime) -> bool:
    if not session_id:
        return False
    row = s.get(StaffSession, _hash(session_id))
    if row is None:
        return False
    member = s.get(StaffMember, row.staff_id)
    s.delete(row)
    if member is not None:
        audit.append(s, AuditEvent.STAFF_SIGNED_OUT, {"staff": member.username}, now)
    return True


def purge_sessions(s: Session, policy: staff_auth.SessionPolicy, now: dt.datetime) -> None:
    """Forget sessions idle past the timeout (the absolute one is checked on use)."""
    s.execute(delete(StaffSession).where(StaffSession.last_seen_at <= now - policy.idle_timeout))
