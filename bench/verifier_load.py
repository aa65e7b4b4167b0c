"""Load benchmark of the verification service, with its HTTP and crypto ceilings in the same run.

Starts `sanad verify serve` on loopback pinned to its own cores (`taskset`, default core 0,
one worker per core), then from a separate load generator pinned to the other cores
(default core 1; Debian's `wrk` if installed, else an httpx asyncio client in its own
process; that client saturates long before the server, so use wrk for real figures), so
the two never compete for a core:

1. POST /api/v1/verify with valid and invalid QR texts mixed (half valid: one of every
   document type; half not: forged signature, unknown signer, damaged, not Sanad at all);
2. GET /healthz on the same server: the HTTP ceiling (what the stack costs with no work);
3. raw PyNaCl Ed25519 verifications per second in this process: the crypto ceiling.

Prints requests/s, p50 and p99 latency, errors, the ratios, and the issue's goals
(>= 2,000 verifications/s, p99 < 50 ms, zero errors, verification costing < 30% of
throughput against the trivial endpoint).

    .venv/bin/python bench/verifier_load.py               # 60 s per HTTP phase
    .venv/bin/python bench/verifier_load.py --seconds 10  # a quick look
    .venv/bin/python bench/verifier_load.py --server-cpus 0,1 --client-cpus 2,3

The crypto and library ceilings are measured on one of the server's cores after the HTTP
phases. Other processes on the machine still share those cores: read the load average printed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from verifier.codec import decode_text, encode_text
from verifier.fixtures import ISSUER, make_dev_fixtures, sample_documents, sample_serial
from verifier.keys import SigningKey
from verifier.sign import sign_document


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _texts(fixtures_dir: Path) -> tuple[list[str], list[str]]:
    made = make_dev_fixtures(fixtures_dir)
    valid = [p.read_text().strip() for p in made.samples.values()]
    forged = bytearray(decode_text(valid[0]))
    forged[-1] ^= 1
    stranger = sign_document(
        next(iter(sample_documents().values())),
        serial=sample_serial(next(iter(sample_documents()))),
        issuer=ISSUER,
        issued_at=dt.datetime.now(dt.UTC),
        key=SigningKey.generate(),
    )
    damaged = valid[1][:-40] + "A" * 40
    invalid = [
        encode_text(bytes(forged)),
        stranger,
        damaged,
        "HTTPS://EXAMPLE.ORG/NOT-A-SANAD-CODE",
        encode_text(bytes(forged)),
        stranger,
        damaged,
    ]
    return valid, invalid


# -- load generators --------------------------------------------------------------------------

_LUA = """
local bodies = %s
local i = 0
request = function()
  i = i %% #bodies + 1
  return wrk.format("POST", "/api/v1/verify", {["Content-Type"] = "application/json"}, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%f %%f\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""
_LUA_GET = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %f %f\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pinned(cpus: str | None, argv: list[str]) -> list[str]:
    return ["taskset", "-c", cpus, *argv] if cpus else argv


def run_wrk(
    name: str,
    url: str,
    bodies: list[str] | None,
    seconds: int,
    connections: int,
    work: Path,
    cpus: str | None = None,
) -> Result:
    script = work / f"{name}.lua"
    if bodies is None:
        script.write_text(_LUA_GET)
    else:
        table = "{" + ", ".join(_lua_string(b) for b in bodies) + "}"
        script.write_text(_LUA % table)
    threads = len(cpus.split(",")) if cpus else 1
    out = subprocess.run(
        _pinned(
            cpus,
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "5s",
                "-s",
                str(script),
                url,
            ],
        ),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    _, n, duration_us, errors, p50, p99 = line.split()
    return Result(
        name, int(n), int(duration_us) / 1e6, float(p50) / 1000, float(p99) / 1000, int(errors)
    )


def _httpx_worker(
    url: str,
    bodies: list[str] | None,
    seconds: float,
    connections: int,
    out: multiprocessing.Queue[tuple[int, float, float, int, float]],
) -> None:
    async def main() -> tuple[int, list[float], int]:
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=5) as client:

            async def one(k: int) -> None:
                nonlocal errors
                i = k
                while time.perf_counter() < deadline:
                    started = time.perf_counter()
                    try:
                        if bodies is None:
                            r = await client.get(url)
                        else:
                            i = (i + 1) % len(bodies)
                            r = await client.post(
                                url, content=bodies[i], headers={"Content-Type": "application/json"}
                            )
                        if r.status_code != 200:
                            errors += 1
                    except httpx.HTTPError:
                        errors += 1
                    latencies.append(time.perf_counter() - started)

            await asyncio.gather(*(one(k) for k in range(connections)))
        return len(latencies), latencies, errors

    started = time.perf_counter()
    n, lat, errors = asyncio.run(main())
    elapsed = time.perf_counter() - started
    lat.sort()
    p50 = lat[len(lat) // 2] if lat else 0.0
    p99 = lat[int(len(lat) * 0.99)] if lat else 0.0
    out.put((n, p50, p99, errors, elapsed))


def run_httpx(
    name: str, url: str, bodies: list[str] | None, seconds: int, connections: int
) -> Result:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_httpx_worker, args=(url, bodies, seconds, connections, queue))
    proc.start()
    n, p50, p99, errors, elapsed = queue.get(timeout=seconds + 60)
    proc.join()
    return Result(name, n, elapsed, p50 * 1000, p99 * 1000, errors)


