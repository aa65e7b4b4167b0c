"""The appointment routes over HTTP, as the portal and a kiosk call them through the
registry client: choose, hold, a taken time's alternatives, confirm, the SMS's signed link,
check-in and walk-in tickets at the office's kiosk, and refusals in the documented shape."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select, update

from registry import client_bookings as cb
from registry.client import CitizenSession, RegistryClient
from registry.codes import ErrorCode
from registry.errors import Conflict, NotFound, Refused, SessionInvalid
from registry.models import Booking
from tests.orders.orders_support import signed_in
from tests.support.registry import LiveServer, Registry, login
from verifier.documents import Bilingual


@pytest.fixture
def server(registry: Registry) -> Iterator[LiveServer]:
    with LiveServer(registry) as live:
        yield live


@pytest.fixture
def portal(registry: Registry, server: LiveServer) -> Iterator[RegistryClient]:
    key = registry.enroll_portal("PORTAL-1")
    with server.client("PORTAL-1", key, retries=0) as c:
        yield c


@pytest.fixture
def kiosk(registry: Registry, server: LiveServer) -> Iterator[RegistryClient]:
    key = registry.enroll("AMM-001", office="AMM")
    with server.client("AMM-001", key, retries=0) as c:
        yield c


def _people(registry: Registry, n: int) -> list[dict[str, str]]:
    found = [c for c in registry.citizens() if c["phone"] and "deceased" not in c["facts"]]
    return found[:n]


def _first_free_day(
    portal: RegistryClient, session: CitizenSession, service: str = "EVENT_REG"
) -> dt.date:
    days = portal.booking_days(session, service, "AMM")
    assert days and all(d.hijri.ar.endswith("هـ") for d in days)
    return next(d.day for d in days if d.has_free)


def _hold(
    portal: RegistryClient, session: CitizenSession, day: dt.date, time: dt.time
) -> cb.Appointment:
    return portal.hold_booking(
        session,
        service="EVENT_REG",
        office="AMM",
        day=day,
        time=time,
        idempotency_key=uuid.uuid4().hex,
    )


def test_a_citizen_books_on_the_portal_and_gets_the_sms(
    registry: Registry, server: LiveServer, portal: RegistryClient
) -> None:
    (citizen,) = _people(registry, 1)
    session = signed_in(portal, registry.url, citizen)
    services = {s.code: s for s in portal.booking_services()}
    assert services["ID_CARD"].walk_in and not services["EVENT_REG"].walk_in
    offices = portal.booking_offices("EVENT_REG", governorate="Zarqa")
    assert offices[0].code == "ZRQ" and offices[1].code == "AMM"  # Zarqa's nearest is Amman
    day = _first_free_day(portal, session)
    times = portal.booking_times(session, "EVENT_REG", "AMM", day)
    held = _hold(portal, session, day, times[-1])
    assert held.state == "held" and held.hold_expires_at is not None
    booked = portal.confirm_booking(session, held.reference)
    assert booked.state == "booked" and booked.qr_text == f"SANAD-BOOKING:{held.reference}"
    assert [b.reference for b in portal.bookings(session)] == [held.reference]
    body = registry.last_sms(citizen["phone"])
    assert booked.display_reference in body and times[-1].strftime("%H:%M") in body
    token = re.search(r"\?t=([a-z]+)", body)
    assert token is not None
    seen = portal.booking_link(held.reference, token.group(1))
    assert seen.reference == held.reference
    with pytest.raises(Conflict) as bad:
        portal.booking_link(held.reference, "a" * 22)
    assert bad.value.code is ErrorCode.LINK_INVALID
    cancelled = portal.booking_link_act(held.reference, token.group(1), "cancel")
    assert cancelled.state == "cancelled"
    assert times[-1] in portal.booking_times(session, "EVENT_REG", "AMM", day)


def test_a_taken_time_answers_409_with_alternatives(
    registry: Registry, server: LiveServer, portal: RegistryClient
) -> None:
    a, b, c = _people(registry, 3)
    sessions = [signed_in(portal, registry.url, p) for p in (a, b, c)]
    day = _first_free_day(portal, sessions[0])
    time = portal.booking_times(sessions[0], "EVENT_REG", "AMM", day)[-1]
    _hold(portal, sessions[0], day, time)
    _hold(portal, sessions[1], day, time)
    with pytest.raises(Conflict) as taken:
        _hold(portal, sessions[2], day, time)
    assert taken.value.code is ErrorCode.SLOT_TAKEN
    offered = cb.alternatives(taken.value)
    assert offered and (day, time) not in offered
    raw = httpx.get(f"{server.url}/api/v1/booking-times?service=EVENT_REG&office=AMM&day={day}")
    assert raw.status_code == 401 and "error" in raw.json()


def test_the_kiosk_checks_a_booked_citizen_in_and_prints_walk_in_tickets(
    registry: Registry, server: LiveServer, portal: RegistryClient, kiosk: RegistryClient
) -> None:
    (citizen,) = _people(registry, 1)
    session = signed_in(portal, registry.url, citizen)
    day = _first_free_day(portal, session)
    held = _hold(portal, session, day, portal.booking_times(session, "EVENT_REG", "AMM", day)[0])
    portal.confirm_booking(session, held.reference)
    with pytest.raises(Conflict) as not_today:
        kiosk.check_in(held.qr_text)
    assert not_today.value.code is ErrorCode.BOOKING_NOT_TODAY
    # the day comes: the appointment is in ten minutes
    soon = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=10)
    db = registry.db()
    try:
        with db.session() as s:
            s.execute(
                update(Booking)
                .where(Booking.reference == held.reference)
                .values(starts_at=soon, ends_at=soon + dt.timedelta(minutes=30))
            )
    finally:
        db.dispose()
    ticket = kiosk.check_in(held.qr_text)
    assert (ticket.label, ticket.kind, ticket.late, ticket.reprint) == (
        "B-001",
        "booked",
        False,
        False,
    )
    assert ticket.office_code == "AMM" and ticket.service_name.ar.startswith("تسجيل واقعة")
    again = kiosk.check_in(held.display_reference)
    assert (again.label, again.reprint) == ("B-001", True)
    walk_ins = {s.code for s in kiosk.walk_in_services()}
    assert walk_ins == {"EXTRACT", "ID_CARD"}
    with pytest.raises(Conflict) as appointment_only:
        kiosk.walk_in("EVENT_REG")
    assert appointment_only.value.code is ErrorCode.NOT_WALK_IN
    with pytest.raises(Refused):
        portal.check_in(held.qr_text)  # the portal is not a kiosk
    with pytest.raises(NotFound):
        kiosk.check_in("SANAD-BOOKING:not-a-reference")


def test_a_kiosk_without_an_office_is_told_so(registry: Registry, server: LiveServer) -> None:
    key = registry.enroll("IRB-009")
    with server.client("IRB-009", key, retries=0) as bare, pytest.raises(Conflict) as nowhere:
        bare.walk_in_services()
    assert nowhere.value.code is ErrorCode.NO_OFFICE_HERE


def test_a_kiosk_citizen_books_too_and_a_stranger_cannot_see_it(
    registry: Registry, server: LiveServer, portal: RegistryClient, kiosk: RegistryClient
) -> None:
    a, b = _people(registry, 2)
    at_kiosk = login(kiosk, a)
    day = _first_free_day(kiosk, at_kiosk)
    held = kiosk.hold_booking(
        at_kiosk,
        service="EXTRACT",
        office="AMM",
        day=day,
        time=kiosk.booking_times(at_kiosk, "EXTRACT", "AMM", day)[0],
        idempotency_key=uuid.uuid4().hex,
    )
    kiosk.confirm_booking(at_kiosk, held.reference)
    other = signed_in(portal, registry.url, b)
    with pytest.raises(NotFound):
        portal.booking(other, held.reference)
    with pytest.raises(NotFound):
        portal.cancel_booking(other, held.reference)
    with pytest.raises(SessionInvalid):
        portal.bookings(CitizenSession("x" * 43, dt.datetime.now(dt.UTC), Bilingual("", None)))
    db = registry.db()
    try:
        with db.session() as s:
            assert (
                s.scalar(select(Booking.channel_id).where(Booking.reference == held.reference))
                == "AMM-001"
            )
    finally:
        db.dispose()
