"""Corrections of registered records, under four eyes: pages and their API twins.

GET  /office/corrections                          the queue: proposed, awaiting a decision
GET  /office/corrections/new?record=REF           the proposal form (registrars)
POST /office/corrections/new                      propose (CSRF-checked)
GET  /office/corrections/{number}                 a correction: old and new values side by side
POST /office/corrections/{number}/approve         approve (another registrar, a supervisor)
POST /office/corrections/{number}/decline         decline with a reason
POST /office/corrections/{number}/withdraw        withdraw (its proposer)
POST /api/v1/office/corrections                   {"record", "changes", "reason", "evidence"}
GET  /api/v1/office/corrections                   the queue as JSON
GET  /api/v1/office/corrections/{number}          one correction
POST /api/v1/office/corrections/{number}/approve|decline|withdraw   (decline: {"reason"})

REF is a `registry.record_history` reference: `person:<national number>`,
`death:<record number>`, `marriage:<record number>`, `divorce:<record number>`. The rules
(who may do what) are `registry.office.declarations`'; the values' checks and the writing are
`registry.civil.corrections`'. A refusal answers in the reader's language and changes nothing:
403 the wrong person, 404 no such record or correction, 409 decided already, 422 a value
that cannot be used.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from registry.civil import corrections
from registry.civil.corrections import CorrectionView, FieldKind, Invalid, Unknown
from registry.http_schema import Text
from registry.models import StaffMember
from registry.office.declarations import DeclarationRefusal, Permission, Staff, can
from registry.office.errors import NoTransition, Refused
from registry.office_web.context import OfficeContext
from registry.office_web.corrections_text import KIND, STATE, TEXT
from registry.staff import SignedIn

__all__ = ["CorrectionBody", "DeclineBody", "install", "status_of"]

T = TypeVar("T")
PROPOSE, DECIDE = Permission.PROPOSE_CORRECTION, Permission.DECIDE_CORRECTION
_FIELD = "f_"  # the form's corrected values: f_<field>
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# the rules' refusals of a missing reason or evidence: bad input, not the wrong person
_MISSING_WORDS = frozenset(
    {DeclarationRefusal.REASON_REQUIRED.value, DeclarationRefusal.EVIDENCE_REQUIRED.value}
)


Csrf = Annotated[str, Form(max_length=200)]
# no length bound here: the rules refuse a reason too long in the reader's language
Reason = Annotated[str, Form()]


class CorrectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record: Text = Field(min_length=3, max_length=60)
    changes: dict[str, str | int] = Field(max_length=corrections.MAX_CHANGES)
    reason: Text = Field(max_length=1000)
    evidence: Text = Field(max_length=200)


class DeclineBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(max_length=1000)


def status_of(exc: Refused) -> int:
    if isinstance(exc, Unknown):
        return 404
    if isinstance(exc, Invalid) or exc.code in _MISSING_WORDS:
        return 422
    if isinstance(exc, NoTransition):
        return 409
    return 403


def _may_see(staff: Staff, office: str | None = None) -> bool:
    return any(can(staff, p, office) for p in (PROPOSE, DECIDE, Permission.READ_AUDIT))


def _shown(kind: FieldKind, value: Any, t: Mapping[str, str]) -> str:
    if value is None or value == "":
        return "-"
    if kind is FieldKind.SEX:
        return t["male"] if value == 1 else t["female"]
    return str(value)


def _label(f: corrections.Field, lang: str) -> str:
    return f.ar if lang == "ar" else f.en[:1].upper() + f.en[1:]


def _names(s: Session, ids: set[int | None]) -> dict[int, StaffMember]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = s.execute(select(StaffMember).where(StaffMember.id.in_(wanted))).scalars()
    return {r.id: r for r in rows}


def install(router: APIRouter, ctx: OfficeContext) -> None:
    def act(fn: Callable[[Session], T]) -> T:
        with ctx.reg.db.session() as s:
            return fn(s)

    def staff_name(people: Mapping[int, StaffMember], sid: int | None, lang: str) -> str:
        row = people.get(sid) if sid is not None else None
        if row is None:
            return "-"
        return row.name_ar if lang == "ar" else row.name_en

    def page_context(request: Request, me: SignedIn, c: CorrectionView) -> dict[str, Any]:
        lang = ctx.lang_of(request)
        t = ctx.t(request, TEXT)
        i = 0 if lang == "ar" else 1
        with ctx.reg.db.session() as s:
            people = _names(s, {c.proposed_by, c.decided_by})
        staff = me.staff.staff
        proposed = c.state.value == "proposed"
        mine = str(c.proposed_by) == staff.id
        return {
            "c": c,
            "kind_words": KIND[c.kind][i],
            "key": c.record.partition(":")[2],
            "state_words": STATE[c.state.value][i],
            "rows": [
                {
                    "label": _label(ch.field, lang),
                    "old": _shown(ch.field.kind, ch.old, t),
                    "new": _shown(ch.field.kind, ch.new, t),
                }
                for ch in c.changes
            ],
            "proposer": staff_name(people, c.proposed_by, lang),
            "decider": staff_name(people, c.decided_by, lang),
            "may_decide": proposed and not mine and can(staff, DECIDE, c.office),
            "may_withdraw": proposed and mine,
        }

    # -- pages ----------------------------------------------------------------------------

    @router.get("/office/corrections", response_class=HTMLResponse, include_in_schema=False)
    def queue_page(request: Request) -> Response:
        me = ctx.page(request)
        if isinstance(me, Response):
            return me
        if not _may_see(me.staff.staff):
            return ctx.refused_page(request, me, 403, ctx.t(request)["forbidden_text"])
        lang = ctx.lang_of(request)
        i = 0 if lang == "ar" else 1
        with ctx.reg.db.session() as s:
            waiting = corrections.queue(s, me.staff.staff)
            people = _names(s, {c.proposed_by for c in waiting})
        rows = [
            {
                "number": c.number,
                "kind": KIND[c.kind][i],
                "key": c.record.partition(":")[2],
                "office": c.office,
                "fields": "، ".join(ch.field.ar for ch in c.changes)
                if lang == "ar"
                else ", ".join(ch.field.en for ch in c.changes),
                "proposer": staff_name(people, c.proposed_by, lang),
                "at": c.proposed_at.date().isoformat(),
            }
            for c in waiting
        ]
        return ctx.render(request, "corrections", me, words=TEXT, rows=rows)

    def form_page(
        request: Request,
        me: SignedIn,
        record: str,
        status: int = 200,
        *,
        error: str | None = None,
        values: Mapping[str, str] | None = None,
        reason: str = "",
        evidence: str = "",
    ) -> Response:
        lang = ctx.lang_of(request)
        t = ctx.t(request, TEXT)
        try:
            with ctx.reg.db.session() as s:
                kind, row = corrections.record_of(s, record)
                current = {f.name: getattr(row, f.name) for f in corrections.FIELDS[kind]}
        except Unknown as exc:
            return ctx.refusal_page(request, me, 404, exc.refusal)
        fields = [
            {
                "name": f.name,
                "input": _FIELD + f.name,
                "label": _label(f, lang),
                "kind": f.kind.value,
                "max": f.max_length,
                "current": _shown(
                    f.kind,
                    current[f.name].isoformat()
                    if isinstance(current[f.name], dt.date)
                    else current[f.name],
                    t,
                ),
                "value": (values or {}).get(f.name, ""),
            }
            for f in corrections.FIELDS[kind]
        ]
        return ctx.render(
            request,
            "correction_new",
            me,
            status,
            words=TEXT,
            record=record,
            kind_words=KIND[kind][0 if lang == "ar" else 1],
            key=record.partition(":")[2],
            fields=fields,
            error=error,
            reason=reason,
            evidence=evidence,
        )

    @router.get("/office/corrections/new", response_class=HTMLResponse, include_in_schema=False)
    def new_page(request: Request, record: str = "") -> Response:
        me = ctx.page(request, PROPOSE)
        if isinstance(me, Response):
            return me
        return form_page(request, me, record[:60])

    @router.post("/office/corrections/new", response_class=HTMLResponse, include_in_schema=False)
    async def new_submit(request: Request) -> Response:
        me = await run_in_threadpool(ctx.page, request, PROPOSE)
        if isinstance(me, Response):
            return me
        form = await request.form(max_fields=64)
        # what a database stores: no NUL or other control character (the API's `Text` rule)
        text = {k: _CONTROL.sub(" ", v) for k, v in form.items() if isinstance(v, str)}
        record = text.get("record", "")[:60]
        t = ctx.t(request, TEXT)
        if not ctx.csrf_ok(me, text.get("csrf", "")):
            return ctx.refused_page(request, me, 403, t["bad_csrf"])
        values = {
            k.removeprefix(_FIELD): v[:200]
            for k, v in text.items()
            if k.startswith(_FIELD) and v.strip()
        }
        reason, evidence = text.get("reason", "")[:1000], text.get("evidence", "")[:200]

        def propose(s: Session) -> CorrectionView:
            return corrections.propose(
                s, me.staff.staff, record, values, reason=reason, evidence=evidence, at=ctx.now()
            )

        try:
            made = await run_in_threadpool(act, propose)
        except Refused as exc:
            refused, status = exc.refusal, status_of(exc)
            lang = ctx.lang_of(request)
            return await run_in_threadpool(
                lambda: form_page(
                    request,
                    me,
                    record,
                    status,
                    error=refused.message(lang),
                    values=values,
                    reason=reason,
                    evidence=evidence,
                )
            )
        return RedirectResponse(f"/office/corrections/{made.number}?done=proposed", 303)

    @router.get(
        "/office/corrections/{number}", response_class=HTMLResponse, include_in_schema=False
    )
    def correction_page(request: Request, number: str, done: str = "") -> Response:
        me = ctx.page(request)
        if isinstance(me, Response):
            return me
        try:
            c = act(lambda s: corrections.get(s, number))
        except Unknown as exc:
            return ctx.refusal_page(request, me, 404, exc.refusal)
        if not _may_see(me.staff.staff, c.office):
            return ctx.refused_page(request, me, 403, ctx.t(request)["forbidden_text"])
        notice = TEXT[ctx.lang_of(request)].get(f"done_{done}") if done else None
        return ctx.render(
            request, "correction", me, words=TEXT, notice=notice, **page_context(request, me, c)
        )

    def decide_page(
        request: Request, number: str, csrf: str, name: str, step: Callable[[Session, Staff], Any]
    ) -> Response:
        me = ctx.page(request)
        if isinstance(me, Response):
            return me
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, ctx.t(request, TEXT)["bad_csrf"])
        try:
            act(lambda s: step(s, me.staff.staff))
        except Unknown as exc:
            return ctx.refusal_page(request, me, 404, exc.refusal)
        except Refused as exc:
            c = act(lambda s: corrections.get(s, number))
            return ctx.render(
                request,
                "correction",
                me,
                status_of(exc),
                words=TEXT,
                error=exc.refusal.message(ctx.lang_of(request)),
                **page_context(request, me, c),
            )
        return RedirectResponse(f"/office/corrections/{number}?done={name}", 303)

    @router.post("/office/corrections/{number}/approve", include_in_schema=False)
    def approve_submit(request: Request, number: str, csrf: Csrf = "") -> Response:
        return decide_page(
            request,
            number,
            csrf,
            "approved",
            lambda s, by: corrections.approve(s, by, number, at=ctx.now()),
        )

    @router.post("/office/corrections/{number}/decline", include_in_schema=False)
    def decline_submit(
        request: Request, number: str, csrf: Csrf = "", reason: Reason = ""
    ) -> Response:
        return decide_page(
            request,
            number,
            csrf,
            "declined",
            lambda s, by: corrections.decline(
                s, by, number, reason=_CONTROL.sub(" ", reason), at=ctx.now()
            ),
        )

    @router.post("/office/corrections/{number}/withdraw", include_in_schema=False)
    def withdraw_submit(request: Request, number: str, csrf: Csrf = "") -> Response:
        return decide_page(
            request,
            number,
            csrf,
            "withdrawn",
            lambda s, by: corrections.withdraw(s, by, number, at=ctx.now()),
        )

    # -- the API --------------------------------------------------------------------------

    refusals: dict[int | str, dict[str, Any]] = {
        401: {},
        403: {},
        404: {},
        409: {},
        422: {},
    }

    def api_call(
        request: Request, permission: Permission | None, fn: Callable[[Session, Staff], Any]
    ) -> Response:
        me = ctx.api(request, permission)
        if isinstance(me, Response):
            return me
        try:
            result = act(lambda s: fn(s, me.staff.staff))
        except Refused as exc:
            return ctx.api_refusal(status_of(exc), exc.refusal)
        if isinstance(result, CorrectionView):
            if not _may_see(me.staff.staff, result.office):
                return ctx.api_error(403, "not_permitted", "this correction is another office's")
            return JSONResponse(result.as_json())
        return JSONResponse(result)

    @router.post("/api/v1/office/corrections", status_code=201, responses=refusals, tags=["office"])
    def api_propose(request: Request, body: CorrectionBody) -> Response:
        response = api_call(
            request,
            None,  # the rules refuse a clerk or a supervisor, in both languages
            lambda s, by: corrections.propose(
                s,
                by,
                body.record,
                body.changes,
                reason=body.reason,
                evidence=body.evidence,
                at=ctx.now(),
            ),
        )
        if response.status_code == 200:
            response.status_code = 201
        return response

    @router.get("/api/v1/office/corrections", responses=refusals, tags=["office"])
    def api_queue(request: Request) -> Response:
        me = ctx.api(request)
        if isinstance(me, Response):
            return me
        if not _may_see(me.staff.staff):
            return ctx.api_error(403, "not_permitted", "your role may not read corrections")
        waiting = act(lambda s: corrections.queue(s, me.staff.staff))
        return JSONResponse({"corrections": [c.as_json() for c in waiting]})

    @router.get("/api/v1/office/corrections/{number}", responses=refusals, tags=["office"])
    def api_one(request: Request, number: str) -> Response:
        return api_call(request, None, lambda s, by: corrections.get(s, number))

    @router.post("/api/v1/office/corrections/{number}/approve", responses=refusals, tags=["office"])
    def api_approve(request: Request, number: str) -> Response:
        return api_call(
            request, None, lambda s, by: corrections.approve(s, by, number, at=ctx.now())
        )

    @router.post("/api/v1/office/corrections/{number}/decline", responses=refusals, tags=["office"])
    def api_decline(request: Request, number: str, body: DeclineBody) -> Response:
        return api_call(
            request,
            None,
            lambda s, by: corrections.decline(s, by, number, reason=body.reason, at=ctx.now()),
        )

    @router.post(
        "/api/v1/office/corrections/{number}/withdraw", responses=refusals, tags=["office"]
    )
    def api_withdraw(request: Request, number: str) -> Response:
        return api_call(
            request, None, lambda s, by: corrections.withdraw(s, by, number, at=ctx.now())
        )
