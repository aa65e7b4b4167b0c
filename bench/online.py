#!/usr/bin/env python3
"""Online e-services benchmark: orders per second end to end with concurrent citizens.

On PostgreSQL (127.0.0.1:5432, a throwaway database, dropped at the end unless --keep) it
initialises a registry with a demo population (every adult demo citizen has a phone), enrols
a portal channel with `sanad registry portal enroll` and starts, each as its own process, the
mobile-money simulator (`sanad sim pay`) and the registry (`sanad registry serve --workers 2`)
with its `[payments]` pointed at the simulator through the environment, as `sanad demo` does.

Then N citizens at once (one thread each, `registry.client.RegistryClient` signed as the
portal, as the portal itself calls the registry) each:
  1. sign in: `portal_sign_in` (PIN), the one-time code read from the registry's SMS outbox
     (the `sms_outbox` row for that number: the text the citizen would receive), `portal_verify`;
  2. for each of --orders orders: `place_order` (a birth certificate for themself, collected
     at a kiosk) and `pay_order` (the simulator answers 202; its signed callback arrives
     --callback-delay seconds later, as an operator's would), then wait until the order is
     "ready": one watcher reads the orders' states from the database every 20 ms (so a
     hundred citizens do not poll the API), and the citizen confirms with `order()`.
Printed: sign-in (and its two requests), place+pay and paid→ready p50/p99, orders per second
over the phase (first sign-in to the last "ready"), failures by kind; from the registry's
ledger the payment opened→captured time (server clock, no polling in it; the orders' own
times are whole seconds) and that each order has exactly one captured payment; how the
registry answered the simulator's callbacks (a retried one shows as 2 attempts); CPU per
order of the registry's processes, the simulator's and this database's PostgreSQL backends
(from /proc, as bench/registry.py; other databases on the shared server are left out).

Baselines measured in the same run, same concurrency, before the orders:
  - the kiosk path: the same citizens log in at once at enrolled kiosks, one each (the PIN
    check a portal sign-in makes, but each kiosk its own channel), then issue --orders birth
    certificates each at once (POST /api/v1/documents through the same client): login
    p50/p99, documents per second, p50/p99, CPU per document;
  - the bare request-to-pay on the simulator (no callback asked): requests per second.

SMS per second through the SMSC simulator is bench/sms.py's measurement (outbox → worker →
SMPP → `sanad sim smsc`); `--sms N` runs it after the orders with N messages.

    .venv/bin/python bench/online.py [--citizens 100] [--orders 2] [--quick] [--sms N]
                                     [--workers 2] [--callback-delay 0.2] [--keep]

--quick: 20 citizens, one order each, a smaller population. Never asserts timings; the machine
is shared, so the load average is printed. Load generator, registry, simulator and PostgreSQL
share this machine's cores.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import csv
import datetime as dt
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# this file is bench/online.py: keep its directory off the path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PORTAL_ID = "PORTAL-BENCH"
CODE = re.compile(r"\b(\d{6})\b")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ms(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))] * 1000


def _pq(xs: list[float]) -> str:
    return f"p50 {_ms(xs, 0.5):6.0f} ms  p99 {_ms(xs, 0.99):6.0f} ms"


def _database() -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    name = f"sanad_online_bench_{uuid.uuid4().hex[:8]}"
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


@contextlib.contextmanager
def _process(
    name: str, args: list[str], health: str, env: dict[str, str], logs: Path
) -> Iterator[int]:
    """`sanad ARGS` in its own process (output in LOGS/NAME.log) until the block ends, once
    `health` answers 200; yields its pid."""
    import httpx

    log = (logs / f"{name}.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sanad", *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **env},
    )
    try:
        deadline = time.monotonic() + 180  # imports are slow on a loaded machine
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(health, timeout=1).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {name} did not start; see {log.name}")
            time.sleep(0.1)
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _sanad(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sanad", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"sanad {' '.join(args[:3])} failed: {done.stderr.strip()}")
    return done.stdout


def _ticks(pids: list[int]) -> int:
    total = 0
    for p in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total


def _tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's workers are its children)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return found


def _backends(url: str) -> dict[int, int]:
    """CPU ticks of this database's PostgreSQL backends, by pid (other databases on a shared
    server are left out; so are PostgreSQL's own background processes)."""
    import psycopg

    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        pids = [
            int(r[0])
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ]
    return {p: _ticks([p]) for p in pids}


