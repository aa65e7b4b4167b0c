"""Queue tickets printed at an office's kiosk: a booked citizen checking in, or a walk-in.

Checking in takes the booking's reference (scanned from its QR or typed) at a kiosk of the
booking's office on the booking's day. From `check_in_early_minutes` before the start to
`check_in_late_minutes` after it the citizen is on time: a "B-" ticket called at their
appointment ahead of walk-ins. Later than that they are served in the walk-in order and the
ticket says so. Checking in twice prints the same ticket again, never a second one. A
walk-in ticket ("W-") is for a service that takes walk-ins, while the office is open.

Labels count per office and day (B-001, W-001, ...); the label's uniqueness is the
database's, and a race for the next number takes the one after. The expected wait is the
minutes of the tickets ahead shared among the counters serving the service, rounded up to
five minutes.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.bookings import calendar, queue
from registry.bookings.rules import Rules
from registry.bookings.store import BookingState
from registry.codes import ErrorCode
from registry.errors import Conflict, NotFound
from registry.models import (
    Booking,
    BookingService,
    Office,
    OfficeClosure,
    OfficeCounter,
    OfficeHours,
    QueueTicket,
)

__all__ = ["TicketView", "check_in", "ticket_view", "walk_in"]

_LABEL_TRIES = 20


@dataclass(frozen=True)
class TicketView:
    label: str
    kind: str  # booked | walk_in
    late: bool
    office: str
    office_ar: str
    office_latin: str
    service: str
    service_ar: str
    service_latin: str
    ahead: int
    expected_wait_minutes: int
    issued_at: dt.datetime
    day: dt.date
    reprint: bool = False


def _serving(s: Session, office: str, service: str) -> int:
    rows = s.scalars(
        select(OfficeCounter.services).where(
            OfficeCounter.office == office, OfficeCounter.active.is_(True)
        )
    )
    return sum(1 for services in rows if service in json.loads(services))


def ticket_view(
    s: Session, ticket: QueueTicket, *, now: dt.datetime, reprint: bool = False
) -> TicketView:
    office = s.get(Office, ticket.office)
    service = s.get(BookingService, ticket.service)
    assert office is not None and service is not None
    waiting = list(
        s.scalars(
            select(QueueTicket).where(
                QueueTicket.office == ticket.office,
                QueueTicket.day == ticket.day,
                QueueTicket.state == queue.TicketState.WAITING,
            )
        )
    )
    order = queue.ordered(waiting, now)
    mine = next((i for i, t in enumerate(order) if t.id == ticket.id), len(order))
    ahead = order[:mine]
    durations = s.execute(select(BookingService.code, BookingService.minutes))
    minutes = {code: int(m) for code, m in durations}
    counters = max(1, _serving(s, ticket.office, ticket.service))
    wait = sum(minutes.get(t.service, 15) for t in ahead) / counters
    if ticket.kind == "booked" and not ticket.late:
        wait = max(wait, (ticket.priority_at - now).total_seconds() / 60)
    return TicketView(
        label=ticket.label,
        kind=ticket.kind,
        late=ticket.late,
        office=ticket.office,
        office_ar=office.name_ar,
        office_latin=office.name_latin or office.name_ar,
        service=ticket.service,
        service_ar=service.name_ar,
        service_latin=service.name_latin,
        ahead=len(ahead),
        expected_wait_minutes=int(5 * math.ceil(max(0.0, wait) / 5)),
        issued_at=ticket.issued_at,
        day=ticket.day,
        reprint=reprint,
    )


def _issue(
    s: Session,
    *,
    office: str,
    day: dt.date,
    kind: str,
    service: str,
    priority_at: dt.datetime,
    late: bool,
    booking_id: int | None,
    kiosk_id: str,
    now: dt.datetime,
) -> QueueTicket:
    prefix = "B" if kind == "booked" else "W"
    for _ in range(_LABEL_TRIES):
        issued = s.scalar(
            select(func.count())
            .select_from(QueueTicket)
            .where(QueueTicket.office == office, QueueTicket.day == day, QueueTicket.kind == kind)
        )
        ticket = QueueTicket(
            office=office,
            day=day,
            label=f"{prefix}-{(issued or 0) + 1:03d}",
            kind=kind,
            late=late,
            booking_id=booking_id,
            service=service,
            state=queue.TicketState.WAITING,
            priority_at=priority_at,
            issued_at=now,
            kiosk_id=kiosk_id,
        )
        try:
            with s.begin_nested():
                s.add(ticket)
                s.flush()
        except IntegrityError:
            continue  # another kiosk took that number: count again
        return ticket
    raise Conflict("the queue is too busy: try again", code=ErrorCode.IDEMPOTENCY_CONFLICT)


def check_in(
    s: Session, rules: Rules, *, reference: str, office: str | None, kiosk_id: str, now: dt.datetime
) -> TicketView:
    """The ticket of a booked citizen who arrived at `office`'s kiosk."""
    if office is None:
        raise Conflict("this kiosk is not placed in an office", code=ErrorCode.NO_OFFICE_HERE)
    booking = s.execute(
        select(Booking).where(Booking.reference == reference).with_for_update()
    ).scalar_one_or_none()
    if booking is None:
        raise NotFound("no such appointment", code=ErrorCode.BOOKING_NOT_FOUND)
    existing = s.scalar(select(QueueTicket).where(QueueTicket.booking_id == booking.id))
    if existing is not None:
        if existing.state in (queue.TicketState.WAITING, queue.TicketState.CALLED):
            return ticket_view(s, existing, now=now, reprint=True)
        raise Conflict("this appointment has been seen to", code=ErrorCode.BOOKING_NOT_ACTIVE)
    if booking.state != BookingState.BOOKED:
        raise Conflict("this appointment is not active", code=ErrorCode.BOOKING_NOT_ACTIVE)
    if booking.office != office:
        raise Conflict("this appointment is at another office", code=ErrorCode.BOOKING_OTHER_OFFICE)
    row = s.get(Office, office)
    assert row is not None
    zone = calendar.zone_of(row)
    day = calendar.local_day(zone, now)
    if calendar.local_day(zone, booking.starts_at) != day:
        raise Conflict("this appointment is on another day", code=ErrorCode.BOOKING_NOT_TODAY)
    late = now > booking.starts_at + dt.timedelta(minutes=rules.settings.check_in_late_minutes)
    ticket = _issue(
        s,
        office=office,
        day=day,
        kind="booked",
        service=booking.service,
        priority_at=now if late else booking.starts_at,
        late=late,
        booking_id=booking.id,
        kiosk_id=kiosk_id,
        now=now,
    )
    booking.state = BookingState.CHECKED_IN
    booking.updated_at = now
    s.flush()
    return ticket_view(s, ticket, now=now)


