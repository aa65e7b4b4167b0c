"""The audit log seen as a Merkle tree: leaf i is entry seq i+1's hashed text (the same
text `registry.audit.entry_hash` covers), so any edit, removal or reordering changes it.

`TreeCache` keeps the tree between requests, keyed by the log's last entry (its seq and
hash: one indexed lookup). When the log grew it hashes only the new entries, provided the
first of them chains onto the cached last one; anything else (a different last entry at the
same seq, a shorter log, a broken chain) rebuilds the whole tree. An old entry edited or
removed in place while the last stays the same is not seen until the next rebuild: catching
that is `check_against`'s job (`sanad registry audit verify --checkpoint`), which never uses
the cache.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import AuditEntry
from registry.transparency import merkle
from registry.transparency.checkpoint import Checkpoint, CheckpointError, open_note

__all__ = [
    "ConsistencyReport",
    "Tree",
    "TreeCache",
    "check_against",
    "entry_leaf",
    "inclusion",
    "tree_leaves",
]


def entry_leaf(e: AuditEntry) -> bytes:
    at = e.at.astimezone(dt.UTC).isoformat()
    text = "\n".join((e.prev_hash, str(e.seq), at, e.kind, e.data))
    return merkle.leaf_hash(text.encode("utf-8"))


def tree_leaves(session: Session) -> list[bytes]:
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    return [entry_leaf(e) for e in rows.yield_per(2000)]


@dataclass(frozen=True)
class Tree:
    """The tree of the log as it was when its last entry was `head` ((0, "") when empty)."""

    head: tuple[int, str]
    leaves: tuple[bytes, ...]
    root: bytes


_EMPTY = Tree((0, ""), (), merkle.EMPTY_ROOT)


class TreeCache:
    """The current tree, recomputed only when the log's last entry changed (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tree = _EMPTY

    def current(self, session: Session) -> Tree:
        last = session.execute(
            select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
        ).one_or_none()
        head = (last.seq, last.hash) if last is not None else _EMPTY.head
        with self._lock:
            if head != self._tree.head:
                self._tree = self._update(session, self._tree, head)
            return self._tree

    @classmethod
    def _update(cls, session: Session, tree: Tree, head: tuple[int, str]) -> Tree:
        grow = bool(tree.leaves) and head[0] > tree.head[0]
        rows = session.execute(
            select(AuditEntry)
            .where(AuditEntry.seq > (tree.head[0] if grow else 0))
            .where(AuditEntry.seq <= head[0])
            .order_by(AuditEntry.seq)
        ).scalars()
        new: list[bytes] = []
        first_prev, last = None, _EMPTY.head
        for e in rows.yield_per(2000):
            if first_prev is None:
                first_prev = e.prev_hash
            new.append(entry_leaf(e))
            last = (e.seq, e.hash)
        if not grow:
            return Tree(last, tuple(new), merkle.root(new))
        if first_prev != tree.head[1] or last != head:  # not a plain growth: start again
            return cls._update(session, _EMPTY, head)
        leaves = tree.leaves + tuple(new)
        return Tree(last, leaves, merkle.root(leaves))


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


def check_against(session: Session, note: str | bytes, verifier: str) -> ConsistencyReport:
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
