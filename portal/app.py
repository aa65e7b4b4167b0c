"""The citizen portal: FastAPI with server-rendered Jinja2 pages, no JavaScript at all.

    app = create_app(load_config(path))          # uvicorn.run(app, ...): `sanad portal serve`

Pages (Arabic right-to-left first, English; the language in a cookie, `/lang/{ar|en}`):
/sign-in (national number + PIN) → /code (the SMS code; resend) → /home (the documents the
registry's `entitlements` allow, for the citizen and their family) → /order/new (collection at
a kiosk, a counter or by post) → /orders/{code} (fee, mobile-money payment, then the order code
and its QR) → /orders (every order, its state and next step) → POST /sign-out. Appointments
at an office (/appointments, /appointments/new, the SMS's /b/{ref}?t=) are
`portal.appointments`.

Every registry call goes through `portal.registry_port` (the portal holds no database
credentials: it is an enrolled channel with its own key). Sessions are the registry's citizen
sessions, sealed into cookies (`portal.sessions`); every form carries a CSRF token; a registry
that does not answer gives a 503 page, a refusal its words in the reader's language, never a
traceback. Every answer carries a strict CSP (no script, styles and images from here only)
and the usual security headers.

What it does not do: decide entitlement, fees or payment (the registry does), or keep
anything on disk.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import phonenumbers
from fastapi import FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from portal import forms
from portal.appointments import install_appointments
from portal.config import PortalConfig, load_cookie_key
from portal.qr import qr_svg
from portal.registry_port import ClientPort, Order, RegistryPort
from portal.sessions import Pending, Seal, SessionState, new_id
from portal.words import (
    LANGUAGES,
    TEXT,
    fee_text,
    national_id_notice,
    refusal_text,
    relation_text,
    say,
)
from registry.client import CitizenSession, Entitlement, RegistryClient
from registry.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    KioskAuthError,
    Locked,
    NotFound,
    ProtocolError,
    Refused,
    RegistryError,
    RegistryUnreachable,
    SessionInvalid,
    Throttled,
)
from registry.http_metrics import MetricsAccess, install_http_metrics
from verifier.documents import Bilingual

__all__ = ["CSP", "SECURITY_HEADERS", "create_app", "default_client"]

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
LANG_COOKIE = "sanad-portal-lang"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
NOTICES = ("signed_out", "session_ended", "form_expired")
_CODE_ERRORS = ("code_invalid", "code_expired")
_LOCAL_PATH = re.compile(r"/[A-Za-z0-9/_.?=&%-]{0,200}")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def default_client(config: PortalConfig) -> RegistryClient:
    """The signed registry client of this portal (its channel id and Ed25519 key)."""
    from portal.config import ConfigError
    from verifier.errors import VerifierError
    from verifier.keys import load_signing_key

    try:
        key = load_signing_key(config.key_path)
    except (OSError, VerifierError) as exc:
        raise ConfigError(f"portal key {config.key_path}: {exc}") from exc
    return RegistryClient(
        config.registry_url, config.channel_id, key, timeout=config.registry_timeout
    )


class _SignedOut(Exception):
    """No session cookie (or one that no longer opens): go to the sign-in page."""


class _Portal:
    """What the routes share: words, cookies, the session, rendering."""

    def __init__(
        self,
        config: PortalConfig,
        port: RegistryPort,
        seal: Seal,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.config = config
        self.port = port
        self.seal = seal
        self.clock = clock
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))

    # -- cookies ----------------------------------------------------------------------------

    def secure(self, request: Request) -> bool:
        return self.config.secure_cookies or request.url.scheme == "https"

    def cookie(self, request: Request, kind: str = "") -> str:
        base = "__Host-sanad-portal" if self.secure(request) else "sanad-portal"
        return f"{base}-{kind}" if kind else base

    def set_cookie(self, request: Request, response: Response, kind: str, value: str) -> None:
        response.set_cookie(
            self.cookie(request, kind),
            value,
            path="/",
            secure=self.secure(request),
            httponly=True,
            samesite="strict",
        )

    def clear_cookie(self, request: Request, response: Response, kind: str) -> None:
        response.delete_cookie(
            self.cookie(request, kind),
            path="/",
            secure=self.secure(request),
            httponly=True,
            samesite="strict",
        )

    def lang(self, request: Request) -> str:
        lang = request.cookies.get(LANG_COOKIE, "ar")
        return lang if lang in LANGUAGES else "ar"

    # -- who is asking ----------------------------------------------------------------------

    def state(self, request: Request) -> SessionState | None:
        state = self.seal.open_session(request.cookies.get(self.cookie(request)), self.clock())
        if state is None or state.expires_at.tzinfo is None:
            return state
        return state

    def citizen(self, request: Request) -> tuple[SessionState, CitizenSession]:
        state = self.state(request)
        if state is None:
            raise _SignedOut
        return state, CitizenSession(
            state.token, state.expires_at, Bilingual(state.name_ar, state.name_latin)
        )

    def pending(self, request: Request) -> Pending | None:
        return self.seal.open_pending(
            request.cookies.get(self.cookie(request, "pending")), self.clock()
        )

    # -- answers ----------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        name: str,
        status: int = 200,
        *,
        state: SessionState | None = None,
        **context: Any,
    ) -> HTMLResponse:
        lang = self.lang(request)
        if state is None and "csrf" not in context:
            state = self.state(request)
        greeting = ""
        if state is not None:
            greeting = state.name_ar if lang == "ar" else (state.name_latin or state.name_ar)
        return self.templates.TemplateResponse(
            request,
            f"portal/{name}.html",
            {
                "lang": lang,
                "dir": "rtl" if lang == "ar" else "ltr",
                "t": TEXT[lang],
                "say": lambda key, **p: say(lang, key, **p),
                "signed_in": state is not None,
                "greeting": greeting,
                "session_csrf": self.seal.csrf("session", state.id) if state else "",
                "path": request.url.path,
                "errors": {},
                **context,
            },
            status_code=status,
        )

    def message(
        self, request: Request, status: int, title: str, text: str, **headers: str
    ) -> HTMLResponse:
        response = self.render(request, "message", status, title=title, text=text)
        response.headers.update(headers)
        return response

    def to_sign_in(self, request: Request, notice: str | None = None) -> RedirectResponse:
        response = RedirectResponse(
            "/sign-in" + (f"?notice={quote(notice)}" if notice else ""), status_code=303
        )
        self.clear_cookie(request, response, "")
        return response

    def registry_problem(self, request: Request, exc: RegistryError) -> Response:
        """A registry error no page handled itself, as the citizen should see it."""
        lang = self.lang(request)
        t = TEXT[lang]
        if isinstance(exc, SessionInvalid):
            return self.to_sign_in(request, "session_ended")
        if isinstance(exc, RegistryUnreachable | KioskAuthError | ProtocolError):
            # the portal's own channel refused (revoked, clock off) is an outage to a citizen
            log.warning("registry unavailable to the portal: %s (%s)", type(exc).__name__, exc.code)
            return self.message(
                request, 503, t["unavailable_title"], t["unavailable_text"], **{"Retry-After": "30"}
            )
        if isinstance(exc, Throttled):
            seconds = str(max(1, round(exc.retry_after)))
            return self.message(
                request,
                429,
                t["refused_title"],
                say(lang, "throttled", seconds=seconds),
                **{"Retry-After": seconds},
            )
        status = {Refused: 403, NotFound: 404, Conflict: 409, InvalidInput: 400, Locked: 423}
        code = exc.code.value if exc.code else None
        return self.message(
            request,
            next((s for cls, s in status.items() if isinstance(exc, cls)), 400),
            t["refused_title"],
            refusal_text(lang, code),
        )


def _order_view(lang: str, order: Order) -> dict[str, Any]:
    """What the order pages show of an order, in `lang`."""
    t = TEXT[lang]
    office = ""
    if order.office is not None:
        office = order.office.name.ar if lang == "ar" else order.office.name.latin or ""
        office = office or order.office.name.ar
    if order.collection == "counter":
        via = say(lang, "via_counter", office=office)
    else:
        via = t.get(f"via_{order.collection}", order.collection)
    key = f"next_{order.state}"
    if order.state in ("paid", "ready"):
        suffix = "paid" if order.collection == "post" else order.state
        key = f"next_{suffix}_{order.collection}"
    next_step = say(lang, key, office=office, tracking=order.tracking_number or "")
    payment = order.payment
    return {
        "code": order.code,
        "code_display": order.code_display,
        "document": order.title.ar if lang == "ar" else order.title.latin or order.title.ar,
        "holder": order.subject_name.ar
        if lang == "ar"
        else order.subject_name.latin or order.subject_name.ar,
        "via": via,
        "office": office,
        "collection": order.collection,
        "state": order.state,
        "state_text": t.get(f"state_{order.state}", order.state),
        "next": next_step if key in t else refusal_text(lang, None),
        "fee": fee_text(lang, order.fee_amount, order.fee_currency, order.fee_minor_units),
        "free": order.fee_amount == 0,
        "created": order.created_at.date().isoformat(),
        "tracking": order.tracking_number,
        "payment_state": payment.state if payment else None,
        "payment_problem": payment.problem if payment else None,
        "show_code": order.state in ("paid", "ready"),
    }


def _offers(lang: str, offers: list[Entitlement]) -> list[dict[str, Any]]:
    """Entitlements grouped by the person they name, the citizen first."""
    groups: dict[str, dict[str, Any]] = {}
    for e in offers:
        g = groups.setdefault(
            e.subject,
            {
                "name": e.subject_name.ar
                if lang == "ar"
                else e.subject_name.latin or e.subject_name.ar,
                "relation": relation_text(lang, e.relation, e.subject_sex),
                "self": e.relation == "self",
                "documents": [],
            },
        )
        g["documents"].append(
            {
                "slug": e.document_type.slug,
                "title": e.title_ar if lang == "ar" else e.title_en,
                "fee": fee_text(lang, e.fee_amount, e.fee_currency, e.fee_minor_units),
                "subject": e.subject,
            }
        )
    return sorted(groups.values(), key=lambda g: not g["self"])


def _msisdn_example(region: str) -> str:
    if not region:
        return "+000 00 000 0000"
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return "+000 00 000 0000"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def create_app(
    config: PortalConfig,
    *,
    client_factory: Callable[[PortalConfig], RegistryClient] = default_client,
    clock: Callable[[], dt.datetime] = utc_now,
    cookie_key: bytes | None = None,
) -> FastAPI:
    """The portal's ASGI app. `client_factory(config)` makes the signed registry client (tests
    give one with their own retries); `cookie_key` defaults to the file the config names."""
    seal = Seal(cookie_key if cookie_key is not None else load_cookie_key(config.cookie_key_path))
    port: RegistryPort = ClientPort(client_factory(config))
    p = _Portal(config, port, seal, clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        yield
        port.close()

    app = FastAPI(
        title="Sanad portal", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.portal = p
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        if p.secure(request):
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    @app.exception_handler(RegistryError)
    async def on_registry_error(request: Request, exc: RegistryError) -> Response:
        return p.registry_problem(request, exc)

    @app.exception_handler(_SignedOut)
    async def on_signed_out(request: Request, exc: _SignedOut) -> Response:
        response = RedirectResponse("/sign-in", status_code=303)
        # a link followed before signing in (an SMS's /appointments/new?service=...) is
        # where the code page goes on to
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        local = _LOCAL_PATH.fullmatch(target) and not target.startswith("//")
        if request.method == "GET" and local and target != "/home":
            p.set_cookie(request, response, "next", target)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        t = TEXT[p.lang(request)]
        if exc.status_code == 404:
            return p.message(request, 404, t["not_found_title"], t["not_found_text"])
        return p.message(request, exc.status_code, t["refused_title"], t["form_expired"])

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        t = TEXT[p.lang(request)]
        return p.message(request, 400, t["refused_title"], t["form_expired"])

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception) -> Response:
        log.error("portal fault on %s %s", request.method, request.url.path, exc_info=exc)
        t = TEXT[p.lang(request)]
        response = p.message(request, 500, t["broken_title"], t["broken_text"])
        response.headers.update(SECURITY_HEADERS)  # the middleware does not see this answer
        return response

    # -- plumbing ---------------------------------------------------------------------------

    @app.get("/health", include_in_schema=False)
    def health() -> JSONResponse:
        return JSONResponse({"ok": True})

    @app.get("/", include_in_schema=False)
    def root(request: Request) -> Response:
        return RedirectResponse("/home" if p.state(request) else "/sign-in", status_code=303)

    @app.get("/lang/{lang}", include_in_schema=False)
    def choose_language(request: Request, lang: str, next: str = "/") -> Response:
        # a path on this site only: never "//host" or "/\\host" (browsers read both as a host)
        target = next if _LOCAL_PATH.fullmatch(next) and not next.startswith("//") else "/"
        response = RedirectResponse(target, status_code=303)
        if lang in LANGUAGES:
            response.set_cookie(
                LANG_COOKIE,
                lang,
                max_age=365 * 24 * 3600,
                path="/",
                secure=p.secure(request),
                httponly=True,
                samesite="lax",
            )
        return response

    # -- sign in: national number + PIN -----------------------------------------------------

    def sign_in_page(
        request: Request,
        status: int = 200,
        *,
        national_id: str = "",
        errors: Mapping[str, str] | None = None,
        error: str | None = None,
        notice: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        pre = request.cookies.get(p.cookie(request, "pre"))
        fresh = not pre or len(pre) > 64
        if fresh:
            pre = new_id()
        assert pre is not None
        response = p.render(
            request,
            "sign_in",
            status,
            csrf=seal.csrf("pre", pre),
            national_id=national_id,
            errors=dict(errors or {}),
            error=error,
            notice=notice,
        )
        if fresh:
            p.set_cookie(request, response, "pre", pre)
        response.headers.update(headers or {})
        return response

    @app.get("/sign-in", response_class=HTMLResponse, include_in_schema=False)
    def sign_in_form(request: Request, notice: str = "") -> Response:
        # (with a notice the cookie was just cleared: never back to /home, no loop)
        if p.state(request) is not None and not notice:
            return RedirectResponse("/home", status_code=303)
        t = TEXT[p.lang(request)]
        return sign_in_page(request, notice=t[notice] if notice in NOTICES else None)

    @app.post("/sign-in", response_class=HTMLResponse, include_in_schema=False)
    def sign_in(
        request: Request,
        national_id: Annotated[str, Form(max_length=40)] = "",
        pin: Annotated[str, Form(max_length=40)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        lang = p.lang(request)
        t = TEXT[lang]
        pre = request.cookies.get(p.cookie(request, "pre"))
        if not seal.csrf_ok("pre", pre, csrf):
            return sign_in_page(request, 403, national_id=national_id, error=t["form_expired"])
        errors: dict[str, str] = {}
        try:
            nid = forms.national_id(national_id)
        except forms.FieldError as exc:
            nid = ""
            errors["national_id"] = (
                t[exc.key] if exc.key in t else national_id_notice(lang, exc.key)
            )
        try:
            typed_pin = forms.pin(pin)
        except forms.FieldError as exc:
            errors["pin"] = t[exc.key]
        if errors:
            return sign_in_page(request, 400, national_id=national_id, errors=errors)
        try:
            challenge = port.sign_in(national_id=nid, pin=typed_pin, language=lang)
        except InvalidCredentials as exc:
            words = (
                say(lang, "pin_wrong", tries=exc.tries_remaining)
                if exc.tries_remaining is not None
                else refusal_text(lang, "invalid_credentials")
            )
            return sign_in_page(request, 401, national_id=nid, errors={"pin": words})
        except Locked:
            return sign_in_page(request, 423, national_id=nid, error=refusal_text(lang, "locked"))
        except Throttled as exc:
            seconds = str(max(1, round(exc.retry_after)))
            return sign_in_page(
                request,
                429,
                national_id=nid,
                error=say(lang, "throttled", seconds=seconds),
                headers={"Retry-After": seconds},
            )
        except (Refused, InvalidInput, NotFound) as exc:
            status = 403 if isinstance(exc, Refused) else 400
            return sign_in_page(
                request, status, national_id=nid, error=refusal_text(lang, exc.code.value)
            )
        response = RedirectResponse("/code", status_code=303)
        pending = Pending(
            new_id(), challenge.challenge, challenge.expires_at, challenge.phone_hint, p.clock()
        )
        p.set_cookie(request, response, "pending", seal.seal_pending(pending))
        return response

    # -- the SMS code -----------------------------------------------------------------------

    def code_page(
        request: Request,
        pending: Pending,
        status: int = 200,
        *,
        errors: Mapping[str, str] | None = None,
        error: str | None = None,
        notice: str | None = None,
        expired: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        response = p.render(
            request,
            "code",
            status,
            csrf=seal.csrf("pending", pending.id),
            hint=f"\u2066{pending.phone_hint}\u2069",  # LRI…PDI: "•••• 67" stays in order
            errors=dict(errors or {}),
            error=error,
            notice=notice,
            expired=expired,
        )
        response.headers.update(headers or {})
        return response

    @app.get("/code", response_class=HTMLResponse, include_in_schema=False)
    def code_form(request: Request) -> Response:
        pending = p.pending(request)
        if pending is None:
            return RedirectResponse("/sign-in", status_code=303)
        return code_page(request, pending)

    @app.post("/code", response_class=HTMLResponse, include_in_schema=False)
    def code_submit(
        request: Request,
        code: Annotated[str, Form(max_length=40)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        lang = p.lang(request)
        t = TEXT[lang]
        pending = p.pending(request)
        if pending is None:
            return RedirectResponse("/sign-in?notice=form_expired", status_code=303)
        if not seal.csrf_ok("pending", pending.id, csrf):
            return code_page(request, pending, 403, error=t["form_expired"])
        try:
            typed = forms.code(code)
        except forms.FieldError as exc:
            return code_page(request, pending, 400, errors={"code": t[exc.key]})
        try:
            session = port.verify(pending.challenge, typed)
        except (InvalidCredentials, KioskAuthError) as exc:
            which = exc.code.value if exc.code else ""
            if isinstance(exc, KioskAuthError) and which not in _CODE_ERRORS:
                raise
            tries = getattr(exc, "tries_remaining", None)
            if which == "code_expired" or tries == 0:
                return code_page(
                    request, pending, 401, error=refusal_text(lang, "code_expired"), expired=True
                )
            words = (
                say(lang, "code_wrong", tries=tries)
                if tries is not None
                else refusal_text(lang, "code_invalid")
            )
            return code_page(request, pending, 401, errors={"code": words})
        except Throttled as exc:
            seconds = str(max(1, round(exc.retry_after)))
            return code_page(
                request,
                pending,
                429,
                error=say(lang, "throttled", seconds=seconds),
                headers={"Retry-After": seconds},
            )
        target = request.cookies.get(p.cookie(request, "next"), "")
        if not (_LOCAL_PATH.fullmatch(target) and not target.startswith("//")):
            target = "/home"
        response = RedirectResponse(target, status_code=303)
        state = SessionState(
            new_id(),
            session.token,
            session.expires_at,
            session.name.ar,
            session.name.latin,
            p.clock(),
        )
        p.set_cookie(request, response, "", seal.seal_session(state))
        p.clear_cookie(request, response, "pending")
        p.clear_cookie(request, response, "pre")
        p.clear_cookie(request, response, "next")
        return response

    @app.post("/code/resend", response_class=HTMLResponse, include_in_schema=False)
    def code_resend(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
        lang = p.lang(request)
        t = TEXT[lang]
        pending = p.pending(request)
        if pending is None:
            return RedirectResponse("/sign-in?notice=form_expired", status_code=303)
        if not seal.csrf_ok("pending", pending.id, csrf):
            return code_page(request, pending, 403, error=t["form_expired"])
        try:
            expires = port.resend(pending.challenge, language=lang)
        except Throttled as exc:
            seconds = str(max(1, round(exc.retry_after)))
            return code_page(
                request,
                pending,
                429,
                error=say(lang, "resend_wait", seconds=seconds),
                headers={"Retry-After": seconds},
            )
        except (InvalidCredentials, KioskAuthError, Refused, NotFound, Conflict) as exc:
            if isinstance(exc, KioskAuthError) and exc.code.value not in _CODE_ERRORS:
                raise
            return code_page(
                request, pending, 401, error=refusal_text(lang, "code_expired"), expired=True
            )
        renewed = Pending(pending.id, pending.challenge, expires, pending.phone_hint, p.clock())
        response = code_page(request, renewed, notice=t["resent"])
        p.set_cookie(request, response, "pending", seal.seal_pending(renewed))
        return response

    # -- signed in --------------------------------------------------------------------------

    def csrf_refused(request: Request, state: SessionState) -> HTMLResponse:
        t = TEXT[p.lang(request)]
        return p.message(request, 403, t["refused_title"], t["form_expired"])

    @app.get("/home", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> Response:
        state, session = p.citizen(request)
        lang = p.lang(request)
        groups = _offers(lang, port.entitlements(session))
        return p.render(request, "home", state=state, groups=groups)

    def offer_of(session: CitizenSession, slug: str, subject: str) -> Entitlement | None:
        for e in port.entitlements(session):
            if e.document_type.slug == slug and e.subject == subject:
                return e
        return None

    def order_form(
        request: Request,
        state: SessionState,
        offer: Entitlement,
        status: int = 200,
        *,
        values: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
        error: str | None = None,
    ) -> HTMLResponse:
        lang = p.lang(request)
        offices = [
            {"code": o.code, "name": o.name.ar if lang == "ar" else o.name.latin or o.name.ar}
            for o in port.offices()
        ]
        values = dict(values or {})
        values.setdefault("collection", "kiosk")
        values.setdefault("idempotency_key", uuid.uuid4().hex)
        return p.render(
            request,
            "order_new",
            status,
            state=state,
            csrf=seal.csrf("session", state.id),
            offer={
                "slug": offer.document_type.slug,
                "subject": offer.subject,
                "title": offer.title_ar if lang == "ar" else offer.title_en,
                "holder": offer.subject_name.ar
                if lang == "ar"
                else offer.subject_name.latin or offer.subject_name.ar,
                "relation": relation_text(lang, offer.relation, offer.subject_sex),
                "fee": fee_text(lang, offer.fee_amount, offer.fee_currency, offer.fee_minor_units),
            },
            offices=offices,
            values=values,
            errors=dict(errors or {}),
            error=error,
        )

    @app.get("/order/new", response_class=HTMLResponse, include_in_schema=False)
    def order_new(request: Request, type: str = "", subject: str = "") -> Response:
        state, session = p.citizen(request)
        lang = p.lang(request)
        offer = offer_of(session, type[:64], subject[:40])
        if offer is None:
            return p.message(
                request, 403, TEXT[lang]["refused_title"], refusal_text(lang, "not_entitled")
            )
        return order_form(request, state, offer)

    @app.post("/order/new", response_class=HTMLResponse, include_in_schema=False)
    async def order_submit(request: Request) -> Response:
        form = await request.form()
        fields = {
            k: str(v)[:300] for k, v in form.multi_items() if isinstance(v, str) and len(k) < 40
        }
        return await _run_sync(order_submit_sync, request, fields)

    def order_submit_sync(request: Request, fields: dict[str, str]) -> Response:
        state, session = p.citizen(request)
        lang = p.lang(request)
        t = TEXT[lang]
        if not seal.csrf_ok("session", state.id, fields.get("csrf")):
            return csrf_refused(request, state)
        offer = offer_of(session, fields.get("type", ""), fields.get("subject", ""))
        if offer is None:
            return p.message(request, 403, t["refused_title"], refusal_text(lang, "not_entitled"))
        key = fields.get("idempotency_key", "")
        if not (0 < len(key) <= 64 and key.isascii() and key.isalnum()):
            key = uuid.uuid4().hex
        fields["idempotency_key"] = key
        errors: dict[str, str] = {}
        office: str | None = None
        collection = ""
        try:
            offices = [o.code for o in port.offices()]
            collection, office = forms.collection(
                fields.get("collection", ""), fields.get("office", ""), offices
            )
        except forms.FieldError as exc:
            errors[exc.field] = t[exc.key]
        address = None
        if collection == "post":
            address, problems = forms.address(fields)
            errors.update({e.field: t[e.key] for e in problems})
        if errors:
            return order_form(request, state, offer, 400, values=fields, errors=errors)
        try:
            order = port.place_order(
                session,
                document_type=offer.document_type.slug,
                subject=offer.subject,
                collection=collection,
                office=office,
                address=address,
                idempotency_key=key,
                language=lang,
            )
        except (Refused, Conflict, InvalidInput) as exc:
            return order_form(
                request,
                state,
                offer,
                403 if isinstance(exc, Refused) else 409 if isinstance(exc, Conflict) else 400,
                values=fields,
                error=refusal_text(lang, exc.code.value),
            )
        return RedirectResponse(f"/orders/{order.code}", status_code=303)

    def order_page(
        request: Request,
        state: SessionState,
        order: Order,
        status: int = 200,
        *,
        msisdn: str = "",
        errors: Mapping[str, str] | None = None,
        error: str | None = None,
    ) -> HTMLResponse:
        lang = p.lang(request)
        view = _order_view(lang, order)
        qr = ""
        if view["show_code"]:
            qr = Markup(
                qr_svg(
                    order.qr_text or order.code,
                    label=say(lang, "qr_label", code=order.code_display),
                )
            )
        return p.render(
            request,
            "order",
            status,
            state=state,
            csrf=seal.csrf("session", state.id),
            order=view,
            qr=qr,
            msisdn=msisdn,
            example=_msisdn_example(p.config.phone_region),
            idempotency_key=uuid.uuid4().hex,
            errors=dict(errors or {}),
            error=error,
        )

    def checked_code(request: Request, code: str) -> str | None:
        try:
            return forms.order_code(code)
        except forms.FieldError:
            return None

    @app.get("/orders/{code}", response_class=HTMLResponse, include_in_schema=False)
    def order_show(request: Request, code: str) -> Response:
        state, session = p.citizen(request)
        clean = checked_code(request, code)
        if clean is None:
            t = TEXT[p.lang(request)]
            return p.message(request, 404, t["not_found_title"], t["err_order_code"])
        return order_page(request, state, port.order(session, clean))

    @app.post("/orders/{code}/pay", response_class=HTMLResponse, include_in_schema=False)
    def order_pay(
        request: Request,
        code: str,
        msisdn: Annotated[str, Form(max_length=40)] = "",
        idempotency_key: Annotated[str, Form(max_length=64)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        state, session = p.citizen(request)
        lang = p.lang(request)
        t = TEXT[lang]
        if not seal.csrf_ok("session", state.id, csrf):
            return csrf_refused(request, state)
        clean = checked_code(request, code)
        if clean is None:
            return p.message(request, 404, t["not_found_title"], t["err_order_code"])
        try:
            number = forms.msisdn(msisdn, p.config.phone_region)
        except forms.FieldError as exc:
            order = port.order(session, clean)
            return order_page(
                request, state, order, 400, msisdn=msisdn, errors={"msisdn": t[exc.key]}
            )
        if not (idempotency_key.isascii() and idempotency_key.isalnum() and idempotency_key):
            idempotency_key = uuid.uuid4().hex
        try:
            port.pay(session, clean, msisdn=number, idempotency_key=idempotency_key)
        except (Refused, Conflict, InvalidInput) as exc:
            order = port.order(session, clean)
            return order_page(
                request, state, order, 409, msisdn=msisdn, error=refusal_text(lang, exc.code.value)
            )
        return RedirectResponse(f"/orders/{clean}", status_code=303)

    @app.get("/orders", response_class=HTMLResponse, include_in_schema=False)
    def orders(request: Request) -> Response:
        state, session = p.citizen(request)
        lang = p.lang(request)
        views = [_order_view(lang, o) for o in port.orders(session)]
        return p.render(request, "orders", state=state, orders=views)

    @app.post("/sign-out", include_in_schema=False)
    def sign_out(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
        state = p.state(request)
        if state is None:
            return RedirectResponse("/sign-in", status_code=303)
        if not seal.csrf_ok("session", state.id, csrf):
            return csrf_refused(request, state)
        _, session = p.citizen(request)
        try:
            port.logout(session)
        except SessionInvalid:
            pass  # ended already: the cookie goes all the same
        except RegistryUnreachable:
            # the registry's session ends by itself within minutes; the cookie goes now
            log.warning("sign-out: the registry did not answer; its session will expire")
        return p.to_sign_in(request, "signed_out")

    install_appointments(app, p)
    install_http_metrics(app, "portal", MetricsAccess.from_env())  # docs/monitoring.md
    return app


async def _run_sync(fn: Callable[..., Response], *args: Any) -> Response:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args)
