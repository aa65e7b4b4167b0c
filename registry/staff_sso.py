"""Staff sign-in through a ministry's identity provider, in the database: the attempts on their
way to the provider and back, and the accounts its identities are linked to.

`begin_attempt` stores a new attempt (state, nonce, PKCE verifier) under the SHA-256 of a
random id the browser keeps in a cookie; `take_attempt` gives it back once and deletes it, so
a callback replayed, or arriving in another browser, or after `ATTEMPT_TTL`, finds nothing.

`sign_in_external` takes the identity the provider vouched for (`staff_auth.ExternalIdentity`,
already verified by `registry.office.oidc`) and the configured `IdpMapping`:

* the claims must grant a role (`staff_auth.map_identity`: a mapped group, and a second
  factor when `require_mfa`), at every sign-in, so someone taken out of the group at the
  provider can no longer sign in;
* an (issuer, subject) seen before signs in to its linked account; a disabled or locked
  account stays refused; a role or office the groups now map differently is updated
  (`staff_role_changed`, by "oidc:<issuer>");
* a first sign-in creates the account with the mapped role and office (`staff_added`, by
  "oidc:<issuer>"), a user name from `preferred_username` (or the e-mail's local part) with a
  suffix if taken, never linked to an existing password account by its name; its password
  and TOTP secret are random and shown to nobody (an administrator's reset gives it both);
* then the same server-side session as a password sign-in (`staff.open_session`: a new id,
  `staff_signed_in` with `via`).

It does not speak HTTP or OIDC and sets no cookie.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from registry import audit
from registry import staff as accounts
from registry.admin_refusals import AdminInvalid
from registry.audit import AuditEvent
from registry.models import Office, StaffIdentity, StaffMember, StaffSignInAttempt
from registry.office import staff_auth
from registry.office.declarations import Role
from registry.office.errors import Refusal

__all__ = [
    "ATTEMPT_TTL",
    "DISABLED",
    "MAPPING_INVALID",
    "Attempt",
    "begin_attempt",
    "sign_in_external",
    "take_attempt",
]

ATTEMPT_TTL = dt.timedelta(minutes=10)

DISABLED = Refusal(
    "staff_disabled",
    "هذا الحساب معطّل في السجل المدني: راجع مدير النظام.",
    "This account is disabled in the civil registry: ask an administrator.",
)
MAPPING_INVALID = Refusal(
    "idp_mapping_invalid",
    "يربط إعداد مزوّد الهوية مجموعتك بمكتب غير موجود أو مغلق: راجع مدير النظام.",
    "The identity provider's settings map your group to an office that does not exist or is"
    " closed: ask an administrator.",
)


@dataclass(frozen=True)
class Attempt:
    state: str
    nonce: str
    code_verifier: str


def _hash(attempt_id: str) -> str:
    return hashlib.sha256(attempt_id.encode("ascii", "replace")).hexdigest()


def begin_attempt(s: Session, now: dt.datetime) -> tuple[str, Attempt]:
    """A new attempt: the id for the browser's cookie, and what the provider is sent."""
    s.execute(delete(StaffSignInAttempt).where(StaffSignInAttempt.created_at <= now - ATTEMPT_TTL))
    attempt_id = staff_auth.new_session_id()
    # RFC 7636 §4.1: a verifier of 43 to 128 unreserved characters; 64 here (384 bits)
    attempt = Attempt(
        secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    )
    s.add(
        StaffSignInAttempt(
            id_hash=_hash(attempt_id),
            state=attempt.state,
            nonce=attempt.nonce,
            code_verifier=attempt.code_verifier,
            created_at=now,
        )
    )
    return attempt_id, attempt


def take_attempt(s: Session, attempt_id: str | None, now: dt.datetime) -> Attempt | None:
    """The browser's attempt, deleted as it is read (None: none, used, or expired)."""
    if not attempt_id or len(attempt_id) > 100:
        return None
    key = _hash(attempt_id)
    row = s.get(StaffSignInAttempt, key)
    if row is None:
        return None
    attempt = Attempt(row.state, row.nonce, row.code_verifier)
    created = row.created_at
    s.expunge(row)
    # the DELETE decides: of two callbacks racing with one cookie, one deletes the row and
    # the other deletes nothing (it waited for the first to commit) and gets None
    gone = s.execute(delete(StaffSignInAttempt).where(StaffSignInAttempt.id_hash == key))
    if getattr(gone, "rowcount", 0) != 1 or now - created >= ATTEMPT_TTL:
        return None
    return attempt


