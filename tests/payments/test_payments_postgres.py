"""On PostgreSQL: two duplicate callbacks applied at the same moment capture once (the row is
read FOR UPDATE); one kiosk payment recorded by four requests at once is one entry; two
pollers at once each ask about different entries (FOR UPDATE SKIP LOCKED, then last_polled_at)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from registry.config import DataDir, PaymentsConfig
from registry.db import Database
from registry.payments import ledger, setup
from registry.payments.ledger import Settlement
from registry.payments.mobile_money import MobileMoney
from registry.payments.provider import Accepted, PayRequest, RefundRequest, StatusAnswer
from tests.payments.support import Sim
from tests.support.servers import wait_for

pytestmark = pytest.mark.postgres

SECRET = b"s" * 64
N = 12


@pytest.fixture
def pg(throwaway_postgres: Callable[[str], AbstractContextManager[str]]) -> Iterator[Database]:
    with throwaway_postgres("sanad_pay") as url:
        db = Database(url, pool_size=8)
        db.migrate()
        yield db
        db.dispose()


def test_concurrent_duplicate_callbacks_capture_once(pg: Database) -> None:
    now = dt.datetime.now(dt.UTC)
    with pg.session() as s:
        rows = [
            ledger.open_request(
                s, order_id=i, amount=1500, currency="JOD", msisdn="+962791234567", now=now
            )
            for i in range(N)
        ]
        keys = [(r.id, r.idempotency_key) for r in rows]
    results: list[tuple[int, Settlement | None]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def deliver(pid: int, key: str, barrier: threading.Barrier) -> None:
        body = json.dumps(
            {
                "type": "payment",
                "reference": f"MPPG{pid:06d}",
                "externalId": key,
                "amount": 1500,
                "currency": "JOD",
                "status": "SUCCESSFUL",
            }
        ).encode()
        headers = {"X-Signature": ledger.sign_body(body, SECRET)}
        barrier.wait()
        try:
            with pg.session() as s:
                st = ledger.apply_callback(s, body, headers, secret=SECRET, now=now)
            with lock:
                results.append((pid, st))
        except BaseException as exc:
            errors.append(exc)

    for pid, key in keys:
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=deliver, args=(pid, key, barrier)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert errors == []
    for pid, _ in keys:
        mine = [st for p, st in results if p == pid]
        assert len(mine) == 2 and all(st is not None for st in mine)
        assert sorted(st.changed for st in mine if st is not None) == [False, True]
        with pg.session() as s:
            v = ledger.view(s, pid)
            row = ledger.for_order(s, v.order_id)[0]
            assert (row.state, row.callbacks_seen) == ("captured", 2)
        assert v.provider_reference == f"MPPG{pid:06d}"


def test_record_settled_twice_at_once_is_one_entry(pg: Database) -> None:
    now = dt.datetime.now(dt.UTC)
    ids: list[int] = []
    barrier = threading.Barrier(4)

    def record() -> None:
        barrier.wait()
        with pg.session() as s:
            ids.append(
                ledger.record_settled(
                    s,
                    order_id=5,
                    channel="kiosk",
                    amount=500,
                    currency="JOD",
                    provider="kiosk-card",
                    provider_reference="POS-123",
                    now=now,
                )
            )

    threads = [threading.Thread(target=record) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(ids) == 4 and len(set(ids)) == 1


class _Counting:
    """The real adapter, counting the status queries per reference."""

    def __init__(self, inner: MobileMoney, seen: Counter[str], lock: threading.Lock) -> None:
        self.inner, self.seen, self.lock = inner, seen, lock
        self.name = inner.name

    def request_to_pay(self, req: PayRequest) -> Accepted:
        return self.inner.request_to_pay(req)

    def payment_status(self, reference: str) -> StatusAnswer | None:
        with self.lock:
            self.seen[reference] += 1
        return self.inner.payment_status(reference)

    def refund(self, req: RefundRequest) -> Accepted:
        return self.inner.refund(req)

    def refund_status(self, reference: str) -> StatusAnswer | None:
        return self.inner.refund_status(reference)


def test_two_pollers_never_ask_about_the_same_entry(pg: Database, sim: Sim, data: DataDir) -> None:
    now = dt.datetime.now(dt.UTC)
    key = setup.api_key(data, PaymentsConfig())
    with MobileMoney(sim.url, key) as provider:
        with pg.session() as s:
            ids = [
                ledger.open_request(
                    s, order_id=i, amount=900, currency="JOD", msisdn="+962791234567", now=now
                ).id
                for i in range(N)
            ]
        for pid in ids:  # no callback URL: only a poll can settle them
            ledger.send_request(pg, provider, pid, callback_url=None, now=now)
        wait_for(
            lambda: len([c for c in sim.callbacks() if c.get("lost")]) >= N,
            what="the simulator to settle them",
        )
        seen: Counter[str] = Counter()
        lock = threading.Lock()
        later = now + dt.timedelta(minutes=2)
        results: list[list[Settlement]] = []
        barrier = threading.Barrier(2)

        def poller() -> None:
            with MobileMoney(sim.url, key) as own:
                barrier.wait()
                results.append(
                    ledger.poll(
                        pg,
                        _Counting(own, seen, lock),
                        older_than=dt.timedelta(minutes=1),
                        now=later,
                        limit=N,
                    )
                )

        threads = [threading.Thread(target=poller) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sorted(st.payment_id for r in results for st in r) == sorted(ids)
    assert set(seen.values()) == {1} and len(seen) == N
