"""The rules of booking on the SQLite default: what is offered, holds, confirmation,
cancelling, moving, limits, holidays, closures and the office's time zone."""

from __future__ import annotations

import datetime as dt
import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from registry.bookings import calendar, links, store
from registry.bookings.store import BookingState, SlotTaken
from registry.codes import ErrorCode
from registry.db import Database
from registry.errors import Conflict, NotFound, Throttled
from registry.models import Booking, Office, SlotClaim, SmsMessage
from tests.bookings.bookings_support import MONDAY_9, WEDNESDAY, book, people, rules, sms_to
from tests.support.registry import Registry

NINE = dt.time(9, 0)


def _times(
    db: Database, day: dt.date = WEDNESDAY, *, now: dt.datetime = MONDAY_9, **kw: object
) -> list[str]:
    with db.session() as s:
        place = calendar.load_place(
            s, str(kw.get("office", "AMM")), str(kw.get("service", "EVENT_REG"))
        )
        return [
            t.strftime("%H:%M")
            for t in calendar.free_times(s, rules().settings, place, day, now=now)
        ]


def test_a_day_offers_every_start_that_ends_by_closing_time(db: Database) -> None:
    times = _times(db)
    assert times[0] == "08:00" and times[-1] == "14:30" and len(times) == 27  # 30-minute service
    assert _times(db, service="EXTRACT")[-1] == "14:45"  # 15 minutes


def test_a_time_is_gone_once_every_counter_serving_it_is_held(db: Database) -> None:
    r = rules()
    with db.session() as s:
        a, b, c = people(s, 3)
        first = book(s, r, a)
        second = book(s, r, b)
        assert {first.counter, second.counter} == {1, 2}  # EVENT_REG: counters 1 and 2 only
        with pytest.raises(SlotTaken) as taken:
            book(s, r, c)
    assert taken.value.code is ErrorCode.SLOT_TAKEN
    offered = [(d, t.strftime("%H:%M")) for d, t in taken.value.alternatives]
    assert offered == [(WEDNESDAY, "08:00"), (WEDNESDAY, "08:15"), (WEDNESDAY, "08:30")]
    times = _times(db)
    # 09:00 and 09:15 (which would overlap 09:00-09:30 on both counters) are no longer offered
    assert "09:00" not in times and "09:15" not in times and "09:30" in times and "08:30" in times


def test_a_hold_lapses_by_itself_and_its_time_is_bookable_at_once(db: Database) -> None:
    r = rules(hold_minutes=5)
    with db.session() as s:
        a, b, c = people(s, 3)
        book(s, r, a)
        lapsing = book(s, r, b, confirm=False)
    assert "09:00" not in _times(db)
    later = MONDAY_9 + dt.timedelta(minutes=6)
    assert "09:00" in _times(db, now=later)
    with db.session() as s:
        taker = book(s, r, c, now=later)
        assert taker.counter == lapsing.counter
    with db.session() as s, pytest.raises(Conflict) as late:
        store.confirm(s, r, reference=lapsing.reference, person_id=b, now=later)
    assert late.value.code in (ErrorCode.HOLD_EXPIRED, ErrorCode.BOOKING_NOT_ACTIVE)
    with db.session() as s:
        assert (
            s.scalar(select(Booking.state).where(Booking.reference == lapsing.reference))
            == "expired"
        )


def test_a_confirmation_just_inside_the_hold_keeps_the_time(db: Database) -> None:
    r = rules(hold_minutes=5)
    with db.session() as s:
        (a,) = people(s, 1)
        held = book(s, r, a, confirm=False)
        done = store.confirm(
            s, r, reference=held.reference, person_id=a, now=MONDAY_9 + dt.timedelta(minutes=4)
        )
        assert done.state == "booked" and done.hold_expires_at is None
        assert (
            s.scalar(select(SlotClaim.expires_at).where(SlotClaim.office == "AMM").limit(1)) is None
        )


def test_a_cancelled_time_is_bookable_again(db: Database) -> None:
    r = rules()
    with db.session() as s:
        a, b, c = people(s, 3)
        first = book(s, r, a)
        book(s, r, b)
        cancelled = store.cancel(s, r, reference=first.reference, person_id=a, now=MONDAY_9)
        assert cancelled.state == "cancelled"
        assert (
            store.cancel(s, r, reference=first.reference, person_id=a, now=MONDAY_9).state
            == "cancelled"
        )
        again = book(s, r, c)
        assert again.counter == first.counter
        assert [m.template for m in sms_to(s, a)] == ["booking_confirmed", "booking_cancelled"]