@dataclass
class Cpu:
    """CPU seconds of the registry's processes, the simulator's and this database's
    PostgreSQL backends (by pid: a backend that ends before the next reading is lost, but
    the registry's pooled connections last the run)."""

    registry: float
    simulator: float
    backends: dict[int, int]

    @classmethod
    def now(cls, registry_pid: int, simulator_pid: int, url: str) -> Cpu:
        hz = os.sysconf("SC_CLK_TCK")
        return cls(
            _ticks(_tree(registry_pid)) / hz,
            _ticks(_tree(simulator_pid)) / hz,
            _backends(url),
        )

    @property
    def postgres(self) -> float:
        return sum(self.backends.values()) / os.sysconf("SC_CLK_TCK")

    def since(self, before: Cpu) -> Cpu:
        return Cpu(
            self.registry - before.registry,
            self.simulator - before.simulator,
            {p: t - before.backends.get(p, 0) for p, t in self.backends.items()},
        )

    def per(self, n: int) -> str:
        n = max(n, 1)
        return (
            f"registry {self.registry * 1000 / n:.1f} ms, simulator "
            f"{self.simulator * 1000 / n:.1f} ms, PostgreSQL {self.postgres * 1000 / n:.1f} ms"
        )


# ---------------------------------------------------------------------------------------------
# Setting up


@dataclass
class Setup:
    data: Any  # registry.config.DataDir
    url: str
    citizens: list[dict[str, str]]
    portal_key: Any  # verifier.keys.SigningKey
    kiosk_keys: dict[str, Any]
    secret_file: Path


def _citizens(path: Path, n: int) -> list[dict[str, str]]:
    """The first n demo citizens with a phone of their own (a demo number is drawn from the
    national number, so two may share one: those are left out, the code is read by number)."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["phone"]]
    count = Counter(r["phone"] for r in rows)
    own = [r for r in rows if count[r["phone"]] == 1]
    if len(own) < n:
        raise SystemExit(f"only {len(own)} demo citizens with a phone of their own: more --persons")
    return own[:n]


def setup(tmp: Path, url: str, persons: int, n: int) -> Setup:
    from registry import keyring, kiosks
    from registry.config import DataDir, PaymentsConfig, load_settings
    from registry.db import Database
    from registry.payments import setup as payments_setup
    from registry.seed import initialise
    from verifier.keys import SigningKey, save_public_key

    data = DataDir(tmp / "registry")
    t = time.perf_counter()
    initialise(data, database_url=url, demo=persons, seed=1)
    payments_setup.ensure_secrets(data, PaymentsConfig())
    portal_key = SigningKey.generate()
    save_public_key(portal_key.public, tmp / "portal.pub.jwk")
    _sanad("registry", "portal", "enroll", "--data", str(data.root), "--id", PORTAL_ID,
           "--public-key", str(tmp / "portal.pub.jwk"))  # fmt: skip
    # the baseline's kiosks, one per citizen (as bench/registry.py)
    kiosk_keys = {f"BK-{i:03d}": SigningKey.generate() for i in range(n)}
    db = Database(url, pool_size=1)
    try:
        with db.session() as s:
            now = dt.datetime.now(dt.UTC)
            for kiosk_id, key in kiosk_keys.items():
                kiosks.enroll(s, kiosk_id, key.public.raw, "مركز", "Centre", now)
            s.flush()
            keyring.publish_trust_list(s, data, load_settings(data))
    finally:
        db.dispose()
    citizens = _citizens(data.demo_citizens_path, n)
    print(
        f"set up: {persons} persons, portal and {n} kiosks enrolled in "
        f"{time.perf_counter() - t:.1f} s"
    )
    return Setup(
        data,
        url,
        citizens,
        portal_key,
        kiosk_keys,
        data.root / PaymentsConfig().callback_secret_file,
    )


# ---------------------------------------------------------------------------------------------
# Waiting for "ready" (the database, not the API: a hundred pollers would be the load)


class ReadyWatcher:
    """Every 20 ms, which of the awaited orders have left "unpaid"; wakes their citizens."""

    def __init__(self, url: str) -> None:
        from registry.db import Database

        self._db = Database(url, pool_size=1)
        self._waiting: dict[str, tuple[threading.Event, list[str]]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ReadyWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._db.dispose()

    def wait(self, code: str, timeout: float) -> str | None:
        """The order's new state ("ready", or what else it became), None on timeout."""
        event, state = threading.Event(), list[str]()
        with self._lock:
            self._waiting[code] = (event, state)
        if not event.wait(timeout):
            with self._lock:
                self._waiting.pop(code, None)
            return None
        return state[0]

    def _run(self) -> None:
        from sqlalchemy import select

        from registry.models import Order

        while not self._stop.wait(0.02):
            with self._lock:
                codes = list(self._waiting)
            if not codes:
                continue
            with self._db.session() as s:
                moved = s.execute(
                    select(Order.code, Order.state).where(
                        Order.code.in_(codes), Order.state != "unpaid"
                    )
                ).all()
            with self._lock:
                for code, state in moved:
                    event, box = self._waiting.pop(code, (None, []))
                    if event is not None:
                        box.append(state)
                        event.set()


