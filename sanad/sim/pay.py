"""`sanad sim pay`: a mobile-money provider for the demo and the tests, a real HTTP process
with the operator's API shape (docs/payments.md) and faults on demand.

    POST /v1/requesttopay          X-Reference-Id (the merchant's idempotency key),
                                   X-Callback-Url; 202 {"reference", "status": "PENDING"};
                                   the same key and body again: the same reference, no
                                   second charge; the same key with another body: 409
    GET  /v1/requesttopay/{ref}    by our reference or the merchant's reference id
    POST /v1/refund                a refund of a SUCCESSFUL payment (its own X-Reference-Id)
    GET  /v1/refund/{ref}
    GET  /v1/statement?date=D      the day's settled payments as CSV (for reconciliation)
    GET  /health                   200, even when "down"
    GET  /control/faults           the faults in force
    POST /control/faults           change them (JSON, any subset of the keys below)
    GET  /control/callbacks        every callback sent and how the merchant answered

A request is settled `callback_delay` seconds after it arrives (status PENDING until then):
SUCCESSFUL, or FAILED when a decline fault applies; then the result is POSTed to the
request's X-Callback-Url, signed: X-Signature = hex HMAC-SHA256 of the body with the shared
callback secret (the file's text, stripped, as UTF-8). A callback the merchant does not
answer 2xx/4xx is tried again, three times at most.

Faults (each also a command-line flag; decided when a request arrives):
    decline "all"|"none"         every payment FAILED (APPROVAL_REJECTED)
    decline_over N               payments over N minor units FAILED (PAYER_LIMIT_REACHED)
    decline_msisdn "+9627..."    that payer's payments FAILED (APPROVAL_REJECTED)
    slow S                       every API answer S seconds late
    callback_lost                no callback (the status query still tells)
    callback_duplicated          each callback sent twice at once
    callback_forged "signature"|"amount"|"both"|"none"
                                 instead of the real callback, one saying SUCCESSFUL with a
                                 wrong signature and/or a wrong amount
    down                         the API answers 503 (a stopped simulator refuses connections)

State is in memory: a restart forgets every transaction. Payers' numbers are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import logging
import secrets
import string
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import click
import httpx
from fastapi import FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Faults", "command", "create_app"]

log = logging.getLogger(__name__)

_SAFE = set(string.ascii_letters + string.digits + "-_.")
CALLBACK_ATTEMPTS = 3


class Faults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decline: Literal["none", "all"] = "none"
    decline_over: int | None = Field(default=None, ge=0)
    decline_msisdn: str | None = Field(default=None, max_length=20)
    slow: float = Field(default=0.0, ge=0, le=120)
    callback_lost: bool = False
    callback_duplicated: bool = False
    callback_forged: Literal["none", "signature", "amount", "both"] = "none"
    down: bool = False
    callback_delay: float = Field(default=0.2, ge=0, le=600)


@dataclass
class Txn:
    kind: str  # payment | refund
    reference: str
    reference_id: str
    fingerprint: str
    amount: int
    currency: str
    payer: str  # digits; never logged
    callback_url: str | None
    created: dt.datetime
    of: str | None = None  # a refund: the payment's reference
    status: str = "PENDING"
    reason: str | None = None
    settled: dt.datetime | None = None
    faults: Faults = field(default_factory=Faults)

    def json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "externalId": self.reference_id,
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status,
            "reason": self.reason,
        }


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def _digits(msisdn: str) -> str:
    return "".join(c for c in msisdn if c.isdigit())


def create_app(
    secret: bytes, *, api_key: str | None = None, faults: Faults | None = None
) -> FastAPI:
    """The simulator as an ASGI app."""
    state_faults = [faults or Faults()]
    txns: dict[str, Txn] = {}  # by reference and by reference id
    callbacks: list[dict[str, Any]] = []
    tasks: set[asyncio.Task[None]] = set()
    lock = asyncio.Lock()
    http: list[httpx.AsyncClient] = []

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        http.append(httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=2.0)))
        yield
        for task in list(tasks):
            task.cancel()
        await http[0].aclose()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, title="sanad sim pay")

    def now() -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    async def gate(authorization: str | None, *, slow_first: bool = True) -> Response | None:
        f = state_faults[0]
        if f.slow and slow_first:
            await asyncio.sleep(f.slow)
        if f.down:
            return _error(503, "SERVICE_UNAVAILABLE", "the provider is down (simulated)")
        if api_key is not None:
            given = (authorization or "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(given.encode(), api_key.encode()):
                return _error(401, "UNAUTHORIZED", "bad API key")
        return None

    async def send_callback(txn: Txn) -> None:
        f = txn.faults
        await asyncio.sleep(f.callback_delay)
        if txn.kind == "payment":
            if f.decline == "all":
                txn.status, txn.reason = "FAILED", "APPROVAL_REJECTED"
            elif f.decline_over is not None and txn.amount > f.decline_over:
                txn.status, txn.reason = "FAILED", "PAYER_LIMIT_REACHED"
            elif f.decline_msisdn and _digits(f.decline_msisdn) == txn.payer:
                txn.status, txn.reason = "FAILED", "APPROVAL_REJECTED"
            else:
                txn.status = "SUCCESSFUL"
        else:
            txn.status = "SUCCESSFUL"
        txn.settled = now()
        log.info("%s %s settled %s", txn.kind, txn.reference, txn.status)
        if f.callback_lost or not txn.callback_url:
            callbacks.append({"reference": txn.reference, "kind": txn.kind, "lost": True})
            return
        payload = {"type": txn.kind, **txn.json()}
        key = secret
        forged = f.callback_forged
        if forged != "none":
            payload["status"], payload["reason"] = "SUCCESSFUL", None
            if forged in ("amount", "both"):
                payload["amount"] = txn.amount * 100
            if forged in ("signature", "both"):
                key = b"not-the-shared-secret"
        body = json.dumps(payload, separators=(",", ":")).encode()
        signature = hmac.new(key, body, hashlib.sha256).hexdigest()
        copies = 2 if f.callback_duplicated else 1
        await asyncio.gather(
            *(post(txn, body, signature, forged) for _ in range(copies)),
            return_exceptions=True,
        )

    async def post(txn: Txn, body: bytes, signature: str, forged: str) -> None:
        assert txn.callback_url is not None
        outcome: dict[str, Any] = {"reference": txn.reference, "kind": txn.kind, "forged": forged}
        for attempt in range(1, CALLBACK_ATTEMPTS + 1):
            try:
                r = await http[0].post(
                    txn.callback_url,
                    content=body,
                    headers={"Content-Type": "application/json", "X-Signature": signature},
                )
                outcome["status_code"] = r.status_code
                if r.status_code < 500:
                    break
            except httpx.HTTPError as exc:
                outcome["error"] = type(exc).__name__
            await asyncio.sleep(0.2 * 2**attempt)
        outcome["attempts"] = attempt
        callbacks.append(outcome)
        log.info(
            "callback %s -> %s", txn.reference, outcome.get("status_code", outcome.get("error"))
        )

    def schedule(txn: Txn) -> None:
        task = asyncio.get_running_loop().create_task(send_callback(txn))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def reference_id_ok(value: str | None) -> bool:
        return value is not None and 0 < len(value) <= 64 and set(value) <= _SAFE

    async def late(answer: Response, faults: Faults) -> Response:
        # "slow": the work is done at once (a real provider goes on when the caller gave up
        # waiting), only the answer is late
        if faults.slow:
            await asyncio.sleep(faults.slow)
        return answer

    async def body_of(request: Request) -> dict[str, Any] | None:
        try:
            data = json.loads(await request.body())
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/requesttopay")
    async def request_to_pay(
        request: Request,
        x_reference_id: Annotated[str | None, Header()] = None,
        x_callback_url: Annotated[str | None, Header()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        refused = await gate(authorization, slow_first=False)
        if refused is not None:
            return refused
        faults = state_faults[0]
        if not reference_id_ok(x_reference_id):
            return _error(400, "INVALID_REFERENCE_ID", "X-Reference-Id is missing or malformed")
        assert x_reference_id is not None
        data = await body_of(request)
        try:
            assert data is not None
            amount = data["amount"]
            currency = data["currency"]
            payer = _digits(str(data["payer"]["partyId"]))
            if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                raise ValueError
            if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
                raise ValueError
            if not 8 <= len(payer) <= 15:
                return _error(400, "PAYER_NOT_FOUND", "the payer is not a mobile-money account")
        except (AssertionError, KeyError, TypeError, ValueError):
            return _error(400, "INVALID_REQUEST", "amount, currency and payer are required")
        fingerprint = hashlib.sha256(
            json.dumps([amount, currency, payer], separators=(",", ":")).encode()
        ).hexdigest()
        async with lock:
            old = txns.get(x_reference_id)
            if old is not None:
                if old.kind != "payment" or old.fingerprint != fingerprint:
                    return _error(409, "RESOURCE_ALREADY_EXIST", "reference id used for another")
                return await late(
                    JSONResponse({"reference": old.reference, "status": old.status}, 202), faults
                )
            txn = Txn(
                kind="payment",
                reference="MP" + secrets.token_hex(8).upper(),
                reference_id=x_reference_id,
                fingerprint=fingerprint,
                amount=amount,
                currency=currency.upper(),
                payer=payer,
                callback_url=x_callback_url,
                created=now(),
                faults=state_faults[0].model_copy(),
            )
            txns[txn.reference] = txns[x_reference_id] = txn
        schedule(txn)
        return await late(
            JSONResponse({"reference": txn.reference, "status": "PENDING"}, 202), faults
        )

    async def status_of(kind: str, ref: str, authorization: str | None) -> Response:
        refused = await gate(authorization)
        if refused is not None:
            return refused
        txn = txns.get(ref)
        if txn is None or txn.kind != kind:
            return _error(404, "RESOURCE_NOT_FOUND", "no such request")
        return JSONResponse(txn.json())

    @app.get("/v1/requesttopay/{ref}")
    async def payment_status(
        ref: str, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        return await status_of("payment", ref, authorization)

    @app.post("/v1/refund")
    async def refund(
        request: Request,
        x_reference_id: Annotated[str | None, Header()] = None,
        x_callback_url: Annotated[str | None, Header()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        refused = await gate(authorization, slow_first=False)
        if refused is not None:
            return refused
        faults = state_faults[0]
        if not reference_id_ok(x_reference_id):
            return _error(400, "INVALID_REFERENCE_ID", "X-Reference-Id is missing or malformed")
        assert x_reference_id is not None
        data = await body_of(request) or {}
        original = txns.get(str(data.get("reference", "")))
        if original is None or original.kind != "payment":
            return _error(404, "RESOURCE_NOT_FOUND", "no such payment")
        if original.status != "SUCCESSFUL":
            return _error(400, "NOT_REFUNDABLE", "only a successful payment can be refunded")
        amount = data.get("amount")
        if amount != original.amount or data.get("currency") != original.currency:
            return _error(400, "INVALID_AMOUNT", "refund the payment's amount and currency")
        fingerprint = hashlib.sha256(original.reference.encode()).hexdigest()
        async with lock:
            old = txns.get(x_reference_id)
            if old is not None:
                if old.kind != "refund" or old.fingerprint != fingerprint:
                    return _error(409, "RESOURCE_ALREADY_EXIST", "reference id used for another")
                return await late(
                    JSONResponse({"reference": old.reference, "status": old.status}, 202), faults
                )
            if any(t.kind == "refund" and t.of == original.reference for t in txns.values()):
                return _error(400, "ALREADY_REFUNDED", "this payment has a refund already")
            txn = Txn(
                kind="refund",
                reference="MR" + secrets.token_hex(8).upper(),
                reference_id=x_reference_id,
                fingerprint=fingerprint,
                amount=original.amount,
                currency=original.currency,
                payer=original.payer,
                callback_url=x_callback_url or original.callback_url,
                created=now(),
                of=original.reference,
                faults=state_faults[0].model_copy(update={"callback_forged": "none"}),
            )
            txns[txn.reference] = txns[x_reference_id] = txn
        schedule(txn)
        return await late(
            JSONResponse({"reference": txn.reference, "status": "PENDING"}, 202), faults
        )

    @app.get("/v1/refund/{ref}")
    async def refund_status(
        ref: str, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        return await status_of("refund", ref, authorization)

    @app.get("/v1/statement")
    async def statement(
        date: Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")],
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        refused = await gate(authorization)
        if refused is not None:
            return refused
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["date", "provider_reference", "external_id", "amount", "currency", "status"]
        )
        seen = set()
        for txn in txns.values():
            if txn.kind != "payment" or txn.settled is None or id(txn) in seen:
                continue
            seen.add(id(txn))
            day = txn.settled.date().isoformat()
            if day == date:
                writer.writerow(
                    [day, txn.reference, txn.reference_id, txn.amount, txn.currency, txn.status]
                )
        return PlainTextResponse(out.getvalue(), media_type="text/csv")

    @app.get("/control/faults")
    def get_faults() -> dict[str, Any]:
        return state_faults[0].model_dump()

    @app.post("/control/faults")
    async def set_faults(request: Request) -> Response:
        data = await body_of(request)
        if data is None:
            return _error(400, "INVALID_REQUEST", "a JSON object of faults")
        try:
            state_faults[0] = Faults(**{**state_faults[0].model_dump(), **data})
        except ValueError as exc:
            return _error(400, "INVALID_REQUEST", str(exc).splitlines()[0])
        log.info("faults now %s", state_faults[0].model_dump_json())
        return JSONResponse(state_faults[0].model_dump())

    @app.get("/control/callbacks")
    def get_callbacks() -> list[dict[str, Any]]:
        return list(callbacks)

    return app


def _read_secret(path: Path, what: str) -> str:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise click.UsageError(f"cannot read the {what} file {path}: {exc}") from None
    if not value:
        raise click.UsageError(f"the {what} file {path} is empty")
    return value


def _decline(value: str | None) -> dict[str, Any]:
    if value is None:
        return {}
    if value == "all":
        return {"decline": "all"}
    kind, _, arg = value.partition(":")
    if kind == "over" and arg.isdigit():
        return {"decline_over": int(arg)}
    if kind == "msisdn" and arg:
        return {"decline_msisdn": arg}
    raise click.BadParameter("all, over:AMOUNT or msisdn:+NUMBER", param_hint="--decline")


@click.command(epilog="Exit codes: 0 stopped cleanly, 2 usage or I/O error.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8790, show_default=True)
@click.option(
    "--callback-secret-file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The callback secret shared with the registry (its [payments] callback_secret_file).",
)
@click.option(
    "--api-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Require this API key (the registry's [payments] api_key_file); default: any.",
)
@click.option(
    "--callback-delay",
    type=click.FloatRange(0, 600),
    default=0.2,
    show_default=True,
    help="Seconds from a request to its result and callback.",
)
@click.option(
    "--decline",
    default=None,
    metavar="all|over:N|msisdn:+N",
    help="Decline every payment, those over N minor units, or one payer's.",
)
@click.option("--slow", type=click.FloatRange(0, 120), default=0.0, help="Answer S seconds late.")
@click.option("--callback-lost", is_flag=True, help="Send no callbacks.")
@click.option("--callback-duplicated", is_flag=True, help="Send every callback twice.")
@click.option(
    "--callback-forged",
    type=click.Choice(["signature", "amount", "both"]),
    default=None,
    help="Send a forged callback instead of the real one.",
)
@click.option("--down", is_flag=True, help="Answer 503 to every API call.")
def command(
    host: str,
    port: int,
    callback_secret_file: Path,
    api_key_file: Path | None,
    callback_delay: float,
    decline: str | None,
    slow: float,
    callback_lost: bool,
    callback_duplicated: bool,
    callback_forged: str | None,
    down: bool,
) -> None:
    """A mobile-money provider simulator (HTTP), with faults on demand.

    Change the faults while it runs: POST /control/faults with JSON, e.g.
    {"callback_lost": true} or {"decline_over": 5000}.
    """
    import uvicorn

    secret = _read_secret(callback_secret_file, "callback secret").encode("utf-8")
    api_key = _read_secret(api_key_file, "API key") if api_key_file else None
    faults = Faults(
        slow=slow,
        callback_lost=callback_lost,
        callback_duplicated=callback_duplicated,
        callback_forged=callback_forged or "none",  # type: ignore[arg-type]
        down=down,
        callback_delay=callback_delay,
        **_decline(decline),
    )
    app = create_app(secret, api_key=api_key, faults=faults)
    click.echo(f"sim-pay listening on http://{host}:{port}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
