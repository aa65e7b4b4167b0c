"""Staff accounts, for administrators: list, add, disable, reset, unlock.

GET  /office/admin/staff                            the accounts and the form to add one
POST /office/admin/staff                            add (password and second factor shown once)
POST /office/admin/staff/{username}/disable         disable (not oneself, not the last admin.)
POST /office/admin/staff/{username}/reset           new password and second factor, shown once
POST /office/admin/staff/{username}/unlock          lift a lock after too many failed sign-ins
GET  /api/v1/office/admin/staff                     the same as JSON, with a bearer token
POST /api/v1/office/admin/staff                     (201)
POST /api/v1/office/admin/staff/{username}/disable|reset|unlock

Each act is one call of `registry.staff` (the functions `sanad registry staff` calls), in one
transaction, named in the audit log with the administrator's user name. The one-time
credentials are in the answer to the POST only: nothing keeps them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry import admin_refusals as no
from registry import offices
from registry import staff as accounts
from registry.admin_refusals import AdminConflict
from registry.errors import RegistryError
from registry.office.declarations import Role
from registry.office_web.admin_common import (
    ADMIN,
    credentials_json,
    one_time,
    refusal_of,
    staff_json,
)
from registry.office_web.admin_schema import StaffAddBody
from registry.office_web.admin_text import TEXT
from registry.office_web.context import OfficeContext
from registry.office_web.text import ROLE_EN

__all__ = ["install"]

ACTS = ("disable", "reset", "unlock")
ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}, 404: {}, 409: {}, 422: {}}


def install(router: APIRouter, ctx: OfficeContext) -> None:
    def add(me: accounts.SignedIn, **fields: Any) -> accounts.Credentials:
        try:
            with ctx.reg.db.session() as s:
                return accounts.add_staff(
                    s,
                    ctx.opts.password,
                    password=None,
                    by=me.staff.username,
                    at=ctx.now(),
                    seal=ctx.seal,
                    **fields,
                )
        except IntegrityError:  # another administrator took the name a moment before
            raise AdminConflict(no.USERNAME_TAKEN) from None

    def act(me: accounts.SignedIn, verb: str, username: str) -> Any:
        """One of ACTS on an account: a `StaffView`, or `Credentials` for a reset."""
        by, at = me.staff.username, ctx.now()
        calls: dict[str, Callable[[Session], Any]] = {
            "disable": lambda s: accounts.disable_staff(s, username, by=by, at=at),
            "unlock": lambda s: accounts.unlock_staff(s, username, by=by, at=at),
            "reset": lambda s: accounts.reset_staff(
                s, ctx.opts.password, username, password=None, by=by, at=at, seal=ctx.seal
            ),
        }
        with ctx.reg.db.session() as s:
            return calls[verb](s)

    def role_of(text: str) -> Role | None:
        try:
            return Role(text.strip())
        except ValueError:
            return None

    def render(
        request: Request, me: accounts.SignedIn, status: int = 200, **extra: Any
    ) -> Response:
        lang = ctx.lang_of(request)
        with ctx.reg.db.session() as s:
            rows = accounts.list_staff(s)
            open_offices = [
                (o.code, o.name_ar if lang == "ar" else (o.name_latin or o.name_ar))
                for o in offices.list_offices(s)
            ]
        roles = [(r.value, r.ar if lang == "ar" else ROLE_EN[r.value]) for r in Role]
        return ctx.render(
            request,
            "admin_staff",
            me,
            status,
            words=TEXT,
            rows=rows,
            offices=open_offices,
            roles=roles,
            role_names=dict(roles),
            form=extra.pop("form", {}),
            **extra,
        )

    @router.get("/office/admin/staff", response_class=HTMLResponse, include_in_schema=False)
    def staff_page(request: Request) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        return render(request, me)

    @router.post("/office/admin/staff", response_class=HTMLResponse, include_in_schema=False)
    def staff_add(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        username: Annotated[str, Form(max_length=200)] = "",
        name_ar: Annotated[str, Form(max_length=400)] = "",
        name_en: Annotated[str, Form(max_length=400)] = "",
        role: Annotated[str, Form(max_length=40)] = "",
        office: Annotated[str, Form(max_length=40)] = "",
    ) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, ctx.t(request, TEXT)["bad_csrf"])
        form = {
            "username": username,
            "name_ar": name_ar,
            "name_en": name_en,
            "role": role,
            "office": office,
        }
        chosen = role_of(role)
        t = ctx.t(request, TEXT)
        if chosen is None:
            return render(request, me, 422, error=t["role_required"], form=form)
        try:
            creds = add(
                me,
                username=username,
                name_ar=name_ar,
                name_en=name_en,
                role=chosen,
                office=office or None,
            )
        except RegistryError as exc:
            status, refusal = refusal_of(exc)
            return render(
                request, me, status, error=refusal.message(ctx.lang_of(request)), form=form
            )
        return render(request, me, shown=one_time(creds), done=t["staff_added"])

    @router.post(
        "/office/admin/staff/{username}/{verb}",
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    def staff_act(
        request: Request,
        username: str,
        verb: str,
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        t = ctx.t(request, TEXT)
        if verb not in ACTS:
            return ctx.refused_page(request, me, 404, t["no_such_act"])
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, t["bad_csrf"])
        try:
            result = act(me, verb, username)
        except RegistryError as exc:
            status, refusal = refusal_of(exc)
            return render(request, me, status, error=refusal.message(ctx.lang_of(request)))
        if isinstance(result, accounts.Credentials):
            return render(request, me, shown=one_time(result), done=t["staff_reset_done"])
        return render(request, me, done=t[f"staff_{verb}_done"], subject=result.username)

    # -- the API twins ----------------------------------------------------------------------

    @router.get("/api/v1/office/admin/staff", responses={401: {}, 403: {}}, tags=["office"])
    def api_staff(request: Request) -> Response:
        me = ctx.api(request, ADMIN)
        if isinstance(me, Response):
            return me
        with ctx.reg.db.session() as s:
            rows = accounts.list_staff(s)
        return JSONResponse({"staff": [staff_json(v) for v in rows]})

    @router.post("/api/v1/office/admin/staff", status_code=201, responses=ERRORS, tags=["office"])
    def api_staff_add(request: Request, body: StaffAddBody) -> Response:
        me = ctx.api(request, ADMIN)
        if isinstance(me, Response):
            return me
        try:
            creds = add(
                me,
                username=body.username,
                name_ar=body.name_ar,
                name_en=body.name_en,
                role=Role(body.role),
                office=body.office,
            )
        except RegistryError as exc:
            return ctx.api_refusal(*refusal_of(exc))
        return JSONResponse(credentials_json(creds), status_code=201)

    def api_act(verb: str) -> Callable[[Request, str], Response]:
        def handler(request: Request, username: str) -> Response:
            me = ctx.api(request, ADMIN)
            if isinstance(me, Response):
                return me
            try:
                result = act(me, verb, username)
            except RegistryError as exc:
                return ctx.api_refusal(*refusal_of(exc))
            if isinstance(result, accounts.Credentials):
                return JSONResponse(credentials_json(result))
            return JSONResponse({"staff": staff_json(result)})

        handler.__name__ = f"api_staff_{verb}"
        return handler

    for verb in ACTS:
        router.add_api_route(
            f"/api/v1/office/admin/staff/{{username}}/{verb}",
            api_act(verb),
            methods=["POST"],
            responses=ERRORS,
            tags=["office"],
        )
