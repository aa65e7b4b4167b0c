"""When an office can be booked: its open days in the booking window and the free start times
of one day, in the office's own time zone.

A day is open when the office has hours that weekday, it is not a public holiday (the
`holidays` package's calendar for `BookingsConfig.holiday_country`) and the office has not
closed it. A start time is offered when at least one active counter serving the service has
every 15-minute unit of the appointment free (no live `slot_claims` row: a hold's claims die
when it expires), and it is at least the minimum notice after now. Days and clock times are
the office's (`offices.timezone`), whatever the server's zone is; instants are UTC.

Reads only: the caller's session; `store.hold` uses `check_start` before it claims.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import hijridate
import holidays
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from registry.codes import ErrorCode
from registry.config import BookingsConfig
from registry.errors import Conflict, NotFound
from registry.models import (
    BookingService,
    Office,
    OfficeClosure,
    OfficeCounter,
    OfficeHours,
    SlotClaim,
)

__all__ = [
    "UNIT",
    "DayInfo",
    "Place",
    "check_start",
    "counters_for",
    "day_is_open",
    "free_counters",
    "free_times",
    "hijri",
    "holiday_name",
    "load_place",
    "local_day",
    "local_to_utc",
    "open_days",
    "units_of",
]

UNIT = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    hijri_ar: str  # "25 رجب 1448 هـ"
    hijri_latin: str  # "25 Rajab 1448 AH"
    has_free: bool


@dataclass(frozen=True)
class Place:
    """An open office and an active service it serves, with what a calendar needs of both."""

    office: Office
    service: BookingService
    zone: ZoneInfo
    counters: tuple[int, ...]  # the active counters serving the service


def zone_of(office: Office) -> ZoneInfo:
    try:
        return ZoneInfo(office.timezone or "Asia/Amman")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Amman")


def local_to_utc(zone: ZoneInfo, day: dt.date, time: dt.time) -> dt.datetime:
    """The instant (aware, UTC) of `time` on `day` on the office's clock."""
    return dt.datetime.combine(day, time, tzinfo=zone).astimezone(dt.UTC)


def local_day(zone: ZoneInfo, instant: dt.datetime) -> dt.date:
    return instant.astimezone(zone).date()


