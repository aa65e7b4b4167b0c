"""GET /api/v1/transparency/{checkpoint,consistency,inclusion,key}: install_transparency.

The tree comes from a `TreeCache` (recomputed only when the audit log grew) and the signed
checkpoint is kept for as long as the log's last entry and the key stay the same: Ed25519
signatures are deterministic, so the kept note is byte for byte the one signing again would
give. The key file is read at every checkpoint or key request, so a key copied in by hand is
used without a restart.
"""

from __future__ import annotations

import threading

from fastapi import FastAPI, Query
from fastapi.responses import PlainTextResponse

from registry.errors import InvalidInput
from registry.http_schema import errors_for
from registry.http_state import Registry
from registry.transparency import merkle
from registry.transparency.checkpoint import Checkpoint, sign_checkpoint
from registry.transparency.keys import ORIGIN, checkpoint_key, public_key_text
from registry.transparency.log import Tree, TreeCache

__all__ = ["install_transparency"]


def install_transparency(app: FastAPI, reg: Registry) -> None:
    trees = TreeCache()
    lock = threading.Lock()
    signed: tuple[tuple[tuple[int, str], bytes], str] | None = None  # (log head, key), note

    def current() -> Tree:
        with reg.db.session() as s:
            return trees.current(s)

    @app.get("/api/v1/transparency/checkpoint", response_class=PlainTextResponse)
    def checkpoint() -> str:
        nonlocal signed
        tree = current()
        key = checkpoint_key(reg.data)
        made_for = (tree.head, key.public.raw)
        with lock:
            if signed is None or signed[0] != made_for:
                cp = Checkpoint(ORIGIN, len(tree.leaves), tree.root)
                signed = (made_for, sign_checkpoint(cp, key, ORIGIN))
            return signed[1]

    @app.get("/api/v1/transparency/key", response_class=PlainTextResponse)
    def key() -> str:
        return public_key_text(checkpoint_key(reg.data))

    @app.get("/api/v1/transparency/consistency", responses=errors_for(400))
    def consistency(
        from_: int = Query(alias="from", ge=0), to: int = Query(ge=0)
    ) -> dict[str, object]:
        leaves = current().leaves
        try:
            proof = merkle.consistency_proof(leaves, from_, to)
        except merkle.ProofError as exc:
            raise InvalidInput(str(exc)) from exc
        return {"from": from_, "to": to, "proof": [p.hex() for p in proof]}

    @app.get("/api/v1/transparency/inclusion", responses=errors_for(400))
    def inclusion(index: int = Query(ge=0), size: int = Query(ge=1)) -> dict[str, object]:
        tree = current()
        leaves = tree.leaves
        try:
            proof = merkle.inclusion_proof(leaves, index, size)
        except merkle.ProofError as exc:
            raise InvalidInput(str(exc)) from exc
        return {
            "index": index,
            "tree_size": size,
            "leaf_hash": leaves[index].hex(),
            "root_hash": (tree.root if size == len(leaves) else merkle.root(leaves[:size])).hex(),
            "proof": [p.hex() for p in proof],
        }
