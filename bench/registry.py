"""Registry benchmark: issuance throughput with concurrent kiosks, and the cost of a PIN check.

For SQLite and (when reachable) PostgreSQL on 127.0.0.1:5432, it initialises a registry with a
demo population, enrols one kiosk per client, starts `sanad registry serve` in its own process
and drives it from separate client processes (so the load generator does not share the
server's GIL): every client logs in and issues documents (signing included), each a real
signed HTTP request. It prints documents per second, latency percentiles, the server's CPU
time per document and, as baselines measured in the same run, the same server's trivial
endpoint (GET /api/v1/fees) and the raw signing rate (sign_document alone, one core).

    .venv/bin/python bench/registry.py [--clients 50] [--docs 20] [--workers 2] [--persons 2000]

The PIN check is Argon2id at the production cost (libsodium's interactive limits).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import csv
import datetime as dt
import multiprocessing
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

# this file is bench/registry.py: keep its directory off the path, or it shadows the package
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_ticks(pid: int) -> int:
    total = 0
    for p in [pid, *_children(pid)]:
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


def _client_process(args: tuple[str, list[tuple[str, str, str, str]], int]) -> list[float]:
    """One process driving several kiosks in threads; returns per-document latencies."""
    url, kiosks, per = args
    from registry.client import RegistryClient, new_idempotency_key
    from verifier.keys import load_signing_key

    def run(k: tuple[str, str, str, str]) -> list[float]:
        kiosk_id, key_path, nid, pin = k
        lat = []
        with RegistryClient(url, kiosk_id, load_signing_key(Path(key_path)), timeout=120) as c:
            session = c.login(national_id=nid, pin=pin)
            for n in range(per):
                t = time.perf_counter()
                c.issue(
                    session,
                    document_type="birth_certificate" if n % 2 else "individual_extract",
                    subject=nid,
                    payment_reference=f"B-{kiosk_id}-{n}-{uuid.uuid4().hex[:6]}",
                    idempotency_key=new_idempotency_key(),
                )
                lat.append(time.perf_counter() - t)
        return lat

    with concurrent.futures.ThreadPoolExecutor(len(kiosks)) as pool:
        return [x for xs in pool.map(run, kiosks) for x in xs]


def _trivial_rate(url: str, seconds: float = 3.0) -> float:
    import httpx

    done = 0
    stop = time.perf_counter() + seconds

    def worker(_: int) -> int:
        n = 0
        with httpx.Client(base_url=url) as c:
            while time.perf_counter() < stop:
                c.get("/api/v1/fees")
                n += 1
        return n

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        done = sum(pool.map(worker, range(8)))
    return done / (time.perf_counter() - start)


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


def bench(
    name: str, url: str | None, clients: int, per: int, workers: int, persons: int, procs: int
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
        kiosk_rows = []
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
            groups = [kiosk_rows[i::procs] for i in range(procs)]
            cpu0 = _cpu_ticks(server.pid)
            kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            with multiprocessing.get_context("spawn").Pool(procs) as pool:
                lats = [
                    x
                    for xs in pool.map(_client_process, [(base, g, per) for g in groups])
                    for x in xs
                ]
            elapsed = time.perf_counter() - t
            cpu = (_cpu_ticks(server.pid) - cpu0) / os.sysconf("SC_CLK_TCK")
            kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            client_cpu = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
        finally:
            server.terminate()
            server.wait(10)
            log.close()
        lats.sort()
        n = len(lats)
        rate = n / elapsed
        print(
            f"\n[{name}] {persons} persons initialised in {init_s:.1f} s; "
            f"{clients} kiosks x {per} documents, server workers {workers}"
        )
        print(
            f"  issuance: {n} documents in {elapsed:.2f} s = {rate:.0f} docs/s "
            f"(logins included); p50 {lats[n // 2] * 1000:.0f} ms, "
            f"p99 {lats[min(n - 1, int(n * 0.99))] * 1000:.0f} ms"
        )
        print(
            f"  server CPU: {cpu * 1000 / n:.1f} ms per document "
            f"(capacity on {os.cpu_count()} cores ≈ {os.cpu_count() * n / max(cpu, 1e-9):.0f} "
            "docs/s if the server had them to itself)"
        )
        print(f"  load generator CPU: {client_cpu * 1000 / n:.1f} ms per document (same machine)")
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
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    a = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    print(f"raw signing (sign_document, one core): {_signing_rate():.0f} docs/s")
    print(f"one PIN check (Argon2id, opslimit 2, 64 MiB): {_pin_check() * 1000:.0f} ms")
    if not a.skip_sqlite:
        bench("SQLite", None, a.clients, a.docs, 1, a.persons, a.procs)
    if not a.skip_postgres:
        pg = _pg_database()
        if pg is None:
            print("\n[PostgreSQL] skipped: nothing listens on 127.0.0.1:5432")
        else:
            try:
                bench("PostgreSQL", pg[1], a.clients, a.docs, a.workers, a.persons, a.procs)
            finally:
                _drop(pg[0])
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