def test_a_moved_booking_frees_its_old_time_in_the_same_transaction(db: Database) -> None:
    r = rules()
    with db.session() as s:
        a, b, c = people(s, 3)
        moving = book(s, r, a)
        book(s, r, b)
    with db.session() as s:
        moved = store.reschedule(
            s,
            r,
            reference=moving.reference,
            person_id=a,
            day=WEDNESDAY,
            time=dt.time(11, 0),
            now=MONDAY_9,
        )
        assert (moved.reference, moved.time, moved.state) == (
            moving.reference,
            dt.time(11, 0),
            "booked",
        )
        # before commit, inside the same transaction: the old time is already free
        place = calendar.load_place(s, "AMM", "EVENT_REG")
        assert calendar.free_counters(s, r.settings, place, WEDNESDAY, NINE, now=MONDAY_9) == [
            moving.counter
        ]
        assert "booking_moved" in [m.template for m in sms_to(s, a)]
    with db.session() as s:
        book(s, r, c)  # takes the freed 09:00


def test_a_move_to_a_taken_time_leaves_the_booking_as_it_was(db: Database) -> None:
    r = rules()
    with db.session() as s:
        a, b, c = people(s, 3)
        staying = book(s, r, a)
        book(s, r, b, time=dt.time(10, 0))
        book(s, r, c, time=dt.time(10, 0))
    with db.session() as s, pytest.raises(SlotTaken):
        store.reschedule(
            s,
            r,
            reference=staying.reference,
            person_id=a,
            day=WEDNESDAY,
            time=dt.time(10, 0),
            now=MONDAY_9,
        )
    with db.session() as s:
        row = s.scalar(select(Booking).where(Booking.reference == staying.reference))
        assert row is not None and row.state == "booked"
        claims = s.scalars(select(SlotClaim.unit).where(SlotClaim.booking_id == row.id)).all()
        assert len(claims) == 2 and min(claims) == row.starts_at


def test_the_database_refuses_a_second_claim_whatever_the_application_does(db: Database) -> None:
    r = rules()
    with db.session() as s:
        (a,) = people(s, 1)
        held = book(s, r, a)
    from sqlalchemy.exc import IntegrityError

    with db.session() as s:
        row = s.scalar(select(Booking).where(Booking.reference == held.reference))
        assert row is not None
        s.add(SlotClaim(office="AMM", counter=row.counter, unit=row.starts_at, booking_id=row.id))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()


def test_holidays_and_closures_are_never_offered(db: Database) -> None:
    r = rules()
    independence = dt.date(2027, 5, 25)  # a Tuesday, Jordan's Independence Day
    now = dt.datetime(2027, 5, 1, 6, 0, tzinfo=dt.UTC)
    with db.session() as s:
        a, b = people(s, 2)
        place = calendar.load_place(s, "AMM", "EVENT_REG")
        days = {d.day for d in calendar.open_days(s, r.settings, place, now=now)}
        assert independence not in days and dt.date(2027, 5, 24) in days
        assert dt.date(2027, 5, 28) not in days  # a Friday
        with pytest.raises(Conflict) as shut:
            book(s, r, a, day=independence, now=now)
        assert shut.value.code is ErrorCode.DAY_NOT_OPEN
        closing = dt.date(2027, 5, 26)
        booked = book(s, r, b, day=closing, now=now)
        assert (
            store.close_day(
                s, r, office="AMM", day=closing, reason="صيانة المبنى", by="sup", now=now
            )
            == 1
        )
        assert (
            store.close_day(
                s, r, office="AMM", day=closing, reason="صيانة المبنى", by="sup", now=now
            )
            == 0
        )
        assert closing not in {d.day for d in calendar.open_days(s, r.settings, place, now=now)}
        assert calendar.free_times(s, r.settings, place, closing, now=now) == []
        row = store.find(s, booked.reference)
        assert row is not None and (row.state, row.cancelled_reason) == (
            "cancelled",
            "office_closed",
        )
        notice = sms_to(s, b)[-1]
        assert notice.template == "booking_office_closed" and "/appointments/new" in notice.body
        with pytest.raises(Conflict):
            book(s, r, a, day=closing, now=now)


def test_hijri_dates_come_with_each_day(db: Database) -> None:
    with db.session() as s:
        place = calendar.load_place(s, "AMM", "EVENT_REG")
        tuesday = next(
            d
            for d in calendar.open_days(s, rules().settings, place, now=MONDAY_9)
            if d.day == WEDNESDAY
        )
    assert tuesday.hijri_ar == "28 رجب 1448 هـ" and tuesday.hijri_latin == "28 Rajab 1448 AH"


