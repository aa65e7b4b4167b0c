"""Request metrics for Sanad's web processes, and who may read `GET /metrics`.

    metrics = install_http_metrics(app, "portal", MetricsAccess.from_env())

adds a pure ASGI middleware that counts every HTTP request and times it, labelled by the
*route template* the router matched (`/orders/{code}`, never `/orders/K7Q2-9XW4`), the method
and the status, and a `GET /metrics` route in Prometheus' text format for the clients that
`MetricsAccess` admits. Label values are bounded: the templates are the app's own routes (a
path no route matches is `unmatched`), methods outside the standard few are `OTHER`, and a
status is one of the codes the app answers with. No path, query, address, national number or
serial ever becomes a label value.

Access: metrics describe the service's traffic and, on the registry, its fleet and queues;
they are not for the public. By default only loopback clients may read them (Prometheus on
the same machine, or through an SSH tunnel); `SANAD_METRICS_ALLOW` names other networks
(CIDR, comma-separated), and a bearer token (`SANAD_METRICS_TOKEN`, or a file named by
`SANAD_METRICS_TOKEN_FILE`; the registry also reads DATA/keys/metrics.token) admits any
address that presents it. A refused scrape is a 403 with a JSON error, never the figures.

With `PROMETHEUS_MULTIPROC_DIR` set (several worker processes), the exposition sums every
worker's request metrics (prometheus-client's multiprocess mode).

It deliberately imports nothing of the registry's database, so the portal can use it; the
registry's own figures (documents, kiosks, queues) are `registry.metrics`.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.registry import Collector
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Mount

from verifier.settings_env import unknown_variables

__all__ = [
    "ENV_PREFIX",
    "MetricsAccess",
    "MetricsAccessError",
    "MetricsConfig",
    "RequestMetrics",
    "RequestMetricsMiddleware",
    "install_http_metrics",
    "route_template",
]

ENV_PREFIX = "SANAD_METRICS_"
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# From a fast cached lookup to a slow PostgreSQL transaction; the tail past 5 s is an outage.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LOOPBACK = ("127.0.0.1/32", "::1/128")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


class MetricsAccessError(Exception):
    """The metrics access settings are malformed (an unknown variable, a bad network)."""


# ---------------------------------------------------------------------------------------------
# Who may read /metrics


class MetricsConfig(BaseSettings):
    """`SANAD_METRICS_ALLOW`, `SANAD_METRICS_TOKEN`, `SANAD_METRICS_TOKEN_FILE`."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    allow: str = Field(default=",".join(LOOPBACK), max_length=2000)
    token: str | None = Field(default=None, min_length=32, max_length=500)
    token_file: str | None = Field(default=None, min_length=1, max_length=500)


@dataclass(frozen=True)
class MetricsAccess:
    """Networks whose clients may scrape, and an optional bearer token that admits anyone."""

    networks: tuple[Network, ...] = tuple(ipaddress.ip_network(n) for n in LOOPBACK)
    token: str | None = None

    def allows(self, client_host: str | None, authorization: str | None) -> bool:
        if self.token is not None and authorization is not None:
            scheme, _, given = authorization.partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                given.strip().encode("utf-8", "replace"), self.token.encode("utf-8")
            ):
                return True
        if client_host is None:
            return False
        try:
            address = ipaddress.ip_address(client_host)
        except ValueError:
            return False
        return any(address in n for n in self.networks)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, default_token_file: Path | None = None
    ) -> MetricsAccess:
        """The access the environment asks for; `default_token_file` is read when it exists
        and no token is given otherwise (the registry's DATA/keys/metrics.token)."""
        env = os.environ if environ is None else environ
        stray = unknown_variables(ENV_PREFIX, MetricsConfig, env)
        if stray:
            raise MetricsAccessError(
                f"unknown environment variable {', '.join(stray)}: the metrics settings are "
                f"{ENV_PREFIX}ALLOW, {ENV_PREFIX}TOKEN and {ENV_PREFIX}TOKEN_FILE"
            )
        try:
            c = MetricsConfig(**_from(env))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            raise MetricsAccessError(f"{ENV_PREFIX}*: {problems}") from None
        return cls(networks=_networks(c.allow), token=_token(c, default_token_file))


