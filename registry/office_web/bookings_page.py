"""Appointments for supervisors: an office's figures over days, closing it for a day, and the
key of its waiting-room display.

GET  /office/bookings?office=AMM&first=YYYY-MM-DD&last=YYYY-MM-DD   the figures, day by day
POST /office/bookings/close       day, reason: the confirmation step (how many are cancelled)
POST /office/bookings/close       ... confirm=yes: `store.close_day`, then how many were
                                  cancelled and how many SMS went out
POST /office/bookings/display     a new display key, shown once (the old one stops working)
GET  /api/v1/office/bookings/{office}/days?first=&last=   the figures as JSON
POST /api/v1/office/bookings/{office}/close               {day, reason} -> {cancelled, notified}

Staff with `Permission.MANAGE_BOOKINGS` (supervisors): one bound to an office sees and acts
on that office only, the authority's on any office, chosen from a list. The figures are
`registry.bookings.stats.office_days` (no personal data); a closure is
`registry.bookings.store.close_day` (its audit entry `office_day_closed`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import staff as accounts
from registry.bookings import calendar, stats, store
from registry.bookings.rules import Rules, load_rules
from registry.bookings.store import BookingState
from registry.errors import Conflict, InvalidInput, NotFound
from registry.models import Booking, Office, QueueDisplay
from registry.office.declarations import Permission, can
from registry.office_web import call_display
from registry.office_web.context import OfficeContext
from registry.office_web.queue_text import TEXT, minutes, rate
from registry.office_web.statistics_text import number
from registry.offices import CODE

__all__ = ["MAX_DAYS", "install", "live_bookings"]

MANAGE = Permission.MANAGE_BOOKINGS
MAX_DAYS = 92
SHOWN_DAYS = 7


def live_bookings(
    s: Session, office: Office, day: dt.date, *, lock: bool = False
) -> tuple[int, int]:
    """How many live appointments (holds and bookings) the office has that day, and how many
    of them are booked (their holders get the SMS)."""
    zone = calendar.zone_of(office)
    start = calendar.local_to_utc(zone, day, dt.time(0))
    end = calendar.local_to_utc(zone, day + dt.timedelta(days=1), dt.time(0))
    where = (
        Booking.office == office.code,
        Booking.starts_at >= start,
        Booking.starts_at < end,
        Booking.state.in_((BookingState.HELD, BookingState.BOOKED)),
    )
    if lock:
        states = list(s.scalars(select(Booking.state).where(*where).with_for_update()))
        return len(states), sum(1 for st in states if st == BookingState.BOOKED)
    rows = dict(
        s.execute(select(Booking.state, func.count()).where(*where).group_by(Booking.state)).all()
    )
    return sum(rows.values()), int(rows.get(BookingState.BOOKED, 0))


class CloseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: str = Field(max_length=10, description="YYYY-MM-DD, the office's own day")
    reason: str = Field(max_length=400, description="3 to 300 characters")


ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}, 404: {}, 409: {}, 422: {}}


def figures_json(f: stats.DayFigures) -> dict[str, Any]:
    return {
        "day": f.day.isoformat(),
        "bookings": f.bookings,
        "no_shows": f.no_shows,
        "seen": f.seen,
        "no_show_rate": f.no_show_rate,
        "wait_p50_minutes": f.wait_p50,
        "wait_p90_minutes": f.wait_p90,
        "served_by_counter": {str(n): c for n, c in f.served_by_counter.items()},
        "walk_ins": f.walk_ins,
    }


def _day(text: str) -> dt.date | None:
    """A YYYY-MM-DD day, within years an office can mean (none near the calendar's ends)."""
    try:
        day = dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2200 else None


def install(router: APIRouter, ctx: OfficeContext) -> None:
    rules_cache: list[Rules] = []

    def rules() -> Rules:
        if not rules_cache:
            rules_cache.append(load_rules(ctx.reg.data, ctx.reg.settings.bookings))
        return rules_cache[0]

    def offices(s: Session, lang: str) -> list[tuple[str, str]]:
        rows = s.scalars(select(Office).where(Office.closed_at.is_(None)).order_by(Office.code))
        return [(o.code, o.name_ar if lang == "ar" else (o.name_latin or o.name_ar)) for o in rows]

    def scope(request: Request, me: accounts.SignedIn, asked: str) -> str | Response | None:
        """The office the page is about (None: an authority-wide supervisor chose none yet)."""
        t = ctx.t(request, TEXT)
        staff = me.staff.staff
        code = asked.strip().upper()[:8] or None
        if code is not None and not CODE.fullmatch(code):
            return ctx.refused_page(request, me, 422, t["bad_office"])
        if staff.office is not None:
            if code is not None and code != staff.office:
                return ctx.refused_page(request, me, 403, t["not_your_office"])
            return staff.office
        return code

    def figures(s: Session, office: str, first: dt.date, last: dt.date, lang: str) -> list[Any]:
        out = []
        for f in stats.office_days(s, office, first, last):
            counters = "، " if lang == "ar" else ", "
            label = TEXT[lang]["counter_n"]
            out.append(
                {
                    "day": f.day.isoformat(),
                    "bookings": f.bookings,
                    "no_shows": f.no_shows,
                    "no_show_rate": rate(f.no_show_rate, lang),
                    "wait_p50": minutes(f.wait_p50, lang),
                    "wait_p90": minutes(f.wait_p90, lang),
                    "served": counters.join(
                        f"{label} {number(n, lang)}: {number(count, lang)}"
                        for n, count in f.served_by_counter.items()
                    )
                    or TEXT[lang]["dash"],
                    "walk_ins": f.walk_ins,
                }
            )
        return out

    def render(
        request: Request,
        me: accounts.SignedIn,
        office: str | None,
        status: int = 200,
        *,
        first: str = "",
        last: str = "",
        **extra: Any,
    ) -> HTMLResponse:
        lang = ctx.lang_of(request)
        t = ctx.t(request, TEXT)
        context: dict[str, Any] = {"office": office, "days": [], "display": None}
        with ctx.reg.db.session() as s:
            context["offices"] = offices(s, lang)
            row = s.get(Office, office) if office else None
            if row is not None:
                today = calendar.local_day(calendar.zone_of(row), ctx.now())
                end = _day(last) if last else today
                start = (
                    _day(first)
                    if first
                    else (end - dt.timedelta(days=SHOWN_DAYS - 1) if end else None)
                )
                if start is None or end is None or start > end or (end - start).days >= MAX_DAYS:
                    extra.setdefault("error", t["bad_range"])
                    status = 422 if status == 200 else status
                    start = end = today
                context["days"] = figures(s, row.code, start, end, lang)
                context["first"], context["last"] = start.isoformat(), end.isoformat()
                context["today"] = today.isoformat()
                context["office_name"] = dict(context["offices"]).get(row.code, row.code)
                shown = s.get(QueueDisplay, row.code)
                if shown is not None:
                    context["display"] = {
                        "by": shown.created_by,
                        "at": shown.created_at.astimezone(calendar.zone_of(row)).strftime(
                            "%Y-%m-%d %H:%M"
                        ),
                    }
        return ctx.render(
            request,
            "bookings",
            me,
            status,
            words=TEXT,
            choose=me.staff.staff.office is None,
            **context,
            **extra,
        )

    @router.get("/office/bookings", response_class=HTMLResponse, include_in_schema=False)
    def bookings_page(
        request: Request, office: str = "", first: str = "", last: str = ""
    ) -> Response:
        me = ctx.page(request, MANAGE)
        if isinstance(me, Response):
            return me
        chosen = scope(request, me, office)
        if isinstance(chosen, Response):
            return chosen
        return render(request, me, chosen, first=first[:10], last=last[:10])

    def posted(
        request: Request, csrf: str, office: str
    ) -> tuple[accounts.SignedIn, str] | Response:
        me = ctx.page(request, MANAGE)
        if isinstance(me, Response):
            return me
        t = ctx.t(request, TEXT)
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, t["bad_csrf"])
        chosen = scope(request, me, office)
        if isinstance(chosen, Response):
            return chosen
        if chosen is None or not can(me.staff.staff, MANAGE, chosen):
            return ctx.refused_page(request, me, 422, t["choose_office_first"])
        return me, chosen

    @router.post("/office/bookings/close", response_class=HTMLResponse, include_in_schema=False)
    def close(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        office: Annotated[str, Form(max_length=8)] = "",
        day: Annotated[str, Form(max_length=10)] = "",
        reason: Annotated[str, Form(max_length=400)] = "",
        confirm: Annotated[str, Form(max_length=3)] = "",
    ) -> Response:
        got = posted(request, csrf, office)
        if isinstance(got, Response):
            return got
        me, code = got
        t = ctx.t(request, TEXT)
        form = {"day": day, "reason": reason}
        when = _day(day)
        words = " ".join(reason.split())
        if when is None:
            return render(request, me, code, 422, error=t["bad_day"], form=form)
        if not 3 <= len(words) <= 300:
            return render(request, me, code, 422, error=t["bad_reason"], form=form)
        try:
            with ctx.reg.db.session() as s:
                row = s.get(Office, code)
                if row is None or row.closed_at is not None:
                    raise NotFound("no open office with that code")
                if when < calendar.local_day(calendar.zone_of(row), ctx.now()):
                    raise Conflict("a past day cannot be closed")
                if confirm != "yes":
                    # the first step only counts (render opens its own session, after this one)
                    cancelled, notify = live_bookings(s, row, when)
                else:
                    _, notify = live_bookings(s, row, when, lock=True)
                    cancelled = store.close_day(
                        s,
                        rules(),
                        office=code,
                        day=when,
                        reason=words,
                        by=me.staff.username,
                        now=ctx.now(),
                    )
        except NotFound:
            return render(request, me, code, 404, error=t["office_gone"], form=form)
        except Conflict:
            return render(request, me, code, 409, error=t["past_day"], form=form)
        except InvalidInput:
            return render(request, me, code, 422, error=t["bad_reason"], form=form)
        if confirm != "yes":
            asking = {"day": when.isoformat(), "reason": words, "cancel": cancelled}
            asking["notify"] = notify
            return render(request, me, code, confirming=asking, form=form)
        closed = {"day": when.isoformat(), "cancelled": cancelled, "notified": notify}
        return render(request, me, code, closed=closed)

    @router.post("/office/bookings/display", response_class=HTMLResponse, include_in_schema=False)
    def display_key(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        office: Annotated[str, Form(max_length=8)] = "",
    ) -> Response:
        got = posted(request, csrf, office)
        if isinstance(got, Response):
            return got
        me, code = got
        with ctx.reg.db.session() as s:
            exists = s.get(Office, code) is not None
            key = (
                call_display.new_key(s, office=code, by=me.staff.username, now=ctx.now())
                if exists
                else ""
            )
        if not exists:
            return render(request, me, None, 404, error=ctx.t(request, TEXT)["office_gone"])
        base = str(request.base_url)
        return render(request, me, code, new_link=call_display.display_url(base, code, key))

    # -- the API twins ----------------------------------------------------------------------

    def api_scope(request: Request, office: str) -> tuple[accounts.SignedIn, str] | Response:
        code = office.strip().upper()
        if not CODE.fullmatch(code):
            return ctx.api_error(422, "invalid_request", "the office code is not valid")
        me = ctx.api(request, MANAGE, code)
        if isinstance(me, Response):
            return me
        return me, code

    @router.get("/api/v1/office/bookings/{office}/days", responses=ERRORS, tags=["office"])
    def api_days(
        request: Request,
        office: str,
        first: Annotated[str, Query(max_length=10, description="YYYY-MM-DD")] = "",
        last: Annotated[str, Query(max_length=10, description="YYYY-MM-DD")] = "",
    ) -> Response:
        got = api_scope(request, office)
        if isinstance(got, Response):
            return got
        _, code = got
        with ctx.reg.db.session() as s:
            row = s.get(Office, code)
            if row is None:
                return ctx.api_error(404, "no_such_office", "no office with that code")
            today = calendar.local_day(calendar.zone_of(row), ctx.now())
            end = _day(last) if last else today
            start = (
                _day(first) if first else (end - dt.timedelta(days=SHOWN_DAYS - 1) if end else None)
            )
            if start is None or end is None or start > end or (end - start).days >= MAX_DAYS:
                return ctx.api_error(
                    422, "invalid_request", "first and last: YYYY-MM-DD, in order, at most 92 days"
                )
            days = stats.office_days(s, code, start, end)
        return JSONResponse(
            {
                "office": code,
                "first": start.isoformat(),
                "last": end.isoformat(),
                "days": [figures_json(f) for f in days],
            }
        )

    @router.post("/api/v1/office/bookings/{office}/close", responses=ERRORS, tags=["office"])
    def api_close(request: Request, office: str, body: CloseBody) -> Response:
        got = api_scope(request, office)
        if isinstance(got, Response):
            return got
        me, code = got
        when = _day(body.day)
        if when is None:
            return ctx.api_error(422, "invalid_request", "the day is YYYY-MM-DD")
        try:
            with ctx.reg.db.session() as s:
                row = s.get(Office, code)
                if row is None or row.closed_at is not None:
                    raise NotFound("no open office with that code")
                _, notify = live_bookings(s, row, when, lock=True)
                cancelled = store.close_day(
                    s,
                    rules(),
                    office=code,
                    day=when,
                    reason=body.reason,
                    by=me.staff.username,
                    now=ctx.now(),
                )
        except NotFound as exc:
            return ctx.api_error(404, "no_such_office", exc.message)
        except Conflict as exc:
            return ctx.api_error(409, exc.code.value, exc.message)
        except InvalidInput as exc:
            return ctx.api_error(422, "invalid_request", exc.message)
        return JSONResponse(
            {"office": code, "day": when.isoformat(), "cancelled": cancelled, "notified": notify}
        )
