"""The office's day: check-in at the kiosk, walk-in tickets, the queue's order, calling,
served and no-show, the board, the waiting list, reminders and the supervisor's figures."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from registry.bookings import calendar, queue, reminders, stats, store, tickets, waitlist
from registry.codes import ErrorCode
from registry.db import Database
from registry.errors import Conflict, NotFound
from registry.models import Booking, BookingWaitlist
from tests.bookings.bookings_support import AMMAN, MONDAY_9, WEDNESDAY, book, people, rules, sms_to

ARRIVAL = dt.datetime(2027, 1, 6, 8, 50, tzinfo=AMMAN).astimezone(dt.UTC)  # Wednesday 08:50


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2027, 1, 6, hour, minute, tzinfo=AMMAN).astimezone(dt.UTC)


def test_checking_in_on_time_prints_one_booked_ticket_even_when_asked_twice(db: Database) -> None:
    r = rules()
    with db.session() as s:
        (a,) = people(s, 1)
        booked = book(s, r, a)
        first = tickets.check_in(
            s, r, reference=booked.reference, office="AMM", kiosk_id="K", now=ARRIVAL
        )
        again = tickets.check_in(
            s, r, reference=booked.reference, office="AMM", kiosk_id="K", now=ARRIVAL
        )
    assert (first.label, first.kind, first.late, first.reprint) == ("B-001", "booked", False, False)
    assert (again.label, again.reprint) == ("B-001", True)
    assert first.expected_wait_minutes == 10  # called at 09:00, ten minutes away


@pytest.mark.parametrize(
    ("office", "now", "code"),
    [
        ("IRB", ARRIVAL, ErrorCode.BOOKING_OTHER_OFFICE),
        ("AMM", MONDAY_9 + dt.timedelta(hours=3), ErrorCode.BOOKING_NOT_TODAY),
        (None, ARRIVAL, ErrorCode.NO_OFFICE_HERE),
    ],
)
def test_a_check_in_elsewhere_or_another_day_is_refused(
    db: Database, office: str | None, now: dt.datetime, code: ErrorCode
) -> None:
    r = rules()
    with db.session() as s:
        (a,) = people(s, 1)
        booked = book(s, r, a)
        with pytest.raises(Conflict) as refused:
            tickets.check_in(s, r, reference=booked.reference, office=office, kiosk_id="K", now=now)
    assert refused.value.code is code


def test_a_cancelled_or_unknown_booking_gets_no_ticket(db: Database) -> None:
    r = rules()
    with db.session() as s:
        (a,) = people(s, 1)
        booked = book(s, r, a)
        store.cancel(s, r, reference=booked.reference, person_id=a, now=MONDAY_9)
        with pytest.raises(Conflict) as cancelled:
            tickets.check_in(
                s, r, reference=booked.reference, office="AMM", kiosk_id="K", now=ARRIVAL
            )
        assert cancelled.value.code is ErrorCode.BOOKING_NOT_ACTIVE
        with pytest.raises(NotFound):
            tickets.check_in(s, r, reference="0" * 9, office="AMM", kiosk_id="K", now=ARRIVAL)


def test_walk_ins_only_for_walk_in_services_while_the_office_is_open(db: Database) -> None:
    r = rules()
    with db.session() as s:
        one = tickets.walk_in(s, r, office="AMM", service="EXTRACT", kiosk_id="K", now=_at(9))
        two = tickets.walk_in(s, r, office="AMM", service="ID_CARD", kiosk_id="K", now=_at(9, 1))
        assert (one.label, two.label) == ("W-001", "W-002")
        assert two.ahead == 1 and two.expected_wait_minutes > 0
        with pytest.raises(Conflict) as booked_only:
            tickets.walk_in(s, r, office="AMM", service="EVENT_REG", kiosk_id="K", now=_at(9))
        assert booked_only.value.code is ErrorCode.NOT_WALK_IN
        with pytest.raises(Conflict) as shut:
            tickets.walk_in(s, r, office="AMM", service="EXTRACT", kiosk_id="K", now=_at(16))
        assert shut.value.code is ErrorCode.OFFICE_NOT_OPEN_NOW


def test_a_booked_citizen_on_time_goes_ahead_of_walk_ins_and_a_late_one_does_not(
    db: Database,
) -> None:
    r = rules()
    with db.session() as s:
        a, b = people(s, 2)
        on_time = book(s, r, a, time=dt.time(9, 0), service="EXTRACT")
        late = book(s, r, b, time=dt.time(8, 30), service="EXTRACT")
        early_walk = tickets.walk_in(
            s, r, office="AMM", service="EXTRACT", kiosk_id="K", now=_at(8, 40)
        )
        checked = tickets.check_in(
            s, r, reference=on_time.reference, office="AMM", kiosk_id="K", now=_at(8, 56)
        )
        tardy = tickets.check_in(
            s, r, reference=late.reference, office="AMM", kiosk_id="K", now=_at(8, 57)
        )
        assert tardy.late and tardy.kind == "booked"
        order = [row.label for row in queue.today(s, "AMM", now=_at(8, 58))]
        assert order == [checked.label, early_walk.label, tardy.label]
        # a counter serving EXTRACT calls the booked citizen first, then the walk-in
        first = queue.call_next(s, office="AMM", counter=3, by="clerk", now=_at(8, 58))
        second = queue.call_next(s, office="AMM", counter=2, by="clerk", now=_at(8, 59))
        assert first is not None and second is not None
        assert (first.label, second.label) == (checked.label, early_walk.label)
        assert (
            s.scalar(select(Booking.state).where(Booking.reference == on_time.reference))
            == "called"
        )
        assert [(line.label, line.counter) for line in queue.board(s, "AMM", now=_at(9))] == [
            (early_walk.label, 2),
            (checked.label, 3),
        ]
        queue.mark(
            s, office="AMM", ticket_id=first.id, outcome="served", by="clerk", now=_at(9, 10)
        )
        queue.mark(
            s, office="AMM", ticket_id=second.id, outcome="no_show", by="clerk", now=_at(9, 11)
        )
        assert (
            s.scalar(select(Booking.state).where(Booking.reference == on_time.reference))
            == "served"
        )
        with pytest.raises(Conflict):
            queue.mark(
                s, office="AMM", ticket_id=second.id, outcome="served", by="clerk", now=_at(9, 12)
            )
        assert queue.board(s, "AMM", now=_at(9, 12)) == []


def test_a_counter_calls_only_the_services_it_serves(db: Database) -> None:
    r = rules()
    with db.session() as s:
        tickets.walk_in(s, r, office="AMM", service="ID_CARD", kiosk_id="K", now=_at(9))
        assert queue.call_next(s, office="AMM", counter=2, by="clerk", now=_at(9, 1)) is None
        called = queue.call_next(s, office="AMM", counter=3, by="clerk", now=_at(9, 1))
        assert called is not None and called.service == "ID_CARD"


def test_a_freed_slot_goes_to_the_first_on_the_waiting_list_by_sms(db: Database) -> None:
    r = rules(waitlist_offer_minutes=30)
    many = rules(max_active_per_person=50, holds_per_hour=100)
    with db.session() as s:
        place = calendar.load_place(s, "AMM", "EXTRACT")
        everyone = people(s, 30)
        # fill the day for EXTRACT: its 3 counters at each of 28 starts, by 28 people
        taken = [
            book(s, many, everyone[i], service="EXTRACT", time=t)
            for t in calendar.free_times(s, r.settings, place, WEDNESDAY, now=MONDAY_9)
            for i in range(0, 28, 10)
        ]
        assert calendar.free_times(s, r.settings, place, WEDNESDAY, now=MONDAY_9) == []
        w1, w2 = everyone[28], everyone[29]
        assert (
            waitlist.join(
                s, r, person_id=w1, place=place, day=WEDNESDAY, language="ar", now=MONDAY_9
            )
            == 1
        )
        assert (
            waitlist.join(
                s, r, person_id=w2, place=place, day=WEDNESDAY, language="en", now=MONDAY_9
            )
            == 2
        )
        with pytest.raises(Conflict):
            waitlist.join(
                s, r, person_id=w1, place=place, day=WEDNESDAY, language="ar", now=MONDAY_9
            )
        freed = taken[0]
        owner = s.scalar(select(Booking.person_id).where(Booking.reference == freed.reference))
        assert owner is not None
        store.cancel(s, r, reference=freed.reference, person_id=owner, now=MONDAY_9)
        offer = s.scalar(
            select(Booking).where(Booking.person_id == w1, Booking.from_waitlist.is_(True))
        )
        assert offer is not None and offer.state == "held"
        assert offer.hold_expires_at == MONDAY_9 + dt.timedelta(minutes=30)
        assert sms_to(s, w1)[-1].template == "booking_slot_offered"
        assert calendar.free_times(s, r.settings, place, WEDNESDAY, now=MONDAY_9) == []
        # w1 lets it lapse: the sweep passes it to w2
        later = MONDAY_9 + dt.timedelta(minutes=31)
        assert waitlist.sweep(s, r, now=later) == 1
        second_offer = s.scalar(
            select(Booking).where(Booking.person_id == w2, Booking.from_waitlist.is_(True))
        )
        assert second_offer is not None and second_offer.state == "held"
        store.confirm(s, r, reference=second_offer.reference, person_id=w2, now=later)
        states = dict(s.execute(select(BookingWaitlist.person_id, BookingWaitlist.state)).all())
        assert states == {w1: "lapsed", w2: "done"}
        assert sms_to(s, w2)[-1].template == "booking_confirmed"


def test_reminders_go_the_day_before_from_the_reminder_hour_once(db: Database) -> None:
    r = rules(reminder_hour=17)
    with db.session() as s:
        (a,) = people(s, 1)
        book(s, r, a)  # Wednesday 09:00
        tuesday_noon = dt.datetime(2027, 1, 5, 12, 0, tzinfo=AMMAN).astimezone(dt.UTC)
        tuesday_evening = dt.datetime(2027, 1, 5, 17, 30, tzinfo=AMMAN).astimezone(dt.UTC)
        assert reminders.queue_reminders(s, r, now=tuesday_noon) == 0
        assert reminders.queue_reminders(s, r, now=tuesday_evening) == 1
        assert reminders.queue_reminders(s, r, now=tuesday_evening) == 0
        assert [m.template for m in sms_to(s, a)] == ["booking_confirmed", "booking_reminder"]


def test_the_supervisors_figures_count_bookings_no_shows_waits_and_counters(db: Database) -> None:
    r = rules()
    with db.session() as s:
        a, b, c = people(s, 3)
        came = book(s, r, a, service="EXTRACT", time=dt.time(9, 0))
        book(s, r, b, service="EXTRACT", time=dt.time(9, 0))  # never comes
        cancelled = book(s, r, c, service="EXTRACT", time=dt.time(10, 0))
        store.cancel(s, r, reference=cancelled.reference, person_id=c, now=MONDAY_9)
        tickets.check_in(s, r, reference=came.reference, office="AMM", kiosk_id="K", now=_at(8, 50))
        walk = tickets.walk_in(s, r, office="AMM", service="EXTRACT", kiosk_id="K", now=_at(8, 55))
        one = queue.call_next(s, office="AMM", counter=1, by="clerk", now=_at(9, 0))
        two = queue.call_next(s, office="AMM", counter=3, by="clerk", now=_at(9, 15))
        assert one is not None and two is not None and two.label == walk.label
        queue.mark(s, office="AMM", ticket_id=one.id, outcome="served", by="clerk", now=_at(9, 10))
        queue.mark(s, office="AMM", ticket_id=two.id, outcome="served", by="clerk", now=_at(9, 20))
        assert queue.close_out(s, now=_at(12)) == 1
        (day,) = stats.office_days(s, "AMM", WEDNESDAY, WEDNESDAY)
    assert (day.bookings, day.no_shows, day.seen, day.walk_ins) == (2, 1, 2, 1)
    assert day.no_show_rate == 0.5
    assert day.served_by_counter == {1: 1, 3: 1}
    assert day.wait_p50 is not None and 10 <= day.wait_p50 <= 20  # 10 and 20 minutes


def test_calling_again_tops_the_board_but_the_wait_ends_at_the_first_call(db: Database) -> None:
    r = rules()
    with db.session() as s:
        one = tickets.walk_in(s, r, office="AMM", service="EXTRACT", kiosk_id="K", now=_at(9))
        two = tickets.walk_in(s, r, office="AMM", service="EXTRACT", kiosk_id="K", now=_at(9))
        first = queue.call_next(s, office="AMM", counter=1, by="clerk", now=_at(9, 10))
        second = queue.call_next(s, office="AMM", counter=2, by="clerk", now=_at(9, 12))
        assert first is not None and second is not None
        assert (first.label, second.label) == (one.label, two.label)
        queue.recall(s, office="AMM", ticket_id=first.id, now=_at(9, 30))
        board = queue.board(s, "AMM", now=_at(9, 31))
        assert [(line.label, line.counter, line.called_at) for line in board] == [
            (one.label, 1, _at(9, 30)),
            (two.label, 2, _at(9, 12)),
        ]
        assert [row.label for row in queue.today(s, "AMM", now=_at(9, 31))] == [
            one.label,
            two.label,
        ]
        (day,) = stats.office_days(s, "AMM", WEDNESDAY, WEDNESDAY)
    # 10 and 12 minutes from the ticket to the first call; the call again adds nothing
    assert day.wait_p50 == 11.0
    assert day.wait_p90 is not None and round(day.wait_p90, 1) == 11.8
