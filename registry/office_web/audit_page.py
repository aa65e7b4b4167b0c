"""The audit log for supervisors and administrators (`Permission.READ_AUDIT`), and its JSON
twin; nothing here writes to the register.

    GET  /office/audit                  the entries, newest first, filtered and paged (50)
    POST /office/audit/verify           check the chain now (CSRF-checked), then back (303)
    GET  /api/v1/office/audit           the same entries as JSON, with `cursor`
    POST /api/v1/office/audit/verify    check the chain now; the result as JSON

The chain check (`registry.audit.verify_chain`) reads the whole log: measured with
bench/audit.py it takes about 1.7 s for 100,000 entries on SQLite and on PostgreSQL, so a page
view does not run it. It runs when a reader presses the button (or posts to the API), and its
result is kept in this process with its time, who ran it, the head it reached and how long it
took; the page shows that, and how many entries were appended since. Each registry process
keeps its own last result (a restart forgets it: the page then says it was never checked).

The statistics (`statistics_page`, supervisors, administrators and registrars) are installed
from here too.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from registry import audit
from registry.office.declarations import Permission
from registry.office.errors import Refused
from registry.office_web import statistics_page
from registry.office_web.audit_query import AuditFilter, AuditPage, EntryRow, entries_page
from registry.office_web.audit_query import parse_filter as parse_audit_filter
from registry.office_web.audit_text import KINDS, TEXT, kind_words, lines, problem_words, redacted
from registry.office_web.context import OfficeContext

__all__ = ["ChainCheck", "ChainChecks", "install"]

READ = Permission.READ_AUDIT


@dataclass(frozen=True)
class ChainCheck:
    """One run of the chain check: its report, when, by whom, how long it took."""

    report: audit.AuditReport
    at: dt.datetime
    by: str
    seconds: float

    @property
    def first_fault(self) -> int | None:
        return min((p.seq for p in self.report.problems), default=None)

    def as_json(self, head_now: int) -> dict[str, Any]:
        r = self.report
        return {
            "intact": r.ok,
            "first_fault": self.first_fault,
            "problems": [
                {"seq": p.seq, "kind": p.kind.value, "message": p.message} for p in r.problems
            ],
            "entries": r.entries,
            "head_seq": r.head_seq,
            "checked_at": self.at.isoformat(),
            "checked_by": self.by,
            "seconds": round(self.seconds, 3),
            "appended_since": max(0, head_now - r.head_seq),
        }


class ChainChecks:
    """The last chain check in this process; one check runs at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.last: ChainCheck | None = None

    def run(self, ctx: OfficeContext, by: str) -> ChainCheck:
        with self._lock:
            start = time.perf_counter()
            with ctx.reg.db.session() as s:
                report = audit.verify_chain(s)
            check = ChainCheck(report, ctx.now(), by, time.perf_counter() - start)
            self.last = check
            return check


def _head(ctx: OfficeContext) -> int:
    with ctx.reg.db.session() as s:
        return audit.head(s)[0]


def _when(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _entry_view(e: EntryRow, lang: str) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": _when(e.at),
        "kind": kind_words(e.kind, lang),
        "lines": lines(e.data, lang) if e.data is not None else [],
        "raw": None if e.data is not None else e.raw,
        "hash": e.hash,
    }


def _entry_json(e: EntryRow) -> dict[str, Any]:
    words = KINDS.get(e.kind)
    return {
        "seq": e.seq,
        "at": e.at.astimezone(dt.UTC).isoformat(),
        "kind": e.kind,
        "words": {"ar": words[0], "en": words[1]} if words else None,
        "data": redacted(e.data) if e.data is not None else None,
        "raw": None if e.data is not None else e.raw,
        "hash": e.hash,
    }


def install(router: APIRouter, ctx: OfficeContext) -> None:
    statistics_page.install(router, ctx)
    checks = ChainChecks()

    def chain_view(lang: str, head_now: int) -> dict[str, Any] | None:
        last = checks.last
        if last is None:
            return None
        return {
            "ok": last.report.ok,
            "first_fault": last.first_fault,
            "problems": [problem_words(p, lang) for p in last.report.problems],
            "at": _when(last.at),
            "by": last.by,
            "entries": last.report.entries,
            "seconds": f"{last.seconds:.2f}",
            "since": max(0, head_now - last.report.head_seq),
        }

    @router.get("/office/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(request: Request) -> Response:
        me = ctx.page(request, READ)
        if isinstance(me, Response):
            return me
        lang = ctx.lang_of(request)
        params = dict(request.query_params)
        error: str | None = None
        found = AuditPage([], None, None)
        try:
            f = parse_audit_filter(params)
        except Refused as exc:
            f, error = AuditFilter(), exc.refusal.message(lang)
        else:
            with ctx.reg.db.session() as s:
                found = entries_page(s, f)
        form = {k: params.get(k, "")[:64] for k in ("kind", "staff", "office", "from", "to")}
        return ctx.render(
            request,
            "audit",
            me,
            422 if error else 200,
            words=TEXT,
            error=error,
            form=form,
            kinds=[(k, w[0] if lang == "ar" else w[1]) for k, w in KINDS.items()],
            entries=[_entry_view(e, lang) for e in found.entries],
            older=f.query(before=found.older) if found.older else None,
            newer=f.query(after=found.newer) if found.newer else None,
            newest=f.query() if (f.before or f.after) else None,
            chain=chain_view(lang, _head(ctx)),
        )

    @router.post("/office/audit/verify", include_in_schema=False)
    def audit_verify(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
        me = ctx.page(request, READ)
        if isinstance(me, Response):
            return me
        if not ctx.csrf_ok(me, csrf):
            return ctx.refused_page(request, me, 403, ctx.t(request)["form_expired"])
        checks.run(ctx, me.staff.username)
        return RedirectResponse("/office/audit", status_code=303)

    @router.get("/api/v1/office/audit", responses={401: {}, 403: {}, 422: {}}, tags=["office"])
    def api_audit(
        request: Request,
        kind: Annotated[str, Query(max_length=64)] = "",
        staff: Annotated[str, Query(max_length=64)] = "",
        office: Annotated[str, Query(max_length=16)] = "",
        since: Annotated[str, Query(alias="from", max_length=16)] = "",
        until: Annotated[str, Query(alias="to", max_length=16)] = "",
        cursor: Annotated[str, Query(max_length=24, description="next_cursor")] = "",
    ) -> Response:
        me = ctx.api(request, READ)
        if isinstance(me, Response):
            return me
        params = {
            "kind": kind,
            "staff": staff,
            "office": office,
            "from": since,
            "to": until,
            "before": cursor,
        }
        try:
            f = parse_audit_filter(params)
        except Refused as exc:
            return ctx.api_refusal(422, exc.refusal)
        with ctx.reg.db.session() as s:
            found = entries_page(s, f)
        last = checks.last
        return JSONResponse(
            {
                "entries": [_entry_json(e) for e in found.entries],
                "next_cursor": str(found.older) if found.older else None,
                "chain": last.as_json(_head(ctx)) if last else None,
            }
        )

    @router.post("/api/v1/office/audit/verify", responses={401: {}, 403: {}}, tags=["office"])
    def api_audit_verify(request: Request) -> Response:
        me = ctx.api(request, READ)
        if isinstance(me, Response):
            return me
        check = checks.run(ctx, me.staff.username)
        return JSONResponse(check.as_json(check.report.head_seq))
