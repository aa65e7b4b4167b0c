"""The SMS outbox: a message is a row written in the transaction of the event that causes it.

    enqueue(session, to=..., template=..., language=..., values=..., now=...) -> id | None

renders the template (`registry.sms.templates`) and adds a `queued` row to `sms_outbox`; it
never commits, so an order that rolls back sends nothing, and a message is never lost once its
cause is committed. A `dedupe_key` makes the enqueue idempotent (a second one returns None).

Workers (`registry.sms.worker`) drain it with three calls, each its own short transaction:

    claim(session, worker=..., now=..., policy=...) -> [Outgoing]     queued → sending
    mark_sent(session, id, smsc_message_id, now=...)                  sending → sent
    mark_failed(session, id, error, now=..., policy=...)              sending → queued | failed

States: queued → sending → sent → delivered | undeliverable (from the delivery receipt,
`record_receipt`), or → failed after `max_attempts`. On PostgreSQL `claim` takes rows with
`FOR UPDATE SKIP LOCKED`, so any number of workers share the queue and no two take the same
row; on SQLite (one writer at a time, BEGIN IMMEDIATE) claims are serialised. A claim is a
lease (`claimed_until`): a worker killed mid-send leaves its rows `sending`, and once the lease
has run out the next claim takes them again.

Exactly once, and where it is only nearly so: a row is marked sent only after the SMSC's
submit_sm_resp, in a transaction of its own right after it. A worker that dies in the window
between reading that response and committing (microseconds; the commit is one UPDATE) leaves a
message the SMSC accepted still `sending`, and it is sent again after the lease. A lease that
runs out while a slow SMSC is still answering (a batch longer than `lease_seconds`) has the
same effect, so keep the lease well above batch_size × timeout_seconds. No SMPP SMSC
de-duplicates; the HTTP gateway sends the row id as an Idempotency-Key so an HTTP API that
honours it closes that window.

Claiming also applies the policy: a non-urgent message in quiet hours (`quiet_start` to
`quiet_end` in the configured zone) is put back until the quiet hours end; a non-urgent message
to a number that already had `rate_limit` messages in the window waits until the oldest leaves
the window; urgent messages (one-time codes) are sent at once, and counted. Errors are stored
as a short code and the SMSC's status, never the number or the text. Nothing here does I/O
beyond the session it is given.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import zoneinfo
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.config import SmsConfig
from registry.models import SmsMessage
from registry.sms import templates

__all__ = [
    "Outgoing",
    "Policy",
    "State",
    "claim",
    "counts",
    "enqueue",
    "mark_failed",
    "mark_sent",
    "mask",
    "quiet_until",
    "record_receipt",
    "release",
]

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class State(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"
    FAILED = "failed"


_SENT_STATES = (State.SENDING, State.SENT, State.DELIVERED, State.UNDELIVERABLE)


@dataclass(frozen=True)
class Policy:
    """When a message may go, and how often it is tried (from `[sms]`, `SmsConfig`)."""

    zone: zoneinfo.ZoneInfo = dt.UTC  # type: ignore[assignment]
    quiet_start: dt.time = dt.time(21, 0)
    quiet_end: dt.time = dt.time(8, 0)
    rate_limit: int = 5
    rate_window: dt.timedelta = dt.timedelta(hours=1)
    max_attempts: int = 8
    retry_base: dt.timedelta = dt.timedelta(seconds=30)
    retry_max: dt.timedelta = dt.timedelta(hours=1)
    lease: dt.timedelta = dt.timedelta(minutes=5)
    batch_size: int = 20

    @classmethod
    def from_config(cls, c: SmsConfig) -> Policy:
        def clock(text: str) -> dt.time:
            h, m = text.split(":")
            return dt.time(int(h), int(m))

        return cls(
            zone=zoneinfo.ZoneInfo(c.time_zone),
            quiet_start=clock(c.quiet_start),
            quiet_end=clock(c.quiet_end),
            rate_limit=c.rate_limit,
            rate_window=dt.timedelta(minutes=c.rate_window_minutes),
            max_attempts=c.max_attempts,
            retry_base=dt.timedelta(seconds=c.retry_base_seconds),
            retry_max=dt.timedelta(seconds=c.retry_max_seconds),
            lease=dt.timedelta(seconds=c.lease_seconds),
            batch_size=c.batch_size,
        )

    def backoff(self, attempts: int) -> dt.timedelta:
        """The wait after the `attempts`-th failed attempt: base × 2^(attempts-1), capped.
        (Persisted as `not_before`, so it holds across workers and restarts: an in-process
        retry library such as stamina cannot keep that.)"""
        return min(self.retry_max, self.retry_base * int(2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, for the gateway."""

    id: int
    to: str
    body: str
    attempt: int


