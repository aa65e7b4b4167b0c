"""The outbox's rules on a real database (SQLite), with the time given by the test: enqueue in
the caller's transaction and idempotent by key, quiet hours hold a notification and not a
one-time code, the per-number rate limit, back-off to failed, a lapsed lease, receipts."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from sqlalchemy import select

from registry.db import Database
from registry.models import SmsMessage
from registry.sms import outbox
from tests.sms.conftest import ALWAYS, NUMBER

AMMAN = zoneinfo.ZoneInfo("Asia/Amman")
NOON = dt.datetime(2026, 12, 2, 12, 0, tzinfo=AMMAN).astimezone(dt.UTC)
LATE = dt.datetime(2026, 12, 2, 23, 30, tzinfo=AMMAN).astimezone(dt.UTC)
QUIET = outbox.Policy(zone=AMMAN, rate_limit=1000, retry_base=dt.timedelta(seconds=30))
OTP = {"code": "482913", "minutes": "5"}
PAID = {"order_code": "K7Q-M2X-A9C"}


def _enqueue(
    db: Database,
    now: dt.datetime,
    template: str = "order_paid",
    *,
    to: str = NUMBER,
    dedupe_key: str | None = None,
) -> int:
    values = OTP if template == "otp" else PAID
    with db.session() as s:
        message_id = outbox.enqueue(
            s,
            to=to,
            template=template,
            language="ar",
            values=values,
            now=now,
            dedupe_key=dedupe_key,
        )
    assert message_id is not None or dedupe_key is not None
    return message_id or 0


def _row(db: Database, message_id: int) -> SmsMessage:
    with db.session() as s:
        row = s.get(SmsMessage, message_id)
        assert row is not None
        return row


def test_enqueue_is_part_of_the_callers_transaction(db: Database) -> None:
    def failed_order() -> None:
        with db.session() as s:
            outbox.enqueue(s, to=NUMBER, template="otp", language="en", values=OTP, now=NOON)
            raise RuntimeError("the order failed")

    with pytest.raises(RuntimeError):
        failed_order()
    with db.session() as s:
        assert s.scalars(select(SmsMessage)).all() == []
    message_id = _enqueue(db, NOON)
    assert message_id is not None
    row = _row(db, message_id)
    assert (row.state, row.segments, row.urgent) == ("queued", 1, False)
    assert "K7Q-M2X-A9C" in row.body


def test_a_dedupe_key_enqueues_once(db: Database) -> None:
    first = _enqueue(db, NOON, dedupe_key="order:7:paid")
    assert first is not None
    assert _enqueue(db, NOON, dedupe_key="order:7:paid") == 0  # None: already queued
    with db.session() as s:
        assert outbox.counts(s) == {"queued": 1}


def test_bad_numbers_and_templates_are_refused(db: Database) -> None:
    with db.session() as s:
        for to in ("0791234567", "+0791234567", "+96279123456789012"):
            with pytest.raises(ValueError, match=r"E\.164"):
                outbox.enqueue(s, to=to, template="otp", language="ar", values=OTP, now=NOON)
        with pytest.raises(ValueError, match="unknown SMS template"):
            outbox.enqueue(s, to=NUMBER, template="x", language="ar", values={}, now=NOON)


def test_quiet_hours_hold_a_notification_until_morning_but_not_a_code(db: Database) -> None:
    note = _enqueue(db, LATE)
    code = _enqueue(db, LATE, template="otp")
    assert note is not None and code is not None
    assert _row(db, code).urgent
    with db.session() as s:
        taken = outbox.claim(s, worker="w", now=LATE, policy=QUIET)
    assert [m.id for m in taken] == [code]
    with db.session() as s:
        outbox.mark_sent(s, code, "OTP-1", now=LATE)
    morning = dt.datetime(2026, 12, 3, 8, 0, tzinfo=AMMAN)
    held = _row(db, note)
    assert held.state == "queued" and held.not_before == morning
    with db.session() as s:
        assert (
            outbox.claim(s, worker="w", now=morning - dt.timedelta(minutes=1), policy=QUIET) == []
        )
        assert [m.id for m in outbox.claim(s, worker="w", now=morning, policy=QUIET)] == [note]


def test_quiet_until_spans_midnight_in_the_zone() -> None:
    p = outbox.Policy(zone=AMMAN)

    def at(h: int, m: int = 0) -> dt.datetime:
        return dt.datetime(2026, 12, 2, h, m, tzinfo=AMMAN)

    assert outbox.quiet_until(at(20, 59), p) is None
    assert outbox.quiet_until(at(21, 0), p) == dt.datetime(2026, 12, 3, 8, 0, tzinfo=AMMAN)
    assert outbox.quiet_until(at(3, 0), p) == dt.datetime(2026, 12, 2, 8, 0, tzinfo=AMMAN)
    assert outbox.quiet_until(at(8, 0), p) is None


def test_rate_limit_holds_notifications_and_counts_codes(db: Database) -> None:
    policy = outbox.Policy(
        quiet_start=dt.time(0),
        quiet_end=dt.time(0),
        rate_limit=2,
        rate_window=dt.timedelta(hours=1),
    )
    ids = [_enqueue(db, NOON) for _ in range(3)]
    with db.session() as s:
        taken = outbox.claim(s, worker="w", now=NOON, policy=policy)
    assert [m.id for m in taken] == ids[:2]
    for m in taken:
        with db.session() as s:
            outbox.mark_sent(s, m.id, f"SMSC{m.id}", now=NOON)
    third = _row(db, ids[2])
    assert third.state == "queued" and third.not_before == NOON + dt.timedelta(hours=1)
    code = _enqueue(db, NOON, template="otp")
    with db.session() as s:
        assert [m.id for m in outbox.claim(s, worker="w", now=NOON, policy=policy)] == [code]
        # another number is not held back by this one
    other = _enqueue(db, NOON, to="+962781111111")
    with db.session() as s:
        assert [m.id for m in outbox.claim(s, worker="w", now=NOON, policy=policy)] == [other]
        outbox.mark_sent(s, code, "OTP", now=NOON)
        outbox.mark_sent(s, other, "OTHER", now=NOON)
    with db.session() as s:  # an hour later the window has room again
        later = NOON + dt.timedelta(hours=1)
        assert [m.id for m in outbox.claim(s, worker="w", now=later, policy=policy)] == [ids[2]]


def test_failures_back_off_exponentially_then_fail(db: Database) -> None:
    policy = outbox.Policy(
        quiet_start=dt.time(0),
        quiet_end=dt.time(0),
        max_attempts=3,
        retry_base=dt.timedelta(seconds=30),
    )
    message_id = _enqueue(db, NOON)
    assert message_id is not None
    now, waits = NOON, []
    for _ in range(3):
        with db.session() as s:
            assert [m.id for m in outbox.claim(s, worker="w", now=now, policy=policy)] == [
                message_id
            ]
            state = outbox.mark_failed(
                s, message_id, "GatewayUnavailable: bind", now=now, policy=policy
            )
        row = _row(db, message_id)
        if state is outbox.State.QUEUED:
            waits.append((row.not_before - now).total_seconds())
            now = row.not_before
    assert waits == [30.0, 60.0]
    row = _row(db, message_id)
    assert (row.state, row.attempts, row.last_error) == ("failed", 3, "GatewayUnavailable: bind")


def test_a_lapsed_lease_is_claimed_again_and_a_live_one_is_not(db: Database) -> None:
    message_id = _enqueue(db, NOON)
    with db.session() as s:
        assert len(outbox.claim(s, worker="dead", now=NOON, policy=ALWAYS)) == 1
    with db.session() as s:
        assert outbox.claim(s, worker="b", now=NOON + dt.timedelta(seconds=29), policy=ALWAYS) == []
    with db.session() as s:
        again = outbox.claim(s, worker="b", now=NOON + dt.timedelta(seconds=31), policy=ALWAYS)
    assert [(m.id, m.attempt) for m in again] == [(message_id, 2)]
    with db.session() as s:
        assert outbox.mark_sent(s, message_id, "ABC", now=NOON)
        assert not outbox.mark_sent(s, message_id, "ABC", now=NOON)


def test_receipts_move_sent_to_delivered_or_undeliverable(db: Database) -> None:
    a, b = _enqueue(db, NOON), _enqueue(db, NOON)
    with db.session() as s:
        outbox.claim(s, worker="w", now=NOON, policy=ALWAYS)
        outbox.mark_sent(s, a, "ID-A", now=NOON)
        outbox.mark_sent(s, b, "ID-B", now=NOON)
    with db.session() as s:
        assert outbox.record_receipt(s, "ID-A", delivered=True, now=NOON)
        assert outbox.record_receipt(s, "ID-B", delivered=False, now=NOON)
        assert not outbox.record_receipt(s, "ID-UNKNOWN", delivered=True, now=NOON)
    assert (_row(db, a).state, _row(db, a).smsc_message_id) == ("delivered", "ID-A")
    assert _row(db, b).state == "undeliverable"


def test_mask_hides_most_of_a_number() -> None:
    assert outbox.mask(NUMBER) == "+9627••••••67"
    assert "1234" not in outbox.mask(NUMBER)
