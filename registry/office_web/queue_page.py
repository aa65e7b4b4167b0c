"""Today's queue at the signed-in clerk's or registrar's office: the counter they work at, call
the next number, and for the number called to it served, no-show or call again.

GET  /office/queue[?counter=N&done=...]        the queue (the counter remembered in a cookie)
POST /office/queue/call                        call the next number this counter serves
POST /office/queue/tickets/{ticket_id}         action = served | no_show | recall
GET  /api/v1/office/queue                      the same as JSON, with a bearer token
POST /api/v1/office/queue/call                 {counter} -> {ticket | null}
POST /api/v1/office/queue/tickets/{ticket_id}  {action} -> {ticket}

The rules are `registry.bookings.queue`; this module parses, calls and renders. Every POST
answers with a redirect to the GET page (so reloading never calls twice), which refreshes
itself every 20 seconds with a meta refresh: the page runs no script (the office CSP), and its
only form fields are buttons, so nothing typed is lost. The counter chosen is a link, kept in
a cookie; the page shows labels, services, counters and times, never a citizen's data. Staff
who may print at the counter (`Permission.PRINT_AT_COUNTER`: clerks and registrars) work the
queue of their own office.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import staff as accounts
from registry.bookings import calendar, queue
from registry.errors import NotFound, RegistryError
from registry.models import Office, OfficeCounter
from registry.office.declarations import Permission
from registry.office_web.context import OfficeContext
from registry.office_web.queue_text import KINDS, STATES, TEXT

__all__ = ["COUNTER_COOKIE", "REFRESH_SECONDS", "counters_of", "install", "local_time"]

COUNTER_COOKIE = "sanad-office-counter"
REFRESH_SECONDS = 20
QUEUE = Permission.PRINT_AT_COUNTER
DONE = ("called", "empty", "served", "no_show", "recall")
ACTIONS = ("served", "no_show", "recall")
ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}, 404: {}, 409: {}, 422: {}}
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class CallBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    counter: int = Field(ge=1, le=999, description="the counter's number at your office")


class ActBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["served", "no_show", "recall"]


def ticket_json(r: queue.QueueRow) -> dict[str, Any]:
    def iso(at: dt.datetime | None) -> str | None:
        return at.isoformat() if at else None

    return {
        "id": r.id,
        "label": r.label,
        "kind": r.kind,
        "late": r.late,
        "service": {"code": r.service, "name": {"ar": r.service_ar, "latin": r.service_latin}},
        "state": r.state,
        "issued_at": iso(r.issued_at),
        "called_at": iso(r.called_at),
        "counter": r.counter,
        "done_at": iso(r.done_at),
    }


def counters_of(s: Session, office: str) -> list[tuple[int, list[str]]]:
    """The office's working counters and the services each serves."""
    rows = s.scalars(
        select(OfficeCounter)
        .where(OfficeCounter.office == office, OfficeCounter.active.is_(True))
        .order_by(OfficeCounter.number)
    )
    return [(c.number, list(json.loads(c.services))) for c in rows]


def local_time(zone: Any, at: dt.datetime | None) -> str:
    return at.astimezone(zone).strftime("%H:%M") if at else ""


def _rows(rows: list[queue.QueueRow], zone: Any, lang: str) -> list[dict[str, Any]]:
    i = 0 if lang == "ar" else 1
    return [
        {
            "id": r.id,
            "label": r.label,
            "service": r.service_ar if i == 0 else r.service_latin,
            "kind": KINDS.get(r.kind, (r.kind, r.kind))[i],
            "late": r.late,
            "state": r.state,
            "state_words": STATES.get(r.state, (r.state, r.state))[i],
            "issued": local_time(zone, r.issued_at),
            "called": local_time(zone, r.called_at),
            "done": local_time(zone, r.done_at),
            "counter": r.counter,
        }
        for r in rows
    ]


