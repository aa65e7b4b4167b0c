"""The portal counts its requests by route template and serves /metrics to loopback only."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.monitoring.scrape import samples, scrape
from tests.portal.portal_support import portal_site


def test_portal_requests_are_counted_by_template_never_by_order_code(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with portal_site(tmp_path, tmp_path_factory) as site, httpx.Client(base_url=site.url) as http:
        assert http.get("/sign-in").status_code == 200
        for code in ("K7Q2-9XW4", "ZZZZ-0000"):
            http.get(f"/orders/{code}")  # signed out: a redirect to the sign-in page
        http.get("/static/no-such-file.css")
        text = scrape(site.url)
    counted = samples(text, "sanad_http_requests_total")
    routes = {s.labels["route"] for s in counted}
    assert {"/sign-in", "/orders/{code}", "/static/{path}"} <= routes
    assert {s.labels["service"] for s in counted} == {"portal"}
    assert "K7Q2" not in text and "ZZZZ" not in text
    orders = [s for s in counted if s.labels["route"] == "/orders/{code}"]
    assert sum(s.value for s in orders) == 2
    assert samples(text, "sanad_http_request_duration_seconds_count")