def _open_now(s: Session, rules: Rules, office: Office, now: dt.datetime) -> bool:
    zone = calendar.zone_of(office)
    local = now.astimezone(zone)
    hours = s.get(OfficeHours, (office.code, local.weekday()))
    if hours is None or not hours.opens <= local.time().replace(tzinfo=None) < hours.closes:
        return False
    if calendar.holiday_name(rules.settings.holiday_country, local.date()) is not None:
        return False
    return s.get(OfficeClosure, (office.code, local.date())) is None


def walk_in(
    s: Session, rules: Rules, *, office: str | None, service: str, kiosk_id: str, now: dt.datetime
) -> TicketView:
    """A walk-in ticket for a service that takes walk-ins, while the office is open."""
    if office is None:
        raise Conflict("this kiosk is not placed in an office", code=ErrorCode.NO_OFFICE_HERE)
    place = calendar.load_place(s, office, service)
    if not place.service.walk_in:
        raise Conflict("this service is by appointment only", code=ErrorCode.NOT_WALK_IN)
    if not _open_now(s, rules, place.office, now):
        raise Conflict(
            "the office is not receiving the public now", code=ErrorCode.OFFICE_NOT_OPEN_NOW
        )
    ticket = _issue(
        s,
        office=office,
        day=calendar.local_day(place.zone, now),
        kind="walk_in",
        service=service,
        priority_at=now,
        late=False,
        booking_id=None,
        kiosk_id=kiosk_id,
        now=now,
    )
    return ticket_view(s, ticket, now=now)
