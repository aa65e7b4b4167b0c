#!/usr/bin/env python3
"""Office benchmark: name search over a million persons, and birth registrations per second.

1. Search (PostgreSQL on 127.0.0.1:5432, a database of its own, dropped at the end unless
   --keep): `registry.population.generate` makes the persons; they and their name index rows
   (`registry.records.name_index_rows`, exactly what the registry writes) are loaded with
   COPY through psycopg; the trigram index the fallback uses is created here (it is not in a
   migration yet: docs/office.md). Queries: 200 names of real persons typed with one of a
   clerk's mistakes (hamza dropped, ة as ه, a letter deleted in one part, the grandfather's
   name left out) and 50 with two parts misspelt (the fallback), each through
   `registry.records.search` in its own transaction. Prints p50/p95/p99 per path (how each was
   found, `records.Via`) and how many found the intended person in the top 20. Baseline in
   the same run: a lookup by national number (the index's floor).
2. Births (--births N): clerks declare N births (not timed), then 20 registrars, each in its
   own thread and session, register them at once through `registry.civil.store`; births/s,
   p50/p95, distinct national and record numbers, and the audit chain. Next to it, the
   issuance rate of bench/registry.py on the same server and concurrency. Skipped, with the
   reason, while `registry.civil.store` does not exist.

    .venv/bin/python bench/office.py [--persons 1000000] [--births 0] [--keep]

Never asserts timings; the machine is shared, so the load average is printed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import importlib
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

# this file is bench/office.py: keep its directory off the path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TRGM_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_persons_name_key_trgm ON persons "
    "USING gin (name_key gin_trgm_ops)"
)


def _ms(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))] * 1000


def _database() -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    name = f"sanad_office_bench_{uuid.uuid4().hex[:8]}"
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


# ---------------------------------------------------------------------------------------------
# Loading a million persons


def load(url: str, persons: int, seed: int = 1) -> list[dict[str, Any]]:
    """Migrate, generate and COPY the persons and their name index rows; the trigram index."""
    import psycopg

    from registry.db import Database
    from registry.population import generate
    from registry.records import name_index_rows

    db = Database(url)
    db.migrate()
    db.dispose()
    t = time.perf_counter()
    pop = generate(persons, seed)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    keys, blocks = name_index_rows(pop.persons)
    t_keys = time.perf_counter() - t
    columns = list(pop.persons[0])
    t = time.perf_counter()
    with psycopg.connect(url.replace("+psycopg", "")) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY persons ({', '.join(columns)}, name_key) FROM STDIN") as copy:
            for p in pop.persons:
                copy.write_row([*(p[c] for c in columns), keys[p["id"]]])
        with cur.copy("COPY person_name_blocks (block, person_id) FROM STDIN") as copy:
            for b in blocks:
                copy.write_row((b["block"], b["person_id"]))
        conn.commit()
        t_copy = time.perf_counter() - t
        t = time.perf_counter()
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cur.execute(TRGM_INDEX)
        cur.execute("ANALYZE persons")
        cur.execute("ANALYZE person_name_blocks")
        conn.commit()
        t_index = time.perf_counter() - t
        cur.execute(
            "SELECT pg_size_pretty(pg_relation_size('ix_persons_name_key_trgm')), "
            "pg_size_pretty(pg_total_relation_size('person_name_blocks'))"
        )
        trgm_size, blocks_size = cur.fetchone() or ("?", "?")
    print(
        f"loaded {persons} persons: generate {t_gen:.0f} s, name keys {t_keys:.0f} s, "
        f"COPY {t_copy:.0f} s ({len(blocks)} index rows, person_name_blocks {blocks_size}), "
        f"trigram index {t_index:.0f} s ({trgm_size})"
    )
    return pop.persons


# ---------------------------------------------------------------------------------------------
# A clerk's mistakes (pure)


def _drop_letter(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word + "ي"
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :]


def _misspell(rng: random.Random, q: list[str], which: list[int]) -> str:
    return " ".join(_drop_letter(rng, w) if i in which else w for i, w in enumerate(q))


def _parts(p: dict[str, Any]) -> list[str]:
    return [p["given_ar"], p["father_given_ar"], p["grandfather_given_ar"], p["family_ar"]]


MISTAKES: dict[str, Callable[[random.Random, list[str]], str]] = {
    "hamza dropped": lambda rng, q: " ".join(q).replace("أ", "ا").replace("إ", "ا"),
    "ة as ه": lambda rng, q: " ".join(q).replace("ة", "ه"),
    "a letter deleted": lambda rng, q: _misspell(rng, q, rng.sample(range(4), 1)),
    "grandfather left out": lambda rng, q: f"{q[0]} {q[1]} {q[3]}",
}


def one_mistake(rng: random.Random, p: dict[str, Any], n: int) -> str:
    """A query for person p with the n-th mistake (in turn)."""
    name = list(MISTAKES)[n % len(MISTAKES)]
    return MISTAKES[name](rng, _parts(p))


def two_parts_misspelt(rng: random.Random, p: dict[str, Any]) -> str:
    return _misspell(rng, _parts(p), rng.sample(range(4), 2))


# ---------------------------------------------------------------------------------------------
# Search


def search_bench(url: str, persons: list[dict[str, Any]]) -> None:
    from registry import records
    from registry.db import Database

    rng = random.Random(13)
    chosen = rng.sample(persons, 250)
    queries = [(one_mistake(rng, p, i), p["national_id"]) for i, p in enumerate(chosen[:200])]
    queries += [(two_parts_misspelt(rng, p), p["national_id"]) for p in chosen[200:]]
    db = Database(url, pool_size=1)
    try:
        for q, _ in queries[:10]:  # warm the pool, the plans and the cache a little
            with db.session() as s:
                records.search(s, q)
        by_number = []
        for _, nid in queries[:100]:
            t = time.perf_counter()
            with db.session() as s:
                records.search(s, nid)
            by_number.append(time.perf_counter() - t)
        times: dict[str, list[float]] = {}
        hits: dict[str, int] = {}
        asked: dict[str, int] = {}
        for i, (q, nid) in enumerate(queries):
            group = "one mistake" if i < 200 else "two parts misspelt"
            t = time.perf_counter()
            with db.session() as s:
                found = records.search(s, q)
            elapsed = time.perf_counter() - t
            via = found[0].via.value if found else "nothing found"
            times.setdefault(f"{group} via {via}", []).append(elapsed)
            asked[group] = asked.get(group, 0) + 1
            hits[group] = hits.get(group, 0) + (nid in [f.national_id for f in found])
    finally:
        db.dispose()
    base = statistics.median(by_number) * 1000
    print(f"baseline: by national number p50 {base:.1f} ms, p95 {_ms(by_number, 0.95):.1f} ms")
    for path, xs in sorted(times.items()):
        print(
            f"  {path:42} n={len(xs):3}  p50 {_ms(xs, 0.5):7.1f} ms  p95 {_ms(xs, 0.95):7.1f} ms"
            f"  p99 {_ms(xs, 0.99):7.1f} ms  (p50 / baseline {_ms(xs, 0.5) / base:.0f}x)"
        )
    for group, n in asked.items():
        print(f"  {group}: intended person in the top 20 for {hits[group]} of {n}")


# ---------------------------------------------------------------------------------------------
# Births (against registry.civil.store's contract; runs once it exists)


def births_bench(url: str, n: int, registrars: int = 20) -> None:
    try:  # by name: the module is another helper's, not merged yet
        store: Any = importlib.import_module("registry.civil.store")
    except ImportError as exc:
        print(f"\nbirths: skipped ({exc}); the search part ran without it")
        return
    from sqlalchemy import func, select

    from registry import audit, offices
    from registry import staff as accounts
    from registry.db import Database
    from registry.models import Person
    from registry.office import family_law, staff_auth
    from registry.office.declarations import EventKind, Role

    cheap = staff_auth.PasswordPolicy(opslimit=1, memlimit=8192)
    seal = accounts.SecretSeal(os.urandom(32))
    at = dt.datetime.now(dt.UTC)
    db = Database(url, pool_size=registrars + 2)
    try:
        with db.session() as s:
            offices.register_defaults(s) if hasattr(offices, "register_defaults") else None
            staff = {
                role: [
                    accounts.add_staff(
                        s,
                        cheap,
                        username=f"bench.{role.value}{i}",
                        name_ar="موظف",
                        name_en="Bench",
                        role=role,
                        office="AMM",
                        password=None,
                        by="bench",
                        at=at,
                        seal=seal,
                    ).staff
                    for i in range(registrars if role is Role.REGISTRAR else 4)
                ]
                for role in (Role.CLERK, Role.REGISTRAR)
            }
            fathers = list(s.scalars(select(Person.national_id).where(Person.sex == 1).limit(n)))
            mothers = list(s.scalars(select(Person.national_id).where(Person.sex == 2).limit(n)))
        numbers = []
        for i in range(n):
            facts = {
                "given_ar": "سلمى",
                "sex": "f",
                "date_of_birth": "2026-11-30",
                "place": {"ar": "عمان", "latin": "Amman"},
                "mother": {"national_id": mothers[i % len(mothers)]},
                "father": {"national_id": fathers[i % len(fathers)]},
                "informant": {"name_ar": "أب", "relation": "father"},
            }
            with db.session() as s:
                clerk = staff[Role.CLERK][i % 4]
                numbers.append(store.declare(s, clerk, EventKind.BIRTH, facts, at=at).number)
        lat: list[float] = []
        lock = threading.Lock()
        barrier = threading.Barrier(registrars)

        def work(k: int) -> None:
            me = staff[Role.REGISTRAR][k]
            barrier.wait()
            for number in numbers[k::registrars]:
                t = time.perf_counter()
                with db.session() as s:
                    store.register(s, me, number, at=at, law=family_law.default_family_law())
                with lock:
                    lat.append(time.perf_counter() - t)

        t = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(registrars) as pool:
            list(pool.map(work, range(registrars)))
        elapsed = time.perf_counter() - t
        with db.session() as s:
            children = list(
                s.execute(
                    select(Person.national_id, Person.birth_record).where(
                        Person.registered_by.is_not(None)
                    )
                )
            )
            chain = audit.verify_chain(s)
            total = s.scalar(select(func.count()).select_from(Person))
    finally:
        db.dispose()
    nids = {c[0] for c in children}
    recs = {c[1] for c in children}
    print(
        f"\nbirths: {n} registered by {registrars} registrars in {elapsed:.2f} s = "
        f"{n / elapsed:.0f} births/s; p50 {_ms(lat, 0.5):.0f} ms, p95 {_ms(lat, 0.95):.0f} ms; "
        f"{len(children)} children, duplicate national numbers {len(children) - len(nids)}, "
        f"duplicate record numbers {len(children) - len(recs)}; audit chain {chain}; "
        f"{total} persons"
    )
    print("issuance in the same run (bench/registry.py, same server, 20 kiosks):")
    subprocess.run(
        [
            sys.executable,
            str(_HERE / "registry.py"),
            "--skip-sqlite",
            "--clients",
            str(registrars),
            "--docs",
            "10",
        ],
        check=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--births", type=int, default=0, help="births to register (0: skip)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    a = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()} at start")
    name, url = _database()
    try:
        persons = load(url, a.persons)
        search_bench(url, persons)
        del persons
        if a.births:
            births_bench(url, a.births)
    finally:
        if a.keep:
            print(f"kept: {url}")
        else:
            _drop(name)
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