def _from(env: Mapping[str, str]) -> dict[str, str]:
    # read from the mapping given (tests pass their own), not from os.environ behind our back
    names = {f"{ENV_PREFIX}{f.upper()}": f for f in MetricsConfig.model_fields}
    return {names[k.upper()]: v for k, v in env.items() if k.upper() in names}


def _networks(text: str) -> tuple[Network, ...]:
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise MetricsAccessError(f"{ENV_PREFIX}ALLOW: {part!r} is not a network") from None
    return tuple(networks)


def _token(c: MetricsConfig, default_file: Path | None) -> str | None:
    if c.token is not None:
        return c.token
    path = Path(c.token_file) if c.token_file else default_file
    if path is None or (c.token_file is None and not path.exists()):
        return None
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise MetricsAccessError(f"cannot read the metrics token file {path}: {exc}") from None
    if len(token) < 32:
        raise MetricsAccessError(f"the metrics token in {path} is shorter than 32 characters")
    return token


# ---------------------------------------------------------------------------------------------
# Counting requests


def route_template(
    scope: Mapping[str, Any], routes: Iterable[Any] = (), original: Mapping[str, Any] | None = None
) -> str:
    """The template of the route that serves `scope`, or `unmatched`: a bounded label.

    The router records the route it chose in the scope; where it does not (a mounted app
    under FastAPI's router), the first of `routes` that matches the request's original scope
    gives the template, as the router itself would choose it."""
    route = scope.get("route")
    if getattr(route, "path", None) is None:
        route = _match(scope if original is None else original, routes)
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    if isinstance(route, Mount):
        return f"{path}/{{path}}"  # a mounted app (the static files): its own paths are many
    return path or "/"


def _match(scope: Mapping[str, Any], routes: Iterable[Any]) -> Any:
    partial = None
    for route in routes:
        try:
            match, _ = route.matches(dict(scope))
        except Exception:  # a label is never worth failing a request for
            continue
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


class RequestMetrics:
    """One process's request counter and latency histogram, in their own registry."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "sanad_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["service", "route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "sanad_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route template.",
            ["service", "route", "method"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self._extra: list[Collector] = []

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "OTHER"
        self.requests.labels(self.service, route, method, str(status)).inc()
        self.latency.labels(self.service, route, method).observe(seconds)

    def add_collector(self, collector: Collector) -> None:
        """Expose another collector (the registry's database figures) beside these."""
        self.registry.register(collector)
        self._extra.append(collector)

    def exposition(self) -> bytes:
        from prometheus_client import generate_latest

        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        for collector in self._extra:
            merged.register(collector)
        return generate_latest(merged)


class RequestMetricsMiddleware:
    """Pure ASGI: times each HTTP request to the end of its answer; counts it by template."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics, routes: list[Any]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes  # the app's route list itself: routes added later count too

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        original = dict(scope)  # before the router and any mount rewrite it
        status = 500  # what the server answers when the app raises before it starts answering

        async def sending(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            # the router wrote the matched route into this same scope on the way down
            self.metrics.observe(
                route_template(scope, self.routes, original),
                str(scope.get("method", "")),
                status,
                time.perf_counter() - started,
            )


def install_http_metrics(
    app: Any,
    service: str,
    access: MetricsAccess,
    collectors: Iterable[Collector] = (),
) -> RequestMetrics:
    """Count `app`'s requests and serve `GET /metrics` to the clients `access` admits."""
    metrics = RequestMetrics(service)
    for collector in collectors:
        metrics.add_collector(collector)

    def scrape(request: Request) -> Response:
        client = request.client.host if request.client else None
        if not access.allows(client, request.headers.get("authorization")):
            return JSONResponse(
                {
                    "error": {
                        "code": "forbidden",
                        "message": "metrics are served to the allowed networks or to a bearer "
                        "token only (see docs/monitoring.md)",
                    }
                },
                status_code=403,
                headers={"Cache-Control": "no-store"},
            )
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(
            metrics.exposition(),
            media_type=CONTENT_TYPE_LATEST,
            headers={"Cache-Control": "no-store"},
        )

    # a sync endpoint: the database collector runs in the thread pool, not on the event loop
    app.add_api_route("/metrics", scrape, methods=["GET"], include_in_schema=False)
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics, routes=app.router.routes)
    return metrics
