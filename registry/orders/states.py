"""The life of an order: its states, where it is collected, and what a payment does to it.

    unpaid ──payment captured──> ready (kiosk, counter) ──printed──> collected
       │                    └──> paid (post) ──in the day's batch, sent──> dispatched
       │                                                     dispatched ──> delivered | returned
       └── fee-free: ready / paid at once        ready, paid ──refund──> refunded

A kiosk's or a counter's own sale is an order born `collected` (paid on the spot). `cancelled`
is an unpaid order the citizen withdrew or that expired. Pure rules, no I/O.
"""

from __future__ import annotations

import enum

__all__ = ["Channel", "Collection", "OrderState", "after_capture", "can_pay", "can_refund"]


class Channel(enum.StrEnum):
    KIOSK = "kiosk"
    COUNTER = "counter"
    PORTAL = "portal"


class Collection(enum.StrEnum):
    KIOSK = "kiosk"  # at any kiosk, with the order code and the PIN
    COUNTER = "counter"  # at an office's counter, printed by a clerk
    POST = "post"  # an A4 print in the day's postal batch


class OrderState(enum.StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"
    READY = "ready"
    COLLECTED = "collected"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    RETURNED = "returned"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


def after_capture(collection: Collection) -> OrderState:
    """The state an order moves to once its fee is paid (or there is none)."""
    return OrderState.PAID if collection is Collection.POST else OrderState.READY


def can_pay(state: OrderState) -> bool:
    return state is OrderState.UNPAID


def can_refund(state: OrderState) -> bool:
    """Paid for and not yet in the citizen's hands (nor on its way to them)."""
    return state in (OrderState.PAID, OrderState.READY, OrderState.RETURNED)
