#!/usr/bin/env python3
"""Data-exchange benchmark: yes/no queries per second over mutual TLS with 2 workers, on
PostgreSQL (127.0.0.1:5432, a database of its own, dropped at the end), next to the same
queries without TLS in the same run.

A demo population is initialised, the agency BENCH is registered (its legal basis allows
`is_alive` and `is_over_18`, its rate high enough never to be the answer) and given a client
certificate from the agency CA, as `sanad registry agency csr-sign` does. Then:

- TLS: `sanad registry exchange serve --workers W` as its own process, a throwaway
  server certificate for 127.0.0.1, the agency CA as the only trust anchor;
- plain: the same app (`create_exchange_app_from_env`, the same database and signing key)
  served by uvicorn with W workers over plain HTTP on 127.0.0.1 from this script
  (`--serve-plain`, never bound elsewhere). With no TLS there is no peer certificate, so
  its protocol hands every connection the agency certificate's DER, and each request still
  looks the serial up exactly as over TLS: the difference is TLS alone.

Each of C client threads holds one keep-alive httpx connection (opened, and over TLS
handshaken, by one warm-up request before the clock starts) and takes queries from a
shared counter until Q have been asked; every one is answered and audited (a signed
COSE_Sign1, one hash-chained audit entry) like a real query. The load generator runs on the
same machine and takes CPU from the server: the figures are for this machine, both
variants alike.

    .venv/bin/python bench/exchange.py [--queries 3000] [--clients 16] [--workers 2]

Never asserts timings; the machine is shared, so the load average is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import ipaddress
import itertools
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from uvicorn.protocols.http.h11_impl import H11Protocol  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PEER_ENV = "SANAD_BENCH_PEER_DER"  # the plain server: the agency certificate, DER, hex
HOST = "127.0.0.1"


class FixedPeerProtocol(H11Protocol):
    """The plain server's h11 protocol: every connection carries the agency certificate's
    DER where `PeerCertProtocol` puts the TLS peer's, so the app does the same work."""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.app_state = {**self.app_state, "tls_peer_der": bytes.fromhex(os.environ[PEER_ENV])}


