"""Signing in and out: the page (password and TOTP code) and the API session (bearer token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from registry import staff as accounts
from registry.office import staff_auth
from registry.office_web.context import OfficeContext

__all__ = ["StaffOut", "install", "staff_json"]


class SignInBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    code: str = Field(min_length=1, max_length=12, description="the TOTP code, six digits")


class StaffOut(BaseModel):
    username: str
    name: dict[str, str]
    role: str
    office: str | None


class SessionOut(BaseModel):
    token: str = Field(description="Authorization: Bearer <token> on every office API call")
    idle_timeout_seconds: int
    absolute_timeout_seconds: int
    staff: StaffOut


class WhoOut(BaseModel):
    staff: StaffOut


class SignedOutOut(BaseModel):
    ok: bool


def staff_json(v: accounts.StaffView) -> dict[str, Any]:
    return {
        "username": v.username,
        "name": {"ar": v.name_ar, "en": v.name_en},
        "role": v.role.value,
        "office": v.office,
    }


def _retry_after(result: accounts.SignInRefused) -> dict[str, str]:
    return {"Retry-After": str(max(1, round(result.retry_after)))} if result.retry_after else {}


def install(router: APIRouter, ctx: OfficeContext) -> None:
    def attempt(
        username: str, password: str, code: str
    ) -> accounts.SignedIn | accounts.SignInRefused:
        with ctx.reg.db.session() as s:
            try:
                return accounts.sign_in(
                    s,
                    ctx.opts.throttle,
                    username=username,
                    password=password,
                    code=code,
                    now=ctx.now(),
                    seal=ctx.seal,
                    purge_after=ctx.policy,
                )
            except accounts.SignInRefused as refused:
                return refused  # committed: the failure counts

    def sign_in_page(
        request: Request,
        *,
        status: int = 200,
        error: str | None = None,
        notice: str | None = None,
        username: str = "",
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        pre = request.cookies.get(ctx.pre_cookie_name(request))
        fresh = not pre or len(pre) > 100
        if fresh:
            pre = staff_auth.new_session_id()
        assert pre is not None
        response = ctx.render(
            request,
            "sign_in",
            None,
            status,
            csrf=staff_auth.csrf_token(ctx.office_key, pre),
            error=error,
            notice=notice,
            username=username,
        )
        if fresh:
            ctx.set_cookie(request, response, ctx.pre_cookie_name(request), pre)
        response.headers.update(headers or {})
        return response

    @router.get("/office/sign-in", response_class=HTMLResponse, include_in_schema=False)
    def sign_in_form(request: Request, notice: str | None = None) -> Response:
        if ctx.current(request) is not None:
            return RedirectResponse("/office/today", status_code=303)
        t = ctx.t(request)
        known = {t[k] for k in ("signed_out", "session_ended")}
        return sign_in_page(request, notice=notice if notice in known else None)

    @router.post("/office/sign-in", response_class=HTMLResponse, include_in_schema=False)
    def sign_in_submit(
        request: Request,
        username: Annotated[str, Form(max_length=64)] = "",
        password: Annotated[str, Form(max_length=256)] = "",
        code: Annotated[str, Form(max_length=12)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        lang = ctx.lang_of(request)
        pre = request.cookies.get(ctx.pre_cookie_name(request))
        if not pre or not staff_auth.csrf_valid(ctx.office_key, pre, csrf):
            return sign_in_page(
                request, status=403, error=ctx.t(request)["form_expired"], username=username
            )
        result = attempt(username, password, code)
        if isinstance(result, accounts.SignInRefused):
            return sign_in_page(
                request,
                status=result.status,
                error=result.refusal.message(lang),
                username=username,
                headers=_retry_after(result),
            )
        response = RedirectResponse("/office/today", status_code=303)
        ctx.clear_cookie(request, response, ctx.pre_cookie_name(request))
        ctx.set_cookie(request, response, ctx.cookie_name(request), result.session_id)
        return response

    @router.post("/office/sign-out", include_in_schema=False)
    def sign_out(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
        me = ctx.current(request)
        if me is None:
            return ctx.to_sign_in()
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, ctx.t(request)["form_expired"])
        with ctx.reg.db.session() as s:
            accounts.sign_out(s, me.session_id, ctx.now())
        response = ctx.to_sign_in(ctx.t(request)["signed_out"])
        ctx.clear_cookie(request, response, ctx.cookie_name(request))
        return response

    @router.post(
        "/api/v1/office/session",
        response_model=SessionOut,
        status_code=201,
        responses={401: {}, 423: {}, 429: {}},
        tags=["office"],
    )
    def api_sign_in(body: SignInBody) -> Response:
        result = attempt(body.username, body.password, body.code)
        if isinstance(result, accounts.SignInRefused):
            return ctx.api_error(
                result.status, result.refusal.code, result.refusal.en, **_retry_after(result)
            )
        return JSONResponse(
            {
                "token": result.session_id,
                "idle_timeout_seconds": int(ctx.policy.idle_timeout.total_seconds()),
                "absolute_timeout_seconds": int(ctx.policy.absolute_timeout.total_seconds()),
                "staff": staff_json(result.staff),
            },
            status_code=201,
        )

    @router.get(
        "/api/v1/office/session", response_model=WhoOut, responses={401: {}}, tags=["office"]
    )
    def api_who(request: Request) -> Response:
        me = ctx.api(request)
        if isinstance(me, Response):
            return me
        return JSONResponse({"staff": staff_json(me.staff)})

    @router.delete(
        "/api/v1/office/session", response_model=SignedOutOut, responses={401: {}}, tags=["office"]
    )
    def api_sign_out(request: Request) -> Response:
        me = ctx.api(request)
        if isinstance(me, Response):
            return me
        with ctx.reg.db.session() as s:
            accounts.sign_out(s, me.session_id, ctx.now())
        return JSONResponse({"ok": True})
