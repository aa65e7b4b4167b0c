"""The verification service: an HTTP API and a web page over `verifier.verify`.

`create_app(config)` builds a FastAPI app:

    GET  /                        the page (Arabic by default, English toggle)
    GET  /static/...              its script, style and font: nothing comes from elsewhere
    POST /api/v1/verify           {"qr_text": "..."} -> the verdict (the CLI's --json, plus
                                  where the trust list came from and the revocation source)
    POST /api/v1/verify-image     multipart "image" (JPEG/PNG) -> a verdict per QR code found
    GET  /api/v1/trust-list/status  the trust list held: sequence, age, source, last refresh
    GET  /healthz, /readyz        liveness; readiness (a trust list is held)
    GET  /metrics                 Prometheus: verdicts by status, latency, trust list age

The trust list comes from a `TrustSource` (URL with ETag and cache, file, or both) refreshed
on a timer. Revocation is read from the trust list; an optional online status check asks the
registry (`GET {status_url}/api/v1/documents/{serial}/status`) and every verdict says which
was used. Limits (body size, image bytes and pixels, a per-client rate limit, body and decode
timeouts) answer bad input with a 4xx and a reason. Logs carry the status, the kid and the
serial's hash, never a name or a QR text.

It does not sign, store or forward documents, and it keeps no state between requests beyond
the trust list, counters and the rate limiter's buckets.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import enum
import json
import logging
import math
import os
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import anyio
import httpx
from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from verifier.errors import KeyFileError, TrustListError
from verifier.keys import load_public_key
from verifier.trust_source import (
    DEFAULT_REFRESH_SECONDS,
    RefreshOutcome,
    TrustSource,
    TrustSourceError,
)
from verifier.verify import Status, Verdict, verify

__all__ = [
    "CONFIG_ENV",
    "RevocationSource",
    "ServiceConfig",
    "app_from_env",
    "check_config",
    "create_app",
    "serve",
]

log = logging.getLogger(__name__)

CONFIG_ENV = "SANAD_VERIFY_SERVICE_CONFIG"
MAX_QR_TEXT = 8192  # a version-40 QR holds 4,296 alphanumeric characters
_JSON_BODY_CAP = 16 * 1024
_MULTIPART_OVERHEAD = 64 * 1024
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class ServiceConfig:
    """Everything the service needs; plain values so it can travel to worker processes."""

    root_keys: tuple[str, ...]
    trust_url: str | None = None
    trust_file: str | None = None
    cache_dir: str | None = None
    refresh_seconds: float = DEFAULT_REFRESH_SECONDS
    fetch_timeout: float = 10.0
    status_url: str | None = None  # registry base URL for the optional online status check
    status_timeout: float = 2.0
    max_image_bytes: int = 8 * 1024 * 1024
    max_image_pixels: int = 24_000_000
    max_codes_per_image: int = 8
    decode_timeout: float = 10.0
    body_timeout: float = 15.0
    rate_per_minute: int = 600  # per client address; 0 turns the limiter off
    rate_burst: int = 60
    clear_after_seconds: int = 60  # the page clears a verdict after this long

    def to_env(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_env(cls, text: str) -> ServiceConfig:
        raw = json.loads(text)
        raw["root_keys"] = tuple(raw["root_keys"])
        return cls(**raw)


# -- API models (the OpenAPI description; responses are built as plain dicts for speed) ----


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    qr_text: str = Field(
        min_length=1, max_length=MAX_QR_TEXT, description="The QR text as scanned (SN1D:...)."
    )
    online: bool = Field(
        default=True,
        description="Ask the registry for the document's status too, if the service is "
        "configured for it.",
    )


class TrustListInfo(BaseModel):
    sequence: int | None
    issued_at: str | None
    age_seconds: int | None
    next_update: str | None = None
    stale: bool | None = None
    source: Literal["file", "cache", "online"] | None = None
    obtained_at: str | None = None
    last_contact: str | None = None
    last_refresh_error: str | None = None
    online: bool | None = None


class OnlineStatus(BaseModel):
    checked: bool = Field(description="True if the registry answered.")
    revoked: bool | None
    registry_status: str | None
    error: str | None


class VerdictOut(BaseModel):
    valid: bool
    status: Literal[tuple(s.value for s in Status)]  # type: ignore[valid-type]
    reason: str
    summary: dict[str, str]
    malformation: str | None
    document: dict[str, Any] | None
    signer: dict[str, Any] | None
    kid: str | None
    trust_list: TrustListInfo
    revocation_source: Literal["trust_list", "online"] = Field(
        description="trust_list: the revoked serials in the trust list held (offline); "
        "online: the registry was asked as well and answered."
    )
    online_status: OnlineStatus | None
    checked_at: str | None


class ImageVerdicts(BaseModel):
    found: int = Field(description="How many QR codes were found in the image.")
    verdicts: list[VerdictOut]


class Problem(BaseModel):
    detail: Any


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (400, 408, 413, 415, 422, 429)
}


# -- metrics -----------------------------------------------------------------------------


class _Metrics:
    """Prometheus metrics; in multi-worker mode they are aggregated across processes."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.verdicts = Counter(
            "sanad_verifier_verdicts",
            "Verdicts given, by status and endpoint.",
            ["status", "endpoint"],
            registry=reg,
        )
        self.latency = Histogram(
            "sanad_verifier_request_seconds",
            "Time to answer a verification request.",
            ["endpoint"],
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=reg,
        )
        self.rejected = Counter(
            "sanad_verifier_rejected_requests",
            "Requests refused before verification, by reason.",
            ["reason"],
            registry=reg,
        )
        self.trust_age = Gauge(
            "sanad_verifier_trust_list_age_seconds",
            "Age of the trust list held (since the authority issued it).",
            registry=reg,
            multiprocess_mode="max",
        )
        self.trust_sequence = Gauge(
            "sanad_verifier_trust_list_sequence",
            "Sequence number of the trust list held.",
            registry=reg,
            multiprocess_mode="min",
        )
        self.refreshes = Counter(
            "sanad_verifier_trust_list_refreshes",
            "Trust list refresh attempts, by outcome.",
            ["outcome"],
            registry=reg,
        )

        self._counts: dict[tuple[str, str], Any] = {}
        self._latencies: dict[str, Any] = {}

    def count(self, status: str, endpoint: str) -> None:
        child = self._counts.get((status, endpoint))
        if child is None:
            child = self._counts[(status, endpoint)] = self.verdicts.labels(status, endpoint)
        child.inc()

    def observe(self, endpoint: str, seconds: float) -> None:
        child = self._latencies.get(endpoint)
        if child is None:
            child = self._latencies[endpoint] = self.latency.labels(endpoint)
        child.observe(seconds)

    def exposition(self) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest, multiprocess

        if self.multiprocess:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)


