"""The registry's HTTP API (FastAPI): what kiosks, verifiers and the back office talk to.

Endpoints (all JSON unless said otherwise; the OpenAPI description is at /openapi.json):

    GET  /api/v1/health                         database reachable? 200 or 503
    GET  /api/v1/trust-list                     the root-signed trust list (application/cose),
                                                ETag, Cache-Control; If-None-Match → 304
    GET  /api/v1/fees                           the fee table
    GET  /api/v1/documents/{serial}/status      valid, revoked or superseded
    POST /api/v1/auth/login             kiosk   national ID or card + PIN → session token
    POST /api/v1/auth/logout            kiosk   end the session
    GET  /api/v1/entitlements           kiosk   the documents the citizen may request
    POST /api/v1/documents              kiosk   issue (idempotency key) → QR text + fields
    POST /api/v1/documents/preview      kiosk   the document issue would sign, unsigned;
                                                nothing written, charged or counted
    POST /api/v1/kiosk/heartbeat        kiosk   printer, paper, backlog, last error
    GET  /api/v1/fleet                  admin   kiosks and what needs attention
    GET  /fleet                         admin   the same as an HTML page for technicians
    POST /api/v1/admin/documents/{serial}/revoke   admin   revoke with a reason

"kiosk" endpoints need the request signature of `registry.signing` and, except login, the
citizen's session token (`Authorization: Bearer ...`); "admin" endpoints need the data
directory's admin token (`Authorization: Bearer ...`, or `?token=` for the HTML page).

Errors are `{"error": {"code", "message", ...}}` with a stable code (`registry.codes`):
400/422 bad input, 401 kiosk or citizen not authenticated, 403 refused, 404, 409 conflict,
423 locked, 429 throttled (Retry-After), 503 database or signer unavailable (Retry-After).
Handlers are thin: the rules live in `citizens`, `issuance`, `kiosks`, `keyring`.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import enum
import html
import logging
import os
import re
import secrets
import threading
import time
import traceback
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
import cbor2
from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry import citizens, issuance, keyring, kiosks
from registry.codes import CITIZEN_MESSAGES, ErrorCode
from registry.config import DataDir, Settings, load_settings
from registry.db import Database
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
from registry.limits import BodyLimit
from registry.models import Kiosk
from registry.places import PlaceBook
from registry.signing import SignatureHeaders, parse_headers
from verifier.documents import Bilingual, DocumentType, encode_document, schema_for
from verifier.presentation import display_fields, document_to_json
from verifier.trust import serial_hash

__all__ = ["DATA_ENV", "DB_ENV", "Registry", "create_app", "create_app_from_env"]

log = logging.getLogger(__name__)

DATA_ENV = "SANAD_REGISTRY_DATA"
DB_ENV = "SANAD_REGISTRY_DB"
MAX_BODY = 64 * 1024
NONCE_PURGE_EVERY = 60.0

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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---------------------------------------------------------------------------------------------
# Request and response bodies

DocumentSlug = enum.StrEnum(  # type: ignore[misc]
    "DocumentSlug", {t.name: t.slug for t in DocumentType}
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _plain_text(value: str) -> str:
    """Text a database and a JSON encoder take: no NUL or other control character (tab and
    line breaks aside) and no lone surrogate (JSON's \\ud800 escapes decode to one)."""
    if _CONTROL.search(value):
        raise ValueError("control characters and lone surrogates are not allowed")
    return value


Text = Annotated[str, AfterValidator(_plain_text)]


class LoginBody(_Strict):
    national_id: Text | None = Field(
        default=None, max_length=32, description="typed national number"
    )
    card: Text | None = Field(default=None, max_length=64, description="the ID card's scanned text")
    pin: Text = Field(max_length=16)


class IssueBody(_Strict):
    document_type: DocumentSlug
    subject: Text = Field(max_length=32, description="national number, or M…/T… record number")
    payment_reference: Text = Field(max_length=64)
    idempotency_key: Text = Field(max_length=64, description="same key → same document, one charge")


class PreviewBody(_Strict):
    document_type: DocumentSlug
    subject: Text = Field(max_length=32, description="national number, or M…/T… record number")


class HeartbeatBody(_Strict):
    printer: kiosks.PrinterState
    paper: kiosks.PaperState
    cover_open: bool = False
    app_version: Text = Field(max_length=40)
    last_error: Text | None = Field(default=None, max_length=200)
    journal_backlog: int = Field(default=0, ge=0, le=1_000_000)
    failed_jobs: int = Field(default=0, ge=0, le=1_000_000)


class RevokeBody(_Strict):
    reason: Text = Field(min_length=1, max_length=200)


class Text2(BaseModel):
    ar: str
    latin: str | None


class Title(BaseModel):
    ar: str
    en: str


class FeeOut(BaseModel):
    amount: int = Field(description="in the currency's minor unit")
    currency: str = Field(description="ISO 4217, the configured identity's currency")
    minor_units: int = Field(description="digits after the decimal point: amount / 10**minor")


class LoginOut(BaseModel):
    token: str
    expires_at: dt.datetime
    name: Text2


class OfferOut(BaseModel):
    document_type: str
    type_code: int
    title: Title
    subject: str
    subject_name: Text2
    relation: str
    fee: FeeOut


class EntitlementsOut(BaseModel):
    documents: list[OfferOut]


class DisplayFieldOut(BaseModel):
    name: str
    label_ar: str
    label_en: str
    ar: str
    en: str


class IssuedOut(BaseModel):
    serial: str
    document_type: str
    type_code: int
    title: Title
    subject: str
    issued_at: dt.datetime
    fee: FeeOut
    payment_reference: str
    qr_text: str
    signer_kid: str
    replayed: bool
    display_fields: list[DisplayFieldOut]
    document: dict[str, Any]


class PreviewOut(BaseModel):
    document_type: str
    type_code: int
    title: Title
    subject: str
    fee: FeeOut
    document_claim: str = Field(
        description="base64 of the CBOR document claim issue would sign (docs/format.md): "
        "places as codes"
    )
    display_fields: list[DisplayFieldOut]
    document: dict[str, Any]


class StatusOut(BaseModel):
    serial: str
    status: issuance.DocumentState
    reason: str | None
    since: dt.datetime | None
    document_type: str
    issued_at: dt.datetime
    payload_sha256: str = Field(
        description="hex SHA-256 of the COSE_Sign1 payload bytes exactly as signed"
    )


class FeeRowOut(BaseModel):
    document_type: str
    type_code: int
    title: Title
    fee: FeeOut


class FeesOut(BaseModel):
    fees: list[FeeRowOut]


class HealthOut(BaseModel):
    status: str
    database: str


class OkOut(BaseModel):
    ok: bool


class KioskOut(BaseModel):
    id: str
    centre: Text2
    revoked: bool
    last_seen_at: dt.datetime | None
    printer: str | None
    paper: str | None
    cover_open: bool | None
    app_version: str | None
    last_error: str | None
    journal_backlog: int | None
    failed_jobs: int | None
    attention: list[str]


class FleetOut(BaseModel):
    kiosks: list[KioskOut]


class ErrorDetail(BaseModel):
    code: str
    message: str
    tries_remaining: int | None = None
    retry_after: float | None = None
    citizen_message: Title | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ErrorOut} for c in codes}


