"""The transparency routes over real HTTP semantics (uvicorn, httpx, SQLite log)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from fastapi import FastAPI

from registry import audit
from registry.audit import AuditEvent
from registry.config import DataDir
from registry.db import Database
from registry.http_errors import install_error_handlers
from registry.transparency import merkle
from registry.transparency.checkpoint import open_note, verifier_key
from registry.transparency.http import install_transparency
from registry.transparency.keys import ORIGIN, checkpoint_key, public_key_path
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
