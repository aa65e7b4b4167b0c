"""How the registry API answers errors: `{"error": {"code", "message", ...}}` with a stable code
(`registry.codes`), the HTTP status of each `RegistryError`, and the exception handlers that
keep every failure in that shape, without the input (validation, unknown routes, a value the
database refuses, a lost database, a bug).
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry.codes import ErrorCode
from registry.errors import (
    ConfigError,
    Conflict,
    InvalidCredentials,
    InvalidInput,
    KeyringError,
    KioskAuthError,
    Locked,
    NotFound,
    Refused,
    RegistryError,
    ServiceUnavailable,
    SessionInvalid,
    Throttled,
)
from registry.http_state import route_template

__all__ = ["error_response", "install_error_handlers"]

log = logging.getLogger(__name__)


_STATUS: list[tuple[type[RegistryError], int]] = [
    (InvalidInput, 400),
    (KioskAuthError, 401),
    (InvalidCredentials, 401),
    (SessionInvalid, 401),
    (Refused, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Locked, 423),
    (Throttled, 429),
    (ServiceUnavailable, 503),
    (KeyringError, 503),
    (ConfigError, 503),
]


_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}")


def _where(error: Any) -> dict[str, str]:
    """A validation error's location and type, with nothing of the input (an unknown key's
    name is input too, so only identifier-like names are kept)."""
    parts = []
    for part in error.get("loc", ()):
        if isinstance(part, int) or (isinstance(part, str) and _FIELD_NAME.fullmatch(part)):
            parts.append(str(part))
        else:
            parts.append("?")
    return {"field": ".".join(parts), "type": str(error.get("type", "invalid"))[:40]}


def error_response(exc: RegistryError) -> JSONResponse:
    status = next((code for cls, code in _STATUS if isinstance(exc, cls)), 400)
    detail: dict[str, Any] = {"code": str(exc.code), "message": exc.message}
    headers = {}
    if isinstance(exc, InvalidCredentials | Throttled):
        detail["tries_remaining"] = exc.tries_remaining
    if isinstance(exc, Throttled | ServiceUnavailable):
        detail["retry_after"] = round(exc.retry_after, 3)
        headers["Retry-After"] = str(max(1, int(exc.retry_after + 0.999)))
    detail.update({k: v for k, v in exc.details.items() if k not in detail})
    if status == 503 and "Retry-After" not in headers:
        headers["Retry-After"] = "5"
    return JSONResponse({"error": detail}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Every error in the documented shape: registry errors, validation, HTTP, database."""

    @app.exception_handler(RegistryError)
    async def _registry_error(request: Request, exc: RegistryError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # never the input back (it may be personal data, NaN, or a lone surrogate that no
        # JSON encoder takes): only where and what kind of error
        return JSONResponse(
            {
                "error": {
                    "code": ErrorCode.INVALID_REQUEST.value,
                    "message": "the request does not match the API's schema",
                    "fields": [_where(e) for e in exc.errors()][:20],
                }
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = ErrorCode.NOT_FOUND if exc.status_code == 404 else ErrorCode.INVALID_REQUEST
        words = {404: "no such resource", 405: "method not allowed"}
        return JSONResponse(
            {"error": {"code": code.value, "message": words.get(exc.status_code, "bad request")}},
            status_code=exc.status_code,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> JSONResponse:
        # a value the database refuses (a NUL in text on PostgreSQL, a number out of range):
        # the client's fault, never "database unavailable"
        log.info(
            "value refused by the database on %s: %s",
            route_template(request),
            type(exc.orig).__name__,
        )
        return error_response(InvalidInput("a value in the request is not acceptable"))

    @app.exception_handler(DBAPIError)
    async def _db_error(request: Request, exc: DBAPIError) -> JSONResponse:
        log.warning("database error on %s: %s", route_template(request), type(exc.orig).__name__)
        return error_response(ServiceUnavailable("the database is unavailable"))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        # where it happened, never the exception's text (it may quote the input)
        log.error(
            "unexpected %s on %s %s\n%s",
            type(exc).__name__,
            request.method,
            route_template(request),
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        return JSONResponse(
            {"error": {"code": ErrorCode.INTERNAL_ERROR.value, "message": "internal error"}},
            status_code=500,
        )
