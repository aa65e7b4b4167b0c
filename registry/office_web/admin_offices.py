"""Civil registry offices, for administrators.

GET  /office/admin/offices                      the offices, open and closed; the form to add one
POST /office/admin/offices                      add (a code of 3 capital letters, both names)
POST /office/admin/offices/{code}/close         close (refused while active staff belong to it)
GET  /api/v1/office/admin/offices               the same as JSON, with a bearer token
POST /api/v1/office/admin/offices               (201)
POST /api/v1/office/admin/offices/{code}/close

The rules and the audit entries are `registry.offices`'.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from registry import offices
from registry import staff as accounts
from registry.errors import RegistryError
from registry.office_web.admin_common import ADMIN, refusal_of
from registry.office_web.admin_schema import OfficeBody
from registry.office_web.admin_text import TEXT
from registry.office_web.context import OfficeContext

__all__ = ["install"]

ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}, 404: {}, 409: {}, 422: {}}


def _iso(at: dt.datetime | None) -> str | None:
    return at.isoformat() if at else None


def install(router: APIRouter, ctx: OfficeContext) -> None:
    def office_rows() -> list[dict[str, Any]]:
        with ctx.reg.db.session() as s:
            return [
                {
                    "code": o.code,
                    "name_ar": o.name_ar,
                    "name_latin": o.name_latin,
                    "opened_at": o.opened_at,
                    "closed_at": o.closed_at,
                }
                for o in offices.list_offices(s, open_only=False)
            ]

    def offices_render(
        request: Request, me: accounts.SignedIn, status: int = 200, **extra: Any
    ) -> Response:
        return ctx.render(
            request,
            "admin_offices",
            me,
            status,
            words=TEXT,
            rows=office_rows(),
            form=extra.pop("form", {}),
            **extra,
        )

    def add_office(me: accounts.SignedIn, code: str, ar: str, latin: str) -> str:
        with ctx.reg.db.session() as s:
            row = offices.add_office(s, code, ar, latin, by=me.staff.username, at=ctx.now())
            return row.code

    def close_office(me: accounts.SignedIn, code: str) -> str:
        with ctx.reg.db.session() as s:
            return offices.close_office(s, code, by=me.staff.username, at=ctx.now()).code

    @router.get("/office/admin/offices", response_class=HTMLResponse, include_in_schema=False)
    def offices_page(request: Request) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        return offices_render(request, me)

    @router.post("/office/admin/offices", response_class=HTMLResponse, include_in_schema=False)
    def offices_add(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        code: Annotated[str, Form(max_length=40)] = "",
        name_ar: Annotated[str, Form(max_length=400)] = "",
        name_latin: Annotated[str, Form(max_length=400)] = "",
    ) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        t = ctx.t(request, TEXT)
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, t["bad_csrf"])
        try:
            added = add_office(me, code, name_ar, name_latin)
        except RegistryError as exc:
            status, refusal = refusal_of(exc)
            form = {"code": code, "name_ar": name_ar, "name_latin": name_latin}
            error = refusal.message(ctx.lang_of(request))
            return offices_render(request, me, status, error=error, form=form)
        return offices_render(request, me, done=t["office_added"], subject=added)

    @router.post(
        "/office/admin/offices/{code}/close", response_class=HTMLResponse, include_in_schema=False
    )
    def offices_close(
        request: Request, code: str, csrf: Annotated[str, Form(max_length=200)] = ""
    ) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        t = ctx.t(request, TEXT)
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, t["bad_csrf"])
        try:
            closed = close_office(me, code)
        except RegistryError as exc:
            status, refusal = refusal_of(exc)
            return offices_render(request, me, status, error=refusal.message(ctx.lang_of(request)))
        return offices_render(request, me, done=t["office_closed"], subject=closed)

    # -- the API twins ----------------------------------------------------------------------

    def office_json(r: dict[str, Any]) -> dict[str, Any]:
        return {**r, "opened_at": _iso(r["opened_at"]), "closed_at": _iso(r["closed_at"])}

    @router.get("/api/v1/office/admin/offices", responses={401: {}, 403: {}}, tags=["office"])
    def api_offices(request: Request) -> Response:
        me = ctx.api(request, ADMIN)
        if isinstance(me, Response):
            return me
        return JSONResponse({"offices": [office_json(r) for r in office_rows()]})

    @router.post("/api/v1/office/admin/offices", status_code=201, responses=ERRORS, tags=["office"])
    def api_office_add(request: Request, body: OfficeBody) -> Response:
        me = ctx.api(request, ADMIN)
        if isinstance(me, Response):
            return me
        try:
            code = add_office(me, body.code, body.name_ar, body.name_latin)
        except RegistryError as exc:
            return ctx.api_refusal(*refusal_of(exc))
        (row,) = [r for r in office_rows() if r["code"] == code]
        return JSONResponse({"office": office_json(row), "added_by": me.staff.username}, 201)

    @router.post("/api/v1/office/admin/offices/{code}/close", responses=ERRORS, tags=["office"])
    def api_office_close(request: Request, code: str) -> Response:
        me = ctx.api(request, ADMIN)
        if isinstance(me, Response):
            return me
        try:
            closed = close_office(me, code)
        except RegistryError as exc:
            return ctx.api_refusal(*refusal_of(exc))
        (row,) = [r for r in office_rows() if r["code"] == closed]
        return JSONResponse({"office": office_json(row), "closed_by": me.staff.username})
