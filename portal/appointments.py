"""The appointment pages: book a visit to a civil status office, see, cancel and move it, and
the SMS's signed link (docs/appointments.md), server-rendered like every portal page.

    /appointments/new                      service (what to bring)       step 1
    /appointments/new?service=S            office, nearest first         step 2
    /appointments/new?service=S&office=O   day, Hijri beside, full days  step 3
    ...&day=D                              time → POST holds it          step 4
    /appointments/{ref}/confirm            "held until HH:MM", confirm   step 5
    /appointments/{ref}                    reference, QR, what to bring
    /appointments                          mine, live first; cancel, move
    /b/{ref}?t=token                       the SMS's link: no sign-in

Each step is a GET with the choices so far in the query, so the back button and a link in
an SMS (`/appointments/new?service=CODE`) both work; only holding, confirming, cancelling,
moving and joining a waiting list are POSTs, each with its CSRF token (the link page's, as
the sign-in form's, on the ``pre`` cookie). A taken time (409 `slot_taken`) shows the free
times the registry offered instead, as buttons on the same form.

What it does not do: decide what is free or allowed (the registry does), or keep anything.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from portal import forms
from portal.dates import clock, day_text, hijri_text, minutes_text
from portal.qr import qr_svg
from portal.registry_port import Appointment, BookableOffice, BookableService
from portal.sessions import SessionState, new_id
from portal.words import TEXT, refusal_text, say
from registry.client import CitizenSession
from registry.client_bookings import alternatives
from registry.errors import Conflict, InvalidInput, NotFound, Refused, Throttled
from verifier.documents import Bilingual

if TYPE_CHECKING:
    from portal.app import _Portal

__all__ = ["install_appointments"]

_STATUS = {Refused: 403, NotFound: 404, Conflict: 409, InvalidInput: 400, Throttled: 429}


def _name(lang: str, b: Bilingual) -> str:
    return b.ar if lang == "ar" else b.latin or b.ar


def _status(exc: Exception) -> int:
    return next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)


def _slot_value(day: dt.date, time: dt.time) -> str:
    return f"{day.isoformat()}T{clock(time)}"


def _view(lang: str, a: Appointment, zone: ZoneInfo, now: dt.datetime) -> dict[str, Any]:
    """What the pages show of an appointment, in `lang`."""
    t = TEXT[lang]
    expires = a.hold_expires_at
    future = dt.datetime.combine(a.day, a.time) > now.astimezone(zone).replace(tzinfo=None)
    held = a.state == "held" and expires is not None and expires > now
    return {
        "ref": a.reference,
        "code": a.display_reference,
        "state": a.state if a.state != "held" or held else "expired",
        "state_text": t.get(f"state_{a.state if a.state != 'held' or held else 'expired'}", ""),
        "service": _name(lang, a.service_name),
        "service_code": a.service_code,
        "office": _name(lang, a.office_name),
        "office_code": a.office_code,
        "day": day_text(lang, a.day),
        "hijri": hijri_text(lang, a.day),
        "iso_day": a.day.isoformat(),
        "time": clock(a.time),
        "minutes": minutes_text(lang, a.minutes),
        "bring": _name(lang, a.bring),
        "held": held,
        "held_until": clock(expires.astimezone(zone).time()) if expires else "",
        "from_waitlist": a.from_waitlist,
        "live": a.live and (held or a.state != "held"),
        "can_change": a.state == "booked" and future,
        "can_cancel": (a.state == "booked" or held) and future,
    }


def install_appointments(app: FastAPI, p: _Portal) -> None:
    """The routes above, on the portal's app (`create_app` calls it)."""
    seal, port = p.seal, p.port
    zone = ZoneInfo(p.config.timezone)

    def words(request: Request) -> tuple[str, Mapping[str, str]]:
        lang = p.lang(request)
        return lang, TEXT[lang]

    def refused(request: Request, exc: Exception, code: str | None) -> HTMLResponse:
        lang, t = words(request)
        return p.message(request, _status(exc), t["refused_title"], refusal_text(lang, code))

    def bad_choice(request: Request) -> HTMLResponse:
        t = TEXT[p.lang(request)]
        return p.message(request, 404, t["not_found_title"], t["not_found_text"])

    def page(
        request: Request, name: str, state: SessionState, status: int = 200, **context: Any
    ) -> HTMLResponse:
        return p.render(
            request, name, status, state=state, csrf=seal.csrf("session", state.id), **context
        )

    def services_of(lang: str) -> list[dict[str, Any]]:
        return [
            {
                "code": s.code,
                "name": _name(lang, s.name),
                "minutes": minutes_text(lang, s.minutes),
                "bring": _name(lang, s.bring),
            }
            for s in port.booking_services()
        ]

    def service_named(code: str) -> BookableService | None:
        return next((s for s in port.booking_services() if s.code == code), None)

    def office_named(service: str, code: str) -> BookableOffice | None:
        return next((o for o in port.booking_offices(service, None) if o.code == code), None)

    def day_choices(
        lang: str, session: CitizenSession, service: str, office: str
    ) -> list[dict[str, Any]]:
        return [
            {
                "iso": d.day.isoformat(),
                "day": day_text(lang, d.day),
                "hijri": _name(lang, d.hijri),
                "free": d.has_free,
            }
            for d in port.booking_days(session, service, office)
        ]

    def new_url(**query: str) -> str:
        return "/appointments/new" + (("?" + urlencode(query)) if query else "")

    # -- book: service, office, day, time ---------------------------------------------------

    def time_page(
        request: Request,
        state: SessionState,
        session: CitizenSession,
        *,
        service: BookableService,
        office: BookableOffice,
        day: dt.date,
        status: int = 200,
        error: str | None = None,
        offered: list[tuple[dt.date, dt.time]] | None = None,
        move: dict[str, Any] | None = None,
    ) -> HTMLResponse:
        lang = p.lang(request)
        times = port.booking_times(session, service.code, office.code, day)
        return page(
            request,
            "appointment_time",
            state,
            status,
            service=_name(lang, service.name),
            office=_name(lang, office.name),
            day=day_text(lang, day),
            hijri=hijri_text(lang, day),
            times=[{"slot": _slot_value(day, x), "time": clock(x)} for x in times],
            offered=[
                {"slot": _slot_value(d, x), "day": day_text(lang, d), "time": clock(x)}
                for d, x in offered or []
            ]
            if offered is not None
            else None,
            error=error,
            fields={"service": service.code, "office": office.code},
            action=f"/appointments/{move['ref']}/move" if move else "/appointments/new",
            back=(
                f"/appointments/{move['ref']}/move"
                if move
                else new_url(service=service.code, office=office.code)
            ),
            move=move,
            idempotency_key=uuid.uuid4().hex,
        )

    @app.get("/appointments/new", response_class=HTMLResponse, include_in_schema=False)
    def book(
        request: Request,
        service: str = "",
        office: str = "",
        day: str = "",
        governorate: str = "",
    ) -> Response:
        state, session = p.citizen(request)
        lang = p.lang(request)
        if not service:
            return page(request, "appointment_service", state, services=services_of(lang))
        try:
            code = forms.service_code(service)
        except forms.FieldError:
            return bad_choice(request)
        chosen = service_named(code)
        if chosen is None:
            return refused(request, NotFound(""), "no_such_service")
        if not office:
            found = port.booking_offices(code, governorate[:40] or None)
            regions: dict[str, str] = {}
            for o in sorted(found, key=lambda o: o.code):
                if o.governorate and o.governorate_name:
                    regions.setdefault(o.governorate, _name(lang, o.governorate_name))
            return page(
                request,
                "appointment_office",
                state,
                service=_name(lang, chosen.name),
                service_code=code,
                offices=[
                    {
                        "code": o.code,
                        "name": _name(lang, o.name),
                        "region": _name(lang, o.governorate_name) if o.governorate_name else "",
                    }
                    for o in found
                ],
                governorates=sorted(regions.items(), key=lambda r: r[1]),
                governorate=governorate if governorate in regions else "",
            )
        try:
            where = forms.office_code(office)
        except forms.FieldError:
            return bad_choice(request)
        place = office_named(code, where)
        if place is None:
            return refused(request, NotFound(""), "no_such_office")
        if not day:
            return page(
                request,
                "appointment_day",
                state,
                service=_name(lang, chosen.name),
                office=_name(lang, place.name),
                days=day_choices(lang, session, code, where),
                link=lambda d: new_url(service=code, office=where, day=d),
                fields={"service": code, "office": where},
                back=new_url(service=code),
                back_text=TEXT[lang]["other_office"],
                move=None,
            )
        try:
            when = forms.booking_day(day)
        except forms.FieldError:
            return bad_choice(request)
        return time_page(request, state, session, service=chosen, office=place, day=when)

    @app.post("/appointments/new", response_class=HTMLResponse, include_in_schema=False)
    def hold(
        request: Request,
        service: Annotated[str, Form(max_length=16)] = "",
        office: Annotated[str, Form(max_length=3)] = "",
        slot: Annotated[str, Form(max_length=16)] = "",
        idempotency_key: Annotated[str, Form(max_length=64)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        state, session = p.citizen(request)
        lang, t = words(request)
        if not seal.csrf_ok("session", state.id, csrf):
            return p.message(request, 403, t["refused_title"], t["form_expired"])
        try:
            code, where = forms.service_code(service), forms.office_code(office)
            day, time = forms.slot(slot)
        except forms.FieldError:
            return bad_choice(request)
        chosen, place = service_named(code), office_named(code, where)
        if chosen is None or place is None:
            return refused(request, NotFound(""), "no_such_office")
        key = idempotency_key
        if not (8 <= len(key) <= 64 and key.isascii() and key.isalnum()):
            key = uuid.uuid4().hex
        try:
            held = port.hold_booking(
                session,
                service=code,
                office=where,
                day=day,
                time=time,
                idempotency_key=key,
                language=lang,
            )
        except (Conflict, Throttled, InvalidInput, Refused) as exc:
            which = exc.code.value if exc.code else None
            if which == "slot_taken":
                return time_page(
                    request,
                    state,
                    session,
                    service=chosen,
                    office=place,
                    day=day,
                    status=409,
                    error=t["slot_taken"],
                    offered=alternatives(exc),
                )
            if which in ("booking_limit", "booking_rate", "idempotency_conflict", None):
                return refused(request, exc, which)
            return time_page(
                request,
                state,
                session,
                service=chosen,
                office=place,
                day=day,
                status=_status(exc),
                error=refusal_text(lang, which),
            )
        return RedirectResponse(f"/appointments/{held.reference}/confirm", status_code=303)

    @app.post("/appointments/waitlist", response_class=HTMLResponse, include_in_schema=False)
    def waitlist(
        request: Request,
        service: Annotated[str, Form(max_length=16)] = "",
        office: Annotated[str, Form(max_length=3)] = "",
        day: Annotated[str, Form(max_length=10)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        state, session = p.citizen(request)
        lang, t = words(request)
        if not seal.csrf_ok("session", state.id, csrf):
            return p.message(request, 403, t["refused_title"], t["form_expired"])
        try:
            code, where = forms.service_code(service), forms.office_code(office)
            when = forms.booking_day(day)
        except forms.FieldError:
            return bad_choice(request)
        try:
            position = port.join_waitlist(
                session, service=code, office=where, day=when, language=lang
            )
        except Conflict as exc:
            return refused(request, exc, exc.code.value if exc.code else None)
        return page(
            request,
            "appointment_waiting",
            state,
            status=201,
            text=say(lang, "waitlist_joined", day=day_text(lang, when), position=position),
        )

    # -- one appointment --------------------------------------------------------------------

    def own(request: Request, ref: str) -> tuple[SessionState, CitizenSession, str | None]:
        state, session = p.citizen(request)
        try:
            return state, session, forms.reference(ref)
        except forms.FieldError:
            return state, session, None

    def not_a_reference(request: Request) -> HTMLResponse:
        t = TEXT[p.lang(request)]
        return p.message(request, 404, t["not_found_title"], t["err_reference"])

    @app.get("/appointments", response_class=HTMLResponse, include_in_schema=False)
    def mine(request: Request, notice: str = "", code: str = "") -> Response:
        state, session = p.citizen(request)
        lang = p.lang(request)
        now = p.clock()
        views = [_view(lang, a, zone, now) for a in port.bookings(session)]
        live = sorted((v for v in views if v["live"]), key=lambda v: (v["iso_day"], v["time"]))
        rest = sorted(
            (v for v in views if not v["live"]),
            key=lambda v: (v["iso_day"], v["time"]),
            reverse=True,
        )
        shown = ""
        if notice == "cancelled":
            try:
                c = forms.reference(code)
                shown = say(lang, "cancelled_notice", code=f"{c[:3]}-{c[3:6]}-{c[6:]}")
            except forms.FieldError:
                shown = ""
        return page(request, "appointments", state, live=live, rest=rest, notice=shown)

    @app.get("/appointments/{ref}", response_class=HTMLResponse, include_in_schema=False)
    def show(request: Request, ref: str, done: str = "") -> Response:
        state, session, clean = own(request, ref)
        if clean is None:
            return not_a_reference(request)
        lang, t = words(request)
        a = port.booking(session, clean)
        view = _view(lang, a, zone, p.clock())
        if view["held"]:
            return RedirectResponse(f"/appointments/{clean}/confirm", status_code=303)
        qr = ""
        if view["live"]:
            label = say(lang, "qr_booking_label", code=a.display_reference)
            qr = Markup(qr_svg(a.qr_text, label=label))
        notice = {"booked": t["booked_sms"], "moved": t["moved_notice"]}.get(done, "")
        return page(request, "appointment", state, a=view, qr=qr, done=done, notice=notice)

    @app.get("/appointments/{ref}/confirm", response_class=HTMLResponse, include_in_schema=False)
    def confirm_form(request: Request, ref: str) -> Response:
        state, session, clean = own(request, ref)
        if clean is None:
            return not_a_reference(request)
        lang = p.lang(request)
        view = _view(lang, port.booking(session, clean), zone, p.clock())
        if view["state"] != "held" and view["state"] != "expired":
            return RedirectResponse(f"/appointments/{clean}", status_code=303)
        return page(
            request,
            "appointment_confirm",
            state,
            a=view,
            again=new_url(
                service=view["service_code"], office=view["office_code"], day=view["iso_day"]
            ),
        )

    @app.post("/appointments/{ref}/confirm", response_class=HTMLResponse, include_in_schema=False)
    def confirm(
        request: Request, ref: str, csrf: Annotated[str, Form(max_length=200)] = ""
    ) -> Response:
        state, session, clean = own(request, ref)
        t = TEXT[p.lang(request)]
        if not seal.csrf_ok("session", state.id, csrf):
            return p.message(request, 403, t["refused_title"], t["form_expired"])
        if clean is None:
            return not_a_reference(request)
        try:
            port.confirm_booking(session, clean)
        except Conflict as exc:
            if exc.code is not None and exc.code.value == "hold_expired":
                return confirm_form(request, clean)
            return refused(request, exc, exc.code.value if exc.code else None)
        return RedirectResponse(f"/appointments/{clean}?done=booked", status_code=303)

    @app.get("/appointments/{ref}/cancel", response_class=HTMLResponse, include_in_schema=False)
    def cancel_form(request: Request, ref: str) -> Response:
        state, session, clean = own(request, ref)
        if clean is None:
            return not_a_reference(request)
        lang = p.lang(request)
        view = _view(lang, port.booking(session, clean), zone, p.clock())
        return page(
            request,
            "appointment_cancel",
            state,
            a=view,
            action=f"/appointments/{clean}/cancel",
            keep=f"/appointments/{clean}",
            token="",
            inactive=refusal_text(lang, "booking_not_active"),
        )

    @app.post("/appointments/{ref}/cancel", response_class=HTMLResponse, include_in_schema=False)
    def cancel(
        request: Request,
        ref: str,
        csrf: Annotated[str, Form(max_length=200)] = "",
        then: Annotated[str, Form(max_length=10)] = "",
    ) -> Response:
        state, session, clean = own(request, ref)
        t = TEXT[p.lang(request)]
        if not seal.csrf_ok("session", state.id, csrf):
            return p.message(request, 403, t["refused_title"], t["form_expired"])
        if clean is None:
            return not_a_reference(request)
        try:
            gone = port.cancel_booking(session, clean)
        except Conflict as exc:
            return refused(request, exc, exc.code.value if exc.code else None)
        if then == "times":  # a hold given up: back to that day's times
            target = new_url(
                service=gone.service_code, office=gone.office_code, day=gone.day.isoformat()
            )
            return RedirectResponse(target, status_code=303)
        query = urlencode({"notice": "cancelled", "code": gone.display_reference})
        return RedirectResponse(f"/appointments?{query}", status_code=303)

    @app.get("/appointments/{ref}/move", response_class=HTMLResponse, include_in_schema=False)
    def move_form(request: Request, ref: str, day: str = "") -> Response:
        state, session, clean = own(request, ref)
        if clean is None:
            return not_a_reference(request)
        lang, t = words(request)
        a = port.booking(session, clean)
        view = _view(lang, a, zone, p.clock())
        if not view["can_change"]:
            return refused(request, Conflict(""), "booking_not_active")
        if day:
            try:
                when = forms.booking_day(day)
            except forms.FieldError:
                return bad_choice(request)
            chosen = service_named(a.service_code)
            place = office_named(a.service_code, a.office_code)
            if chosen is None or place is None:
                return refused(request, NotFound(""), "no_such_office")
            return time_page(
                request, state, session, service=chosen, office=place, day=when, move=view
            )
        return page(
            request,
            "appointment_day",
            state,
            service=view["service"],
            office=view["office"],
            days=day_choices(lang, session, a.service_code, a.office_code),
            link=lambda d: f"/appointments/{clean}/move?" + urlencode({"day": d}),
            fields={"service": a.service_code, "office": a.office_code},
            back=f"/appointments/{clean}",
            back_text=t["cancel_keep"],
            move=view,
        )

    @app.post("/appointments/{ref}/move", response_class=HTMLResponse, include_in_schema=False)
    def move(
        request: Request,
        ref: str,
        slot: Annotated[str, Form(max_length=16)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        state, session, clean = own(request, ref)
        lang, t = words(request)
        if not seal.csrf_ok("session", state.id, csrf):
            return p.message(request, 403, t["refused_title"], t["form_expired"])
        if clean is None:
            return not_a_reference(request)
        try:
            day, time = forms.slot(slot)
        except forms.FieldError:
            return bad_choice(request)
        try:
            port.reschedule_booking(session, clean, day=day, time=time)
        except (Conflict, InvalidInput) as exc:
            which = exc.code.value if exc.code else None
            a = port.booking(session, clean)
            view = _view(lang, a, zone, p.clock())
            chosen = service_named(a.service_code)
            place = office_named(a.service_code, a.office_code)
            if which == "booking_not_active" or chosen is None or place is None:
                return refused(request, exc, which)
            return time_page(
                request,
                state,
                session,
                service=chosen,
                office=place,
                day=day,
                status=_status(exc),
                error=t["slot_taken"] if which == "slot_taken" else refusal_text(lang, which),
                offered=alternatives(exc) if which == "slot_taken" else None,
                move=view,
            )
        return RedirectResponse(f"/appointments/{clean}?done=moved", status_code=303)

    # -- the SMS's signed link: no sign-in --------------------------------------------------

    def pre(request: Request) -> tuple[str, bool]:
        value = request.cookies.get(p.cookie(request, "pre"))
        if not value or len(value) > 64:
            return new_id(), True
        return value, False

    def link_invalid(request: Request) -> HTMLResponse:
        lang, t = words(request)
        return p.render(
            request,
            "link_invalid",
            404,
            title=t["link_invalid_title"],
            text=refusal_text(lang, "link_invalid"),
        )

    def link_page(
        request: Request, a: Appointment, token: str, *, notice: str = "", confirm: bool = False
    ) -> HTMLResponse:
        lang = p.lang(request)
        value, fresh = pre(request)
        view = _view(lang, a, zone, p.clock())
        qr = ""
        if view["live"] and not view["held"]:
            label = say(lang, "qr_booking_label", code=a.display_reference)
            qr = Markup(qr_svg(a.qr_text, label=label))
        response = p.render(
            request,
            "appointment_cancel" if confirm else "link",
            csrf=seal.csrf("pre", value),
            a=view,
            qr=qr,
            token=token,
            notice=notice,
            action=f"/b/{a.reference}/cancel",
            keep=f"/b/{a.reference}?" + urlencode({"t": token}),
            inactive=refusal_text(lang, "booking_not_active"),
        )
        if fresh:
            p.set_cookie(request, response, "pre", value)
        return response

    def linked(ref: str, t: str) -> tuple[str, str] | None:
        try:
            return forms.reference(ref), forms.link_token(t)
        except forms.FieldError:
            return None

    @app.get("/b/{ref}", response_class=HTMLResponse, include_in_schema=False)
    def link(request: Request, ref: str, t: str = "", done: str = "") -> Response:
        checked = linked(ref, t)
        if checked is None:
            return link_invalid(request)
        try:
            a = port.booking_link(*checked)
        except (Conflict, NotFound):
            return link_invalid(request)
        lang, words_ = words(request)
        notice = {
            "cancelled": say(lang, "cancelled_notice", code=a.display_reference),
            "confirmed": words_["confirmed_notice"],
        }.get(done, "")
        return link_page(request, a, checked[1], notice=notice)

    @app.get("/b/{ref}/cancel", response_class=HTMLResponse, include_in_schema=False)
    def link_cancel_form(request: Request, ref: str, t: str = "") -> Response:
        checked = linked(ref, t)
        if checked is None:
            return link_invalid(request)
        try:
            a = port.booking_link(*checked)
        except (Conflict, NotFound):
            return link_invalid(request)
        return link_page(request, a, checked[1], confirm=True)

    def link_act(request: Request, ref: str, t: str, csrf: str, action: str) -> Response:
        words_ = TEXT[p.lang(request)]
        checked = linked(ref, t)
        if checked is None:
            return link_invalid(request)
        if not seal.csrf_ok("pre", request.cookies.get(p.cookie(request, "pre")), csrf):
            return p.message(request, 403, words_["refused_title"], words_["form_expired"])
        try:
            a = port.booking_link_act(*checked, action)
        except Conflict as exc:
            which = exc.code.value if exc.code else None
            if which == "link_invalid":
                return link_invalid(request)
            return refused(request, exc, which)
        except NotFound:
            return link_invalid(request)
        done = "cancelled" if action == "cancel" else "confirmed"
        query = urlencode({"t": checked[1], "done": done})
        return RedirectResponse(f"/b/{a.reference}?{query}", status_code=303)

    @app.post("/b/{ref}/cancel", response_class=HTMLResponse, include_in_schema=False)
    def link_cancel(
        request: Request,
        ref: str,
        t: Annotated[str, Form(max_length=64)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        return link_act(request, ref, t, csrf, "cancel")

    @app.post("/b/{ref}/confirm", response_class=HTMLResponse, include_in_schema=False)
    def link_confirm(
        request: Request,
        ref: str,
        t: Annotated[str, Form(max_length=64)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        return link_act(request, ref, t, csrf, "confirm")
