"""Declarations and corrections: pure state machines with the four-eyes rule.

What it does
------------
A vital event reaches the register in two steps by two people. A clerk (or registrar)
*declares* it at their office; a registrar of the same office who neither declared nor
amended it *registers* it, or *returns* it with a reason, or *rejects* it with a reason. A
returned (or not yet reviewed) declaration may be *amended*, which sends it back for review::

    DECLARED ──return──▶ RETURNED ──amend──▶ AMENDED ──register──▶ REGISTERED
       │  ╲                  │                 │  ╲
       │   amend ─▶ AMENDED  reject            │   return ─▶ RETURNED
       ├──register──▶ REGISTERED               └──reject──▶ REJECTED
       └──reject──▶ REJECTED

A registration also refuses while the event's checks (`vital_checks`) report a finding of
severity REFUSE, or a WARN the registrar has not acknowledged by code.

A *correction* to a registered record is proposed by a registrar with a reason and an
evidence reference (the court ruling, the hospital's letter) and approved or declined by a
different registrar of the same office or by a supervisor; its proposer may withdraw it::

    PROPOSED ──approve──▶ APPROVED      PROPOSED ──decline──▶ DECLINED
    PROPOSED ──withdraw──▶ WITHDRAWN

Roles (issue 13): a clerk declares, amends, searches, enrols and prints at one office; a
registrar does all that and reviews declarations and corrections at that office; a supervisor
at the authority reads everything, edits no record, may approve corrections, and manages
appointments (an office's figures, closing it for a day, its waiting-room display); an
administrator manages staff, kiosks, keys and fees and takes no part in registration.
`can(staff, Permission, office)` answers for the pages and routes.

Each transition is `step(thing, action) -> (new thing, audit records)`, h11-style: the input is
a frozen dataclass, the action a small frozen dataclass, and the result a new value plus the
`AuditRecord`s to append to the hash-chained log (ids, staff ids, offices, states; never the
free-text reasons, which may hold personal data and are kept with the record's versions). A
forbidden action raises `Refused` (a rule: the wrong person) or `NoTransition` (the wrong
state), each with a bilingual `Refusal`; the input is never changed.

What it deliberately does not do
--------------------------------
No storage, no clock (every action carries its `at`), no ids generated (the caller assigns
them), no facts of the event: the declaration carries a `revision` number for the facts the
caller stores, and the caller runs `vital_checks` and passes the findings in. Concurrency (two
registrars at once) is the database's job: the caller locks the row, steps, and writes.
"""

from __future__ import annotations

import datetime as dt
import enum
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from registry.office.errors import (
    CHARACTERS,
    NoTransition,
    Refusal,
    Refused,
    Severity,
    counted,
    isolate,
)

__all__ = [
    "Amend",
    "Approve",
    "AuditKind",
    "AuditRecord",
    "Correction",
    "CorrectionState",
    "Declaration",
    "DeclarationRefusal",
    "Decline",
    "EventKind",
    "Permission",
    "Register",
    "Reject",
    "Return",
    "Role",
    "Staff",
    "State",
    "Withdraw",
    "can",
    "declare",
    "propose_correction",
    "step",
    "step_correction",
]

MAX_REASON = 500
MAX_EVIDENCE = 120


class Role(enum.Enum):
    CLERK = "clerk"  # موظف تسجيل
    REGISTRAR = "registrar"  # أمين السجل
    SUPERVISOR = "supervisor"  # مشرف
    ADMINISTRATOR = "administrator"  # مدير النظام

    @property
    def ar(self) -> str:
        return _ROLE_AR[self]


_ROLE_AR = {
    Role.CLERK: "موظف تسجيل",
    Role.REGISTRAR: "أمين السجل",
    Role.SUPERVISOR: "مشرف",
    Role.ADMINISTRATOR: "مدير النظام",
}


@dataclass(frozen=True)
class Staff:
    """A signed-in staff member: `office` is their office's code (None for the authority's
    supervisors and administrators, whose scope is every office)."""

    id: str
    role: Role
    office: str | None
    active: bool = True

    def __post_init__(self) -> None:
        office_bound = self.role in (Role.CLERK, Role.REGISTRAR)
        if office_bound and not self.office:
            raise ValueError(f"a {self.role.value} belongs to one office")


