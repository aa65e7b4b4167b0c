"""Reconciliation: a statement with each kind of exception, the pure matching, and
`sanad registry payments reconcile` (report, --json, exit codes); a day's real traffic
through the simulator reconciles with no exception."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from registry.db import Database
from registry.errors import InvalidInput
from registry.payments import ledger
from registry.payments import reconcile as rec
from tests.payments.support import Ledger
from tests.support.servers import SANAD

DAY = dt.date(2026, 12, 1)
AT = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
HEADER = "date,provider_reference,external_id,amount,currency,status\n"


def _entry(
    pid: int, ref: str | None, amount: int = 1500, state: str = "captured", **kw: object
) -> rec.LedgerEntry:
    return rec.LedgerEntry(
        payment_id=pid,
        order_id=100 + pid,
        provider_reference=ref,
        idempotency_key=f"key-{pid}",
        amount=amount,
        currency=str(kw.get("currency", "JOD")),
        state=state,
        captured_at=AT if state != "pending" else None,
    )


STATEMENT = (
    HEADER
    + "\n".join(
        [
            "2026-12-01,MP1,key-1,1500,JOD,SUCCESSFUL",  # matched
            "2026-12-01,MP2,key-2,2000,JOD,SUCCESSFUL",  # amount differs (ledger 1500)
            "2026-12-01,MP3,key-3,1500,USD,SUCCESSFUL",  # currency differs
            "2026-12-01,MP9,key-9,1500,JOD,SUCCESSFUL",  # paid, not in the ledger
            "2026-12-01,MP5,key-5,1500,JOD,SUCCESSFUL",  # paid, the ledger says pending
            "2026-12-01,MP6,key-6,1500,JOD,FAILED",  # the ledger says captured
            "2026-11-30,MP7,key-7,1500,JOD,SUCCESSFUL",  # another day
        ]
    )
    + "\n"
)

LEDGER = [
    _entry(1, "MP1"),
    _entry(2, "MP2"),
    _entry(3, "MP3"),
    _entry(4, "MP4"),  # captured that day, not on the statement
    _entry(5, None, state="pending"),  # found by its key
    _entry(6, "MP6"),
]


def test_each_kind_of_exception() -> None:
    report = rec.reconcile(rec.parse_statement(STATEMENT), LEDGER, date=DAY)
    assert report.matched == 1 and report.statement_lines == 6
    got = [(d.kind.value, d.provider_reference, d.payment_id) for d in report.exceptions]
    assert got == [
        ("paid_not_in_ledger", "MP9", None),
        ("paid_not_in_ledger", "MP5", 5),
        ("in_ledger_not_paid", "MP6", 6),
        ("in_ledger_not_paid", "MP4", 4),
        ("amount_differs", "MP2", 2),
        ("currency_differs", "MP3", 3),
    ]
    text = rec.render(report, minor_units=3)
    assert "1 matched, 6 exception(s)" in text
    assert "MP2 (line 3; payment 2, order 102): statement 2.000 JOD, ledger 1.500 JOD" in text


def test_all_days_when_no_date_is_given() -> None:
    report = rec.reconcile(rec.parse_statement(STATEMENT), LEDGER)
    assert report.dates == (dt.date(2026, 11, 30), DAY)
    assert report.count(rec.Kind.PAID_NOT_IN_LEDGER) == 3  # MP7 too


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,amount\n", "lacks the column"),
        (HEADER + "2026-12-01,MP1,k,1.5,JOD,SUCCESSFUL\n", "line 2"),
        (HEADER + "yesterday,MP1,k,15,JOD,SUCCESSFUL\n", "line 2"),
        (HEADER + "2026-12-01,MP1,k,15,JOD,OK\n", "status"),
        (HEADER + "2026-12-01,,k,15,JOD,SUCCESSFUL\n", "provider_reference"),
    ],
    ids=["columns", "amount", "date", "status", "reference"],
)
def test_unreadable_statements(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        rec.parse_statement(text)


def _cli(lg: Ledger, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    return subprocess.run(
        [
            SANAD,
            "registry",
            "payments",
            "reconcile",
            "--data",
            str(lg.data.root),
            "--db",
            lg.db.url,
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def _seed(db: Database) -> None:
    with db.session() as s:
        for e in LEDGER:
            if e.state == "pending":
                row = ledger.open_request(
                    s,
                    order_id=e.order_id,
                    amount=e.amount,
                    currency="JOD",
                    msisdn="+962791234567",
                    now=AT,
                )
                row.idempotency_key = e.idempotency_key
                continue
            pid = ledger.record_settled(
                s,
                order_id=e.order_id,
                channel="kiosk",
                amount=e.amount,
                currency=e.currency,
                provider="mobile-money",
                provider_reference=e.provider_reference or "",
                now=AT,
            )
            s.flush()
            from registry.models import PaymentRow

            s.get_one(PaymentRow, pid).idempotency_key = e.idempotency_key


def test_the_command_lists_every_exception(lg: Ledger, tmp_path: Path) -> None:
    _seed(lg.db)
    statement = tmp_path / "statement.csv"
    statement.write_text(STATEMENT, encoding="utf-8")
    done = _cli(lg, "--statement", str(statement), "--date", "2026-12-01")
    assert done.returncode == 1, done.stderr
    assert "1 matched, 6 exception(s)" in done.stdout and "amount differs" in done.stdout
    as_json = _cli(lg, "--statement", str(statement), "--date", "2026-12-01", "--json")
    data = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and data["matched"] == 1
    assert data["counts"] == {
        "paid_not_in_ledger": 2,
        "in_ledger_not_paid": 2,
        "amount_differs": 1,
        "currency_differs": 1,
    }
    clean = tmp_path / "clean.csv"
    clean.write_text(HEADER + "2026-12-01,MP1,key-1,1500,JOD,SUCCESSFUL\n", encoding="utf-8")
    # MP2, MP3, MP4, MP6 were captured that day too: only a statement naming them all agrees
    assert _cli(lg, "--statement", str(clean)).returncode == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("nonsense\n", encoding="utf-8")
    refused = _cli(lg, "--statement", str(bad))
    assert refused.returncode == 2 and "lacks the column" in refused.stderr
    assert _cli(lg, "--statement", str(clean), "--date", "1st").returncode == 2


def test_a_day_through_the_simulator_reconciles(lg: Ledger) -> None:
    ids = [lg.open(order_id=i, amount=1000 + i) for i in range(3)]
    with lg.provider() as p:
        for pid in ids:
            lg.send(pid, p)
    for pid in ids:
        lg.wait_state(pid, "captured")
    today = dt.datetime.now(dt.UTC).date()
    lines = rec.parse_statement(lg.sim.statement(today))
    keys = {ln.provider_reference for ln in lines} | {ln.external_id or "" for ln in lines}
    with lg.db.session() as s:
        entries = ledger.reconciliation_entries(
            s, provider="mobile-money", dates={today}, keys=keys
        )
    report = rec.reconcile(lines, entries, date=today)
    assert report.ok and report.matched == 3, rec.render(report, minor_units=3)
