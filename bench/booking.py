#!/usr/bin/env python3
"""Appointments benchmark on PostgreSQL (127.0.0.1:5432, a database of its own, dropped at
the end): bookings per second and their latency with 200 citizens at once, and the time to
list one day's free times at an office with 10 counters.

Each citizen is a thread with its own connection from the pool, released together by a
barrier; an attempt is one transaction through `Database.transact` doing what the HTTP
route does: hold (`store.hold`) and confirm (`store.confirm`). Two loads:

- spread: each citizen asks for a different time (enough free times for all): the cost of
  a booking when nobody competes for the counter;
- contended: all 200 ask for 20 slots (10 times x 2 counters, at Irbid): 20 win, 180 are
  told the time is gone with alternatives; the cost of losing counts too.

Baselines measured in the same run, on the same database and pool: a transaction inserting
one row into a scratch table (the database's own floor for a write transaction under the
same concurrency), and one SELECT of a day's claims (the floor for listing free times).

    .venv/bin/python bench/booking.py [--citizens 200] [--rounds 3]

Never asserts timings; the machine is shared, so the load average is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
COUNTERS = 10


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _together(n: int, work: Callable[[int], Any]) -> tuple[float, list[float], list[Any]]:
    """Run `work(i)` in n threads released at once: wall seconds, per-call seconds, results."""
    barrier = threading.Barrier(n + 1)
    took: list[float] = [0.0] * n
    out: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        t0 = time.perf_counter()
        try:
            out[i] = work(i)
        except Exception as exc:
            out[i] = exc
        took[i] = time.perf_counter() - t0

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, took, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from sqlalchemy import create_engine, delete, text, update

    from registry.bookings import calendar, store
    from registry.bookings.rules import Rules
    from registry.bookings.store import SlotTaken
    from registry.config import BookingsConfig, DataDir, Settings
    from registry.db import Database
    from registry.models import Booking, OfficeCounter, Person, SlotClaim, SmsMessage
    from registry.seed import initialise

    name = f"sanad_bench_booking_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cheap = Settings(pin_opslimit=1, pin_memlimit=64 * 1024)
            initialise(
                DataDir(Path(tmp)),
                database_url=url,
                demo=max(400, args.citizens),
                seed=3,
                settings=cheap,
            )
            db = Database(url, pool_size=20)
            rules = Rules(
                BookingsConfig(max_active_per_person=50, holds_per_hour=1000, holiday_country="JO"),
                b"b" * 32,
            )
            with db.session() as s:
                s.execute(delete(OfficeCounter).where(OfficeCounter.office == "AMM"))
                for n in range(1, COUNTERS + 1):
                    s.add(
                        OfficeCounter(
                            office="AMM", number=n, services=json.dumps(["EVENT_REG"]), active=True
                        )
                    )
                scratch = (
                    "CREATE TABLE bench_rows (id serial PRIMARY KEY, k text UNIQUE, at timestamp)"
                )
                s.execute(text(scratch))
                people = list(
                    s.scalars(
                        Person.__table__.select()
                        .with_only_columns(Person.id)
                        .order_by(Person.id)
                        .limit(args.citizens)
                    )
                )
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            with db.session() as s:
                place = calendar.load_place(s, "AMM", "EVENT_REG")
                days = [
                    d.day
                    for d in calendar.open_days(s, rules.settings, place, now=now)
                    if d.has_free
                ]
                # every (day, time) a citizen may ask for, 10 counters each
                starts = [
                    (d, t)
                    for d in days[1:]
                    for t in calendar.free_times(s, rules.settings, place, d, now=now)
                ]

            def reset() -> None:
                with db.session() as s:
                    s.execute(delete(SlotClaim))
                    s.execute(update(SmsMessage).values(dedupe_key=None))
                    s.execute(delete(SmsMessage))
                    s.execute(delete(Booking))
                    s.execute(text("DELETE FROM bench_rows"))

            def book(i: int, day: dt.date, t: dt.time, office: str = "AMM") -> store.BookingView:
                def attempt(s: Any) -> store.BookingView:
                    held = store.hold(
                        s,
                        rules,
                        person_id=people[i],
                        office=office,
                        service="EVENT_REG",
                        day=day,
                        time=t,
                        channel_id="BENCH",
                        idempotency_key=f"bench-{uuid.uuid4().hex}",
                        language="ar",
                        now=now,
                    )
                    return store.confirm(
                        s, rules, reference=held.reference, person_id=people[i], now=now
                    )

                return db.transact(attempt)

            def insert_row(i: int) -> None:
                with db.session() as s:
                    s.execute(
                        text("INSERT INTO bench_rows (k, at) VALUES (:k, now())"),
                        {"k": uuid.uuid4().hex},
                    )

            n = args.citizens
            spread_choice = [starts[(i * 2) % len(starts)] for i in range(n)]  # each time 5 at most
            # Irbid: two counters serve EVENT_REG; ten 30-minute times apart = 20 slots
            with db.session() as s:
                irbid = calendar.load_place(s, "IRB", "EVENT_REG")
            contended_choice = [
                (days[1], t)
                for t in calendar_times(db, calendar, rules, irbid, days[1], now)[::2][:10]
            ]
            results: dict[str, list[tuple[float, list[float], list[Any]]]] = {
                "baseline": [],
                "spread": [],
                "contended": [],
            }
            for _ in range(args.rounds):
                reset()
                results["baseline"].append(_together(n, insert_row))
                reset()
                results["spread"].append(_together(n, lambda i: book(i, *spread_choice[i])))
                reset()
                results["contended"].append(
                    _together(n, lambda i: book(i, *contended_choice[i % 10], "IRB"))
                )

            print(f"bench/booking.py: {n} citizens at once, PostgreSQL, pool 20 (+40 overflow), "
                  f"{args.rounds} rounds; load average {os.getloadavg()[0]:.2f}")  # fmt: skip
            base_rate = 0.0
            for label, runs in results.items():
                rates = [n / wall for wall, _, _ in runs]
                latencies = [x for _, took, _ in runs for x in took]
                won = [sum(isinstance(r, store.BookingView) for r in out) for _, _, out in runs]
                lost = [sum(isinstance(r, SlotTaken) for r in out) for _, _, out in runs]
                other = [
                    sum(isinstance(r, Exception) and not isinstance(r, SlotTaken) for r in out)
                    for _, _, out in runs
                ]
                rate = statistics.median(rates)
                if label == "baseline":
                    base_rate = rate
                    print(f"  baseline   one-row write transactions {_rate(rate, latencies)}")
                    continue
                print(
                    f"  {label:<10} hold+confirm {_rate(rate, latencies)}  booked {won}  "
                    f"told taken {lost}  errors {other}  = {rate / base_rate:.2f} x baseline"
                )

            # listing a day's free times, 10 counters, half the day booked
            reset()
            half = calendar_times(db, calendar, rules, place, days[1], now)
            for i, t in enumerate(half[::2]):
                for c in range(COUNTERS // 2):
                    book((i * COUNTERS + c) % n, days[1], t)
            timings, base = [], []
            for _ in range(200):
                with db.session() as s:
                    t0 = time.perf_counter()
                    free = calendar.free_times(s, rules.settings, place, days[1], now=now)
                    timings.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    s.execute(SlotClaim.__table__.select().where(SlotClaim.office == "AMM")).all()
                    base.append(time.perf_counter() - t0)
            print(f"  free times of one day, {COUNTERS} counters, {len(free)} starts free: "
                  f"p50 {_pct(timings, .5) * 1000:.2f} ms  p99 {_pct(timings, .99) * 1000:.2f} ms  "
                  f"(one SELECT of the claims: p50 {_pct(base, .5) * 1000:.2f} ms = "
                  f"{_pct(timings, .5) / _pct(base, .5):.1f} x)")  # fmt: skip
            db.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _rate(rate: float, latencies: list[float]) -> str:
    p50, p99 = _pct(latencies, 0.5) * 1000, _pct(latencies, 0.99) * 1000
    return f"{rate:8.1f}/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms"


def calendar_times(
    db: Any, calendar: Any, rules: Any, place: Any, day: dt.date, now: dt.datetime
) -> list[dt.time]:
    with db.session() as s:
        return list(calendar.free_times(s, rules.settings, place, day, now=now))


if __name__ == "__main__":
    main()
