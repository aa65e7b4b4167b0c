"""Citizen login (national ID or ID card, plus PIN), throttling, and kiosk-bound sessions.

One login is three steps, so the slow Argon2id check (~75 ms) never holds a database lock:

1. In a short transaction, with the kiosk row and then the credential row locked: refuse if
   the kiosk has used up its failure budget, if the account is locked, or if the growing delay
   since the last failure has not passed; otherwise charge this attempt in advance, as a
   failure, to the kiosk's budget and to the citizen's counter (so concurrent guesses can
   never exceed either bound, however many are in flight), and note the stored hash.
2. Verify the PIN outside any transaction (and, for a demo-cost hash, compute the production
   hash of the now-known-good PIN).
3. In a second transaction: on success refund the kiosk's charge, reset the counter, upgrade
   the hash if needed and open a session; on failure lock the account at the bound.

Every transaction that takes both locks takes them in the same order (kiosk, then credential),
so logins cannot deadlock one another; a serialization failure or deadlock the database still
reports (SQLSTATE 40001, 40P01) runs the step again (`Database.transact`) instead of answering
503, so the answer never depends on whether the PIN was right except through its own words.

Session tokens are 256-bit random strings, stored only as SHA-256 hashes, bound to the kiosk
that logged in and short-lived (sliding expiry). The token, the PIN and the national ID are
never logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from registry import pins
from registry.codes import ErrorCode
from registry.config import Settings
from registry.db import Database
from registry.errors import InvalidCredentials, InvalidInput, Locked, SessionInvalid, Throttled
from registry.models import CitizenSession, Credential, Death, Kiosk, Person
from verifier import national_id

__all__ = [
    "Identified",
    "LoginResult",
    "check_pin",
    "check_session",
    "check_token",
    "login",
    "logout",
    "open_session",
    "resolve_session",
    "token_hash",
    "unlock",
    "validate_national_id",
]

log = logging.getLogger(__name__)
T = TypeVar("T")
_CARD_MAX = 64


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: dt.datetime
    person_id: int
    name_ar: str
    name_latin: str | None


def validate_national_id(text: str) -> str:
    """The normalised national ID, or InvalidInput (check digit, length, digits)."""
    nid = national_id.normalise(text) if isinstance(text, str) else ""
    if not national_id.is_valid(nid):
        raise InvalidInput(
            "not a valid national number (ten digits, the last a check digit)",
            code=ErrorCode.INVALID_NATIONAL_ID,
        )
    return nid


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _kiosk_budget(kiosk: Kiosk, settings: Settings, now: dt.datetime) -> None:
    policy = settings.throttle
    start = kiosk.fail_window_start
    if (
        start is not None
        and now - start < policy.kiosk_window
        and kiosk.fail_window_count >= policy.kiosk_max_failures
    ):
        retry = (start + policy.kiosk_window - now).total_seconds()
        log.warning("kiosk %s throttled after %d failed logins", kiosk.id, kiosk.fail_window_count)
        raise Throttled(
            "too many failed logins from this kiosk",
            retry_after=max(1.0, retry),
            code=ErrorCode.KIOSK_THROTTLED,
        )


def _charge_kiosk(kiosk: Kiosk, settings: Settings, now: dt.datetime) -> dt.datetime:
    """Count one attempt against the kiosk's budget; the start of the window it counts in."""
    start = kiosk.fail_window_start
    if start is None or now - start >= settings.throttle.kiosk_window:
        kiosk.fail_window_start, kiosk.fail_window_count = now, 1
        return now
    kiosk.fail_window_count += 1
    return start


def _find_person(session: Session, nid: str | None, card: str | None) -> Person | None:
    if nid is not None:
        return session.execute(select(Person).where(Person.national_id == nid)).scalar_one_or_none()
    assert card is not None
    scanned = card.strip()
    # a card whose scan is the national number itself, or the card's own number
    digits = national_id.normalise(scanned)
    if national_id.is_valid(digits):
        return session.execute(
            select(Person).where(Person.national_id == digits)
        ).scalar_one_or_none()
    return session.execute(
        select(Person).where(Person.card_number == scanned.upper())
    ).scalar_one_or_none()


@dataclass(frozen=True)
class Identified:
    """Who a right PIN belongs to."""

    person_id: int
    name_ar: str
    name_latin: str | None


@dataclass(frozen=True)
class _Admitted:
    """An attempt step 1 let through, charged to the citizen and to the kiosk."""

    person_id: int
    stored: str
    name_ar: str
    name_latin: str | None
    kiosk_window: dt.datetime  # the kiosk's window this attempt was charged to (for a refund)


