"""The day-before reminder and the bookings worker's round.

A booked appointment is reminded by SMS once, on the day before it (office time), from
`reminder_hour` on; one booked after that hour for the next day is reminded at once. The
worker's round (`sanad registry bookings work`) also lapses unconfirmed waiting-list offers
and closes the day's missed appointments out as no-shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.bookings import calendar, notices, queue, waitlist
from registry.bookings.rules import Rules
from registry.models import Booking, Office

__all__ = ["Round", "queue_reminders", "work_round"]


def queue_reminders(s: Session, rules: Rules, *, now: dt.datetime) -> int:
    """Queue the reminders that are due; returns how many."""
    rows = s.scalars(
        select(Booking)
        .where(
            Booking.state == "booked",
            Booking.reminded_at.is_(None),
            Booking.starts_at > now,
            Booking.starts_at < now + dt.timedelta(hours=48),
        )
        .with_for_update(skip_locked=True)
    )
    zones: dict[str, ZoneInfo] = {}
    sent = 0
    for booking in rows:
        if booking.office not in zones:
            office = s.get(Office, booking.office)
            assert office is not None
            zones[booking.office] = calendar.zone_of(office)
        zone = zones[booking.office]
        local_now = now.astimezone(zone)
        tomorrow = local_now.date() + dt.timedelta(days=1)
        if calendar.local_day(zone, booking.starts_at) != tomorrow:
            continue
        if local_now.hour < rules.settings.reminder_hour:
            continue
        notices.reminder(s, rules, booking, now)
        booking.reminded_at = now
        sent += 1
    return sent


@dataclass(frozen=True)
class Round:
    reminders: int
    offers_lapsed: int
    no_shows: int


def work_round(s: Session, rules: Rules, *, now: dt.datetime) -> Round:
    return Round(
        reminders=queue_reminders(s, rules, now=now),
        offers_lapsed=waitlist.sweep(s, rules, now=now),
        no_shows=queue.close_out(s, now=now),
    )
