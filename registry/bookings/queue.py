"""An office's queue for the day: tickets in the order counters call them, call next, served,
no-show, recall, and the waiting room's board.

The order is the one public-office queue systems use: a booked citizen who checked in on
time is called at their appointment (from `DUE_EARLY` before its start) ahead of everyone
else; then walk-ins and late arrivals by the time their ticket was printed; booked tickets
not yet due come last (a counter with no one else waiting takes them early). A counter calls
only tickets for the services it serves. Calling takes the ticket under a row lock (PostgreSQL
skips a row another counter is taking, so two counters never call the same ticket); a
ticket's booking follows its state (called, served, no_show).

Tickets carry no personal data: the label, the service, the counter and the times.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from registry.bookings import calendar
from registry.codes import ErrorCode
from registry.errors import Conflict, InvalidInput, NotFound
from registry.models import Booking, BookingService, Office, OfficeCounter, QueueTicket

__all__ = [
    "DUE_EARLY",
    "BoardLine",
    "QueueRow",
    "TicketState",
    "board",
    "call_next",
    "close_out",
    "mark",
    "ordered",
    "recall",
    "today",
]

DUE_EARLY = dt.timedelta(minutes=5)


class TicketState(enum.StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVED = "served"
    NO_SHOW = "no_show"


@dataclass(frozen=True)
class QueueRow:
    id: int
    label: str
    kind: str  # booked | walk_in
    late: bool
    service: str
    service_ar: str
    service_latin: str
    state: str
    priority_at: dt.datetime
    issued_at: dt.datetime
    called_at: dt.datetime | None
    counter: int | None
    done_at: dt.datetime | None


@dataclass(frozen=True)
class BoardLine:
    label: str
    counter: int
    called_at: dt.datetime


def _rank(t: QueueTicket, now: dt.datetime) -> tuple[int, dt.datetime, int]:
    on_time_booked = t.kind == "booked" and not t.late
    if on_time_booked and t.priority_at <= now + DUE_EARLY:
        return (0, t.priority_at, t.id)
    if not on_time_booked:
        return (1, t.priority_at, t.id)
    return (2, t.priority_at, t.id)


def ordered(tickets: Sequence[QueueTicket], now: dt.datetime) -> list[QueueTicket]:
    """Waiting tickets in the order they are called at `now`."""
    return sorted(tickets, key=lambda t: _rank(t, now))


def _office_day(s: Session, office: str, now: dt.datetime) -> dt.date:
    row = s.get(Office, office)
    if row is None:
        raise NotFound("no such office", code=ErrorCode.NO_SUCH_OFFICE)
    return calendar.local_day(calendar.zone_of(row), now)


def _row(s: Session, t: QueueTicket) -> QueueRow:
    service = s.get(BookingService, t.service)
    assert service is not None
    return QueueRow(
        id=t.id,
        label=t.label,
        kind=t.kind,
        late=t.late,
        service=t.service,
        service_ar=service.name_ar,
        service_latin=service.name_latin,
        state=t.state,
        priority_at=t.priority_at,
        issued_at=t.issued_at,
        called_at=t.called_at,
        counter=t.counter,
        done_at=t.done_at,
    )


def today(s: Session, office: str, *, now: dt.datetime) -> list[QueueRow]:
    """The day's tickets: those called (newest call first), then those waiting, in order,
    then those done."""
    day = _office_day(s, office, now)
    rows = list(
        s.scalars(select(QueueTicket).where(QueueTicket.office == office, QueueTicket.day == day))
    )
    called = sorted(
        (t for t in rows if t.state == TicketState.CALLED),
        key=lambda t: _last_call(t, now),
        reverse=True,
    )
    waiting = ordered([t for t in rows if t.state == TicketState.WAITING], now)
    done = sorted(
        (t for t in rows if t.state in (TicketState.SERVED, TicketState.NO_SHOW)),
        key=lambda t: t.done_at or now,
        reverse=True,
    )
    return [_row(s, t) for t in (*called, *waiting, *done)]


def _serves(s: Session, office: str, counter: int) -> set[str]:
    row = s.get(OfficeCounter, (office, counter))
    if row is None or not row.active:
        raise InvalidInput("no such counter at this office")
    return set(json.loads(row.services))


def _follow(s: Session, ticket: QueueTicket, state: str, now: dt.datetime) -> None:
    if ticket.booking_id is not None:
        s.execute(
            update(Booking)
            .where(Booking.id == ticket.booking_id)
            .values(state=state, updated_at=now)
        )


def call_next(
    s: Session, *, office: str, counter: int, by: str, now: dt.datetime
) -> QueueRow | None:
    """Call the next waiting ticket this counter serves (None: nobody is waiting for it)."""
    serves = _serves(s, office, counter)
    day = _office_day(s, office, now)
    query = (
        select(QueueTicket)
        .where(
            QueueTicket.office == office,
            QueueTicket.day == day,
            QueueTicket.state == TicketState.WAITING,
            QueueTicket.service.in_(serves),
        )
        .with_for_update(skip_locked=True)
    )
    waiting = ordered(list(s.scalars(query)), now)
    if not waiting:
        return None
    ticket = waiting[0]
    ticket.state = TicketState.CALLED
    ticket.counter = counter
    ticket.called_at = now
    ticket.called_by = by
    _follow(s, ticket, "called", now)
    s.flush()
    return _row(s, ticket)


def _ticket(s: Session, office: str, ticket_id: int) -> QueueTicket:
    ticket = s.execute(
        select(QueueTicket).where(QueueTicket.id == ticket_id).with_for_update()
    ).scalar_one_or_none()
    if ticket is None or ticket.office != office:
        raise NotFound("no such ticket at this office")
    return ticket


def mark(
    s: Session, *, office: str, ticket_id: int, outcome: str, by: str, now: dt.datetime
) -> QueueRow:
    """A called ticket served, or a called or waiting one marked as a no-show."""
    if outcome not in (TicketState.SERVED, TicketState.NO_SHOW):
        raise InvalidInput("outcome must be served or no_show")
    ticket = _ticket(s, office, ticket_id)
    allowed = (
        (TicketState.CALLED,)
        if outcome == TicketState.SERVED
        else (TicketState.CALLED, TicketState.WAITING)
    )
    if ticket.state == outcome:
        return _row(s, ticket)
    if ticket.state not in allowed:
        raise Conflict(
            f"a {ticket.state} ticket cannot be marked {outcome}", code=ErrorCode.BOOKING_NOT_ACTIVE
        )
    ticket.state = outcome
    ticket.done_at = now
    ticket.called_by = ticket.called_by or by
    _follow(s, ticket, outcome, now)
    s.flush()
    return _row(s, ticket)


def recall(s: Session, *, office: str, ticket_id: int, now: dt.datetime) -> QueueRow:
    """Call a called ticket once more (the board shows it again at the top)."""
    ticket = _ticket(s, office, ticket_id)
    if ticket.state != TicketState.CALLED:
        raise Conflict(
            "only a called ticket can be called again", code=ErrorCode.BOOKING_NOT_ACTIVE
        )
    # the board orders by the last call; the wait (called_at - issued_at) keeps the first
    ticket.recalled_at = now
    s.flush()
    return _row(s, ticket)


def _last_call(t: QueueTicket, now: dt.datetime) -> dt.datetime:
    return t.recalled_at or t.called_at or now


def board(s: Session, office: str, *, now: dt.datetime, lines: int = 6) -> list[BoardLine]:
    """What the waiting room's screen shows: the latest calls, newest first."""
    day = _office_day(s, office, now)
    last = func.coalesce(QueueTicket.recalled_at, QueueTicket.called_at)
    rows = s.execute(
        select(
            QueueTicket.label, QueueTicket.counter, QueueTicket.called_at, QueueTicket.recalled_at
        )
        .where(
            QueueTicket.office == office,
            QueueTicket.day == day,
            QueueTicket.state == TicketState.CALLED,
            QueueTicket.called_at.is_not(None),
        )
        .order_by(last.desc())
        .limit(lines)
    )
    return [
        BoardLine(label, counter, recalled_at or called_at)
        for label, counter, called_at, recalled_at in rows
        if counter is not None and called_at is not None
    ]


def close_out(s: Session, *, now: dt.datetime, grace: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Appointments that ended more than `grace` ago with no one checked in: no-shows; the
    tickets of days gone still waiting: no-shows too. Returns how many bookings."""
    missed = s.execute(
        update(Booking)
        .where(Booking.state == "booked", Booking.ends_at < now - grace)
        .values(state="no_show", updated_at=now)
    )
    s.execute(
        update(QueueTicket)
        .where(
            QueueTicket.state.in_((TicketState.WAITING, TicketState.CALLED)),
            QueueTicket.issued_at < now - dt.timedelta(hours=18),
        )
        .values(state=TicketState.NO_SHOW, done_at=now)
    )
    return int(getattr(missed, "rowcount", 0) or 0)
