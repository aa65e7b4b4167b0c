"""Fees, for administrators.

GET  /office/admin/fees                         the fee per document type; the form to change one
POST /office/admin/fees                         change one (document type, amount in minor units)
GET  /api/v1/office/admin/fees                  the same as JSON, with a bearer token
PUT  /api/v1/office/admin/fees/{document_type}

The rule (a whole number of minor units, bounded) and the audit entry are `registry.fees`';
the currency is the configured identity's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from registry import fees, issuance
from registry import staff as accounts
from registry.errors import RegistryError
from registry.office.errors import isolate
from registry.office_web.admin_common import ADMIN, refusal_of
from registry.office_web.admin_schema import FeeBody
from registry.office_web.admin_text import TEXT
from registry.office_web.context import OfficeContext

__all__ = ["install"]

ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}, 404: {}, 422: {}}


def money(amount: int | None, minor_units: int, currency: str, lang: str) -> str:
    """A fee as a person reads it: 1.500 JOD (the amount isolated inside Arabic text)."""
    if amount is None:
        return "—"
    whole, part = divmod(amount, 10**minor_units)
    figure = f"{whole}.{part:0{minor_units}d}" if minor_units else str(whole)
    return f"{isolate(figure)} {isolate(currency)}" if lang == "ar" else f"{figure} {currency}"


def install(router: APIRouter, ctx: OfficeContext) -> None:
    identity = ctx.reg.settings.identity
    currency, minor = identity.currency, identity.minor_units

    def change_fee(me: accounts.SignedIn, slug: str, amount: str | int) -> fees.FeeRow:
        with ctx.reg.db.session() as s:
            row = fees.set_fee(
                s,
                fees.document_type(slug),
                fees.parse_amount(amount, minor_units=minor, currency=currency),
                currency=currency,
                minor_units=minor,
                by=me.staff.username,
                at=ctx.now(),
            )
        # committed: only now may this process's fee cache be refilled, with the new amount
        issuance.forget_cached_fees()
        return row

    def fee_rows() -> list[fees.FeeRow]:
        with ctx.reg.db.session() as s:
            return fees.list_fees(s)

    def fees_render(
        request: Request, me: accounts.SignedIn, status: int = 200, **extra: Any
    ) -> Response:
        lang = ctx.lang_of(request)
        rows = [
            {
                "slug": r.document_type.slug,
                "title": r.title_ar if lang == "ar" else r.title_en,
                "amount": r.amount,
                "shown": money(r.amount, minor, r.currency or currency, lang),
            }
            for r in fee_rows()
        ]
        return ctx.render(
            request,
            "admin_fees",
            me,
            status,
            words=TEXT,
            rows=rows,
            currency=currency,
            minor_units=minor,
            maximum=fees.maximum(minor),
            maximum_shown=money(fees.maximum(minor), minor, currency, lang),
            form=extra.pop("form", {}),
            **extra,
        )

    @router.get("/office/admin/fees", response_class=HTMLResponse, include_in_schema=False)
    def fees_page(request: Request) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        return fees_render(request, me)

    @router.post("/office/admin/fees", response_class=HTMLResponse, include_in_schema=False)
    def fees_change(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        document_type: Annotated[str, Form(max_length=40)] = "",
        amount: Annotated[str, Form(max_length=40)] = "",
    ) -> Response:
        me = ctx.page(request, ADMIN)
        if isinstance(me, Response):
            return me
        t = ctx.t(request, TEXT)
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, t["bad_csrf"])
        lang = ctx.lang_of(request)
        try:
            row = change_fee(me, document_type, amount)
        except RegistryError as exc:
            status, refusal = refusal_of(exc)
            form = {"document_type": document_type, "amount": amount}
            return fees_render(request, me, status, error=refusal.message(lang), form=form)
        title = row.title_ar if lang == "ar" else row.title_en
        shown = money(row.amount, minor, currency, lang)
        return fees_render(request, me, done=t["fee_changed"], subject=f"{title}: {shown}")

    # -- the API twins ----------------------------------------------------------------------

    def fee_json(r: fees.FeeRow) -> dict[str, Any]:
        return {
            "document_type": r.document_type.slug,
            "title": {"ar": r.title_ar, "en": r.title_en},
            "amount": r.amount,
            "currency": r.currency,
            "minor_units": minor,
        }

    @router.get("/api/v1/office/admin/fees", responses={401: {}, 403: {}}, tags=["office"])
    def api_fees(request: Request) -> Response:
        me = ctx.api(request, ADMIN)
        if isinstance(me, Response):
            return me
        return JSONResponse({"fees": [fee_json(r) for r in fee_rows()]})

    @router.put("/api/v1/office/admin/fees/{document_type}", responses=ERRORS, tags=["office"])
    def api_fee_change(request: Request, document_type: str, body: FeeBody) -> Response:
        me = ctx.api(request, ADMIN)
        if isinstance(me, Response):
            return me
        try:
            row = change_fee(me, document_type, body.amount)
        except RegistryError as exc:
            return ctx.api_refusal(*refusal_of(exc))
        return JSONResponse({"fee": fee_json(row), "changed_by": me.staff.username})
