"""Civil registry offices: the code staff, declarations and record numbers carry (AMM, IRB…)
and the names documents print.

The pilot's twelve offices (`registry.names.OFFICES`) are created by migration 0005; an
administrator adds more from the office app (`add_office`) and closes them (`close_office`),
each act in the audit log with the administrator's name. A code is never reused: an office
that closes keeps its row with `closed_at`, and is closed only once no active clerk or
registrar belongs to it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import admin_refusals as no
from registry import audit
from registry.admin_refusals import AdminConflict, AdminInvalid, AdminNotFound
from registry.audit import AuditEvent
from registry.models import Office, StaffMember
from registry.names import OFFICES

__all__ = [
    "DEFAULT_OFFICES",
    "OfficeInfo",
    "add_office",
    "by_code",
    "by_name",
    "close_office",
    "list_offices",
]

CODE = re.compile(r"[A-Z]{3}")

OPENED = dt.datetime(2000, 1, 1)  # naive UTC, as the migration writes it

_CODES = {
    "Amman": "AMM",
    "Irbid": "IRB",
    "Zarqa": "ZRQ",
    "Salt": "SLT",
    "Madaba": "MDB",
    "Karak": "KRK",
    "Jerash": "JRS",
    "Ajloun": "AJL",
    "Mafraq": "MFQ",
    "Tafilah": "TFL",
    "Ma'an": "MAN",
    "Aqaba": "AQB",
}


@dataclass(frozen=True)
class OfficeInfo:
    code: str
    name_ar: str
    name_latin: str | None
    opened: dt.datetime


DEFAULT_OFFICES: tuple[OfficeInfo, ...] = tuple(
    OfficeInfo(_CODES[town], ar, latin, OPENED) for town, (ar, latin) in OFFICES.items()
)


def list_offices(s: Session, *, open_only: bool = True) -> list[Office]:
    stmt = select(Office).order_by(Office.code)
    if open_only:
        stmt = stmt.where(Office.closed_at.is_(None))
    return list(s.execute(stmt).scalars())


def by_code(s: Session, code: str) -> Office | None:
    return s.get(Office, code.strip().upper()[:8])


def by_name(s: Session, name_ar: str) -> Office | None:
    """The office whose Arabic name a record carries (population rows name their office)."""
    return s.execute(select(Office).where(Office.name_ar == name_ar)).scalar_one_or_none()


def add_office(
    s: Session, code: str, name_ar: str, name_latin: str, *, by: str, at: dt.datetime
) -> Office:
    """A new office: a code of 3 capital Latin letters never used before, both names."""
    code = code.strip()
    name_ar, name_latin = name_ar.strip(), name_latin.strip()
    if not CODE.fullmatch(code):
        raise AdminInvalid(no.OFFICE_CODE_INVALID)
    if not 0 < len(name_ar) <= 160 or not 0 < len(name_latin) <= 160:
        raise AdminInvalid(no.OFFICE_NAMES_REQUIRED)
    if s.get(Office, code) is not None:
        raise AdminConflict(no.OFFICE_CODE_TAKEN)
    if by_name(s, name_ar) is not None:
        raise AdminConflict(no.OFFICE_NAME_TAKEN)
    row = Office(code=code, name_ar=name_ar, name_latin=name_latin, opened_at=at)
    s.add(row)
    s.flush()
    _bookable(s, code)
    audit.append(
        s,
        AuditEvent.OFFICE_ADDED,
        {"by": by, "office": code, "name_ar": name_ar, "name_latin": name_latin},
        at,
    )
    return row


def _bookable(s: Session, code: str) -> None:
    """A new office's counters and opening hours for appointments, as migration 0013 gave the
    pilot's (registry.bookings.defaults); an administrator changes them afterwards."""
    import json

    from registry.bookings.defaults import COUNTERS, HOURS
    from registry.models import OfficeCounter, OfficeHours

    for number, services in COUNTERS.items():
        s.add(
            OfficeCounter(
                office=code, number=number, services=json.dumps(list(services)), active=True
            )
        )
    for weekday, (opens, closes) in HOURS.items():
        s.add(OfficeHours(office=code, weekday=weekday, opens=opens, closes=closes))
    s.flush()


def close_office(s: Session, code: str, *, by: str, at: dt.datetime) -> Office:
    """Close an office (its code stays taken); refused while active staff belong to it."""
    code = code.strip().upper()
    row = by_code(s, code) if CODE.fullmatch(code) else None  # no NUL reaches PostgreSQL
    if row is None:
        raise AdminNotFound(no.NO_SUCH_OFFICE)
    if row.closed_at is not None:
        raise AdminConflict(no.OFFICE_ALREADY_CLOSED)
    staffed = s.execute(
        select(StaffMember.id).where(
            StaffMember.office == row.code, StaffMember.disabled_at.is_(None)
        )
    ).first()
    if staffed is not None:
        raise AdminConflict(no.OFFICE_HAS_STAFF)
    row.closed_at = at
    audit.append(s, AuditEvent.OFFICE_CLOSED, {"by": by, "office": row.code}, at)
    return row
