"""GET /api/v1/transparency/{checkpoint,consistency,inclusion,key}: install_transparency."""

from __future__ import annotations

from fastapi import FastAPI, Query
from fastapi.responses import PlainTextResponse

from registry.errors import InvalidInput
from registry.http_schema import errors_for
from registry.http_state import Registry
from registry.transparency import merkle
from registry.transparency.keys import checkpoint_key, public_key_text, sign_current
from registry.transparency.log import tree_leaves

__all__ = ["install_transparency"]


def install_transparency(app: FastAPI, reg: Registry) -> None:
    @app.get("/api/v1/transparency/checkpoint", response_class=PlainTextResponse)
    def checkpoint() -> str:
        with reg.db.session() as s:
            return sign_current(s, reg.data)

    @app.get("/api/v1/transparency/key", response_class=PlainTextResponse)
    def key() -> str:
        return public_key_text(checkpoint_key(reg.data))

    @app.get("/api/v1/transparency/consistency", responses=errors_for(400))
    def consistency(
        from_: int = Query(alias="from", ge=0), to: int = Query(ge=0)
    ) -> dict[str, object]:
        with reg.db.session() as s:
            leaves = tree_leaves(s)
        try:
            proof = merkle.consistency_proof(leaves, from_, to)
        except merkle.ProofError as exc:
            raise InvalidInput(str(exc)) from exc
        return {"from": from_, "to": to, "proof": [p.hex() for p in proof]}

    @app.get("/api/v1/transparency/inclusion", responses=errors_for(400))
    def inclusion(index: int = Query(ge=0), size: int = Query(ge=1)) -> dict[str, object]:
        with reg.db.session() as s:
            leaves = tree_leaves(s)
        try:
            proof = merkle.inclusion_proof(leaves, index, size)
        except merkle.ProofError as exc:
            raise InvalidInput(str(exc)) from exc
        return {
            "index": index,
            "tree_size": size,
            "leaf_hash": leaves[index].hex(),
            "root_hash": merkle.root(leaves[:size]).hex(),
            "proof": [p.hex() for p in proof],
        }