def _text(claims: dict[str, object], *keys: str) -> str | None:
    for key in keys:
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:160]
    return None


def _free_username(s: Session, identity: staff_auth.ExternalIdentity) -> str:
    claims = dict(identity.claims)
    raw = _text(claims, "preferred_username") or (_text(claims, "email") or "").split("@")[0]
    base = "".join(ch for ch in raw.lower() if ch in accounts.USERNAME_CHARS)[:56].strip(".-_")
    digest = hashlib.sha256(f"{identity.issuer}\n{identity.subject}".encode()).hexdigest()
    if len(base) < 2:
        base = f"sso.{digest[:10]}"
    taken = set(
        s.execute(select(StaffMember.username).where(StaffMember.username.startswith(base)))
        .scalars()
        .all()
    )
    if base not in taken:
        return base
    for n in range(2, 100):
        if f"{base}-{n}" not in taken:
            return f"{base}-{n}"
    return f"sso.{digest[:16]}"


def _office_open(s: Session, code: str | None) -> bool:
    if code is None:
        return True
    row = s.get(Office, code)
    return row is not None and row.closed_at is None


def sign_in_external(
    s: Session,
    identity: staff_auth.ExternalIdentity,
    mapping: staff_auth.IdpMapping,
    *,
    policy: staff_auth.PasswordPolicy,
    seal: accounts.SecretSeal,
    now: dt.datetime,
    purge_after: staff_auth.SessionPolicy,
) -> accounts.SignedIn:
    """The session for a verified identity (see the module's docstring); raises
    `staff.SignInRefused` with the bilingual reason."""
    grant = staff_auth.map_identity(identity, mapping)
    if isinstance(grant, Refusal):
        raise accounts.SignInRefused(grant, status=403)
    by = f"oidc:{identity.issuer}"
    link = s.get(StaffIdentity, (identity.issuer, identity.subject))
    if link is None:
        row = _create(s, identity, grant, policy=policy, seal=seal, by=by, now=now)
    else:
        found = s.get(StaffMember, link.staff_id)
        assert found is not None  # the foreign key cascades
        row = found
        if row.disabled_at is not None:
            raise accounts.SignInRefused(DISABLED, status=403)
        if row.locked_at is not None:
            locked = staff_auth.AttemptVerdict(staff_auth.Attempt.LOCKED).refusal
            assert locked is not None
            raise accounts.SignInRefused(locked, status=423)
        if (row.role, row.office) != (grant.role.value, grant.office):
            if not _office_open(s, grant.office):
                raise accounts.SignInRefused(MAPPING_INVALID, status=403)
            row.role, row.office = grant.role.value, grant.office
            audit.append(
                s,
                AuditEvent.STAFF_ROLE_CHANGED,
                {"by": by, "staff": row.username, "role": grant.role.value, "office": grant.office},
                now,
            )
        link.last_sign_in_at = now
    return accounts.open_session(s, row, now, purge_after, via=by)


def _create(
    s: Session,
    identity: staff_auth.ExternalIdentity,
    grant: staff_auth.StaffGrant,
    *,
    policy: staff_auth.PasswordPolicy,
    seal: accounts.SecretSeal,
    by: str,
    now: dt.datetime,
) -> StaffMember:
    claims = dict(identity.claims)
    username = _free_username(s, identity)
    fallback = _text(claims, "name") or username
    try:
        creds = accounts.add_staff(
            s,
            policy,
            username=username,
            name_ar=_text(claims, "name#ar") or fallback,
            name_en=_text(claims, "name#en") or fallback,
            role=Role(grant.role),
            office=grant.office,
            password=None,
            by=by,
            at=now,
            seal=seal,
        )
    except AdminInvalid as exc:
        raise accounts.SignInRefused(MAPPING_INVALID, status=403) from exc
    s.add(
        StaffIdentity(
            issuer=identity.issuer,
            subject=identity.subject,
            staff_id=creds.staff.id,
            created_at=now,
            last_sign_in_at=now,
        )
    )
    row = s.get(StaffMember, creds.staff.id)
    assert row is not None
    return row