# ---------------------------------------------------------------------------------------------
# The citizens


@dataclass
class Results:
    sign_in: list[float] = field(default_factory=list)
    pin_step: list[float] = field(default_factory=list)  # POST /api/v1/portal/sign-in
    verify: list[float] = field(default_factory=list)
    place_pay: list[float] = field(default_factory=list)
    ready: list[float] = field(default_factory=list)
    whole: list[float] = field(default_factory=list)  # sign-in to the last order ready
    failures: Counter[str] = field(default_factory=Counter)
    codes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, value: object) -> None:
        with self.lock:
            getattr(self, name).append(value)

    def fail(self, what: str, exc: BaseException) -> None:
        code = getattr(exc, "code", None)
        with self.lock:
            self.failures[f"{what}: {type(exc).__name__}{f' {code}' if code else ''}"] += 1


def _otp(db: Any, phone: str) -> str:
    from sqlalchemy import select

    from registry.models import SmsMessage

    with db.session() as s:
        body = s.execute(
            select(SmsMessage.body)
            .where(SmsMessage.to == phone, SmsMessage.template == "otp")
            .order_by(SmsMessage.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    found = CODE.search(body or "")
    if found is None:
        raise RuntimeError("no sign-in code was queued")
    return found.group(1)


def online(base: str, st: Setup, orders: int, timeout: float) -> tuple[Results, float, float]:
    """Every citizen at once; the results, the phase's wall time and this process's CPU."""
    from registry.client import RegistryClient, new_idempotency_key
    from registry.db import Database

    res = Results()
    barrier = threading.Barrier(len(st.citizens) + 1)
    db = Database(st.url, pool_size=4)

    def citizen(c: dict[str, str], watcher: ReadyWatcher) -> None:
        with RegistryClient(base, PORTAL_ID, st.portal_key, timeout=timeout) as client:
            barrier.wait()
            t0 = time.perf_counter()
            try:
                challenge = client.portal_sign_in(national_id=c["national_id"], pin=c["pin"])
                res.add("pin_step", time.perf_counter() - t0)
                code = _otp(db, c["phone"])
                tv = time.perf_counter()
                session = client.portal_verify(challenge.challenge, code)
                res.add("verify", time.perf_counter() - tv)
            except Exception as exc:
                res.fail("sign-in", exc)
                return
            res.add("sign_in", time.perf_counter() - t0)
            for _ in range(orders):
                t1 = time.perf_counter()
                try:
                    order = client.place_order(
                        session,
                        document_type="birth_certificate",
                        subject=c["national_id"],
                        collection="kiosk",
                        idempotency_key=new_idempotency_key(),
                    )
                    client.pay_order(
                        session,
                        order.code,
                        msisdn=c["phone"],
                        idempotency_key=new_idempotency_key(),
                    )
                except Exception as exc:
                    res.fail("place+pay", exc)
                    continue
                t2 = time.perf_counter()
                state = watcher.wait(order.code, timeout)
                if state != "ready":
                    res.failures[f"not ready: {state or 'timed out'}"] += 1
                    continue
                try:
                    seen = client.order(session, order.code).state
                except Exception as exc:
                    res.fail("order", exc)
                    continue
                if seen != "ready":
                    res.failures[f"the API says {seen}"] += 1
                    continue
                t3 = time.perf_counter()
                res.add("place_pay", t2 - t1)
                res.add("ready", t3 - t2)
                res.add("codes", order.code)
            res.add("whole", time.perf_counter() - t0)

    try:
        with (
            ReadyWatcher(st.url) as watcher,
            concurrent.futures.ThreadPoolExecutor(len(st.citizens)) as pool,
        ):
            futures = [pool.submit(citizen, c, watcher) for c in st.citizens]
            barrier.wait()
            cpu0, t = time.process_time(), time.perf_counter()
            for f in futures:
                f.result()
            elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu0
    finally:
        db.dispose()
    return res, elapsed, cpu


def ledger_check(url: str, codes: list[str]) -> tuple[str, set[str]]:
    """From the registry's ledger: payment opened → captured by the callback (the server's
    clock, no polling in it; the orders' own times are whole seconds) and whether every
    order has exactly one captured payment; callbacks the registry saw."""
    from sqlalchemy import select

    from registry.db import Database
    from registry.models import Order, PaymentRow

    db = Database(url, pool_size=1)
    try:
        with db.session() as s:
            rows = s.execute(
                select(Order.id, PaymentRow.state, PaymentRow.created_at, PaymentRow.captured_at,
                       PaymentRow.callbacks_seen, PaymentRow.provider_reference)
                .join(PaymentRow, PaymentRow.order_id == Order.id)
                .where(Order.code.in_(codes))
            ).all()  # fmt: skip
    finally:
        db.dispose()
    captured = Counter(r.id for r in rows if r.state == "captured")
    spans = [(r.captured_at - r.created_at).total_seconds() for r in rows if r.captured_at]
    once = sum(1 for code_id in {r.id for r in rows} if captured[code_id] == 1)
    text = (
        f"ledger: payment opened → captured {_pq(spans)}; {once} of {len(codes)} orders with "
        f"exactly one captured payment; {sum(r.callbacks_seen for r in rows)} callbacks seen"
    )
    return text, {r.provider_reference for r in rows if r.provider_reference}


# ---------------------------------------------------------------------------------------------
# Baselines


@dataclass
class KioskRun:
    logins: list[float]
    issued: list[float]
    elapsed: float  # of the issuing
    failed: int


def kiosk_issue(base: str, st: Setup, per: int, timeout: float) -> KioskRun:
    """The same citizens at kiosks, one each: all log in at once (the PIN check a portal
    sign-in also makes, each kiosk its own channel), then each issues `per` birth
    certificates at once (the fee paid at the kiosk)."""
    from registry.client import RegistryClient, new_idempotency_key

    lat: list[float] = []
    logins: list[float] = []
    failed = [0]
    lock = threading.Lock()
    start = threading.Barrier(len(st.citizens) + 1)
    barrier = threading.Barrier(len(st.citizens) + 1)

    def run(kiosk_id: str, c: dict[str, str]) -> None:
        with RegistryClient(base, kiosk_id, st.kiosk_keys[kiosk_id], timeout=timeout) as client:
            start.wait()
            t = time.perf_counter()
            try:
                session = client.login(national_id=c["national_id"], pin=c["pin"])
            finally:
                with lock:
                    logins.append(time.perf_counter() - t)
                barrier.wait()
            for n in range(per):
                t = time.perf_counter()
                try:
                    client.issue(
                        session,
                        document_type="birth_certificate",
                        subject=c["national_id"],
                        payment_reference=f"BENCH-{kiosk_id}-{n}-{uuid.uuid4().hex[:8]}",
                        idempotency_key=new_idempotency_key(),
                    )
                except Exception:
                    with lock:
                        failed[0] += 1
                    continue
                with lock:
                    lat.append(time.perf_counter() - t)

    with concurrent.futures.ThreadPoolExecutor(len(st.citizens)) as pool:
        futures = [pool.submit(run, k, c) for k, c in zip(st.kiosk_keys, st.citizens, strict=False)]
        start.wait()
        barrier.wait()
        t = time.perf_counter()
        for f in futures:
            f.result()
        elapsed = time.perf_counter() - t
    return KioskRun(logins, lat, elapsed, failed[0])


def bare_request_to_pay(pay: str, clients: int, per: int) -> tuple[list[float], float]:
    """POST /v1/requesttopay on the simulator, `clients` at once, no callback asked."""
    import httpx

    lat: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def run(k: int) -> None:
        with httpx.Client(base_url=pay, timeout=60) as http:
            barrier.wait()
            for _ in range(per):
                t = time.perf_counter()
                r = http.post(
                    "/v1/requesttopay",
                    json={
                        "amount": 1000,
                        "currency": "JOD",
                        "payer": {"partyIdType": "MSISDN", "partyId": f"9627900{k:05d}"},
                        "externalId": uuid.uuid4().hex,
                    },
                    headers={"X-Reference-Id": uuid.uuid4().hex},
                )
                if r.status_code != 202:
                    raise RuntimeError(f"request-to-pay: {r.status_code} {r.text[:200]}")
                with lock:
                    lat.append(time.perf_counter() - t)

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(run, k) for k in range(clients)]
        barrier.wait()
        t = time.perf_counter()
        for f in futures:
            f.result()
        return lat, time.perf_counter() - t


# ---------------------------------------------------------------------------------------------


def run(a: argparse.Namespace) -> None:
    name, url = _database()
    try:
        with tempfile.TemporaryDirectory(prefix="sanad-online-bench-") as tmp_name:
            tmp = Path(tmp_name)
            st = setup(tmp, url, a.persons, a.citizens)
            ports = {k: _free_port() for k in ("registry", "pay")}
            base, pay = (f"http://127.0.0.1:{ports[k]}" for k in ("registry", "pay"))
            env = {
                # the demo population's PIN cost, so sign-in does not re-hash every PIN
                "SANAD_REGISTRY_PIN_OPSLIMIT": "1",
                "SANAD_REGISTRY_PIN_MEMLIMIT_KIB": "64",
                "SANAD_REGISTRY_PAYMENTS__BASE_URL": pay,
                "SANAD_REGISTRY_PAYMENTS__CALLBACK_BASE_URL": base,
            }
            logs = Path(os.environ.get("BENCH_LOGS", tmp))
            with contextlib.ExitStack() as stack:
                sim_pid = stack.enter_context(
                    _process(
                        "payments-simulator",
                        ["sim", "pay", "--port", str(ports["pay"]), "--callback-secret-file",
                         str(st.secret_file), "--callback-delay", str(a.callback_delay)],
                        f"{pay}/health",
                        {},
                        logs,
                    )
                )  # fmt: skip
                reg_pid = stack.enter_context(
                    _process(
                        "registry",
                        ["registry", "serve", "--data", str(st.data.root), "--port",
                         str(ports["registry"]), "--workers", str(a.workers)],
                        f"{base}/api/v1/health",
                        env,
                        logs,
                    )
                )  # fmt: skip
                print(
                    f"{len(st.citizens)} citizens at once, {a.orders} order(s) each; registry "
                    f"workers {a.workers}; simulator callback delay {a.callback_delay} s"
                )
                bare, bare_s = bare_request_to_pay(pay, len(st.citizens), 3)
                c0 = Cpu.now(reg_pid, sim_pid, url)
                kiosk = kiosk_issue(base, st, a.orders, a.timeout)
                c1 = Cpu.now(reg_pid, sim_pid, url)
                res, elapsed, cpu = online(base, st, a.orders, a.timeout)
                c2 = Cpu.now(reg_pid, sim_pid, url)
                check, refs = ledger_check(url, res.codes)
                callbacks = _callbacks(pay, refs)
        n = len(res.codes)
        print("\nonline orders (portal client → registry → simulator → signed callback):")
        print(
            f"  {n} orders ready of {len(st.citizens) * a.orders} in {elapsed:.2f} s = "
            f"{n / elapsed:.1f} orders/s (sign-ins included)"
        )
        print(f"  sign-in (PIN + code from the outbox + verify)  {_pq(res.sign_in)}")
        print(f"    of which POST /api/v1/portal/sign-in         {_pq(res.pin_step)}")
        print(f"    of which POST /api/v1/portal/sign-in/verify  {_pq(res.verify)}")
        print(f"  place + pay (two requests)                     {_pq(res.place_pay)}")
        print(f"  paid → ready seen (callback, 20 ms watcher)    {_pq(res.ready)}")
        print(f"  one citizen's whole visit                      {_pq(res.whole)}")
        print(f"  {check}")
        print(f"  simulator's callbacks: {callbacks}")
        print(
            f"  CPU per order (its share of the sign-in included): {c2.since(c1).per(n)}; "
            f"load generator {cpu * 1000 / max(n, 1):.1f} ms"
        )
        if res.failures:
            print("  failures: " + ", ".join(f"{k} ×{v}" for k, v in res.failures.most_common()))
        print("baselines, same run and concurrency:")
        print(
            f"  kiosk login (each kiosk its own channel):    {_pq(kiosk.logins)}\n"
            f"  kiosk issue (POST /api/v1/documents): {len(kiosk.issued)} documents in "
            f"{kiosk.elapsed:.2f} s = {len(kiosk.issued) / kiosk.elapsed:.1f} docs/s, "
            f"{_pq(kiosk.issued)}" + (f", {kiosk.failed} failed" if kiosk.failed else "")
        )
        print(
            "    CPU per document (its share of the login included): "
            + c1.since(c0).per(len(kiosk.issued))
        )
        print(
            f"  bare request-to-pay on the simulator: {len(bare) / bare_s:.0f} req/s, {_pq(bare)}"
        )
        if kiosk.issued:
            docs_s = len(kiosk.issued) / kiosk.elapsed
            print(f"  orders/s ÷ kiosk docs/s = {(n / elapsed) / docs_s:.2f}")
    finally:
        if a.keep:
            print(f"kept the database {name}")
        else:
            _drop(name)


def _callbacks(pay: str, refs: set[str]) -> str:
    """How the registry answered the simulator's callbacks for these payments (a timeout or
    a 5xx is tried again: the registry must capture once all the same)."""
    import httpx

    sent = [
        c
        for c in httpx.get(f"{pay}/control/callbacks", timeout=30).json()
        if c["reference"] in refs
    ]
    outcomes = Counter(
        f"{c.get('status_code', c.get('error', 'lost'))} after {c.get('attempts', 0)} attempt(s)"
        for c in sent
    )
    return ", ".join(f"{k} ×{v}" for k, v in sorted(outcomes.items()))


def _sms(messages: int) -> None:
    """SMS per second through the SMSC simulator: bench/sms.py's own measurement."""
    script = _HERE / "sms.py"
    if not script.exists():
        print("SMS per second: bench/sms.py is not here")
        return
    print(f"\nSMS (bench/sms.py --messages {messages}):", flush=True)
    subprocess.run([sys.executable, str(script), "--messages", str(messages)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--citizens", type=int, default=100)
    parser.add_argument("--orders", type=int, default=2, help="orders per citizen")
    parser.add_argument("--persons", type=int, default=0, help="demo population (0: enough)")
    parser.add_argument("--workers", type=int, default=2, help="registry worker processes")
    parser.add_argument("--callback-delay", type=float, default=0.2)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--quick", action="store_true", help="20 citizens, one order each")
    parser.add_argument(
        "--sms", type=int, default=0, metavar="N", help="then bench/sms.py --messages N"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    a = parser.parse_args()
    if a.quick:
        a.citizens, a.orders = min(a.citizens, 20), 1
    # about half the demo population are adults with a phone; leave room for shared numbers
    a.persons = a.persons or max(300, a.citizens * 3)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    start = time.perf_counter()
    run(a)
    if a.sms:
        _sms(a.sms)
    print(
        f"\nload average at the end: {os.getloadavg()[0]:.1f}; "
        f"whole run {time.perf_counter() - start:.0f} s"
    )


if __name__ == "__main__":
    main()
