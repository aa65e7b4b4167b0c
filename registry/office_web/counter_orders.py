"""Online orders collected at the counter, and their API twin (`Permission.PRINT_AT_COUNTER`).

GET  /office/counter                                the counter page lists them (`waiting_rows`)
POST /office/counter/orders                         print one by its code (CSRF-checked): the A4
                                                    PDF as a download, or the office's receipt
                                                    printer, then back to the counter page
GET  /api/v1/office/counter/orders                  the office's waiting orders as JSON
POST /api/v1/office/counter/orders/{code}/print     print one: the serial, the QR text, the PDF

The rules are `registry.orders.at_counter`'s (the one document of an order, through
`fulfil.issue_for_order`; the order collected in the same transaction), the paper
`registry.counter_paper`'s, as for any counter document. With the receipt printer chosen its
status is asked first, so a printer that cannot print refuses with nothing issued; a job that
fails afterwards is printed again by the same code (the same document). The form's answer is
a redirect to the counter page (a reload never prints twice) carrying the outcome's code,
which the page words in the reader's language.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from registry import counter
from registry.counter_paper import CounterPrinter, CounterPrinterError, a4_pdf
from registry.errors import Conflict, InvalidInput, KeyringError, NotFound, Refused, RegistryError
from registry.models import IssuedDocument, Order
from registry.office.declarations import Permission
from registry.office.errors import Refusal
from registry.office_web.context import OfficeContext
from registry.office_web.counter_text import not_printed, printer_refusal, refusal_for
from registry.orders import at_counter, codes
from registry.orders.at_counter import Printed
from registry.staff import StaffView
from verifier import words

__all__ = ["install", "outcome_of", "waiting_rows"]

PRINT = Permission.PRINT_AT_COUNTER
Output = Literal["pdf", "receipt"]


class PrintBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    output: Output = "pdf"


class _Failed(Exception):
    def __init__(
        self, status: int, refusal: Refusal, serial: str | None = None, reason: str = ""
    ) -> None:
        super().__init__(refusal.code)
        self.status = status
        self.refusal = refusal
        self.serial = serial  # issued, not printed: the same code prints it
        self.reason = reason  # the printer's failure reason then


def _status(exc: RegistryError) -> int:
    if isinstance(exc, InvalidInput):
        return 400 if exc.code.value == "order_code_invalid" else 422
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, KeyringError):
        return 503
    if isinstance(exc, Refused):
        return 403
    raise exc


def waiting_rows(ctx: OfficeContext, staff: StaffView, lang: str) -> list[dict[str, str]] | None:
    """The staff member's office's waiting orders as the page shows them (None: they print at
    no counter)."""
    try:
        with ctx.reg.db.session() as s:
            office = counter.at_office(s, staff, None).code
            found = at_counter.waiting(s, office)
    except RegistryError:
        return None
    latin = lang != "ar"
    return [
        {
            "code": codes.display(w.code),
            "document": words.document_title(int(w.document_type)).in_lang(lang),
            "subject": (w.subject_name.latin or w.subject_name.ar) if latin else w.subject_name.ar,
            "requester": (w.requester_name.latin or w.requester_name.ar)
            if latin
            else w.requester_name.ar,
            "placed": w.created_at.date().isoformat(),
        }
        for w in found
    ]


def outcome_of(
    ctx: OfficeContext, staff: StaffView, query: dict[str, str], lang: str
) -> dict[str, Any]:
    """What the counter page says after a print (the redirect's query): an error, or the
    printed order's serial (looked up again, for this office only)."""
    refused = query.get("order_refused", "")[:40]
    if refused:
        if refused == "not_printed":
            serial = query.get("serial", "")[:32]
            return {"order_error": not_printed(serial, query.get("reason", "")).message(lang)}
        if refused.startswith("printer_"):
            return {"order_error": printer_refusal(refused.removeprefix("printer_")).message(lang)}
        return {"order_error": refusal_for(refused).message(lang)}
    code = codes.parse(query.get("order_printed", ""))
    if code is None:
        return {}
    with ctx.reg.db.session() as s:
        try:
            office = counter.at_office(s, staff, None).code
        except RegistryError:
            return {}
        order = s.execute(select(Order).where(Order.code == code)).scalar_one_or_none()
        if order is None or order.collected_by != office or order.document_id is None:
            return {}
        printed = s.get_one(IssuedDocument, order.document_id).serial
    return {
        "order_done": {
            "code": codes.display(code),
            "serial": printed,
            "reprinted": query.get("again") == "1",
        }
    }


def install(router: APIRouter, ctx: OfficeContext) -> None:
    printer = CounterPrinter(ctx.reg.settings.counter_printer, ctx.reg.data)

    def print_it(staff: StaffView, code: str, output: Output) -> tuple[Printed, bytes | None]:
        """Check the printer (receipt), issue and collect in one transaction, then print."""
        try:
            if output == "receipt":
                with ctx.reg.db.session() as s:  # who and where first: not a printer fault
                    counter.at_office(s, staff, None)
                printer.check()
            with ctx.reg.db.session() as s:
                done = at_counter.print_order(
                    s, ctx.reg.keys, ctx.reg.places, ctx.reg.settings, staff, code, ctx.now()
                )
        except RegistryError as exc:
            raise _Failed(_status(exc), refusal_for(exc.code.value)) from None
        except CounterPrinterError as exc:
            raise _Failed(503, printer_refusal(exc.reason)) from None
        if output == "pdf":
            return done, a4_pdf(done.issued, ctx.reg.settings, "ar")
        try:
            printer.print_document(done.issued, ctx.reg.settings, "ar")
        except CounterPrinterError as exc:
            serial = done.issued.serial
            raise _Failed(503, not_printed(serial, exc.reason), serial, exc.reason) from None
        return done, None

    def pdf_response(done: Printed, pdf: bytes) -> Response:
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{done.issued.serial}.pdf"'},
        )

    @router.post("/office/counter/orders", include_in_schema=False)
    def print_order_page(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        code: Annotated[str, Form(max_length=64)] = "",
        output: Annotated[str, Form(max_length=10)] = "",
    ) -> Response:
        me = ctx.page(request, PRINT)
        if isinstance(me, Response):
            return me
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, ctx.t(request)["bad_csrf"])
        chosen: Output = "receipt" if output == "receipt" else "pdf"
        try:
            done, pdf = print_it(me.staff, code, chosen)
        except _Failed as failed:
            query = {"order_refused": failed.refusal.code}
            if failed.serial is not None:
                query |= {"serial": failed.serial, "reason": failed.reason}
            return RedirectResponse(f"/office/counter?{urlencode(query)}", status_code=303)
        if pdf is not None:
            return pdf_response(done, pdf)
        again = "&again=1" if done.issued.replayed else ""
        return RedirectResponse(
            f"/office/counter?order_printed={done.order_code}{again}", status_code=303
        )

    @router.get("/api/v1/office/counter/orders", responses={401: {}, 403: {}}, tags=["office"])
    def api_waiting(request: Request) -> Response:
        me = ctx.api(request, PRINT)
        if isinstance(me, Response):
            return me
        try:
            with ctx.reg.db.session() as s:
                office = counter.at_office(s, me.staff, None).code
                found = at_counter.waiting(s, office)
        except RegistryError as exc:
            return ctx.api_refusal(_status(exc), refusal_for(exc.code.value))
        return JSONResponse(
            {
                "office": office,
                "orders": [
                    {
                        "code": w.code,
                        "code_display": codes.display(w.code),
                        "document_type": w.document_type.slug,
                        "document_name": {
                            "ar": words.document_title(int(w.document_type)).ar,
                            "latin": words.document_title(int(w.document_type)).en,
                        },
                        "subject_name": {"ar": w.subject_name.ar, "latin": w.subject_name.latin},
                        "requester_name": {
                            "ar": w.requester_name.ar,
                            "latin": w.requester_name.latin,
                        },
                        "created_at": w.created_at.isoformat(),
                    }
                    for w in found
                ],
            }
        )

    @router.post(
        "/api/v1/office/counter/orders/{code}/print",
        responses={400: {}, 401: {}, 403: {}, 404: {}, 409: {}, 503: {}},
        tags=["office"],
    )
    def api_print(request: Request, code: str, body: PrintBody | None = None) -> Response:
        me = ctx.api(request, PRINT)
        if isinstance(me, Response):
            return me
        output = body.output if body is not None else "pdf"
        try:
            done, _ = print_it(me.staff, code[:64], output)
        except _Failed as failed:
            r = failed.refusal
            error: dict[str, Any] = {
                "code": r.code,
                "message": r.en,
                "words": {"ar": r.ar, "en": r.en},
            }
            if failed.serial is not None:
                error["serial"] = failed.serial
            return JSONResponse({"error": error}, status_code=failed.status)
        issued = done.issued
        return JSONResponse(
            {
                "order_code": done.order_code,
                "state": "collected",
                "office": done.office,
                "serial": issued.serial,
                "document_type": issued.document_type.slug,
                "issued_at": issued.issued_at.isoformat(),
                "qr_text": issued.qr_text,
                "pdf": f"/api/v1/office/counter/documents/{issued.serial}/pdf",
                "printed": output == "receipt",
                "replayed": issued.replayed,
            },
            status_code=200 if issued.replayed else 201,
        )
