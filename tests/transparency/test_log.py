"""The real audit log (SQLite) against an old checkpoint: growth passes, rewrites fail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from registry import audit
from registry.audit import AuditEvent
from registry.db import Database
from registry.models import AuditEntry
from registry.transparency import merkle
from registry.transparency.checkpoint import Checkpoint, sign_checkpoint, verifier_key
from registry.transparency.log import check_against, inclusion, tree_leaves
from verifier.keys import SigningKey

NAME = "sanad.test/audit-log"
T0 = dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    d = Database(f"sqlite:///{tmp_path / 'r.db'}", pool_size=2)
    d.migrate()
    with d.session() as s:
        for i in range(7):
            audit.append(s, AuditEvent.FEE_CHANGED, {"n": i}, T0 + dt.timedelta(minutes=i))
    yield d
    d.dispose()


def _checkpoint(db: Database, key: SigningKey) -> str:
    with db.session() as s:
        leaves = tree_leaves(s)
    return sign_checkpoint(Checkpoint(NAME, len(leaves), merkle.root(leaves)), key, NAME)


def test_growth_is_consistent_and_proofs_verify(db: Database) -> None:
    key = SigningKey.generate()
    note = _checkpoint(db, key)
    with db.session() as s:
        audit.append(s, AuditEvent.FEE_CHANGED, {"n": 99}, T0 + dt.timedelta(hours=1))
    with db.session() as s:
        report = check_against(s, note, verifier_key(NAME, key.public.raw))
        assert report.ok, report.message
        p = inclusion(s, 3)
    assert merkle.verify_inclusion(
        bytes.fromhex(str(p["leaf_hash"])),
        2,
        8,
        [bytes.fromhex(x) for x in p["proof"]],  # type: ignore[attr-defined]
        bytes.fromhex(str(p["root_hash"])),
    )


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder", "truncate"])
def test_rewrites_fail_against_an_old_checkpoint(db: Database, tamper: str) -> None:
    key = SigningKey.generate()
    note = _checkpoint(db, key)
    with db.session() as s:
        if tamper == "edit":
            s.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(data='{"n":42}'))
        elif tamper == "delete":
            s.execute(delete(AuditEntry).where(AuditEntry.seq == 4))
            audit.append(s, AuditEvent.FEE_CHANGED, {"n": 8}, T0 + dt.timedelta(hours=1))
        elif tamper == "reorder":
            a = s.execute(select(AuditEntry).where(AuditEntry.seq == 2)).scalar_one()
            b = s.execute(select(AuditEntry).where(AuditEntry.seq == 5)).scalar_one()
            a.data, b.data = b.data, a.data
        else:
            s.execute(delete(AuditEntry).where(AuditEntry.seq == 7))
    with db.session() as s:
        report = check_against(s, note, verifier_key(NAME, key.public.raw))
    assert not report.ok
    assert "removed" in report.message or "edited" in report.message


def test_forged_checkpoint_fails(db: Database) -> None:
    key, forger = SigningKey.generate(), SigningKey.generate()
    note = _checkpoint(db, forger)
    with db.session() as s:
        report = check_against(s, note, verifier_key(NAME, key.public.raw))
    assert not report.ok and "signature" in report.message