# ---------------------------------------------------------------------------------------------
# The application's state


@dataclass(frozen=True)
class KioskIdentity:
    id: str
    centre: Bilingual


class Registry:
    """What every request needs: settings, the database, the key cache, the admin token."""

    def __init__(self, data: DataDir, db: Database, settings: Settings) -> None:
        self.data = data
        self.db = db
        self.settings = settings
        self.keys = keyring.KeyCache(data)
        self.places = PlaceBook(db)
        self.admin_token = data.admin_token()
        self._last_purge = 0.0
        self._purge_lock = threading.Lock()

    def authenticate_in(self, s: Session, signed: SignedRequest) -> KioskIdentity:
        """Check the request signature inside the caller's transaction (nonce recorded)."""
        now = _now()
        kiosk = kiosks.authenticate(
            s,
            signed.headers,
            signed.method,
            signed.target,
            signed.body,
            now,
            self.settings.request_skew,
        )
        if self._purge_due():
            kiosks.purge_nonces(s, now - 2 * self.settings.request_skew)
        return KioskIdentity(kiosk.id, Bilingual(kiosk.centre_ar, kiosk.centre_latin))

    def _purge_due(self) -> bool:
        with self._purge_lock:
            due = time.monotonic() - self._last_purge > NONCE_PURGE_EVERY
            if due:
                self._last_purge = time.monotonic()
        return due

    def purge_nonces_if_due(self) -> None:
        """Forget nonces older than the replay window (at most once a minute per process)."""
        if self._purge_due():
            with self.db.session() as s:
                kiosks.purge_nonces(s, _now() - 2 * self.settings.request_skew)

    def authenticate(self, signed: SignedRequest) -> KioskIdentity:
        with self.db.session() as s:
            if not self.db.is_sqlite:
                # a transaction of its own that only records the nonce: losing it in a crash
                # reopens a two-minute replay window at worst, so skip the WAL flush wait
                s.execute(text("SET LOCAL synchronous_commit TO OFF"))
            return self.authenticate_in(s, signed)

    def person_for(self, token: str | None, kiosk: KioskIdentity) -> int:
        if token is None:
            raise SessionInvalid("no session token (Authorization: Bearer ...)")
        with self.db.session() as s:
            return citizens.resolve_session(s, token, kiosk.id, self.settings, _now())

    def require_admin(self, token: str | None) -> None:
        if (
            not self.admin_token
            or token is None
            or not secrets.compare_digest(token.encode(), self.admin_token.encode())
        ):
            raise KioskAuthError("the admin token is required", code=ErrorCode.ADMIN_TOKEN_REQUIRED)

    def trust_list(self) -> keyring.PublishedList:
        with self.db.session() as s:
            latest = keyring.latest_trust_list(s)
        now = _now()
        half = self.settings.trust_list_validity / 2
        if latest is not None and now < latest.next_update - half:
            return latest
        if self.data.root_key_path.exists():
            try:
                with self.db.session() as s:
                    return keyring.publish_trust_list(s, self.data, self.settings)
            except IntegrityError:  # another process published the same sequence first
                with self.db.session() as s:
                    latest = keyring.latest_trust_list(s)
        if latest is None:
            raise KeyringError("no trust list has been published yet")
        return latest


