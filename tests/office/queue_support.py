"""Helpers of the queue and appointments page tests: an office app whose clock stands on a
working Wednesday morning in Amman, with people who have a phone, tickets and bookings."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from registry.bookings import store, tickets
from registry.bookings.rules import Rules, load_rules
from registry.config import BookingsConfig
from registry.models import Person
from tests.office.office_support import Site, serving

__all__ = ["AMMAN", "WEDNESDAY_9", "book", "queue_site", "site_rules", "walk_in"]

AMMAN = ZoneInfo("Asia/Amman")
# Wednesday 6 January 2027, 09:00 in Amman: a working day, no holiday
WEDNESDAY_9 = dt.datetime(2027, 1, 6, 9, 0, tzinfo=AMMAN)


@contextmanager
def queue_site(root: Path, database_url: str | None = None) -> Iterator[Site]:
    """The office app with a small population; its clock moved to Wednesday 09:00."""
    with serving(root, database_url, demo=60) as site:
        site.clock.offset = WEDNESDAY_9 - dt.datetime.now(dt.UTC)
        yield site


def site_rules(site: Site) -> Rules:
    """The rules the registry itself uses (its link secret in the data directory)."""
    return load_rules(site.data, BookingsConfig())


def walk_in(site: Site, service: str = "EXTRACT", *, minutes_ago: int = 0) -> str:
    """A walk-in ticket printed at the office's kiosk; its label."""
    db = site.db()
    try:
        with db.session() as s:
            now = site.clock.now() - dt.timedelta(minutes=minutes_ago)
            ticket = tickets.walk_in(
                s, site_rules(site), office="AMM", service=service, kiosk_id="K", now=now
            )
            return ticket.label
    finally:
        db.dispose()


def book(
    site: Site,
    day: dt.date,
    times: list[dt.time],
    service: str = "EXTRACT",
    *,
    now: dt.datetime | None = None,
) -> list[str]:
    """Confirmed appointments at AMM that day, one per time, each by another person with a
    phone on record, made at `now` (default: the site's clock); their references."""
    made = now or site.clock.now()
    db = site.db()
    r = site_rules(site)
    try:
        with db.session() as s:
            people = list(
                s.scalars(
                    select(Person.id)
                    .where(Person.phone.is_not(None))
                    .order_by(Person.id)
                    .limit(len(times))
                )
            )
            assert len(people) == len(times), "too few people with a phone"
            out = []
            for person, time in zip(people, times, strict=True):
                held = store.hold(
                    s,
                    r,
                    person_id=person,
                    office="AMM",
                    service=service,
                    day=day,
                    time=time,
                    channel_id="PORTAL-1",
                    idempotency_key=f"test-{uuid.uuid4().hex}",
                    language="ar",
                    now=made,
                )
                store.confirm(s, r, reference=held.reference, person_id=person, now=made)
                out.append(held.reference)
            return out
    finally:
        db.dispose()
