"""Declaring vital events and reviewing the declarations, as pages and their API twins.

GET  /office/declare                               the kinds one may declare
GET  /office/declare/{kind}                        the kind's form (clerks, registrars)
POST /office/declare/{kind}                        declare → 303 to the declaration
GET  /office/declarations/{number}                 every fact, summary, state, history,
                                                   revisions, findings; the review forms
GET  /office/declarations/{number}/amend           the form filled with the facts
POST /office/declarations/{number}/amend|register|return|reject
POST /api/v1/office/declarations                   {kind, facts} → 201
GET  /api/v1/office/declarations?state=&office=    a queue
GET  /api/v1/office/declarations/{number}
PUT  /api/v1/office/declarations/{number}/facts    amend
POST /api/v1/office/declarations/{number}/register {acknowledged: [codes]}
POST /api/v1/office/declarations/{number}/return   {reason}
POST /api/v1/office/declarations/{number}/reject   {reason}

Everything is generic over `handlers.kinds_available()`: the kind's handler gives the form's
template, turns its fields into facts and back, labels the facts and summarises them. The
rules (four eyes, office scope, states, findings) are the store's and the state machine's:
these routes parse, call `registry.civil.store` in one transaction (`Database.transact`), and
answer. A refusal changes nothing and answers in the reader's language (the page's cookie;
the API's Accept-Language): 403 for who may not (role, office, own declaration), 409 for the
wrong state or the findings, 422 for facts that do not parse or a missing reason, 404 for an
unknown number. Staff of an office see that office's declarations only; supervisors and
administrators see every office's and change none.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from registry import staff as accounts
from registry.civil import store
from registry.civil.common import InvalidFacts
from registry.civil.handlers import handler_of, kinds_available
from registry.http_schema import Text
from registry.office.declarations import EventKind, Permission, Staff, State, can
from registry.office.errors import NoTransition, Refusal, Refused, Severity
from registry.office_web.context import OfficeContext
from registry.office_web.declarations_text import ACTIONS, KINDS, STATES, TEXT, value_words

__all__ = [
    "DeclareBody",
    "FactsBody",
    "ReasonBody",
    "RegisterBody",
    "api_lang",
    "facts_rows",
    "install",
    "may_view",
    "record_path",
    "refusal_status",
]

NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,39}$")
FIELD = re.compile(r"^[A-Za-z0-9_.]{1,80}$")
MAX_FIELDS = 60
MAX_VALUE = 400
DONE = ("declared", "amended", "registered", "returned", "rejected")
# the refusals of who may not act (the rest are the declaration's state or facts)
_FORBIDDEN = frozenset(
    {
        "not_permitted",
        "inactive_staff",
        "other_office",
        "own_declaration",
        "staff_unknown",
        "office_closed",
    }
)


# ---------------------------------------------------------------------------------------------
# what the pages and the API share (pure)


def refusal_status(exc: Refused) -> int:
    """403 who may not, 422 a missing reason, 409 the state or the findings."""
    if isinstance(exc, NoTransition):
        return 409
    if exc.code in _FORBIDDEN:
        return 403
    if exc.code == "reason_required":
        return 422
    return 409


def may_view(staff: Staff, office: str) -> bool:
    """Staff of the office (and the authority's supervisors and administrators) see it."""
    return can(staff, Permission.DECLARE, office) or can(staff, Permission.READ_AUDIT, office)


def may_review(staff: Staff, view: store.DeclarationView) -> bool:
    return can(staff, Permission.REVIEW, view.office) and int(staff.id) not in view.authors


def may_amend(staff: Staff, view: store.DeclarationView) -> bool:
    return (
        view.waiting
        and can(staff, Permission.DECLARE, view.office)
        and int(staff.id) in view.authors
    )


def record_path(view: store.DeclarationView) -> str | None:
    """The record page a registered declaration leads to: the child's, the deceased's…"""
    if view.state is not State.REGISTERED:
        return None
    ref = view.registered_ref or ""
    if ref.startswith("person:"):
        return f"/office/record/{ref.removeprefix('person:')}"
    return f"/office/record/{view.subject}" if view.subject else None


def api_lang(header: str | None) -> str:
    """ "ar" or "en" from an Accept-Language header (English when it names neither)."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in ("ar", "en") and q > 0:
            ranked.append((-q, i, primary))
    return min(ranked)[2] if ranked else "en"


TIME_WITH_SECONDS = re.compile(r"\d{2}:\d{2}:00")


def _shown(key: str, value: Any, words: Mapping[tuple[str, str], str]) -> str:
    text = str(value)
    if key.startswith("time_") and TIME_WITH_SECONDS.fullmatch(text):
        text = text.removesuffix(":00")  # a time of birth or death as the form took it: 06:30
    return words.get((key, text), text)


def facts_rows(kind: EventKind, facts: BaseModel, lang: str) -> list[tuple[str, str]]:
    """The facts as (label, value) lines in the reader's language, nested parts included."""
    handler = handler_of(kind)
    t = TEXT[lang]
    i = 0 if lang == "ar" else 1
    words = value_words(lang)
    rows: list[tuple[str, str]] = []
    for key, value in json.loads(facts.model_dump_json()).items():
        if value is None:
            continue
        label = handler.labels.get(key, (key, key))[i]
        if isinstance(value, dict):
            for part, v in value.items():
                if v is not None:
                    rows.append((f"{label}: {t.get(f'part_{part}', part)}", _shown(part, v, words)))
        else:
            rows.append((label, _shown(key, value, words)))
    return rows


def _kind_of(slug: str) -> EventKind | None:
    return next((k for k in kinds_available() if k.value == slug), None)


def _number(raw: str) -> str | None:
    number = raw.strip().upper()
    return number if NUMBER.match(number) else None


def _problems(exc: InvalidFacts, lang: str) -> list[dict[str, str]]:
    return [
        {
            "field": field if FIELD.match(field) else "facts",
            "code": r.code,
            "message": r.message(lang),
        }
        for field, r in exc.problems
    ]


def _plain(value: Any, depth: int = 0) -> bool:
    """Facts whose strings (and keys) are text: no lone surrogates or control characters
    (which no database column takes), no deep nesting."""
    if depth > 6:
        return False
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return not any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in value)
    if isinstance(value, dict):
        return all(_plain(k, depth) and _plain(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v, depth + 1) for v in value)
    return True


