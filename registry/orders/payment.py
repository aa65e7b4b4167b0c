"""Paying for an order through the mobile-money provider, and what the outcome does to it.

`pay`: an unpaid order gets a pending ledger entry (the channel's idempotency key makes a
retry the same request: never a second charge) committed before the provider is asked, then
the request-to-pay outside any transaction (`ledger.send_request`). The answer is the order
with its payment: captured (a callback that overtook the answer), pending and confirmed
(waiting for the citizen to approve on their phone), or pending with a problem:
`provider_unreachable` (nothing was asked: try again later) or `not_confirmed_yet` (asked,
the answer lost: the status query settles it; never "failed, try again").

`on_settlement` is the ledger's hook, run in the transaction that changed the entry (a
callback, a poll, a refund): a capture moves the order on and queues its SMS, once; a refund
marks it refunded. `payment_json` is the order's latest payment as the API shows it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.codes import ErrorCode
from registry.db import Database
from registry.errors import Conflict
from registry.models import Order, PaymentRow
from registry.orders import store
from registry.orders.states import OrderState, can_refund
from registry.payments import ledger
from registry.payments.ledger import Settlement
from registry.payments.provider import Provider

__all__ = ["latest_payment", "on_settlement", "pay", "payment_json"]

log = logging.getLogger(__name__)


def on_settlement(s: Session, settlement: Settlement, now: dt.datetime) -> None:
    order = s.execute(
        select(Order).where(Order.id == settlement.order_id).with_for_update()
    ).scalar_one_or_none()
    if order is None or not settlement.changed:
        return
    if settlement.state == "captured":
        if not store.settle_capture(s, order, now):
            # money taken for an order already paid (a late success after another payment):
            # the ledger shows it; the operator refunds it (docs/payments.md)
            log.error(
                "payment %d captured for order %d, which was %s already: refund it",
                settlement.payment_id,
                order.id,
                order.state,
            )
    elif settlement.state == "refunded" and can_refund(OrderState(order.state)):
        order.state = OrderState.REFUNDED.value
        order.updated_at = now.replace(microsecond=0)


def latest_payment(s: Session, order_id: int) -> PaymentRow | None:
    return s.execute(
        select(PaymentRow)
        .where(PaymentRow.order_id == order_id, PaymentRow.channel == "portal")
        .order_by(PaymentRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def payment_json(s: Session, order_id: int) -> dict[str, Any] | None:
    row = latest_payment(s, order_id)
    if row is None:
        return None
    return {
        "state": row.state,
        "problem": row.problem,
        "provider_reference": row.provider_reference,
    }


def pay(
    db: Database,
    provider: Provider,
    *,
    person_id: int,
    code: str,
    msisdn: str,
    idempotency_key: str,
    callback_url: str | None,
    now: dt.datetime,
) -> int:
    """Ask for the order's fee (see the module docstring); the order's id."""
    with db.session() as s:
        order = store.find_for(s, person_id, code, lock=True)
        if order.state != OrderState.UNPAID.value:
            return order.id  # paid already (or fee-free): nothing to ask
        pending = latest_payment(s, order.id)
        if pending is not None and pending.state == "captured":
            return order.id
        if pending is not None and pending.state == "pending":
            # one request at a time, whatever key a second tab or a retry brings: the same
            # request again (sent anew if it never reached the provider), never a second charge
            payment_id, order_id = pending.id, order.id
        else:
            payment_id, order_id = _open(s, order, msisdn, idempotency_key, now)
    ledger.send_request(
        db, provider, payment_id, callback_url=callback_url, now=now, on_settlement=on_settlement
    )
    return order_id


def _open(s: Session, order: Order, msisdn: str, key: str, now: dt.datetime) -> tuple[int, int]:
    row = ledger.open_request(
        s,
        order_id=order.id,
        amount=order.fee_amount,
        currency=order.fee_currency,
        msisdn=msisdn,
        now=now,
        idempotency_key=key,
    )
    if row.state not in ("pending", "declined", "failed"):
        raise Conflict("this order's payment is being refunded", code=ErrorCode.PAYMENT_FAILED)
    return row.id, order.id
