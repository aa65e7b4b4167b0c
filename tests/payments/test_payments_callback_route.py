"""POST /api/v1/payments/callback on a live server: 204 applied or duplicate, 401 bad
signature, 400 not a callback, 409 a mismatch or unknown reference; never a 500, and a
refused callback changes nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from registry.payments.ledger import sign_body
from tests.payments.support import Ledger


def _post(
    lg: Ledger, payload: Any, *, key: bytes | None = None, raw: bytes | None = None
) -> httpx.Response:
    body = raw if raw is not None else json.dumps(payload).encode()
    signature = sign_body(body, key if key is not None else lg.secret())
    return httpx.post(
        lg.callbacks.callback_url,
        content=body,
        headers={"X-Signature": signature, "Content-Type": "application/json"},
        timeout=5,
    )


def _payload(lg: Ledger, pid: int, **over: Any) -> dict[str, Any]:
    row = lg.row(pid)
    return {
        "type": "payment",
        "reference": "MPTEST" + str(pid).zfill(6),
        "externalId": row.idempotency_key,
        "amount": row.amount,
        "currency": row.currency,
        "status": "SUCCESSFUL",
        **over,
    }


def test_applied_then_duplicate(lg: Ledger) -> None:
    pid = lg.open()
    payload = _payload(lg, pid)
    assert _post(lg, payload).status_code == 204
    assert _post(lg, payload).status_code == 204
    row = lg.row(pid)
    assert (row.state, row.callbacks_seen, row.provider_reference) == (
        "captured",
        2,
        payload["reference"],
    )
    assert [s.changed for s in lg.callbacks.settled] == [True, False]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"amount": 1}, 409, "callback_amount_mismatch"),
        ({"currency": "USD"}, 409, "callback_currency_mismatch"),
        (
            {"externalId": "00000000-0000-4000-8000-000000000000", "reference": "MPX"},
            409,
            "callback_unknown_reference",
        ),
        ({"status": "MAYBE"}, 400, "callback_malformed"),
    ],
    ids=["amount", "currency", "unknown", "malformed"],
)
def test_refused_changes_nothing(
    lg: Ledger, change: dict[str, Any], status: int, code: str
) -> None:
    pid = lg.open()
    r = _post(lg, _payload(lg, pid, **change))
    assert r.status_code == status and r.json()["error"]["code"] == code
    row = lg.row(pid)
    assert (row.state, row.callbacks_seen, row.provider_reference) == ("pending", 0, None)


def test_bad_signature_and_garbage(lg: Ledger) -> None:
    pid = lg.open()
    assert _post(lg, _payload(lg, pid), key=b"guess").status_code == 401
    no_header = httpx.post(lg.callbacks.callback_url, content=b"{}", timeout=5)
    assert no_header.status_code == 401
    for raw in (b"", b"\xff\xfe", b"[1,2]", b'{"amount": true}', b"x" * 20_000):
        assert _post(lg, None, raw=raw).status_code in (400, 401)
    assert lg.row(pid).state == "pending"


def test_a_captured_payment_is_not_declined_by_a_late_failure(lg: Ledger) -> None:
    pid = lg.open()
    assert _post(lg, _payload(lg, pid)).status_code == 204
    r = _post(lg, _payload(lg, pid, status="FAILED", reason="APPROVAL_REJECTED"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "callback_state_conflict"
    assert lg.row(pid).state == "captured"


def test_reference_that_disagrees_with_the_stored_one(lg: Ledger) -> None:
    pid = lg.open()
    assert _post(lg, _payload(lg, pid, status="PENDING")).status_code == 204
    r = _post(lg, _payload(lg, pid, reference="MPOTHER"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "callback_reference_mismatch"