def install(router: APIRouter, ctx: OfficeContext) -> None:
    def office_of(request: Request, me: accounts.SignedIn) -> str | Response:
        office = me.staff.staff.office
        if office is None:
            return ctx.refused_page(request, me, 403, ctx.t(request, TEXT)["no_office"])
        return office

    def chosen_counter(request: Request, asked: str, numbers: list[int]) -> int | None:
        for text in (asked, request.cookies.get(COUNTER_COOKIE, "")):
            if text.isdigit() and int(text) in numbers:
                return int(text)
        return None

    def render(
        request: Request,
        me: accounts.SignedIn,
        office: str,
        counter: int | None,
        status: int = 200,
        **extra: Any,
    ) -> HTMLResponse:
        lang = ctx.lang_of(request)
        now = ctx.now()
        with ctx.reg.db.session() as s:
            row = s.get(Office, office)
            assert row is not None  # a staff member's office exists
            zone = calendar.zone_of(row)
            rows = _rows(queue.today(s, office, now=now), zone, lang)
            counters = counters_of(s, office)
            office_name = row.name_ar if lang == "ar" else (row.name_latin or row.name_ar)
        mine = [r for r in rows if r["state"] == "called" and r["counter"] == counter]
        return ctx.render(
            request,
            "queue",
            me,
            status,
            words=TEXT,
            office=office,
            office_name=office_name,
            counter=counter,
            counters=[n for n, _ in counters],
            mine=mine,
            called=[r for r in rows if r["state"] == "called"],
            waiting=[r for r in rows if r["state"] == "waiting"],
            done_rows=[r for r in rows if r["state"] in ("served", "no_show")],
            refresh=REFRESH_SECONDS,
            **extra,
        )

    def back(counter: int, done: str) -> RedirectResponse:
        return RedirectResponse(f"/office/queue?counter={counter}&done={done}", status_code=303)

    @router.get("/office/queue", response_class=HTMLResponse, include_in_schema=False)
    def queue_page(request: Request, counter: str = "", done: str = "") -> Response:
        me = ctx.page(request, QUEUE)
        if isinstance(me, Response):
            return me
        office = office_of(request, me)
        if isinstance(office, Response):
            return office
        with ctx.reg.db.session() as s:
            numbers = [n for n, _ in counters_of(s, office)]
        chosen = chosen_counter(request, counter[:4], numbers)
        t = ctx.t(request, TEXT)
        notice = t[f"done_{done}"] if done in DONE else None
        response = render(request, me, office, chosen, notice=notice)
        if chosen is not None and counter:
            ctx.set_cookie(request, response, COUNTER_COOKIE, str(chosen))
        return response

    def posted(
        request: Request, csrf: str, counter: str
    ) -> tuple[accounts.SignedIn, str, int] | Response:
        """The staff member, their office and the counter of a POST, or the page refusing it."""
        me = ctx.page(request, QUEUE)
        if isinstance(me, Response):
            return me
        office = office_of(request, me)
        if isinstance(office, Response):
            return office
        t = ctx.t(request, TEXT)
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, t["bad_csrf"])
        with ctx.reg.db.session() as s:
            numbers = [n for n, _ in counters_of(s, office)]
        if not counter.isdigit() or int(counter) not in numbers:
            return render(request, me, office, None, 422, error=t["bad_counter"])
        return me, office, int(counter)

    @router.post("/office/queue/call", response_class=HTMLResponse, include_in_schema=False)
    def call_next(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        counter: Annotated[str, Form(max_length=4)] = "",
    ) -> Response:
        got = posted(request, csrf, counter)
        if isinstance(got, Response):
            return got
        me, office, number = got
        with ctx.reg.db.session() as s:
            called = queue.call_next(
                s, office=office, counter=number, by=me.staff.username, now=ctx.now()
            )
        return back(number, "empty" if called is None else "called")

    @router.post(
        "/office/queue/tickets/{ticket_id}", response_class=HTMLResponse, include_in_schema=False
    )
    def act(
        request: Request,
        ticket_id: TicketId,
        csrf: Annotated[str, Form(max_length=200)] = "",
        counter: Annotated[str, Form(max_length=4)] = "",
        action: Annotated[str, Form(max_length=10)] = "",
    ) -> Response:
        got = posted(request, csrf, counter)
        if isinstance(got, Response):
            return got
        me, office, number = got
        if action not in ACTIONS:
            return render(request, me, office, number, 422, error=ctx.t(request, TEXT)["changed"])
        try:
            with ctx.reg.db.session() as s:
                if action == "recall":
                    queue.recall(s, office=office, ticket_id=ticket_id, now=ctx.now())
                else:
                    queue.mark(
                        s,
                        office=office,
                        ticket_id=ticket_id,
                        outcome=action,
                        by=me.staff.username,
                        now=ctx.now(),
                    )
        except RegistryError:
            # served elsewhere, marked by a colleague, or another office's ticket
            return render(request, me, office, number, 409, error=ctx.t(request, TEXT)["changed"])
        return back(number, action)

    # -- the API twins ----------------------------------------------------------------------

    def api_office(request: Request) -> tuple[accounts.SignedIn, str] | Response:
        me = ctx.api(request, QUEUE)
        if isinstance(me, Response):
            return me
        office = me.staff.staff.office
        if office is None:
            return ctx.api_error(403, "not_permitted", "only staff of an office work its queue")
        return me, office

    @router.get("/api/v1/office/queue", responses={401: {}, 403: {}}, tags=["office"])
    def api_queue(request: Request) -> Response:
        got = api_office(request)
        if isinstance(got, Response):
            return got
        _, office = got
        with ctx.reg.db.session() as s:
            rows = queue.today(s, office, now=ctx.now())
            counters = counters_of(s, office)
        return JSONResponse(
            {
                "office": office,
                "counters": [{"number": n, "services": sv} for n, sv in counters],
                "tickets": [ticket_json(r) for r in rows],
            }
        )

    @router.post("/api/v1/office/queue/call", responses=ERRORS, tags=["office"])
    def api_call(request: Request, body: CallBody) -> Response:
        got = api_office(request)
        if isinstance(got, Response):
            return got
        me, office = got
        with ctx.reg.db.session() as s:
            working = [n for n, _ in counters_of(s, office)]
        if body.counter not in working:
            return ctx.api_error(422, "invalid_request", "no such working counter here")
        with ctx.reg.db.session() as s:
            called = queue.call_next(
                s, office=office, counter=body.counter, by=me.staff.username, now=ctx.now()
            )
        return JSONResponse({"ticket": None if called is None else ticket_json(called)})

    @router.post("/api/v1/office/queue/tickets/{ticket_id}", responses=ERRORS, tags=["office"])
    def api_act(request: Request, ticket_id: TicketId, body: ActBody) -> Response:
        got = api_office(request)
        if isinstance(got, Response):
            return got
        me, office = got
        try:
            with ctx.reg.db.session() as s:
                if body.action == "recall":
                    row = queue.recall(s, office=office, ticket_id=ticket_id, now=ctx.now())
                else:
                    row = queue.mark(
                        s,
                        office=office,
                        ticket_id=ticket_id,
                        outcome=body.action,
                        by=me.staff.username,
                        now=ctx.now(),
                    )
        except NotFound:
            return ctx.api_error(404, "not_found", "no such ticket at your office")
        except RegistryError as exc:
            return ctx.api_error(409, exc.code.value, exc.message)
        return JSONResponse({"ticket": ticket_json(row)})
