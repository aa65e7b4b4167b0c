"""Declarations in the database: the state machine of `registry.office.declarations` over the
`declarations`, `declaration_revisions` and `declaration_history` tables.

Every function takes the caller's `Session` (one transaction per action: `Database.transact`)
and the acting staff member's id; it loads the staff member (disabled accounts act for
nobody), runs the pure step, writes the row, the facts' revision (never changed afterwards),
the history line with its reason, and the audit records naming the staff member. A refusal
(`Refused`, `NoTransition`, `InvalidFacts`, `UnknownDeclaration`) is raised before anything is
written, or the caller's rollback undoes what was.

Registration locks the declaration row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite has one
writer), so of two registrars pressing "register" at once one registers and the other meets
"already registered". The findings are computed inside the same transaction, on the facts as
the register holds them at that moment, and the kind's handler writes the records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import audit
from registry.audit import AuditEvent
from registry.civil import numbers
from registry.civil.common import InvalidFacts, invalid_facts
from registry.civil.handlers import handler_of
from registry.civil.kinds import Registration
from registry.models import (
    DeclarationHistory,
    DeclarationRevision,
    DeclarationRow,
    Office,
    StaffMember,
)
from registry.office import declarations as machine
from registry.office.declarations import (
    AuditRecord,
    Declaration,
    EventKind,
    Role,
    Staff,
    State,
)
from registry.office.errors import OfficeError, Refusal, Refused
from registry.office.family_law import FamilyLaw

__all__ = [
    "DeclarationView",
    "HistoryStep",
    "InvalidFacts",
    "UnknownDeclaration",
    "amend",
    "counts",
    "declare",
    "findings",
    "get",
    "parse",
    "queue",
    "register",
    "reject",
    "return_declaration",
    "revisions",
    "staff_of",
    "today_of",
]

WAITING = (State.DECLARED, State.RETURNED, State.AMENDED)


class UnknownDeclaration(OfficeError):
    """No declaration has this number (or the staff member may not see it)."""

    refusal = Refusal(
        "declaration_unknown",
        "لا يوجد طلب بهذا الرقم.",
        "There is no declaration with this number.",
    )


@dataclass(frozen=True)
class HistoryStep:
    action: str
    state: State
    revision: int
    by: str  # the staff member's user name
    at: dt.datetime
    reason: str | None


@dataclass(frozen=True)
class DeclarationView:
    id: int
    number: str
    kind: EventKind
    office: str
    state: State
    revision: int
    facts: BaseModel
    subject: str | None
    declared_by: str
    declared_at: dt.datetime
    authors: frozenset[int]
    reason: str | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    acknowledged: frozenset[str]
    registered_ref: str | None
    summary: tuple[str, str]
    history: tuple[HistoryStep, ...]

    @property
    def waiting(self) -> bool:
        return self.state in WAITING

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "kind": self.kind.value,
            "office": self.office,
            "state": self.state.value,
            "revision": self.revision,
            "facts": json.loads(self.facts.model_dump_json()),
            "declared_by": self.declared_by,
            "declared_at": self.declared_at.isoformat(),
            "reason": self.reason,
            "reviewed_by": self.reviewed_by,
            "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
            "acknowledged": sorted(self.acknowledged),
            "registered_ref": self.registered_ref,
            "summary": {"ar": self.summary[0], "en": self.summary[1]},
            "history": [
                {
                    "action": h.action,
                    "state": h.state.value,
                    "revision": h.revision,
                    "by": h.by,
                    "at": h.at.isoformat(),
                    "reason": h.reason,
                }
                for h in self.history
            ],
        }


def today_of(at: dt.datetime) -> dt.date:
    """The registration's date (the authority's day; UTC until it configures a time zone)."""
    return at.astimezone(dt.UTC).date()


def staff_of(s: Session, staff_id: int) -> Staff:
    row = s.get(StaffMember, staff_id)
    if row is None:
        raise Refused(
            Refusal("staff_unknown", "حساب الموظف غير موجود.", "The staff account does not exist.")
        )
    return Staff(str(row.id), Role(row.role), row.office, active=row.disabled_at is None)


def _username(s: Session, staff_id: int | None) -> str | None:
    if staff_id is None:
        return None
    row = s.get(StaffMember, staff_id)
    return row.username if row is not None else str(staff_id)


def parse(kind: EventKind, facts: Mapping[str, Any]) -> BaseModel:
    """The kind's facts model from a JSON body or a form's fields; InvalidFacts if not."""
    handler = handler_of(kind)
    try:
        return handler.facts_model.model_validate(dict(facts))
    except ValidationError as exc:
        raise invalid_facts(exc, handler.labels) from None


def _open_office(s: Session, code: str | None) -> Office:
    office = s.get(Office, code) if code else None
    if office is None or office.closed_at is not None:
        raise Refused(
            Refusal(
                "office_closed",
                "مكتب الموظف غير موجود أو مغلق: لا تُقدَّم فيه الطلبات.",
                "The staff member's office does not exist or is closed: nothing is declared there.",
            )
        )
    return office


def _dump(facts: BaseModel) -> str:
    return facts.model_dump_json()


def _write_audit(s: Session, records: Iterable[AuditRecord], by: str) -> None:
    for record in records:
        audit.append(s, AuditEvent(record.kind.value), {**record.data, "by": by}, record.at)


def _history(
    s: Session, row: DeclarationRow, action: str, by: int, at: dt.datetime, reason: str | None
) -> None:
    s.add(
        DeclarationHistory(
            declaration_id=row.id,
            action=action,
            state=row.state,
            revision=row.revision,
            by=by,
            at=at,
            reason=reason,
        )
    )


def _machine(row: DeclarationRow) -> Declaration:
    return Declaration(
        id=row.number,
        kind=EventKind(row.kind),
        office=row.office,
        declared_by=str(row.declared_by),
        declared_at=row.declared_at,
        state=State(row.state),
        revision=row.revision,
        authors=frozenset(str(a) for a in json.loads(row.authors)),
        reason=row.reason,
        reviewed_by=str(row.reviewed_by) if row.reviewed_by is not None else None,
        reviewed_at=row.reviewed_at,
        acknowledged=frozenset(json.loads(row.acknowledged)),
    )


def _store(row: DeclarationRow, d: Declaration, at: dt.datetime) -> None:
    row.state = d.state.value
    row.revision = d.revision
    row.authors = json.dumps(sorted(int(a) for a in d.authors))
    row.reason = d.reason
    row.reviewed_by = int(d.reviewed_by) if d.reviewed_by is not None else None
    row.reviewed_at = d.reviewed_at
    row.acknowledged = json.dumps(sorted(d.acknowledged))
    row.updated_at = at


def _row(s: Session, number: str, *, lock: bool = False) -> DeclarationRow:
    stmt = select(DeclarationRow).where(DeclarationRow.number == number.strip().upper())
    if lock:
        stmt = stmt.with_for_update()
    row = s.execute(stmt).scalar_one_or_none()
    if row is None:
        raise UnknownDeclaration(number)
    return row


def _staff_names(s: Session) -> dict[int, str]:
    return dict(s.execute(select(StaffMember.id, StaffMember.username)).all())


def _view(s: Session, row: DeclarationRow, names: dict[int, str] | None = None) -> DeclarationView:
    kind = EventKind(row.kind)
    handler = handler_of(kind)
    facts = handler.facts_model.model_validate_json(row.facts)
    steps = s.execute(
        select(DeclarationHistory)
        .where(DeclarationHistory.declaration_id == row.id)
        .order_by(DeclarationHistory.id)
    ).scalars()
    names = names if names is not None else _staff_names(s)
    return DeclarationView(
        id=row.id,
        number=row.number,
        kind=kind,
        office=row.office,
        state=State(row.state),
        revision=row.revision,
        facts=facts,
        subject=row.subject,
        declared_by=names.get(row.declared_by, str(row.declared_by)),
        declared_at=row.declared_at,
        authors=frozenset(json.loads(row.authors)),
        reason=row.reason,
        reviewed_by=names.get(row.reviewed_by) if row.reviewed_by is not None else None,
        reviewed_at=row.reviewed_at,
        acknowledged=frozenset(json.loads(row.acknowledged)),
        registered_ref=row.registered_ref,
        summary=handler.summary(facts),
        history=tuple(
            HistoryStep(
                h.action, State(h.state), h.revision, names.get(h.by, str(h.by)), h.at, h.reason
            )
            for h in steps
        ),
    )


# ---------------------------------------------------------------------------------------------
# the actions


def declare(
    s: Session, kind: EventKind, facts: Mapping[str, Any] | BaseModel, *, by: int, at: dt.datetime
) -> DeclarationView:
    """A new declaration at the staff member's office."""
    staff = staff_of(s, by)
    parsed = facts if isinstance(facts, BaseModel) else parse(kind, facts)
    # the checks of the pure machine run before a number is taken
    machine.declare("pending", kind, staff.office or "", staff, at)
    office = _open_office(s, staff.office)
    number = numbers.declaration_number(s, office.code, today_of(at).year)
    d, records = machine.declare(number, kind, office.code, staff, at)
    handler = handler_of(kind)
    row = DeclarationRow(
        number=number,
        kind=kind.value,
        office=office.code,
        state=d.state.value,
        revision=d.revision,
        facts=_dump(parsed),
        subject=handler.subject(parsed),
        declared_by=by,
        declared_at=at,
        authors=json.dumps([by]),
        reason=None,
        reviewed_by=None,
        reviewed_at=None,
        acknowledged="[]",
        registered_ref=None,
        updated_at=at,
    )
    s.add(row)
    s.flush()
    s.add(DeclarationRevision(declaration_id=row.id, revision=1, facts=row.facts, by=by, at=at))
    _history(s, row, "declare", by, at, None)
    _write_audit(s, records, _username(s, by) or str(by))
    s.flush()
    return _view(s, row)


