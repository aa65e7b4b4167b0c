"""Limits applied to /api/ before FastAPI routes a request: rate, body size, body time.

`LimitsMiddleware` reads the body itself (up to the cap, within the timeout) and replays it to
the app, so an oversized or dribbled body never reaches a parser. It parses nothing: the
routes' pydantic models are the only parser.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio

from verifier.service.config import ServiceConfig
from verifier.service.metrics import Metrics

__all__ = ["JSON_BODY_CAP", "MULTIPART_OVERHEAD", "LimitsMiddleware", "RateLimiter"]

JSON_BODY_CAP = 16 * 1024
MULTIPART_OVERHEAD = 64 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RateLimiter:
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


class LimitsMiddleware:
    """Rate limit, body size cap and body timeout for /api/."""

    def __init__(
        self,
        app: ASGIApp,
        config: ServiceConfig,
        metrics: Metrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.config = config
        self.metrics = metrics
        self.clock = clock  # monotonic seconds; tests inject one they move by hand
        self.limiter = (
            RateLimiter(config.rate_per_minute, config.rate_burst)
            if config.rate_per_minute > 0
            else None
        )
        self.image_cap = config.max_image_bytes + MULTIPART_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if self.limiter is not None:
            client = scope.get("client")
            wait = self.limiter.allow(client[0] if client else "-", self.clock())
            if wait > 0:
                self.metrics.rejected.labels("rate_limited").inc()
                await problem(
                    send,
                    429,
                    "too many requests from this address; try again shortly",
                    {"Retry-After": str(math.ceil(wait))},
                )
                return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        cap = self.image_cap if scope["path"].endswith("/verify-image") else JSON_BODY_CAP
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            self.metrics.rejected.labels("too_large").inc()
            await problem(send, 413, f"the request body is over the {cap}-byte limit")
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
                        await problem(send, 413, f"the request body is over the {cap}-byte limit")
                        return
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            self.metrics.rejected.labels("body_timeout").inc()
            await problem(send, 408, "the request body did not arrive in time")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def problem(
    send: Send, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    """Answer with `{"detail": ...}` straight on the ASGI channel."""
    body = json.dumps({"detail": detail}).encode()
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
