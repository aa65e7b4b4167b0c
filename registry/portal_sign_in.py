"""The portal's sign-in: the PIN, then a one-time code sent by SMS to the phone on record.

1. `start`: the national number and PIN are checked exactly as at a kiosk
   (`citizens.check_pin`, charged to the portal channel's budget and the citizen's counter);
   a right PIN opens a challenge — a random id handed to the portal, a 6-digit code sent by
   SMS (urgent: never held back by quiet hours) — in the transaction that settles the PIN. A
   citizen with no phone on record is told so (no_phone) and nothing is sent.
2. `verify`: the code, within CODE_TTL, at most MAX_TRIES wrong tries (then the challenge is
   spent), single use; a right code opens a citizen session bound to the portal channel, as a
   kiosk's login does.
3. `resend`: a new code for the same challenge, RESEND_AFTER apart and MAX_SENDS in all.

Only hashes are stored: the challenge id's SHA-256, and the code's HMAC-SHA256 keyed by the
challenge id (the database alone cannot be used to sign in). At most MAX_CHALLENGES_PER_HOUR
challenges per citizen. The code, the PIN, the phone number and the national number are never
logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from registry import citizens
from registry.codes import ErrorCode
from registry.config import Settings
from registry.db import Database
from registry.errors import InvalidCredentials, InvalidInput, Refused, Throttled
from registry.models import Person, SignInChallenge

__all__ = ["Challenge", "SignedIn", "resend", "start", "verify"]

log = logging.getLogger(__name__)
CODE_TTL = dt.timedelta(minutes=5)
MAX_TRIES = 5
RESEND_AFTER = dt.timedelta(seconds=60)
MAX_SENDS = 3
MAX_CHALLENGES_PER_HOUR = 5


@dataclass(frozen=True)
class Challenge:
    id: str
    expires_at: dt.datetime
    phone_hint: str  # the last two digits: "•••• 67"


@dataclass(frozen=True)
class SignedIn:
    token: str
    expires_at: dt.datetime
    person_id: int
    name_ar: str
    name_latin: str | None


def _id_hash(challenge_id: str) -> str:
    return hashlib.sha256(challenge_id.encode("ascii", "replace")).hexdigest()


def _code_hash(challenge_id: str, code: str) -> str:
    return hmac.new(challenge_id.encode("ascii", "replace"), code.encode(), "sha256").hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _hint(phone: str) -> str:
    return "•••• " + phone[-2:]


def _send_code(
    s: Session, phone: str, code: str, language: str, key: str, now: dt.datetime
) -> None:
    from registry.sms import outbox

    minutes = str(int(CODE_TTL.total_seconds() // 60))
    outbox.enqueue(
        s,
        to=phone,
        template="otp",
        language=language,
        values={"code": code, "minutes": minutes},
        now=now,
        urgent=True,
        dedupe_key=key,
    )


def start(
    db: Database,
    settings: Settings,
    channel_id: str,
    *,
    national_id_text: str,
    pin: str,
    language: str,
    now: dt.datetime,
) -> Challenge:
    if language not in ("ar", "en"):
        raise InvalidInput("language is ar or en")
    moment = now.replace(microsecond=0)

    def open_challenge(s: Session, person_id: int) -> Challenge | ErrorCode:
        """Refusals are returned, not raised: the PIN was right, and this transaction is the
        one that clears the failure step 1 charged in advance."""
        phone = s.execute(select(Person.phone).where(Person.id == person_id)).scalar_one()
        if not phone:
            return ErrorCode.NO_PHONE
        s.execute(
            delete(SignInChallenge).where(
                SignInChallenge.created_at < moment - dt.timedelta(hours=1)
            )
        )
        recent = s.execute(
            select(func.count())
            .select_from(SignInChallenge)
            .where(
                SignInChallenge.person_id == person_id,
                SignInChallenge.created_at > moment - dt.timedelta(hours=1),
            )
        ).scalar_one()
        if recent >= MAX_CHALLENGES_PER_HOUR:
            return ErrorCode.THROTTLED
        challenge_id = secrets.token_urlsafe(24)
        code = _new_code()
        expires = moment + CODE_TTL
        s.add(
            SignInChallenge(
                id_hash=_id_hash(challenge_id),
                person_id=person_id,
                channel_id=channel_id,
                code_hash=_code_hash(challenge_id, code),
                created_at=moment,
                sent_at=moment,
                expires_at=expires,
                sends=1,
                failures=0,
            )
        )
        _send_code(s, phone, code, language, f"otp:{_id_hash(challenge_id)}:1", moment)
        return Challenge(challenge_id, expires, _hint(phone))

    challenge, _who = citizens.check_pin(
        db,
        settings,
        channel_id,
        pin=pin,
        national_id_text=national_id_text,
        now=moment,
        then=open_challenge,
        channel_budget=False,
    )
    if challenge is ErrorCode.NO_PHONE:
        raise Refused("no mobile number on record for a sign-in code", code=ErrorCode.NO_PHONE)
    if challenge is ErrorCode.THROTTLED:
        raise Throttled("too many sign-in codes this hour", retry_after=600.0)
    assert isinstance(challenge, Challenge)
    log.info("portal sign-in code sent (channel %s)", channel_id)
    return challenge


def _open(s: Session, challenge_id: str, channel_id: str, now: dt.datetime) -> SignInChallenge:
    if not isinstance(challenge_id, str) or not 16 <= len(challenge_id) <= 64:
        raise InvalidCredentials("no such sign-in", code=ErrorCode.CODE_EXPIRED)
    row = s.execute(
        select(SignInChallenge)
        .where(SignInChallenge.id_hash == _id_hash(challenge_id))
        .with_for_update()
    ).scalar_one_or_none()
    if row is None or row.channel_id != channel_id or row.used_at is not None:
        raise InvalidCredentials("this sign-in is over: start again", code=ErrorCode.CODE_EXPIRED)
    if row.expires_at <= now:
        raise InvalidCredentials(
            "the code has expired: ask for a new one", code=ErrorCode.CODE_EXPIRED
        )
    return row


def verify(
    db: Database,
    settings: Settings,
    channel_id: str,
    *,
    challenge_id: str,
    code: str,
    now: dt.datetime,
) -> SignedIn:
    if not isinstance(code, str) or not (len(code.strip()) == 6 and code.strip().isdigit()):
        raise InvalidInput("the code is six digits")
    moment = now

    def check(s: Session) -> SignedIn | int:
        row = _open(s, challenge_id, channel_id, moment)
        if not hmac.compare_digest(row.code_hash, _code_hash(challenge_id, code.strip())):
            row.failures += 1
            if row.failures >= MAX_TRIES:
                row.used_at = moment  # spent: a new sign-in is needed
            return MAX_TRIES - row.failures
        row.used_at = moment
        token, expires = citizens.open_session(s, row.person_id, channel_id, settings, moment)
        person = s.get_one(Person, row.person_id)
        return SignedIn(token, expires, row.person_id, person.name_ar, person.name_latin)

    result = db.transact(check)
    if isinstance(result, int):
        log.info("wrong sign-in code on channel %s (%d tries remain)", channel_id, result)
        if result <= 0:
            raise InvalidCredentials(
                "too many wrong codes: start again", code=ErrorCode.CODE_EXPIRED
            )
        raise InvalidCredentials("wrong code", tries_remaining=result, code=ErrorCode.CODE_INVALID)
    log.info("citizen signed in on the portal (channel %s)", channel_id)
    return result


def resend(
    db: Database, channel_id: str, *, challenge_id: str, language: str, now: dt.datetime
) -> dt.datetime:
    moment = now.replace(microsecond=0)

    def again(s: Session) -> dt.datetime:
        row = _open(s, challenge_id, channel_id, moment)
        if row.sends >= MAX_SENDS:
            raise Throttled("no more codes for this sign-in: start again", retry_after=60.0)
        wait = row.sent_at + RESEND_AFTER - moment
        if wait > dt.timedelta(0):
            raise Throttled("wait before asking for a new code", retry_after=wait.total_seconds())
        phone = s.execute(select(Person.phone).where(Person.id == row.person_id)).scalar_one()
        if not phone:  # removed since the sign-in began
            raise Refused("no mobile number on record", code=ErrorCode.NO_PHONE)
        code = _new_code()
        row.code_hash = _code_hash(challenge_id, code)
        row.sends += 1
        row.sent_at = moment  # the wrong tries so far still count: MAX_TRIES per sign-in
        row.expires_at = moment + CODE_TTL
        _send_code(
            s,
            phone,
            code,
            language if language in ("ar", "en") else "ar",
            f"otp:{row.id_hash}:{row.sends}",
            moment,
        )
        return row.expires_at

    return db.transact(again)