def amend(
    s: Session, number: str, facts: Mapping[str, Any] | BaseModel, *, by: int, at: dt.datetime
) -> DeclarationView:
    """New facts for a declaration not yet reviewed or returned: it waits for review again."""
    row = _row(s, number, lock=True)
    staff = staff_of(s, by)
    kind = EventKind(row.kind)
    parsed = facts if isinstance(facts, BaseModel) else parse(kind, facts)
    d, records = machine.step(_machine(row), machine.Amend(staff, at))
    _store(row, d, at)
    row.facts = _dump(parsed)
    row.subject = handler_of(kind).subject(parsed)
    s.add(
        DeclarationRevision(
            declaration_id=row.id, revision=d.revision, facts=row.facts, by=by, at=at
        )
    )
    _history(s, row, "amend", by, at, None)
    _write_audit(s, records, _username(s, by) or str(by))
    s.flush()
    return _view(s, row)


def return_declaration(
    s: Session, number: str, reason: str, *, by: int, at: dt.datetime
) -> DeclarationView:
    row = _row(s, number, lock=True)
    d, records = machine.step(_machine(row), machine.Return(staff_of(s, by), at, reason))
    _store(row, d, at)
    _history(s, row, "return", by, at, d.reason)
    _write_audit(s, records, _username(s, by) or str(by))
    s.flush()
    return _view(s, row)


