"""Registry benchmark: issuance throughput with concurrent kiosks, and the cost of a PIN check.

For SQLite and (when reachable) PostgreSQL on 127.0.0.1:5432, it initialises a registry with a
demo population, enrols one kiosk per client, starts `sanad registry serve` in its own process
and drives it from separate load-generator processes: every kiosk logs its citizen in (not
timed), then all issue documents at once (signing included), each a real signed HTTP request
over a kept-alive connection. It prints documents per second, latency percentiles and where the
CPU went per document: the server's processes, PostgreSQL's backends and the load generator
itself. They share the machine's cores, so a heavy load generator lowers the figure; the
"capacity" line is what the server and database alone would allow. Baselines measured in the
same run: the same server's trivial endpoint (GET /api/v1/fees, the HTTP ceiling) and the raw
signing rate (sign_document alone, one core).

    .venv/bin/python bench/registry.py [--clients 50] [--docs 20] [--workers 2] [--persons 2000]
                                       [--client lean|registry] [--procs 1]

`--client lean` (the default) is a small asyncio HTTP/1.1 client that signs every request
with `registry.signing`, as a kiosk does, for a fraction of a millisecond of CPU;
`--client registry` drives the kiosk's own `registry.client.RegistryClient` (httpx, one
thread per kiosk), whose CPU cost per request is several times that.

The PIN check is Argon2id at the production cost (libsodium's interactive limits).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import csv
import datetime as dt
import json
import multiprocessing
import os
import pwd
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

# this file is bench/registry.py: keep its directory off the path, or it shadows the package
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

Kiosk = tuple[str, str, str, str]  # id, key file, national ID, PIN


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ticks(pids: list[int]) -> int:
    total = 0
    for p in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except OSError:
        return []
    return [int(x) for x in out.split()]


def _server_ticks(pid: int) -> int:
    return _ticks([pid, *_children(pid)])


def _postgres_ticks() -> int | None:
    """CPU ticks of every process of the local PostgreSQL server (None if not visible)."""
    try:
        uid = pwd.getpwnam("postgres").pw_uid
    except KeyError:
        return None
    pids = []
    for p in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if p.name.isdigit() and p.stat().st_uid == uid:
                pids.append(int(p.name))
    return _ticks(pids)


# ---------------------------------------------------------------------------------------------
# The lean load generator


class _Connection:
    """One kept-alive HTTP/1.1 connection: just enough protocol for the registry's answers."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        head = [f"POST {path} HTTP/1.1", "Host: registry", f"Content-Length: {len(body)}"]
        head += ["Content-Type: application/json", *(f"{k}: {v}" for k, v in headers.items())]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        return await _answer(self.reader)


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one HTTP/1.1 answer with a Content-Length (uvicorn's JSON)."""
    lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return int(lines[0].split(" ", 2)[1]), await reader.readexactly(length)


def _document_body(kiosk_id: str, nid: str, n: int) -> dict[str, str]:
    return {
        "document_type": "birth_certificate" if n % 2 else "individual_extract",
        "subject": nid,
        "payment_reference": f"B-{kiosk_id}-{n}-{uuid.uuid4().hex[:6]}",
        "idempotency_key": uuid.uuid4().hex,
    }


async def _lean(url: str, kiosks: list[Kiosk], per: int, barrier: Any) -> list[float]:
    from registry.signing import sign_request
    from verifier.keys import load_signing_key

    host, port = url.rsplit("/", 1)[1].split(":")
    go = asyncio.Event()

    async def login(k: Kiosk) -> tuple[_Connection, Any, str]:
        kiosk_id, key_path, nid, pin = k
        key = load_signing_key(Path(key_path))
        conn = _Connection(*await asyncio.open_connection(host, int(port)))
        body = json.dumps({"national_id": nid, "pin": pin}).encode()
        status, answer = await conn.request(
            "/api/v1/auth/login",
            body,
            sign_request(key, kiosk_id, "POST", "/api/v1/auth/login", body),
        )
        if status != 200:
            raise RuntimeError(f"login refused: {status} {answer[:200]!r}")
        return conn, key, json.loads(answer)["token"]

    async def run(k: Kiosk, conn: _Connection, key: Any, token: str) -> list[float]:
        kiosk_id, _, nid, _ = k
        await go.wait()
        lat = []
        for n in range(per):
            t = time.perf_counter()
            body = json.dumps(_document_body(kiosk_id, nid, n)).encode()
            headers = sign_request(key, kiosk_id, "POST", "/api/v1/documents", body)
            headers["Authorization"] = f"Bearer {token}"
            status, answer = await conn.request("/api/v1/documents", body, headers)
            if status != 201 or b'"qr_text":"SN1' not in answer:
                raise RuntimeError(f"issuance failed: {status} {answer[:200]!r}")
            lat.append(time.perf_counter() - t)
        conn.writer.close()
        return lat

    sessions = await asyncio.gather(*(login(k) for k in kiosks))
    tasks = [asyncio.create_task(run(k, *s)) for k, s in zip(kiosks, sessions, strict=True)]
    await asyncio.to_thread(barrier.wait)
    go.set()
    return [x for xs in await asyncio.gather(*tasks) for x in xs]


def _registry_client(url: str, kiosks: list[Kiosk], per: int, barrier: Any) -> list[float]:
    """The kiosk's own client (httpx), one thread per kiosk."""
    from registry.client import RegistryClient, new_idempotency_key
    from verifier.keys import load_signing_key

    def run(k: Kiosk) -> list[float]:
        kiosk_id, key_path, nid, pin = k
        lat = []
        with RegistryClient(url, kiosk_id, load_signing_key(Path(key_path)), timeout=120) as c:
            session = c.login(national_id=nid, pin=pin)
            barrier.wait()
            for n in range(per):
                body = _document_body(kiosk_id, nid, n)
                t = time.perf_counter()
                c.issue(
                    session,
                    document_type=body["document_type"],
                    subject=nid,
                    payment_reference=body["payment_reference"],
                    idempotency_key=new_idempotency_key(),
                )
                lat.append(time.perf_counter() - t)
        return lat

    with concurrent.futures.ThreadPoolExecutor(len(kiosks)) as pool:
        return [x for xs in pool.map(run, kiosks) for x in xs]


@dataclass
class _Phase:
    """What the first load-generator process measured around the issuing phase."""

    elapsed: float = 0.0
    server_ticks: int = 0
    pg_ticks: int | None = None

    def start(self, server_pid: int) -> None:
        pg = _postgres_ticks()
        self.server_ticks, self.pg_ticks = -_server_ticks(server_pid), -pg if pg else None
        self.elapsed = -time.perf_counter()

    def stop(self, server_pid: int) -> None:
        self.elapsed += time.perf_counter()
        self.server_ticks += _server_ticks(server_pid)
        pg = _postgres_ticks()
        self.pg_ticks = self.pg_ticks + pg if pg and self.pg_ticks is not None else None


class _StartGate:
    """Where a process's kiosks wait, logged in, until every process's are; the first process
    starts measuring there. `cpu0` is this process's CPU time at the start."""

    def __init__(self, parties: int, barrier: Any, on_open: Callable[[], None]) -> None:
        self._left = parties
        self._lock = threading.Lock()
        self._open = threading.Event()
        self._barrier = barrier
        self._on_open = on_open
        self.cpu0 = 0.0

    def wait(self) -> None:
        with self._lock:
            self._left -= 1
            last = self._left == 0
        if last:
            self._barrier.wait()
            self._on_open()
            self.cpu0 = time.process_time()
            self._open.set()
        self._open.wait()


def _load_process(
    index: int,
    mode: str,
    url: str,
    kiosks: list[Kiosk],
    per: int,
    barrier: Any,
    server_pid: int,
    out: Any,
) -> None:
    """A load-generator process: log in, wait for all, issue; report latencies and CPU.

    The processes meet at the barrier twice (all logged in; all done); the first one measures
    the wall time and the server's and PostgreSQL's CPU between the two."""
    phase = _Phase()
    first = index == 0

    def on_open() -> None:
        if first:
            phase.start(server_pid)

    if mode == "lean":
        gate = _StartGate(1, barrier, on_open)
        lat = asyncio.run(_lean(url, kiosks, per, gate))
    else:
        gate = _StartGate(len(kiosks), barrier, on_open)
        lat = _registry_client(url, kiosks, per, gate)
    cpu = time.process_time() - gate.cpu0
    barrier.wait()
    if first:
        phase.stop(server_pid)
    out.put((index, lat, cpu, phase))


def _drive(
    mode: str, url: str, kiosks: list[Kiosk], per: int, procs: int, server_pid: int
) -> tuple[list[float], float, _Phase]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(procs)
    out = ctx.Queue()
    groups = [kiosks[i::procs] for i in range(procs)]
    workers = [
        ctx.Process(target=_load_process, args=(i, mode, url, g, per, barrier, server_pid, out))
        for i, g in enumerate(groups)
    ]
    for w in workers:
        w.start()
    results = [out.get(timeout=900) for _ in workers]
    for w in workers:
        w.join(30)
    if any(w.exitcode for w in workers):
        raise RuntimeError("a load-generator process failed")
    lats = [x for _, lat, _, _ in results for x in lat]
    client_cpu = sum(cpu for _, _, cpu, _ in results)
    phase = next(p for i, _, _, p in results if i == 0)
    return lats, client_cpu, phase


# ---------------------------------------------------------------------------------------------
# Baselines


def _trivial_rate(url: str, seconds: float = 3.0) -> float:
    """GET /api/v1/fees from 8 kept-alive connections (the lean client's protocol)."""
    host, port = url.rsplit("/", 1)[1].split(":")

    async def worker(stop: float) -> int:
        reader, writer = await asyncio.open_connection(host, int(port))
        n = 0
        request = b"GET /api/v1/fees HTTP/1.1\r\nHost: registry\r\n\r\n"
        while time.perf_counter() < stop:
            writer.write(request)
            await _answer(reader)
            n += 1
        writer.close()
        return n

    async def main() -> float:
        start = time.perf_counter()
        done = sum(await asyncio.gather(*(worker(start + seconds) for _ in range(8))))
        return done / (time.perf_counter() - start)

    return asyncio.run(main())


def _signing_rate(n: int = 500) -> float:
    from verifier.fixtures import sample_documents
    from verifier.keys import SigningKey
    from verifier.sign import sign_document

    doc = sample_documents()[next(iter(sample_documents()))]
    key = SigningKey.generate()
    now = dt.datetime.now(dt.UTC)
    start = time.perf_counter()
    for i in range(n):
        sign_document(doc, serial=f"B26-{i:07d}-0", issuer="JO-CSPD", issued_at=now, key=key)
    return n / (time.perf_counter() - start)


def _pin_check() -> float:
    from registry import pins
    from registry.config import Settings

    s = Settings()
    stored = pins.hash_pin("493817", opslimit=s.pin_opslimit, memlimit=s.pin_memlimit)
    times = []
    for _ in range(7):
        t = time.perf_counter()
        assert pins.verify_pin(stored, "493817")
        times.append(time.perf_counter() - t)
    return statistics.median(times)


# ---------------------------------------------------------------------------------------------
# One database


def bench(
    name: str,
    url: str | None,
    clients: int,
    per: int,
    workers: int,
    persons: int,
    procs: int,
    mode: str,
) -> None:
    from registry import keyring, kiosks
    from registry.config import DataDir, Settings
    from registry.db import Database
    from registry.seed import initialise
    from verifier.keys import SigningKey, save_signing_key

    with tempfile.TemporaryDirectory(prefix="sanad-bench-") as tmp:
        data = DataDir(Path(tmp) / "data")
        t = time.perf_counter()
        initialise(data, database_url=url, demo=persons, seed=1)
        init_s = time.perf_counter() - t
        # cheap PINs for the load (the PIN cost is measured on its own below)
        db_line = f'database = "{url}"\n' if url else ""
        data.config_path.write_text(
            f"[registry]\n{db_line}pin_opslimit = 1\npin_memlimit_kib = 64\n"
            "kiosk_max_failures = 100000\n",
            encoding="utf-8",
        )
        with data.demo_citizens_path.open(encoding="utf-8", newline="") as f:
            citizens = list(csv.DictReader(f))[:clients]
        db = Database(data.database_url(url), pool_size=2)
        kiosk_rows: list[Kiosk] = []
        with db.session() as s:
            for i in range(clients):
                key = SigningKey.generate()
                path = Path(tmp) / f"k{i}.jwk"
                save_signing_key(key, path)
                kiosks.enroll(
                    s, f"B-{i:03d}", key.public.raw, "مركز", "Centre", dt.datetime.now(dt.UTC)
                )
                c = citizens[i]
                kiosk_rows.append((f"B-{i:03d}", str(path), c["national_id"], c["pin"]))
            s.flush()
            keyring.publish_trust_list(s, data, Settings())
        db.dispose()
        port = _free_port()
        log = open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "ab")  # noqa: SIM115
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sanad",
                "registry",
                "serve",
                "--data",
                str(data.root),
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            import httpx

            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                time.sleep(0.1)
            trivial = _trivial_rate(base)
            lats, client_cpu, phase = _drive(mode, base, kiosk_rows, per, procs, server.pid)
        finally:
            server.terminate()
            server.wait(10)
            log.close()
        lats.sort()
        n = len(lats)
        elapsed = phase.elapsed
        rate = n / elapsed
        hz = os.sysconf("SC_CLK_TCK")
        server_ms = phase.server_ticks / hz * 1000 / n
        pg_ms = phase.pg_ticks / hz * 1000 / n if phase.pg_ticks is not None and url else None
        client_ms = client_cpu * 1000 / n
        cores = os.cpu_count() or 1
        print(
            f"\n[{name}] {persons} persons initialised in {init_s:.1f} s; "
            f"{clients} kiosks x {per} documents, server workers {workers}, "
            f"load generator: {mode} in {procs} process(es)"
        )
        print(
            f"  issuance: {n} documents in {elapsed:.2f} s = {rate:.0f} docs/s; "
            f"p50 {lats[n // 2] * 1000:.0f} ms, p99 {lats[min(n - 1, int(n * 0.99))] * 1000:.0f} ms"
        )
        own = server_ms + (pg_ms or 0.0)
        pg_text = f" + PostgreSQL {pg_ms:.2f} ms" if pg_ms is not None else ""
        print(
            f"  CPU per document: server {server_ms:.2f} ms{pg_text} "
            f"(capacity on {cores} cores ≈ {cores * 1000 / own:.0f} docs/s with nothing else "
            f"running); load generator {client_ms:.2f} ms (same machine)"
        )
        print(
            f"  baseline, same server: GET /api/v1/fees {trivial:.0f} req/s; "
            f"issuance / trivial = {rate / trivial:.2f}"
        )


def _pg_database() -> tuple[str, str] | None:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError:
        return None
    from sqlalchemy import create_engine, text

    name = f"sanad_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _drop(name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--docs", type=int, default=20, help="documents per client")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (PG)")
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--procs", type=int, default=1, help="load-generator processes")
    parser.add_argument("--client", choices=("lean", "registry"), default="lean")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    a = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    print(f"raw signing (sign_document, one core): {_signing_rate():.0f} docs/s")
    print(f"one PIN check (Argon2id, opslimit 2, 64 MiB): {_pin_check() * 1000:.0f} ms")
    if not a.skip_sqlite:
        bench("SQLite", None, a.clients, a.docs, 1, a.persons, a.procs, a.client)
    if not a.skip_postgres:
        pg = _pg_database()
        if pg is None:
            print("\n[PostgreSQL] skipped: nothing listens on 127.0.0.1:5432")
        else:
            try:
                bench(
                    "PostgreSQL", pg[1], a.clients, a.docs, a.workers, a.persons, a.procs, a.client
                )
            finally:
                _drop(pg[0])
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
