"""Registrations racing on the real PostgreSQL: two registrars registering one declaration at
the same moment give exactly one registration; 50 births registered at once by 20 threads get
50 distinct national numbers and record numbers, and the audit chain stays intact."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import audit
from registry.civil import store
from registry.models import Person
from registry.office.declarations import EventKind, State
from registry.office.errors import Refused
from tests.office.civil_support import LAW, NOW, TODAY, Civil, Databases, birth_facts
from tests.support.postgres import pg_reachable

pytestmark = pytest.mark.skipif(not pg_reachable(), reason="PostgreSQL is not reachable")

LATER = NOW + dt.timedelta(minutes=5)


@pytest.fixture
def civil(tmp_path: Path) -> Iterator[Civil]:
    yield from Databases(tmp_path).open("postgresql")


def _unregistered_mother_birth(i: int) -> dict[str, Any]:
    """A birth whose parents are not in the register (no findings about siblings)."""
    facts = birth_facts(_Nobody(), None)
    facts.update(
        given_ar=["سلمى", "ريم", "هند", "دانة", "جود"][i % 5],
        father_given_ar="خالد",
        grandfather_given_ar="يوسف",
        family_ar="المصري",
        mother={"name_ar": f"أم رقم {i}"},
        father={"name_ar": "خالد يوسف أحمد المصري"},
    )
    return facts


class _Nobody:
    national_id = "unused"


def _race(n: int, fn: Callable[[int], Any], workers: int) -> list[Any]:
    start = threading.Barrier(min(n, workers))

    def run(i: int) -> Any:
        if i < workers:
            start.wait()
        try:
            return fn(i)
        except Refused as exc:
            return exc

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, range(n)))


def test_two_registrars_at_once_register_once(civil: Civil) -> None:
    with civil.db.session() as s:
        number = store.declare(
            s, EventKind.BIRTH, _unregistered_mother_birth(0), by=civil.staff["clerk"], at=NOW
        ).number
        before = s.execute(select(func.count()).select_from(Person)).scalar()

    def register(i: int) -> store.DeclarationView:
        who = civil.staff[("registrar", "registrar2")[i]]
        return civil.db.transact(lambda s: store.register(s, number, by=who, at=LATER, law=LAW))

    results = _race(2, register, workers=2)
    done = [r for r in results if isinstance(r, store.DeclarationView)]
    refused = [r for r in results if isinstance(r, Refused)]
    assert len(done) == 1 and len(refused) == 1, results
    assert refused[0].code == "wrong_state"
    with civil.db.session() as s:
        assert s.execute(select(func.count()).select_from(Person)).scalar() == before + 1
        assert store.get(s, number).state is State.REGISTERED
        assert audit.verify_chain(s).ok


def test_fifty_births_registered_concurrently(civil: Civil) -> None:
    numbers = []
    with civil.db.session() as s:
        for i in range(50):
            view = store.declare(
                s, EventKind.BIRTH, _unregistered_mother_birth(i), by=civil.staff["clerk"], at=NOW
            )
            numbers.append(view.number)
    registrars = (civil.staff["registrar"], civil.staff["registrar2"])

    def register(i: int) -> store.DeclarationView:
        def tx(s: Session) -> store.DeclarationView:
            return store.register(s, numbers[i], by=registrars[i % 2], at=LATER, law=LAW)

        return civil.db.transact(tx)

    results = _race(50, register, workers=20)
    assert all(isinstance(r, store.DeclarationView) for r in results), results
    refs = {r.registered_ref for r in results}
    assert len(refs) == 50
    with civil.db.session() as s:
        children = list(
            s.execute(select(Person).where(Person.birth_registered_on == TODAY)).scalars()
        )
        assert len(children) == 50
        assert len({c.national_id for c in children}) == 50
        assert sorted(c.birth_record for c in children) == [
            f"B2026/AMM/{n:06d}" for n in range(1, 51)
        ]
        report = audit.verify_chain(s)
        assert report.ok, report
