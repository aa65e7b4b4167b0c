"""A supervisor's figures for an office over days: appointments booked, the no-show rate,
the wait from check-in (or a walk-in's ticket) to the call, and the citizens each counter
served. From the bookings and the queue tickets themselves, no personal data.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.bookings import calendar
from registry.codes import ErrorCode
from registry.errors import NotFound
from registry.models import Booking, Office, QueueTicket

__all__ = ["DayFigures", "office_days"]

_COUNTED = ("booked", "checked_in", "called", "served", "no_show")


@dataclass(frozen=True)
class DayFigures:
    day: dt.date
    bookings: int  # appointments that day, cancelled and lapsed holds left out
    no_shows: int
    seen: int  # served or missed: the no-show rate's denominator
    wait_p50: float | None  # minutes, ticket to call
    wait_p90: float | None
    served_by_counter: dict[int, int] = field(default_factory=dict)
    walk_ins: int = 0

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.seen if self.seen else None


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def office_days(s: Session, office: str, first: dt.date, last: dt.date) -> list[DayFigures]:
    row = s.get(Office, office)
    if row is None:
        raise NotFound("no such office", code=ErrorCode.NO_SUCH_OFFICE)
    zone = calendar.zone_of(row)
    start = calendar.local_to_utc(zone, first, dt.time(0))
    end = calendar.local_to_utc(zone, last + dt.timedelta(days=1), dt.time(0))
    bookings: Counter[dt.date] = Counter()
    missed: Counter[dt.date] = Counter()
    seen: Counter[dt.date] = Counter()
    for starts_at, state in s.execute(
        select(Booking.starts_at, Booking.state).where(
            Booking.office == office,
            Booking.starts_at >= start,
            Booking.starts_at < end,
            Booking.state.in_(_COUNTED),
        )
    ):
        day = calendar.local_day(zone, starts_at)
        bookings[day] += 1
        if state in ("served", "no_show"):
            seen[day] += 1
        if state == "no_show":
            missed[day] += 1
    waits: dict[dt.date, list[float]] = {}
    served: dict[dt.date, Counter[int]] = {}
    walk_ins: Counter[dt.date] = Counter()
    for day, kind, state, issued, called, counter in s.execute(
        select(
            QueueTicket.day,
            QueueTicket.kind,
            QueueTicket.state,
            QueueTicket.issued_at,
            QueueTicket.called_at,
            QueueTicket.counter,
        ).where(QueueTicket.office == office, QueueTicket.day.between(first, last))
    ):
        if kind == "walk_in":
            walk_ins[day] += 1
        if called is not None:
            waits.setdefault(day, []).append((called - issued).total_seconds() / 60)
        if state == "served" and counter is not None:
            served.setdefault(day, Counter())[counter] += 1
    days = sorted(set(bookings) | set(waits) | set(walk_ins))
    return [
        DayFigures(
            day=day,
            bookings=bookings[day],
            no_shows=missed[day],
            seen=seen[day],
            wait_p50=_quantile(sorted(waits.get(day, [])), 0.5),
            wait_p90=_quantile(sorted(waits.get(day, [])), 0.9),
            served_by_counter=dict(sorted(served.get(day, Counter()).items())),
            walk_ins=walk_ins[day],
        )
        for day in days
    ]
