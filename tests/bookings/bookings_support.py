"""Helpers of the appointment tests: rules with a fixed link secret, a fixed clock, people
with a phone on record, and a short way to hold and confirm."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.bookings import store
from registry.bookings.rules import Rules
from registry.bookings.store import BookingView
from registry.config import BookingsConfig
from registry.models import Person, SmsMessage

__all__ = ["AMMAN", "MONDAY_9", "WEDNESDAY", "book", "people", "rules", "sms_to"]

AMMAN = ZoneInfo("Asia/Amman")
# Monday 4 January 2027, 09:00 in Amman (06:00 UTC): a working day, no holiday
MONDAY_9 = dt.datetime(2027, 1, 4, 9, 0, tzinfo=AMMAN).astimezone(dt.UTC)
WEDNESDAY = dt.date(2027, 1, 6)  # (Tuesday the 5th is al-Isra wal-Miraj, a holiday)

_keys = itertools.count()


def rules(**changes: object) -> Rules:
    """Rules as `load_settings` makes them for the demo's identity (Jordan's holidays)."""
    return Rules(BookingsConfig(**{"holiday_country": "JO", **changes}), b"k" * 32)  # type: ignore[arg-type]


def people(s: Session, n: int) -> list[int]:
    """`n` people with a mobile number on record."""
    ids = list(
        s.scalars(select(Person.id).where(Person.phone.is_not(None)).order_by(Person.id).limit(n))
    )
    assert len(ids) == n, "the demo population has too few people with a phone"
    return ids


def book(
    s: Session,
    r: Rules,
    person_id: int,
    *,
    day: dt.date = WEDNESDAY,
    time: dt.time = dt.time(9, 0),
    office: str = "AMM",
    service: str = "EVENT_REG",
    now: dt.datetime = MONDAY_9,
    confirm: bool = True,
) -> BookingView:
    held = store.hold(
        s,
        r,
        person_id=person_id,
        office=office,
        service=service,
        day=day,
        time=time,
        channel_id="PORTAL-1",
        idempotency_key=f"test-{uuid.uuid4().hex}",
        language="ar",
        now=now,
    )
    if not confirm:
        return held
    return store.confirm(s, r, reference=held.reference, person_id=person_id, now=now)


def sms_to(s: Session, person_id: int) -> list[SmsMessage]:
    phone = s.scalar(select(Person.phone).where(Person.id == person_id))
    return list(s.scalars(select(SmsMessage).where(SmsMessage.to == phone).order_by(SmsMessage.id)))
