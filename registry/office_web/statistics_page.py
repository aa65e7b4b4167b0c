"""The statistics page and its JSON twin: the queries that read the rows, and the routes; the
figures themselves are `registry.office.statistics` (pure).

    GET /office/statistics[?office=AMM]
    GET /api/v1/office/statistics[?office=AMM]

Who sees what: a supervisor or an administrator (`Permission.READ_AUDIT`) every office and
each one; a registrar (`Permission.REVIEW`) their own office only (another office's figures,
or all offices', are refused); a clerk nothing. Installed from `audit_page`.

Each query groups in the database, except the registrations since the first of the month (or
the last `statistics.MEDIAN_DAYS` days), which come as rows for the median.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from registry import staff as accounts
from registry.models import Correction, DeclarationHistory, DeclarationRow, IssuedDocument, Office
from registry.office import statistics as stats
from registry.office.declarations import CorrectionState, EventKind, Permission, State, can
from registry.office.errors import Refusal
from registry.office_web.context import OfficeContext
from registry.office_web.declarations_text import KINDS, STATES
from registry.office_web.statistics_text import (
    TEXT,
    duration_words,
    number,
    rate_words,
    registrations_counted,
)
from registry.offices import CODE

__all__ = ["install", "read_rows", "scope_of"]

REVIEWS = ("return", "register", "reject")


def read_rows(s: Session, period: stats.Period, office: str | None) -> stats.Rows:
    """Every row the figures need, for one office or (None) all of them."""

    def at(stmt: Any, column: Any) -> Any:
        return stmt if office is None else stmt.where(column == office)

    d = DeclarationRow
    declarations = s.execute(
        at(select(d.office, d.kind, d.state, func.count()), d.office).group_by(
            d.office, d.kind, d.state
        )
    ).all()
    h = DeclarationHistory
    registrations = s.execute(
        at(
            select(d.office, d.kind, d.declared_at, h.at)
            .join(d, d.id == h.declaration_id)
            .where(h.action == "register", h.at >= period.earliest),
            d.office,
        )
    ).all()
    returned = func.count(distinct(case((h.action == "return", h.declaration_id))))
    reviews = s.execute(
        at(
            select(d.office, func.count(distinct(h.declaration_id)), returned)
            .join(d, d.id == h.declaration_id)
            .where(h.action.in_(REVIEWS)),
            d.office,
        ).group_by(d.office)
    ).all()
    c = Correction
    corrections = s.execute(
        at(select(c.office, c.state, func.count()), c.office).group_by(c.office, c.state)
    ).all()
    doc = IssuedDocument
    kiosk = case((doc.kiosk_id.is_not(None), 1), else_=0)
    documents = s.execute(
        select(doc.office, kiosk, func.count())
        .where(doc.issued_at >= period.today, doc.serial.is_not(None))
        .group_by(doc.office, kiosk)
    ).all()
    return stats.Rows(
        declarations=tuple(stats.DeclarationCount(o, k, st, n) for o, k, st, n in declarations),
        registrations=tuple(stats.Registration(o, k, a, b) for o, k, a, b in registrations),
        reviews=tuple(stats.ReviewCount(o, n, r) for o, n, r in reviews),
        corrections=tuple(stats.CorrectionCount(o, st, n) for o, st, n in corrections),
        documents=tuple(
            stats.DocumentCount(o, stats.Channel.KIOSK if k else stats.Channel.COUNTER, n)
            for o, k, n in documents
            if k or o is not None
        ),
    )


def scope_of(staff: accounts.StaffView, requested: str | None) -> str | Refusal | None:
    """The office whose figures this staff member may see (None: all), or the refusal."""
    member = staff.staff
    t_ar, t_en = TEXT["ar"], TEXT["en"]
    if requested is not None and not CODE.fullmatch(requested):
        return Refusal("bad_office", t_ar["bad_office"], t_en["bad_office"])
    if can(member, Permission.READ_AUDIT):
        return requested
    if can(member, Permission.REVIEW) and member.office is not None:
        if requested is not None and requested != member.office:
            return Refusal("other_office", t_ar["not_your_office"], t_en["not_your_office"])
        return member.office
    return Refusal("not_permitted", "لا يسمح دورك بفتح هذه الصفحة.", "Your role may not see this.")


def _rate_json(r: stats.Rate) -> dict[str, Any]:
    pct = r.percent
    return {"n": r.n, "of": r.of, "percent": None if pct is None else round(pct, 1)}


def figures_json(f: stats.Figures) -> dict[str, Any]:
    median = f.median_to_register
    return {
        "office": f.office,
        "declarations": {
            k.value: {st.value: n for st, n in by.items()} for k, by in f.declarations.items()
        },
        "waiting": f.waiting,
        "registered_today": {k.value: n for k, n in f.registered_today.items()},
        "registered_month": {k.value: n for k, n in f.registered_month.items()},
        "median_to_register_seconds": None if median is None else int(median.total_seconds()),
        "median_of": f.median_of,
        "returned": _rate_json(f.returned),
        "rejected": _rate_json(f.rejected),
        "corrections": {
            "proposed": f.corrections_proposed,
            "by_state": {st.value: n for st, n in f.corrections.items()},
        },
        "documents_today": {ch.value: n for ch, n in f.documents_today.items()},
    }


def _view(f: stats.Figures, lang: str) -> dict[str, Any]:
    """The figures as the page shows them, every number already in words."""
    i = 0 if lang == "ar" else 1
    t = TEXT[lang]
    kinds = []
    for kind in EventKind:
        by = f.declarations[kind]
        kinds.append(
            {
                "label": KINDS[kind][i],
                "states": [number(by[st], lang) for st in State],
                "total": number(sum(by.values()), lang),
                "today": number(f.registered_today[kind], lang),
                "month": number(f.registered_month[kind], lang),
            }
        )
    kiosk = f.documents_today[stats.Channel.KIOSK]
    return {
        "kinds": kinds,
        "waiting": number(f.waiting, lang),
        "today": number(sum(f.registered_today.values()), lang),
        "month": number(sum(f.registered_month.values()), lang),
        "median": duration_words(f.median_to_register, lang),
        "median_of": registrations_counted(f.median_of, lang) if f.median_of else "",
        "returned": rate_words(f.returned, lang),
        "rejected": rate_words(f.rejected, lang),
        "proposed": number(f.corrections_proposed, lang),
        "approved": number(f.corrections[CorrectionState.APPROVED], lang),
        "pending": number(f.corrections[CorrectionState.PROPOSED], lang),
        "declined": number(f.corrections[CorrectionState.DECLINED], lang),
        "withdrawn": number(f.corrections[CorrectionState.WITHDRAWN], lang),
        "kiosk": t["dash"] if kiosk is None else number(kiosk, lang),
        "counter": number(f.documents_today[stats.Channel.COUNTER] or 0, lang),
    }


def _offices(s: Session, lang: str) -> list[tuple[str, str]]:
    rows = s.execute(select(Office).order_by(Office.code)).scalars()
    return [(o.code, o.name_ar if lang == "ar" else (o.name_latin or o.name_ar)) for o in rows]


def install(router: APIRouter, ctx: OfficeContext) -> None:
    def compute(office: str | None) -> tuple[stats.Figures, dict[str, stats.Figures]]:
        period = stats.Period.of(ctx.now())
        with ctx.reg.db.session() as s:
            rows = read_rows(s, period, office)
        every = stats.per_office(rows, period) if office is None else {}
        return stats.figures(rows, period, office), every

    @router.get("/office/statistics", response_class=HTMLResponse, include_in_schema=False)
    def statistics_page(request: Request, office: str = "") -> Response:
        me = ctx.page(request)
        if isinstance(me, Response):
            return me
        lang = ctx.lang_of(request)
        scope = scope_of(me.staff, office.strip().upper()[:8] or None)
        if isinstance(scope, Refusal):
            status = 422 if scope.code == "bad_office" else 403
            return ctx.refused_page(request, me, status, scope.message(lang))
        mine, every = compute(scope)
        with ctx.reg.db.session() as s:
            offices = _offices(s, lang)
        names = dict(offices)
        i = 0 if lang == "ar" else 1
        return ctx.render(
            request,
            "statistics",
            me,
            words=TEXT,
            scope=scope,
            scope_name=names.get(scope, scope) if scope else None,
            choose=can(me.staff.staff, Permission.READ_AUDIT),
            offices=offices,
            states=[STATES[st][i] for st in State],
            figures=_view(mine, lang),
            per_office=[(code, names.get(code, code), _view(f, lang)) for code, f in every.items()],
            as_of=ctx.now().astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )

    @router.get("/api/v1/office/statistics", responses={401: {}, 403: {}, 422: {}}, tags=["office"])
    def api_statistics(
        request: Request,
        office: Annotated[str, Query(max_length=16, description="an office code; none: all")] = "",
    ) -> Response:
        me = ctx.api(request)
        if isinstance(me, Response):
            return me
        scope = scope_of(me.staff, office.strip().upper() or None)
        if isinstance(scope, Refusal):
            return ctx.api_refusal(422 if scope.code == "bad_office" else 403, scope)
        mine, every = compute(scope)
        return JSONResponse(
            {
                "as_of": ctx.now().astimezone(dt.UTC).isoformat(),
                **figures_json(mine),
                "offices": {code: figures_json(f) for code, f in every.items()},
            }
        )
