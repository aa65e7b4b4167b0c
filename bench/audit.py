#!/usr/bin/env python3
"""Audit-log benchmark: `audit.verify_chain` and the audit page's filtered queries over a big
log, on SQLite (a temporary file) and PostgreSQL (127.0.0.1:5432, a database of its own,
dropped at the end).

The entries are shaped like the office's (declarations, sign-ins, documents issued), hashed
exactly as `registry.audit.entry_hash` does and inserted in bulk, then the head is moved; the
chain is checked to be intact first, so the figures are for a real walk.

    .venv/bin/python bench/audit.py [--entries 100000] [--sqlite-only]

Never asserts timings; the machine is shared, so the load average is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
START = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)


def _entries(n: int) -> Iterator[dict[str, object]]:
    from registry.audit import GENESIS, entry_hash

    prev = GENESIS
    offices = ("AMM", "IRB", "ZRQ")
    for seq in range(1, n + 1):
        at = START + dt.timedelta(seconds=seq * 20)
        k = seq % 4
        if k == 0:
            kind, data = "staff_signed_in", {"staff": f"clerk{seq % 50}"}
        elif k == 1:
            kind = "declaration_declared"
            data = {
                "by": f"clerk{seq % 50}",
                "declaration": f"{offices[seq % 3]}-2026-{seq:06d}",
                "event": "birth",
                "office": offices[seq % 3],
                "revision": 1,
                "role": "clerk",
                "staff": str(seq % 50),
                "state": "declared",
            }
        elif k == 2:
            kind = "document_issued"
            data = {"serial": f"S{seq:010d}", "type": 1, "kiosk": "AMM-001", "fee": 500}
        else:
            kind, data = "staff_signed_out", {"staff": f"clerk{seq % 50}"}
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = entry_hash(prev, seq, at, kind, text)
        yield {
            "seq": seq,
            "at": at,
            "kind": kind,
            "data": text,
            "prev_hash": prev,
            "hash": digest,
        }
        prev = digest


def _fill(url: str, n: int) -> None:
    from sqlalchemy import insert, update

    from registry.db import Database
    from registry.models import AuditEntry, AuditHead

    db = Database(url)
    db.migrate()
    batch: list[dict[str, object]] = []
    last: dict[str, object] = {}
    with db.session() as s:
        for row in _entries(n):
            batch.append(row)
            last = row
            if len(batch) == 5000:
                s.execute(insert(AuditEntry), batch)
                batch = []
        if batch:
            s.execute(insert(AuditEntry), batch)
        s.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=n, hash=last["hash"]))
    db.dispose()


def _time(label: str, fn: object, repeat: int = 3) -> None:
    best = float("inf")
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    print(f"  {label:<44} {best * 1000:9.1f} ms   {result}")


def _measure(url: str, n: int) -> None:
    from registry import audit
    from registry.db import Database
    from registry.office_web.audit_query import AuditFilter, entries_page

    _fill(url, n)
    db = Database(url)
    print(f"{db.engine.dialect.name}: {n} entries")

    def check() -> str:
        with db.session() as s:
            report = audit.verify_chain(s)
        assert report.ok, report.problems[:3]
        return f"ok, {report.entries} entries"

    def query(f: AuditFilter) -> object:
        def run() -> str:
            with db.session() as s:
                page = entries_page(s, f)
            return f"{len(page.entries)} entries, next {page.older}"

        return run

    _time("verify_chain (the whole log)", check)
    _time("newest page, no filter", query(AuditFilter()))
    _time("kind = declaration_declared", query(AuditFilter(kind="declaration_declared")))
    _time("staff = clerk7", query(AuditFilter(staff="clerk7")))
    _time("office = IRB", query(AuditFilter(office="IRB")))
    _time("kind = fee_changed (none: the whole log)", query(AuditFilter(kind="fee_changed")))
    day = (START + dt.timedelta(days=10)).date()
    _time("one day, ten days in", query(AuditFilter(since=day, until=day)))
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print("load average", os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        _measure(f"sqlite:///{tmp}/audit.db", args.entries)
    if args.sqlite_only:
        return
    from sqlalchemy import create_engine, text

    name = f"bench_audit_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _measure(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", args.entries)
    finally:
        with admin.connect() as c:
            c.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


if __name__ == "__main__":
    main()