def _route(request: Request) -> str:
    """The route's template (never the concrete path: it may hold a serial)."""
    return str(getattr(request.scope.get("route"), "path", "?"))


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def _registry(request: Request) -> Registry:
    reg: Registry = request.app.state.registry
    return reg


@dataclass(frozen=True)
class SignedRequest:
    headers: SignatureHeaders
    method: str
    target: str
    body: bytes


async def signed_request(request: Request) -> SignedRequest:
    """Dependency: the signature headers, method, target and body, not yet checked (the body
    is at most MAX_BODY bytes: `BodyLimit` refused anything larger before routing)."""
    body = await request.body()
    headers = parse_headers(request.headers)
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    target = raw_path.decode("latin-1")
    query = request.scope.get("query_string", b"")
    if query:
        target += "?" + query.decode("latin-1")
    return SignedRequest(headers, request.method, target, body)


async def kiosk_identity(request: Request) -> KioskIdentity:
    """Dependency: the enrolled kiosk that signed this request (401 otherwise)."""
    signed = await signed_request(request)
    return await run_in_threadpool(_registry(request).authenticate, signed)


Kiosk_ = Annotated[KioskIdentity, Depends(kiosk_identity)]
Signed_ = Annotated[SignedRequest, Depends(signed_request)]
Auth = Annotated[str | None, Header(alias="Authorization", max_length=300)]


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


