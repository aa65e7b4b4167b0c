"""The registry's routes for appointments and the office's queue (signed channel requests).

Citizens (a citizen session on the portal or a kiosk): the services and offices, an office's
open days, one day's free times, holding, confirming, cancelling and moving an appointment,
their list, the waiting list. A free time is listed only to a signed-in citizen, one day
per request: no bulk listing of an office's calendar. The SMS's signed link (portal only,
no session): see the appointment, cancel it, confirm a waiting-list offer. Kiosks only:
check in with a booking's reference, a walk-in ticket, both for the office the kiosk stands
in. Errors are `registry.errors` answered by `registry.http_errors` (a taken time: 409
`slot_taken` with `alternatives`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.bookings import calendar, defaults, links, store, tickets, waitlist
from registry.bookings.rules import Rules, load_rules
from registry.bookings.store import BookingView
from registry.codes import ErrorCode
from registry.errors import Conflict, InvalidInput, NotFound, SessionInvalid
from registry.http_schema import Text, _Strict, errors_for
from registry.http_state import Auth, Kiosk_, KioskIdentity, Registry, bearer
from registry.models import BookingService, Kiosk, Office

__all__ = ["booking_json", "install_bookings", "ticket_json"]

Day = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", max_length=10)
Clock = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", max_length=5)
Code = Field(pattern=r"^[A-Z_]{2,16}$", max_length=16)
OfficeCode = Field(pattern=r"^[A-Z]{3}$", max_length=3)


class HoldBody(_Strict):
    service: str = Code
    office: str = OfficeCode
    day: str = Day
    time: str = Clock
    idempotency_key: Text = Field(min_length=8, max_length=64)
    language: Literal["ar", "en"] = "ar"


class MoveBody(_Strict):
    day: str = Day
    time: str = Clock


class WaitBody(_Strict):
    service: str = Code
    office: str = OfficeCode
    day: str = Day
    language: Literal["ar", "en"] = "ar"


class LinkBody(_Strict):
    t: Text = Field(max_length=64)


class CheckInBody(_Strict):
    reference: Text = Field(max_length=64, description="typed, or the QR's SANAD-BOOKING:...")


class WalkInBody(_Strict):
    service: str = Code


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("day must be a date, YYYY-MM-DD") from None


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _names(ar: str, latin: str | None) -> dict[str, str]:
    return {"ar": ar, "latin": latin or ar}


def booking_json(v: BookingView) -> dict[str, Any]:
    hijri_ar, hijri_latin = calendar.hijri(v.day)
    return {
        "reference": v.reference,
        "display_reference": v.display_reference,
        "qr_text": v.qr_text,
        "state": str(v.state),
        "office": {"code": v.office, "name": _names(v.office_ar, v.office_latin)},
        "service": {
            "code": v.service,
            "name": _names(v.service_ar, v.service_latin),
            "minutes": v.minutes,
            "bring": _names(v.bring_ar, v.bring_latin),
        },
        "day": v.day.isoformat(),
        "hijri": {"ar": hijri_ar, "latin": hijri_latin},
        "time": v.time.strftime("%H:%M"),
        "starts_at": v.starts_at.isoformat(),  # the office's clock, with its UTC offset
        "counter": v.counter,
        "hold_expires_at": v.hold_expires_at.isoformat() if v.hold_expires_at else None,
        "from_waitlist": v.from_waitlist,
        "language": v.language,
    }


def ticket_json(t: tickets.TicketView, zone: dt.tzinfo) -> dict[str, Any]:
    return {
        "label": t.label,
        "kind": t.kind,
        "late": t.late,
        "reprint": t.reprint,
        "office": {"code": t.office, "name": _names(t.office_ar, t.office_latin)},
        "service": {"code": t.service, "name": _names(t.service_ar, t.service_latin)},
        "ahead": t.ahead,
        "expected_wait_minutes": t.expected_wait_minutes,
        "issued_at": t.issued_at.astimezone(zone).isoformat(timespec="seconds"),
        "day": t.day.isoformat(),
    }


def _distance(a: str | None, b: str | None) -> float:
    """Kilometres between two governorates' seats (unknown: as far as can be)."""
    if a not in defaults.GOVERNORATES or b not in defaults.GOVERNORATES:
        return math.inf
    _, _, lat1, lon1 = defaults.GOVERNORATES[a]
    _, _, lat2, lon2 = defaults.GOVERNORATES[b]
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def install_bookings(app: FastAPI, reg: Registry) -> None:
    rules_cache: list[Rules] = []

    def rules() -> Rules:
        if not rules_cache:
            rules_cache.append(load_rules(reg.data, reg.settings.bookings))
        return rules_cache[0]

    def citizen(kiosk: KioskIdentity, authorization: str | None) -> int:
        token = bearer(authorization)
        if token is None:
            raise SessionInvalid("no session token")
        return reg.person_for(token, kiosk)

    def kiosk_office(s: Session, kiosk: KioskIdentity) -> str | None:
        return s.scalar(select(Kiosk.office).where(Kiosk.id == kiosk.id))

    errors = errors_for(400, 401, 403, 404, 409, 429, 503)

    # -- what can be booked ---------------------------------------------------------------

    @app.get("/api/v1/booking-services", responses=errors_for(401, 403, 503))
    def services(kiosk: Kiosk_) -> dict[str, Any]:
        with reg.db.session() as s:
            rows = s.scalars(
                select(BookingService)
                .where(BookingService.active.is_(True))
                .order_by(BookingService.code)
            )
            return {
                "services": [
                    {
                        "code": r.code,
                        "name": _names(r.name_ar, r.name_latin),
                        "minutes": r.minutes,
                        "bring": _names(r.bring_ar, r.bring_latin),
                        "walk_in": r.walk_in,
                    }
                    for r in rows
                ]
            }

    @app.get("/api/v1/booking-offices", responses=errors_for(400, 401, 403, 404, 503))
    def offices(
        kiosk: Kiosk_,
        service: str = Query(pattern=r"^[A-Z_]{2,16}$", max_length=16),
        governorate: str | None = Query(default=None, max_length=40),
    ) -> dict[str, Any]:
        with reg.db.session() as s:
            if s.get(BookingService, service) is None:
                raise NotFound("no bookable service with that code", code=ErrorCode.NO_SUCH_SERVICE)
            rows = [
                o
                for o in s.scalars(select(Office).where(Office.closed_at.is_(None)))
                if calendar.counters_for(s, o.code, service)
            ]
            rows.sort(key=lambda o: (_distance(governorate, o.governorate), o.code))
            return {
                "offices": [
                    {
                        "code": o.code,
                        "name": _names(o.name_ar, o.name_latin),
                        "governorate": o.governorate,
                        "governorate_name": _names(*defaults.GOVERNORATES[o.governorate][:2])
                        if o.governorate in defaults.GOVERNORATES
                        else None,
                    }
                    for o in rows
                ],
                "governorates": [
                    {"code": code, "name": _names(ar, latin)}
                    for code, (ar, latin, _, _) in defaults.GOVERNORATES.items()
                ],
            }

    @app.get("/api/v1/booking-days", responses=errors)
    def days(
        kiosk: Kiosk_,
        authorization: Auth = None,
        service: str = Query(pattern=r"^[A-Z_]{2,16}$", max_length=16),
        office: str = Query(pattern=r"^[A-Z]{3}$", max_length=3),
    ) -> dict[str, Any]:
        citizen(kiosk, authorization)
        with reg.db.session() as s:
            place = calendar.load_place(s, office, service)
            found = calendar.open_days(s, rules().settings, place, now=reg.now())
            return {
                "days": [
                    {
                        "day": d.day.isoformat(),
                        "weekday": d.day.isoweekday(),
                        "hijri": {"ar": d.hijri_ar, "latin": d.hijri_latin},
                        "has_free": d.has_free,
                    }
                    for d in found
                ]
            }

    @app.get("/api/v1/booking-times", responses=errors)
    def times(
        kiosk: Kiosk_,
        authorization: Auth = None,
        service: str = Query(pattern=r"^[A-Z_]{2,16}$", max_length=16),
        office: str = Query(pattern=r"^[A-Z]{3}$", max_length=3),
        day: str = Query(pattern=r"^\d{4}-\d{2}-\d{2}$", max_length=10),
    ) -> dict[str, Any]:
        citizen(kiosk, authorization)
        when = _day(day)
        with reg.db.session() as s:
            place = calendar.load_place(s, office, service)
            free = calendar.free_times(s, rules().settings, place, when, now=reg.now())
            return {"day": when.isoformat(), "times": [t.strftime("%H:%M") for t in free]}

    # -- the citizen's appointments -------------------------------------------------------

    @app.post("/api/v1/bookings", status_code=201, responses=errors)
    def hold(body: HoldBody, kiosk: Kiosk_, authorization: Auth = None) -> JSONResponse:
        person_id = citizen(kiosk, authorization)
        day, time = _day(body.day), _time(body.time)

        def attempt(s: Session) -> BookingView:
            return store.hold(
                s,
                rules(),
                person_id=person_id,
                office=body.office,
                service=body.service,
                day=day,
                time=time,
                channel_id=kiosk.id,
                idempotency_key=body.idempotency_key,
                language=body.language,
                now=reg.now(),
            )

        return JSONResponse(booking_json(reg.db.transact(attempt)), status_code=201)

    @app.get("/api/v1/bookings", responses=errors_for(401, 403, 503))
    def mine(kiosk: Kiosk_, authorization: Auth = None) -> dict[str, Any]:
        person_id = citizen(kiosk, authorization)
        with reg.db.session() as s:
            return {
                "bookings": [booking_json(v) for v in store.list_for(s, person_id, now=reg.now())]
            }

    def own(s: Session, reference: str, person_id: int) -> BookingView:
        ref = store.parse_reference(reference)
        row = store.find(s, ref) if ref else None
        if row is None or row.person_id != person_id:
            raise NotFound("no such appointment", code=ErrorCode.BOOKING_NOT_FOUND)
        return store.view(s, row)

    def reference_of(text: str) -> str:
        ref = store.parse_reference(text)
        if ref is None:
            raise NotFound("no such appointment", code=ErrorCode.BOOKING_NOT_FOUND)
        return ref

    @app.get("/api/v1/bookings/{reference}", responses=errors)
    def one(reference: str, kiosk: Kiosk_, authorization: Auth = None) -> dict[str, Any]:
        person_id = citizen(kiosk, authorization)
        with reg.db.session() as s:
            return booking_json(own(s, reference, person_id))

    @app.post("/api/v1/bookings/{reference}/confirm", responses=errors)
    def confirm(reference: str, kiosk: Kiosk_, authorization: Auth = None) -> dict[str, Any]:
        person_id = citizen(kiosk, authorization)
        ref = reference_of(reference)
        done = reg.db.transact(
            lambda s: store.confirm(s, rules(), reference=ref, person_id=person_id, now=reg.now())
        )
        return booking_json(done)

    @app.post("/api/v1/bookings/{reference}/cancel", responses=errors)
    def cancel(reference: str, kiosk: Kiosk_, authorization: Auth = None) -> dict[str, Any]:
        person_id = citizen(kiosk, authorization)
        ref = reference_of(reference)
        done = reg.db.transact(
            lambda s: store.cancel(s, rules(), reference=ref, person_id=person_id, now=reg.now())
        )
        return booking_json(done)

    @app.post("/api/v1/bookings/{reference}/reschedule", responses=errors)
    def move(
        reference: str, body: MoveBody, kiosk: Kiosk_, authorization: Auth = None
    ) -> dict[str, Any]:
        person_id = citizen(kiosk, authorization)
        ref, day, time = reference_of(reference), _day(body.day), _time(body.time)
        done = reg.db.transact(
            lambda s: store.reschedule(
                s, rules(), reference=ref, person_id=person_id, day=day, time=time, now=reg.now()
            )
        )
        return booking_json(done)

    @app.post("/api/v1/waitlist", status_code=201, responses=errors)
    def wait(body: WaitBody, kiosk: Kiosk_, authorization: Auth = None) -> JSONResponse:
        person_id = citizen(kiosk, authorization)
        day = _day(body.day)

        def attempt(s: Session) -> int:
            place = calendar.load_place(s, body.office, body.service)
            return waitlist.join(
                s,
                rules(),
                person_id=person_id,
                place=place,
                day=day,
                language=body.language,
                now=reg.now(),
            )

        place_in_line = reg.db.transact(attempt)
        return JSONResponse(
            {
                "office": body.office,
                "service": body.service,
                "day": day.isoformat(),
                "position": place_in_line,
            },
            status_code=201,
        )

    # -- the SMS's signed link (portal, no session) ---------------------------------------

    def linked(s: Session, reference: str, token: str) -> BookingView:
        ref = store.parse_reference(reference)
        row = store.find(s, ref) if ref else None
        if row is None or not links.check(row.reference, token, rules().link_secret):
            raise Conflict("this link is not valid", code=ErrorCode.LINK_INVALID)
        return store.view(s, row)

    @app.get("/api/v1/booking-links/{reference}", responses=errors)
    def link(reference: str, kiosk: Kiosk_, t: str = Query(max_length=64)) -> dict[str, Any]:
        kiosk.require_portal()
        with reg.db.session() as s:
            return booking_json(linked(s, reference, t))

    @app.post("/api/v1/booking-links/{reference}/cancel", responses=errors)
    def link_cancel(reference: str, body: LinkBody, kiosk: Kiosk_) -> dict[str, Any]:
        kiosk.require_portal()

        def attempt(s: Session) -> BookingView:
            v = linked(s, reference, body.t)
            return store.cancel(s, rules(), reference=v.reference, person_id=None, now=reg.now())

        return booking_json(reg.db.transact(attempt))

    @app.post("/api/v1/booking-links/{reference}/confirm", responses=errors)
    def link_confirm(reference: str, body: LinkBody, kiosk: Kiosk_) -> dict[str, Any]:
        kiosk.require_portal()

        def attempt(s: Session) -> BookingView:
            v = linked(s, reference, body.t)
            return store.confirm(s, rules(), reference=v.reference, person_id=None, now=reg.now())

        return booking_json(reg.db.transact(attempt))

    # -- the office's kiosk: check-in and walk-in tickets ---------------------------------

    def zone(s: Session, office: str) -> dt.tzinfo:
        row = s.get(Office, office)
        assert row is not None
        return calendar.zone_of(row)

    @app.post("/api/v1/queue/check-in", status_code=201, responses=errors)
    def check_in(body: CheckInBody, kiosk: Kiosk_) -> JSONResponse:
        kiosk.require_kiosk()
        ref = reference_of(body.reference)

        def attempt(s: Session) -> dict[str, Any]:
            office = kiosk_office(s, kiosk)
            t = tickets.check_in(
                s, rules(), reference=ref, office=office, kiosk_id=kiosk.id, now=reg.now()
            )
            return ticket_json(t, zone(s, t.office))

        out = reg.db.transact(attempt)
        return JSONResponse(out, status_code=200 if out["reprint"] else 201)

    @app.post("/api/v1/queue/walk-in", status_code=201, responses=errors)
    def walk_in(body: WalkInBody, kiosk: Kiosk_) -> JSONResponse:
        kiosk.require_kiosk()

        def attempt(s: Session) -> dict[str, Any]:
            office = kiosk_office(s, kiosk)
            t = tickets.walk_in(
                s, rules(), office=office, service=body.service, kiosk_id=kiosk.id, now=reg.now()
            )
            return ticket_json(t, zone(s, t.office))

        return JSONResponse(reg.db.transact(attempt), status_code=201)

    @app.get("/api/v1/queue/services", responses=errors_for(401, 403, 409, 503))
    def walk_in_services(kiosk: Kiosk_) -> dict[str, Any]:
        """The walk-in services of the kiosk's office, for its "queue ticket" screen."""
        kiosk.require_kiosk()
        with reg.db.session() as s:
            office = kiosk_office(s, kiosk)
            if office is None:
                raise Conflict(
                    "this kiosk is not placed in an office", code=ErrorCode.NO_OFFICE_HERE
                )
            rows = s.scalars(
                select(BookingService).where(
                    BookingService.active.is_(True), BookingService.walk_in.is_(True)
                )
            )
            return {
                "office": office,
                "services": [
                    {"code": r.code, "name": _names(r.name_ar, r.name_latin), "minutes": r.minutes}
                    for r in rows
                    if calendar.counters_for(s, office, r.code)
                ],
            }
