"""The administrators' pages and their API twins (`Permission.ADMINISTER` only).

GET  /office/admin                                 → the staff accounts page
GET  /office/admin/documents                       revoke a document by serial (the form)
POST /office/admin/documents                       revoke it (CSRF-checked)
POST /api/v1/office/documents/{serial}/revoke      the same with a bearer token

Revocation goes through `issuance.revoke_document`, which publishes the trust list that lists
the serial's hash; the audit entry names the administrator. This replaces the data
directory's shared admin token (`POST /api/v1/admin/documents/{serial}/revoke`), now gone.
Refusals answer in the reader's language and change nothing.

The other administrators' pages are their own modules, installed from here: `admin_staff`
(staff accounts), `admin_kiosks` (the fleet, enrolment, revocation), `admin_fees` and
`admin_offices`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from registry import issuance
from registry.codes import ErrorCode
from registry.errors import Conflict, InvalidInput, KeyringError, NotFound, RegistryError
from registry.http_schema import RevokeBody
from registry.office.declarations import Permission
from registry.office.errors import Refusal
from registry.office_web import admin_fees, admin_kiosks, admin_offices, admin_staff
from registry.office_web.admin_text import TEXT
from registry.office_web.context import OfficeContext

__all__ = ["install", "revocation_refusal"]

ADMIN = Permission.ADMINISTER


def revocation_refusal(exc: RegistryError) -> tuple[int, Refusal]:
    """A refused revocation as the status and words the page and the API answer with."""

    def words(key: str, code: str) -> Refusal:
        return Refusal(code, TEXT["ar"][key], TEXT["en"][key])

    if isinstance(exc, NotFound):
        return 404, words("no_such_document", "not_issued")
    if isinstance(exc, Conflict) and exc.code == ErrorCode.ALREADY_REVOKED:
        return 409, words("already_revoked", "already_revoked")
    if isinstance(exc, InvalidInput):
        return 422, words("reason_required", "invalid_request")
    if isinstance(exc, KeyringError):
        return 503, words("not_published", "root_key_offline")
    raise exc


def install(router: APIRouter, ctx: OfficeContext) -> None:
    for area in (admin_staff, admin_kiosks, admin_fees, admin_offices):
        area.install(router, ctx)

    def revoke(serial: str, reason: str, by: str) -> int:
        """Revoke and publish in one transaction; the new trust list's sequence number."""
        with ctx.reg.db.session() as s:
            published = issuance.revoke_document(
                s, ctx.reg.data, ctx.reg.settings, serial[:64], reason, ctx.now(), by=by
            )
            return published.sequence

    @router.get("/office/admin", include_in_schema=False)
    def admin_index(request: Request) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        return RedirectResponse("/office/admin/staff", status_code=303)

    @router.get("/office/admin/documents", response_class=HTMLResponse, include_in_schema=False)
    def documents_page(request: Request) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        return ctx.render(request, "admin_documents", me, words=TEXT)

    @router.post("/office/admin/documents", response_class=HTMLResponse, include_in_schema=False)
    def documents_revoke(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        serial: Annotated[str, Form(max_length=64)] = "",
        reason: Annotated[str, Form(max_length=400)] = "",
    ) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        t = ctx.t(request, TEXT)
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, t["bad_csrf"])
        try:
            sequence = revoke(serial.strip(), reason, me.staff.username)
        except RegistryError as exc:
            status, refusal = revocation_refusal(exc)
            return ctx.render(
                request,
                "admin_documents",
                me,
                status,
                words=TEXT,
                error=refusal.message(ctx.lang_of(request)),
                serial=serial.strip(),
                reason=reason,
            )
        return ctx.render(
            request, "admin_documents", me, words=TEXT, done=serial.strip(), sequence=sequence
        )

    @router.post(
        "/api/v1/office/documents/{serial}/revoke",
        responses={401: {}, 403: {}, 404: {}, 409: {}, 422: {}, 503: {}},
        tags=["office"],
    )
    def api_revoke(request: Request, serial: str, body: RevokeBody) -> Response:
        me = ctx.api(request, ADMIN)
        if isinstance(me, Response):
            return me
        try:
            sequence = revoke(serial, body.reason, me.staff.username)
        except RegistryError as exc:
            status, refusal = revocation_refusal(exc)
            return ctx.api_refusal(status, refusal)
        with ctx.reg.db.session() as s:
            st = issuance.document_status(s, serial[:64])
        return JSONResponse(
            {
                "serial": st.serial,
                "status": st.state.value,
                "reason": st.reason,
                "since": st.since.isoformat() if st.since else None,
                "revoked_by": me.staff.username,
                "trust_list": sequence,
            }
        )
