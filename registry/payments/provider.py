"""The seam between the ledger and a payment provider: what the ledger asks and hears.

`Provider` is the protocol `ledger` calls (`mobile_money.MobileMoney` over HTTP implements it;
so could another operator's adapter). The values are plain frozen dataclasses; amounts are
whole minor units of `currency`. This module does no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from registry.payments.states import Answer

__all__ = ["Accepted", "PayRequest", "Provider", "RefundRequest", "StatusAnswer"]


@dataclass(frozen=True)
class PayRequest:
    idempotency_key: str  # the request's reference id at the provider (a UUID)
    amount: int
    currency: str
    msisdn: str  # E.164; goes to the provider, never to a log
    callback_url: str | None
    message: str = ""


@dataclass(frozen=True)
class RefundRequest:
    idempotency_key: str  # the refund's own reference id
    provider_reference: str  # the payment being refunded
    amount: int
    currency: str
    reason: str
    callback_url: str | None


@dataclass(frozen=True)
class Accepted:
    """202 Accepted: the provider took the request; the result comes later."""

    reference: str


@dataclass(frozen=True)
class StatusAnswer:
    reference: str
    external_id: str | None
    amount: int
    currency: str
    answer: Answer
    reason: str | None


class Provider(Protocol):
    name: str

    def request_to_pay(self, req: PayRequest) -> Accepted: ...

    def payment_status(self, reference: str) -> StatusAnswer | None:
        """None: the provider knows no request by that reference (it never arrived)."""
        ...

    def refund(self, req: RefundRequest) -> Accepted: ...

    def refund_status(self, reference: str) -> StatusAnswer | None: ...
