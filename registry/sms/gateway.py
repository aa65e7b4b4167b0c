"""What a worker needs from an SMS gateway, whichever protocol it speaks, and its errors.

    SmsError
     ├── GatewayUnavailable   cannot connect, bind refused, timed out: try later, all messages
     └── MessageRefused       the gateway answered an error for this one message (.status;
                              .permanent when trying again cannot help)

A gateway is opened explicitly (`open`, `close`, or `with`), sends one text to one number and
returns the SMSC's message id only once the SMSC has accepted it, and hands over the delivery
receipts that have come back (`receipts`). Error messages name the SMSC status, never the
number or the text. Pure: no I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

__all__ = ["Gateway", "GatewayUnavailable", "MessageRefused", "Receipt", "SmsError"]


class SmsError(Exception):
    """The root of registry.sms's errors."""


class GatewayUnavailable(SmsError):
    """The gateway cannot take messages now (connection, bind, timeout): retry later."""


class MessageRefused(SmsError):
    """The gateway refused this message with `status` (e.g. "0x0000000b" invalid destination)."""

    def __init__(self, message: str, *, status: str, permanent: bool) -> None:
        super().__init__(message)
        self.status = status
        self.permanent = permanent


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt: the SMSC message id and whether the handset got it."""

    smsc_message_id: str
    delivered: bool
    state: str  # the SMSC's word: DELIVRD, UNDELIV, EXPIRED, REJECTD ...


class Gateway(Protocol):
    def open(self) -> None: ...

    def close(self) -> None: ...

    def send(self, to: str, text: str) -> str:
        """Submit `text` to `to` (E.164); the SMSC's message id once accepted."""
        ...

    def receipts(self, wait: float = 0.0) -> list[Receipt]:
        """The delivery receipts received so far (waiting up to `wait` seconds for one)."""
        ...

    def __enter__(self) -> Gateway: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
