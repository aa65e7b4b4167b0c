#!/usr/bin/env python3
"""Office benchmark: name search over a million persons, and birth registrations per second.

1. Search (PostgreSQL on 127.0.0.1:5432, a database of its own, dropped at the end unless
   --keep): `registry.population.generate` makes the persons; they and their name index rows
   (`registry.records.name_index_rows`, exactly what the registry writes) are loaded with COPY
   through psycopg; the trigram index the fallback uses (migration 0006) is built after the
   COPY, which is faster than keeping it up to date row by row. Queries: 200 names of real
   persons typed with one of a clerk's mistakes (hamza dropped, ة as ه, a letter deleted in one
   part, the grandfather's name left out) and 50 with two parts misspelt (the fallback), each
   through `registry.records.search` in its own transaction. Prints p50/p95/p99 per path (how
   each was found, `records.Via`) and how many found the intended person in the top 20. Baseline
   in the same run: a lookup by national number (the index's floor).
2. Births (--births N): clerks declare N births (not timed), then 20 registrars, each in its
   own thread and session, register them at once through `registry.civil.store`; births/s,
   p50/p95, distinct national and record numbers, and the audit chain. The mothers are real
   persons of the loaded register (the checks read their marriages and other children); the
   fathers are recorded by name. Next to it, the issuance rate of bench/registry.py on the
   same server and concurrency.

    .venv/bin/python bench/office.py [--persons 1000000] [--births 0] [--keep]

Never asserts timings; the machine is shared, so the load average is printed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
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
        # explicit ids were copied: move the sequence past them (registrations insert more)
        cur.execute("SELECT setval(pg_get_serial_sequence('persons', 'id'), max(id)) FROM persons")
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
    from sqlalchemy import func, select

    from registry import audit
    from registry import staff as accounts
    from registry.civil import store
    from registry.db import Database
    from registry.models import Person
    from registry.office import family_law, staff_auth
    from registry.office.declarations import EventKind, Role
    from registry.office.errors import Severity

    law = family_law.default_family_law()
    cheap = staff_auth.PasswordPolicy(opslimit=1, memlimit=8192)
    seal = accounts.SecretSeal(os.urandom(32))
    at = dt.datetime.now(dt.UTC)
    born = (at - dt.timedelta(days=3)).date().isoformat()
    db = Database(url, pool_size=registrars + 2)
    try:
        with db.session() as s:
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
                    ).staff.id
                    for i in range(registrars if role is Role.REGISTRAR else 4)
                ]
                for role in (Role.CLERK, Role.REGISTRAR)
            }
            # mothers of 20 to 40 (the checks then have parents, siblings and marriages to read)
            young = at.date().replace(year=at.year - 20)
            old = at.date().replace(year=at.year - 40)
            mothers = list(
                s.scalars(
                    select(Person.national_id)
                    .where(Person.sex == 2, Person.date_of_birth.between(old, young))
                    .limit(n * 2)
                )
            )
        numbers: list[tuple[str, frozenset[str]]] = []  # declared, with the warnings to confirm
        skipped = 0
        for i, mother in enumerate(mothers):
            if len(numbers) == n:
                break
            facts = {
                "given_ar": ("سلمى", "ريم", "هند", "جود")[i % 4],
                "father_given_ar": "خالد",
                "grandfather_given_ar": "يوسف",
                "family_ar": "المصري",
                "sex": 2,
                "date_of_birth": born,
                "place": {"name_ar": "مستشفى البشير", "name_latin": "Al-Bashir Hospital"},
                "mother": {"national_id": mother},
                "father": {"name_ar": "خالد يوسف أحمد المصري"},
                "informant": {"name_ar": "والد المولودة", "relation": "father"},
            }
            with db.session() as s:
                view = store.declare(s, EventKind.BIRTH, facts, by=staff[Role.CLERK][i % 4], at=at)
                found = store.findings(s, view.number, law, today=at.date())
            if any(f.severity is Severity.REFUSE for f in found):
                skipped += 1  # a mother the checks refuse (dead, say): not a registration
                continue
            numbers.append((view.number, frozenset(f.code for f in found)))
        lat: list[float] = []
        lock = threading.Lock()
        barrier = threading.Barrier(registrars)

        def work(k: int) -> None:
            me = staff[Role.REGISTRAR][k]
            barrier.wait()
            for number, warned in numbers[k::registrars]:
                t = time.perf_counter()
                db.transact(
                    lambda s, number=number, warned=warned: store.register(
                        s, number, by=me, at=at, law=law, acknowledged=warned
                    )
                )
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
    done = len(numbers)
    nids = {c[0] for c in children}
    recs = {c[1] for c in children}
    print(
        f"\nbirths: {done} registered by {registrars} registrars in {elapsed:.2f} s = "
        f"{done / elapsed:.0f} births/s; p50 {_ms(lat, 0.5):.0f} ms, "
        f"p95 {_ms(lat, 0.95):.0f} ms; {len(children)} children, duplicate national numbers "
        f"{len(children) - len(nids)}, duplicate record numbers {len(children) - len(recs)}; "
        f"audit chain {'intact' if chain.ok else chain}; {total} persons; {skipped} declarations"
        " the checks refused (not timed)"
    )
    print("issuance in the same run (bench/registry.py, same server, 20 kiosks):", flush=True)
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