class Permission(enum.Enum):
    DECLARE = "declare"
    SEARCH = "search"  # and read records
    ENROL_CITIZEN = "enrol_citizen"
    PRINT_AT_COUNTER = "print_at_counter"
    REVIEW = "review"  # register, return, reject declarations
    PROPOSE_CORRECTION = "propose_correction"
    DECIDE_CORRECTION = "decide_correction"
    READ_AUDIT = "read_audit"  # queues, statistics and the audit log
    ADMINISTER = "administer"  # staff, kiosks, keys, trust list, fees, offices
    MANAGE_BOOKINGS = "manage_bookings"  # appointment figures, closing a day, display keys


_CLERK = frozenset(
    {Permission.DECLARE, Permission.SEARCH, Permission.ENROL_CITIZEN, Permission.PRINT_AT_COUNTER}
)
_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: _CLERK,
    Role.REGISTRAR: _CLERK
    | {Permission.REVIEW, Permission.PROPOSE_CORRECTION, Permission.DECIDE_CORRECTION},
    Role.SUPERVISOR: frozenset(
        {
            Permission.SEARCH,
            Permission.READ_AUDIT,
            Permission.DECIDE_CORRECTION,
            Permission.MANAGE_BOOKINGS,
        }
    ),
    Role.ADMINISTRATOR: frozenset({Permission.ADMINISTER, Permission.READ_AUDIT}),
}


def can(staff: Staff, permission: Permission, office: str | None = None) -> bool:
    """True if the staff member may do this at `office` (None: an action with no office)."""
    if not staff.active or permission not in _GRANTS[staff.role]:
        return False
    return staff.office is None or office is None or staff.office == office


class EventKind(enum.Enum):
    BIRTH = "birth"
    DEATH = "death"
    MARRIAGE = "marriage"
    DIVORCE = "divorce"


class State(enum.Enum):
    DECLARED = "declared"
    RETURNED = "returned"
    AMENDED = "amended"
    REGISTERED = "registered"
    REJECTED = "rejected"