def _admit(
    s: Session,
    settings: Settings,
    kiosk_id: str,
    nid: str | None,
    card: str | None,
    moment: dt.datetime,
    channel_budget: bool = True,
) -> _Admitted | None:
    """Step 1, in one transaction: decide whether this attempt may run and charge it in
    advance to the kiosk's budget and the citizen's counter (None: an unknown citizen or one
    without a PIN, charged to the kiosk). Locks the kiosk row, then the credential row: the
    order every login transaction takes them in."""
    policy = settings.throttle
    kiosk = None
    if channel_budget:
        kiosk = s.execute(select(Kiosk).where(Kiosk.id == kiosk_id).with_for_update()).scalar_one()
        _kiosk_budget(kiosk, settings, moment)
    person = _find_person(s, nid, card)
    cred = None
    if person is not None:
        dead = s.execute(select(Death.id).where(Death.person_id == person.id)).first()
        if dead is None:
            cred = s.execute(
                select(Credential).where(Credential.person_id == person.id).with_for_update()
            ).scalar_one_or_none()
    if person is None or cred is None:
        if kiosk is not None:
            _charge_kiosk(kiosk, settings, moment)
        return None
    if cred.locked_at is not None or cred.failures >= policy.max_failures:
        log.info("login refused at kiosk %s: account locked", kiosk_id)
        raise Locked("too many wrong PINs: the account is locked")
    wait = policy.delay_after(cred.failures)
    if cred.last_failure_at is not None and wait > 0:
        ready = cred.last_failure_at + dt.timedelta(seconds=wait)
        if moment < ready:
            raise Throttled(
                "wait before trying again",
                retry_after=max(0.001, (ready - moment).total_seconds()),
                tries_remaining=policy.max_failures - cred.failures,
            )
    window = _charge_kiosk(kiosk, settings, moment) if kiosk is not None else moment
    cred.failures += 1
    cred.last_failure_at = moment
    return _Admitted(person.id, cred.pin_hash, person.name_ar, person.name_latin, window)


def login(
    db: Database,
    settings: Settings,
    kiosk_id: str,
    *,
    pin: str,
    national_id_text: str | None = None,
    card: str | None = None,
    now: dt.datetime | None = None,
) -> LoginResult:
    """A kiosk's sign-in: the PIN checked (`check_pin`), then a session bound to the kiosk."""
    moment = now or dt.datetime.now(dt.UTC)
    (token, expires), who = check_pin(
        db,
        settings,
        kiosk_id,
        pin=pin,
        national_id_text=national_id_text,
        card=card,
        now=moment,
        then=lambda s, person_id: open_session(s, person_id, kiosk_id, settings, moment),
    )
    log.info("citizen logged in at kiosk %s", kiosk_id)
    return LoginResult(token, expires, who.person_id, who.name_ar, who.name_latin)


def open_session(
    s: Session, person_id: int, channel_id: str, settings: Settings, moment: dt.datetime
) -> tuple[str, dt.datetime]:
    """A new session for this citizen bound to this channel: (token, expiry)."""
    token = secrets.token_urlsafe(32)
    expires = moment + settings.session_ttl
    s.execute(delete(CitizenSession).where(CitizenSession.expires_at < moment))
    s.add(
        CitizenSession(
            token_hash=_token_hash(token),
            person_id=person_id,
            kiosk_id=channel_id,
            created_at=moment,
            expires_at=expires,
        )
    )
    return token, expires


