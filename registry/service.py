"""The registry's HTTP API (FastAPI): what kiosks, verifiers and the back office talk to.

Endpoints (all JSON unless said otherwise; the OpenAPI description is at /openapi.json):

    GET  /api/v1/health                         database reachable? 200 or 503
    GET  /api/v1/trust-list                     the root-signed trust list (application/cose),
                                                ETag, Cache-Control; If-None-Match → 304
    GET  /api/v1/fees                           the fee table
    GET  /api/v1/documents/{serial}/status?payload_sha256=HEX   valid, revoked or superseded
                                               (404 unless the caller holds that document)
    POST /api/v1/auth/login             kiosk   national ID or card + PIN → session token
    POST /api/v1/auth/logout            kiosk   end the session
    GET  /api/v1/entitlements           kiosk   the documents the citizen may request
    POST /api/v1/documents              kiosk   issue (idempotency key) → QR text + fields
    POST /api/v1/documents/preview      kiosk   the document issue would sign, unsigned;
                                                nothing written, charged or counted
    POST /api/v1/kiosk/heartbeat        kiosk   printer, paper, backlog, last error
    POST /api/v1/payments/callback      provider the mobile-money provider's signed result
                                                (`registry.payments.http`)
    /office/..., /api/v1/office/...     staff   the office app and its JSON twin
                                                (`registry.office_web`): the fleet, document
                                                revocation and every other back-office action,
                                                each by a named staff member

"kiosk" endpoints need the request signature of `registry.signing` and, except login, the
citizen's session token (`Authorization: Bearer ...`); "staff" endpoints a staff member's
session (`registry.office_web`: a cookie for pages, a bearer token for the API).

Errors are `{"error": {"code", "message", ...}}` with a stable code (`registry.codes`):
400/422 bad input, 401 kiosk or citizen not authenticated, 403 refused, 404, 409 conflict,
423 locked, 429 throttled (Retry-After), 503 database or signer unavailable (Retry-After).
Handlers are thin: the rules live in `citizens`, `issuance`, `kiosks`, `keyring`. The HTTP
layer is split along its seams: `http_schema` (request and response bodies), `http_state` (the
application's state and the signature dependencies), `http_errors` (the error answers and
handlers), `limits` (the body cap, before routing); this module wires them into routes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import logging
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import FastAPI, Header, Query
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from registry import citizens, issuance, kiosks
from registry import http_views as views
from registry.bookings_api import install_bookings
from registry.channel_api import install_channels
from registry.codes import ErrorCode
from registry.config import DataDir, Settings, load_settings
from registry.db import Database
from registry.errors import (
    ConfigError,
    NotFound,
    SessionInvalid,
)
from registry.http_errors import install_error_handlers
from registry.http_schema import (
    EntitlementsOut,
    FeesOut,
    HealthOut,
    HeartbeatBody,
    IssueBody,
    IssuedOut,
    LoginBody,
    LoginOut,
    OkOut,
    PreviewBody,
    PreviewOut,
    StatusOut,
    errors_for,
)
from registry.http_state import (
    Auth,
    Kiosk_,
    Registry,
    Signed_,
    bearer,
    utc_now,
)
from registry.limits import BodyLimit
from registry.metrics import install_metrics
from registry.models import Kiosk
from registry.office_web import OfficeOptions, install_office
from registry.transparency.http import install_transparency
from verifier.documents import DocumentType, Sex

__all__ = ["DATA_ENV", "DB_ENV", "Registry", "create_app", "create_app_from_env"]

log = logging.getLogger(__name__)

DATA_ENV = "SANAD_REGISTRY_DATA"
DB_ENV = "SANAD_REGISTRY_DB"
MAX_BODY = 64 * 1024


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
    clock: Callable[[], dt.datetime] = utc_now,
    office: OfficeOptions | None = None,
) -> FastAPI:
    """The registry API as an ASGI app. `clock` (aware UTC datetimes) is the time requests are
    judged by (signature skew, sessions, PIN throttling, issue times): tests pass one they move."""
    settings = settings or load_settings(data)
    db = Database(data.database_url(database_url), pool_size=pool_size)
    if migrate:
        db.migrate()
    reg = Registry(data, db, settings, clock)

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
    install_error_handlers(app)
    install_office(app, reg, office)
    install_channels(app, reg)
    install_bookings(app, reg)  # appointments and queue tickets (registry.bookings)
    install_metrics(app, reg)  # GET /metrics (docs/monitoring.md)
    install_transparency(app, reg)  # the audit log's checkpoints and proofs (docs/transparency.md)

    # -- public ---------------------------------------------------------------------------

    @app.get("/api/v1/health", response_model=HealthOut, responses=errors_for(503))
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
            **errors_for(503),
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
        return {"fees": [views.offer_json(t, a, c, minor) for t, (a, c) in sorted(table.items())]}

    @app.get(
        "/api/v1/documents/{serial:path}/status",
        response_model=StatusOut,
        responses=errors_for(404, 503),
    )
    def document_status(
        serial: str,
        payload_sha256: Annotated[
            str | None,
            Query(
                max_length=128,
                description="hex SHA-256 of the document's signed payload: the caller shows "
                "it holds the document; without it, or with another, the answer is 404",
            ),
        ] = None,
    ) -> dict[str, Any]:
        # Any text at all: what the registry did not issue is 404 not_issued, never a 400.
        # The status of a document goes only to whoever holds it (its payload digest), so
        # the answer's type and issue time confirm nothing to someone guessing at serials.
        with reg.db.session() as s:
            st = issuance.document_status(s, serial[:64])
        if payload_sha256 is None or not hmac.compare_digest(
            payload_sha256.lower().encode("ascii", "replace"), st.payload_sha256.encode("ascii")
        ):
            raise NotFound(
                "the registry issued no document with that serial", code=ErrorCode.NOT_ISSUED
            )
        return views.status_json(st, with_digest=False)

    # -- kiosk ----------------------------------------------------------------------------

    @app.post(
        "/api/v1/auth/login",
        response_model=LoginOut,
        responses=errors_for(400, 401, 423, 429, 503),
    )
    def login(body: LoginBody, kiosk: Kiosk_) -> dict[str, Any]:
        kiosk.require_kiosk()
        result = citizens.login(
            reg.db,
            reg.settings,
            kiosk.id,
            pin=body.pin,
            national_id_text=body.national_id,
            card=body.card,
            now=reg.now(),
        )
        return {
            "token": result.token,
            "expires_at": result.expires_at,
            "name": {"ar": result.name_ar, "latin": result.name_latin},
        }

    @app.post("/api/v1/auth/logout", response_model=OkOut, responses=errors_for(401, 503))
    def logout(kiosk: Kiosk_, authorization: Auth = None) -> dict[str, bool]:
        token = bearer(authorization)
        if token is None:
            raise SessionInvalid("no session token")
        with reg.db.session() as s:
            citizens.logout(s, token, kiosk.id)
        return {"ok": True}

    @app.get("/api/v1/entitlements", response_model=EntitlementsOut, responses=errors_for(401, 503))
    def entitlements(kiosk: Kiosk_, authorization: Auth = None) -> dict[str, Any]:
        person_id = reg.person_for(bearer(authorization), kiosk)
        with reg.db.session() as s:
            offers = issuance.offers_for(s, person_id, reg.settings, reg.now().date())
        return {
            "documents": [
                {
                    **views.offer_json(
                        o.document_type,
                        o.fee_amount,
                        o.fee_currency,
                        reg.settings.identity.minor_units,
                    ),
                    "subject": o.subject,
                    "subject_name": {"ar": o.subject_name.ar, "latin": o.subject_name.latin},
                    "relation": o.relation,
                    "subject_sex": "f" if o.subject_sex == Sex.FEMALE else "m",
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
            **errors_for(400, 401, 403, 409, 503),
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
            signed.headers, signed.method, signed.target, signed.body, bearer(authorization)
        )
        reg.purge_nonces_if_due()
        issued = issuance.issue(
            reg.db, reg.keys, reg.places, reg.settings, call, req, now=reg.now()
        )
        return JSONResponse(
            views.issued_json(issued, reg.settings.identity.minor_units),
            status_code=200 if issued.replayed else 201,
        )

    @app.post(
        "/api/v1/documents/preview",
        response_model=PreviewOut,
        responses=errors_for(400, 401, 403, 503),
    )
    def preview(body: PreviewBody, kiosk: Kiosk_, authorization: Auth = None) -> dict[str, Any]:
        kiosk.require_kiosk()
        person_id = reg.person_for(bearer(authorization), kiosk)
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
        return views.preview_json(pv, reg.settings.identity.minor_units)

    @app.post("/api/v1/kiosk/heartbeat", response_model=OkOut, responses=errors_for(401, 503))
    def heartbeat(body: HeartbeatBody, kiosk: Kiosk_) -> dict[str, bool]:
        kiosk.require_kiosk()
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
            kiosks.record_heartbeat(s, row, beat, reg.now())
        return {"ok": True}

    return app


def create_app_from_env() -> FastAPI:
    """For `uvicorn --factory` with several workers: DATA and DB from the environment."""
    root = os.environ.get(DATA_ENV)
    if not root:
        raise ConfigError(f"set {DATA_ENV} to the registry's data directory")
    return create_app(DataDir(Path(root)), database_url=os.environ.get(DB_ENV) or None)