def _error_response(exc: RegistryError) -> JSONResponse:
    status = next((code for cls, code in _STATUS if isinstance(exc, cls)), 400)
    detail: dict[str, Any] = {"code": str(exc.code), "message": exc.message}
    headers = {}
    if isinstance(exc, InvalidCredentials | Throttled):
        detail["tries_remaining"] = exc.tries_remaining
    if isinstance(exc, Throttled | ServiceUnavailable):
        detail["retry_after"] = round(exc.retry_after, 3)
        headers["Retry-After"] = str(max(1, int(exc.retry_after + 0.999)))
    if status == 503 and "Retry-After" not in headers:
        headers["Retry-After"] = "5"
    words = CITIZEN_MESSAGES.get(exc.code)
    if words:
        detail["citizen_message"] = {"ar": words[0], "en": words[1]}
    return JSONResponse({"error": detail}, status_code=status, headers=headers)


def _fee(amount: int, currency: str, minor_units: int) -> dict[str, Any]:
    # the configured identity's minor units: fees are charged in its currency
    return {"amount": amount, "currency": currency, "minor_units": minor_units}


def _offer_json(doc_type: DocumentType, amount: int, currency: str, minor: int) -> dict[str, Any]:
    schema = schema_for(doc_type)
    return {
        "document_type": doc_type.slug,
        "type_code": int(doc_type),
        "title": {"ar": schema.title_ar, "en": schema.title_en},
        "fee": _fee(amount, currency, minor),
    }


def _preview_json(pv: issuance.Preview, minor: int) -> dict[str, Any]:
    schema = schema_for(pv.document_type)
    claim = cbor2.dumps(encode_document(pv.document), canonical=True)
    return {
        "document_type": pv.document_type.slug,
        "type_code": int(pv.document_type),
        "title": {"ar": schema.title_ar, "en": schema.title_en},
        "subject": pv.subject,
        "fee": _fee(pv.fee_amount, pv.fee_currency, minor),
        "document_claim": base64.b64encode(claim).decode("ascii"),
        "display_fields": [
            {"name": f.name, "label_ar": f.label_ar, "label_en": f.label_en, "ar": f.ar, "en": f.en}
            for f in display_fields(pv.document)
        ],
        "document": document_to_json(pv.document),
    }


def _status_json(st: issuance.StatusReport) -> dict[str, Any]:
    return {
        "serial": st.serial,
        "status": st.state,
        "reason": st.reason,
        "since": st.since,
        "document_type": st.document_type.slug,
        "issued_at": st.issued_at,
        "payload_sha256": st.payload_sha256,
    }


def _issued_json(issued: issuance.Issued, minor: int) -> dict[str, Any]:
    schema = schema_for(issued.document_type)
    return {
        "serial": issued.serial,
        "document_type": issued.document_type.slug,
        "type_code": int(issued.document_type),
        "title": {"ar": schema.title_ar, "en": schema.title_en},
        "subject": issued.subject,
        "issued_at": issued.issued_at.isoformat(),
        "fee": _fee(issued.fee_amount, issued.fee_currency, minor),
        "payment_reference": issued.payment_reference,
        "qr_text": issued.qr_text,
        "signer_kid": issued.signer_kid,
        "replayed": issued.replayed,
        "display_fields": issuance.display(issued),
        "document": document_to_json(issued.document),
    }


# ---------------------------------------------------------------------------------------------
# The app


