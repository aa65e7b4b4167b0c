"""Civil registry offices: the code staff, declarations and record numbers carry (AMM, IRB…)
and the names documents print.

The pilot's twelve offices (`registry.names.OFFICES`) are created by migration 0005; an
administrator adds more from the office app. A code is never reused: an office that closes
keeps its row with `closed_at`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Office
from registry.names import OFFICES

__all__ = ["DEFAULT_OFFICES", "OfficeInfo", "by_code", "by_name", "list_offices"]

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
