"""The service's ASGI app: routes, the trust list held and its refresh, the online check.

`create_app(config)` builds the FastAPI app described in `verifier.service`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import stamina
from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from verifier.errors import TrustListError
from verifier.qr import normalise_qr_text
from verifier.scanner import verify_typed
from verifier.service.config import ServiceConfig
from verifier.service.images import DecodePool, DecodeTimeout, ImageRefused, inspect
from verifier.service.limits import LimitsMiddleware
from verifier.service.metrics import Metrics
from verifier.service.models import (
    ERRORS,
    ImageVerdicts,
    Problem,
    TrustListInfo,
    VerdictOut,
    VerifyRequest,
)
from verifier.service.online import RevocationSource, online_status
from verifier.service.page import Page
from verifier.service_words import officer_message
from verifier.trust_source import RefreshOutcome, TrustSource, TrustSourceError, load_root_key
from verifier.verify import REASONS, Outcome, Status, Verdict

__all__ = ["check_config", "create_app", "load_source"]

log = logging.getLogger("verifier.service")

_NO_STORE = {"Cache-Control": "no-store"}
_REF_TEMPLATE = "#/components/schemas/{model}"
_VERIFY_REQUEST_REF = "#/components/schemas/VerifyRequest"
_STATUS_KEYS = ("valid", "status", "outcome", "reason", "summary")


@dataclass
class _Runtime:
    config: ServiceConfig
    source: TrustSource
    metrics: Metrics
    images: DecodePool
    status_client: httpx.AsyncClient | None = None
    refresh_task: asyncio.Task[None] | None = None

    def verify(self, text: str, at: dt.datetime | None = None) -> tuple[Verdict, str | None]:
        """(verdict, input note): see verifier.scanner.verify_typed (Caps Lock)."""
        grace = dt.timedelta(days=self.config.stale_grace_days)
        return verify_typed(text, self.source.trust_list, at, stale_grace=grace)


def load_source(config: ServiceConfig) -> TrustSource:
    """The trust source the config describes, holding whatever the cache and file give."""
    keys = [load_root_key(Path(p)) for p in config.root_keys]
    source = TrustSource(
        keys,
        url=config.trust_url,
        cache_dir=Path(config.cache_dir) if config.cache_dir else None,
        timeout=config.fetch_timeout,
        refresh_seconds=config.refresh_seconds,
        min_sequence=config.min_sequence,
        stale_grace=dt.timedelta(days=config.stale_grace_days),
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
    source = load_source(config)
    if source.state is None and not config.trust_url:
        raise TrustSourceError("no trust list could be loaded")


class _RefreshUnfinished(Exception):
    """A refresh that failed or was refused: retried with back-off until the next period."""


async def _refresh_once(rt: _Runtime) -> RefreshOutcome:
    outcome = await rt.source.refresh()
    rt.metrics.refreshes.labels(outcome.value).inc()
    _update_trust_gauges(rt)
    if outcome is RefreshOutcome.FAILED and rt.source.state is not None:
        log.warning(
            "working offline from trust list #%d, %d h old",
            rt.source.state.trust_list.sequence,
            rt.source.state.age().total_seconds() // 3600,
        )
    return outcome


async def _refresh_until_done(rt: _Runtime) -> bool:
    """Refresh, retrying with exponential back-off (stamina) for at most one refresh period.
    True if the URL answered with a list held (updated or not modified)."""
    period = rt.config.refresh_seconds
    try:
        async for attempt in stamina.retry_context(
            on=_RefreshUnfinished,
            attempts=None,
            timeout=period,
            wait_initial=min(15.0, period / 8),
            wait_max=period,
            wait_jitter=min(5.0, period / 8),
        ):
            with attempt:
                outcome = await _refresh_once(rt)
                if outcome in (RefreshOutcome.FAILED, RefreshOutcome.REFUSED):
                    raise _RefreshUnfinished(outcome.value)
    except _RefreshUnfinished:
        return False
    return True


async def _refresh_loop(rt: _Runtime, first_ok: bool) -> None:
    ok = first_ok
    while True:
        if ok:
            await asyncio.sleep(rt.config.refresh_seconds)
        try:
            ok = await _refresh_until_done(rt)
        except Exception:  # a bug must not stop the schedule: keep the list held, try again
            log.exception("trust list refresh failed unexpectedly")
            ok = True  # wait a full period before the next try


def _update_trust_gauges(rt: _Runtime) -> None:
    state = rt.source.state
    if state is not None:
        rt.metrics.trust_age.set(state.age().total_seconds())
        rt.metrics.trust_sequence.set(state.trust_list.sequence)
    found = rt.source.problem_kind()
    for kind in ("expired", "refused", "stale"):
        rt.metrics.trust_problem.labels(kind).set(1 if found and found[0] == kind else 0)


def _overrule(out: dict[str, Any], verdict: Verdict, status: Status, reason: str) -> Verdict:
    verdict = dataclasses.replace(verdict, status=status, reason=reason)
    out.update({k: v for k, v in verdict.to_json().items() if k in _STATUS_KEYS})
    return verdict


async def _answer(
    rt: _Runtime, typed: tuple[Verdict, str | None], online: bool, endpoint: str
) -> dict[str, Any]:
    """The verdict as the API answers it: trust list origin, online status, counted, logged."""
    verdict, input_note = typed
    out = verdict.to_json()
    out["input"] = input_note
    state = rt.source.state
    assert state is not None
    out["trust_list"] = {**out.get("trust_list", {}), **rt.source.status_json(verdict.checked_at)}
    out["online_status"] = None
    # Asked only for a verdict that rests on a genuine signature (valid, or unconfirmed).
    genuine = verdict.outcome is not Outcome.NOT_VALID
    if online and rt.status_client is not None and genuine and verdict.claims:
        assert rt.config.status_url is not None
        status = await online_status(rt.status_client, rt.config.status_url, verdict)
        out["online_status"] = status
        if status["checked"]:
            out["revocation_source"] = RevocationSource.ONLINE.value
            if status["issued"] is False:
                verdict = _overrule(
                    out,
                    verdict,
                    Status.NOT_IN_REGISTRY,
                    REASONS[Status.NOT_IN_REGISTRY],
                )
            elif status["revoked"]:
                verdict = _overrule(
                    out, verdict, Status.DOCUMENT_REVOKED, REASONS[Status.DOCUMENT_REVOKED]
                )
    out["officer"] = officer_message(out)
    rt.metrics.count(verdict.status.value, endpoint)
    log.info(
        "verdict %s kid=%s serial_hash=%s",
        verdict.status.value,
        verdict.kid.hex() if verdict.kid else "-",
        verdict.serial_hash or "-",
    )
    return out


def create_app(config: ServiceConfig, *, clock: Callable[[], float] = time.monotonic) -> FastAPI:
    """The service as an ASGI app; the trust list is loaded when the app starts. `clock`
    (monotonic seconds) drives the per-client rate limit: tests pass one they can move."""
    metrics = Metrics()
    holder: dict[str, _Runtime] = {}
    page = Page(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        images = DecodePool(
            config.decode_workers,
            timeout=config.decode_timeout,
            max_pixels=config.max_image_pixels,
        )
        rt = _Runtime(config, load_source(config), metrics, images)
        if config.status_url:
            rt.status_client = httpx.AsyncClient(timeout=config.status_timeout)
        if config.trust_url:
            first = await _refresh_once(rt)
            first_ok = first in (RefreshOutcome.UPDATED, RefreshOutcome.NOT_MODIFIED)
            rt.refresh_task = asyncio.create_task(_refresh_loop(rt, first_ok))
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
            images.close()

    app = FastAPI(
        title="Sanad document verification",
        version="1",
        description="Check a printed Sanad civil-registry document: its QR text or a photo of "
        "it, against the authority's signed trust list. Revocation comes from the trust list "
        "(offline) and, when configured, from the registry online; each verdict says which.",
        lifespan=lifespan,
        # No Swagger UI or ReDoc: both load their files from a CDN, and nothing this service
        # serves may load anything from elsewhere. The description itself is served.
        docs_url=None,
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
        rt = holder.get("rt")
        if rt is None or rt.source.state is None:
            raise HTTPException(503, "no trust list is held yet: the service is not ready")
        return rt

    @app.post(
        "/api/v1/verify",
        response_model=None,
        responses={200: {"model": VerdictOut}, **ERRORS},
        summary="Verify a QR text",
        tags=["verify"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": _VERIFY_REQUEST_REF}}},
            }
        },
    )
    async def verify_text(request: Request) -> Response:
        # The one parser is VerifyRequest, called directly on the body bytes: FastAPI's body
        # machinery (json.loads, then a TypeAdapter, then dependency solving) cost ~25% more
        # CPU per verification for the same checks. Its errors take FastAPI's 422 shape.
        try:
            body = VerifyRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors()]
            ) from None
        rt = runtime()
        started = time.perf_counter()
        text = normalise_qr_text(body.qr_text)
        out = await _answer(rt, rt.verify(text), body.online, "text")
        response = JSONResponse(out, headers=_NO_STORE)
        rt.metrics.observe("text", time.perf_counter() - started)
        return response

    @app.post(
        "/api/v1/verify-image",
        response_model=None,
        responses={200: {"model": ImageVerdicts}, **ERRORS},
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
        texts = await _decode(rt, data)
        checked_at = dt.datetime.now(dt.UTC)
        verdicts = [
            await _answer(rt, rt.verify(normalise_qr_text(t), checked_at), online, "image")
            for t in texts[: rt.config.max_codes_per_image]
        ]
        rt.metrics.observe("image", time.perf_counter() - started)
        return JSONResponse({"found": len(texts), "verdicts": verdicts}, headers=_NO_STORE)

    @app.get(
        "/api/v1/trust-list/status",
        response_model=TrustListInfo,
        responses={503: {"model": Problem}},
        tags=["trust"],
        summary="The trust list held: sequence, age, source, last refresh, any problem",
    )
    async def trust_status() -> JSONResponse:
        rt = runtime()
        return JSONResponse(rt.source.status_json(), headers=_NO_STORE)

    @app.get("/healthz", tags=["ops"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["ops"],
        summary="Readiness: a trust list that can verify is held; any problem is named",
        responses={503: {"model": Problem}},
    )
    async def readyz() -> JSONResponse:
        rt = runtime()
        state = rt.source.state
        assert state is not None
        # Not ready only when no document can be verified (an expired list); a refused or stale
        # list still verifies (stale ones as unconfirmed), so it asks for attention instead.
        found = rt.source.problem_kind()
        body: dict[str, Any] = {
            "status": "ready" if found is None else "attention",
            "trust_list_sequence": state.trust_list.sequence,
        }
        if found is not None:
            body["problem_kind"], body["problem"] = found
        expired = found is not None and found[0] == "expired"
        return JSONResponse(body, status_code=503 if expired else 200, headers=_NO_STORE)

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=Response)
    async def metrics_endpoint() -> Response:
        rt = holder.get("rt")
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

    app.add_middleware(LimitsMiddleware, config=config, metrics=metrics, clock=clock)
    original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        schema = original_openapi()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(
            "VerifyRequest", VerifyRequest.model_json_schema(ref_template=_REF_TEMPLATE)
        )
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


async def _decode(rt: _Runtime, data: bytes) -> list[str]:
    """QR texts in an image: refused before decoding if pathological, decoded in a worker
    process that is killed at the deadline."""
    from verifier.qr import ImageError

    try:
        inspect(data, max_pixels=rt.config.max_image_pixels)
    except ImageRefused as exc:
        rt.metrics.rejected.labels(exc.reason).inc()
        raise HTTPException(exc.status, exc.message) from None
    try:
        return await rt.images.decode(data)
    except ImageError:
        rt.metrics.rejected.labels("unreadable_image").inc()
        raise HTTPException(422, "the image could not be read") from None
    except DecodeTimeout:
        rt.metrics.rejected.labels("decode_timeout").inc()
        raise HTTPException(422, "the image could not be decoded in time") from None
