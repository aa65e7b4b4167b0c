"""The payment drills, end to end: the ledger, the simulator process and the registry's
callback route on a live server. Lost, duplicated and forged callbacks, a provider down or
slow, a decline, a refund."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
from pathlib import Path

import pytest

from registry.models import PaymentRow
from registry.payments import ledger
from registry.payments.errors import RefundNotAllowed
from registry.payments.mobile_money import MobileMoney
from tests.payments.support import MSISDN, Ledger, Sim
from tests.support.servers import SANAD, closed_port_url, wait_for


def _poll(lg: Ledger) -> list[ledger.Settlement]:
    with lg.provider() as p:
        return ledger.poll(lg.db, p, older_than=dt.timedelta(0), now=dt.datetime.now(dt.UTC))


def test_paid_through_the_callback(lg: Ledger) -> None:
    pid = lg.open(order_id=11)
    with lg.provider() as p:
        view = lg.send(pid, p)
    assert view.confirmed and view.state == "pending" and view.problem is None
    row = lg.wait_state(pid, "captured")
    assert row.provider_reference == view.provider_reference and row.callbacks_seen == 1
    assert row.captured_at is not None
    settled = wait_for(lambda: lg.callbacks.settled)
    assert [(s.payment_id, s.order_id, s.state, s.changed) for s in settled] == [
        (pid, 11, "captured", True)
    ]
    assert [c["status_code"] for c in lg.sim.callbacks(row.provider_reference)] == [204]


def test_callback_lost_is_settled_by_polling(lg: Ledger, sim: Sim) -> None:
    sim.faults(callback_lost=True)
    pid = lg.open()
    with lg.provider() as p:
        view = lg.send(pid, p)
    wait_for(lambda: sim.callbacks(view.provider_reference), what="the simulator to settle it")
    assert lg.row(pid).state == "pending"
    settled = _poll(lg)
    assert [(s.payment_id, s.state, s.changed) for s in settled] == [(pid, "captured", True)]
    row = lg.row(pid)
    assert row.state == "captured" and row.callbacks_seen == 0 and row.last_polled_at is not None
    assert _poll(lg) == []  # nothing pending any more


def test_callback_duplicated_captures_once(lg: Ledger, sim: Sim) -> None:
    sim.faults(callback_duplicated=True)
    pid = lg.open()
    with lg.provider() as p:
        view = lg.send(pid, p)
    calls = wait_for(lambda: [] if len(c := sim.callbacks(view.provider_reference)) < 2 else c)
    assert sorted(c["status_code"] for c in calls) == [204, 204]
    row = lg.row(pid)
    assert row.state == "captured" and row.callbacks_seen == 2
    assert sorted(s.changed for s in lg.callbacks.settled) == [False, True]


@pytest.mark.parametrize(("forged", "status"), [("signature", 401), ("amount", 409), ("both", 401)])
def test_forged_callback_is_refused_logged_and_changes_nothing(
    lg: Ledger, sim: Sim, caplog: pytest.LogCaptureFixture, forged: str, status: int
) -> None:
    caplog.set_level(logging.INFO)
    sim.faults(callback_forged=forged, decline="all")  # the forger claims SUCCESSFUL
    pid = lg.open()
    with lg.provider() as p:
        view = lg.send(pid, p)
    calls = wait_for(lambda: sim.callbacks(view.provider_reference))
    assert [c["status_code"] for c in calls] == [status]
    row = lg.row(pid)
    assert (row.state, row.callbacks_seen, row.captured_at) == ("pending", 0, None)
    assert lg.callbacks.settled == []
    reason = "bad_signature" if status == 401 else "amount_mismatch"
    assert f"payment callback refused: {reason}" in caplog.text
    assert MSISDN.lstrip("+")[3:] not in caplog.text  # no phone number in any log line
    # the truth comes from the status query: the payer declined
    assert [s.state for s in _poll(lg)] == ["declined"]


def test_provider_down_leaves_it_pending_with_a_clear_message(lg: Ledger, sim: Sim) -> None:
    sim.faults(down=True)
    pid = lg.open()
    with lg.provider() as p:
        view = lg.send(pid, p)
    assert (view.state, view.problem, view.confirmed) == ("pending", "provider_unreachable", False)
    message = ledger.problem_message(view.problem)
    assert message is not None and "nothing was charged" in (message.latin or "")
    assert "تعذّر الوصول" in message.ar
    # the provider never heard of it: polling changes nothing (it fails only after an hour)
    sim.faults(down=False)
    assert _poll(lg) == [] and lg.row(pid).state == "pending"
    # asked again, the same request goes through
    with lg.provider() as p:
        again = lg.send(pid, p)
    assert again.confirmed and again.problem is None
    lg.wait_state(pid, "captured")


def test_provider_refusing_connections(lg: Ledger) -> None:
    pid = lg.open()
    with MobileMoney(closed_port_url(), "k" * 32) as nowhere:
        view = lg.send(pid, nowhere)
    assert (view.state, view.problem) == ("pending", "provider_unreachable")


def test_a_request_the_provider_never_heard_of_fails_after_an_hour(lg: Ledger) -> None:
    pid = lg.open()
    with lg.provider() as p:
        settled = ledger.poll(
            lg.db,
            p,
            older_than=dt.timedelta(0),
            now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2),
        )
    assert [(s.payment_id, s.state, s.problem) for s in settled] == [
        (pid, "failed", "NOT_AT_PROVIDER")
    ]


def test_slow_provider_is_not_confirmed_yet_then_settled(lg: Ledger, sim: Sim) -> None:
    sim.faults(slow=1.0, callback_lost=True)
    pid = lg.open()
    with lg.provider(timeout=0.3) as impatient:
        view = lg.send(pid, impatient)
    assert (view.state, view.problem, view.confirmed) == ("pending", "not_confirmed_yet", False)
    assert lg.row(pid).provider_reference is None
    sim.faults(slow=0)
    # the request did arrive: the status query (by our reference id) finds and settles it
    settled = wait_for(lambda: _poll(lg), what="the poll to settle it")
    assert [(s.payment_id, s.state) for s in settled] == [(pid, "captured")]
    row = lg.row(pid)
    assert row.provider_reference is not None and row.problem is None


def test_slow_provider_with_callback_settles_without_poll(lg: Ledger, sim: Sim) -> None:
    sim.faults(slow=1.0, callback_delay=0.8)  # the callback comes after the caller gave up
    pid = lg.open()
    with lg.provider(timeout=0.3) as impatient:
        assert lg.send(pid, impatient).problem == "not_confirmed_yet"
    row = lg.wait_state(pid, "captured")  # the callback found it by our reference id
    assert row.provider_reference is not None and row.problem is None


def test_declined_by_the_payer(lg: Ledger, sim: Sim) -> None:
    sim.faults(decline_msisdn=MSISDN)
    pid = lg.open()
    with lg.provider() as p:
        lg.send(pid, p)
    row = lg.wait_state(pid, "declined")
    assert row.problem == "APPROVAL_REJECTED" and row.captured_at is None
    assert [(s.state, s.changed) for s in lg.callbacks.settled] == [("declined", True)]


def test_refund_of_a_captured_payment(lg: Ledger) -> None:
    pid = lg.open(order_id=7)
    with lg.provider() as p:
        lg.send(pid, p)
        lg.wait_state(pid, "captured")
        view = lg.refund_payment(pid, p)
        assert view.state == "refund_pending"
        row = lg.wait_state(pid, "refunded")
        assert row.refund_reference is not None and row.refunded_at is not None
        assert lg.callbacks.settled[-1].state == "refunded"
        # asking again changes nothing; a refund of a refunded payment is refused
        with pytest.raises(RefundNotAllowed):
            lg.refund_payment(pid, p)


def test_refund_only_from_captured(lg: Ledger) -> None:
    pid = lg.open()
    with lg.provider() as p, pytest.raises(RefundNotAllowed, match="only a captured"):
        lg.refund_payment(pid, p)
    assert lg.row(pid).state == "pending"


def test_refund_with_a_lost_callback_is_settled_by_polling(lg: Ledger, sim: Sim) -> None:
    pid = lg.open()
    with lg.provider() as p:
        lg.send(pid, p)
        lg.wait_state(pid, "captured")
        sim.faults(callback_lost=True)
        lg.refund_payment(pid, p)
    ref = lg.row(pid).refund_reference
    wait_for(lambda: sim.callbacks(ref), what="the refund to settle at the simulator")
    assert [s.state for s in _poll(lg)] == ["refunded"]


def test_the_poll_command_settles_a_lost_callback(lg: Ledger, sim: Sim) -> None:
    sim.faults(callback_lost=True)
    pid = lg.open(order_id=42)
    with lg.provider() as p:
        view = lg.send(pid, p)
    wait_for(lambda: sim.callbacks(view.provider_reference), what="the simulator to settle it")
    with lg.db.session() as s:  # as if a minute had passed
        row = s.get_one(PaymentRow, pid)
        row.updated_at = row.updated_at - dt.timedelta(minutes=2)
    lg.data.config_path.write_text(
        f'[payments]\nbase_url = "{sim.url}"\npoll_interval_seconds = 60\n', encoding="utf-8"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    args = [
        "registry",
        "payments",
        "poll",
        "--once",
        "--data",
        str(lg.data.root),
        "--db",
        lg.db.url,
    ]
    done = subprocess.run([SANAD, *args], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"payment {pid} (order 42): captured" in done.stdout
    assert lg.row(pid).state == "captured"