# -- ceilings ---------------------------------------------------------------------------------


def pynacl_rate(seconds: float) -> float:
    """Ed25519 verifications per second, one core, over a document-sized message."""
    import nacl.signing

    key = nacl.signing.SigningKey.generate()
    message = os.urandom(400)
    signed = key.sign(message)
    verify_key = key.verify_key
    n = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        for _ in range(200):
            verify_key.verify(signed)
        n += 200
    return n / (time.perf_counter() - started)


def library_rate(
    valid: list[str], invalid: list[str], root_key: Path, trust: Path, seconds: float
) -> float:
    """verifier.verify() + to_json() per second, one core, no HTTP: the library's own cost."""
    from verifier.keys import load_public_key
    from verifier.trust import load_trust_list
    from verifier.verify import verify

    tl = load_trust_list(trust.read_bytes(), [load_public_key(root_key)])
    texts = [t for pair in zip(valid, invalid, strict=True) for t in pair]
    n = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        for t in texts:
            verify(t, tl).to_json()
        n += len(texts)
    return n / (time.perf_counter() - started)


# -- the run ----------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=60, help="length of each HTTP phase")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument(
        "--workers", type=int, default=0, help="server workers (default: one per server core)"
    )
    ap.add_argument("--server-cpus", default="0", help="cores for the server (taskset -c)")
    ap.add_argument("--client-cpus", default="1", help="cores for the load generator")
    ap.add_argument("--no-pin", action="store_true", help="do not pin either (shared cores)")
    ap.add_argument("--client", choices=["auto", "wrk", "httpx"], default="auto")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = ap.parse_args()
    server_cpus = None if args.no_pin else args.server_cpus
    client_cpus = None if args.no_pin else args.client_cpus
    if not args.workers:
        args.workers = len(server_cpus.split(",")) if server_cpus else 2
    if server_cpus and not shutil.which("taskset"):
        print("taskset is not installed: use --no-pin")
        return 2
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "httpx"
    sanad = Path(sys.executable).parent / "sanad"

    with tempfile.TemporaryDirectory(prefix="sanad-bench-") as tmp:
        work = Path(tmp)
        valid, invalid = _texts(work / "fixtures")
        bodies = [
            json.dumps({"qr_text": t}) for pair in zip(valid, invalid, strict=True) for t in pair
        ]
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            _pinned(
                server_cpus,
                [
                    str(sanad),
                    "verify",
                    "serve",
                    "--root-key",
                    str(work / "fixtures" / "root.pub.jwk"),
                    "--trust-list",
                    str(work / "fixtures" / "trust-list.cose"),
                    "--port",
                    str(port),
                    "--workers",
                    str(args.workers),
                    "--rate-limit",
                    "0",
                    "--log-level",
                    "warning",
                ],
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    print(
                        "the server did not start:",
                        server.stderr.read().decode()[-2000:] if server.stderr else "",
                    )
                    return 2
                time.sleep(0.2)
            # Correctness first: every body gets the verdict it should.
            with httpx.Client(base_url=base) as c:
                got = [
                    c.post(
                        "/api/v1/verify", content=b, headers={"Content-Type": "application/json"}
                    ).json()["valid"]
                    for b in bodies
                ]
            assert got == [True, False] * len(valid), got

            def load(name: str, path: str, use_bodies: list[str] | None, seconds: int) -> Result:
                if client == "wrk":
                    return run_wrk(
                        name, base + path, use_bodies, seconds, args.connections, work, client_cpus
                    )
                return run_httpx(name, base + path, use_bodies, seconds, args.connections)

            load("warmup", "/api/v1/verify", bodies, 2)
            print(f"load average before the run: {os.getloadavg()}")
            print(
                f"load generator: {client}, {args.connections} connections, "
                f"{args.seconds} s per phase; server: {args.workers} workers; "
                f"{os.cpu_count()} CPUs; "
                + (
                    f"server pinned to {server_cpus}, load generator to {client_cpus}"
                    if server_cpus
                    else "server and load generator share the cores"
                ),
                flush=True,
            )
            verify_r = load("verify", "/api/v1/verify", bodies, args.seconds)
            trivial_r = load("trivial", "/healthz", None, args.seconds)
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
        if server_cpus:  # the per-core ceilings on a server core
            os.sched_setaffinity(0, {int(server_cpus.split(",")[0])})
        crypto = pynacl_rate(min(5.0, args.seconds))
        library = library_rate(
            valid,
            invalid,
            work / "fixtures" / "root.pub.jwk",
            work / "fixtures" / "trust-list.cose",
            min(5.0, args.seconds),
        )

    cost = 1 - verify_r.rps / trivial_r.rps if trivial_r.rps else float("nan")
    print()
    print(f"{'phase':<34}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for r, label in (
        (verify_r, "POST /api/v1/verify (50% valid)"),
        (trivial_r, "GET /healthz (HTTP ceiling)"),
    ):
        print(f"{label:<34}{r.rps:>10,.0f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}{r.errors:>8}")
    print(f"{'PyNaCl Ed25519 verify, 1 core':<34}{crypto:>10,.0f}")
    print(f"{'verify()+to_json(), 1 core, no HTTP':<34}{library:>10,.0f}")
    print()
    print(
        f"verification throughput / HTTP ceiling: {verify_r.rps / trivial_r.rps:.0%} "
        f"(verification costs {cost:.0%} of throughput)"
    )
    print(
        f"verification throughput / crypto ceiling x {args.workers} workers: "
        f"{verify_r.rps / (crypto * args.workers):.0%}"
    )
    goals = {
        ">= 2,000 verifications/s": verify_r.rps >= 2000,
        "p99 < 50 ms": verify_r.p99_ms < 50,
        "zero errors": verify_r.errors == 0 and trivial_r.errors == 0,
        "verification costs < 30% of throughput": cost < 0.30,
    }
    for goal, ok in goals.items():
        print(f"  {'PASS' if ok else 'MISS'}  {goal}")
    if args.json:
        print(
            json.dumps(
                {
                    "client": client,
                    "seconds": args.seconds,
                    "connections": args.connections,
                    "workers": args.workers,
                    "server_cpus": server_cpus,
                    "client_cpus": client_cpus,
                    "load_average": os.getloadavg(),
                    "verify": {
                        "rps": verify_r.rps,
                        "p50_ms": verify_r.p50_ms,
                        "p99_ms": verify_r.p99_ms,
                        "errors": verify_r.errors,
                    },
                    "trivial": {
                        "rps": trivial_r.rps,
                        "p50_ms": trivial_r.p50_ms,
                        "p99_ms": trivial_r.p99_ms,
                        "errors": trivial_r.errors,
                    },
                    "pynacl_per_core": crypto,
                    "library_per_core": library,
                    "cost_vs_trivial": cost,
                    "goals": goals,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
