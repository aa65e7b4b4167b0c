"""Exceptions of the payments package.

    registry.errors.RegistryError
    └── PaymentError                 root of this package's errors
        ├── ProviderError            the provider could not be asked, or answered oddly
        │   ├── ProviderDown         no connection, or 502/503: the request did not arrive
        │   ├── ProviderTimeout      sent, but no answer in time: it may have arrived
        │   ├── ProviderDeclined     the provider refused the request itself (4xx); .reason
        │   └── ProviderProtocolError an answer this adapter does not understand
        ├── CallbackRejected         a callback that must change nothing; .reason
        └── RefundNotAllowed         a refund of a payment that is not captured

`ProviderDown` and `ProviderTimeout` leave a payment pending: the first means "the provider is
unreachable", the second "not confirmed yet" (the status query settles it). Messages never
hold a phone number or a secret.
"""

from __future__ import annotations

import enum

from registry.codes import ErrorCode
from registry.errors import RegistryError

__all__ = [
    "CallbackRejected",
    "PaymentError",
    "ProviderDeclined",
    "ProviderDown",
    "ProviderError",
    "ProviderProtocolError",
    "ProviderTimeout",
    "RefundNotAllowed",
    "RejectReason",
]


class PaymentError(RegistryError):
    default_code = ErrorCode.PAYMENT_FAILED


class ProviderError(PaymentError):
    pass


class ProviderDown(ProviderError):
    pass


class ProviderTimeout(ProviderError):
    pass


class ProviderDeclined(ProviderError):
    def __init__(self, message: str = "", *, reason: str = "REJECTED") -> None:
        super().__init__(message)
        self.reason = reason


class ProviderProtocolError(ProviderError):
    pass


class RejectReason(enum.StrEnum):
    """Why a callback was refused (the HTTP route answers 401 for the first, 400 for a
    malformed body, 409 for the rest)."""

    BAD_SIGNATURE = "bad_signature"
    MALFORMED = "malformed"
    UNKNOWN_REFERENCE = "unknown_reference"
    REFERENCE_MISMATCH = "reference_mismatch"
    AMOUNT_MISMATCH = "amount_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    STATE_CONFLICT = "state_conflict"


class CallbackRejected(PaymentError):
    def __init__(self, reason: RejectReason, message: str = "") -> None:
        super().__init__(message or reason.value)
        self.reason = reason


class RefundNotAllowed(PaymentError):
    default_code = ErrorCode.PAYMENT_FAILED
