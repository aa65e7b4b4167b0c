"""Many citizens at once on a few free times: the database decides, no counter is booked
twice, and everyone who lost is told the time is gone and offered others."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import select

from registry.bookings import store
from registry.bookings.store import SlotTaken
from registry.db import Database
from registry.models import Booking, Person, SlotClaim
from tests.bookings.bookings_support import MONDAY_9, WEDNESDAY, rules
from tests.support.registry import Registry


def _times() -> list[dt.time]:
    start = dt.datetime.combine(WEDNESDAY, dt.time(9, 0))
    return [(start + dt.timedelta(minutes=30 * i)).time() for i in range(10)]


def _race(
    db: Database, citizens: int
) -> tuple[list[store.BookingView], list[SlotTaken], list[BaseException]]:
    """`citizens` threads, each a citizen asking for one of ten times (two counters serve the
    service: twenty free slots), released together; each confirms what it got."""
    r = rules(max_active_per_person=3, holds_per_hour=10)
    with db.session() as s:
        people = list(s.scalars(select(Person.id).order_by(Person.id).limit(citizens)))
    assert len(people) == citizens
    times = _times()
    start = threading.Barrier(citizens)
    won: list[store.BookingView] = []
    lost: list[SlotTaken] = []
    failed: list[BaseException] = []
    lock = threading.Lock()

    def citizen(i: int) -> None:
        def attempt(s: object) -> store.BookingView:
            from sqlalchemy.orm import Session

            assert isinstance(s, Session)
            held = store.hold(
                s,
                r,
                person_id=people[i],
                office="AMM",
                service="EVENT_REG",
                day=WEDNESDAY,
                time=times[i % len(times)],
                channel_id="PORTAL-1",
                idempotency_key=f"race-{uuid.uuid4().hex}",
                language="ar",
                now=MONDAY_9,
            )
            return store.confirm(s, r, reference=held.reference, person_id=people[i], now=MONDAY_9)

        start.wait()
        try:
            got = db.transact(attempt)
        except SlotTaken as exc:
            with lock:
                lost.append(exc)
        except BaseException as exc:
            with lock:
                failed.append(exc)
        else:
            with lock:
                won.append(got)

    threads = [threading.Thread(target=citizen, args=(i,)) for i in range(citizens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return won, lost, failed


def _assert_no_counter_twice(db: Database) -> None:
    with db.session() as s:
        rows = s.execute(
            select(Booking.counter, Booking.starts_at, Booking.ends_at).where(
                Booking.office == "AMM", Booking.state == "booked"
            )
        ).all()
        claims = s.execute(select(SlotClaim.counter, SlotClaim.unit)).all()
    for i, (counter, start, end) in enumerate(rows):
        for other, o_start, o_end in rows[i + 1 :]:
            assert not (counter == other and start < o_end and o_start < end), (
                "a counter booked twice"
            )
    assert len(claims) == len(set(claims)) == 2 * len(rows)  # 30 minutes: two units each


def _check(db: Database, citizens: int) -> None:
    won, lost, failed = _race(db, citizens)
    assert failed == []
    assert len(won) == 20 and len(lost) == citizens - 20
    per_time = Counter((b.time, b.counter) for b in won)
    assert set(per_time.values()) == {1} and {c for _, c in per_time} == {1, 2}
    assert {b.time for b in won} == set(_times())
    for loser in lost:
        assert loser.code == "slot_taken" and loser.alternatives, "a loser told nothing"
        assert all((d, t) not in {(WEDNESDAY, b.time) for b in won} for d, t in loser.alternatives)
    _assert_no_counter_twice(db)


@pytest.mark.postgres
@pytest.mark.slow
def test_200_citizens_on_20_free_slots_on_postgresql(pg_registry: Registry) -> None:
    db = Database(pg_registry.url, pool_size=20)
    try:
        _check(db, 200)
    finally:
        db.dispose()


def test_60_citizens_on_20_free_slots_on_sqlite(registry: Registry) -> None:
    db = Database(registry.url, pool_size=20)
    try:
        _check(db, 60)
    finally:
        db.dispose()
