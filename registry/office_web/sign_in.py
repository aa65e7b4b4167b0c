"""Signing in and out: the page (password and TOTP code), a ministry's own identity provider
when `[oidc]` is configured, and the API session (bearer token).

With a provider, the sign-in page also offers "sign in with <ministry>": GET
/office/sign-in/oidc stores a new attempt (`registry.staff_sso`: state, nonce, PKCE verifier)
under a random id kept in a cookie of its own and redirects to the provider;
GET /office/sign-in/oidc/callback takes the attempt back (once), has the provider verify its
answer (`registry.office.oidc`), maps the identity to an account and opens the same session as
a password sign-in. The attempt's cookie is SameSite=Lax, not Strict like the others: the
browser comes back from the provider's site, and a Strict cookie would not be sent. For the
same reason the callback answers with a page that moves on to /office/today itself (a meta
refresh: no script), so that the Strict session cookie goes with a same-site request.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from registry import staff as accounts
from registry import staff_sso
from registry.office import oidc, staff_auth
from registry.office.errors import Refusal
from registry.office_web.context import OfficeContext, Words

__all__ = ["StaffOut", "install", "staff_json"]

log = logging.getLogger(__name__)

SSO_WORDS: Words = {
    "ar": {
        "sso_or": "أو استخدم حسابك في الوزارة",
        "sso_with": "الدخول عبر",
        "sso_done": "تم التحقق من هويتك.",
        "sso_continue": "المتابعة إلى أعمال اليوم",
    },
    "en": {
        "sso_or": "Or use your ministry account",
        "sso_with": "Sign in with",
        "sso_done": "Your identity is confirmed.",
        "sso_continue": "Continue to today's work",
    },
}


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

    config = ctx.reg.settings.oidc
    provider = oidc.from_config(ctx.reg.data, config, clock=ctx.now) if config else None
    mapping = oidc.mapping_of(config) if config else None

    def attempt_cookie(request: Request) -> str:
        return ctx.cookie_name(request) + "-oidc"

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
            words=SSO_WORDS,
            sso_name=(config.name_ar if ctx.lang_of(request) == "ar" else config.name_en)
            if config
            else None,
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

    def refused(request: Request, status: int, refusal: Refusal) -> HTMLResponse:
        response = sign_in_page(request, status=status, error=refusal.message(ctx.lang_of(request)))
        ctx.clear_cookie(request, response, attempt_cookie(request))
        return response

    def callback_uri(request: Request) -> str:
        assert config is not None
        return config.redirect_uri or str(request.url_for("office_oidc_callback"))

    if provider is not None and mapping is not None:

        @router.get("/office/sign-in/oidc", include_in_schema=False)
        def oidc_start(request: Request) -> Response:
            if ctx.current(request) is not None:
                return RedirectResponse("/office/today", status_code=303)
            with ctx.reg.db.session() as s:
                attempt_id, attempt = staff_sso.begin_attempt(s, ctx.now())
            try:
                url = provider.start(
                    redirect_uri=callback_uri(request),
                    state=attempt.state,
                    nonce=attempt.nonce,
                    code_verifier=attempt.code_verifier,
                )
            except oidc.IdentityRefused as exc:
                log.warning("identity provider sign-in not started: %s", exc.detail)
                return refused(request, 502, exc.refusal)
            response = RedirectResponse(url, status_code=303)
            response.set_cookie(
                attempt_cookie(request),
                attempt_id,
                max_age=int(staff_sso.ATTEMPT_TTL.total_seconds()),
                path="/",
                secure=ctx.secure(request),
                httponly=True,
                samesite="lax",  # sent when the provider sends the browser back
            )
            return response

        @router.get(
            "/office/sign-in/oidc/callback", name="office_oidc_callback", include_in_schema=False
        )
        def oidc_callback(request: Request) -> Response:
            with ctx.reg.db.session() as s:
                attempt = staff_sso.take_attempt(
                    s, request.cookies.get(attempt_cookie(request)), ctx.now()
                )
            if attempt is None:
                return refused(request, 400, oidc.EXPIRED_ATTEMPT)
            query = {k: v[:4096] for k, v in request.query_params.items()}
            try:
                identity = provider.finish(
                    query=query,
                    redirect_uri=callback_uri(request),
                    state=attempt.state,
                    nonce=attempt.nonce,
                    code_verifier=attempt.code_verifier,
                )
            except oidc.IdentityRefused as exc:
                log.warning("identity provider sign-in refused: %s", exc.detail)
                unreachable = exc.refusal.code in ("idp_unreachable", "idp_misconfigured")
                return refused(request, 502 if unreachable else 400, exc.refusal)
            try:
                with ctx.reg.db.session() as s:
                    signed = staff_sso.sign_in_external(
                        s,
                        identity,
                        mapping,
                        policy=ctx.opts.password,
                        seal=ctx.seal,
                        now=ctx.now(),
                        purge_after=ctx.policy,
                    )
            except accounts.SignInRefused as exc:
                log.info("identity provider sign-in not mapped: %s", exc.refusal.code)
                return refused(request, exc.status, exc.refusal)
            except IntegrityError:
                # the same person's first sign-in, twice at once: the other one made the account
                log.info("identity provider sign-in raced another for the same identity")
                return refused(request, 409, oidc.EXPIRED_ATTEMPT)
            response = ctx.render(request, "sign_in_continue", None, words=SSO_WORDS)
            ctx.clear_cookie(request, response, ctx.pre_cookie_name(request))
            ctx.clear_cookie(request, response, attempt_cookie(request))
            ctx.set_cookie(request, response, ctx.cookie_name(request), signed.session_id)
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
