"""Citizen enrolment at the counter and its API twins (`Permission.ENROL_CITIZEN`: clerks and
registrars, at their own office).

GET  /office/enrol                                  find the citizen by national number
GET  /office/citizens/{nid}/enrol                   the citizen's kiosk enrolment: enrol, or
                                                    reset the PIN, and the phone number
POST /office/citizens/{nid}/enrol                   enrol (CSRF-checked): the mailer is printed,
                                                    or the answer is the page that shows the PIN
POST /office/citizens/{nid}/pin-reset               a new PIN, unlocking the citizen
POST /office/citizens/{nid}/phone                   record or remove the mobile number
POST /api/v1/office/citizens/{nid}/enrol            the same with a bearer token; the PIN is in
POST /api/v1/office/citizens/{nid}/pin-reset        the body once when `delivery` is "show"
PUT  /api/v1/office/citizens/{nid}/phone

The domain is `registry.enrolment`; the mailer is `registry.pin_mailer`, printed inside the
action's transaction before it commits (a failed print rolls the PIN back: 503 with the
reason, and the clerk tries again). The PIN is on no URL and in no redirect: the page that
shows it is the POST's own answer, under the app's `Cache-Control: no-store`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from registry import enrolment
from registry.enrolment import Delivery, EnrolRefusal, PinIssued
from registry.http_schema import EnrolBody, PhoneBody, PinResetBody
from registry.models import Office
from registry.office.declarations import Permission
from registry.office.errors import Refusal, Refused
from registry.office_web.context import OfficeContext
from registry.office_web.enrolment_text import TEXT, words_for
from registry.pin_mailer import Mailer, print_mailer
from registry.staff import SignedIn
from verifier import national_id as nid_rules
from verifier.documents import Bilingual

__all__ = ["install", "status_for"]

ENROL = Permission.ENROL_CITIZEN

_STATUS = {
    EnrolRefusal.NOT_PERMITTED.value: 403,
    EnrolRefusal.IDENTITY_NOT_CHECKED.value: 422,
    EnrolRefusal.INVALID_NATIONAL_ID.value: 422,
    EnrolRefusal.UNKNOWN_PERSON.value: 404,
    EnrolRefusal.DECEASED.value: 409,
    EnrolRefusal.ALREADY_ENROLLED.value: 409,
    EnrolRefusal.NOT_ENROLLED.value: 409,
    EnrolRefusal.BAD_PHONE.value: 422,
    EnrolRefusal.NOT_MOBILE.value: 422,
    "printer_failed": 503,
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {},
    403: {},
    404: {},
    409: {},
    422: {},
    503: {},
}


def status_for(refusal: Refusal) -> int:
    """The HTTP status a refused enrolment action answers with."""
    return _STATUS.get(refusal.code, 409)


def install(router: APIRouter, ctx: OfficeContext) -> None:
    settings = ctx.reg.settings

    def deliverer(
        s: Session, office: str | None, delivery: Delivery
    ) -> Callable[[PinIssued], None] | None:
        """Printing the mailer at the office printer (None when the PIN is to be shown)."""
        if delivery is not Delivery.PRINT:
            return None
        row = s.get(Office, office) if office else None
        where = Bilingual(row.name_ar, row.name_latin) if row else Bilingual(office or "")

        def deliver(issued: PinIssued) -> None:
            mailer = Mailer(
                authority=settings.identity.authority,
                office=where,
                name_ar=issued.name_ar,
                name_latin=issued.name_latin,
                national_id=issued.national_id,
                issued_on=issued.at.date(),
                pin=issued.pin,
            )
            print_mailer(mailer, settings, ctx.reg.data)

        return deliver

    def do_enrol(
        me: SignedIn, nid: str, checked: bool, delivery: Delivery, phone: str | None
    ) -> PinIssued:
        with ctx.reg.db.session() as s:
            return enrolment.enrol(
                s,
                nid,
                me.staff,
                me.staff.office,
                ctx.now(),
                settings=settings,
                identity_checked=checked,
                delivery=delivery,
                phone=phone,
                deliver=deliverer(s, me.staff.office, delivery),
            )

    def do_reset(me: SignedIn, nid: str, checked: bool, delivery: Delivery) -> PinIssued:
        with ctx.reg.db.session() as s:
            return enrolment.reset_pin(
                s,
                nid,
                me.staff,
                me.staff.office,
                ctx.now(),
                settings=settings,
                identity_checked=checked,
                delivery=delivery,
                deliver=deliverer(s, me.staff.office, delivery),
            )

    def do_phone(me: SignedIn, nid: str, phone: str | None, checked: bool) -> str | None:
        with ctx.reg.db.session() as s:
            return enrolment.set_phone(
                s,
                nid,
                phone,
                me.staff,
                me.staff.office,
                ctx.now(),
                region=settings.identity.country,
                identity_checked=checked,
            )

    def citizen_page(
        request: Request,
        me: SignedIn,
        nid: str,
        status: int = 200,
        done_key: str | None = None,
        **extra: Any,
    ) -> Response:
        with ctx.reg.db.session() as s:
            citizen = enrolment.status_of(s, nid, settings)
        if citizen is None:
            return ctx.refused_page(request, me, 404, ctx.t(request)["not_found"])
        words = words_for(citizen.female)
        if done_key is not None:
            extra["done"] = ctx.t(request, words)[done_key]
        return ctx.render(request, "enrol", me, status, words=words, c=citizen, **extra)

    def refused(request: Request, me: SignedIn, nid: str, exc: Refused, **extra: Any) -> Response:
        status = status_for(exc.refusal)
        message = exc.refusal.message(ctx.lang_of(request))
        if exc.code == EnrolRefusal.UNKNOWN_PERSON.value:
            return ctx.refused_page(request, me, status, message)
        return citizen_page(request, me, nid, status, error=message, **extra)

    def issued_page(request: Request, me: SignedIn, nid: str, issued: PinIssued) -> Response:
        if issued.delivery is Delivery.SHOW:
            return ctx.render(request, "pin_once", me, words=TEXT, issued=issued)
        done = "printed_reset" if issued.reset else "printed_enrolled"
        return citizen_page(request, me, nid, done_key=done)

    def delivery_of(text: str) -> Delivery:
        return Delivery.SHOW if text == Delivery.SHOW.value else Delivery.PRINT

    # -- pages ----------------------------------------------------------------------------

    @router.get("/office/enrol", response_class=HTMLResponse, include_in_schema=False)
    def find_page(request: Request, national_id: str = "") -> Response:
        me = ctx.page(request, ENROL)
        if isinstance(me, Response):
            return me
        if not national_id:
            return ctx.render(request, "enrol_find", me, words=TEXT)
        nid = nid_rules.normalise(national_id[:32])
        if not nid_rules.is_valid(nid):
            words = enrolment.refusal(EnrolRefusal.INVALID_NATIONAL_ID)
            return ctx.render(
                request,
                "enrol_find",
                me,
                422,
                words=TEXT,
                error=words.message(ctx.lang_of(request)),
                national_id=national_id[:32],
            )
        return RedirectResponse(f"/office/citizens/{nid}/enrol", status_code=303)

    @router.get(
        "/office/citizens/{national_id}/enrol", response_class=HTMLResponse, include_in_schema=False
    )
    def enrol_page(request: Request, national_id: str) -> Response:
        me = ctx.page(request, ENROL)
        if isinstance(me, Response):
            return me
        return citizen_page(request, me, national_id[:32])

    @router.post(
        "/office/citizens/{national_id}/enrol", response_class=HTMLResponse, include_in_schema=False
    )
    def enrol_post(
        request: Request,
        national_id: str,
        csrf: Annotated[str, Form(max_length=200)] = "",
        identity_checked: Annotated[str, Form(max_length=8)] = "",
        phone: Annotated[str, Form(max_length=40)] = "",
        delivery: Annotated[str, Form(max_length=8)] = "print",
    ) -> Response:
        me = ctx.page(request, ENROL)
        if isinstance(me, Response):
            return me
        nid = national_id[:32]
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, ctx.t(request, TEXT)["bad_csrf"])
        try:
            issued = do_enrol(me, nid, identity_checked == "yes", delivery_of(delivery), phone)
        except Refused as exc:
            return refused(request, me, nid, exc, phone_typed=phone)
        return issued_page(request, me, nid, issued)

    @router.post(
        "/office/citizens/{national_id}/pin-reset",
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    def reset_post(
        request: Request,
        national_id: str,
        csrf: Annotated[str, Form(max_length=200)] = "",
        identity_checked: Annotated[str, Form(max_length=8)] = "",
        delivery: Annotated[str, Form(max_length=8)] = "print",
    ) -> Response:
        me = ctx.page(request, ENROL)
        if isinstance(me, Response):
            return me
        nid = national_id[:32]
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, ctx.t(request, TEXT)["bad_csrf"])
        try:
            issued = do_reset(me, nid, identity_checked == "yes", delivery_of(delivery))
        except Refused as exc:
            return refused(request, me, nid, exc)
        return issued_page(request, me, nid, issued)

    @router.post(
        "/office/citizens/{national_id}/phone", response_class=HTMLResponse, include_in_schema=False
    )
    def phone_post(
        request: Request,
        national_id: str,
        csrf: Annotated[str, Form(max_length=200)] = "",
        phone: Annotated[str, Form(max_length=40)] = "",
        identity_checked: Annotated[str, Form(max_length=8)] = "",
    ) -> Response:
        me = ctx.page(request, ENROL)
        if isinstance(me, Response):
            return me
        nid = national_id[:32]
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, ctx.t(request, TEXT)["bad_csrf"])
        try:
            saved = do_phone(me, nid, phone, identity_checked == "yes")
        except Refused as exc:
            return refused(request, me, nid, exc, phone_typed=phone)
        done = "phone_saved" if saved else "phone_cleared"
        return citizen_page(request, me, nid, done_key=done)

    # -- the API --------------------------------------------------------------------------

    def answer(me: SignedIn, issued: PinIssued, **extra: Any) -> JSONResponse:
        shown = issued.delivery is Delivery.SHOW
        return JSONResponse(
            {
                "national_id": issued.national_id,
                "delivery": issued.delivery.value,
                "printed": not shown,
                "pin": issued.pin if shown else None,
                "set_at": issued.at.isoformat(),
                "set_by": me.staff.username,
                **extra,
            }
        )

    def api_refused(exc: Refused) -> JSONResponse:
        return ctx.api_refusal(status_for(exc.refusal), exc.refusal)

    @router.post(
        "/api/v1/office/citizens/{national_id}/enrol", responses=_RESPONSES, tags=["office"]
    )
    def api_enrol(request: Request, national_id: str, body: EnrolBody) -> Response:
        me = ctx.api(request, ENROL)
        if isinstance(me, Response):
            return me
        try:
            issued = do_enrol(
                me, national_id[:32], body.identity_checked, Delivery(body.delivery), body.phone
            )
        except Refused as exc:
            return api_refused(exc)
        with ctx.reg.db.session() as s:
            citizen = enrolment.status_of(s, issued.national_id, settings)
        return answer(me, issued, phone=citizen.phone if citizen else None)

    @router.post(
        "/api/v1/office/citizens/{national_id}/pin-reset", responses=_RESPONSES, tags=["office"]
    )
    def api_reset(request: Request, national_id: str, body: PinResetBody) -> Response:
        me = ctx.api(request, ENROL)
        if isinstance(me, Response):
            return me
        try:
            issued = do_reset(me, national_id[:32], body.identity_checked, Delivery(body.delivery))
        except Refused as exc:
            return api_refused(exc)
        return answer(me, issued, unlocked=issued.unlocked)

    @router.put(
        "/api/v1/office/citizens/{national_id}/phone", responses=_RESPONSES, tags=["office"]
    )
    def api_phone(request: Request, national_id: str, body: PhoneBody) -> Response:
        me = ctx.api(request, ENROL)
        if isinstance(me, Response):
            return me
        try:
            saved = do_phone(me, national_id[:32], body.phone, body.identity_checked)
        except Refused as exc:
            return api_refused(exc)
        return JSONResponse({"national_id": nid_rules.normalise(national_id[:32]), "phone": saved})