def create_app(
    data: DataDir,
    *,
    database_url: str | None = None,
    settings: Settings | None = None,
    migrate: bool = False,
    pool_size: int = 10,
    threads: int = 4,
) -> FastAPI:
    settings = settings or load_settings(data)
    db = Database(data.database_url(database_url), pool_size=pool_size)
    if migrate:
        db.migrate()
    reg = Registry(data, db, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Few threads per process: a transaction holding the audit lock must not wait behind
        # dozens of threads for the GIL (a lock convoy); extra requests queue in the event loop.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield
        reg.db.dispose()

    app = FastAPI(
        lifespan=lifespan,
        # no Swagger UI or ReDoc: they load scripts from a CDN, and nothing Sanad serves may
        # load an external resource; the description itself stays at /openapi.json
        docs_url=None,
        redoc_url=None,
        title="Sanad registry",
        version="1",
        description="The civil registry's API for kiosks, verifiers and the back office. "
        "Kiosk requests are signed; see docs/registry-api.md.",
    )
    app.state.registry = reg
    app.add_middleware(BodyLimit, max_body=MAX_BODY)

    @app.exception_handler(RegistryError)
    async def _registry_error(request: Request, exc: RegistryError) -> JSONResponse:
        return _error_response(exc)

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
            "value refused by the database on %s: %s", _route(request), type(exc.orig).__name__
        )
        return _error_response(InvalidInput("a value in the request is not acceptable"))

    @app.exception_handler(DBAPIError)
    async def _db_error(request: Request, exc: DBAPIError) -> JSONResponse:
        log.warning("database error on %s: %s", _route(request), type(exc.orig).__name__)
        return _error_response(ServiceUnavailable("the database is unavailable"))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        # where it happened, never the exception's text (it may quote the input)
        log.error(
            "unexpected %s on %s %s\n%s",
            type(exc).__name__,
            request.method,
            _route(request),
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        return JSONResponse(
            {"error": {"code": ErrorCode.INTERNAL_ERROR.value, "message": "internal error"}},
            status_code=500,
        )

    # -- public ---------------------------------------------------------------------------

    @app.get("/api/v1/health", response_model=HealthOut, responses=_errors(503))
    def health() -> dict[str, str]:
        with reg.db.session() as s:
            s.execute(text("SELECT 1"))
        return {"status": "ok", "database": "ok"}

    @app.get(
        "/api/v1/trust-list",
        response_class=Response,
        responses={
            200: {"content": {"application/cose": {}}, "description": "the signed trust list"},
            304: {"description": "not modified"},
            **_errors(503),
        },
    )
    def trust_list(
        if_none_match: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Response:
        published = reg.trust_list()
        headers = {
            "ETag": published.etag,
            "Cache-Control": f"public, max-age={reg.settings.trust_list_max_age}",
            "X-Sanad-Trust-List-Sequence": str(published.sequence),
        }
        if if_none_match and published.etag in [t.strip() for t in if_none_match.split(",")]:
            return Response(status_code=304, headers=headers)
        return Response(published.data, media_type="application/cose", headers=headers)

    @app.get("/api/v1/fees", response_model=FeesOut)
    def fees() -> dict[str, Any]:
        with reg.db.session() as s:
            table = issuance.fee_table(s)
        minor = reg.settings.identity.minor_units
        return {"fees": [_offer_json(t, a, c, minor) for t, (a, c) in sorted(table.items())]}

    @app.get(
        "/api/v1/documents/{serial:path}/status",
        response_model=StatusOut,
        responses=_errors(404, 503),
    )
    def document_status(serial: str) -> dict[str, Any]:
        # any text at all: what the registry did not issue is 404 not_issued, never a 400
        with reg.db.session() as s:
            st = issuance.document_status(s, serial[:64])
        return _status_json(st)

    # -- kiosk ----------------------------------------------------------------------------

    @app.post(
        "/api/v1/auth/login",
        response_model=LoginOut,
        responses=_errors(400, 401, 423, 429, 503),
    )
    def login(body: LoginBody, kiosk: Kiosk_) -> dict[str, Any]:
        result = citizens.login(
            reg.db,
            reg.settings,
            kiosk.id,
            pin=body.pin,
            national_id_text=body.national_id,
            card=body.card,
        )
        return {
            "token": result.token,
            "expires_at": result.expires_at,
            "name": {"ar": result.name_ar, "latin": result.name_latin},
        }

    @app.post("/api/v1/auth/logout", response_model=OkOut, responses=_errors(401, 503))
    def logout(kiosk: Kiosk_, authorization: Auth = None) -> dict[str, bool]:
        token = _bearer(authorization)
        if token is None:
            raise SessionInvalid("no session token")
        with reg.db.session() as s:
            citizens.logout(s, token, kiosk.id)
        return {"ok": True}

    @app.get("/api/v1/entitlements", response_model=EntitlementsOut, responses=_errors(401, 503))
    def entitlements(kiosk: Kiosk_, authorization: Auth = None) -> dict[str, Any]:
        person_id = reg.person_for(_bearer(authorization), kiosk)
        with reg.db.session() as s:
            offers = issuance.offers_for(s, person_id, reg.settings, _now().date())
        return {
            "documents": [
                {
                    **_offer_json(
                        o.document_type,
                        o.fee_amount,
                        o.fee_currency,
                        reg.settings.identity.minor_units,
                    ),
                    "subject": o.subject,
                    "subject_name": {"ar": o.subject_name.ar, "latin": o.subject_name.latin},
                    "relation": o.relation,
                }
                for o in offers
            ]
        }

    @app.post(
        "/api/v1/documents",
        response_model=IssuedOut,
        status_code=201,
        responses={
            200: {"model": IssuedOut, "description": "a replay: the document issued before"},
            **_errors(400, 401, 403, 409, 503),
        },
    )
    def issue(body: IssueBody, signed: Signed_, authorization: Auth = None) -> Response:
        # The signature, nonce and session are checked inside the issuance transaction, on
        # what its first query fetched: one commit per document. A refused request leaves no
        # nonce behind, which is harmless: replaying it is refused again, and a replayed
        # success is a replay.
        req = issuance.IssueRequest(
            document_type=DocumentType.from_slug(body.document_type.value),
            subject=body.subject,
            payment_reference=body.payment_reference,
            idempotency_key=body.idempotency_key,
        )
        call = issuance.KioskCall(
            signed.headers, signed.method, signed.target, signed.body, _bearer(authorization)
        )
        reg.purge_nonces_if_due()
        issued = issuance.issue(reg.db, reg.keys, reg.places, reg.settings, call, req)
        return JSONResponse(
            _issued_json(issued, reg.settings.identity.minor_units),
            status_code=200 if issued.replayed else 201,
        )

    @app.post(
        "/api/v1/documents/preview",
        response_model=PreviewOut,
        responses=_errors(400, 401, 403, 503),
    )
    def preview(body: PreviewBody, kiosk: Kiosk_, authorization: Auth = None) -> dict[str, Any]:
        person_id = reg.person_for(_bearer(authorization), kiosk)
        pv = issuance.preview(
            reg.db,
            reg.places,
            reg.settings,
            kiosk.id,
            person_id,
            DocumentType.from_slug(body.document_type.value),
            body.subject,
            centre_of=lambda _s, _k: kiosk.centre,
        )
        return _preview_json(pv, reg.settings.identity.minor_units)

    @app.post("/api/v1/kiosk/heartbeat", response_model=OkOut, responses=_errors(401, 503))
    def heartbeat(body: HeartbeatBody, kiosk: Kiosk_) -> dict[str, bool]:
        beat = kiosks.Heartbeat(
            printer=body.printer,
            paper=body.paper,
            cover_open=body.cover_open,
            app_version=body.app_version,
            last_error=body.last_error,
            journal_backlog=body.journal_backlog,
            failed_jobs=body.failed_jobs,
        )
        with reg.db.session() as s:
            row = s.get_one(Kiosk, kiosk.id)
            kiosks.record_heartbeat(s, row, beat, _now())
        return {"ok": True}

    # -- back office ----------------------------------------------------------------------

    def _fleet() -> list[dict[str, Any]]:
        now = _now()
        with reg.db.session() as s:
            rows = kiosks.list_kiosks(s)
            out = []
            for k in rows:
                out.append(
                    {
                        "id": k.id,
                        "centre": {"ar": k.centre_ar, "latin": k.centre_latin},
                        "revoked": k.revoked_at is not None,
                        "last_seen_at": k.last_seen_at,
                        "printer": k.printer,
                        "paper": k.paper,
                        "cover_open": k.cover_open,
                        "app_version": k.app_version,
                        "last_error": k.last_error,
                        "journal_backlog": k.journal_backlog,
                        "failed_jobs": k.failed_jobs,
                        "attention": [
                            a.value for a in kiosks.attention(k, now, reg.settings.offline_after)
                        ],
                    }
                )
        out.sort(key=lambda k: (not k["attention"], k["id"]))
        return out

    @app.get("/api/v1/fleet", response_model=FleetOut, responses=_errors(401, 503))
    def fleet(authorization: Auth = None) -> dict[str, Any]:
        reg.require_admin(_bearer(authorization))
        return {"kiosks": _fleet()}

    @app.get("/fleet", response_class=HTMLResponse, responses=_errors(401, 503))
    def fleet_page(
        authorization: Auth = None,
        token: Annotated[str | None, Query(max_length=200)] = None,
    ) -> HTMLResponse:
        reg.require_admin(_bearer(authorization) or token)
        return HTMLResponse(_fleet_html(_fleet(), _now()))

    @app.post(
        "/api/v1/admin/documents/{serial}/revoke",
        response_model=StatusOut,
        responses=_errors(400, 401, 404, 409, 503),
    )
    def revoke(serial: str, body: RevokeBody, authorization: Auth = None) -> dict[str, Any]:
        reg.require_admin(_bearer(authorization))
        serial = serial[:64]
        with reg.db.session() as s:
            issuance.revoke_document(s, reg.data, reg.settings, serial, body.reason, _now())
        with reg.db.session() as s:
            st = issuance.document_status(s, serial)
        log.info("document serial-hash %s revoked by admin", serial_hash(serial).hex())
        return _status_json(st)

    return app


_ATTENTION_WORDS = {
    "never_seen": "never sent a heartbeat",
    "offline": "offline",
    "paper_out": "paper out",
    "paper_near_end": "paper near end",
    "printer_error": "printer error",
    "printer_unknown": "printer not answering",
    "cover_open": "cover open",
    "failed_jobs": "failed print jobs waiting",
    "revoked": "revoked",
}


def _fleet_html(rows: list[dict[str, Any]], now: dt.datetime) -> str:
    e = html.escape
    needing = sum(1 for r in rows if r["attention"])
    lines = []
    for r in rows:
        seen = r["last_seen_at"]
        ago = f"{int((now - seen).total_seconds() // 60)} min ago" if seen else "never"
        flags = ", ".join(_ATTENTION_WORDS.get(a, a) for a in r["attention"]) or "OK"
        cls = "bad" if r["attention"] else "ok"
        lines.append(
            f'<tr class="{cls}"><td>{e(r["id"])}</td>'
            f'<td>{e(r["centre"]["latin"] or "")}<br><span lang="ar" dir="rtl">'
            f"{e(r['centre']['ar'])}</span></td>"
            f"<td>{e(flags)}</td><td>{e(ago)}</td><td>{e(r['printer'] or '-')}</td>"
            f"<td>{e(r['paper'] or '-')}</td><td>{r['journal_backlog'] or 0}</td>"
            f"<td>{r['failed_jobs'] or 0}</td><td>{e(r['app_version'] or '-')}</td>"
            f"<td>{e(r['last_error'] or '')}</td></tr>"
        )
    body = "\n".join(lines) or '<tr><td colspan="10">No kiosks enrolled.</td></tr>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="30">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sanad fleet: {needing} kiosk(s) need attention</title>
<style>
body{{font-family:system-ui,sans-serif;margin:1.5rem}} table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #bbb;padding:.4rem;text-align:left;vertical-align:top}}
tr.bad{{background:#fde2e1}} tr.ok{{background:#e6f4ea}} h1{{font-size:1.4rem}}
</style></head><body>
<h1>Kiosk fleet — {needing} of {len(rows)} need attention</h1>
<p>Updated {e(now.strftime("%Y-%m-%d %H:%M:%S UTC"))}; refreshes every 30 s.</p>
<table><thead><tr><th>Kiosk</th><th>Centre</th><th>Needs</th><th>Last heartbeat</th>
<th>Printer</th><th>Paper</th><th>Backlog</th><th>Failed jobs</th><th>App</th>
<th>Last error</th></tr></thead><tbody>
{body}
</tbody></table></body></html>
"""


def create_app_from_env() -> FastAPI:
    """For `uvicorn --factory` with several workers: DATA and DB from the environment."""
    root = os.environ.get(DATA_ENV)
    if not root:
        raise ConfigError(f"set {DATA_ENV} to the registry's data directory")
    return create_app(DataDir(Path(root)), database_url=os.environ.get(DB_ENV) or None)