# -- limits --------------------------------------------------------------------------------


class _RateLimiter:
    """A token bucket per client address: `rate_per_minute`, bursts up to `burst`."""

    _MAX_CLIENTS = 50_000

    def __init__(self, rate_per_minute: int, burst: int) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = float(max(burst, 1))
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, client: str, now: float) -> float:
        """0.0 if allowed, else seconds until a request would be."""
        tokens, last = self._buckets.get(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate
        if len(self._buckets) >= self._MAX_CLIENTS and client not in self._buckets:
            # Forget full buckets first: they hold no information.
            self._buckets = {k: v for k, v in self._buckets.items() if v[0] < self.burst}
            if len(self._buckets) >= self._MAX_CLIENTS:
                self._buckets.clear()
        self._buckets[client] = (tokens - 1.0, now)
        return 0.0


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _LimitsMiddleware:
    """Rate limit, body size cap and body timeout for /api/, before FastAPI sees the request.

    The body is read here (up to the cap, within the timeout) and replayed to the app, so an
    oversized or dribbled body never reaches a parser.
    """

    def __init__(
        self, app: ASGIApp, config: ServiceConfig, metrics: _Metrics, holder: dict[str, _Runtime]
    ) -> None:
        self.app = app
        self.holder = holder
        self.config = config
        self.metrics = metrics
        self.limiter = (
            _RateLimiter(config.rate_per_minute, config.rate_burst)
            if config.rate_per_minute > 0
            else None
        )
        self.image_cap = config.max_image_bytes + _MULTIPART_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if self.limiter is not None:
            client = scope.get("client")
            wait = self.limiter.allow(client[0] if client else "-", time.monotonic())
            if wait > 0:
                self.metrics.rejected.labels("rate_limited").inc()
                await _problem(
                    send,
                    429,
                    "too many requests from this address; try again shortly",
                    {"Retry-After": str(math.ceil(wait))},
                )
                return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        cap = self.image_cap if scope["path"].endswith("/verify-image") else _JSON_BODY_CAP
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            self.metrics.rejected.labels("too_large").inc()
            await _problem(send, 413, f"the request body is over the {cap}-byte limit")
            return
        body = bytearray()
        try:
            with anyio.fail_after(self.config.body_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    body += message.get("body", b"")
                    if len(body) > cap:
                        self.metrics.rejected.labels("too_large").inc()
                        await _problem(send, 413, f"the request body is over the {cap}-byte limit")
                        return
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            self.metrics.rejected.labels("body_timeout").inc()
            await _problem(send, 408, "the request body did not arrive in time")
            return
        if scope["path"] == "/api/v1/verify" and _is_json(scope):
            fast = _fast_request(bytes(body))
            rt = _ready(self.holder)
            if fast is not None and rt is not None:
                response = await _verify_text(rt, *fast)
                await response(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bytes(value).split(b";")[0].strip().lower() == b"application/json"
    return False


def _fast_request(body: bytes) -> tuple[str, bool] | None:
    """(qr_text, online) if body is exactly what VerifyRequest accepts, else None (the route
    then validates it and explains what is wrong)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not data.keys() <= {"qr_text", "online"}:
        return None
    text, online = data.get("qr_text"), data.get("online", True)
    if not isinstance(text, str) or not 1 <= len(text) <= MAX_QR_TEXT:
        return None
    if not isinstance(online, bool):
        return None
    return text, online


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _problem(
    send: Send, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


# -- the online status check ------------------------------------------------------------


class RevocationSource(enum.Enum):
    """Which revocation information a verdict rests on."""

    TRUST_LIST = "trust_list"  # the revoked serials in the trust list held (works offline)
    ONLINE = "online"  # the registry was asked as well, and answered


def _not_checked(error: str) -> dict[str, Any]:
    return {"checked": False, "revoked": None, "registry_status": None, "error": error}


async def _online_status(client: httpx.AsyncClient, base: str, serial: str) -> dict[str, Any]:
    """Ask the registry about one serial. Never raises: trouble is reported, not fatal.

    The registry answers `{"serial": ..., "status": "valid" | "revoked" | "superseded", ...}`;
    only "revoked" (or `"revoked": true`) revokes. A 404 is reported as "not_found", which makes
    the verdict NOT_IN_REGISTRY: a genuine signature on a serial the registry never issued.
    """
    url = f"{base.rstrip('/')}/api/v1/documents/{quote(serial, safe='')}/status"
    try:
        resp = await client.get(url)
    except httpx.HTTPError as exc:
        return _not_checked("timeout" if isinstance(exc, httpx.TimeoutException) else "unreachable")
    if resp.status_code == 404:
        return {"checked": True, "revoked": False, "registry_status": "not_found", "error": None}
    if resp.status_code != 200:
        return _not_checked(f"HTTP {resp.status_code}")
    try:
        data = resp.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return _not_checked("unreadable answer")
    text = str(data.get("status", "")).lower()[:40] or None
    revoked = data.get("revoked") is True or text == "revoked"
    return {"checked": True, "revoked": revoked, "registry_status": text, "error": None}


# -- the app ----------------------------------------------------------------------------------


@dataclass
class _Runtime:
    config: ServiceConfig
    source: TrustSource
    metrics: _Metrics
    status_client: httpx.AsyncClient | None = None
    refresh_task: asyncio.Task[None] | None = None
    decode_limiter: anyio.CapacityLimiter | None = None


def _load_source(config: ServiceConfig) -> TrustSource:
    keys = [load_public_key(Path(p)) for p in config.root_keys]
    source = TrustSource(
        keys,
        url=config.trust_url,
        cache_dir=Path(config.cache_dir) if config.cache_dir else None,
        timeout=config.fetch_timeout,
        refresh_seconds=config.refresh_seconds,
    )
    source.load_cache()
    if config.trust_file:
        try:
            source.load_file(Path(config.trust_file))
        except (TrustListError, TrustSourceError) as exc:
            # A missing or refused file is fatal only when nothing else (the cache) holds a list.
            if source.state is None:
                raise
            log.warning("trust list file %s not used: %s", config.trust_file, exc)
    return source


def check_config(config: ServiceConfig) -> None:
    """Fail early (KeyFileError, TrustSourceError, TrustListError) on a config that cannot run."""
    if not config.trust_url and not config.trust_file:
        raise TrustSourceError("give a trust list URL, a trust list file, or both")
    source = _load_source(config)
    if source.state is None and not config.trust_url:
        raise TrustSourceError("no trust list could be loaded")


async def _refresh_loop(rt: _Runtime) -> None:
    while True:
        await asyncio.sleep(rt.source.refresh_delay())
        try:
            await _refresh_once(rt)
        except Exception:  # a bug must not stop the schedule: keep the list held, try again
            log.exception("trust list refresh failed unexpectedly")


async def _refresh_once(rt: _Runtime) -> None:
    outcome = await rt.source.refresh()
    rt.metrics.refreshes.labels(outcome.value).inc()
    _update_trust_gauges(rt)
    if outcome is RefreshOutcome.FAILED and rt.source.state is not None:
        log.warning(
            "working offline from trust list #%d, %d h old",
            rt.source.state.trust_list.sequence,
            rt.source.state.age().total_seconds() // 3600,
        )


def _update_trust_gauges(rt: _Runtime) -> None:
    state = rt.source.state
    if state is not None:
        rt.metrics.trust_age.set(state.age().total_seconds())
        rt.metrics.trust_sequence.set(state.trust_list.sequence)


async def _answer(rt: _Runtime, verdict: Verdict, online: bool, endpoint: str) -> dict[str, Any]:
    """The verdict as the API answers it: trust list origin, online status, counted, logged."""
    out = verdict.to_json()
    state = rt.source.state
    assert state is not None
    out["trust_list"] = state.to_json(verdict.checked_at)
    out["online_status"] = None
    if online and rt.status_client is not None and verdict.valid and verdict.claims:
        assert rt.config.status_url is not None
        status = await _online_status(rt.status_client, rt.config.status_url, verdict.claims.serial)
        out["online_status"] = status
        if status["checked"]:
            out["revocation_source"] = RevocationSource.ONLINE.value
            if status["revoked"]:
                verdict = dataclasses.replace(
                    verdict,
                    status=Status.DOCUMENT_REVOKED,
                    reason="the registry reports this document revoked (online check)",
                )
                out.update({k: v for k, v in verdict.to_json().items() if k in _STATUS_KEYS})
            elif status["registry_status"] == "not_found":
                verdict = dataclasses.replace(
                    verdict,
                    status=Status.NOT_IN_REGISTRY,
                    reason="the signature is genuine but the registry never issued this serial "
                    "(online check): the signing key may have been stolen",
                )
                out.update({k: v for k, v in verdict.to_json().items() if k in _STATUS_KEYS})
    rt.metrics.count(verdict.status.value, endpoint)
    log.info(
        "verdict %s kid=%s serial_hash=%s",
        verdict.status.value,
        verdict.kid.hex() if verdict.kid else "-",
        verdict.serial_hash or "-",
    )
    return out


async def _verify_text(rt: _Runtime, text: str, online: bool) -> Response:
    started = time.perf_counter()
    out = await _answer(rt, verify(text.strip(), rt.source.trust_list), online, "text")
    response = JSONResponse(out, headers=_NO_STORE)
    rt.metrics.observe("text", time.perf_counter() - started)
    return response


def _ready(holder: dict[str, _Runtime]) -> _Runtime | None:
    rt = holder.get("rt")
    return rt if rt is not None and rt.source.state is not None else None


def create_app(config: ServiceConfig) -> FastAPI:
    """The service as an ASGI app; the trust list is loaded when the app starts."""
    metrics = _Metrics()
    holder: dict[str, _Runtime] = {}
    page = _Page(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = _Runtime(config, _load_source(config), metrics)
        rt.decode_limiter = anyio.CapacityLimiter(2)
        if config.status_url:
            rt.status_client = httpx.AsyncClient(timeout=config.status_timeout)
        if config.trust_url:
            await _refresh_once(rt)
            rt.refresh_task = asyncio.create_task(_refresh_loop(rt))
        _update_trust_gauges(rt)
        holder["rt"] = rt
        try:
            yield
        finally:
            if rt.refresh_task is not None:
                rt.refresh_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await rt.refresh_task
            if rt.status_client is not None:
                await rt.status_client.aclose()

    app = FastAPI(
        title="Sanad document verification",
        version="1",
        description="Check a printed Sanad civil-registry document: its QR text or a photo of "
        "it, against the authority's signed trust list. Revocation comes from the trust list "
        "(offline) and, when configured, from the registry online; each verdict says which.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own handler echoes the input back and fails (500) on bytes that are not
        # UTF-8; say what is wrong and where, without the input.
        detail = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422, headers=_NO_STORE)

    def runtime() -> _Runtime:
        rt = _ready(holder)
        if rt is None:
            raise HTTPException(503, "no trust list is held yet: the service is not ready")
        return rt

    @app.post(
        "/api/v1/verify",
        response_model=None,
        responses={200: {"model": VerdictOut}, **_ERRORS},
        summary="Verify a QR text",
        tags=["verify"],
    )
    async def verify_text(body: VerifyRequest) -> Response:
        # Well-formed JSON requests are answered by _LimitsMiddleware's fast path with the same
        # code; this route documents the endpoint and answers everything else.
        return await _verify_text(runtime(), body.qr_text, body.online)

    @app.post(
        "/api/v1/verify-image",
        response_model=None,
        responses={200: {"model": ImageVerdicts}, **_ERRORS},
        summary="Verify every QR code in a photo or scan (JPEG or PNG)",
        tags=["verify"],
    )
    async def verify_image(
        image: UploadFile = File(description="A JPEG or PNG photo or scan"),
        online: bool = True,
    ) -> JSONResponse:
        rt = runtime()
        started = time.perf_counter()
        data = await image.read(rt.config.max_image_bytes + 1)
        if len(data) > rt.config.max_image_bytes:
            rt.metrics.rejected.labels("too_large").inc()
            raise HTTPException(413, f"the image is over {rt.config.max_image_bytes} bytes")
        if not data.startswith((_PNG, _JPEG)):
            rt.metrics.rejected.labels("not_an_image").inc()
            raise HTTPException(415, "send a JPEG or PNG image")
        texts = await _decode(rt, data)
        checked_at = dt.datetime.now(dt.UTC)
        trust = rt.source.trust_list
        verdicts = [
            await _answer(rt, verify(t, trust, checked_at), online, "image")
            for t in texts[: rt.config.max_codes_per_image]
        ]
        rt.metrics.observe("image", time.perf_counter() - started)
        return JSONResponse({"found": len(texts), "verdicts": verdicts}, headers=_NO_STORE)

    @app.get(
        "/api/v1/trust-list/status",
        response_model=TrustListInfo,
        responses={503: {"model": Problem}},
        tags=["trust"],
        summary="The trust list held: sequence, age, source and last refresh",
    )
    async def trust_status() -> JSONResponse:
        rt = runtime()
        assert rt.source.state is not None
        return JSONResponse(rt.source.state.to_json(), headers=_NO_STORE)

    @app.get("/healthz", tags=["ops"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["ops"],
        summary="Readiness: a trust list is held",
        responses={503: {"model": Problem}},
    )
    async def readyz() -> dict[str, Any]:
        rt = runtime()
        assert rt.source.state is not None
        return {"status": "ready", "trust_list_sequence": rt.source.state.trust_list.sequence}

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=Response)
    async def metrics_endpoint() -> Response:
        rt = _ready(holder)
        if rt is not None:
            _update_trust_gauges(rt)
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        return Response(page.html, media_type="text/html; charset=utf-8", headers=page.headers)

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        found = page.asset(name)
        if found is None:
            raise HTTPException(404, "no such file")
        data, media_type = found
        return Response(
            data, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"}
        )

    app.add_middleware(_LimitsMiddleware, config=config, metrics=metrics, holder=holder)
    return app


_STATUS_KEYS = ("valid", "status", "reason", "summary")


async def _decode(rt: _Runtime, data: bytes) -> list[str]:
    """QR texts in an image, refusing oversize or unreadable images with a 4xx."""
    from PIL import Image, UnidentifiedImageError

    from verifier.qr import ImageError, decode_image

    config = rt.config

    def work() -> list[str]:
        import io

        try:
            with Image.open(io.BytesIO(data)) as probe:
                pixels = probe.width * probe.height
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
            raise ImageError("not a readable JPEG or PNG image") from exc
        if pixels > config.max_image_pixels:
            raise _TooManyPixels(pixels)
        return decode_image(data)

    try:
        with anyio.fail_after(config.decode_timeout):
            return await anyio.to_thread.run_sync(
                work, abandon_on_cancel=True, limiter=rt.decode_limiter
            )
    except _TooManyPixels as exc:
        rt.metrics.rejected.labels("too_many_pixels").inc()
        raise HTTPException(
            413, f"the image has {exc.pixels} pixels, over the {config.max_image_pixels} limit"
        ) from None
    except (ImageError, ValueError, SyntaxError) as exc:
        # PIL raises ValueError/SyntaxError on some truncated or corrupt files.
        rt.metrics.rejected.labels("unreadable_image").inc()
        raise HTTPException(422, f"the image could not be read: {exc}") from None
    except TimeoutError:
        rt.metrics.rejected.labels("decode_timeout").inc()
        raise HTTPException(422, "the image could not be decoded in time") from None


class _TooManyPixels(Exception):
    def __init__(self, pixels: int) -> None:
        self.pixels = pixels


# -- the page ------------------------------------------------------------------------------

# Fonts tried for the page, first found wins; the page falls back to system fonts without one.
_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf",
    "/usr/share/fonts/truetype/fonts-hosny-amiri/Amiri-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
_FONT_BOLD_CANDIDATES = (
    "/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Bold.ttf",
    "/usr/share/fonts/truetype/fonts-hosny-amiri/Amiri-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
_ASSETS = {
    "app.js": "application/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; font-src 'self'; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


class _Page:
    """The page's files, read once from the package and from the system's fonts."""

    def __init__(self, config: ServiceConfig) -> None:
        web = resources.files("verifier") / "web"
        html = (web / "index.html").read_text(encoding="utf-8")
        self.html = html.replace("{{CLEAR_AFTER}}", str(int(config.clear_after_seconds))).encode()
        self.headers = {
            "Content-Security-Policy": _CSP,
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
        }
        self._assets: dict[str, tuple[bytes, str]] = {
            name: ((web / name).read_bytes(), media) for name, media in _ASSETS.items()
        }
        for name, candidates in (
            ("font.ttf", _FONT_CANDIDATES),
            ("font-bold.ttf", _FONT_BOLD_CANDIDATES),
        ):
            for path in candidates:
                with contextlib.suppress(OSError):
                    self._assets[name] = (Path(path).read_bytes(), "font/ttf")
                    break

    def asset(self, name: str) -> tuple[bytes, str] | None:
        return self._assets.get(name)


# -- running it ------------------------------------------------------------------------------


def app_from_env() -> FastAPI:
    """The app for uvicorn worker processes: the config travels in an environment variable."""
    text = os.environ.get(CONFIG_ENV)
    if not text:
        raise RuntimeError(f"{CONFIG_ENV} is not set")
    return create_app(ServiceConfig.from_env(text))


def serve(config: ServiceConfig, *, host: str, port: int, workers: int, log_level: str) -> None:
    """Run the service with uvicorn until interrupted (several workers share nothing but the
    trust list cache directory and, for metrics, a temporary directory)."""
    import uvicorn

    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": False,  # an access log line carries no QR text, but it adds nothing
        "timeout_keep_alive": 5,
        "ws": "none",
        "server_header": False,
    }
    if workers <= 1:
        uvicorn.run(create_app(config), **common)
        return
    with tempfile.TemporaryDirectory(prefix="sanad-verifier-metrics-") as metrics_dir:
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", metrics_dir)
        os.environ[CONFIG_ENV] = config.to_env()
        uvicorn.run("verifier.service:app_from_env", factory=True, workers=workers, **common)


# Re-exported for the CLI's error handling.
ConfigErrors = (KeyFileError, TrustSourceError, TrustListError)
