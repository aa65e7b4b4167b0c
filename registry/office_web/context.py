"""What every office page and API route shares: the session from the cookie or the bearer
token, permission guards, CSRF, rendering in the reader's language, and the error shapes.

Each area of the app (`registry/office_web/*.py`) has an `install(router, ctx)` that adds its
routes and uses only this: pages call `ctx.page(request, permission)` and API routes
`ctx.api(request, permission)`, which answer the signed-in staff member or the response to
return instead (a redirect to the sign-in page, 401, or 403 with a bilingual message).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from registry import staff as accounts
from registry.config import ThrottlePolicy
from registry.errors import ConfigError
from registry.http_state import Registry, bearer, utc_now
from registry.office import staff_auth
from registry.office.declarations import Permission, can
from registry.office.errors import Refusal, RulesError
from registry.office.family_law import FamilyLaw, default_family_law
from registry.office_web.text import LANGUAGES, TEXT

__all__ = [
    "LANG_COOKIE",
    "LOOPBACK",
    "OfficeContext",
    "OfficeOptions",
    "Words",
    "load_family_law",
    "may_fleet",
]

HERE = Path(__file__).parent.parent
LANG_COOKIE = "sanad-office-lang"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

# an area's own words: {"ar": {key: text}, "en": {key: text}}, merged into `t` when it renders
Words = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class OfficeOptions:
    """The office app's policies (tests shorten them), its clock, and the family-law rules
    file (None: registry.toml's `family_law`, else the packaged defaults)."""

    password: staff_auth.PasswordPolicy = field(default_factory=staff_auth.PasswordPolicy)
    throttle: ThrottlePolicy = staff_auth.STAFF_THROTTLE
    sessions: staff_auth.SessionPolicy = field(default_factory=staff_auth.SessionPolicy)
    clock: Callable[[], dt.datetime] = utc_now
    family_law: Path | None = None


def load_family_law(path: Path | None) -> FamilyLaw:
    """The rules the registrations are checked against, read once at start-up: a file that
    cannot be read or has a wrong key stops the registry from starting (ConfigError)."""
    if path is None:
        return default_family_law()
    try:
        return FamilyLaw.from_toml(path.read_text(encoding="utf-8"), source=str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the family-law rules {path}: {exc}") from exc
    except RulesError as exc:
        raise ConfigError(str(exc)) from exc


def may_fleet(v: accounts.StaffView) -> bool:
    return can(v.staff, Permission.ADMINISTER) or can(v.staff, Permission.READ_AUDIT)


class OfficeContext:
    def __init__(self, reg: Registry, options: OfficeOptions) -> None:
        self.reg = reg
        self.opts = options
        self.policy = options.sessions
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.office_key = reg.data.office_key()
        self.seal = accounts.SecretSeal(reg.data.staff_secret_key())
        self.law = load_family_law(options.family_law or reg.settings.family_law)

    def now(self) -> dt.datetime:
        return self.opts.clock()

    # -- cookies --------------------------------------------------------------------------

    def secure(self, request: Request) -> bool:
        return request.url.scheme == "https" or request.url.hostname not in LOOPBACK

    def cookie_name(self, request: Request) -> str:
        name = self.policy.cookie_name
        return name if self.secure(request) else name.removeprefix("__Host-")

    def pre_cookie_name(self, request: Request) -> str:
        return self.cookie_name(request) + "-pre"

    def set_cookie(self, request: Request, response: Response, name: str, value: str) -> None:
        response.set_cookie(
            name,
            value,
            path="/",
            secure=self.secure(request),
            httponly=self.policy.http_only,
            samesite=self.policy.same_site,  # type: ignore[arg-type]
        )

    def clear_cookie(self, request: Request, response: Response, name: str) -> None:
        response.delete_cookie(
            name,
            path="/",
            secure=self.secure(request),
            httponly=True,
            samesite=self.policy.same_site,  # type: ignore[arg-type]
        )

    def lang_of(self, request: Request) -> str:
        lang = request.cookies.get(LANG_COOKIE, "ar")
        return lang if lang in LANGUAGES else "ar"

    def t(self, request: Request, words: Words | None = None) -> dict[str, str]:
        lang = self.lang_of(request)
        return {**TEXT[lang], **(words[lang] if words else {})}

    # -- who is asking --------------------------------------------------------------------

    def session_of(self, s: Session, token: str | None) -> accounts.SignedIn | None:
        return accounts.resolve_session(s, self.policy, token, self.now())

    def current(self, request: Request) -> accounts.SignedIn | None:
        """The staff member signed in with the browser's cookie (never a bearer token)."""
        with self.reg.db.session() as s:
            return self.session_of(s, request.cookies.get(self.cookie_name(request)))

    def api_staff(self, request: Request) -> accounts.SignedIn | None:
        """The staff member of the bearer token (never the cookie: no other site can make a
        browser call the API)."""
        token = bearer(request.headers.get("authorization"))
        with self.reg.db.session() as s:
            return self.session_of(s, token)

    def page(
        self, request: Request, permission: Permission | None = None, office: str | None = None
    ) -> accounts.SignedIn | Response:
        """The signed-in staff member, or the sign-in redirect, or a 403 page."""
        me = self.current(request)
        if me is None:
            return self.to_sign_in()
        if permission is not None and not can(me.staff.staff, permission, office):
            return self.refused_page(request, me, 403, self.t(request)["forbidden_text"])
        return me

    def api(
        self, request: Request, permission: Permission | None = None, office: str | None = None
    ) -> accounts.SignedIn | Response:
        """The bearer token's staff member, or 401, or 403 `not_permitted`."""
        me = self.api_staff(request)
        if me is None:
            return self.unauthenticated()
        if permission is not None and not can(me.staff.staff, permission, office):
            return self.api_error(
                403, "not_permitted", f"your role may not {permission.value.replace('_', ' ')}"
            )
        return me

    def csrf_ok(self, me: accounts.SignedIn, token: str) -> bool:
        return staff_auth.csrf_valid(me.csrf_key, me.session_id, token)

    # -- answers --------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        name: str,
        me: accounts.SignedIn | None,
        status: int = 200,
        *,
        words: Words | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """`templates/office/<name>.html` with `t` (the app's words and the area's), the
        staff member, the CSRF token for forms, and the navigation's permissions."""
        lang = self.lang_of(request)
        view = me.staff if me else None
        staff = view.staff if view else None
        nav = {
            f"may_{p.value}": staff is not None and can(staff, p)
            for p in Permission  # may_declare, may_review, may_administer…
        }
        return self.templates.TemplateResponse(
            request,
            f"office/{name}.html",
            {
                "lang": lang,
                "t": self.t(request, words),
                "me": view,
                "path": request.url.path,
                "csrf": staff_auth.csrf_token(me.csrf_key, me.session_id) if me else "",
                "may_fleet": view is not None and may_fleet(view),
                **nav,
                **context,
            },
            status_code=status,
        )

    def refused_page(
        self, request: Request, me: accounts.SignedIn | None, status: int, message: str
    ) -> HTMLResponse:
        return self.render(request, "refused", me, status, message=message)

    def refusal_page(
        self, request: Request, me: accounts.SignedIn, status: int, refusal: Refusal
    ) -> HTMLResponse:
        """A rule's refusal (four eyes, wrong office, wrong state…) in the reader's language."""
        return self.refused_page(request, me, status, refusal.message(self.lang_of(request)))

    def to_sign_in(self, notice: str | None = None) -> RedirectResponse:
        target = "/office/sign-in" + (f"?notice={quote(notice)}" if notice else "")
        return RedirectResponse(target, status_code=303)

    @staticmethod
    def api_error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": code, "message": message}}, status_code=status, headers=headers
        )

    @staticmethod
    def api_refusal(status: int, refusal: Refusal) -> JSONResponse:
        """A rule's refusal as JSON: the code, English detail, and both languages' words."""
        return JSONResponse(
            {
                "error": {
                    "code": refusal.code,
                    "message": refusal.en,
                    "words": {"ar": refusal.ar, "en": refusal.en},
                }
            },
            status_code=status,
        )

    def unauthenticated(self) -> JSONResponse:
        return self.api_error(
            401,
            "staff_session_invalid",
            "a staff session is required (Authorization: Bearer <token>)",
            **{"WWW-Authenticate": "Bearer"},
        )