class CorrectionState(enum.Enum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class DeclarationRefusal(enum.Enum):
    NOT_PERMITTED = "not_permitted"  # the role may not do this
    INACTIVE_STAFF = "inactive_staff"
    OTHER_OFFICE = "other_office"
    OWN_DECLARATION = "own_declaration"
    OWN_CORRECTION = "own_correction"
    NOT_PROPOSER = "not_proposer"
    REASON_REQUIRED = "reason_required"
    EVIDENCE_REQUIRED = "evidence_required"
    FINDINGS_REFUSE = "findings_refuse"
    WARNINGS_UNACKNOWLEDGED = "warnings_unacknowledged"
    WRONG_STATE = "wrong_state"


class AuditKind(enum.StrEnum):
    DECLARATION_DECLARED = "declaration_declared"
    DECLARATION_RETURNED = "declaration_returned"
    DECLARATION_AMENDED = "declaration_amended"
    DECLARATION_REGISTERED = "declaration_registered"
    DECLARATION_REJECTED = "declaration_rejected"
    CORRECTION_PROPOSED = "correction_proposed"
    CORRECTION_APPROVED = "correction_approved"
    CORRECTION_DECLINED = "correction_declined"
    CORRECTION_WITHDRAWN = "correction_withdrawn"


@dataclass(frozen=True)
class AuditRecord:
    """One entry for `registry.audit.append(session, kind, data, at)`."""

    kind: AuditKind
    at: dt.datetime
    data: dict[str, Any]


# ---------------------------------------------------------------------------------------------
# the things and the actions


@dataclass(frozen=True)
class Declaration:
    id: str
    kind: EventKind
    office: str
    declared_by: str
    declared_at: dt.datetime
    state: State = State.DECLARED
    revision: int = 1  # the facts' version: 1 as declared, +1 at each amendment
    # everyone who wrote the facts (the declarer and each amender): none of them may review
    authors: frozenset[str] = frozenset()
    reason: str | None = None  # the latest return's or the rejection's reason
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None
    acknowledged: frozenset[str] = frozenset()  # warning codes the registrar confirmed


@dataclass(frozen=True)
class Return:
    by: Staff
    at: dt.datetime
    reason: str


@dataclass(frozen=True)
class Amend:
    by: Staff
    at: dt.datetime


@dataclass(frozen=True)
class Register:
    """Register with the findings of `vital_checks` on the current revision's facts."""

    by: Staff
    at: dt.datetime
    findings: tuple[Refusal, ...] = ()
    acknowledged: frozenset[str] = frozenset()  # WARN codes the registrar confirms


@dataclass(frozen=True)
class Reject:
    by: Staff
    at: dt.datetime
    reason: str


DeclarationAction = Return | Amend | Register | Reject


@dataclass(frozen=True)
class Correction:
    id: str
    record: str  # what is corrected: the caller's reference (e.g. "person:9871234560")
    office: str
    proposed_by: str
    proposed_at: dt.datetime
    reason: str
    evidence: str
    state: CorrectionState = CorrectionState.PROPOSED
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decision_reason: str | None = None


@dataclass(frozen=True)
class Approve:
    by: Staff
    at: dt.datetime


@dataclass(frozen=True)
class Decline:
    by: Staff
    at: dt.datetime
    reason: str


@dataclass(frozen=True)
class Withdraw:
    by: Staff
    at: dt.datetime


CorrectionAction = Approve | Decline | Withdraw


# ---------------------------------------------------------------------------------------------
# refusals


_STATE_AR = {
    State.DECLARED: "مقدَّم بانتظار التدقيق",
    State.RETURNED: "معاد للتصحيح",
    State.AMENDED: "معدَّل بانتظار التدقيق",
    State.REGISTERED: "مسجَّل",
    State.REJECTED: "مرفوض",
}
_STATE_EN = {
    State.DECLARED: "declared, awaiting review",
    State.RETURNED: "returned for amendment",
    State.AMENDED: "amended, awaiting review",
    State.REGISTERED: "registered",
    State.REJECTED: "rejected",
}
_ACTION_WORDS: dict[str, tuple[str, str]] = {
    "declare": ("تقديم واقعة", "declare an event"),
    "return": ("إعادة الطلب للتصحيح", "return a declaration"),
    "amend": ("تعديل الطلب", "amend a declaration"),
    "register": ("تسجيل الواقعة", "register a declaration"),
    "reject": ("رفض الطلب", "reject a declaration"),
    "propose": ("اقتراح تصحيح", "propose a correction"),
    "approve": ("اعتماد التصحيح", "approve a correction"),
    "decline": ("رفض التصحيح", "decline a correction"),
    "withdraw": ("سحب التصحيح", "withdraw a correction"),
}


def _refuse(code: DeclarationRefusal, ar: str, en: str) -> Refused:
    return Refused(Refusal(code.value, ar, en))


def _no_transition(action: str, state: State | CorrectionState) -> NoTransition:
    ar_action, en_action = _ACTION_WORDS[action]
    if isinstance(state, State):
        ar_state, en_state = _STATE_AR[state], _STATE_EN[state]
    else:
        ar_state = {
            CorrectionState.PROPOSED: "مقترح",
            CorrectionState.APPROVED: "معتمد",
            CorrectionState.DECLINED: "مرفوض",
            CorrectionState.WITHDRAWN: "مسحوب",
        }[state]
        en_state = state.value
    return NoTransition(
        Refusal(
            DeclarationRefusal.WRONG_STATE.value,
            f"لا يمكن {ar_action}: الطلب {ar_state}.",
            f"Cannot {en_action}: it is {en_state}.",
        )
    )


def _check_staff(staff: Staff, permission: Permission, office: str, action: str) -> None:
    ar_action, en_action = _ACTION_WORDS[action]
    if not staff.active:
        raise _refuse(
            DeclarationRefusal.INACTIVE_STAFF,
            f"لا يمكن {ar_action}: الحساب موقوف.",
            f"Cannot {en_action}: the staff account is disabled.",
        )
    if permission not in _GRANTS[staff.role]:
        raise _refuse(
            DeclarationRefusal.NOT_PERMITTED,
            f"لا يملك {staff.role.ar} صلاحية {ar_action}.",
            f"{'An' if staff.role is Role.ADMINISTRATOR else 'A'} {staff.role.value} may not"
            f" {en_action}.",
        )
    if staff.office is not None and staff.office != office:
        raise _refuse(
            DeclarationRefusal.OTHER_OFFICE,
            f"لا يمكن {ar_action} في مكتب غير مكتبك: الطلب لدى مكتب {isolate(office)}.",
            f"Cannot {en_action} at another office: this belongs to office {office}.",
        )


# control, format (bidi overrides, zero-width), surrogate and unassigned characters: no column
# takes some of them (PostgreSQL refuses NUL) and none belongs in a reason
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _reason(text: str, action: str, *, limit: int = MAX_REASON) -> str:
    printable = "".join(" " if unicodedata.category(c) in _UNPRINTABLE else c for c in text)
    cleaned = " ".join(printable.split())
    if not cleaned or len(cleaned) > limit:
        ar_action, en_action = _ACTION_WORDS[action]
        raise _refuse(
            DeclarationRefusal.REASON_REQUIRED,
            f"لا يمكن {ar_action} دون ذكر السبب (حتى {counted(limit, CHARACTERS)}).",
            f"Cannot {en_action} without a reason (up to {limit} characters).",
        )
    return cleaned


def _aware(at: dt.datetime) -> None:
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")


# ---------------------------------------------------------------------------------------------
# declarations


def declare(
    id: str, kind: EventKind, office: str, by: Staff, at: dt.datetime
) -> tuple[Declaration, tuple[AuditRecord, ...]]:
    """A new declaration at `office` by a clerk or registrar of that office."""
    _aware(at)
    _check_staff(by, Permission.DECLARE, office, "declare")
    declaration = Declaration(id, kind, office, by.id, at, authors=frozenset({by.id}))
    return declaration, (_audit(AuditKind.DECLARATION_DECLARED, declaration, by, at),)


def _audit(
    kind: AuditKind, d: Declaration, by: Staff, at: dt.datetime, **extra: Any
) -> AuditRecord:
    data: dict[str, Any] = {
        "declaration": d.id,
        "event": d.kind.value,
        "office": d.office,
        "staff": by.id,
        "role": by.role.value,
        "state": d.state.value,
        "revision": d.revision,
    }
    data.update(extra)
    return AuditRecord(kind, at, data)


def _review(d: Declaration, by: Staff, action: str) -> None:
    _check_staff(by, Permission.REVIEW, d.office, action)
    if by.id in d.authors:
        raise _refuse(
            DeclarationRefusal.OWN_DECLARATION,
            "لا يجوز لك تدقيق طلب قدّمته أو عدّلته بنفسك: يدقّقه أمين سجل آخر.",
            "You cannot review a declaration you declared or amended yourself: another"
            " registrar must review it.",
        )


def step(d: Declaration, action: DeclarationAction) -> tuple[Declaration, tuple[AuditRecord, ...]]:
    """Apply one action; Refused or NoTransition when it may not happen (d is unchanged)."""
    _aware(action.at)
    if isinstance(action, Return):
        if d.state not in (State.DECLARED, State.AMENDED):
            raise _no_transition("return", d.state)
        _review(d, action.by, "return")
        reason = _reason(action.reason, "return")
        new = replace(
            d, state=State.RETURNED, reason=reason, reviewed_by=action.by.id, reviewed_at=action.at
        )
        return new, (_audit(AuditKind.DECLARATION_RETURNED, new, action.by, action.at),)
    if isinstance(action, Amend):
        if d.state not in (State.DECLARED, State.RETURNED, State.AMENDED):
            raise _no_transition("amend", d.state)
        _check_staff(action.by, Permission.DECLARE, d.office, "amend")
        new = replace(
            d,
            state=State.AMENDED,
            revision=d.revision + 1,
            authors=d.authors | {action.by.id},
            acknowledged=frozenset(),  # new facts, new findings: confirm them again
        )
        return new, (_audit(AuditKind.DECLARATION_AMENDED, new, action.by, action.at),)
    if isinstance(action, Register):
        if d.state not in (State.DECLARED, State.AMENDED):
            raise _no_transition("register", d.state)
        _review(d, action.by, "register")
        _check_findings(action.findings, action.acknowledged)
        warned = frozenset(f.code for f in action.findings if f.severity is Severity.WARN)
        new = replace(
            d,
            state=State.REGISTERED,
            reason=None,
            reviewed_by=action.by.id,
            reviewed_at=action.at,
            acknowledged=warned,
        )
        record = _audit(
            AuditKind.DECLARATION_REGISTERED,
            new,
            action.by,
            action.at,
            acknowledged=sorted(warned),
        )
        return new, (record,)
    if isinstance(action, Reject):
        if d.state not in (State.DECLARED, State.AMENDED, State.RETURNED):
            raise _no_transition("reject", d.state)
        _review(d, action.by, "reject")
        reason = _reason(action.reason, "reject")
        new = replace(
            d, state=State.REJECTED, reason=reason, reviewed_by=action.by.id, reviewed_at=action.at
        )
        return new, (_audit(AuditKind.DECLARATION_REJECTED, new, action.by, action.at),)
    raise TypeError(f"not a declaration action: {action!r}")


def _check_findings(findings: Iterable[Refusal], acknowledged: frozenset[str]) -> None:
    findings = tuple(findings)
    refusing = [f for f in findings if f.severity is Severity.REFUSE]
    if refusing:
        first = refusing[0]
        raise _refuse(
            DeclarationRefusal.FINDINGS_REFUSE,
            f"لا يمكن تسجيل الواقعة قبل تصحيح البيانات: {first.ar}",
            f"The event cannot be registered until its details are corrected: {first.en}",
        )
    pending = [f for f in findings if f.code not in acknowledged]
    if pending:
        first = pending[0]
        raise _refuse(
            DeclarationRefusal.WARNINGS_UNACKNOWLEDGED,
            f"يجب على أمين السجل تأكيد الملاحظة قبل التسجيل: {first.ar}",
            f"The registrar must confirm this before registering: {first.en}",
        )


# ---------------------------------------------------------------------------------------------
# corrections


def propose_correction(
    id: str,
    record: str,
    office: str,
    by: Staff,
    at: dt.datetime,
    *,
    reason: str,
    evidence: str,
) -> tuple[Correction, tuple[AuditRecord, ...]]:
    """A registrar's proposal to correct a registered record, with reason and evidence."""
    _aware(at)
    _check_staff(by, Permission.PROPOSE_CORRECTION, office, "propose")
    why = _reason(reason, "propose")
    proof = " ".join(evidence.split())
    if not proof or len(proof) > MAX_EVIDENCE:
        raise _refuse(
            DeclarationRefusal.EVIDENCE_REQUIRED,
            "لا يمكن اقتراح تصحيح دون مرجع المستند المؤيِّد (قرار المحكمة أو كتاب الجهة المختصة).",
            "A correction needs the reference of its evidence (the court ruling or the"
            " competent body's letter).",
        )
    c = Correction(id, record, office, by.id, at, why, proof)
    return c, (_correction_audit(AuditKind.CORRECTION_PROPOSED, c, by, at, evidence=proof),)


def _correction_audit(
    kind: AuditKind, c: Correction, by: Staff, at: dt.datetime, **extra: Any
) -> AuditRecord:
    data: dict[str, Any] = {
        "correction": c.id,
        "record": c.record,
        "office": c.office,
        "staff": by.id,
        "role": by.role.value,
        "state": c.state.value,
    }
    data.update(extra)
    return AuditRecord(kind, at, data)


def step_correction(
    c: Correction, action: CorrectionAction
) -> tuple[Correction, tuple[AuditRecord, ...]]:
    """Approve, decline or withdraw a proposed correction."""
    _aware(action.at)
    if c.state is not CorrectionState.PROPOSED:
        name = {Approve: "approve", Decline: "decline", Withdraw: "withdraw"}[type(action)]
        raise _no_transition(name, c.state)
    if isinstance(action, Withdraw):
        if action.by.id != c.proposed_by:
            raise _refuse(
                DeclarationRefusal.NOT_PROPOSER,
                "لا يسحب التصحيح إلا من اقترحه.",
                "Only the registrar who proposed a correction may withdraw it.",
            )
        new = replace(
            c, state=CorrectionState.WITHDRAWN, decided_by=action.by.id, decided_at=action.at
        )
        return new, (_correction_audit(AuditKind.CORRECTION_WITHDRAWN, new, action.by, action.at),)
    name = "approve" if isinstance(action, Approve) else "decline"
    _check_staff(action.by, Permission.DECIDE_CORRECTION, c.office, name)
    if action.by.id == c.proposed_by:
        raise _refuse(
            DeclarationRefusal.OWN_CORRECTION,
            "لا يجوز لك اعتماد تصحيح اقترحته بنفسك ولا رفضه: يبتّ فيه أمين سجل آخر أو مشرف.",
            "You cannot approve or decline a correction you proposed yourself: another"
            " registrar or a supervisor must decide it.",
        )
    if isinstance(action, Approve):
        new = replace(
            c, state=CorrectionState.APPROVED, decided_by=action.by.id, decided_at=action.at
        )
        return new, (_correction_audit(AuditKind.CORRECTION_APPROVED, new, action.by, action.at),)
    reason = _reason(action.reason, "decline")
    new = replace(
        c,
        state=CorrectionState.DECLINED,
        decided_by=action.by.id,
        decided_at=action.at,
        decision_reason=reason,
    )
    return new, (_correction_audit(AuditKind.CORRECTION_DECLINED, new, action.by, action.at),)
