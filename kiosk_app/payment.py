"""The payment seam: authorise before issuing, capture after a confirmed print, void otherwise.

`PaymentProvider` is the Protocol a real card terminal or mobile-money adapter implements.
`authorise` is idempotent on its `reference` (the session's purchase key): a retry after a
network cut returns the same authorisation instead of reserving the money twice. `capture`
and `void` are idempotent too, and a captured authorisation can never be voided (nor the
reverse), which is what keeps a printed document paid and a failed one free.

`SimulatedProvider` ships with the kiosk for the demo and the tests: an in-memory ledger that
declines amounts above a configured limit.

What this module does not do: decide when to capture or void (the session does), or store
card data (a real provider keeps that inside its terminal).

Exception tree::

    PaymentError
     ├── PaymentDeclined       the provider said no (reason code for the citizen)
     ├── PaymentStateError     capture after void, void after capture, unknown authorisation
     └── PaymentUnavailable    the provider did not answer (retried by the runner)
"""

from __future__ import annotations

import enum
import itertools
import threading
import uuid
from dataclasses import dataclass
from typing import Protocol

from kiosk_app.errors import KioskError

__all__ = [
    "PAYMENT_UNREACHABLE",
    "Authorisation",
    "PaymentDeclined",
    "PaymentError",
    "PaymentProvider",
    "PaymentState",
    "PaymentStateError",
    "PaymentUnavailable",
    "SimulatedProvider",
]


class PaymentError(KioskError):
    """Root of the payment errors."""


class PaymentDeclined(PaymentError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"payment declined: {reason}")
        self.reason = reason


class PaymentStateError(PaymentError):
    pass


class PaymentUnavailable(PaymentError):
    """The provider did not answer (a terminal or network down): the call may be repeated."""


# what a provider raises when it could not be reached: the runner retries these (stamina)
PAYMENT_UNREACHABLE: tuple[type[Exception], ...] = (PaymentUnavailable, OSError, TimeoutError)


class PaymentState(enum.Enum):
    AUTHORISED = "authorised"
    CAPTURED = "captured"
    VOIDED = "voided"


@dataclass(frozen=True)
class Authorisation:
    id: str
    amount: int
    currency: str
    reference: str
    state: PaymentState


class PaymentProvider(Protocol):
    # how the citizen pays with this provider ("card"): the payment screen says so
    # (catalogue "payment.method.<method>")
    method: str

    def authorise(self, amount: int, currency: str, reference: str) -> Authorisation: ...

    def capture(self, authorisation_id: str) -> Authorisation: ...

    def void(self, authorisation_id: str) -> Authorisation: ...


class SimulatedProvider:
    """An in-memory payment provider with the real provider's rules."""

    method = "card"

    def __init__(self, *, decline_over: int | None = None) -> None:
        self.decline_over = decline_over
        self._lock = threading.Lock()
        self._by_id: dict[str, Authorisation] = {}
        self._by_reference: dict[str, str] = {}
        self._ids = itertools.count(1)

    def authorise(self, amount: int, currency: str, reference: str) -> Authorisation:
        if amount < 0:
            raise ValueError("amount must not be negative")
        if not reference:
            raise ValueError("an authorisation needs a reference")
        with self._lock:
            known = self._by_reference.get(reference)
            if known is not None:
                auth = self._by_id[known]
                if (auth.amount, auth.currency) != (amount, currency):
                    raise PaymentStateError("reference reused for a different amount")
                return auth
            if self.decline_over is not None and amount > self.decline_over:
                raise PaymentDeclined("limit_exceeded")
            # unique across kiosks and restarts, as a real provider's references are
            auth_id = f"SIM-{uuid.uuid4().hex[:12].upper()}-{next(self._ids)}"
            auth = Authorisation(auth_id, amount, currency, reference, PaymentState.AUTHORISED)
            self._by_id[auth.id] = auth
            self._by_reference[reference] = auth.id
            return auth

    def _move(self, authorisation_id: str, to: PaymentState) -> Authorisation:
        with self._lock:
            auth = self._by_id.get(authorisation_id)
            if auth is None:
                raise PaymentStateError(f"unknown authorisation {authorisation_id}")
            if auth.state is to:
                return auth
            if auth.state is not PaymentState.AUTHORISED:
                raise PaymentStateError(
                    f"{authorisation_id} is {auth.state.value}, cannot be {to.value}"
                )
            moved = Authorisation(auth.id, auth.amount, auth.currency, auth.reference, to)
            self._by_id[auth.id] = moved
            return moved

    def capture(self, authorisation_id: str) -> Authorisation:
        return self._move(authorisation_id, PaymentState.CAPTURED)

    def void(self, authorisation_id: str) -> Authorisation:
        return self._move(authorisation_id, PaymentState.VOIDED)

    def get(self, authorisation_id: str) -> Authorisation:
        with self._lock:
            return self._by_id[authorisation_id]

    @property
    def ledger(self) -> tuple[Authorisation, ...]:
        with self._lock:
            return tuple(self._by_id.values())