def reject(s: Session, number: str, reason: str, *, by: int, at: dt.datetime) -> DeclarationView:
    row = _row(s, number, lock=True)
    d, records = machine.step(_machine(row), machine.Reject(staff_of(s, by), at, reason))
    _store(row, d, at)
    _history(s, row, "reject", by, at, d.reason)
    _write_audit(s, records, _username(s, by) or str(by))
    s.flush()
    return _view(s, row)


def findings(s: Session, number: str, law: FamilyLaw, *, today: dt.date) -> tuple[Refusal, ...]:
    """What the checks say about the declaration's current facts (for the review page)."""
    row = _row(s, number)
    handler = handler_of(EventKind(row.kind))
    facts = handler.facts_model.model_validate_json(row.facts)
    return handler.findings(s, law, facts, today=today, declaration_id=row.id)


def register(
    s: Session,
    number: str,
    *,
    by: int,
    at: dt.datetime,
    law: FamilyLaw,
    acknowledged: Iterable[str] = (),
) -> DeclarationView:
    """Register the declaration: the checks once more, then the kind's records written."""
    row = _row(s, number, lock=True)
    staff = staff_of(s, by)
    handler = handler_of(EventKind(row.kind))
    facts = handler.facts_model.model_validate_json(row.facts)
    today = today_of(at)
    # the rows the checks read are locked (lock=True) until this registration commits
    found = handler.findings(s, law, facts, today=today, declaration_id=row.id, lock=True)
    d, records = machine.step(
        _machine(row),
        machine.Register(staff, at, findings=found, acknowledged=frozenset(acknowledged)),
    )
    office = _open_office(s, row.office)
    reference = handler.register(
        s,
        facts,
        Registration(
            declaration_id=row.id,
            declaration_number=row.number,
            office=office,
            by=by,
            at=at,
            today=today,
        ),
    )
    _store(row, d, at)
    row.registered_ref = reference
    _history(s, row, "register", by, at, None)
    _write_audit(s, records, _username(s, by) or str(by))
    s.flush()
    return _view(s, row)


# ---------------------------------------------------------------------------------------------
# reading


def get(s: Session, number: str) -> DeclarationView:
    return _view(s, _row(s, number))


def revisions(s: Session, number: str) -> list[tuple[int, BaseModel, str, dt.datetime]]:
    """Every revision of the facts, oldest first: (revision, facts, author, at)."""
    row = _row(s, number)
    handler = handler_of(EventKind(row.kind))
    rows = s.execute(
        select(DeclarationRevision)
        .where(DeclarationRevision.declaration_id == row.id)
        .order_by(DeclarationRevision.revision)
    ).scalars()
    return [
        (
            r.revision,
            handler.facts_model.model_validate_json(r.facts),
            _username(s, r.by) or "",
            r.at,
        )
        for r in rows
    ]


def queue(
    s: Session,
    *,
    office: str | None,
    states: Iterable[State],
    since: dt.datetime | None = None,
    limit: int = 200,
) -> list[DeclarationView]:
    """Declarations in these states, at one office (None: every office), newest first."""
    stmt = select(DeclarationRow).where(DeclarationRow.state.in_([st.value for st in states]))
    if office is not None:
        stmt = stmt.where(DeclarationRow.office == office)
    if since is not None:
        stmt = stmt.where(DeclarationRow.updated_at >= since)
    rows = s.execute(stmt.order_by(DeclarationRow.updated_at.desc()).limit(limit)).scalars()
    names = _staff_names(s)
    return [_view(s, r, names) for r in rows]


def counts(s: Session, *, office: str | None) -> dict[State, int]:
    stmt = select(DeclarationRow.state, func.count()).group_by(DeclarationRow.state)
    if office is not None:
        stmt = stmt.where(DeclarationRow.office == office)
    return {State(state): n for state, n in s.execute(stmt).all()}
