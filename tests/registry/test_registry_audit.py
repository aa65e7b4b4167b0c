"""The issuance log: intact after issuing; edited, removed, reordered or truncated entries found."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import delete, select, update

from registry.audit import ProblemKind, verify_chain
from registry.models import AuditEntry, AuditHead
from sanad.cli import main
from tests.support.registry import Kiosk, Registry, login
from verifier.documents import DocumentType


def _audit(registry: Registry) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(
        main, ["registry", "audit", "verify", "--json", "--data", str(registry.data.root)]
    )
    return result.exit_code, json.loads(result.output)


def _issue_some(kiosk: Kiosk, registry: Registry, n: int) -> None:
    citizen = registry.citizens()[0]
    session = login(kiosk.client, citizen)
    for i in range(n):
        kiosk.client.issue(
            session,
            document_type=DocumentType.BIRTH_CERTIFICATE,
            subject=citizen["national_id"],
            payment_reference=f"PAY-AUD-{i}",
        )


def _problems(registry: Registry) -> list[tuple[int, ProblemKind]]:
    db = registry.db()
    with db.session() as s:
        report = verify_chain(s)
    db.dispose()
    return [(p.seq, p.kind) for p in report.problems]


def _entry_of(registry: Registry, kind: str, nth: int) -> int:
    db = registry.db()
    with db.session() as s:
        seqs = list(
            s.execute(
                select(AuditEntry.seq).where(AuditEntry.kind == kind).order_by(AuditEntry.seq)
            ).scalars()
        )
    db.dispose()
    return seqs[nth]


def test_log_is_intact_after_issuing(kiosk: Kiosk, registry: Registry) -> None:
    _issue_some(kiosk, registry, 5)
    code, report = _audit(registry)
    assert code == 0 and report["ok"] is True
    assert isinstance(report["entries"], int) and report["entries"] >= 5


def test_edited_entry_is_found(kiosk: Kiosk, registry: Registry) -> None:
    _issue_some(kiosk, registry, 5)
    seq = _entry_of(registry, "document_issued", 2)
    db = registry.db()
    with db.session() as s:
        data = s.get_one(AuditEntry, seq).data.replace('"fee":1000', '"fee":1')
        s.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(data=data))
    db.dispose()
    assert _problems(registry) == [(seq, ProblemKind.EDITED)]
    code, report = _audit(registry)
    assert code == 1 and report["problems"][0]["seq"] == seq  # type: ignore[index]


def test_removed_entry_is_found(kiosk: Kiosk, registry: Registry) -> None:
    _issue_some(kiosk, registry, 5)
    seq = _entry_of(registry, "document_issued", 1)
    db = registry.db()
    with db.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == seq))
    db.dispose()
    assert (seq, ProblemKind.MISSING) in _problems(registry)


def test_reordered_entries_are_found(kiosk: Kiosk, registry: Registry) -> None:
    _issue_some(kiosk, registry, 5)
    a = _entry_of(registry, "document_issued", 1)
    b = _entry_of(registry, "document_issued", 2)
    db = registry.db()
    with db.session() as s:  # swap their contents, keeping the sequence numbers
        ea, eb = s.get_one(AuditEntry, a), s.get_one(AuditEntry, b)
        fields = ("at", "kind", "data", "prev_hash", "hash")
        va = {f: getattr(ea, f) for f in fields}
        vb = {f: getattr(eb, f) for f in fields}
        s.execute(update(AuditEntry).where(AuditEntry.seq == a).values(**vb))
        s.execute(update(AuditEntry).where(AuditEntry.seq == b).values(**va))
    db.dispose()
    found = _problems(registry)
    assert {seq for seq, _ in found} >= {a, b}


def test_truncated_tail_is_found(kiosk: Kiosk, registry: Registry) -> None:
    _issue_some(kiosk, registry, 3)
    db = registry.db()
    with db.session() as s:
        last = s.execute(select(AuditHead.seq)).scalar_one()
        s.execute(delete(AuditEntry).where(AuditEntry.seq == last))
    db.dispose()
    assert _problems(registry) == [(last, ProblemKind.TRUNCATED)]
