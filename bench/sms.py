"""SMS benchmark: messages per second through the outbox and SMPP to the SMSC simulator.

It starts `sanad sim smsc` in its own process, then measures, in the same run:

  baseline   a raw submit_sm loop (registry.sms.smpp.SmppGateway.send, no database): the
             ceiling the SMPP link and the simulator allow, one submit at a time
  enqueue    outbox.enqueue of N messages in one transaction (template rendered, segments)
  drain      N queued messages drained by one worker (claim in batches, submit_sm, mark sent,
             one transaction per message), on SQLite and, when reachable, PostgreSQL
  drain x2   the same with two workers on PostgreSQL at once (FOR UPDATE SKIP LOCKED)

and prints each figure with its ratio to the baseline. Every message is the Arabic one-time
code (one UCS-2 segment); the transceiver asks for delivery receipts, as in production.

    .venv/bin/python bench/sms.py [--messages 2000] [--batch 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from registry.db import Database  # noqa: E402
from registry.sms import outbox, templates, worker  # noqa: E402
from registry.sms.smpp import SmppGateway  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
VALUES = {"code": "482913", "minutes": "5"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_smsc() -> tuple[subprocess.Popen[bytes], int]:
    port, control = _free_port(), _free_port()
    sanad = str(Path(sys.executable).with_name("sanad"))
    proc = subprocess.Popen(
        [sanad, "sim", "smsc", "--port", str(port), "--control-port", str(control)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the SMSC simulator did not start")


def _gateway(port: int, name: str = "bench") -> SmppGateway:
    return SmppGateway("127.0.0.1", port, system_id=name, password="x", timeout=10)


def _policy(batch: int) -> outbox.Policy:
    return outbox.Policy(
        quiet_start=dt.time(0),
        quiet_end=dt.time(0),
        rate_limit=1000,
        batch_size=batch,
        lease=dt.timedelta(minutes=10),
    )


def baseline(port: int, n: int) -> float:
    text = templates.render("otp", "ar", VALUES)
    with _gateway(port) as g:
        t0 = time.perf_counter()
        for i in range(n):
            g.send(f"+96279{i % 1000:07d}", text)
        elapsed = time.perf_counter() - t0
        g.receipts(0.5)
    return n / elapsed


def fill(db: Database, n: int) -> float:
    now = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    with db.session() as s:
        for i in range(n):
            outbox.enqueue(
                s,
                to=f"+96279{i % 1000:07d}",
                template="otp",
                language="ar",
                values=VALUES,
                now=now,
            )
    return n / (time.perf_counter() - t0)


def drain(url: str, port: int, n: int, batch: int, workers: int) -> float:
    policy = _policy(batch)
    sent = [0] * workers
    barrier = threading.Barrier(workers + 1)
    done = threading.Barrier(workers + 1)

    def work(k: int) -> None:
        db = Database(url, pool_size=2)
        g = _gateway(port, f"w{k}")
        g.open()
        barrier.wait()
        try:
            while True:
                r = worker.drain_once(db, g, policy, worker_id=f"w{k}")
                sent[k] += r.sent
                if r.claimed == 0:
                    break
        finally:
            done.wait()
            g.receipts(0.2)
            g.close()
            db.dispose()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    done.wait()
    elapsed = time.perf_counter() - t0
    for t in threads:
        t.join()
    if sum(sent) != n:
        raise SystemExit(f"sent {sum(sent)} of {n}")
    return n / elapsed


def _pg_database() -> tuple[str, str] | None:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError:
        return None
    from sqlalchemy import create_engine, text

    name = f"bench_sms_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _drop(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=20)
    args = ap.parse_args()
    n = args.messages
    proc, port = _start_smsc()
    rows: list[tuple[str, float]] = []
    try:
        base = baseline(port, n)
        rows.append(("baseline: raw submit_sm loop (no outbox)", base))
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'sms.sqlite3'}"
            db = Database(url)
            db.migrate()
            rows.append(("enqueue, SQLite (one transaction)", fill(db, n)))
            db.dispose()
            rows.append(("drain, SQLite, 1 worker", drain(url, port, n, args.batch, 1)))
        pg = _pg_database()
        if pg is not None:
            name, url = pg
            try:
                db = Database(url)
                db.migrate()
                rows.append(("enqueue, PostgreSQL (one transaction)", fill(db, n)))
                rows.append(("drain, PostgreSQL, 1 worker", drain(url, port, n, args.batch, 1)))
                fill(db, n)
                rows.append(("drain, PostgreSQL, 2 workers", drain(url, port, n, args.batch, 2)))
                db.dispose()
            finally:
                _drop(name)
        else:
            print("PostgreSQL not reachable on 127.0.0.1:5432: skipped", file=sys.stderr)
    finally:
        proc.terminate()
        proc.wait(10)
    print(
        f"SMS benchmark: {n} messages (Arabic one-time code, 1 UCS-2 segment each), "
        f"batch {args.batch}, {os.cpu_count()} cores"
    )
    for label, rate in rows:
        print(f"  {label:44} {rate:9.0f} msg/s   {rate / base:5.2f}x baseline")


if __name__ == "__main__":
    main()
