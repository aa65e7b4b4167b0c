"""The office app under /office/ (server-rendered, Arabic first) and its JSON twin under
/api/v1/office/ (staff bearer tokens), served by the registry.

    GET  /office/                 → today, or the sign-in page
    GET  /office/sign-in          the form (username, password, TOTP code)
    POST /office/sign-in          both factors → a new session cookie, → today
    POST /office/sign-out         (CSRF) end the session
    GET  /office/today            the signed-in staff member's name, role and office
    GET  /office/fleet            kiosks and what needs attention (administrators, supervisors)
    GET  /office/search?q=        by national number or name (clerks, registrars, supervisors)
    GET  /office/record/{nid}     a person's record, read-only (the same)
    GET  /office/lang/{ar|en}     the language switch (a cookie), back to `next`
    POST   /api/v1/office/session  sign in → bearer token
    GET    /api/v1/office/session  who am I
    DELETE /api/v1/office/session  sign out
    GET    /api/v1/office/fleet    the fleet as JSON (administrators, supervisors)
    GET    /api/v1/office/search?q=        search results as JSON
    GET    /api/v1/office/persons/{nid}    a record as JSON

Pages without a session redirect to the sign-in page (303); API paths answer 401. Every page
carries a strict Content-Security-Policy (no script at all, styles from the app's own file) and
`Cache-Control: no-store`. Sessions live in `staff_sessions` (`registry.staff`); the browser
holds only the random id, in a `__Host-` cookie that is Secure, HttpOnly and SameSite=Strict
(on plain http to 127.0.0.1 or localhost, for the demo, the cookie is not Secure and drops the
`__Host-` prefix a browser would refuse). Every form carries a CSRF token: an HMAC of the
session id under the session's own key, and on the sign-in form an HMAC of a pre-sign-in
cookie under the data directory's office key, so a token planted before sign-in is worthless
after it. The API accepts bearer tokens only, never the cookie, so no other site can make a
browser call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import kiosks, records
from registry import staff as accounts
from registry.config import ThrottlePolicy
from registry.http_state import Registry, bearer, utc_now
from registry.models import Death, Person
from registry.office import staff_auth
from registry.office.declarations import Permission, can
from registry.office_text import ATTENTION, LANGUAGES, PAPER, PRINTER, ROLE_EN, TEXT, minutes_ago

__all__ = ["OfficeOptions", "fleet_of", "install_office"]

HERE = Path(__file__).parent
LANG_COOKIE = "sanad-office-lang"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class OfficeOptions:
    """The office app's policies (tests shorten them) and its clock."""

    password: staff_auth.PasswordPolicy = field(default_factory=staff_auth.PasswordPolicy)
    throttle: ThrottlePolicy = staff_auth.STAFF_THROTTLE
    sessions: staff_auth.SessionPolicy = field(default_factory=staff_auth.SessionPolicy)
    clock: Callable[[], dt.datetime] = utc_now


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


def _staff_json(v: accounts.StaffView) -> dict[str, Any]:
    return {
        "username": v.username,
        "name": {"ar": v.name_ar, "en": v.name_en},
        "role": v.role.value,
        "office": v.office,
    }


def _api_error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def _unauthenticated() -> JSONResponse:
    return _api_error(
        401,
        "staff_session_invalid",
        "a staff session is required (Authorization: Bearer <token>)",
        **{"WWW-Authenticate": "Bearer"},
    )


def _may_fleet(v: accounts.StaffView) -> bool:
    return can(v.staff, Permission.ADMINISTER) or can(v.staff, Permission.READ_AUDIT)


