"""Record versions: every registered record's whole content, version by version, with who
wrote it, when and why. Records are never changed without a new version here.

A record is named by a reference: `person:<national number>`, `death:<record number>`,
`marriage:<record number>`, `divorce:<record number>` (`ref`). `snapshot(row)` is the
record's data as canonical JSON-able values (dates as ISO text, links as national numbers or
record numbers, no internal ids); `add_version` appends the next version. Registering an event
writes version 1; a correction of a generated record (which has no version yet) first writes
its current data as version 1, then the corrected data as version 2.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import Base, Death, Divorce, Marriage, Person, RecordVersion

__all__ = ["RecordKind", "Version", "add_version", "record_ref", "ref", "snapshot", "versions"]

RecordKind = Literal["person", "death", "marriage", "divorce"]
_INTERNAL = frozenset({"id", "name_key"})
# links to other rows: written as what a reader knows them by
_PERSON_LINKS = {"father_id", "mother_id", "person_id", "husband_id", "wife_id"}


@dataclass(frozen=True)
class Version:
    record: str
    version: int
    data: dict[str, Any]
    at: dt.datetime
    by: int | None
    reason: str | None
    declaration_id: int | None
    correction_id: int | None


def ref(kind: RecordKind, key: str) -> str:
    """`person:9871234560`, `death:D2026/AMM/000012`…"""
    return f"{kind}:{key}"


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def snapshot(s: Session, row: Base) -> dict[str, Any]:
    """The row's columns as JSON-able values; person links as national numbers and a
    divorce's marriage as its record number."""
    out: dict[str, Any] = {}
    for column in row.__table__.columns:
        name = column.key
        if name in _INTERNAL:
            continue
        value = getattr(row, name)
        if name in _PERSON_LINKS:
            linked = s.get(Person, value) if value is not None else None
            out[name.removesuffix("_id") + "_national_id"] = linked.national_id if linked else None
        elif name == "marriage_id" and isinstance(row, Divorce):
            marriage = s.get(Marriage, value)
            out["marriage_record"] = marriage.record_number if marriage else None
        else:
            out[name] = _plain(value)
    return out


def record_ref(row: Person | Death | Marriage | Divorce) -> str:
    if isinstance(row, Person):
        return ref("person", row.national_id)
    if isinstance(row, Death):
        return ref("death", row.record_number)
    if isinstance(row, Marriage):
        return ref("marriage", row.record_number)
    return ref("divorce", row.record_number)


def add_version(
    s: Session,
    record: str,
    data: dict[str, Any],
    *,
    at: dt.datetime,
    by: int | None,
    reason: str | None = None,
    declaration_id: int | None = None,
    correction_id: int | None = None,
) -> int:
    """Append the record's next version; its number. Two writers of the same record are
    serialised by the caller's row lock on the record (the unique (record, version) key
    refuses the loser otherwise)."""
    last = s.execute(
        select(func.max(RecordVersion.version)).where(RecordVersion.record == record)
    ).scalar()
    number = (last or 0) + 1
    s.add(
        RecordVersion(
            record=record,
            version=number,
            data=json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
            at=at,
            by=by,
            reason=reason,
            declaration_id=declaration_id,
            correction_id=correction_id,
        )
    )
    s.flush()
    return number


def versions(s: Session, record: str) -> list[Version]:
    """Every version of the record, oldest first (empty for a generated record never
    corrected: its row is its only version)."""
    rows = s.execute(
        select(RecordVersion).where(RecordVersion.record == record).order_by(RecordVersion.version)
    ).scalars()
    return [
        Version(
            r.record,
            r.version,
            json.loads(r.data),
            r.at,
            r.by,
            r.reason,
            r.declaration_id,
            r.correction_id,
        )
        for r in rows
    ]
