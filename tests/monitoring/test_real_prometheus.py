"""A real Prometheus (Debian's binary) scrapes a running registry and answers a query on it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry.client import RegistryClient
from tests.support.registry import Registry, registry_process
from tests.support.servers import free_port, wait_for

ALERTS = Path(__file__).parents[2] / "docs" / "monitoring" / "alerts.yml"
PROMETHEUS = shutil.which("prometheus")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        PROMETHEUS is None,
        reason="no prometheus binary (apt-get install prometheus; scripts/check-monitoring does)",
    ),
]


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[Any]:
    def start(target: str) -> str:
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"rule_files: ['{ALERTS}']\n"
            "scrape_configs:\n  - job_name: sanad-registry\n"
            f"    static_configs: [{{targets: ['{target}']}}]\n",
            encoding="utf-8",
        )
        port = free_port()
        log = (tmp_path / "prometheus.log").open("wb")
        assert PROMETHEUS is not None
        proc = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append((proc, log))
        url = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            if proc.poll() is not None:
                raise AssertionError((tmp_path / "prometheus.log").read_text()[-3000:])
            try:
                return httpx.get(url + "/-/ready", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(ready, 60, "prometheus to be ready")
        return url

    started: list[Any] = []
    yield start
    for proc, log in started:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _query(url: str, promql: str) -> list[dict[str, Any]]:
    r = httpx.get(url + "/api/v1/query", params={"query": promql}, timeout=10)
    r.raise_for_status()
    body = r.json()
    assert body["status"] == "success", body
    return list(body["data"]["result"])


def test_prometheus_scrapes_the_registry_and_answers_over_what_it_scraped(
    registry: Registry, prometheus: Any
) -> None:
    key = registry.enroll("KIOSK-PROM-1")
    with registry_process(registry) as server:
        with RegistryClient(server.url, "KIOSK-PROM-1", key) as kiosk:
            kiosk.heartbeat(printer="online", paper="out", app_version="test")
        url = prometheus(f"127.0.0.1:{server.port}")

        paper = wait_for(
            lambda: _query(url, 'sanad_kiosk_paper{paper="out"} == 1'),
            60,
            "prometheus to have scraped the kiosk's paper state",
        )
        assert paper[0]["metric"]["kiosk"] == "KIOSK-PROM-1"
        assert paper[0]["metric"]["job"] == "sanad-registry"
        up = _query(url, 'up{job="sanad-registry"}')
        assert up[0]["value"][1] == "1"
        health = wait_for(
            lambda: _query(url, 'sanad_http_requests_total{route="/api/v1/health"}'),
            30,
            "the request counter of the health route",
        )
        assert float(health[0]["value"][1]) >= 1
        rules = httpx.get(url + "/api/v1/rules", timeout=10).json()["data"]["groups"]
        names = {r["name"] for g in rules for r in g["rules"]}
        assert {"SanadKioskSilent", "SanadKioskOutOfPaper", "SanadRegistryDown"} <= names