def install_office(app: FastAPI, reg: Registry, options: OfficeOptions | None = None) -> None:
    """Add the office pages, their static file and the office API to the registry's app."""
    opts = options or OfficeOptions()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    office_key = reg.data.office_key()
    seal = accounts.SecretSeal(reg.data.staff_secret_key())
    policy = opts.sessions
    router = APIRouter()

    # -- plumbing -------------------------------------------------------------------------

    def secure(request: Request) -> bool:
        return request.url.scheme == "https" or request.url.hostname not in LOOPBACK

    def cookie_name(request: Request) -> str:
        name = policy.cookie_name
        if secure(request):
            return name
        return name.removeprefix("__Host-")

    def pre_cookie_name(request: Request) -> str:
        return cookie_name(request) + "-pre"

    def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
        response.set_cookie(
            name,
            value,
            path="/",
            secure=secure(request),
            httponly=policy.http_only,
            samesite=policy.same_site,  # type: ignore[arg-type]
        )

    def clear_cookie(request: Request, response: Response, name: str) -> None:
        response.delete_cookie(
            name,
            path="/",
            secure=secure(request),
            httponly=True,
            samesite=policy.same_site,  # type: ignore[arg-type]
        )

    def lang_of(request: Request) -> str:
        lang = request.cookies.get(LANG_COOKIE, "ar")
        return lang if lang in LANGUAGES else "ar"

    def session_of(s: Session, token: str | None) -> accounts.SignedIn | None:
        return accounts.resolve_session(s, policy, token, opts.clock())

    def current(request: Request) -> accounts.SignedIn | None:
        with reg.db.session() as s:
            return session_of(s, request.cookies.get(cookie_name(request)))

    def render(
        request: Request,
        name: str,
        me: accounts.SignedIn | None,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        lang = lang_of(request)
        view = me.staff if me else None
        return templates.TemplateResponse(
            request,
            f"office/{name}.html",
            {
                "lang": lang,
                "t": TEXT[lang],
                "me": view,
                "path": request.url.path,
                "csrf": staff_auth.csrf_token(me.csrf_key, me.session_id) if me else "",
                "may_fleet": view is not None and _may_fleet(view),
                "may_search": view is not None and can(view.staff, Permission.SEARCH),
                **context,
            },
            status_code=status,
        )

    def to_sign_in(notice: str | None = None) -> RedirectResponse:
        target = "/office/sign-in" + (f"?notice={quote(notice)}" if notice else "")
        return RedirectResponse(target, status_code=303)

    def sign_in_page(
        request: Request,
        *,
        status: int = 200,
        error: str | None = None,
        notice: str | None = None,
        username: str = "",
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        pre = request.cookies.get(pre_cookie_name(request))
        fresh = not pre or len(pre) > 100
        if fresh:
            pre = staff_auth.new_session_id()
        assert pre is not None
        response = render(
            request,
            "sign_in",
            None,
            status,
            csrf=staff_auth.csrf_token(office_key, pre),
            error=error,
            notice=notice,
            username=username,
        )
        if fresh:
            set_cookie(request, response, pre_cookie_name(request), pre)
        response.headers.update(headers or {})
        return response

    @app.middleware("http")
    async def office_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        if request.url.path.startswith(("/office", "/api/v1/office")):
            for k, v in SECURITY_HEADERS.items():
                response.headers.setdefault(k, v)
        return response

    app.mount(
        "/office/static",
        StaticFiles(directory=str(HERE / "static" / "office"), check_dir=True),
        name="office-static",
    )

    # -- pages ----------------------------------------------------------------------------

    @router.get("/office", include_in_schema=False)
    @router.get("/office/", include_in_schema=False)
    def office_root(request: Request) -> Response:
        return RedirectResponse("/office/today", status_code=303)

    @router.get("/office/sign-in", response_class=HTMLResponse, include_in_schema=False)
    def sign_in_form(request: Request, notice: str | None = None) -> Response:
        if current(request) is not None:
            return RedirectResponse("/office/today", status_code=303)
        known = {TEXT[lang_of(request)][k] for k in ("signed_out", "session_ended")}
        return sign_in_page(request, notice=notice if notice in known else None)

    @router.post("/office/sign-in", response_class=HTMLResponse, include_in_schema=False)
    def sign_in_submit(
        request: Request,
        username: Annotated[str, Form(max_length=64)] = "",
        password: Annotated[str, Form(max_length=256)] = "",
        code: Annotated[str, Form(max_length=12)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        t = TEXT[lang_of(request)]
        lang = lang_of(request)
        pre = request.cookies.get(pre_cookie_name(request))
        if not pre or not staff_auth.csrf_valid(office_key, pre, csrf):
            return sign_in_page(request, status=403, error=t["form_expired"], username=username)
        with reg.db.session() as s:
            try:
                result: accounts.SignedIn | accounts.SignInRefused = accounts.sign_in(
                    s,
                    opts.throttle,
                    username=username,
                    password=password,
                    code=code,
                    now=opts.clock(),
                    seal=seal,
                    purge_after=policy,
                )
            except accounts.SignInRefused as refused:
                result = refused  # committed: the failure counts
        if isinstance(result, accounts.SignInRefused):
            headers = (
                {"Retry-After": str(max(1, round(result.retry_after)))}
                if result.retry_after
                else {}
            )
            return sign_in_page(
                request,
                status=result.status,
                error=result.refusal.message(lang),
                username=username,
                headers=headers,
            )
        response = RedirectResponse("/office/today", status_code=303)
        clear_cookie(request, response, pre_cookie_name(request))
        set_cookie(request, response, cookie_name(request), result.session_id)
        return response

    @router.post("/office/sign-out", include_in_schema=False)
    def sign_out(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
        me = current(request)
        if me is None:
            return to_sign_in()
        if not staff_auth.csrf_valid(me.csrf_key, me.session_id, csrf):
            t = TEXT[lang_of(request)]
            return render(request, "refused", me, 403, message=t["form_expired"])
        with reg.db.session() as s:
            accounts.sign_out(s, me.session_id, opts.clock())
        response = to_sign_in(TEXT[lang_of(request)]["signed_out"])
        clear_cookie(request, response, cookie_name(request))
        return response

    @router.get("/office/today", response_class=HTMLResponse, include_in_schema=False)
    def today(request: Request) -> Response:
        me = current(request)
        if me is None:
            return to_sign_in()
        lang = lang_of(request)
        role = me.staff.role
        return render(
            request, "today", me, role_label=role.ar if lang == "ar" else ROLE_EN[role.value]
        )

    @router.get("/office/fleet", response_class=HTMLResponse, include_in_schema=False)
    def fleet_page(request: Request) -> Response:
        me = current(request)
        if me is None:
            return to_sign_in()
        lang = lang_of(request)
        t = TEXT[lang]
        if not _may_fleet(me.staff):
            return render(request, "refused", me, 403, message=t["forbidden_text"])
        rows = fleet_rows()
        now = opts.clock()
        i = 0 if lang == "ar" else 1
        for r in rows:
            seen = r["last_seen_at"]
            r["ago"] = (
                minutes_ago(int((now - seen).total_seconds() // 60), lang) if seen else t["never"]
            )
            sep = "، " if lang == "ar" else ", "
            r["needs"] = sep.join(ATTENTION.get(a, (a, a))[i] for a in r["attention"])
            r["printer"] = PRINTER.get(r["printer"], (r["printer"], r["printer"]))[i]
            r["paper"] = PAPER.get(r["paper"], (r["paper"], r["paper"]))[i]
        return render(
            request, "fleet", me, rows=rows, needing=sum(1 for r in rows if r["attention"])
        )

    @router.get("/office/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, q: str = "") -> Response:
        me = current(request)
        if me is None:
            return to_sign_in()
        if not can(me.staff.staff, Permission.SEARCH):
            return render(
                request, "refused", me, 403, message=TEXT[lang_of(request)]["forbidden_text"]
            )
        q = q.strip()[:200]
        with reg.db.session() as s:
            found = records.search(s, q) if q else []
        return render(request, "search", me, q=q, results=found)

    @router.get(
        "/office/record/{national_id}", response_class=HTMLResponse, include_in_schema=False
    )
    def record_page(request: Request, national_id: str) -> Response:
        me = current(request)
        if me is None:
            return to_sign_in()
        t = TEXT[lang_of(request)]
        if not can(me.staff.staff, Permission.SEARCH):
            return render(request, "refused", me, 403, message=t["forbidden_text"])
        with reg.db.session() as s:
            rec = record_of(s, national_id[:32])
        if rec is None:
            return render(request, "refused", me, 404, message=t["not_found"])
        return render(request, "record", me, **rec)

    @router.get("/office/lang/{lang}", include_in_schema=False)
    def switch_language(request: Request, lang: str, next: str = "/office/today") -> Response:
        target = next if next.startswith("/office") and "//" not in next else "/office/today"
        response = RedirectResponse(target, status_code=303)
        if lang in LANGUAGES:
            response.set_cookie(
                LANG_COOKIE,
                lang,
                path="/",
                secure=secure(request),
                samesite="strict",
                max_age=365 * 86400,
            )
        return response

    # -- the JSON twin --------------------------------------------------------------------

    def api_staff(request: Request) -> accounts.SignedIn | None:
        token = bearer(request.headers.get("authorization"))
        with reg.db.session() as s:
            return session_of(s, token)

    @router.post(
        "/api/v1/office/session",
        response_model=SessionOut,
        status_code=201,
        responses={401: {}, 423: {}, 429: {}},
        tags=["office"],
    )
    def api_sign_in(body: SignInBody) -> Response:
        with reg.db.session() as s:
            try:
                result: accounts.SignedIn | accounts.SignInRefused = accounts.sign_in(
                    s,
                    opts.throttle,
                    username=body.username,
                    password=body.password,
                    code=body.code,
                    now=opts.clock(),
                    seal=seal,
                    purge_after=policy,
                )
            except accounts.SignInRefused as refused:
                result = refused
        if isinstance(result, accounts.SignInRefused):
            extra = (
                {"Retry-After": str(max(1, round(result.retry_after)))}
                if result.retry_after
                else {}
            )
            return _api_error(result.status, result.refusal.code, result.refusal.en, **extra)
        return JSONResponse(
            {
                "token": result.session_id,
                "idle_timeout_seconds": int(policy.idle_timeout.total_seconds()),
                "absolute_timeout_seconds": int(policy.absolute_timeout.total_seconds()),
                "staff": _staff_json(result.staff),
            },
            status_code=201,
        )

    @router.get(
        "/api/v1/office/session", response_model=WhoOut, responses={401: {}}, tags=["office"]
    )
    def api_who(request: Request) -> Response:
        me = api_staff(request)
        if me is None:
            return _unauthenticated()
        return JSONResponse({"staff": _staff_json(me.staff)})

    @router.delete(
        "/api/v1/office/session",
        response_model=SignedOutOut,
        responses={401: {}},
        tags=["office"],
    )
    def api_sign_out(request: Request) -> Response:
        me = api_staff(request)
        if me is None:
            return _unauthenticated()
        with reg.db.session() as s:
            accounts.sign_out(s, me.session_id, opts.clock())
        return JSONResponse({"ok": True})

    @router.get("/api/v1/office/fleet", responses={401: {}, 403: {}}, tags=["office"])
    def api_fleet(request: Request) -> Response:
        me = api_staff(request)
        if me is None:
            return _unauthenticated()
        if not _may_fleet(me.staff):
            return _api_error(403, "not_permitted", "your role does not allow the fleet")
        rows = fleet_rows()
        for r in rows:
            seen = r["last_seen_at"]
            r["last_seen_at"] = seen.isoformat() if seen else None
        return JSONResponse({"kiosks": rows})

    @router.get(
        "/api/v1/office/search",
        responses={401: {}, 403: {}},
        tags=["office"],
    )
    def api_search(request: Request, q: Annotated[str, Query(max_length=200)] = "") -> Response:
        me = api_staff(request)
        if me is None:
            return _unauthenticated()
        if not can(me.staff.staff, Permission.SEARCH):
            return _api_error(403, "not_permitted", "your role does not allow searching")
        with reg.db.session() as s:
            found = records.search(s, q) if q.strip() else []
        return JSONResponse(
            {
                "results": [
                    {
                        "national_id": f.national_id,
                        "name": {"ar": f.name_ar, "latin": f.name_latin},
                        "date_of_birth": f.date_of_birth.isoformat(),
                        "mother_name": {"ar": f.mother_name_ar, "latin": f.mother_name_latin},
                        "deceased": f.deceased,
                        "score": round(f.score, 3),
                    }
                    for f in found
                ]
            }
        )

    @router.get(
        "/api/v1/office/persons/{national_id}",
        responses={401: {}, 403: {}, 404: {}},
        tags=["office"],
    )
    def api_record(request: Request, national_id: str) -> Response:
        me = api_staff(request)
        if me is None:
            return _unauthenticated()
        if not can(me.staff.staff, Permission.SEARCH):
            return _api_error(403, "not_permitted", "your role does not allow reading records")
        with reg.db.session() as s:
            rec = record_of(s, national_id[:32])
        if rec is None:
            return _api_error(404, "not_found", "no record has that national number")
        return JSONResponse(record_json(rec))

    def fleet_rows() -> list[dict[str, Any]]:
        return fleet_of(reg)

    app.include_router(router)


def fleet_of(reg: Registry) -> list[dict[str, Any]]:
    """The kiosks and what each needs, those needing a visit first (the fleet page's rows)."""
    now = reg.now()
    out = []
    with reg.db.session() as s:
        for k in kiosks.list_kiosks(s):
            out.append(
                {
                    "id": k.id,
                    "centre": {"ar": k.centre_ar, "latin": k.centre_latin},
                    "revoked": k.revoked_at is not None,
                    "last_seen_at": k.last_seen_at,
                    "printer": k.printer,
                    "paper": k.paper,
                    "cover_open": k.cover_open,
                    "app_version": k.app_version,
                    "last_error": k.last_error,
                    "journal_backlog": k.journal_backlog,
                    "failed_jobs": k.failed_jobs,
                    "attention": [
                        a.value for a in kiosks.attention(k, now, reg.settings.offline_after)
                    ],
                }
            )
    out.sort(key=lambda k: (not k["attention"], k["id"]))
    return out


def record_of(s: Session, national_id: str) -> dict[str, Any] | None:
    """A person's record for the record page: the row, parents in the registry, death."""
    person = records.find_by_national_id(s, national_id)
    if person is None:
        return None
    father = s.get(Person, person.father_id) if person.father_id else None
    mother = s.get(Person, person.mother_id) if person.mother_id else None
    death = s.execute(select(Death).where(Death.person_id == person.id)).scalar_one_or_none()
    return {"p": person, "father": father, "mother": mother, "death": death}


def record_json(rec: dict[str, Any]) -> dict[str, Any]:
    p: Person = rec["p"]
    death: Death | None = rec["death"]
    return {
        "national_id": p.national_id,
        "name": {"ar": p.name_ar, "latin": p.name_latin},
        "sex": "male" if p.sex == 1 else "female",
        "date_of_birth": p.date_of_birth.isoformat(),
        "place_of_birth": {"ar": p.place_of_birth_ar, "latin": p.place_of_birth_latin},
        "birth_office": {"ar": p.birth_office_ar, "latin": p.birth_office_latin},
        "birth_record": p.birth_record,
        "birth_registered_on": p.birth_registered_on.isoformat(),
        "father": {
            "name": {"ar": p.father_name_ar, "latin": p.father_name_latin},
            "national_id": rec["father"].national_id if rec["father"] else None,
        },
        "mother": {
            "name": {"ar": p.mother_name_ar, "latin": p.mother_name_latin},
            "national_id": rec["mother"].national_id if rec["mother"] else None,
        },
        "deceased": death is not None,
        "date_of_death": death.date.isoformat() if death else None,
    }
