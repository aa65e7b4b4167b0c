"""Who may read /metrics: loopback by default, other networks by name, or a bearer token."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from registry.http_metrics import MetricsAccess, MetricsAccessError
from tests.support.registry import LiveServer, Registry

TOKEN = "t" * 40


def test_loopback_is_allowed_by_default_and_other_addresses_are_not() -> None:
    access = MetricsAccess.from_env({})
    assert access.allows("127.0.0.1", None)
    assert access.allows("::1", None)
    assert not access.allows("10.1.2.3", None)
    assert not access.allows(None, None)
    assert not access.allows("not an address", None)


def test_named_networks_and_a_token_admit_their_clients() -> None:
    access = MetricsAccess.from_env(
        {"SANAD_METRICS_ALLOW": "10.0.0.0/8, 192.168.1.7", "SANAD_METRICS_TOKEN": TOKEN}
    )
    assert access.allows("10.200.0.1", None)
    assert access.allows("192.168.1.7", None)
    assert not access.allows("127.0.0.1", None)  # the list replaces the default
    assert access.allows("203.0.113.9", f"Bearer {TOKEN}")
    assert not access.allows("203.0.113.9", f"Bearer {TOKEN[:-1]}x")
    assert not access.allows("203.0.113.9", f"Basic {TOKEN}")


def test_the_token_file_is_read_and_a_short_token_refused(tmp_path: Path) -> None:
    path = tmp_path / "metrics.token"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    assert MetricsAccess.from_env({}, default_token_file=path).token == TOKEN
    assert MetricsAccess.from_env({}, default_token_file=tmp_path / "absent").token is None
    path.write_text("short", encoding="utf-8")
    with pytest.raises(MetricsAccessError, match="shorter than 32"):
        MetricsAccess.from_env({"SANAD_METRICS_TOKEN_FILE": str(path)})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SANAD_METRICS_ALOW": "10.0.0.0/8"}, "unknown environment variable SANAD_METRICS_ALOW"),
        ({"SANAD_METRICS_ALLOW": "10.0.0.0/33"}, "is not a network"),
        ({"SANAD_METRICS_TOKEN": "short"}, "at least 32"),
    ],
    ids=["misspelt", "bad-network", "short-token"],
)
def test_malformed_settings_are_refused_by_name(env: dict[str, str], message: str) -> None:
    with pytest.raises(MetricsAccessError, match=message):
        MetricsAccess.from_env(env)


def test_a_client_outside_the_allow_list_gets_403_and_no_figures(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an empty allow-list: no address is enough, only the token (as behind a proxy)
    monkeypatch.setenv("SANAD_METRICS_ALLOW", "")
    monkeypatch.setenv("SANAD_METRICS_TOKEN", TOKEN)
    with LiveServer(registry) as server:
        refused = httpx.get(server.url + "/metrics")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"
        assert "sanad_" not in refused.text
        ok = httpx.get(server.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
        assert "sanad_registry_database_up 1.0" in ok.text
