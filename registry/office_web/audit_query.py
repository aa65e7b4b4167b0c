"""Reading the hash-chained audit log for the audit page and its API twin: the filters (parsed
and checked, with bilingual refusals), keyset paging by sequence number, newest first.

Filters: the entry's kind (an `AuditEvent`), a staff member's user name (matched in the data's
`by`, who acted, and `staff`, whom it concerned), an office code (the data's `office`), and a
date range (UTC days, both ends included). Keys and values are matched in the canonical JSON
text (`"by":"amal.clerk"`, sorted keys, no spaces: `registry.audit`), the same on SQLite and
PostgreSQL, and an entry whose data is not JSON any more (tampered with) is still listed and
still matched, never an error. A page is `LIMIT` entries; `before` and `after` are the
sequence numbers of the cursor.

It does not check the chain (`registry.audit.verify_chain`) and never writes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from registry.audit import AuditEvent
from registry.models import AuditEntry
from registry.office.errors import Refusal, Refused, isolate
from registry.offices import CODE
from registry.staff import USERNAME_CHARS

__all__ = [
    "LIMIT",
    "AuditFilter",
    "AuditPage",
    "EntryRow",
    "entries_page",
    "parse_filter",
]

LIMIT = 50
MAX_SEQ = 2**62  # above any real sequence number; keeps a cursor inside BIGINT
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class AuditFilter:
    kind: str | None = None
    staff: str | None = None
    office: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    before: int | None = None  # older than this sequence number
    after: int | None = None  # newer than this one (the "newer" link)

    def query(self, **cursor: int | None) -> dict[str, str]:
        """The filters (and a cursor) as query parameters, for links."""
        out = {
            "kind": self.kind or "",
            "staff": self.staff or "",
            "office": self.office or "",
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
        }
        out.update({k: str(v) for k, v in cursor.items() if v is not None})
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class EntryRow:
    seq: int
    at: dt.datetime
    kind: str
    data: Mapping[str, Any] | None  # None: the stored text is not a JSON object
    raw: str
    hash: str


@dataclass(frozen=True)
class AuditPage:
    entries: list[EntryRow]
    older: int | None  # the cursor (before=) of the next older page, None at the oldest
    newer: int | None  # the cursor (after=) of the newer page, None at the newest


def _bad(code: str, ar: str, en: str) -> Refused:
    return Refused(Refusal(code, ar, en))


def _date(value: str, which: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        ar = "تاريخ البداية" if which == "from" else "تاريخ النهاية"
        en = "start date" if which == "from" else "end date"
        raise _bad(
            "audit_bad_date",
            f"{ar} غير صحيح: اكتبه بالصيغة {isolate('YYYY-MM-DD')}.",
            f"The {en} is not a date: write it as YYYY-MM-DD.",
        ) from None


def _cursor(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_SEQ:
        raise _bad(
            "audit_bad_cursor",
            "موضع الصفحة غير صحيح: ارجع إلى أحدث القيود.",
            "The page position is not valid: go back to the newest entries.",
        )
    return int(value)


def parse_filter(params: Mapping[str, str]) -> AuditFilter:
    """The filters from a query string; `Refused` (nothing is read) if one is malformed."""
    kind = params.get("kind", "").strip() or None
    if kind is not None and kind not in {e.value for e in AuditEvent}:
        raise _bad("audit_bad_kind", "نوع القيد غير معروف.", "There is no such kind of entry.")
    staff = params.get("staff", "").strip().lower() or None
    if staff is not None and (len(staff) > 64 or not set(staff) <= USERNAME_CHARS):
        raise _bad(
            "audit_bad_staff",
            "اسم المستخدم غير صحيح: أحرف لاتينية صغيرة وأرقام و«.» و«_» و«-» فقط.",
            "The user name is not valid: small Latin letters, digits, '.', '_' and '-' only.",
        )
    office = params.get("office", "").strip().upper() or None
    if office is not None and not CODE.fullmatch(office):
        raise _bad(
            "audit_bad_office",
            "رمز المكتب غير صحيح: ثلاثة أحرف لاتينية.",
            "The office code is not valid: three Latin letters.",
        )
    since, until = _date(params.get("from", ""), "from"), _date(params.get("to", ""), "to")
    if since is not None and until is not None and since > until:
        raise _bad(
            "audit_bad_range",
            "تاريخ البداية بعد تاريخ النهاية.",
            "The start date is after the end date.",
        )
    before, after = _cursor(params.get("before", "")), _cursor(params.get("after", ""))
    if before is not None and after is not None:
        raise _bad(
            "audit_bad_cursor",
            "موضع الصفحة غير صحيح: ارجع إلى أحدث القيود.",
            "The page position is not valid: go back to the newest entries.",
        )
    return AuditFilter(kind, staff, office, since, until, before, after)


def _has(key: str, value: str) -> ColumnElement[bool]:
    # canonical JSON: `"key":"value"` cannot occur inside a string value, whose quotes are
    # escaped; autoescape keeps `_` and `%` in a user name literal
    return AuditEntry.data.contains(f'"{key}":{json.dumps(value)}', autoescape=True)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _conditions(f: AuditFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.kind is not None:
        where.append(AuditEntry.kind == f.kind)
    if f.staff is not None:
        where.append(or_(_has("by", f.staff), _has("staff", f.staff)))
    if f.office is not None:
        where.append(_has("office", f.office))
    if f.since is not None:
        where.append(AuditEntry.at >= _midnight(f.since))
    if f.until is not None and f.until < dt.date.max:
        where.append(AuditEntry.at < _midnight(f.until + dt.timedelta(days=1)))
    return where


def _row(e: AuditEntry) -> EntryRow:
    try:
        parsed = json.loads(e.data)
    except ValueError:
        parsed = None
    data = parsed if isinstance(parsed, dict) else None
    return EntryRow(e.seq, e.at, e.kind, data, e.data, e.hash)


def entries_page(s: Session, f: AuditFilter, *, limit: int = LIMIT) -> AuditPage:
    """One page of the entries matching `f`, newest first, and the cursors around it."""
    where = _conditions(f)
    base = select(AuditEntry).where(and_(*where)) if where else select(AuditEntry)
    if f.after is not None:
        rows = list(
            s.execute(
                base.where(AuditEntry.seq > f.after).order_by(AuditEntry.seq).limit(limit + 1)
            ).scalars()
        )
        more_newer = len(rows) > limit
        rows = rows[:limit][::-1]
        newer = rows[0].seq if more_newer and rows else None
        older = rows[-1].seq if rows and _exists(s, where, AuditEntry.seq < rows[-1].seq) else None
        return AuditPage([_row(r) for r in rows], older, newer)
    stmt = base
    if f.before is not None:
        stmt = stmt.where(AuditEntry.seq < f.before)
    rows = list(s.execute(stmt.order_by(AuditEntry.seq.desc()).limit(limit + 1)).scalars())
    more_older = len(rows) > limit
    rows = rows[:limit]
    older = rows[-1].seq if more_older else None
    newer = None
    if f.before is not None and rows and _exists(s, where, AuditEntry.seq > rows[0].seq):
        newer = rows[0].seq
    return AuditPage([_row(r) for r in rows], older, newer)


def _exists(s: Session, where: list[ColumnElement[bool]], edge: ColumnElement[bool]) -> bool:
    stmt = select(AuditEntry.seq).where(and_(*where, edge)).limit(1)
    return s.execute(stmt).first() is not None
