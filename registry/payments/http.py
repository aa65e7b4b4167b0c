"""The provider's callback route: POST /api/v1/payments/callback.

No channel signature: the provider signs the body (X-Signature, HMAC-SHA256 with the callback
secret), and `ledger.apply_callback` checks it, then reference, amount and currency, before
anything changes. Answers: 204 applied or a duplicate (the provider stops resending), 200 is
never used; 401 bad signature; 400 a signed body that is not a callback; 409 a mismatch or a
contradiction; 503 the database or the secret is unavailable. Never 500: the provider only
learns accepted or not, and why in a stable code.

`install(app, reg, on_settlement)`: `on_settlement(session, settlement, now)` runs in the same
transaction as the ledger's change (the orders' hook: paid, refunded), for every settlement,
duplicates included (`settlement.changed` says which).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from registry.errors import ConfigError, ServiceUnavailable
from registry.http_schema import errors_for
from registry.http_state import Registry
from registry.payments import ledger, setup
from registry.payments.errors import CallbackRejected, RejectReason
from registry.payments.ledger import Settlement

__all__ = ["install"]

log = logging.getLogger(__name__)

_STATUS = {RejectReason.BAD_SIGNATURE: 401, RejectReason.MALFORMED: 400}


def install(
    app: FastAPI,
    reg: Registry,
    on_settlement: Callable[[Session, Settlement, dt.datetime], None] | None = None,
) -> None:
    """Add the callback route to the registry's app."""
    secret: list[bytes] = []

    def the_secret() -> bytes:
        if not secret:  # read once, when the first callback comes
            secret.append(setup.callback_secret(reg.data, reg.settings.payments))
        return secret[0]

    def apply(body: bytes, headers: dict[str, str]) -> None:
        key = the_secret()
        now = reg.now()
        with reg.db.session() as s:
            settlement = ledger.apply_callback(s, body, headers, secret=key, now=now)
            if settlement is not None and on_settlement is not None:
                on_settlement(s, settlement, now)

    @app.post(
        setup.CALLBACK_PATH,
        status_code=204,
        response_class=Response,
        responses={
            204: {"description": "applied, or a duplicate of one applied before"},
            **errors_for(400, 401, 409, 503),
        },
        summary="the mobile-money provider's signed result of a request-to-pay or refund",
    )
    async def payment_callback(request: Request) -> Response:
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() == "x-signature"}
        try:
            await run_in_threadpool(apply, body, headers)
        except CallbackRejected as exc:
            status = _STATUS.get(exc.reason, 409)
            return JSONResponse(
                {"error": {"code": f"callback_{exc.reason.value}", "message": exc.message}},
                status_code=status,
            )
        except ConfigError as exc:
            log.error("payment callback: %s", exc.message)
            raise ServiceUnavailable("the payments callback is not configured") from None
        return Response(status_code=204)
