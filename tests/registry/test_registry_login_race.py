"""Concurrent wrong PINs from one kiosk, on PostgreSQL and on SQLite: no deadlock answered 503
(which would tell the attacker "wrong PIN" without charging anything), the kiosk's budget
charged exactly and never exceeded by requests in flight."""

from __future__ import annotations

import collections
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import InvalidCredentials, Locked, RegistryError, Throttled
from registry.models import Kiosk as KioskRow
from tests.support.registry import FAST, LiveServer, Registry, login, wrong_pin

BUDGET = 30
GUESSES = 120
CITIZENS = 40


def _spray(reg: Registry) -> tuple[collections.Counter[str], int]:
    settings = replace(FAST, throttle=replace(FAST.throttle, kiosk_max_failures=BUDGET))
    key = reg.enroll("RACE-1")
    citizens = reg.citizens()[:CITIZENS]
    assert len(citizens) == CITIZENS
    targets = [citizens[i % CITIZENS] for i in range(GUESSES)]
    outcomes: collections.Counter[str] = collections.Counter()
    with (
        LiveServer(reg, settings) as live,
        live.client("RACE-1", key, retries=0, timeout=60) as client,
    ):

        def guess(citizen: dict[str, str]) -> str:
            try:
                client.login(national_id=citizen["national_id"], pin=wrong_pin(citizen["pin"]))
            except InvalidCredentials:
                return "wrong_pin"
            except (Throttled, Locked) as exc:
                return str(exc.code)
            except RegistryError as exc:
                return f"{type(exc).__name__}:{exc.code}"
            return "logged_in"

        with ThreadPoolExecutor(GUESSES) as pool:
            outcomes.update(pool.map(guess, targets))
        # the right PIN afterwards is still refused: the budget is spent
        with pytest.raises(Throttled) as refused:
            login(client, citizens[0])
        assert refused.value.code == "kiosk_throttled"
    db = reg.db()
    try:
        with db.session() as s:
            charged = s.execute(
                select(KioskRow.fail_window_count).where(KioskRow.id == "RACE-1")
            ).scalar_one()
    finally:
        db.dispose()
    return outcomes, charged


def _check(outcomes: collections.Counter[str], charged: int) -> None:
    assert sum(outcomes.values()) == GUESSES
    unexpected = {
        k: v for k, v in outcomes.items() if k not in ("wrong_pin", "throttled", "kiosk_throttled")
    }
    assert not unexpected, outcomes  # no 503, no deadlock, nothing else
    assert outcomes["wrong_pin"] == BUDGET, outcomes  # never more admitted than the budget
    assert charged == BUDGET, (charged, outcomes)  # and exactly the budget charged


@pytest.mark.postgres
def test_concurrent_wrong_pins_on_postgresql(pg_registry: Registry) -> None:
    _check(*_spray(pg_registry))


def test_concurrent_wrong_pins_on_sqlite(registry: Registry) -> None:
    _check(*_spray(registry))


@pytest.mark.postgres
def test_a_right_pin_refunds_its_charge(pg_registry: Registry) -> None:
    key = pg_registry.enroll("RACE-2")
    citizen = pg_registry.citizens()[0]
    with LiveServer(pg_registry) as live, live.client("RACE-2", key, retries=0) as client:
        for _ in range(3):
            client.logout(login(client, citizen))
    db = pg_registry.db()
    try:
        with db.session() as s:
            row = s.execute(select(KioskRow).where(KioskRow.id == "RACE-2")).scalar_one()
            assert row.fail_window_count == 0
    finally:
        db.dispose()


@pytest.mark.postgres
def test_a_deadlock_victim_is_run_again_not_answered(pg_registry: Registry) -> None:
    """Two transactions that lock two kiosk rows in opposite orders: PostgreSQL aborts one
    (40P01); `Database.transact` runs it again and both complete."""
    import threading

    pg_registry.enroll_many(["DL-A", "DL-B"])
    db = pg_registry.db()
    both_hold_one = threading.Barrier(2)
    runs: collections.Counter[str] = collections.Counter()

    def lock_in_order(first: str, second: str) -> str:
        def work(s: Session) -> str:
            runs[first] += 1
            s.execute(select(KioskRow).where(KioskRow.id == first).with_for_update()).one()
            if runs[first] == 1:
                both_hold_one.wait(10)
            s.execute(select(KioskRow).where(KioskRow.id == second).with_for_update()).one()
            return first

        return db.transact(work)

    try:
        with ThreadPoolExecutor(2) as pool:
            done = list(pool.map(lock_in_order, ["DL-A", "DL-B"], ["DL-B", "DL-A"]))
    finally:
        db.dispose()
    assert done == ["DL-A", "DL-B"]
    assert sum(runs.values()) == 3  # one of the two ran twice
