"""`sanad registry exchange serve`: the exchange's own listener, mutual TLS only.

uvicorn's ASGI scope carries no TLS details, so `PeerCertProtocol` (uvicorn's h11 protocol)
puts the peer certificate's DER into this connection's copy of the app state at connection
time; each request reads `scope["state"]["tls_peer_der"]` and looks the serial up: a revoked
or expired certificate, or a disabled agency, is refused with 401 at every request.
"""

from __future__ import annotations

import datetime as dt
import os
import ssl
import unicodedata
from pathlib import Path
from typing import Annotated, Any

import uvicorn
from cryptography import x509
from fastapi import FastAPI, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, Field
from uvicorn.protocols.http.h11_impl import H11Protocol

from registry.codes import ErrorCode
from registry.db import Database
from registry.errors import ConfigError, InvalidInput
from registry.exchange.agencies import QUERIES, certificate_agency
from registry.exchange.queries import RateWindow, answer
from verifier.keys import SigningKey

__all__ = [
    "ExchangeAnswer",
    "PeerCertProtocol",
    "QueryRequest",
    "create_exchange_app",
    "create_exchange_app_from_env",
    "serve",
    "ssl_context",
]


class PeerCertProtocol(H11Protocol):
    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        self.app_state = {**self.app_state, "tls_peer_der": der}


def _printable(value: str) -> str:
    """No control character: PostgreSQL text cannot hold NUL (a 500, not an answer), and
    none belongs in a legal basis, a case reference, a number or a serial. (A lone surrogate
    is already refused by pydantic as no valid string.)"""
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain control characters")
    return value


Text = Annotated[str, AfterValidator(_printable)]


class QueryRequest(BaseModel):
    legal_basis: Text = Field(min_length=1, max_length=64)
    case_reference: Text = Field(min_length=1, max_length=64)
    national_id: Text | None = Field(default=None, max_length=10)
    child_national_id: Text | None = Field(default=None, max_length=10)
    serial: Text | None = Field(default=None, max_length=32)


class ExchangeAnswer(BaseModel):
    """200: the signed answer; both fields lowercase hex."""

    payload: str = Field(
        pattern="^[0-9a-f]+$",
        description="CBOR map {query, answer, legal_basis, case_reference, agency, at}",
    )
    cose_sign1: str = Field(
        pattern="^[0-9a-f]+$", description="detached COSE_Sign1 (EdDSA) over the payload"
    )


def _error(description: str, codes: list[str]) -> dict[str, Any]:
    """A refusal as documented: `{"error": one of codes, "message"?}` and nothing else (403
    and 422 carry a message, never the value sent)."""
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["error"],
        "properties": {"error": {"type": "string", "enum": codes}, "message": {"type": "string"}},
    }
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": ExchangeAnswer, "description": "Answered, signed"},
    401: _error(
        "No valid agency certificate: revoked, expired, unknown, or its agency disabled",
        ["unauthenticated"],
    ),
    403: _error(
        "Refused: not allowed under this legal basis, or no such person or document "
        "(one answer for all, so nothing hints at who exists)",
        ["refused"],
    ),
    404: _error("No such query", ["unknown_query"]),
    422: _error(
        "A field missing, null, not a string, empty or too long, or a malformed national "
        "number; the message names the field",
        [ErrorCode.INVALID_REQUEST.value, ErrorCode.INVALID_NATIONAL_ID.value],
    ),
    429: _error("Over the agency's requests a minute", ["rate_limited"]),
}

EXCHANGE_KEY = "exchange-key.jwk"  # in the keys directory

_REFUSED = {"error": "refused", "message": "not answered under this legal basis"}


def create_exchange_app(db: Database, key: SigningKey) -> FastAPI:
    app = FastAPI(title="Sanad data exchange", version="1")
    window = RateWindow()

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        return JSONResponse(
            {"error": ErrorCode.INVALID_REQUEST.value, "message": f"{where}: {first.get('msg')}"},
            status_code=422,
        )

    def peer_serial(request: Request) -> str | None:
        der = request.scope.get("state", {}).get("tls_peer_der")
        if not der:
            return None
        return format(x509.load_der_x509_certificate(der).serial_number, "x")

    @app.post(
        "/api/v1/exchange/{query}",
        responses=RESPONSES,
        summary="A yes/no question about one person or document",
    )
    def ask(
        query: Annotated[str, PathParam(description="one of " + ", ".join(sorted(QUERIES)))],
        body: QueryRequest,
        request: Request,
    ) -> Response:
        now = dt.datetime.now(dt.UTC)
        serial = peer_serial(request)
        with db.session() as s:
            agency = certificate_agency(s, serial, now) if serial else None
            if agency is None:
                return JSONResponse({"error": "unauthenticated"}, status_code=401)
            if query not in QUERIES:
                return JSONResponse({"error": "unknown_query"}, status_code=404)
            if not window.take(agency.code, agency.per_minute):
                return JSONResponse({"error": "rate_limited"}, status_code=429)
            try:
                result = answer(
                    s,
                    agency,
                    query,
                    body.model_dump(),
                    body.legal_basis,
                    body.case_reference,
                    key,
                    now,
                )
            except InvalidInput as exc:
                return JSONResponse(
                    {"error": exc.code.value, "message": exc.message}, status_code=422
                )
            if result is None:
                return JSONResponse(_REFUSED, status_code=403)
            s.commit()
        return JSONResponse({"payload": result.payload.hex(), "cose_sign1": result.cose.hex()})

    return app


def ssl_context(ca_file: Path, cert_file: Path, key_file: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(ca_file))
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_cert_chain(str(cert_file), str(key_file))
    return ctx


def create_exchange_app_from_env() -> FastAPI:
    """For uvicorn's factory in each worker: the data directory and database from the
    environment, as `sanad registry serve` passes them; the exchange key is made before."""
    from registry.config import DataDir
    from registry.service import DATA_ENV, DB_ENV
    from verifier.keys import load_signing_key

    root = os.environ.get(DATA_ENV)
    if not root:
        raise ConfigError(f"set {DATA_ENV} to the registry's data directory")
    data = DataDir(Path(root))
    db = Database(data.database_url(os.environ.get(DB_ENV) or None))
    return create_exchange_app(db, load_signing_key(Path(data.keys_dir) / EXCHANGE_KEY))


def serve(
    host: str, port: int, ca_file: Path, cert_file: Path, key_file: Path, workers: int = 1
) -> None:
    """uvicorn with mutual TLS and `workers` processes, each building its app from the
    environment (`create_exchange_app_from_env`)."""
    uvicorn.run(
        "registry.exchange.listener:create_exchange_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=PeerCertProtocol,
        ssl_certfile=str(cert_file),
        ssl_keyfile=str(key_file),
        ssl_ca_certs=str(ca_file),
        ssl_cert_reqs=ssl.CERT_REQUIRED,
        log_level="warning",
    )
