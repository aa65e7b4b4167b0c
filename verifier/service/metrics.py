"""The service's Prometheus metrics; aggregated across processes when several workers run."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["Metrics"]


class Metrics:
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
        self.trust_problem = Gauge(
            "sanad_verifier_trust_list_problem",
            "1 while the trust list needs the operator: expired (documents refused), refused "
            "(a published list was refused), stale (past next update).",
            ["kind"],
            registry=reg,
            multiprocess_mode="max",
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