def _serve_plain(port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "registry.exchange.listener:create_exchange_app_from_env",
        factory=True,
        host=HOST,  # plain HTTP: this machine only
        port=port,
        workers=workers,
        http=FixedPeerProtocol,
        log_level="warning",
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _pem_key(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _server_cert(tmp: Path, now: dt.datetime) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "server.pem", tmp / "server-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_pem_key(key))
    return cert_path, key_path


def _agency(data: Any, url: str, tmp: Path, now: dt.datetime) -> tuple[Path, Path, bytes]:
    """BENCH registered and certified: (cert, key, cert DER)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from registry.db import Database
    from registry.exchange import agencies
    from registry.exchange.ca import create_ca

    ca = create_ca(Path(data.keys_dir) / "agency-ca", now)
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "BENCH")]))
        .sign(key, hashes.SHA256())
    )
    db = Database(url)
    with db.session() as s:
        agencies.add_agency(
            s,
            "BENCH",
            "جهة القياس",
            "Benchmark agency",
            "bench@example",
            {"bench": ["is_alive", "is_over_18"]},
            now,
            100_000,
        )
        s.flush()
        issued = ca.sign_csr(csr.public_bytes(serialization.Encoding.PEM), "BENCH", now)
        agencies.record_certificate(s, "BENCH", issued, now)
    db.dispose()
    cert_path, key_path = tmp / "bench.pem", tmp / "bench-key.pem"
    cert_path.write_bytes(issued.pem)
    key_path.write_bytes(_pem_key(key))
    der = x509.load_pem_x509_certificate(issued.pem).public_bytes(serialization.Encoding.DER)
    return cert_path, key_path, der


def _wait_listening(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"the server on port {port} exited ({server.returncode})")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def _server_ticks(pid: int) -> int:
    """CPU ticks (user + system) of a process and all its descendants (the workers)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return total


def _drive(
    base: str,
    verify: ssl.SSLContext | bool,
    ids: list[str],
    queries: int,
    clients: int,
    server_pid: int,
) -> tuple[float, list[float], dict[int | str, int]]:
    """C threads, one keep-alive client each, Q queries in all: (wall s, latencies, statuses)."""
    import httpx

    counter = itertools.count()
    lats: list[list[float]] = [[] for _ in range(clients)]
    statuses: dict[int | str, int] = {}
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    done = threading.Barrier(clients + 1)
    kinds = ("is_alive", "is_over_18")

    def ask(c: httpx.Client, i: int) -> int:
        body = {
            "legal_basis": "bench",
            "case_reference": f"B-{i}",
            "national_id": ids[i % len(ids)],
        }
        return c.post(f"/api/v1/exchange/{kinds[i % 2]}", json=body).status_code

    def run(k: int) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        with httpx.Client(base_url=base, verify=verify, limits=limits, timeout=60) as c:
            ask(c, k)  # the connection (and handshake) before the clock
            ready.wait()
            mine = lats[k]
            while (i := next(counter)) < queries:
                t0 = time.perf_counter()
                status = ask(c, i)
                mine.append(time.perf_counter() - t0)
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
            done.wait()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    t0 = time.perf_counter()
    ticks = _server_ticks(server_pid)
    done.wait()
    wall = time.perf_counter() - t0
    ticks = _server_ticks(server_pid) - ticks
    for t in threads:
        t.join()
    statuses["server_cpu_ms"] = ticks * 1000 // os.sysconf("SC_CLK_TCK")
    return wall, sorted(x for xs in lats for x in xs), statuses


def _report(label: str, wall: float, lats: list[float], statuses: dict[int | str, int]) -> float:
    n = len(lats)
    rate = n / wall
    p50, p99 = lats[n // 2], lats[min(n - 1, int(n * 0.99))]
    cpu = statuses.pop("server_cpu_ms") / n
    print(
        f"  {label:<28} {n} queries in {wall:6.2f} s = {rate:6.0f} q/s; "
        f"p50 {p50 * 1000:6.1f} ms, p99 {p99 * 1000:6.1f} ms; "
        f"server CPU {cpu:.2f} ms/query; statuses {statuses}"
    )
    return rate


def _measure(url: str, args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from registry.config import DataDir, Settings
    from registry.db import Database
    from registry.models import Person
    from registry.seed import initialise
    from registry.service import DATA_ENV, DB_ENV

    now = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data = DataDir(tmp / "data")
        t0 = time.perf_counter()
        initialise(
            data,
            database_url=url,
            demo=args.persons,
            seed=5,
            settings=Settings(pin_opslimit=1, pin_memlimit=64 * 1024),
        )
        cert, key, der = _agency(data, url, tmp, now)
        server_cert, server_key = _server_cert(tmp, now)
        db = Database(url)
        with db.session() as s:
            ids = list(s.scalars(select(Person.national_id).order_by(Person.id)))
        db.dispose()
        print(
            f"{len(ids)} persons initialised in {time.perf_counter() - t0:.1f} s; "
            f"{args.queries} queries, {args.clients} clients, {args.workers} server workers"
        )
        env = {**os.environ, DATA_ENV: str(data.root), DB_ENV: url, PEER_ENV: der.hex()}
        tls_port, plain_port = _free_port(), _free_port()
        log = open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "ab")  # noqa: SIM115
        tls_cmd = [
            *(sys.executable, "-m", "sanad", "registry", "exchange", "serve"),
            *("--data", str(data.root), "--db", url, "--port", str(tls_port)),
            *("--cert", str(server_cert), "--key", str(server_key)),
            *("--workers", str(args.workers)),
        ]
        plain_cmd = [
            *(sys.executable, str(Path(__file__).resolve()), "--serve-plain", str(plain_port)),
            *("--workers", str(args.workers)),
        ]
        servers: list[subprocess.Popen[bytes]] = []
        try:
            # the TLS server first: it makes the exchange key the plain one reads
            servers.append(subprocess.Popen(tls_cmd, env=env, stdout=log, stderr=log))
            _wait_listening(tls_port, servers[0])
            servers.append(subprocess.Popen(plain_cmd, env=env, stdout=log, stderr=log))
            _wait_listening(plain_port, servers[1])
            ctx = ssl.create_default_context(cafile=str(server_cert))
            ctx.load_cert_chain(str(cert), str(key))
            rates: dict[str, list[float]] = {"tls": [], "plain": []}
            for r in range(1, args.rounds + 1):
                print(f" round {r}")
                for label, base, verify, pid in (
                    ("tls", f"https://{HOST}:{tls_port}", ctx, servers[0].pid),
                    ("plain", f"http://{HOST}:{plain_port}", False, servers[1].pid),
                ):
                    wall, lats, statuses = _drive(
                        base, verify, ids, args.queries, args.clients, pid
                    )
                    name = (
                        f"mutual TLS, {args.workers} workers"
                        if label == "tls"
                        else (f"plain HTTP, {args.workers} workers")
                    )
                    rates[label].append(_report(name, wall, lats, statuses))
            best_tls, best_plain = max(rates["tls"]), max(rates["plain"])
            print(
                f"  best of {args.rounds}: TLS {best_tls:.0f} q/s, plain {best_plain:.0f} q/s, "
                f"TLS/plain {best_tls / best_plain:.2f}"
            )
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                try:
                    server.wait(15)
                except subprocess.TimeoutExpired:
                    server.kill()
            log.close()
    print("load average", os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=3000, help="per variant and round")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--persons", type=int, default=300)
    parser.add_argument("--serve-plain", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_plain:
        _serve_plain(args.serve_plain, args.workers)
        return
    print("load average", os.getloadavg())
    from sqlalchemy import create_engine, text

    name = f"sanad_bench_exchange_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _measure(PG_ADMIN.rsplit("/", 1)[0] + "/" + name, args)
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
