"""Kiosks, for administrators: the fleet with each kiosk's enrolment, enrol, revoke.

GET  /office/admin/kiosks                         the kiosks (fleet data, enrolment, revocation)
POST /office/admin/kiosks                         enrol a kiosk: its public JWK pasted as text
POST /office/admin/kiosks/{kiosk_id}/revoke       revoke with a reason
GET  /api/v1/office/admin/kiosks                  the same as JSON, with a bearer token
POST /api/v1/office/admin/kiosks                  (201)
POST /api/v1/office/admin/kiosks/{kiosk_id}/revoke

Enrolment is `kiosks.enroll_and_publish` (what `sanad registry kiosk enroll` calls: the trust
list names the centre, so it is published in the same transaction); revocation is
`kiosks.revoke`. The audit entry names the administrator. The read-only fleet page for
supervisors stays at /office/fleet.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from registry import kiosks
from registry import staff as accounts
from registry.errors import RegistryError
from registry.office_web.admin_common import ADMIN, refusal_of
from registry.office_web.admin_schema import KioskEnrolBody, KioskRevokeBody
from registry.office_web.admin_text import TEXT
from registry.office_web.context import OfficeContext
from registry.office_web.fleet import fleet_of
from registry.office_web.text import ATTENTION

__all__ = ["install"]

ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}, 404: {}, 409: {}, 422: {}, 503: {}}


def _iso(at: dt.datetime | None) -> str | None:
    return at.isoformat() if at else None


def install(router: APIRouter, ctx: OfficeContext) -> None:
    def rows() -> list[dict[str, Any]]:
        """The fleet's rows with each kiosk's enrolment and revocation."""
        out = fleet_of(ctx.reg)
        with ctx.reg.db.session() as s:
            enrolment = {
                k.id: (k.enrolled_at, k.revoked_at, k.revocation_reason)
                for k in kiosks.list_kiosks(s)
            }
        for r in out:
            r["enrolled_at"], r["revoked_at"], r["revocation_reason"] = enrolment.get(
                r["id"], (None, None, None)
            )
        return out

    def enrol(me: accounts.SignedIn, kiosk_id: str, jwk: str, ar: str, latin: str | None) -> int:
        with ctx.reg.db.session() as s:
            _, published = kiosks.enroll_and_publish(
                s,
                ctx.reg.data,
                ctx.reg.settings,
                kiosk_id.strip(),
                kiosks.public_key_of(jwk),
                ar,
                latin,
                ctx.now(),
                by=me.staff.username,
            )
            return published.sequence

    def revoke(me: accounts.SignedIn, kiosk_id: str, reason: str) -> dict[str, Any]:
        with ctx.reg.db.session() as s:
            row = kiosks.revoke(s, kiosk_id, reason, ctx.now(), by=me.staff.username)
            return {
                "kiosk": row.id,
                "revoked_at": _iso(row.revoked_at),
                "reason": row.revocation_reason,
                "revoked_by": me.staff.username,
            }

    def render(
        request: Request,
        me: accounts.SignedIn,
        status: int = 200,
        form: dict[str, str] | None = None,
        **extra: Any,
    ) -> Response:
        i = 0 if ctx.lang_of(request) == "ar" else 1
        listed = rows()
        for r in listed:
            r["needs"] = ("، " if i == 0 else ", ").join(
                ATTENTION.get(a, (a, a))[i] for a in r["attention"]
            )
        return ctx.render(
            request, "admin_kiosks", me, status, words=TEXT, rows=listed, form=form or {}, **extra
        )

    @router.get("/office/admin/kiosks", response_class=HTMLResponse, include_in_schema=False)
    def kiosks_page(request: Request) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        return render(request, me)

    @router.post("/office/admin/kiosks", response_class=HTMLResponse, include_in_schema=False)
    def kiosks_enrol(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        kiosk_id: Annotated[str, Form(max_length=200)] = "",
        public_key: Annotated[str, Form(max_length=4000)] = "",
        centre_ar: Annotated[str, Form(max_length=400)] = "",
        centre_latin: Annotated[str, Form(max_length=400)] = "",
    ) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        t = ctx.t(request, TEXT)
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, t["bad_csrf"])
        try:
            sequence = enrol(me, kiosk_id, public_key, centre_ar, centre_latin or None)
        except RegistryError as exc:
            status, refusal = refusal_of(exc)
            form = {"kiosk_id": kiosk_id, "public_key": public_key, "centre_ar": centre_ar}
            form["centre_latin"] = centre_latin
            error = refusal.message(ctx.lang_of(request))
            return render(request, me, status, form, error=error)
        done = t["kiosk_enrolled"]
        return render(request, me, done=done, subject=kiosk_id.strip(), sequence=sequence)

    @router.post(
        "/office/admin/kiosks/{kiosk_id}/revoke",
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    def kiosks_revoke(
        request: Request,
        kiosk_id: str,
        csrf: Annotated[str, Form(max_length=200)] = "",
        reason: Annotated[str, Form(max_length=400)] = "",
    ) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        t = ctx.t(request, TEXT)
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, t["bad_csrf"])
        try:
            revoke(me, kiosk_id, reason)
        except RegistryError as exc:
            status, refusal = refusal_of(exc)
            return render(request, me, status, error=refusal.message(ctx.lang_of(request)))
        return render(request, me, done=t["kiosk_revoked"], subject=kiosk_id)

    # -- the API twins ----------------------------------------------------------------------

    @router.get("/api/v1/office/admin/kiosks", responses={401: {}, 403: {}}, tags=["office"])
    def api_kiosks(request: Request) -> Response:
        me = ctx.api(request, ADMIN)
        if isinstance(me, Response):
            return me
        out = rows()
        for r in out:
            for key in ("last_seen_at", "enrolled_at", "revoked_at"):
                r[key] = _iso(r[key])
        return JSONResponse({"kiosks": out})

    @router.post("/api/v1/office/admin/kiosks", status_code=201, responses=ERRORS, tags=["office"])
    def api_kiosks_enrol(request: Request, body: KioskEnrolBody) -> Response:
        me = ctx.api(request, ADMIN)
        if isinstance(me, Response):
            return me
        try:
            sequence = enrol(me, body.id, body.public_key, body.centre_ar, body.centre_latin)
        except RegistryError as exc:
            return ctx.api_refusal(*refusal_of(exc))
        return JSONResponse(
            {"kiosk": body.id.strip(), "enrolled_by": me.staff.username, "trust_list": sequence},
            status_code=201,
        )

    @router.post("/api/v1/office/admin/kiosks/{kiosk_id}/revoke", responses=ERRORS, tags=["office"])
    def api_kiosks_revoke(request: Request, kiosk_id: str, body: KioskRevokeBody) -> Response:
        me = ctx.api(request, ADMIN)
        if isinstance(me, Response):
            return me
        try:
            done = revoke(me, kiosk_id, body.reason)
        except RegistryError as exc:
            return ctx.api_refusal(*refusal_of(exc))
        return JSONResponse(done)
