"""The waiting list: a citizen who finds a day full asks to be told when a time frees up.

When a booked time at an office is freed (cancelled, moved), the first person waiting for
that office, service and day (first come, first served) is given a hold on the first free
time in their name, kept `waitlist_offer_minutes`, and an SMS with a signed link to confirm
it. An offer not confirmed in time lapses and the time passes to the next person
(`sweep`, run by `sanad registry bookings work`); a person who cannot take it (already at
the most appointments allowed) is passed over and keeps their place.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from registry.bookings import calendar, notices
from registry.bookings.calendar import Place
from registry.bookings.rules import Rules
from registry.codes import ErrorCode
from registry.errors import Conflict, RegistryError
from registry.models import Booking, BookingWaitlist, Person

__all__ = ["WaitState", "close_day", "join", "offer_freed", "sweep", "taken_up"]

CHANNEL = "waiting-list"


class WaitState(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # a hold in their name, waiting for their confirmation
    DONE = "done"  # they confirmed the offer
    LAPSED = "lapsed"  # the offer was not confirmed in time
    CANCELLED = "cancelled"  # the day passed or the office closed it


def join(
    s: Session,
    rules: Rules,
    *,
    person_id: int,
    place: Place,
    day: dt.date,
    language: str,
    now: dt.datetime,
) -> int:
    """Put a person on the list for an open day (their place: 1 is next)."""
    if not calendar.day_is_open(s, rules.settings, place, day, now=now):
        raise Conflict(
            "the office does not receive the public that day", code=ErrorCode.DAY_NOT_OPEN
        )
    if calendar.free_times(s, rules.settings, place, day, now=now):
        raise Conflict("that day still has free times: book one", code=ErrorCode.DAY_NOT_FULL)
    s.execute(select(Person.id).where(Person.id == person_id).with_for_update())
    mine = list(
        s.scalars(
            select(BookingWaitlist).where(
                BookingWaitlist.person_id == person_id,
                BookingWaitlist.state.in_((WaitState.WAITING, WaitState.OFFERED)),
                BookingWaitlist.day >= calendar.local_day(place.zone, now),
            )
        )
    )
    if any(
        (w.office, w.service, w.day) == (place.office.code, place.service.code, day) for w in mine
    ):
        raise Conflict("already on that day's waiting list", code=ErrorCode.ALREADY_WAITING)
    if len(mine) >= rules.settings.max_active_per_person:
        raise Conflict("on too many waiting lists at once", code=ErrorCode.BOOKING_LIMIT)
    entry = BookingWaitlist(
        person_id=person_id,
        office=place.office.code,
        service=place.service.code,
        day=day,
        language=language if language in ("ar", "en") else "ar",
        state=WaitState.WAITING,
        created_at=now,
    )
    s.add(entry)
    s.flush()
    ahead = s.scalar(
        select(func.count())
        .select_from(BookingWaitlist)
        .where(
            BookingWaitlist.office == entry.office,
            BookingWaitlist.service == entry.service,
            BookingWaitlist.day == day,
            BookingWaitlist.state == WaitState.WAITING,
            BookingWaitlist.id < entry.id,
        )
    )
    return (ahead or 0) + 1


def offer_freed(s: Session, rules: Rules, place: Place, day: dt.date, *, now: dt.datetime) -> bool:
    """Offer a freed time that day to the first person waiting who can take it (True)."""
    from registry.bookings import store

    waiting = list(
        s.scalars(
            select(BookingWaitlist)
            .where(
                BookingWaitlist.office == place.office.code,
                BookingWaitlist.service == place.service.code,
                BookingWaitlist.day == day,
                BookingWaitlist.state == WaitState.WAITING,
            )
            .order_by(BookingWaitlist.created_at, BookingWaitlist.id)
            .with_for_update()
        )
    )
    for entry in waiting:
        times = calendar.free_times(s, rules.settings, place, day, now=now)
        if not times:
            return False
        try:
            with s.begin_nested():
                held = store.hold(
                    s,
                    rules,
                    person_id=entry.person_id,
                    office=place.office.code,
                    service=place.service.code,
                    day=day,
                    time=times[0],
                    channel_id=CHANNEL,
                    idempotency_key=f"waitlist-{entry.id:08d}",
                    language=entry.language,
                    now=now,
                    hold_minutes=rules.settings.waitlist_offer_minutes,
                    from_waitlist=True,
                )
        except store.SlotTaken:
            return False
        except RegistryError:
            continue  # this person cannot take it now (their limit): the next one may
        booking = s.scalar(select(Booking).where(Booking.reference == held.reference))
        assert booking is not None
        entry.state = WaitState.OFFERED
        entry.booking_id = booking.id
        notices.slot_offered(s, rules, booking, rules.settings.waitlist_offer_minutes, now)
        return True
    return False


def taken_up(s: Session, booking_id: int) -> None:
    """The offer's hold was confirmed."""
    s.execute(
        update(BookingWaitlist)
        .where(BookingWaitlist.booking_id == booking_id)
        .values(state=WaitState.DONE)
    )


def sweep(s: Session, rules: Rules, *, now: dt.datetime) -> int:
    """Lapse offers not confirmed in time and pass each time to the next person; drop the
    entries of days gone. Returns how many offers lapsed."""
    from registry.bookings import store

    offered = list(
        s.execute(
            select(BookingWaitlist, Booking)
            .join(Booking, Booking.id == BookingWaitlist.booking_id)
            .where(BookingWaitlist.state == WaitState.OFFERED)
            .with_for_update(of=BookingWaitlist)
        )
    )
    lapsed = 0
    for entry, booking in offered:
        gone = booking.state == store.BookingState.HELD and (booking.hold_expires_at or now) <= now
        if not gone and booking.state not in (
            store.BookingState.EXPIRED,
            store.BookingState.CANCELLED,
        ):
            continue
        entry.state = WaitState.LAPSED
        lapsed += 1
        if booking.state == store.BookingState.HELD:
            booking.state = store.BookingState.EXPIRED
            booking.updated_at = now
            store.release(s, booking.id)
        s.flush()
        try:
            place = calendar.load_place(s, entry.office, entry.service)
        except RegistryError:
            continue
        offer_freed(s, rules, place, entry.day, now=now)
    s.execute(
        update(BookingWaitlist)
        .where(
            BookingWaitlist.state == WaitState.WAITING,
            BookingWaitlist.day < (now - dt.timedelta(days=1)).date(),
        )
        .values(state=WaitState.CANCELLED)
    )
    return lapsed


def close_day(s: Session, office: str, day: dt.date, *, now: dt.datetime) -> None:
    s.execute(
        update(BookingWaitlist)
        .where(
            BookingWaitlist.office == office,
            BookingWaitlist.day == day,
            BookingWaitlist.state.in_((WaitState.WAITING, WaitState.OFFERED)),
        )
        .values(state=WaitState.CANCELLED)
    )
