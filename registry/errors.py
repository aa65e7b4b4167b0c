"""Exceptions of the registry package, shared by the service and the kiosk's client.

The service raises these and `service` turns each into one HTTP answer; `client` turns each
HTTP answer back into the same class, so a kiosk catches exactly what the registry meant.

    RegistryError
    ├── ConfigError              data directory, key files or database URL unusable
    ├── RegistryUnreachable      no answer (connect error, timeout), after safe retries
    │   └── ServiceUnavailable   the registry answered 503 (database down, no signer)
    ├── ProtocolError            an answer the client does not understand
    ├── InvalidInput             a value fails validation (400/422): bad national ID, size
    ├── NotFound                 no such person, document, kiosk or signer (404)
    ├── KioskAuthError           a kiosk request refused: unsigned, bad signature, replayed,
    │                            stale, unknown or revoked kiosk (401); .code says which
    ├── InvalidCredentials       wrong national ID or PIN (401); .tries_remaining
    ├── Throttled                wait before trying again (429); .retry_after, .tries_remaining
    ├── Locked                   too many failures: an officer must unlock (423)
    ├── SessionInvalid           the citizen session expired, ended or is another kiosk's (401)
    ├── Refused                  not entitled, or another business rule (403); .code, .message
    ├── Conflict                 idempotency key reused for another request, payment
    │                            reference already used (409); .code
    └── KeyringError             no root key, no current document signer, unknown kid

Every class carries `code` (an `ErrorCode`) and `message` (English detail, never personal data),
and `details`, what more the caller needs to act (a taken time's free alternatives).
"""

from __future__ import annotations

from typing import Any

from registry.codes import ErrorCode

__all__ = [
    "ConfigError",
    "Conflict",
    "InvalidCredentials",
    "InvalidInput",
    "KeyringError",
    "KioskAuthError",
    "Locked",
    "NotFound",
    "ProtocolError",
    "Refused",
    "RegistryError",
    "RegistryUnreachable",
    "ServiceUnavailable",
    "SessionInvalid",
    "Throttled",
]


class RegistryError(Exception):
    """Root of every error the registry package raises."""

    default_code = ErrorCode.INVALID_REQUEST

    def __init__(
        self,
        message: str = "",
        *,
        code: ErrorCode | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details: dict[str, Any] = (
            details or {}
        )  # more for the caller: a taken slot's alternatives


class ConfigError(RegistryError):
    pass


class RegistryUnreachable(RegistryError):
    default_code = ErrorCode.DATABASE_UNAVAILABLE


class ServiceUnavailable(RegistryUnreachable):
    def __init__(
        self, message: str = "", *, code: ErrorCode | None = None, retry_after: float = 1.0
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class ProtocolError(RegistryError):
    pass


class InvalidInput(RegistryError):
    pass


class NotFound(RegistryError):
    default_code = ErrorCode.NOT_FOUND


class KioskAuthError(RegistryError):
    default_code = ErrorCode.SIGNATURE_INVALID


class InvalidCredentials(RegistryError):
    default_code = ErrorCode.INVALID_CREDENTIALS

    def __init__(
        self,
        message: str = "",
        *,
        tries_remaining: int | None = None,
        code: ErrorCode | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.tries_remaining = tries_remaining


class Throttled(RegistryError):
    default_code = ErrorCode.THROTTLED

    def __init__(
        self,
        message: str = "",
        *,
        retry_after: float,
        tries_remaining: int | None = None,
        code: ErrorCode | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
        self.tries_remaining = tries_remaining


class Locked(RegistryError):
    default_code = ErrorCode.LOCKED


class SessionInvalid(RegistryError):
    default_code = ErrorCode.SESSION_INVALID


class Refused(RegistryError):
    default_code = ErrorCode.NOT_ENTITLED


class Conflict(RegistryError):
    default_code = ErrorCode.IDEMPOTENCY_CONFLICT


class KeyringError(RegistryError):
    default_code = ErrorCode.NO_SIGNER
