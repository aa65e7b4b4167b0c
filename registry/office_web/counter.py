"""Issuing a document at the counter, and its API twin (`Permission.PRINT_AT_COUNTER`).

GET  /office/counter?nid=                         the citizen present: what they may have, for whom
POST /office/counter                              issue it (CSRF-checked): the A4 PDF as a
                                                  download, or the office's receipt printer
GET  /api/v1/office/counter/offers?national_id=   the same list as JSON
POST /api/v1/office/counter/documents             issue: the serial, the QR text, the PDF's link
GET  /api/v1/office/counter/documents/{serial}/pdf   a document this office issued, as A4 PDF

The page also lists the online orders waiting at the office's counter and prints one by its
code (`counter_orders`).

The rules are `registry.counter`'s, the paper `registry.counter_paper`'s; the page and the API
call the same `_issue`. The form carries an idempotency key made when the page is shown, so a
double click (or pressing again after the printer failed) answers the same document. With the
receipt printer chosen, its status is asked first: a printer that cannot print refuses with
nothing issued. Refusals answer in the reader's language and change nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from registry import counter
from registry.counter_paper import CounterPrinter, CounterPrinterError, a4_pdf
from registry.db_records import PersonRec
from registry.errors import Conflict, InvalidInput, KeyringError, NotFound, Refused, RegistryError
from registry.http_schema import DocumentSlug, Text
from registry.issuance import Issued, Offer
from registry.office.declarations import Permission
from registry.office.errors import Refusal
from registry.office_web import counter_orders
from registry.office_web.context import OfficeContext
from registry.office_web.counter_text import (
    TEXT,
    not_printed,
    printer_refusal,
    refusal_for,
    relation_words,
)
from registry.staff import SignedIn
from verifier import words
from verifier.documents import DocumentType

__all__ = ["install"]

PRINT = Permission.PRINT_AT_COUNTER
Output = Literal["pdf", "receipt"]


class CounterBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    national_id: Text = Field(max_length=32, description="the citizen at the counter")
    document_type: DocumentSlug
    subject: Text = Field(max_length=32, description="national number, or M…/T… record number")
    idempotency_key: Text = Field(max_length=64, description="same key → the same document")
    output: Output = "pdf"
    office: Text | None = Field(default=None, max_length=8, description="default: your own")


@dataclass(frozen=True)
class _Done:
    issued: Issued
    office: str
    pdf: bytes | None  # the A4 PDF, when it was asked for


def _status(exc: RegistryError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, InvalidInput):
        return 422
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, KeyringError):
        return 503
    if isinstance(exc, Refused):
        return 403
    raise exc


class _Failed(Exception):
    def __init__(self, status: int, refusal: Refusal, serial: str | None = None) -> None:
        super().__init__(refusal.code)
        self.status = status
        self.refusal = refusal
        self.serial = serial


def install(router: APIRouter, ctx: OfficeContext) -> None:
    printer = CounterPrinter(ctx.reg.settings.counter_printer, ctx.reg.data)

    def issue(
        me: SignedIn, office: str | None, req: counter.CounterRequest, output: Output, lang: str
    ) -> _Done:
        """Check the printer (receipt), issue in one transaction, then print or lay out."""
        staff = me.staff
        try:
            if output == "receipt":
                with (
                    ctx.reg.db.session() as s
                ):  # who and where first: a refusal is not a printer fault
                    counter.at_office(s, staff, office)
                printer.check()
            with ctx.reg.db.session() as s:
                issued = counter.issue_at_counter(
                    s,
                    ctx.reg.keys,
                    ctx.reg.places,
                    ctx.reg.settings,
                    staff,
                    office,
                    req,
                    ctx.now(),
                )
                where = counter.at_office(s, staff, office).code
        except RegistryError as exc:
            raise _Failed(_status(exc), refusal_for(exc.code.value)) from None
        except CounterPrinterError as exc:
            raise _Failed(503, printer_refusal(exc.reason)) from None
        if output == "pdf":
            return _Done(issued, where, a4_pdf(issued, ctx.reg.settings, lang))
        try:
            printer.print_document(issued, ctx.reg.settings, lang)
        except CounterPrinterError as exc:
            raise _Failed(503, not_printed(issued.serial, exc.reason), issued.serial) from None
        return _Done(issued, where, None)

    def pdf_response(done: _Done) -> Response:
        assert done.pdf is not None
        return Response(
            done.pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{done.issued.serial}.pdf"'},
        )

    def offers_of(nid: str) -> tuple[PersonRec, list[Offer]]:
        with ctx.reg.db.session() as s:
            return counter.offers_at_counter(s, ctx.reg.settings, nid, ctx.now().date())

    def offer_rows(person: PersonRec, offers: list[Offer], lang: str) -> list[dict[str, Any]]:
        identity = ctx.reg.settings.identity
        i = 0 if lang == "ar" else 1
        rows = []
        for o in offers:
            title = words.document_title(int(o.document_type))
            relation = relation_words(o.relation, int(o.subject_sex), int(person.sex))
            rows.append(
                {
                    "value": f"{o.document_type.slug}|{o.subject}",
                    "title": title.in_lang(lang),
                    "name": o.subject_name.ar
                    if lang == "ar"
                    else (o.subject_name.latin or o.subject_name.ar),
                    "relation": relation[i],
                    "subject": o.subject,
                    "fee": words.format_amount(
                        o.fee_amount,
                        minor_units=identity.minor_units,
                        currency=o.fee_currency,
                        currency_name=words.Term(
                            identity.currency_name.ar,
                            identity.currency_name.latin or o.fee_currency,
                        ),
                        lang=lang,
                    ),
                }
            )
        return rows

    def page(
        request: Request,
        me: SignedIn,
        nid: str,
        status: int = 200,
        *,
        key: str | None = None,
        chosen: str = "",
        output: str = "pdf",
        **extra: Any,
    ) -> HTMLResponse:
        lang = ctx.lang_of(request)
        person, rows, error = None, [], extra.pop("error", None)
        if nid:
            try:
                person, offers = offers_of(nid)
                rows = offer_rows(person, offers, lang)
            except RegistryError as exc:
                status = status if error else _status(exc)
                error = error or refusal_for(exc.code.value).message(lang)
        return ctx.render(
            request,
            "counter",
            me,
            status,
            words=TEXT,
            # the online orders when no citizen is being served (one form of each kind a page)
            orders=None if nid else counter_orders.waiting_rows(ctx, me.staff, lang),
            nid=nid,
            person=person,
            offers=rows,
            key=key or secrets.token_urlsafe(18),
            chosen=chosen,
            output=output,
            error=error,
            **extra,
        )

    @router.get("/office/counter", response_class=HTMLResponse, include_in_schema=False)
    def counter_page(request: Request, nid: str = "") -> Response:
        me = ctx.page(request, PRINT)
        if isinstance(me, Response):
            return me
        outcome = counter_orders.outcome_of(
            ctx, me.staff, dict(request.query_params), ctx.lang_of(request)
        )
        return page(request, me, nid.strip()[:32], **outcome)

    @router.post("/office/counter", response_class=HTMLResponse, include_in_schema=False)
    def counter_issue(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        nid: Annotated[str, Form(max_length=32)] = "",
        offer: Annotated[str, Form(max_length=80)] = "",
        output: Annotated[str, Form(max_length=10)] = "",
        key: Annotated[str, Form(max_length=64)] = "",
    ) -> Response:
        me = ctx.page(request, PRINT)
        if isinstance(me, Response):
            return me
        t = ctx.t(request, TEXT)
        lang = ctx.lang_of(request)
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, t["bad_csrf"])
        nid = nid.strip()
        slug, _, subject = offer.partition("|")
        kind = next((d for d in DocumentType if d.slug == slug), None)
        if kind is None or not subject or output not in ("pdf", "receipt"):
            return page(request, me, nid, 422, key=key, chosen=offer, error=t["choose_first"])
        req = counter.CounterRequest(nid, kind, subject, key)
        try:
            done = issue(me, None, req, "pdf" if output == "pdf" else "receipt", lang)
        except _Failed as failed:
            return page(
                request,
                me,
                nid,
                failed.status,
                key=key,
                chosen=offer,
                output=output,
                error=failed.refusal.message(lang),
            )
        if done.pdf is not None:
            return pdf_response(done)
        # printed: a fresh form (a new key) for the next document this citizen asks for
        return page(
            request,
            me,
            nid,
            output=output,
            printed=done.issued,
            reprinted=done.issued.replayed,
        )

    @router.get(
        "/api/v1/office/counter/offers", responses={401: {}, 403: {}, 404: {}}, tags=["office"]
    )
    def api_offers(
        request: Request, national_id: Annotated[str, Query(max_length=32)] = ""
    ) -> Response:
        me = ctx.api(request, PRINT)
        if isinstance(me, Response):
            return me
        try:
            person, offers = offers_of(national_id)
        except RegistryError as exc:
            return ctx.api_refusal(_status(exc), refusal_for(exc.code.value))
        return JSONResponse(
            {
                "national_id": person.national_id,
                "name": {"ar": person.name_ar, "latin": person.name_latin},
                "offers": [
                    {
                        "document_type": o.document_type.slug,
                        "subject": o.subject,
                        "subject_name": {"ar": o.subject_name.ar, "latin": o.subject_name.latin},
                        "relation": o.relation,
                        "fee": {"amount": o.fee_amount, "currency": o.fee_currency},
                    }
                    for o in offers
                ],
            }
        )

    @router.post(
        "/api/v1/office/counter/documents",
        responses={401: {}, 403: {}, 404: {}, 409: {}, 422: {}, 503: {}},
        tags=["office"],
    )
    def api_issue(request: Request, body: CounterBody) -> Response:
        me = ctx.api(request, PRINT)
        if isinstance(me, Response):
            return me
        kind = next(d for d in DocumentType if d.slug == body.document_type.value)
        req = counter.CounterRequest(body.national_id, kind, body.subject, body.idempotency_key)
        try:
            done = issue(me, body.office, req, body.output, "ar")
        except _Failed as failed:
            r = failed.refusal
            error: dict[str, Any] = {
                "code": r.code,
                "message": r.en,
                "words": {"ar": r.ar, "en": r.en},
            }
            if failed.serial is not None:  # issued, not printed: the same request prints it
                error["serial"] = failed.serial
            return JSONResponse({"error": error}, status_code=failed.status)
        issued = done.issued
        return JSONResponse(
            {
                "serial": issued.serial,
                "document_type": issued.document_type.slug,
                "subject": issued.subject,
                "issued_at": issued.issued_at.isoformat(),
                "office": done.office,
                "fee": {"amount": issued.fee_amount, "currency": issued.fee_currency},
                "payment_reference": issued.payment_reference,
                "qr_text": issued.qr_text,
                "pdf": f"/api/v1/office/counter/documents/{issued.serial}/pdf",
                "printed": body.output == "receipt",
                "replayed": issued.replayed,
            },
            status_code=200 if issued.replayed else 201,
        )

    @router.get(
        "/api/v1/office/counter/documents/{serial}/pdf",
        responses={401: {}, 403: {}, 404: {}},
        tags=["office"],
    )
    def api_pdf(request: Request, serial: str, lang: str = "ar") -> Response:
        me = ctx.api(request, PRINT)
        if isinstance(me, Response):
            return me
        try:
            with ctx.reg.db.session() as s:
                office = counter.at_office(s, me.staff, None).code
                issued = counter.counter_document(s, ctx.reg.places, serial, office)
        except RegistryError as exc:
            return ctx.api_refusal(_status(exc), refusal_for(exc.code.value))
        pdf = a4_pdf(issued, ctx.reg.settings, "en" if lang == "en" else "ar")
        return pdf_response(_Done(issued, office, pdf))
