"""Today: the signed-in staff member's work of the day (their office's declarations waiting,
returned, registered today; a supervisor's view of every office).

    GET  /office/today
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from registry.office_web.context import OfficeContext
from registry.office_web.text import ROLE_EN

__all__ = ["install"]


def install(router: APIRouter, ctx: OfficeContext) -> None:
    @router.get("/office/today", response_class=HTMLResponse, include_in_schema=False)
    def today(request: Request) -> Response:
        me = ctx.page(request)
        if isinstance(me, Response):
            return me
        role = me.staff.role
        label = role.ar if ctx.lang_of(request) == "ar" else ROLE_EN[role.value]
        return ctx.render(request, "today", me, role_label=label)
