"""On PostgreSQL: two duplicate callbacks applied at the same moment capture once (the row is
read FOR UPDATE); one kiosk payment recorded by four requests at once is one entry."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from registry.db import Database
from registry.payments import ledger
from registry.payments.ledger import Settlement

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
