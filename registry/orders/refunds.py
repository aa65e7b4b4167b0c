"""Refunding an order that could not be fulfilled: its fee goes back through the provider.

An order may be refunded while it is paid for and not in the citizen's hands nor on its way
to them (`states.can_refund`: paid, ready, returned): the requester died before it was
printed, the postal operator returned it, the office cannot print it. `refund_order` finds
its captured mobile-money entry and asks the ledger for the refund (`ledger.refund`:
refund_pending committed before the provider is called, the same refund if asked again); the
order becomes `refunded` when the refund settles (the provider's callback or the poll, through
`payment.on_settlement`), never before: a refund the provider declines leaves the order paid.

A fee paid on the spot (a kiosk's terminal, a counter's till) is refunded where it was paid,
not here (`RefundNotAllowed` from the ledger). A document already issued for the order (a
returned envelope, a batch printed but not sent) stays recorded: it was never handed over;
the office destroys the paper, or revokes the serial if it may be in someone's hands.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from registry.codes import ErrorCode
from registry.db import Database
from registry.errors import Conflict, InvalidInput
from registry.models import PaymentRow
from registry.orders import payment, store
from registry.orders.states import OrderState, can_refund
from registry.payments import ledger
from registry.payments.ledger import PaymentView
from registry.payments.provider import Provider
from registry.payments.states import State

__all__ = ["refund_order"]

log = logging.getLogger(__name__)
_REFUNDABLE = (State.CAPTURED, State.REFUND_PENDING, State.REFUNDED)


def refund_order(
    db: Database,
    provider: Provider,
    code: str,
    *,
    reason: str,
    now: dt.datetime,
    callback_url: str | None = None,
) -> PaymentView:
    """Ask for the refund of the order's captured payment (see the module docstring); the
    payment as it stands after the request (refund_pending, or refunded already)."""
    reason = " ".join(reason.split())
    if not 1 <= len(reason) <= 200:
        raise InvalidInput("a refund needs a reason of 1 to 200 characters")
    with db.session() as s:
        order = store.find(s, code)
        state = OrderState(order.state)
        row = s.execute(
            select(PaymentRow)
            .where(PaymentRow.order_id == order.id, PaymentRow.state.in_(_REFUNDABLE))
            .order_by(PaymentRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if row is not None and row.state == State.REFUNDED:
            return ledger.view(s, row.id)
        if not can_refund(state):
            raise Conflict(
                f"only an order paid for and not handed over is refunded (this one is "
                f"{state.value})",
                code=ErrorCode.ORDER_COLLECTED
                if state in (OrderState.COLLECTED, OrderState.DELIVERED, OrderState.DISPATCHED)
                else ErrorCode.ORDER_NOT_READY,
            )
        if order.document_id is not None and state is not OrderState.RETURNED:
            raise Conflict(
                "a document was issued for this order (it may be in the citizen's hands)",
                code=ErrorCode.ORDER_COLLECTED,
            )
        if row is None:
            raise Conflict(
                "this order has no captured payment to refund", code=ErrorCode.PAYMENT_FAILED
            )
        payment_id, order_id = row.id, order.id
    log.info("order %s: refund asked for payment %s", order_id, payment_id)
    return ledger.refund(
        db,
        provider,
        payment_id,
        reason=reason,
        now=now,
        callback_url=callback_url,
        on_settlement=payment.on_settlement,
    )
