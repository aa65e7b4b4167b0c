"""The fleet, search, the language switch, and their API twins.

GET  /office/                 → today, or the sign-in page
GET  /office/today            the signed-in staff member's work of the day
GET  /office/fleet            kiosks and what needs attention (administrators, supervisors)
GET  /office/search?q=        by national number or name (clerks, registrars, supervisors)
GET  /office/record/{nid}     a person's record, read-only (the same)
GET  /office/lang/{ar|en}     the language switch (a cookie), back to `next`
GET  /api/v1/office/fleet             the fleet as JSON
GET  /api/v1/office/search?q=         search results as JSON
GET  /api/v1/office/persons/{nid}     a record as JSON
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from registry import records
from registry.office.declarations import Permission
from registry.office_web.context import LANG_COOKIE, OfficeContext, may_fleet
from registry.office_web.fleet import fleet_of
from registry.office_web.text import ATTENTION, LANGUAGES, PAPER, PRINTER, minutes_ago

__all__ = ["install"]


def install(router: APIRouter, ctx: OfficeContext) -> None:
    @router.get("/office", include_in_schema=False)
    @router.get("/office/", include_in_schema=False)
    def office_root(request: Request) -> Response:
        return RedirectResponse("/office/today", status_code=303)

    @router.get("/office/fleet", response_class=HTMLResponse, include_in_schema=False)
    def fleet_page(request: Request) -> Response:
        me = ctx.page(request)
        if isinstance(me, Response):
            return me
        lang = ctx.lang_of(request)
        t = ctx.t(request)
        if not may_fleet(me.staff):
            return ctx.refused_page(request, me, 403, t["forbidden_text"])
        rows = fleet_of(ctx.reg)
        now = ctx.now()
        i = 0 if lang == "ar" else 1
        sep = "، " if lang == "ar" else ", "
        for r in rows:
            seen = r["last_seen_at"]
            r["ago"] = (
                minutes_ago(int((now - seen).total_seconds() // 60), lang) if seen else t["never"]
            )
            r["needs"] = sep.join(ATTENTION.get(a, (a, a))[i] for a in r["attention"])
            r["printer"] = PRINTER.get(r["printer"], (r["printer"], r["printer"]))[i]
            r["paper"] = PAPER.get(r["paper"], (r["paper"], r["paper"]))[i]
        return ctx.render(
            request, "fleet", me, rows=rows, needing=sum(1 for r in rows if r["attention"])
        )

    @router.get("/office/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, q: str = "") -> Response:
        me = ctx.page(request, Permission.SEARCH)
        if isinstance(me, Response):
            return me
        q = q.strip()[:200]
        with ctx.reg.db.session() as s:
            found = records.search(s, q) if q else []
        return ctx.render(request, "search", me, q=q, results=found)

    @router.get("/office/lang/{lang}", include_in_schema=False)
    def switch_language(request: Request, lang: str, next: str = "/office/today") -> Response:
        target = next if next.startswith("/office") and "//" not in next else "/office/today"
        response = RedirectResponse(target, status_code=303)
        if lang in LANGUAGES:
            response.set_cookie(
                LANG_COOKIE,
                lang,
                path="/",
                secure=ctx.secure(request),
                # Lax: a preference, not a credential; it must come along when the browser
                # returns from a ministry's identity provider (another site) to the sign-in
                samesite="lax",
                max_age=365 * 86400,
            )
        return response

    @router.get("/api/v1/office/fleet", responses={401: {}, 403: {}}, tags=["office"])
    def api_fleet(request: Request) -> Response:
        me = ctx.api(request)
        if isinstance(me, Response):
            return me
        if not may_fleet(me.staff):
            return ctx.api_error(403, "not_permitted", "your role does not allow the fleet")
        rows = fleet_of(ctx.reg)
        for r in rows:
            seen = r["last_seen_at"]
            r["last_seen_at"] = seen.isoformat() if seen else None
        return JSONResponse({"kiosks": rows})

    @router.get("/api/v1/office/search", responses={401: {}, 403: {}}, tags=["office"])
    def api_search(request: Request, q: Annotated[str, Query(max_length=200)] = "") -> Response:
        me = ctx.api(request, Permission.SEARCH)
        if isinstance(me, Response):
            return me
        with ctx.reg.db.session() as s:
            found = records.search(s, q) if q.strip() else []
        return JSONResponse(
            {
                "results": [
                    {
                        "national_id": f.national_id,
                        "name": {"ar": f.name_ar, "latin": f.name_latin},
                        "date_of_birth": f.date_of_birth.isoformat(),
                        "mother_name": {"ar": f.mother_name_ar, "latin": f.mother_name_latin},
                        "deceased": f.deceased,
                        "score": round(f.score, 3),
                        "via": f.via.value,
                    }
                    for f in found
                ]
            }
        )