_NOT_TEXT = InvalidFacts(
    (
        (
            "facts",
            Refusal(
                "invalid_facts",
                "البيانات تحتوي على محارف غير صالحة.",
                "The details hold characters that are not text.",
            ),
        ),
    )
)


# ---------------------------------------------------------------------------------------------
# the API's bodies


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeclareBody(_Body):
    kind: EventKind = Field(description="the event: birth, death (marriage, divorce as added)")
    facts: dict[str, Any] = Field(
        description="the kind's facts, as `registry.civil.<kind>s` models them", max_length=40
    )


class FactsBody(_Body):
    facts: dict[str, Any] = Field(description="the amended facts (all of them)", max_length=40)


class RegisterBody(_Body):
    acknowledged: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list,
        max_length=40,
        description="the codes of the warnings (severity warn) the registrar confirms",
    )


class ReasonBody(_Body):
    reason: Text = Field(max_length=1000, description="why it is returned or rejected")


_ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}, 404: {}, 409: {}, 422: {}}


# ---------------------------------------------------------------------------------------------
# the routes


def install(router: APIRouter, ctx: OfficeContext) -> None:
    def lang_words(request: Request) -> dict[str, str]:
        return ctx.t(request, TEXT)

    # -- the pages' pieces ---------------------------------------------------------------

    def declaration_context(
        s: Session, number: str, me: accounts.SignedIn, lang: str
    ) -> dict[str, Any]:
        view = store.get(s, number)
        staff = me.staff.staff
        i = 0 if lang == "ar" else 1
        found = (
            store.findings(s, view.number, ctx.law, today=store.today_of(ctx.now()))
            if view.waiting
            else ()
        )
        revisions = [
            {"revision": n, "by": by, "at": at, "rows": facts_rows(view.kind, facts, lang)}
            for n, facts, by, at in store.revisions(s, view.number)
        ]
        return {
            "d": view,
            "kind_label": KINDS[view.kind][i],
            "heading": TEXT[lang]["declaration_of"].format(kind=KINDS[view.kind][i]),
            "state_label": STATES[view.state][i],
            "summary": view.summary[i],
            "facts": facts_rows(view.kind, view.facts, lang),
            "revisions": revisions,
            "history": [
                {
                    "action": ACTIONS.get(h.action, (h.action, h.action))[i],
                    "by": h.by,
                    "at": h.at,
                    "reason": h.reason,
                    "revision": h.revision,
                }
                for h in view.history
            ],
            "findings": [
                {
                    "code": f.code,
                    "message": f.message(lang),
                    "warn": f.severity is Severity.WARN,
                }
                for f in found
            ],
            "review": may_review(staff, view),
            "can_register": view.state in (State.DECLARED, State.AMENDED),
            "can_reject": view.waiting,
            "amend": may_amend(staff, view),
            "record": record_path(view),
        }

    def show(
        request: Request,
        me: accounts.SignedIn,
        number: str,
        status: int = 200,
        *,
        error: str | None = None,
        done: str | None = None,
        reason: str = "",
    ) -> Response:
        t = lang_words(request)
        with ctx.reg.db.session() as s:
            try:
                view = store.get(s, number)
            except store.UnknownDeclaration as exc:
                return ctx.refusal_page(request, me, 404, exc.refusal)
            if not may_view(me.staff.staff, view.office):
                return ctx.refused_page(request, me, 403, error or t["not_yours"])
            page = declaration_context(s, number, me, ctx.lang_of(request))
        notice = t[f"done_{done}"] if done in DONE else None
        return ctx.render(
            request,
            "declaration",
            me,
            status,
            words=TEXT,
            error=error,
            notice=notice,
            reason=reason,
            **page,
        )

    def form_page(
        request: Request,
        me: accounts.SignedIn,
        kind: EventKind,
        *,
        action: str,
        values: Mapping[str, str],
        status: int = 200,
        invalid: InvalidFacts | None = None,
        number: str | None = None,
        returned: str | None = None,
    ) -> Response:
        lang = ctx.lang_of(request)
        errors: dict[str, list[str]] = {}
        for field, r in invalid.problems if invalid else ():
            errors.setdefault(field, []).append(r.message(lang))
        return ctx.render(
            request,
            "declare",
            me,
            status,
            words=TEXT,
            kind=kind,
            kind_label=KINDS[kind][0 if lang == "ar" else 1],
            form_template=handler_of(kind).form_template,
            action=action,
            v=dict(values),
            errors=errors,
            problems=_problems(invalid, lang) if invalid else [],
            number=number,
            returned=returned,
        )

    async def posted(request: Request) -> dict[str, list[str]]:
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
        out: dict[str, list[str]] = {}
        for key in form:
            values = [v[:MAX_VALUE] for v in form.getlist(key) if isinstance(v, str)]
            out[key[:80]] = values[:MAX_FIELDS]
        return out

    def single(fields: Mapping[str, list[str]]) -> dict[str, str]:
        return {k: v[0] for k, v in fields.items() if v and k not in ("csrf", "ack")}

    def csrf_of(fields: Mapping[str, list[str]]) -> str:
        return (fields.get("csrf") or [""])[0]

    # -- declaring ------------------------------------------------------------------------

    @router.get("/office/declare", response_class=HTMLResponse, include_in_schema=False)
    def declare_index(request: Request) -> Response:
        me = ctx.page(request, Permission.DECLARE)
        if isinstance(me, Response):
            return me
        i = 0 if ctx.lang_of(request) == "ar" else 1
        kinds = [(k.value, KINDS[k][i]) for k in kinds_available()]
        return ctx.render(request, "declare", me, words=TEXT, kind=None, kinds=kinds)

    @router.get("/office/declare/{kind}", response_class=HTMLResponse, include_in_schema=False)
    def declare_form(request: Request, kind: str) -> Response:
        me = ctx.page(request, Permission.DECLARE)
        if isinstance(me, Response):
            return me
        k = _kind_of(kind)
        if k is None:
            return ctx.refused_page(request, me, 404, lang_words(request)["unknown_kind"])
        return form_page(request, me, k, action=f"/office/declare/{k.value}", values={})

    def declare_submit(request: Request, kind: str, fields: dict[str, list[str]]) -> Response:
        me = ctx.page(request, Permission.DECLARE)
        if isinstance(me, Response):
            return me
        t = lang_words(request)
        if not ctx.csrf_ok(me, csrf_of(fields)):
            return ctx.refused_page(request, me, 403, t["bad_csrf"])
        k = _kind_of(kind)
        if k is None:
            return ctx.refused_page(request, me, 404, t["unknown_kind"])
        values = single(fields)
        facts = handler_of(k).from_form(values)
        by, at = me.staff.id, ctx.now()
        try:
            if not _plain(values):
                raise _NOT_TEXT
            view = ctx.reg.db.transact(lambda s: store.declare(s, k, facts, by=by, at=at))
        except InvalidFacts as exc:
            action = f"/office/declare/{k.value}"
            return form_page(request, me, k, action=action, values=values, status=422, invalid=exc)
        except Refused as exc:
            return ctx.refusal_page(request, me, refusal_status(exc), exc.refusal)
        return RedirectResponse(f"/office/declarations/{view.number}?done=declared", 303)

    @router.post("/office/declare/{kind}", response_class=HTMLResponse, include_in_schema=False)
    async def declare_post(request: Request, kind: str) -> Response:
        fields = await posted(request)
        return await run_in_threadpool(declare_submit, request, kind, fields)

    # -- a declaration --------------------------------------------------------------------

    @router.get(
        "/office/declarations/{number}", response_class=HTMLResponse, include_in_schema=False
    )
    def declaration_page(request: Request, number: str, done: str = "") -> Response:
        me = ctx.page(request)
        if isinstance(me, Response):
            return me
        n = _number(number)
        if n is None:
            return ctx.refusal_page(request, me, 404, store.UnknownDeclaration.refusal)
        return show(request, me, n, done=done)

    @router.get(
        "/office/declarations/{number}/amend",
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    def amend_form(request: Request, number: str) -> Response:
        me = ctx.page(request, Permission.DECLARE)
        if isinstance(me, Response):
            return me
        n = _number(number)
        with ctx.reg.db.session() as s:
            try:
                view = store.get(s, n or "-")
            except store.UnknownDeclaration as exc:
                return ctx.refusal_page(request, me, 404, exc.refusal)
        if not may_view(me.staff.staff, view.office):
            return ctx.refused_page(request, me, 403, lang_words(request)["not_yours"])
        if not view.waiting:
            return RedirectResponse(f"/office/declarations/{view.number}", 303)
        if not may_amend(me.staff.staff, view):
            return ctx.refused_page(request, me, 403, lang_words(request)["not_author"])
        values = handler_of(view.kind).to_form(view.facts)
        action = f"/office/declarations/{view.number}/amend"
        return form_page(
            request,
            me,
            view.kind,
            action=action,
            values=values,
            number=view.number,
            returned=view.reason if view.state is State.RETURNED else None,
        )

    def act(
        request: Request,
        number: str,
        fields: dict[str, list[str]],
        done: str,
        run: Callable[[Session, str, int, dt.datetime], store.DeclarationView],
    ) -> Response:
        """One review action on the page: CSRF, the store in one transaction, the answer."""
        me = ctx.page(request)
        if isinstance(me, Response):
            return me
        t = lang_words(request)
        if not ctx.csrf_ok(me, csrf_of(fields)):
            return ctx.refused_page(request, me, 403, t["bad_csrf"])
        n = _number(number)
        if n is None:
            return ctx.refusal_page(request, me, 404, store.UnknownDeclaration.refusal)
        by, at = me.staff.id, ctx.now()
        try:
            view = ctx.reg.db.transact(lambda s: run(s, n, by, at))
        except store.UnknownDeclaration as exc:
            return ctx.refusal_page(request, me, 404, exc.refusal)
        except Refused as exc:
            message = exc.refusal.message(ctx.lang_of(request))
            reason = single(fields).get("reason", "")
            return show(request, me, n, refusal_status(exc), error=message, reason=reason)
        return RedirectResponse(f"/office/declarations/{view.number}?done={done}", 303)

    def amend_submit(request: Request, number: str, fields: dict[str, list[str]]) -> Response:
        me = ctx.page(request, Permission.DECLARE)
        if isinstance(me, Response):
            return me
        if not ctx.csrf_ok(me, csrf_of(fields)):
            return ctx.refused_page(request, me, 403, lang_words(request)["bad_csrf"])
        n = _number(number) or "-"
        with ctx.reg.db.session() as s:
            try:
                current = store.get(s, n)
            except store.UnknownDeclaration as exc:
                return ctx.refusal_page(request, me, 404, exc.refusal)
        values = single(fields)
        facts = handler_of(current.kind).from_form(values)
        try:
            if not _plain(values):
                raise _NOT_TEXT
            return act(
                request,
                number,
                fields,
                "amended",
                lambda s, n, by, at: store.amend(s, n, facts, by=by, at=at),
            )
        except InvalidFacts as exc:
            action = f"/office/declarations/{current.number}/amend"
            return form_page(
                request,
                me,
                current.kind,
                action=action,
                values=values,
                status=422,
                invalid=exc,
                number=current.number,
            )

    def register_submit(request: Request, number: str, fields: dict[str, list[str]]) -> Response:
        acknowledged = tuple(fields.get("ack", ()))
        return act(
            request,
            number,
            fields,
            "registered",
            lambda s, n, by, at: store.register(
                s, n, by=by, at=at, law=ctx.law, acknowledged=acknowledged
            ),
        )

    def return_submit(request: Request, number: str, fields: dict[str, list[str]]) -> Response:
        reason = single(fields).get("reason", "")
        return act(
            request,
            number,
            fields,
            "returned",
            lambda s, n, by, at: store.return_declaration(s, n, reason, by=by, at=at),
        )

    def reject_submit(request: Request, number: str, fields: dict[str, list[str]]) -> Response:
        reason = single(fields).get("reason", "")
        return act(
            request,
            number,
            fields,
            "rejected",
            lambda s, n, by, at: store.reject(s, n, reason, by=by, at=at),
        )

    submits = {
        "amend": amend_submit,
        "register": register_submit,
        "return": return_submit,
        "reject": reject_submit,
    }

    @router.post(
        "/office/declarations/{number}/{action}",
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    async def declaration_post(request: Request, number: str, action: str) -> Response:
        submit = submits.get(action)
        if submit is None:
            return Response(status_code=404)
        fields = await posted(request)
        return await run_in_threadpool(submit, request, number, fields)

    # -- the API --------------------------------------------------------------------------

    def api_refused(request: Request, status: int, refusal: Refusal) -> JSONResponse:
        lang = api_lang(request.headers.get("accept-language"))
        return JSONResponse(
            {
                "error": {
                    "code": refusal.code,
                    "message": refusal.message(lang),
                    "words": {"ar": refusal.ar, "en": refusal.en},
                }
            },
            status_code=status,
            headers={"Content-Language": lang},
        )

    def api_invalid(request: Request, exc: InvalidFacts) -> JSONResponse:
        lang = api_lang(request.headers.get("accept-language"))
        return JSONResponse(
            {
                "error": {
                    "code": "invalid_facts",
                    "message": exc.refusal.message(lang),
                    "problems": _problems(exc, lang),
                }
            },
            status_code=422,
            headers={"Content-Language": lang},
        )

    def api_action(
        request: Request,
        number: str,
        run: Callable[[Session, str, int, dt.datetime], store.DeclarationView],
        permission: Permission | None = None,
    ) -> Response:
        me = ctx.api(request, permission)
        if isinstance(me, Response):
            return me
        n = _number(number)
        if n is None:
            return api_refused(request, 404, store.UnknownDeclaration.refusal)
        by, at = me.staff.id, ctx.now()
        try:
            view = ctx.reg.db.transact(lambda s: run(s, n, by, at))
        except store.UnknownDeclaration as exc:
            return api_refused(request, 404, exc.refusal)
        except InvalidFacts as exc:
            return api_invalid(request, exc)
        except Refused as exc:
            return api_refused(request, refusal_status(exc), exc.refusal)
        return JSONResponse(view.as_json())

    @router.post("/api/v1/office/declarations", status_code=201, responses=_ERRORS, tags=["office"])
    def api_declare(request: Request, body: DeclareBody) -> Response:
        me = ctx.api(request, Permission.DECLARE)
        if isinstance(me, Response):
            return me
        kind = _kind_of(body.kind.value)
        if kind is None:
            return api_invalid(
                request,
                InvalidFacts(
                    (
                        (
                            "kind",
                            Refusal(
                                "invalid_kind",
                                TEXT["ar"]["unknown_kind"],
                                TEXT["en"]["unknown_kind"],
                            ),
                        ),
                    )
                ),
            )
        if not _plain(body.facts):
            return api_invalid(request, _NOT_TEXT)
        by, at = me.staff.id, ctx.now()
        try:
            view = ctx.reg.db.transact(lambda s: store.declare(s, kind, body.facts, by=by, at=at))
        except InvalidFacts as exc:
            return api_invalid(request, exc)
        except Refused as exc:
            return api_refused(request, refusal_status(exc), exc.refusal)
        return JSONResponse(view.as_json(), status_code=201)

    @router.get("/api/v1/office/declarations", responses=_ERRORS, tags=["office"])
    def api_queue(
        request: Request,
        state: State | None = None,
        office: Annotated[str | None, Query(max_length=16, pattern=r"^[A-Z0-9]{1,16}$")] = None,
    ) -> Response:
        me = ctx.api(request)
        if isinstance(me, Response):
            return me
        staff = me.staff.staff
        scope = office or staff.office
        if not may_view(staff, scope or ""):
            words = TEXT["ar"]["not_yours"], TEXT["en"]["not_yours"]
            return api_refused(request, 403, Refusal("other_office", *words))
        states = (state,) if state else tuple(State)
        with ctx.reg.db.session() as s:
            found = store.queue(s, office=scope, states=states)
            counts = store.counts(s, office=scope)
        return JSONResponse(
            {
                "office": scope,
                "counts": {st.value: counts.get(st, 0) for st in State},
                "declarations": [v.as_json() for v in found],
            }
        )

    @router.get("/api/v1/office/declarations/{number}", responses=_ERRORS, tags=["office"])
    def api_get(request: Request, number: str) -> Response:
        me = ctx.api(request)
        if isinstance(me, Response):
            return me
        n = _number(number)
        if n is None:
            return api_refused(request, 404, store.UnknownDeclaration.refusal)
        with ctx.reg.db.session() as s:
            try:
                view = store.get(s, n)
            except store.UnknownDeclaration as exc:
                return api_refused(request, 404, exc.refusal)
            if not may_view(me.staff.staff, view.office):
                words = TEXT["ar"]["not_yours"], TEXT["en"]["not_yours"]
                return api_refused(request, 403, Refusal("other_office", *words))
            found = (
                store.findings(s, view.number, ctx.law, today=store.today_of(ctx.now()))
                if view.waiting
                else ()
            )
        body = view.as_json()
        body["findings"] = [
            {"code": f.code, "severity": f.severity.value, "ar": f.ar, "en": f.en} for f in found
        ]
        return JSONResponse(body)

    @router.put("/api/v1/office/declarations/{number}/facts", responses=_ERRORS, tags=["office"])
    def api_amend(request: Request, number: str, body: FactsBody) -> Response:
        if not _plain(body.facts):
            return api_invalid(request, _NOT_TEXT)
        return api_action(
            request,
            number,
            lambda s, n, by, at: store.amend(s, n, body.facts, by=by, at=at),
            Permission.DECLARE,
        )

    @router.post(
        "/api/v1/office/declarations/{number}/register", responses=_ERRORS, tags=["office"]
    )
    def api_register(request: Request, number: str, body: RegisterBody) -> Response:
        return api_action(
            request,
            number,
            lambda s, n, by, at: store.register(
                s, n, by=by, at=at, law=ctx.law, acknowledged=body.acknowledged
            ),
        )

    @router.post("/api/v1/office/declarations/{number}/return", responses=_ERRORS, tags=["office"])
    def api_return(request: Request, number: str, body: ReasonBody) -> Response:
        return api_action(
            request,
            number,
            lambda s, n, by, at: store.return_declaration(s, n, body.reason, by=by, at=at),
        )

    @router.post("/api/v1/office/declarations/{number}/reject", responses=_ERRORS, tags=["office"])
    def api_reject(request: Request, number: str, body: ReasonBody) -> Response:
        return api_action(
            request,
            number,
            lambda s, n, by, at: store.reject(s, n, body.reason, by=by, at=at),
        )
