"""The office app under /office/ (server-rendered, Arabic first) and its JSON twin under
/api/v1/office/ (staff bearer tokens), served by the registry.

One module per area, each with `install(router, ctx)` (`context.OfficeContext` is all they
share):

| module | pages and API |
|---|---|
| `sign_in` | sign-in (or via a ministry's OpenID provider), sign-out; `/api/v1/office/session` |
| `today` | the staff member's work of the day |
| `pages` | fleet, search, the language switch, and their API twins |
| `records_page` | a person's record (fields, family, events, versions, documents) |
| `declarations` | declare each event, a declaration, register / return / amend / reject |
| `corrections` | propose, the corrections queue, approve / decline / withdraw |
| `enrolment` | enrol a citizen for the kiosk (PIN mailer), PIN reset, phone |
| `counter` | print a certificate at the counter (receipt printer or A4 PDF) |
| `counter_orders` | the online orders collected at the counter: the list, print one by its code |
| `post_page` | the day's postal batch for supervisors: its orders, its PDF and manifest |
| `admin` | staff, kiosks, fees and offices, for administrators |
| `audit_page` | the audit log and its chain check; `statistics_page`, the figures |
| `queue_page` | today's queue at a counter: call next, served, no-show, call again |
| `call_display` | the waiting room's screen (a staff session, or the office's display key) |
| `bookings_page` | appointments for supervisors: figures, closing a day, the display key |

Pages without a session redirect to the sign-in page (303); API paths answer 401. Every page
carries a strict Content-Security-Policy (no script at all, styles from the app's own file) and
`Cache-Control: no-store`. Sessions live in `staff_sessions` (`registry.staff`); the browser
holds only the random id, in a `__Host-` cookie that is Secure, HttpOnly and SameSite=Strict
(on plain http to 127.0.0.1 or localhost, for the demo, the cookie is not Secure and drops the
`__Host-` prefix a browser would refuse). Every form carries a CSRF token: an HMAC of the
session id under the session's own key, and on the sign-in form an HMAC of a pre-sign-in
cookie under the data directory's office key, so a token planted before sign-in is worthless
after it. The API accepts bearer tokens only, never the cookie.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from registry.http_state import Registry
from registry.office_web import (
    admin,
    audit_page,
    bookings_page,
    call_display,
    corrections,
    counter,
    counter_orders,
    declarations,
    enrolment,
    pages,
    post_page,
    queue_page,
    records_page,
    sign_in,
    today,
)
from registry.office_web.context import HERE, OfficeContext, OfficeOptions
from registry.office_web.fleet import fleet_of

__all__ = ["OfficeOptions", "fleet_of", "install_office"]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class NoStaffSession(Exception):
    """An office API call without a valid bearer token (answered 401)."""


AREAS = (
    sign_in,
    today,
    pages,
    records_page,
    declarations,
    corrections,
    enrolment,
    counter,
    counter_orders,
    admin,
    audit_page,
    post_page,
    queue_page,
    call_display,
    bookings_page,
)


def install_office(app: FastAPI, reg: Registry, options: OfficeOptions | None = None) -> None:
    """Add the office pages, their static files and the office API to the registry's app."""
    ctx = OfficeContext(reg, options or OfficeOptions())

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

    def require_bearer(request: Request) -> None:
        # Before any body is parsed: without a staff session an API path answers 401, never
        # 422 about a body the caller may not send anyway.
        path = request.url.path
        signing_in = path == "/api/v1/office/session" and request.method == "POST"
        if path.startswith("/api/v1/office/") and not signing_in and ctx.api_staff(request) is None:
            raise NoStaffSession

    async def no_session(request: Request, exc: Exception) -> JSONResponse:
        return ctx.unauthenticated()

    app.add_exception_handler(NoStaffSession, no_session)
    router = APIRouter(dependencies=[Depends(require_bearer)])
    for area in AREAS:
        area.install(router, ctx)
    app.include_router(router)
