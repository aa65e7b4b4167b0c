"""The issuance log: append-only and hash-chained, with a verifier that says where it broke.

Each entry carries its sequence number, time, kind, data (canonical JSON; serials, kids,
kiosk ids, amounts, never names or PINs), the previous entry's hash and its own:

    hash = SHA-256(prev_hash ‖ "\\n" ‖ seq ‖ "\\n" ‖ at ‖ "\\n" ‖ kind ‖ "\\n" ‖ data)

(hex, `at` in ISO 8601 UTC). The `audit_head` row holds the last sequence number and hash; its
row lock serialises appends (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers
anyway). `verify_chain` walks the log and reports each edited, removed or reordered entry
and a truncated tail. What it cannot see is a forger who rewrites every later entry and the
head: publish `head()` somewhere the database administrator cannot edit (a printed
report, a second system) to close that gap.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from registry.db_records import Statement
from registry.models import AuditEntry, AuditHead

__all__ = [
    "GENESIS",
    "AuditEvent",
    "AuditProblem",
    "AuditReport",
    "ProblemKind",
    "append",
    "append_core",
    "entry_hash",
    "head",
    "verify_chain",
    "verify_entries",
]

GENESIS = "0" * 64


class AuditEvent(enum.StrEnum):
    DOCUMENT_ISSUED = "document_issued"
    DOCUMENT_REVOKED = "document_revoked"
    ROOT_CREATED = "root_created"
    SIGNER_CREATED = "signer_created"
    SIGNER_RETIRED = "signer_retired"
    SIGNER_REVOKED = "signer_revoked"
    TRUST_LIST_PUBLISHED = "trust_list_published"
    KIOSK_ENROLLED = "kiosk_enrolled"
    KIOSK_REVOKED = "kiosk_revoked"
    CITIZEN_UNLOCKED = "citizen_unlocked"
    # citizen enrolment at the office (registry.enrolment): the staff member in `by`, never
    # the PIN or the phone number
    CITIZEN_ENROLLED = "citizen_enrolled"
    PIN_RESET = "pin_reset"
    PHONE_SET = "phone_set"
    # staff accounts (registry.staff): the acting staff member is named in `by`
    STAFF_ADDED = "staff_added"
    STAFF_DISABLED = "staff_disabled"
    STAFF_RESET = "staff_reset"
    STAFF_UNLOCKED = "staff_unlocked"
    STAFF_LOCKED = "staff_locked"
    STAFF_SIGNED_IN = "staff_signed_in"
    STAFF_SIGNED_OUT = "staff_signed_out"
    # a ministry's identity provider moved an account to another role or office
    STAFF_ROLE_CHANGED = "staff_role_changed"
    # the office's declarations and corrections (registry.office.declarations.AuditKind)
    DECLARATION_DECLARED = "declaration_declared"
    DECLARATION_RETURNED = "declaration_returned"
    DECLARATION_AMENDED = "declaration_amended"
    DECLARATION_REGISTERED = "declaration_registered"
    DECLARATION_REJECTED = "declaration_rejected"
    CORRECTION_PROPOSED = "correction_proposed"
    CORRECTION_APPROVED = "correction_approved"
    CORRECTION_DECLINED = "correction_declined"
    CORRECTION_WITHDRAWN = "correction_withdrawn"
    # the administrators' acts (registry.offices, registry.fees): `by` names them
    OFFICE_ADDED = "office_added"
    OFFICE_CLOSED = "office_closed"
    FEE_CHANGED = "fee_changed"
    # an order's document handed over at an office's counter (registry.orders.at_counter)
    ORDER_COLLECTED = "order_collected"
    EXCHANGE_QUERY = "exchange_query"  # an agency asked about a person (registry.exchange)
    # a supervisor closed an office for a day, cancelling its appointments (registry.bookings)
    OFFICE_DAY_CLOSED = "office_day_closed"
    # a supervisor made (or replaced) an office's waiting-room display key (never the key)
    QUEUE_DISPLAY_KEY_SET = "queue_display_key_set"


class ProblemKind(enum.StrEnum):
    EDITED = "edited"
    MISSING = "missing"
    OUT_OF_ORDER = "out_of_order"
    TRUNCATED = "truncated"


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    kind: ProblemKind
    message: str


@dataclass
class AuditReport:
    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _canonical(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, seq: int, at: dt.datetime, kind: str, data: str) -> str:
    text = "\n".join((prev_hash, str(seq), at.astimezone(dt.UTC).isoformat(), kind, data))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# PostgreSQL: lock the head, hash, insert and move the head in one statement, so the lock
# (held until commit) is not held across several round trips from a busy Python process.
# The hash is the same as `entry_hash` computes (checked by `verify_chain`).
_PG_APPEND = text(
    """
    WITH head AS (SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE),
    new AS (
        SELECT head.seq + 1 AS seq, head.hash AS prev_hash,
               encode(sha256(convert_to(
                   head.hash || E'\\n' || (head.seq + 1)::text || E'\\n' || :at_text
                   || E'\\n' || :kind || E'\\n' || :data, 'UTF8')), 'hex') AS hash
        FROM head
    ),
    ins AS (
        INSERT INTO audit_log (seq, at, kind, data, prev_hash, hash)
        SELECT seq, :at, :kind, :data, prev_hash, hash FROM new
    )
    UPDATE audit_head SET seq = new.seq, hash = new.hash FROM new
    WHERE audit_head.id = 1 RETURNING new.seq
    """
)


_PG_APPEND_ON_DRIVER = Statement(_PG_APPEND)
_LOG = cast(Table, AuditEntry.__table__)
_HEAD = cast(Table, AuditHead.__table__)
_HEAD_FOR_UPDATE = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT_ENTRY = insert(_LOG).values(
    seq=bindparam("seq"),
    at=bindparam("at"),
    kind=bindparam("kind"),
    data=bindparam("data"),
    prev_hash=bindparam("prev_hash"),
    hash=bindparam("hash"),
)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def append_core(
    conn: Connection, kind: AuditEvent, data: Mapping[str, Any], at: dt.datetime
) -> None:
    """Append one entry inside the caller's transaction on its Core connection (locks the
    head until commit; call it last). `append` is the same for ORM callers."""
    at = at.astimezone(dt.UTC)
    text_data = _canonical(data)
    if conn.dialect.name == "postgresql":
        _PG_APPEND_ON_DRIVER.one(
            conn,
            {
                "at_text": at.isoformat(),
                "at": at.replace(tzinfo=None),
                "kind": kind.value,
                "data": text_data,
            },
        )
        return
    top = conn.execute(_HEAD_FOR_UPDATE).one()
    seq = top.seq + 1
    digest = entry_hash(top.hash, seq, at, kind.value, text_data)
    conn.execute(
        _INSERT_ENTRY,
        {
            "seq": seq,
            "at": at,
            "kind": kind.value,
            "data": text_data,
            "prev_hash": top.hash,
            "hash": digest,
        },
    )
    conn.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": digest})


def append(session: Session, kind: AuditEvent, data: Mapping[str, Any], at: dt.datetime) -> None:
    """Append one entry inside the caller's transaction (locks the head until commit)."""
    at = at.astimezone(dt.UTC)
    if session.get_bind().dialect.name == "postgresql":
        session.flush()  # everything else first: the lock is taken last
        append_core(session.connection(), kind, data, at)
        return
    top = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    seq = top.seq + 1
    text = _canonical(data)
    digest = entry_hash(top.hash, seq, at, kind.value, text)
    entry = AuditEntry(seq=seq, at=at, kind=kind.value, data=text, prev_hash=top.hash, hash=digest)
    session.add(entry)
    top.seq, top.hash = seq, digest


