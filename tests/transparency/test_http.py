"""The transparency routes over real HTTP semantics (uvicorn, httpx, SQLite log)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from registry import audit
from registry.audit import AuditEvent
from registry.config import DataDir
from registry.db import Database
from registry.http_errors import install_error_handlers
from registry.models import AuditEntry
from registry.transparency import log, merkle
from registry.transparency.checkpoint import open_note, verifier_key
from registry.transparency.http import install_transparency
from registry.transparency.keys import ORIGIN, checkpoint_key, public_key_path, sign_current
from tests.support.servers import serve_app


def test_routes(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'r.db'}", pool_size=2)
    db.migrate()
    with db.session() as s:
        for i in range(5):
            audit.append(s, AuditEvent.FEE_CHANGED, {"n": i}, dt.datetime.now(dt.UTC))
    app = FastAPI()
    install_error_handlers(app)  # as registry.service.create_app does
    reg: Any = SimpleNamespace(db=db, data=DataDir(tmp_path / "data"))
    install_transparency(app, reg)
    with (
        serve_app(app, health="/api/v1/transparency/key", lifespan="off") as url,
        httpx.Client(base_url=url, timeout=30) as c,
    ):
        _check(c, tmp_path)
    db.dispose()


def _check(c: httpx.Client, tmp_path: Path) -> None:
    note = c.get("/api/v1/transparency/checkpoint").text
    cp = open_note(note, c.get("/api/v1/transparency/key").text)
    assert cp.size == 5
    assert oct((tmp_path / "data" / "keys" / "checkpoint.jwk").stat().st_mode)[-3:] == "600"
    inc = c.get("/api/v1/transparency/inclusion", params={"index": 2, "size": 5}).json()
    assert merkle.verify_inclusion(
        bytes.fromhex(inc["leaf_hash"]), 2, 5, [bytes.fromhex(p) for p in inc["proof"]], cp.root
    )
    r = c.get("/api/v1/transparency/consistency", params={"from": 3, "to": 5})
    assert r.status_code == 200 and r.json()["proof"]
    assert c.get("/api/v1/transparency/consistency", params={"from": 6, "to": 5}).status_code == 400
    assert (
        c.get("/api/v1/transparency/inclusion", params={"index": 9, "size": 5}).status_code == 400
    )


def test_key_route_derives_the_key_when_the_published_copy_is_missing(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'r.db'}", pool_size=2)
    db.migrate()
    data = DataDir(tmp_path / "data")
    key = checkpoint_key(data)
    public_key_path(data).unlink()
    app = FastAPI()
    install_error_handlers(app)
    reg: Any = SimpleNamespace(db=db, data=data)
    install_transparency(app, reg)
    with (
        serve_app(app, health="/api/v1/transparency/checkpoint", lifespan="off") as url,
        httpx.Client(base_url=url, timeout=30) as c,
    ):
        r = c.get("/api/v1/transparency/key")
        assert r.status_code == 200
        assert r.text == verifier_key(ORIGIN, key.public.raw) + "\n"
        open_note(c.get("/api/v1/transparency/checkpoint").text, r.text)
    db.dispose()


def test_tree_and_checkpoint_are_kept_until_the_log_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'r.db'}", pool_size=2)
    db.migrate()
    data = DataDir(tmp_path / "data")
    at = dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC)
    with db.session() as s:
        for i in range(5):
            audit.append(s, AuditEvent.FEE_CHANGED, {"n": i}, at)
    hashed: list[int] = []
    real_leaf = log.entry_leaf

    def counted_leaf(e: AuditEntry) -> bytes:
        hashed.append(e.seq)
        return real_leaf(e)

    def uncached() -> tuple[str, list[bytes]]:
        with db.session() as s:
            note = sign_current(s, data)
            leaves = log.tree_leaves(s)
        hashed.clear()
        return note, leaves

    app = FastAPI()
    install_error_handlers(app)
    reg: Any = SimpleNamespace(db=db, data=data)
    install_transparency(app, reg)
    monkeypatch.setattr(log, "entry_leaf", counted_leaf)
    with (
        serve_app(app, health="/api/v1/transparency/key", lifespan="off") as url,
        httpx.Client(base_url=url, timeout=30) as c,
    ):

        def answers(size: int) -> tuple[str, list[object]]:
            proofs: list[object] = []
            for m in range(size + 1):
                r = c.get("/api/v1/transparency/consistency", params={"from": m, "to": size})
                proofs.append(r.json()["proof"])
            for i in range(size):
                r = c.get("/api/v1/transparency/inclusion", params={"index": i, "size": size})
                proofs.append(r.json())
            return c.get("/api/v1/transparency/checkpoint").text, proofs

        def expected(leaves: list[bytes], size: int) -> list[object]:
            out: list[object] = []
            for m in range(size + 1):
                out.append([p.hex() for p in merkle.consistency_proof(leaves, m, size)])
            for i in range(size):
                out.append(
                    {
                        "index": i,
                        "tree_size": size,
                        "leaf_hash": leaves[i].hex(),
                        "root_hash": merkle.root(leaves[:size]).hex(),
                        "proof": [p.hex() for p in merkle.inclusion_proof(leaves, i, size)],
                    }
                )
            return out

        note, proofs = answers(5)
        assert sorted(hashed) == [1, 2, 3, 4, 5]  # the whole log once
        hashed.clear()
        assert answers(5) == (note, proofs)
        assert hashed == []  # nothing hashed again while the log stays the same
        ref_note, ref_leaves = uncached()
        assert note == ref_note and proofs == expected(ref_leaves, 5)

        with db.session() as s:
            for i in range(2):
                audit.append(s, AuditEvent.FEE_CHANGED, {"n": 5 + i}, at)
        grown_note, grown = answers(7)
        assert sorted(hashed) == [6, 7]  # only the new entries
        ref_note, ref_leaves = uncached()
        assert grown_note == ref_note and grown == expected(ref_leaves, 7)
        assert answers(5)[1] == proofs  # the older tree's proofs are unchanged

        with db.session() as s:  # the last entry rewritten: the whole tree again
            s.execute(
                update(AuditEntry).where(AuditEntry.seq == 7).values(data='{"n":70}', hash="0" * 64)
            )
            assert (
                s.execute(select(AuditEntry.hash).where(AuditEntry.seq == 7)).scalar() == "0" * 64
            )
        hashed.clear()
        rebuilt_note, rebuilt = answers(7)
        assert sorted(hashed) == [1, 2, 3, 4, 5, 6, 7]
        ref_note, ref_leaves = uncached()
        assert rebuilt_note == ref_note and rebuilt == expected(ref_leaves, 7)
        assert rebuilt_note != grown_note
    db.dispose()