def check_pin(
    db: Database,
    settings: Settings,
    channel_id: str,
    *,
    pin: str,
    national_id_text: str | None = None,
    card: str | None = None,
    now: dt.datetime,
    then: Callable[[Session, int], T],
    channel_budget: bool = True,
) -> tuple[T, Identified]:
    """The three steps of the module docstring for one PIN attempt on a channel (a kiosk's
    or the portal's budget): on success `then(session, person_id)` runs in the step-3
    transaction (open a session, send a one-time code) and its result is returned with who
    it was; on failure InvalidCredentials / Locked / Throttled. `channel_budget=False` (the
    portal: one channel for every citizen on the internet) charges the citizen's counter only,
    so strangers' guesses cannot lock everyone out, and takes no lock on the channel's row."""
    if (national_id_text is None) == (card is None):
        raise InvalidInput("give either a national ID or a scanned card, not both")
    nid = validate_national_id(national_id_text) if national_id_text is not None else None
    if card is not None and not 1 <= len(card.strip()) <= _CARD_MAX:
        raise InvalidInput("the scanned card text is empty or too long")
    if not pins.is_valid_pin(pin):
        raise InvalidInput("a PIN is 4 to 8 digits")
    policy = settings.throttle
    moment = now

    # step 1: decide whether this attempt may run, and charge it in advance
    admitted = db.transact(
        lambda s: _admit(s, settings, channel_id, nid, card, moment, channel_budget)
    )
    if admitted is None:
        log.info("PIN refused on channel %s: unknown citizen or no PIN", channel_id)
        raise InvalidCredentials("unknown national number or PIN")
    stored, person_id = admitted.stored, admitted.person_id

    # step 2: the slow part, outside any transaction
    ok = pins.verify_pin(stored, pin)
    upgraded = None
    if ok and pins.needs_rehash(
        stored, opslimit=settings.pin_opslimit, memlimit=settings.pin_memlimit
    ):
        upgraded = pins.hash_pin(
            pin, opslimit=settings.pin_opslimit, memlimit=settings.pin_memlimit
        )

    # step 3: settle the attempt (the same lock order: kiosk, then credential)
    if not ok:

        def settle_failure(s: Session) -> int:
            cred = s.execute(
                select(Credential).where(Credential.person_id == person_id).with_for_update()
            ).scalar_one()
            if cred.failures >= policy.max_failures and cred.locked_at is None:
                cred.locked_at = moment
                log.warning(
                    "citizen account locked after %d failures (channel %s)",
                    cred.failures,
                    channel_id,
                )
            return max(0, policy.max_failures - cred.failures)

        remaining = db.transact(settle_failure)
        if remaining == 0:
            raise Locked("too many wrong PINs: the account is locked")
        log.info("wrong PIN on channel %s (%d tries remain)", channel_id, remaining)
        raise InvalidCredentials("wrong national number or PIN", tries_remaining=remaining)

    def settle_success(s: Session) -> T:
        if channel_budget:
            kiosk = s.execute(
                select(Kiosk).where(Kiosk.id == channel_id).with_for_update()
            ).scalar_one()
            if kiosk.fail_window_start == admitted.kiosk_window and kiosk.fail_window_count > 0:
                kiosk.fail_window_count -= 1  # the right PIN: refund the kiosk's charge
        cred = s.execute(
            select(Credential).where(Credential.person_id == person_id).with_for_update()
        ).scalar_one()
        cred.failures, cred.last_failure_at = 0, None
        if upgraded is not None and cred.pin_hash == stored:
            cred.pin_hash = upgraded
        return then(s, person_id)

    result = db.transact(settle_success)
    return result, Identified(person_id, admitted.name_ar, admitted.name_latin)


def token_hash(token: str | None) -> str:
    """How a session token is stored and looked up (SHA-256 hex; "" for none: matches none)."""
    return _token_hash(token) if token else ""


def check_token(token: str | None) -> str:
    """The token of a request, if it can be one (pure; before or without any lookup)."""
    if token is None:
        raise SessionInvalid("no session token (Authorization: Bearer ...)")
    if not token or len(token) > 128:
        raise SessionInvalid("no session token")
    return token


def check_session(
    found: tuple[str, dt.datetime] | None,
    kiosk_id: str,
    settings: Settings,
    now: dt.datetime,
) -> bool:
    """The checks of a session on what the database holds for its token: (the kiosk it
    belongs to, its expiry), or None for no such session. Pure: `resolve_session` and the issue
    path both call it. True when the sliding expiry is due to be extended."""
    if found is None or found[1] <= now:
        raise SessionInvalid("the session has expired or ended")
    if found[0] != kiosk_id:
        log.warning("session token of another kiosk presented by kiosk %s", kiosk_id)
        raise SessionInvalid("this session belongs to another kiosk")
    return found[1] - now < settings.session_ttl / 2


def resolve_session(
    session: Session, token: str | None, kiosk_id: str, settings: Settings, now: dt.datetime
) -> int:
    """The person id behind a session token used by the kiosk it belongs to."""
    digest = _token_hash(check_token(token))
    row = session.execute(
        select(CitizenSession.person_id, CitizenSession.kiosk_id, CitizenSession.expires_at).where(
            CitizenSession.token_hash == digest
        )
    ).first()
    found = (row.kiosk_id, row.expires_at) if row is not None else None
    extend = check_session(found, kiosk_id, settings, now)
    assert row is not None  # check_session refuses a missing session
    if extend:
        session.execute(
            update(CitizenSession)
            .where(CitizenSession.token_hash == digest)
            .values(expires_at=now + settings.session_ttl)
        )
    return int(row.person_id)


def logout(session: Session, token: str, kiosk_id: str) -> None:
    session.execute(
        delete(CitizenSession).where(
            CitizenSession.token_hash == _token_hash(token), CitizenSession.kiosk_id == kiosk_id
        )
    )


def unlock(session: Session, nid: str) -> bool:
    """Clear the failures and lock of a citizen; False if they have no PIN."""
    person = session.execute(select(Person).where(Person.national_id == nid)).scalar_one_or_none()
    if person is None:
        return False
    cred = session.get(Credential, person.id)
    if cred is None:
        return False
    cred.failures, cred.last_failure_at, cred.locked_at = 0, None, None
    return True
