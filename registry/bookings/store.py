"""Appointments: hold a start time, confirm it, cancel or move it, close an office's day.

A booking holds its counter's time through `slot_claims`, one row per 15-minute unit, whose
primary key (office, counter, unit) the database enforces: two transactions that want the
same counter at the same time cannot both commit, on SQLite (which serialises writers) as on
PostgreSQL (the second insert waits for the first and fails with a unique violation). A hold
tries the counters serving the service one by one, each inside a savepoint, so losing a race
on one counter moves on to the next; when none is left the citizen is told the time is gone
(`SlotTaken`) with the next free times. The dead claims of a lapsed hold (`expires_at` passed)
are deleted by the next booking that wants them, in its own transaction: no sweeper is needed
for a freed time to be bookable. Cancelling, expiring and moving delete or replace the claims
in the transaction that changes the booking, so a booking's time and its claims never
disagree.

Fair access: a signed-in citizen holds at most `max_active_per_person` live bookings and
makes at most `holds_per_hour` holds an hour (their person row is locked for the check, so
parallel requests cannot slip past it). Each step queues its SMS (`notices`) in the same
transaction. The caller opens the session (`Database.transact`, which retries PostgreSQL's
deadlock victims); nothing here commits.

Citizen steps are not written to the hash-chained audit log (they are the citizen's own acts
on their own appointments and every one would serialise on the log's head); a supervisor's
closing of a day is.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry import audit
from registry.audit import AuditEvent
from registry.bookings import calendar, notices
from registry.bookings.calendar import Place
from registry.bookings.rules import Rules
from registry.codes import ErrorCode
from registry.errors import Conflict, InvalidInput, NotFound, Throttled
from registry.models import Booking, BookingService, Office, OfficeClosure, Person, SlotClaim
from registry.orders import codes

__all__ = [
    "LIVE",
    "QR_PREFIX",
    "BookingState",
    "BookingView",
    "SlotTaken",
    "cancel",
    "close_day",
    "confirm",
    "find",
    "hold",
    "list_for",
    "parse_reference",
    "release",
    "reschedule",
    "view",
]

QR_PREFIX = "SANAD-BOOKING:"
KEY_LENGTH = range(8, 65)


class BookingState(enum.StrEnum):
    HELD = "held"  # waiting for the citizen's confirmation until hold_expires_at
    BOOKED = "booked"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # a hold never confirmed
    CHECKED_IN = "checked_in"  # a queue ticket was printed (registry.bookings.tickets)
    CALLED = "called"
    SERVED = "served"
    NO_SHOW = "no_show"


LIVE = (BookingState.HELD, BookingState.BOOKED, BookingState.CHECKED_IN, BookingState.CALLED)


class SlotTaken(Conflict):
    """Every counter serving the service is taken at that time; `alternatives` are the next
    free (day, time) pairs, the same day first."""

    def __init__(self, alternatives: list[tuple[dt.date, dt.time]]) -> None:
        shown = [{"day": d.isoformat(), "time": t.strftime("%H:%M")} for d, t in alternatives]
        super().__init__(
            "that time has just been taken",
            code=ErrorCode.SLOT_TAKEN,
            details={"alternatives": shown},
        )
        self.alternatives = alternatives


@dataclass(frozen=True)
class BookingView:
    reference: str
    state: str
    office: str
    office_ar: str
    office_latin: str
    service: str
    service_ar: str
    service_latin: str
    day: dt.date  # the office's day and clock
    time: dt.time
    minutes: int
    counter: int
    hold_expires_at: dt.datetime | None
    bring_ar: str
    bring_latin: str
    language: str
    from_waitlist: bool
    starts_at: dt.datetime  # aware, in the office's zone

    @property
    def display_reference(self) -> str:
        return codes.display(self.reference)

    @property
    def qr_text(self) -> str:
        return codes.qr_text(self.reference, prefix=QR_PREFIX)

    @property
    def live(self) -> bool:
        return self.state in LIVE


def parse_reference(text: object) -> str | None:
    """A reference typed, pasted or scanned (`SANAD-BOOKING:...`), or None."""
    return codes.parse(text, prefix=QR_PREFIX) if isinstance(text, str) else None


def view(s: Session, row: Booking) -> BookingView:
    office = s.get(Office, row.office)
    service = s.get(BookingService, row.service)
    assert office is not None and service is not None
    zone = calendar.zone_of(office)
    local = row.starts_at.astimezone(zone)
    return BookingView(
        reference=row.reference,
        state=row.state,
        office=row.office,
        office_ar=office.name_ar,
        office_latin=office.name_latin or office.name_ar,
        service=row.service,
        service_ar=service.name_ar,
        service_latin=service.name_latin,
        day=local.date(),
        time=local.time().replace(tzinfo=None, second=0, microsecond=0),
        minutes=service.minutes,
        counter=row.counter,
        hold_expires_at=row.hold_expires_at if row.state == BookingState.HELD else None,
        bring_ar=service.bring_ar,
        bring_latin=service.bring_latin,
        language=row.language,
        from_waitlist=row.from_waitlist,
        starts_at=local,
    )


# --- claims: the database's guarantee ---


def release(s: Session, booking_id: int) -> None:
    s.execute(delete(SlotClaim).where(SlotClaim.booking_id == booking_id))


def _clear_dead(
    s: Session, office: str, counter: int, units: list[dt.datetime], now: dt.datetime
) -> bool:
    """Delete lapsed holds' claims on these units and mark those holds expired (True: some
    were)."""
    dead = list(
        s.scalars(
            select(SlotClaim.booking_id).where(
                SlotClaim.office == office,
                SlotClaim.counter == counter,
                SlotClaim.unit.in_(units),
                SlotClaim.expires_at <= now,
            )
        )
    )
    if not dead:
        return False
    for booking_id in set(dead):
        s.execute(
            update(Booking)
            .where(Booking.id == booking_id, Booking.state == BookingState.HELD)
            .values(state=BookingState.EXPIRED, updated_at=now)
        )
        release(s, booking_id)
    return True


def _insert_claims(
    s: Session,
    booking: Booking,
    office: str,
    counter: int,
    units: list[dt.datetime],
    expires_at: dt.datetime | None,
) -> bool:
    """One multi-row INSERT in a savepoint: the key decides, all units or none."""
    rows = [
        {
            "office": office,
            "counter": counter,
            "unit": u,
            "booking_id": booking.id,
            "expires_at": expires_at,
        }
        for u in units
    ]
    try:
        with s.begin_nested():
            s.execute(insert(SlotClaim).values(rows))
    except IntegrityError:
        return False
    return True


def _claim(
    s: Session,
    booking: Booking,
    place: Place,
    start: dt.datetime,
    counters: list[int],
    expires_at: dt.datetime | None,
    now: dt.datetime,
) -> int | None:
    """Claim the appointment's units on the first counter that can have them, or None. A
    counter whose units are held only by lapsed holds is cleared of them and tried again."""
    units = calendar.units_of(start, place.service.minutes)
    office = place.office.code
    for counter in counters:
        if _insert_claims(s, booking, office, counter, units, expires_at):
            return counter
        if _clear_dead(s, office, counter, units, now) and _insert_claims(
            s, booking, office, counter, units, expires_at
        ):
            return counter
    return None


def _alternatives(
    s: Session, rules: Rules, place: Place, day: dt.date, now: dt.datetime, limit: int = 3
) -> list[tuple[dt.date, dt.time]]:
    found: list[tuple[dt.date, dt.time]] = []
    for info in calendar.open_days(s, rules.settings, place, now=now):
        if info.day < day or not info.has_free:
            continue
        found += [
            (info.day, t) for t in calendar.free_times(s, rules.settings, place, info.day, now=now)
        ]
        if len(found) >= limit:
            break
    return found[:limit]


# --- the citizen's steps ---


def _lock_person(s: Session, person_id: int) -> Person:
    person = s.execute(
        select(Person).where(Person.id == person_id).with_for_update()
    ).scalar_one_or_none()
    if person is None:
        raise NotFound("no such person", code=ErrorCode.NOT_FOUND)
    return person


def _check_limits(s: Session, rules: Rules, person_id: int, now: dt.datetime) -> None:
    live_now = (
        Booking.state.in_(LIVE)
        & (Booking.ends_at > now)
        & ((Booking.state != BookingState.HELD) | (Booking.hold_expires_at > now))
    )
    live, recent = s.execute(
        select(
            func.count().filter(live_now),
            func.count().filter(Booking.created_at > now - dt.timedelta(hours=1)),
        ).where(Booking.person_id == person_id)
    ).one()
    if (live or 0) >= rules.settings.max_active_per_person:
        raise Conflict(
            f"at most {rules.settings.max_active_per_person} appointments at a time",
            code=ErrorCode.BOOKING_LIMIT,
        )
    if (recent or 0) >= rules.settings.holds_per_hour:
        raise Throttled(
            "too many appointments started in the last hour",
            retry_after=600.0,
            code=ErrorCode.BOOKING_RATE,
        )


def _check_key(key: object) -> str:
    if (
        not isinstance(key, str)
        or len(key) not in KEY_LENGTH
        or not key.isascii()
        or not key.isprintable()
    ):
        raise InvalidInput("idempotency_key must be 8 to 64 printable ASCII characters")
    return key


def hold(
    s: Session,
    rules: Rules,
    *,
    person_id: int,
    office: str,
    service: str,
    day: dt.date,
    time: dt.time,
    channel_id: str,
    idempotency_key: str,
    language: str,
    now: dt.datetime,
    hold_minutes: int | None = None,
    from_waitlist: bool = False,
) -> BookingView:
    """Hold `time` on `day` at `office` for `service` (state held until hold_expires_at)."""
    key = _check_key(idempotency_key)
    if language not in ("ar", "en"):
        raise InvalidInput("language must be ar or en")
    earlier = s.scalar(
        select(Booking).where(Booking.channel_id == channel_id, Booking.idempotency_key == key)
    )
    place = calendar.load_place(s, office, service)
    if earlier is not None:
        same = (earlier.person_id, earlier.office, earlier.service) == (person_id, office, service)
        shown = view(s, earlier)
        if not same or (shown.day, shown.time) != (day, time):
            raise Conflict("idempotency key reused for another appointment")
        return shown
    start, end = calendar.check_start(s, rules.settings, place, day, time, now=now)
    _lock_person(s, person_id)
    _check_limits(s, rules, person_id, now)
    expires = now + dt.timedelta(minutes=hold_minutes or rules.settings.hold_minutes)
    booking = Booking(
        reference=codes.new_code(),
        person_id=person_id,
        office=office,
        counter=0,
        service=service,
        starts_at=start,
        ends_at=end,
        state=BookingState.HELD,
        hold_expires_at=expires,
        channel_id=channel_id,
        idempotency_key=key,
        language=language,
        from_waitlist=from_waitlist,
        created_at=now,
        updated_at=now,
    )
    attempt = s.begin_nested()  # a caller that catches SlotTaken and commits keeps nothing
    s.add(booking)
    s.flush()
    counter = _claim(s, booking, place, start, list(place.counters), expires, now)
    if counter is None:
        attempt.rollback()
        raise SlotTaken(_alternatives(s, rules, place, day, now))
    booking.counter = counter
    attempt.commit()
    return view(s, booking)


def _own(s: Session, reference: str, person_id: int | None, *, lock: bool = True) -> Booking:
    query = select(Booking).where(Booking.reference == reference)
    row = s.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if row is None or (person_id is not None and row.person_id != person_id):
        raise NotFound("no such appointment", code=ErrorCode.BOOKING_NOT_FOUND)
    return row


def confirm(
    s: Session, rules: Rules, *, reference: str, person_id: int | None, now: dt.datetime
) -> BookingView:
    """held → booked (a second confirmation answers the same); a lapsed hold is refused."""
    row = _own(s, reference, person_id)
    if row.state == BookingState.BOOKED:
        return view(s, row)
    if row.state != BookingState.HELD:
        raise Conflict("this appointment is no longer open", code=ErrorCode.BOOKING_NOT_ACTIVE)
    units = calendar.units_of(
        row.starts_at, (row.ends_at - row.starts_at) // dt.timedelta(minutes=1)
    )
    if row.hold_expires_at is None or row.hold_expires_at <= now:
        raise Conflict("the hold has lapsed: choose the time again", code=ErrorCode.HOLD_EXPIRED)
    attempt = s.begin_nested()
    kept = s.execute(
        update(SlotClaim)
        .where(SlotClaim.booking_id == row.id, SlotClaim.expires_at > now)
        .values(expires_at=None)
    )
    if getattr(kept, "rowcount", 0) != len(units):  # another clock cleared them first
        attempt.rollback()
        raise Conflict("the hold has lapsed: choose the time again", code=ErrorCode.HOLD_EXPIRED)
    attempt.commit()
    row.state = BookingState.BOOKED
    row.hold_expires_at = None
    row.updated_at = now
    if row.from_waitlist:
        from registry.bookings import waitlist

        waitlist.taken_up(s, row.id)
    notices.confirmed(s, rules, row, now)
    return view(s, row)


def cancel(
    s: Session,
    rules: Rules,
    *,
    reference: str,
    person_id: int | None,
    now: dt.datetime,
    reason: str = "citizen",
) -> BookingView:
    """A held or booked appointment cancelled and its time freed (offered to the waiting
    list); cancelling twice answers the same."""
    from registry.bookings import waitlist

    row = _own(s, reference, person_id)
    if row.state == BookingState.CANCELLED:
        return view(s, row)
    if row.state not in (BookingState.HELD, BookingState.BOOKED) or row.starts_at <= now:
        raise Conflict(
            "this appointment can no longer be cancelled", code=ErrorCode.BOOKING_NOT_ACTIVE
        )
    was_booked = row.state == BookingState.BOOKED
    row.state = BookingState.CANCELLED
    row.cancelled_reason = reason
    row.hold_expires_at = None
    row.updated_at = now
    release(s, row.id)
    s.flush()
    if was_booked and reason == "citizen":
        notices.cancelled(s, rules, row, now)
    if was_booked:
        place = calendar.load_place(s, row.office, row.service)
        waitlist.offer_freed(
            s, rules, place, calendar.local_day(place.zone, row.starts_at), now=now
        )
    return view(s, row)


def reschedule(
    s: Session,
    rules: Rules,
    *,
    reference: str,
    person_id: int,
    day: dt.date,
    time: dt.time,
    now: dt.datetime,
) -> BookingView:
    """Move a booked appointment to another time at the same office: the old claims go and
    the new ones come in one transaction (a taken time leaves the old booking as it was)."""
    from registry.bookings import waitlist

    row = _own(s, reference, person_id)
    if row.state != BookingState.BOOKED or row.starts_at <= now:
        raise Conflict(
            "only a booked, future appointment can be moved", code=ErrorCode.BOOKING_NOT_ACTIVE
        )
    place = calendar.load_place(s, row.office, row.service)
    start, end = calendar.check_start(s, rules.settings, place, day, time, now=now)
    old_day = calendar.local_day(place.zone, row.starts_at)
    if start == row.starts_at:
        return view(s, row)
    attempt = s.begin_nested()  # the old time is kept unless the new one is had
    release(s, row.id)
    counter = _claim(s, row, place, start, list(place.counters), None, now)
    if counter is None:
        attempt.rollback()
        raise SlotTaken(_alternatives(s, rules, place, day, now))
    attempt.commit()
    row.counter, row.starts_at, row.ends_at, row.updated_at = counter, start, end, now
    row.reminded_at = None
    s.flush()
    notices.moved(s, rules, row, now)
    waitlist.offer_freed(s, rules, place, old_day, now=now)
    return view(s, row)


def find(s: Session, reference: str) -> Booking | None:
    return s.scalar(select(Booking).where(Booking.reference == reference))


def list_for(s: Session, person_id: int, *, now: dt.datetime, limit: int = 20) -> list[BookingView]:
    """A person's appointments: the live ones, soonest first, then the past month's, newest
    first (lapsed holds left out)."""
    rows = s.scalars(
        select(Booking)
        .where(
            Booking.person_id == person_id,
            Booking.state != BookingState.EXPIRED,
            Booking.starts_at > now - dt.timedelta(days=31),
        )
        .order_by(Booking.starts_at)
        .limit(200)
    )
    live: list[BookingView] = []
    past: list[BookingView] = []
    for row in rows:
        if row.state == BookingState.HELD and (row.hold_expires_at or now) <= now:
            continue
        (live if row.state in LIVE and row.ends_at > now else past).append(view(s, row))
    return (live + past[::-1])[:limit]


def close_day(
    s: Session, rules: Rules, *, office: str, day: dt.date, reason: str, by: str, now: dt.datetime
) -> int:
    """Close an office for a day: a closure row, every live appointment that day cancelled
    with an SMS and a rebooking link, the act in the audit log. Returns how many were
    cancelled; closing a day already closed cancels nothing more."""
    row = s.get(Office, office)
    if row is None or row.closed_at is not None:
        raise NotFound("no open office with that code", code=ErrorCode.NO_SUCH_OFFICE)
    reason = " ".join(str(reason).split())
    if not 3 <= len(reason) <= 300:
        raise InvalidInput("give the reason in 3 to 300 characters")
    zone = calendar.zone_of(row)
    if day < calendar.local_day(zone, now):
        raise Conflict("a past day cannot be closed", code=ErrorCode.OUTSIDE_WINDOW)
    if s.get(OfficeClosure, (office, day)) is None:
        s.add(OfficeClosure(office=office, day=day, reason=reason, closed_by=by, at=now))
        s.flush()
    start = calendar.local_to_utc(zone, day, dt.time(0))
    end = calendar.local_to_utc(zone, day + dt.timedelta(days=1), dt.time(0))
    bookings = list(
        s.scalars(
            select(Booking)
            .where(
                Booking.office == office,
                Booking.starts_at >= start,
                Booking.starts_at < end,
                Booking.state.in_((BookingState.HELD, BookingState.BOOKED)),
            )
            .with_for_update()
        )
    )
    for booking in bookings:
        was_booked = booking.state == BookingState.BOOKED
        booking.state = BookingState.CANCELLED
        booking.cancelled_reason = "office_closed"
        booking.hold_expires_at = None
        booking.updated_at = now
        release(s, booking.id)
        if was_booked:
            notices.office_closed(s, rules, booking, now)
    from registry.bookings import waitlist

    waitlist.close_day(s, office, day, now=now)
    audit.append(
        s,
        AuditEvent.OFFICE_DAY_CLOSED,
        {"by": by, "office": office, "day": day.isoformat(), "cancelled": len(bookings)},
        now,
    )
    return len(bookings)
