"""Today: the signed-in staff member's work of the day (their office's declarations waiting
for review, returned for amendment, registered today, and for those who decide them the
corrections waiting; a supervisor's or administrator's view of every office).

    GET  /office/today
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from registry.civil import corrections, store
from registry.office.declarations import Permission, State, can
from registry.office_web.context import OfficeContext
from registry.office_web.declarations import may_view
from registry.office_web.declarations_text import KINDS, STATES, TEXT
from registry.office_web.text import ROLE_EN

__all__ = ["install"]

LIMIT = 100


def _rows(views: list[store.DeclarationView], lang: str) -> list[dict[str, Any]]:
    i = 0 if lang == "ar" else 1
    return [
        {
            "number": v.number,
            "kind": KINDS[v.kind][i],
            "state": STATES[v.state][i],
            "summary": v.summary[i],
            "office": v.office,
            "declared_by": v.declared_by,
            "declared_at": v.declared_at,
            "reason": v.reason,
        }
        for v in views
    ]


def install(router: APIRouter, ctx: OfficeContext) -> None:
    @router.get("/office/today", response_class=HTMLResponse, include_in_schema=False)
    def today(request: Request) -> Response:
        me = ctx.page(request)
        if isinstance(me, Response):
            return me
        lang = ctx.lang_of(request)
        role = me.staff.role
        label = role.ar if lang == "ar" else ROLE_EN[role.value]
        staff = me.staff.staff
        office = staff.office  # None: the authority's staff see every office
        sections: dict[str, list[dict[str, Any]]] = {}
        if may_view(staff, office or ""):
            midnight = dt.datetime.combine(store.today_of(ctx.now()), dt.time(), tzinfo=dt.UTC)
            with ctx.reg.db.session() as s:
                waiting = store.queue(
                    s, office=office, states=(State.DECLARED, State.AMENDED), limit=LIMIT
                )
                returned = store.queue(s, office=office, states=(State.RETURNED,), limit=LIMIT)
                registered = store.queue(
                    s, office=office, states=(State.REGISTERED,), since=midnight, limit=LIMIT
                )
            sections = {
                "today_waiting": _rows(waiting, lang),
                "today_returned": _rows(returned, lang),
                "today_registered": _rows(registered, lang),
            }
        corrections_waiting = None  # for those who decide corrections: how many wait
        if can(staff, Permission.DECIDE_CORRECTION, office):
            with ctx.reg.db.session() as s:
                corrections_waiting = corrections.waiting_for(s, staff)
        return ctx.render(
            request,
            "today",
            me,
            words=TEXT,
            role_label=label,
            sections=sections,
            every_office=office is None,
            corrections_waiting=corrections_waiting,
        )