def mask(number: str) -> str:
    """A phone number fit for a log line: +9627•••••67."""
    if len(number) <= 6:
        return "•" * len(number)
    return number[:5] + "•" * (len(number) - 7) + number[-2:]


def quiet_until(now: dt.datetime, policy: Policy) -> dt.datetime | None:
    """The end of the quiet hours `now` falls in (UTC), or None outside them."""
    local = now.astimezone(policy.zone)
    start, end = policy.quiet_start, policy.quiet_end
    t = local.time()
    if start == end:
        return None
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    morning = dt.datetime.combine(day, end, tzinfo=policy.zone)
    return morning.astimezone(dt.UTC)


def enqueue(
    session: Session,
    *,
    to: str,
    template: str,
    language: str,
    values: dict[str, str],
    now: dt.datetime,
    urgent: bool = False,
    dedupe_key: str | None = None,
) -> int | None:
    """Queue one SMS in the caller's transaction (never committed here): its id, or None when
    a message with `dedupe_key` is already queued. A bad template, language, value or number
    is a `ValueError` (the caller's bug)."""
    if not _E164.match(to):
        raise ValueError("the SMS number must be E.164 (+ and 7 to 15 digits)")
    if dedupe_key is not None and not 1 <= len(dedupe_key) <= 200:
        raise ValueError("dedupe_key must be 1 to 200 characters")
    body = templates.render(template, language, values)
    if dedupe_key is not None:
        existing = session.scalar(select(SmsMessage.id).where(SmsMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    row = SmsMessage(
        dedupe_key=dedupe_key,
        to=to,
        template=template,
        language=language,
        body=body,
        segments=templates.segments(body).count,
        urgent=urgent or templates.TEMPLATES[template].urgent,
        state=State.QUEUED,
        attempts=0,
        not_before=now,
        created_at=now,
    )
    if dedupe_key is None:
        session.add(row)
        session.flush()
        return row.id
    try:  # a savepoint: a racing duplicate's IntegrityError leaves the caller's work intact
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row.id


def _sent_in_window(
    session: Session, numbers: set[str], now: dt.datetime, policy: Policy, *, besides: list[int]
) -> dict[str, list[dt.datetime]]:
    """When each number's messages in the rate window went (or were claimed), oldest first:
    one query for the whole batch."""
    since = now - policy.rate_window
    rows = session.execute(
        select(SmsMessage.to, SmsMessage.sent_at).where(
            SmsMessage.to.in_(numbers),
            SmsMessage.id.not_in(besides),  # a lapsed claim being taken again is not counted
            SmsMessage.sent_at > since,
            SmsMessage.state.in_(_SENT_STATES),
        )
    )
    sent: dict[str, list[dt.datetime]] = {n: [] for n in numbers}
    for to, at in rows:
        if at is not None:
            sent[to].append(at)
    for times in sent.values():
        times.sort()
    return sent


def claim(
    session: Session,
    *,
    worker: str,
    now: dt.datetime,
    policy: Policy,
    limit: int | None = None,
) -> list[Outgoing]:
    """Take up to `limit` messages that are due (queued, or sending under a lease that ran
    out) for `worker`, applying quiet hours and the rate limit; the rest stay for later."""
    limit = limit or policy.batch_size
    due = or_(
        (SmsMessage.state == State.QUEUED) & (SmsMessage.not_before <= now),
        (SmsMessage.state == State.SENDING) & (SmsMessage.claimed_until < now),
    )
    query = (
        select(SmsMessage)
        .where(due)
        .order_by(SmsMessage.urgent.desc(), SmsMessage.not_before, SmsMessage.id)
        .limit(limit * 2)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    quiet = quiet_until(now, policy)
    taken: list[Outgoing] = []
    counted = _sent_in_window(
        session, {r.to for r in rows}, now, policy, besides=[r.id for r in rows]
    )
    for row in rows:
        if len(taken) >= limit:
            break
        if row.state == State.SENDING and row.attempts >= policy.max_attempts:
            row.state, row.claimed_by, row.claimed_until = State.FAILED, None, None
            row.last_error = "lease_expired"
            continue
        if not row.urgent and quiet is not None:
            row.state, row.not_before = State.QUEUED, quiet
            row.claimed_by = row.claimed_until = None
            continue
        recent = counted[row.to]
        if not row.urgent and len(recent) >= policy.rate_limit:
            row.state = State.QUEUED
            row.not_before = recent[-policy.rate_limit] + policy.rate_window
            row.claimed_by = row.claimed_until = None
            continue
        recent.append(now)  # urgent ones count too
        recent.sort()
        row.state = State.SENDING
        row.claimed_by = worker
        row.claimed_until = now + policy.lease
        row.attempts += 1
        row.sent_at = now  # provisional, so the rate limit sees messages in flight
        taken.append(Outgoing(row.id, row.to, row.body, row.attempts))
    session.flush()
    return taken


SENT_CODE = "(one-time code sent)"  # what a sent one-time code's row keeps of its text


def mark_sent(session: Session, message_id: int, smsc_message_id: str, *, now: dt.datetime) -> bool:
    """The SMSC accepted it (submit_sm_resp): sending → sent, with its message id. False when
    the row was not `sending` (already marked: nothing changes). A one-time code's text is
    blanked once it is sent: the database keeps no usable code."""
    result = session.execute(
        update(SmsMessage)
        .where(SmsMessage.id == message_id, SmsMessage.state == State.SENDING)
        .values(
            body=case((SmsMessage.template == "otp", SENT_CODE), else_=SmsMessage.body),
            state=State.SENT,
            smsc_message_id=smsc_message_id[:65],
            sent_at=now,
            claimed_by=None,
            claimed_until=None,
            last_error=None,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_failed(
    session: Session,
    message_id: int,
    error: str,
    *,
    now: dt.datetime,
    policy: Policy,
    permanent: bool = False,
) -> State | None:
    """An attempt failed with `error` (a short code, no personal data): queued again after the
    back-off, or failed after `max_attempts` (or at once when `permanent`)."""
    row = session.get(SmsMessage, message_id, with_for_update=True)
    if row is None or row.state != State.SENDING:
        return None
    row.last_error = error[:200]
    row.claimed_by = row.claimed_until = None
    row.sent_at = None
    if permanent or row.attempts >= policy.max_attempts:
        row.state = State.FAILED
    else:
        row.state = State.QUEUED
        row.not_before = now + policy.backoff(row.attempts)
    return State(row.state)


def release(session: Session, message_ids: list[int], *, now: dt.datetime) -> None:
    """Give back claimed messages that were never tried (the gateway went away before their
    turn): queued again at once, the attempt not counted."""
    if not message_ids:
        return
    session.execute(
        update(SmsMessage)
        .where(SmsMessage.id.in_(message_ids), SmsMessage.state == State.SENDING)
        .values(
            state=State.QUEUED,
            attempts=SmsMessage.attempts - 1,
            not_before=now,
            claimed_by=None,
            claimed_until=None,
            sent_at=None,
        )
    )


def record_receipt(
    session: Session, smsc_message_id: str, *, delivered: bool, now: dt.datetime
) -> bool:
    """A delivery receipt: sent → delivered or undeliverable. False for an id we do not know
    (another part of a long message, or another system's)."""
    result = session.execute(
        update(SmsMessage)
        .where(
            SmsMessage.smsc_message_id == smsc_message_id,
            SmsMessage.state.in_((State.SENT, State.DELIVERED, State.UNDELIVERABLE)),
        )
        .values(state=State.DELIVERED if delivered else State.UNDELIVERABLE, receipt_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def counts(session: Session) -> dict[str, int]:
    """How many messages are in each state."""
    rows = session.execute(select(SmsMessage.state, func.count()).group_by(SmsMessage.state))
    return {str(state): int(n) for state, n in rows}