def units_of(start: dt.datetime, minutes: int) -> list[dt.datetime]:
    """The 15-minute units (their UTC starts) an appointment of `minutes` covers."""
    return [start + UNIT * i for i in range(max(1, -(-minutes // 15)))]


def hijri(day: dt.date) -> tuple[str, str]:
    """The Hijri (Umm al-Qura) date of a Gregorian day, in Arabic and in Latin letters."""
    h = hijridate.Gregorian(day.year, day.month, day.day).to_hijri()
    return f"{h.day} {h.month_name('ar')} {h.year} هـ", f"{h.day} {h.month_name('en')} {h.year} AH"


@functools.lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year, language="ar")


def holiday_name(country: str | None, day: dt.date) -> str | None:
    """The public holiday on `day` (its Arabic name), or None (also with no country)."""
    if country is None:
        return None
    name = _holidays(country, day.year).get(day)
    return str(name) if name else None


def counters_for(s: Session, office: str, service: str) -> tuple[int, ...]:
    rows = s.execute(
        select(OfficeCounter.number, OfficeCounter.services)
        .where(OfficeCounter.office == office, OfficeCounter.active.is_(True))
        .order_by(OfficeCounter.number)
    )
    return tuple(number for number, services in rows if service in json.loads(services))


def load_place(s: Session, office: str, service: str) -> Place:
    """The office and the service, or `NotFound` (no_such_service, no_such_office)."""
    svc = s.get(BookingService, service) if isinstance(service, str) else None
    if svc is None or not svc.active:
        raise NotFound("no bookable service with that code", code=ErrorCode.NO_SUCH_SERVICE)
    row = s.get(Office, office) if isinstance(office, str) else None
    counters = counters_for(s, office, service) if row is not None else ()
    if row is None or row.closed_at is not None or not counters:
        raise NotFound("no open office with that code serving it", code=ErrorCode.NO_SUCH_OFFICE)
    return Place(row, svc, zone_of(row), counters)


def _hours(s: Session, office: str) -> dict[int, tuple[dt.time, dt.time]]:
    rows = s.execute(
        select(OfficeHours.weekday, OfficeHours.opens, OfficeHours.closes).where(
            OfficeHours.office == office
        )
    )
    return {weekday: (opens, closes) for weekday, opens, closes in rows if opens < closes}


def _closures(s: Session, office: str, first: dt.date, last: dt.date) -> set[dt.date]:
    return set(
        s.scalars(
            select(OfficeClosure.day).where(
                OfficeClosure.office == office, OfficeClosure.day.between(first, last)
            )
        )
    )


def _taken(
    s: Session, place: Place, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> dict[int, set[dt.datetime]]:
    """The live claims on the place's counters between two instants, by counter."""
    rows = s.execute(
        select(SlotClaim.counter, SlotClaim.unit).where(
            SlotClaim.office == place.office.code,
            SlotClaim.counter.in_(place.counters),
            SlotClaim.unit >= start,
            SlotClaim.unit < end,
            or_(SlotClaim.expires_at.is_(None), SlotClaim.expires_at > now),
        )
    )
    taken: dict[int, set[dt.datetime]] = {c: set() for c in place.counters}
    for counter, unit in rows:
        taken[counter].add(unit)
    return taken


def _window(place: Place, settings: BookingsConfig, now: dt.datetime) -> tuple[dt.date, dt.date]:
    today = local_day(place.zone, now)
    return today, today + dt.timedelta(days=settings.window_days)


def _starts(
    place: Place, day: dt.date, hours: tuple[dt.time, dt.time]
) -> Iterable[tuple[dt.time, dt.datetime]]:
    """Every start on the 15-minute grid that lets the service end by closing time."""
    opens = local_to_utc(place.zone, day, hours[0])
    closes = local_to_utc(place.zone, day, hours[1])
    length = UNIT * len(units_of(opens, place.service.minutes))
    start = opens
    while start + length <= closes:
        yield start.astimezone(place.zone).time().replace(tzinfo=None), start
        start += UNIT


def _free_in(
    place: Place,
    day: dt.date,
    hours: tuple[dt.time, dt.time],
    taken: dict[int, set[dt.datetime]],
    earliest: dt.datetime,
) -> list[tuple[dt.time, list[int]]]:
    """The day's free starts and, for each, the counters free for the whole appointment."""
    free = []
    for local, start in _starts(place, day, hours):
        if start < earliest:
            continue
        wanted = units_of(start, place.service.minutes)
        counters = [c for c in place.counters if not any(u in taken[c] for u in wanted)]
        if counters:
            free.append((local, counters))
    return free


def _open_hours(
    s: Session, place: Place, settings: BookingsConfig, day: dt.date
) -> tuple[dt.time, dt.time] | None:
    hours = _hours(s, place.office.code).get(day.weekday())
    if hours is None or holiday_name(settings.holiday_country, day) is not None:
        return None
    if day in _closures(s, place.office.code, day, day):
        return None
    return hours


def day_is_open(
    s: Session, settings: BookingsConfig, place: Place, day: dt.date, *, now: dt.datetime
) -> bool:
    """Whether the office receives the public on `day` and the day is inside the window."""
    first, last = _window(place, settings, now)
    return first <= day <= last and _open_hours(s, place, settings, day) is not None


def open_days(
    s: Session, settings: BookingsConfig, place: Place, *, now: dt.datetime
) -> list[DayInfo]:
    """The office's open days from today to the end of the window, each with whether a start
    is still free (one query for the whole window's claims)."""
    first, last = _window(place, settings, now)
    hours = _hours(s, place.office.code)
    closed = _closures(s, place.office.code, first, last)
    earliest = now + dt.timedelta(minutes=settings.min_notice_minutes)
    taken = _taken(
        s,
        place,
        local_to_utc(place.zone, first, dt.time(0)),
        local_to_utc(place.zone, last + dt.timedelta(days=1), dt.time(0)),
        now,
    )
    days = []
    day = first
    while day <= last:
        today_hours = hours.get(day.weekday())
        if (
            today_hours is not None
            and day not in closed
            and holiday_name(settings.holiday_country, day) is None
        ):
            has_free = bool(_free_in(place, day, today_hours, taken, earliest))
            ar, latin = hijri(day)
            days.append(DayInfo(day, ar, latin, has_free))
        day += dt.timedelta(days=1)
    return days


def _day_slots(
    s: Session, settings: BookingsConfig, place: Place, day: dt.date, now: dt.datetime
) -> list[tuple[dt.time, list[int]]]:
    first, last = _window(place, settings, now)
    if not first <= day <= last:
        return []
    hours = _open_hours(s, place, settings, day)
    if hours is None:
        return []
    taken = _taken(
        s,
        place,
        local_to_utc(place.zone, day, hours[0]),
        local_to_utc(place.zone, day, hours[1]),
        now,
    )
    earliest = now + dt.timedelta(minutes=settings.min_notice_minutes)
    return _free_in(place, day, hours, taken, earliest)


def free_times(
    s: Session, settings: BookingsConfig, place: Place, day: dt.date, *, now: dt.datetime
) -> list[dt.time]:
    """The free start times (office-local) of one day; none outside the window or when shut."""
    return [local for local, _ in _day_slots(s, settings, place, day, now)]


def free_counters(
    s: Session,
    settings: BookingsConfig,
    place: Place,
    day: dt.date,
    time: dt.time,
    *,
    now: dt.datetime,
) -> list[int]:
    """The counters free for a whole appointment starting then (none: taken or not offered)."""
    return next((c for local, c in _day_slots(s, settings, place, day, now) if local == time), [])


def check_start(
    s: Session,
    settings: BookingsConfig,
    place: Place,
    day: dt.date,
    time: dt.time,
    *,
    now: dt.datetime,
) -> tuple[dt.datetime, dt.datetime]:
    """The appointment's start and end (UTC) when `time` on `day` is one the office offers:
    open, inside the window, after the notice, on the grid; otherwise the refusal saying which.
    Whether a counter is still free is the claim's business, not this check's."""
    first, last = _window(place, settings, now)
    if not first <= day <= last:
        raise Conflict(
            f"appointments are taken from today to {settings.window_days} days ahead",
            code=ErrorCode.OUTSIDE_WINDOW,
        )
    hours = _open_hours(s, place, settings, day)
    if hours is None:
        raise Conflict(
            "the office does not receive the public that day", code=ErrorCode.DAY_NOT_OPEN
        )
    starts = dict(_starts(place, day, hours))
    if time not in starts:
        raise Conflict("not a start time the office offers that day", code=ErrorCode.NOT_A_START)
    start = starts[time]
    if start < now + dt.timedelta(minutes=settings.min_notice_minutes):
        raise Conflict(
            f"appointments need {settings.min_notice_minutes} minutes' notice",
            code=ErrorCode.TOO_SOON,
        )
    return start, start + UNIT * len(units_of(start, place.service.minutes))
