"""The day's postal batch for supervisors: its orders and their state, and its files.

GET /office/post?day=YYYY-MM-DD                       the batch (default today, UTC)
GET /office/post/{day}/{batch.pdf|manifest.csv}       a file `sanad registry post batch` wrote
GET /api/v1/office/post/batches/{day}                 the same list as JSON
GET /api/v1/office/post/batches/{day}/{file}          the same files

Read only: the batch is made by `sanad registry post batch` and the operator's reports are
CLI commands (`registry.orders.post`). Only staff who may both read the figures and search
records (supervisors) see it: the files hold names and addresses. Each download is served
from DATA/post/ by a fixed name, never a path from the request.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from registry.models import Order
from registry.office.declarations import Permission, can
from registry.office_web.context import OfficeContext
from registry.orders import codes, post
from registry.staff import SignedIn
from verifier import words
from verifier.documents import DocumentType

__all__ = ["STATES", "TEXT", "install"]

TEXT: dict[str, dict[str, str]] = {
    "ar": {
        "post": "دفعة البريد اليومية",
        "post_lead": (
            "الوثائق المطلوبة بالبريد التي طُبعت في دفعة اليوم المختار، وحالة كل منها كما "
            "أبلغ عنها مشغّل البريد."
        ),
        "day": "اليوم",
        "show": "عرض",
        "bad_day": "اكتب التاريخ بالصيغة YYYY-MM-DD.",
        "no_batch": "لا توجد طلبات في دفعة هذا اليوم.",
        "download_pdf": "تنزيل ملف الطباعة (PDF)",
        "download_manifest": "تنزيل كشف الإرسال (CSV)",
        "not_written": "لم تُكتب ملفات هذه الدفعة بعد.",
        "code": "رمز الطلب",
        "document": "الوثيقة",
        "city": "المدينة",
        "state": "الحالة",
        "tracking": "رقم التتبّع",
        "orders_in_batch": "عدد الطلبات في الدفعة",
    },
    "en": {
        "post": "The daily postal batch",
        "post_lead": (
            "The documents ordered by post that were printed in the chosen day's batch, and "
            "the state of each as the postal operator reported it."
        ),
        "day": "Day",
        "show": "Show",
        "bad_day": "Write the date as YYYY-MM-DD.",
        "no_batch": "No order is in this day's batch.",
        "download_pdf": "Download the print file (PDF)",
        "download_manifest": "Download the manifest (CSV)",
        "not_written": "This batch's files have not been written yet.",
        "code": "Order code",
        "document": "Document",
        "city": "City",
        "state": "State",
        "tracking": "Tracking number",
        "orders_in_batch": "Orders in the batch",
    },
}

STATES: dict[str, tuple[str, str]] = {
    "paid": ("طُبع، بانتظار التسليم للبريد", "Printed, to be handed to the post"),
    "dispatched": ("سُلّم للبريد", "With the postal operator"),
    "delivered": ("وصل إلى المرسَل إليه", "Delivered"),
    "returned": ("أُعيد إلى المرسِل", "Returned to the sender"),
    "refunded": ("رُدّ الرسم", "Refunded"),
}

FILES = {post.PDF: "application/pdf", post.MANIFEST: "text/csv; charset=utf-8"}


def _may(me: SignedIn) -> bool:
    staff = me.staff.staff
    return can(staff, Permission.READ_AUDIT) and can(staff, Permission.SEARCH)


def _day(text: str | None, today: dt.date) -> dt.date | None:
    if not text:
        return today
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def install(router: APIRouter, ctx: OfficeContext) -> None:
    def rows(day: dt.date) -> list[dict[str, Any]]:
        with ctx.reg.db.session() as s:
            found = s.execute(
                select(Order).where(Order.postal_batch == day.isoformat()).order_by(Order.id)
            ).scalars()
            out = []
            for o in found:
                view = json.loads(o.postal_address) if o.postal_address else {}
                out.append(
                    {
                        "code": o.code,
                        "document_type": o.document_type,
                        "city": view.get("city", ""),
                        "state": o.state,
                        "tracking_number": o.tracking_number,
                    }
                )
            return out

    def files(day: dt.date) -> dict[str, bool]:
        folder = post.batch_dir(ctx.reg.data, day)
        return {name: (folder / name).is_file() for name in FILES}

    def file_response(day: dt.date, name: str) -> Response | None:
        if name not in FILES:
            return None
        path = post.batch_dir(ctx.reg.data, day) / name
        if not path.is_file():
            return None
        return FileResponse(
            path,
            media_type=FILES[name],
            filename=f"post-{day.isoformat()}-{name}",
        )

    @router.get("/office/post", response_class=HTMLResponse, include_in_schema=False)
    def post_page(request: Request, day: str = "") -> Response:
        me = ctx.page(request)
        if isinstance(me, Response):
            return me
        t = ctx.t(request, TEXT)
        if not _may(me):
            return ctx.refused_page(request, me, 403, t["forbidden_text"])
        lang = ctx.lang_of(request)
        chosen = _day(day, ctx.now().date())
        if chosen is None:
            return ctx.render(
                request, "post", me, 422, words=TEXT, day=day[:10], orders=[], error=t["bad_day"]
            )
        i = 0 if lang == "ar" else 1
        shown = [
            {
                **r,
                "code": codes.display(r["code"]),
                "document": words.document_title(r["document_type"]).in_lang(lang),
                "state": STATES.get(r["state"], (r["state"], r["state"]))[i],
            }
            for r in rows(chosen)
        ]
        return ctx.render(
            request,
            "post",
            me,
            words=TEXT,
            day=chosen.isoformat(),
            orders=shown,
            files=files(chosen),
        )

    @router.get("/office/post/{day}/{name}", include_in_schema=False)
    def post_file(request: Request, day: str, name: str) -> Response:
        me = ctx.page(request)
        if isinstance(me, Response):
            return me
        t = ctx.t(request, TEXT)
        if not _may(me):
            return ctx.refused_page(request, me, 403, t["forbidden_text"])
        chosen = _day(day, ctx.now().date())
        found = file_response(chosen, name) if chosen else None
        if found is None:
            return ctx.refused_page(request, me, 404, t["not_written"])
        return found

    @router.get(
        "/api/v1/office/post/batches/{day}", responses={401: {}, 403: {}, 422: {}}, tags=["office"]
    )
    def api_batch(request: Request, day: str) -> Response:
        me = ctx.api(request)
        if isinstance(me, Response):
            return me
        if not _may(me):
            return ctx.api_error(403, "not_permitted", "your role may not see the postal batch")
        chosen = _day(day, ctx.now().date())
        if chosen is None:
            return ctx.api_error(422, "invalid_request", "the day is YYYY-MM-DD")
        base = f"/api/v1/office/post/batches/{chosen.isoformat()}"
        return JSONResponse(
            {
                "day": chosen.isoformat(),
                "orders": [
                    {
                        **r,
                        "document_type": DocumentType(r["document_type"]).slug,
                    }
                    for r in rows(chosen)
                ],
                "files": {
                    name: f"{base}/{name}" if present else None
                    for name, present in files(chosen).items()
                },
            }
        )

    @router.get(
        "/api/v1/office/post/batches/{day}/{name}",
        responses={401: {}, 403: {}, 404: {}},
        tags=["office"],
    )
    def api_file(request: Request, day: str, name: str) -> Response:
        me = ctx.api(request)
        if isinstance(me, Response):
            return me
        if not _may(me):
            return ctx.api_error(403, "not_permitted", "your role may not see the postal batch")
        chosen = _day(day, ctx.now().date())
        found = file_response(chosen, name) if chosen else None
        if found is None:
            return ctx.api_error(404, "not_found", "no such file in that day's batch")
        return found
