"""The audit log seen as a Merkle tree: leaf i is entry seq i+1's hashed text (the same
text `registry.audit.entry_hash` covers), so any edit, removal or reordering changes it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import AuditEntry
from registry.transparency import merkle
from registry.transparency.checkpoint import Checkpoint, CheckpointError, open_note

__all__ = ["ConsistencyReport", "check_against", "entry_leaf", "inclusion", "tree_leaves"]


def entry_leaf(e: AuditEntry) -> bytes:
    at = e.at.astimezone(dt.UTC).isoformat()
    text = "\n".join((e.prev_hash, str(e.seq), at, e.kind, e.data))
    return merkle.leaf_hash(text.encode("utf-8"))


def tree_leaves(session: Session) -> list[bytes]:
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    return [entry_leaf(e) for e in rows.yield_per(2000)]


def inclusion(session: Session, seq: int) -> dict[str, object]:
    """The inclusion proof of entry `seq` in the current tree, as JSON-ready data."""
    leaves = tree_leaves(session)
    index, size = seq - 1, len(leaves)
    proof = merkle.inclusion_proof(leaves, index, size)
    return {
        "entry": seq,
        "index": index,
        "tree_size": size,
        "leaf_hash": leaves[index].hex(),
        "root_hash": merkle.root(leaves).hex(),
        "proof": [p.hex() for p in proof],
    }


@dataclass(frozen=True)
class ConsistencyReport:
    ok: bool
    message: str
    checkpoint: Checkpoint | None = None
    current_size: int = 0


def check_against(session: Session, note: str, verifier: str) -> ConsistencyReport:
    """Verify a saved checkpoint's signature and that the current log extends it."""
    try:
        cp = open_note(note, verifier)
    except CheckpointError as exc:
        return ConsistencyReport(False, str(exc))
    leaves = tree_leaves(session)
    n = len(leaves)
    if cp.size > n:
        return ConsistencyReport(
            False,
            f"the log has {n} entries but the checkpoint has {cp.size}: entries were removed",
            cp,
            n,
        )
    proof = merkle.consistency_proof(leaves, cp.size, n)
    if not merkle.verify_consistency(cp.size, n, proof, cp.root, merkle.root(leaves)):
        return ConsistencyReport(
            False,
            f"the log's first {cp.size} entries are not those the checkpoint signed: "
            "an entry was edited, removed or reordered",
            cp,
            n,
        )
    return ConsistencyReport(True, f"consistent: grew from {cp.size} to {n} entries", cp, n)
