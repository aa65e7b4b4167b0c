"""The verification service: an HTTP API and a web page over `verifier.verify`.

`create_app(config)` builds a FastAPI app:

    GET  /                        the page (Arabic by default, English toggle)
    GET  /static/...              its script, style and font: nothing comes from elsewhere
    POST /api/v1/verify           {"qr_text": "..."} -> the verdict (the CLI's --json, plus
                                  where the trust list came from and the revocation source)
    POST /api/v1/verify-image     multipart "image" (JPEG/PNG) -> a verdict per QR code found
    GET  /api/v1/trust-list/status  the trust list held: sequence, age, source, last refresh,
                                  and any problem the operator must act on
    GET  /api/v1/openapi.json     the API's description (no Swagger UI: it loads from a CDN)
    GET  /healthz, /readyz        liveness; readiness (a trust list is held, nothing refused)
    GET  /metrics                 Prometheus: verdicts by status, latency, trust list age

The trust list comes from a `TrustSource` (URL with ETag and cache, file, or both) refreshed
on a timer. Revocation is read from the trust list; an optional online status check asks the
registry (`verifier.service.online`) and every verdict says which was used. Limits (body
size and time, a per-client rate limit: `limits`; image structure, pixels and a decode
deadline enforced by killing a worker process: `images`) answer bad input with a 4xx and a
reason. Logs carry the status, the kid and the serial's hash, never a name or a QR text.

Modules: `config` (pydantic-settings), `app` (routes, trust refresh), `models` (the request
parser and OpenAPI models), `limits`, `images`, `online`, `metrics`, `page`.

It does not sign, store or forward documents, and it keeps no state between requests beyond
the trust list, counters and the rate limiter's buckets.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from fastapi import FastAPI

from verifier.errors import KeyFileError, TrustListError
from verifier.service.app import check_config, create_app
from verifier.service.config import ConfigError, ServiceConfig, load_config
from verifier.service.online import RevocationSource
from verifier.trust_source import TrustSourceError

__all__ = [
    "ConfigError",
    "ConfigErrors",
    "RevocationSource",
    "ServiceConfig",
    "app_from_env",
    "check_config",
    "create_app",
    "load_config",
    "serve",
]


def app_from_env() -> FastAPI:
    """The app for uvicorn worker processes: the parent's config arrives as SANAD_VERIFY_*."""
    return create_app(load_config())


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
        os.environ.update(config.to_environ())
        uvicorn.run("verifier.service:app_from_env", factory=True, workers=workers, **common)


# For the CLI's error handling.
ConfigErrors = (KeyFileError, TrustSourceError, TrustListError)
