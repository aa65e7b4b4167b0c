"""The waiting room's screen: the numbers called and their counters, in large type, Arabic and
English at once, the newest call highlighted; it reloads itself every five seconds.

GET /office/display/{office}              from a staff session of that office (or the authority)
GET /office/display/{office}?key=KEY      from a screen with the office's display key

A TV on the waiting room's wall holds no staff session: it opens the office's display URL,
whose random key a supervisor makes and replaces on the appointments page
(`bookings_page`). Only the key's SHA-256 is stored (`queue_displays`); a wrong or replaced
key answers 404, the same as an office without a display. The screen shows labels and counter
numbers from `registry.bookings.queue.board`, nothing of a citizen's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from registry import audit
from registry import staff as accounts
from registry.audit import AuditEvent
from registry.bookings import calendar, queue
from registry.models import Office, QueueDisplay
from registry.office.declarations import Permission, can
from registry.office_web.context import OfficeContext
from registry.office_web.queue_text import DISPLAY, call_line

__all__ = ["REFRESH_SECONDS", "display_url", "install", "key_matches", "new_key"]

REFRESH_SECONDS = 5
LINES = 6


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key(s: Session, *, office: str, by: str, now: dt.datetime) -> str:
    """A new display key for the office (the old one stops working); only its hash is kept."""
    key = secrets.token_urlsafe(24)
    row = s.get(QueueDisplay, office)
    if row is None:
        s.add(QueueDisplay(office=office, key_hash=_digest(key), created_by=by, created_at=now))
    else:
        row.key_hash, row.created_by, row.created_at = _digest(key), by, now
    s.flush()
    audit.append(s, AuditEvent.QUEUE_DISPLAY_KEY_SET, {"by": by, "office": office}, now)
    return key


def key_matches(s: Session, office: str, key: str) -> bool:
    row = s.get(QueueDisplay, office)
    return row is not None and hmac.compare_digest(row.key_hash, _digest(key))


def display_url(base: str, office: str, key: str) -> str:
    return f"{base.rstrip('/')}/office/display/{office}?key={key}"


def _may_watch(me: accounts.SignedIn, office: str) -> bool:
    staff = me.staff.staff
    return any(
        can(staff, p, office) for p in (Permission.PRINT_AT_COUNTER, Permission.MANAGE_BOOKINGS)
    )


def install(router: APIRouter, ctx: OfficeContext) -> None:
    def not_found(request: Request) -> HTMLResponse:
        return ctx.refused_page(request, None, 404, DISPLAY["not_found"])

    @router.get("/office/display/{office}", response_class=HTMLResponse, include_in_schema=False)
    def display(request: Request, office: str, key: str = "") -> Response:
        office = office.upper()[:8]
        if key:
            with ctx.reg.db.session() as s:
                if not key_matches(s, office, key[:100]):
                    return not_found(request)
        else:
            me = ctx.page(request)
            if isinstance(me, Response):
                return me
            if not _may_watch(me, office):
                return ctx.refused_page(request, me, 403, ctx.t(request)["forbidden_text"])
        now = ctx.now()
        with ctx.reg.db.session() as s:
            row = s.get(Office, office)
            if row is None:
                return not_found(request)
            zone = calendar.zone_of(row)
            board = queue.board(s, office, now=now, lines=LINES)
            names = (row.name_ar, row.name_latin or row.name_ar)
        calls = [
            {
                "label": line.label,
                "counter": line.counter,
                "words": call_line(line.label, line.counter),
                "at": line.called_at.astimezone(zone).strftime("%H:%M"),
            }
            for line in board
        ]
        return ctx.templates.TemplateResponse(
            request,
            "office/call_display.html",
            {
                "d": DISPLAY,
                "office_ar": names[0],
                "office_en": names[1],
                "latest": calls[0] if calls else None,
                "earlier": calls[1:],
                "clock": now.astimezone(zone).strftime("%H:%M"),
                "refresh": REFRESH_SECONDS,
            },
        )