def head(session: Session) -> tuple[int, str]:
    top = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    return top.seq, top.hash


def verify_entries(
    entries: Iterable[AuditEntry], head_seq: int, head_hash: str, *, max_problems: int = 100
) -> AuditReport:
    """Walk entries in sequence order; pure, so it can check an export as well as the table."""
    report = AuditReport(head_seq=head_seq, head_hash=head_hash)
    expected_seq, prev = 1, GENESIS
    last_hash = GENESIS

    def problem(seq: int, kind: ProblemKind, message: str) -> None:
        if len(report.problems) < max_problems:
            report.problems.append(AuditProblem(seq, kind, message))

    for e in entries:
        report.entries += 1
        if e.seq > expected_seq:
            gap = f"{expected_seq}" if e.seq == expected_seq + 1 else f"{expected_seq}-{e.seq - 1}"
            problem(expected_seq, ProblemKind.MISSING, f"entries {gap} are missing (removed)")
        elif e.seq < expected_seq:
            problem(e.seq, ProblemKind.OUT_OF_ORDER, f"entry {e.seq} appears twice or out of order")
        recomputed = entry_hash(e.prev_hash, e.seq, e.at, e.kind, e.data)
        if recomputed != e.hash:
            problem(e.seq, ProblemKind.EDITED, f"entry {e.seq} was edited: its hash does not match")
        elif e.prev_hash != prev and e.seq == expected_seq:
            problem(
                e.seq,
                ProblemKind.OUT_OF_ORDER,
                f"entry {e.seq} does not follow entry {e.seq - 1}: reordered, or a preceding "
                "entry was edited or replaced",
            )
        prev, last_hash = e.hash, e.hash
        expected_seq = max(expected_seq, e.seq) + 1
    last_seq = expected_seq - 1
    if head_seq > last_seq:
        problem(
            last_seq + 1,
            ProblemKind.TRUNCATED,
            f"the log ends at entry {last_seq} but the head says {head_seq}: entries removed",
        )
    elif head_seq == last_seq and head_hash != last_hash and report.entries:
        problem(last_seq, ProblemKind.EDITED, f"entry {last_seq} does not match the recorded head")
    elif head_seq < last_seq:
        problem(
            head_seq + 1,
            ProblemKind.EDITED,
            f"entries after {head_seq} were not appended "
            "through the log (the head does not know them)",
        )
    return report


def verify_chain(session: Session) -> AuditReport:
    """Check the whole log in the database."""
    head_seq, head_hash = head(session)
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().yield_per(2000)
    return verify_entries(rows, head_seq, head_hash)
