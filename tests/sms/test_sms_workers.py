"""Workers as they really fail and scale: a worker process killed with SIGKILL in the middle of
a send loses nothing and sends nothing twice; two workers on PostgreSQL never send the same
message."""

from __future__ import annotations

import collections
import datetime as dt
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from sqlalchemy import select

from registry.db import Database
from registry.models import SmsMessage
from registry.sms import outbox, worker
from registry.sms.smpp import SmppGateway
from sanad.sim.smsc import Smsc
from tests.sms.conftest import ALWAYS
from tests.support.servers import SanadServer, wait_for


def _fill(db: Database, n: int) -> list[int]:
    ids = []
    with db.session() as s:
        for i in range(n):
            message_id = outbox.enqueue(
                s,
                to=f"+96279{i % 50:07d}",
                template="order_paid",
                language="en",
                values={"order_code": f"ORDER-{i:05d}"},
                now=dt.datetime.now(dt.UTC),
            )
            assert message_id is not None
            ids.append(message_id)
    return ids


def _states(db: Database) -> dict[str, int]:
    with db.session() as s:
        return outbox.counts(s)


@pytest.mark.slow
def test_a_worker_killed_mid_send_delivers_each_message_exactly_once(
    tmp_path: Path, smsc: Smsc
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    db = Database(url, pool_size=2)
    db.migrate()
    ids = _fill(db, 3)
    env = {
        "SANAD_REGISTRY_SMS__PORT": str(smsc.port),
        "SANAD_REGISTRY_SMS__LEASE_SECONDS": "2",
        "SANAD_REGISTRY_SMS__RETRY_BASE_SECONDS": "0",
        "SANAD_REGISTRY_SMS__QUIET_START": "00:00",
        "SANAD_REGISTRY_SMS__QUIET_END": "00:00",
        "SANAD_REGISTRY_SMS__IDLE_SECONDS": "0.2",
        "SANAD_REGISTRY_SMS__TIMEOUT_SECONDS": "10",
    }
    args = ("registry", "sms", "work", "--data", str(data), "--db", url)
    smsc.set_faults(slow=3.0)  # every answer takes 3 s: the worker is caught waiting for one
    first = SanadServer(*args, ready_line="SMS", env=env, log=tmp_path / "w1.log").start()
    try:
        wait_for(lambda: smsc.status()["in_flight"] == 1, 15, "a submit_sm in flight")
        first.kill()  # SIGKILL: no unbind, no clean-up, the batch left `sending`
    finally:
        first.stop()
    assert _states(db) == {"sending": 3}
    smsc.set_faults(slow=0.0)
    wait_for(lambda: smsc.status()["in_flight"] == 0, 10, "the dead worker's submit to lapse")
    assert smsc.messages() == []  # it was never acknowledged, so never accepted
    with SanadServer(*args, ready_line="SMS", env=env, log=tmp_path / "w2.log"):
        wait_for(lambda: _states(db).get("delivered") == 3, 30, "all three delivered")
    texts = collections.Counter(m["text"] for m in smsc.messages())
    with db.session() as s:
        bodies = {r.body for r in s.scalars(select(SmsMessage).where(SmsMessage.id.in_(ids)))}
    assert set(texts) == bodies and set(texts.values()) == {1}
    db.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_on_postgresql_never_send_the_same_message(
    throwaway_postgres: Callable[[str], AbstractContextManager[str]], smsc: Smsc
) -> None:
    n = 300
    policy = outbox.Policy(
        quiet_start=dt.time(0),
        quiet_end=dt.time(0),
        rate_limit=1000,
        batch_size=10,
        lease=dt.timedelta(minutes=5),
    )
    with throwaway_postgres("sms") as url:
        setup = Database(url, pool_size=2)
        setup.migrate()
        _fill(setup, n)
        totals: dict[str, int] = {}
        start = threading.Barrier(2)

        def work(name: str) -> None:
            db = Database(url, pool_size=2)
            gateway = SmppGateway(
                "127.0.0.1", smsc.port, system_id=name, password="x", transceiver=False
            )
            start.wait()
            try:
                totals[name] = worker.run(
                    db, gateway, policy, worker_id=name, once=True, idle=0.1
                ).sent
            finally:
                db.dispose()

        threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert _states(setup) == {"sent": n}
        setup.dispose()
    got = collections.Counter(m["text"] for m in smsc.messages())
    assert len(got) == n and set(got.values()) == {1}
    assert sum(totals.values()) == n
    assert all(v > 0 for v in totals.values()), totals  # both really worked


def test_always_policy_has_no_quiet_hours() -> None:
    assert outbox.quiet_until(dt.datetime(2026, 1, 1, 23, tzinfo=dt.UTC), ALWAYS) is None


@pytest.mark.postgres
def test_two_transactions_racing_on_one_dedupe_key_queue_one_message(
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> None:
    with throwaway_postgres("sms_dedupe") as url:
        db = Database(url, pool_size=4)
        db.migrate()
        both_inserted = threading.Barrier(2, timeout=10)
        results: list[int | None] = []

        def order_paid(delay: float) -> None:
            with db.session() as s:
                s.execute(select(1))
                both_inserted.wait()  # neither has committed: the key is free for both
                results.append(
                    outbox.enqueue(
                        s,
                        to="+962791234567",
                        template="order_paid",
                        language="ar",
                        values={"order_code": "K7Q-M2X-A9C"},
                        now=dt.datetime.now(dt.UTC),
                        dedupe_key="order:K7QM2XA9C:paid",
                    )
                )
                threading.Event().wait(delay)  # the first holds its insert uncommitted a moment

        threads = [threading.Thread(target=order_paid, args=(d,)) for d in (0.3, 0.0)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(results) == 2 and results.count(None) == 1
        assert _states(db) == {"queued": 1}
        db.dispose()