@pytest.mark.parametrize("server_zone", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_window_and_notice_are_the_offices_not_the_servers(
    db: Database, monkeypatch: pytest.MonkeyPatch, server_zone: str
) -> None:
    monkeypatch.setenv("TZ", server_zone)
    clock.tzset()
    r = rules(min_notice_minutes=120, window_days=10)
    with db.session() as s:
        s.execute(update(Office).where(Office.code == "IRB").values(timezone="Pacific/Auckland"))
        (a,) = people(s, 1)
        # Tuesday 22:30 UTC is Wednesday 11:30 in Auckland: Wednesday is "today" there
        now = dt.datetime(2027, 1, 5, 22, 30, tzinfo=dt.UTC)
        place = calendar.load_place(s, "IRB", "EVENT_REG")
        assert calendar.zone_of(place.office) == ZoneInfo("Pacific/Auckland")
        times = [
            t.strftime("%H:%M")
            for t in calendar.free_times(s, r.settings, place, WEDNESDAY, now=now)
        ]
        assert times[0] == "13:30"  # 11:30 + two hours' notice, on the grid
        with pytest.raises(Conflict) as soon:
            book(s, r, a, office="IRB", time=dt.time(13, 15), now=now)
        assert soon.value.code is ErrorCode.TOO_SOON
        booked = book(s, r, a, office="IRB", time=dt.time(13, 30), now=now)
        assert booked.day == WEDNESDAY and booked.time == dt.time(13, 30)
        row = store.find(s, booked.reference)
        assert row is not None and row.starts_at == dt.datetime(2027, 1, 6, 0, 30, tzinfo=dt.UTC)
        days = [d.day for d in calendar.open_days(s, r.settings, place, now=now)]
        assert days[0] == WEDNESDAY and days[-1] <= WEDNESDAY + dt.timedelta(days=10)
        with pytest.raises(Conflict) as far:
            book(s, r, a, office="IRB", day=WEDNESDAY + dt.timedelta(days=11), now=now)
        assert far.value.code is ErrorCode.OUTSIDE_WINDOW
        with pytest.raises(Conflict) as past:
            book(s, r, a, office="IRB", day=dt.date(2027, 1, 5), now=now)  # still today in UTC
        assert past.value.code is ErrorCode.OUTSIDE_WINDOW
    monkeypatch.delenv("TZ")
    clock.tzset()


def test_a_person_holds_only_so_many_and_starts_only_so_many_an_hour(db: Database) -> None:
    r = rules(max_active_per_person=3, holds_per_hour=5)
    with db.session() as s:
        (a,) = people(s, 1)
        made = [book(s, r, a, time=dt.time(h, 0)) for h in (8, 9, 10)]
        with pytest.raises(Conflict) as limit:
            book(s, r, a, time=dt.time(11, 0))
        assert limit.value.code is ErrorCode.BOOKING_LIMIT
        store.cancel(s, r, reference=made[0].reference, person_id=a, now=MONDAY_9)
        book(s, r, a, time=dt.time(11, 0))
        store.cancel(s, r, reference=made[1].reference, person_id=a, now=MONDAY_9)
        book(s, r, a, time=dt.time(12, 0))
        store.cancel(s, r, reference=made[2].reference, person_id=a, now=MONDAY_9)
        with pytest.raises(Throttled) as rate:
            book(s, r, a, time=dt.time(13, 0))
        assert rate.value.code is ErrorCode.BOOKING_RATE


def test_the_same_request_twice_is_one_hold(db: Database) -> None:
    r = rules()
    with db.session() as s:
        (a,) = people(s, 1)

        def ask(time: dt.time) -> store.BookingView:
            return store.hold(
                s,
                r,
                person_id=a,
                office="AMM",
                service="EVENT_REG",
                day=WEDNESDAY,
                time=time,
                channel_id="P",
                idempotency_key="key-00000001",
                language="ar",
                now=MONDAY_9,
            )

        assert ask(NINE).reference == ask(NINE).reference
        with pytest.raises(Conflict) as reused:
            ask(dt.time(10, 0))
        assert reused.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
        assert s.scalar(select(Booking.id).where(Booking.person_id == a).offset(1)) is None


def test_unknown_services_offices_and_strangers_references_are_not_found(db: Database) -> None:
    r = rules()
    with db.session() as s:
        a, b = people(s, 2)
        with pytest.raises(NotFound) as service:
            book(s, r, a, service="NOPE")
        assert service.value.code is ErrorCode.NO_SUCH_SERVICE
        with pytest.raises(NotFound) as office:
            book(s, r, a, office="XXX")
        assert office.value.code is ErrorCode.NO_SUCH_OFFICE
        mine = book(s, r, a)
        with pytest.raises(NotFound):
            store.cancel(s, r, reference=mine.reference, person_id=b, now=MONDAY_9)
        with pytest.raises(Conflict) as grid:
            book(s, r, a, time=dt.time(9, 5))
        assert grid.value.code is ErrorCode.NOT_A_START


def test_the_confirmation_sms_carries_a_link_that_opens_only_that_booking(db: Database) -> None:
    r = rules(portal_url="https://sanad.example.jo")
    with db.session() as s:
        (a,) = people(s, 1)
        booked = book(s, r, a)
        (sms,) = [m for m in sms_to(s, a) if m.template == "booking_confirmed"]
    assert booked.display_reference in sms.body and "09:00" in sms.body and "2027-01-06" in sms.body
    token = sms.body.rsplit("?t=", 1)[1]
    assert f"https://sanad.example.jo/b/{booked.reference}?t=" in sms.body
    assert links.check(booked.reference, token, r.link_secret)
    assert not links.check("0" * 9, token, r.link_secret)
    assert not links.check(booked.reference, token, b"other" * 8)
    assert not any(ch.isdigit() for ch in token)


def test_references_parse_from_the_qr_and_from_typing(db: Database) -> None:
    with db.session() as s:
        (a,) = people(s, 1)
        booked = book(s, rules(), a)
    assert store.parse_reference(booked.qr_text) == booked.reference
    assert store.parse_reference(booked.display_reference.lower()) == booked.reference
    assert store.parse_reference("SANAD-ORDER:" + booked.reference) is None
    assert (
        store.parse_reference(booked.reference[:-1] + ("0" if booked.reference[-1] != "0" else "1"))
        is None
    )
    assert store.parse_reference(None) is None


def test_no_sms_is_queued_for_a_hold_that_is_never_confirmed(db: Database) -> None:
    with db.session() as s:
        (a,) = people(s, 1)
        book(s, rules(), a, confirm=False)
        assert s.scalar(select(SmsMessage.id).where(SmsMessage.template.like("booking%"))) is None


def test_a_state_is_always_one_of_the_known(db: Database) -> None:
    with db.session() as s:
        (a,) = people(s, 1)
        book(s, rules(), a)
        assert set(s.scalars(select(Booking.state))) <= {st.value for st in BookingState}


def test_the_worker_command_sends_the_reminders_that_are_due(registry: Registry) -> None:
    """`sanad registry bookings work --once` as an operator runs it, on a booking for
    tomorrow (office time) with the reminder hour set to midnight."""
    import os
    import subprocess

    from tests.support.servers import SANAD

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    db = registry.db()
    try:
        with db.session() as s:
            (a,) = people(s, 1)
            place = calendar.load_place(s, "AMM", "EVENT_REG")
            r = rules()
            day = next(
                d.day for d in calendar.open_days(s, r.settings, place, now=now) if d.has_free
            )
            booked = book(
                s,
                r,
                a,
                day=day,
                time=calendar.free_times(s, r.settings, place, day, now=now)[0],
                now=now,
            )
            tomorrow = now.astimezone(place.zone) + dt.timedelta(days=1)
            s.execute(
                update(Booking)
                .where(Booking.reference == booked.reference)
                .values(starts_at=tomorrow, ends_at=tomorrow + dt.timedelta(minutes=30))
            )
        env = {**os.environ, "SANAD_REGISTRY_BOOKINGS__REMINDER_HOUR": "0"}
        done = subprocess.run(
            [SANAD, "registry", "bookings", "work", "--once", "--data", str(registry.data.root)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "reminders 1," in done.stdout
        with db.session() as s:
            assert [m.template for m in sms_to(s, a)][-1] == "booking_reminder"
    finally:
        db.dispose()


def test_an_office_added_later_takes_appointments_at_once(db: Database) -> None:
    from registry import offices

    with db.session() as s:
        offices.add_office(
            s,
            "RMT",
            "مكتب الأحوال المدنية - الرمثا",
            "Civil Status Office - Ramtha",
            by="admin",
            at=MONDAY_9,
        )
        place = calendar.load_place(s, "RMT", "ID_CARD")
        assert place.counters == (1, 3)
        assert calendar.free_times(s, rules().settings, place, WEDNESDAY, now=MONDAY_9)[
            0
        ] == NINE.replace(hour=8)


def test_the_link_secret_is_made_once_owner_only_and_never_replaced(tmp_path: Path) -> None:
    from registry.config import BookingsConfig, DataDir
    from registry.errors import ConfigError

    data = DataDir(tmp_path)
    first = links.load_secret(data, BookingsConfig())
    path = tmp_path / "keys" / "booking-links.key"
    assert path.stat().st_mode & 0o777 == 0o600 and len(first) == 32
    assert links.load_secret(data, BookingsConfig()) == first
    path.write_text("not hex\n")
    with pytest.raises(ConfigError):
        links.load_secret(data, BookingsConfig())
