"""`sanad portal init` then `sanad portal serve` as a real process: it starts, serves the
sign-in page with its headers, and stops on SIGTERM; a broken configuration is exit code 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from tests.support.servers import SANAD, SanadServer, closed_port_url, free_port


def test_init_then_serve(tmp_path: Path) -> None:
    data = tmp_path / "portal"
    port = free_port()
    subprocess.run(
        [SANAD, "portal", "init", "--data", str(data), "--registry", closed_port_url()],
        check=True,
        capture_output=True,
    )
    args = ("portal", "serve", "--config", str(data / "portal.toml"), "--port", str(port))
    with SanadServer(*args, port=port, health="/health"):
        r = httpx.get(f"http://127.0.0.1:{port}/sign-in")
        assert r.status_code == 200
        assert 'lang="ar" dir="rtl"' in r.text
        assert "default-src 'none'" in r.headers["content-security-policy"]
        assert "server" not in r.headers


def test_serve_with_a_broken_config_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "portal.toml"
    bad.write_text("[portal]\nid = 'P'\n", encoding="utf-8")
    done = subprocess.run(
        [SANAD, "portal", "serve", "--config", str(bad)], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "missing setting" in done.stderr
