"""`sanad verify check --trust-url`, `scan` over a real pty, and `serve`'s start-up checks."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from service_support import Material, fake_registry, tamper

from tests.support.servers import SanadServer, closed_port_url, free_port
from verifier.cli import group

SANAD = [str(Path(sys.executable).parent / "sanad")]


def run_check(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(group, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


def test_check_with_trust_url_fetches_and_caches(material: Material, tmp_path: Path) -> None:
    with fake_registry(material.trust_list(4)) as registry:
        code, out, _ = run_check(
            material.birth,
            "--trust-url",
            registry.trust_url,
            "--cache-dir",
            str(tmp_path),
            "--root-key",
            str(material.root_key_path),
            "--json",
        )
    assert code == 0
    v = json.loads(out)
    assert v["valid"] is True
    assert v["trust_list"]["source"] == "online"
    assert v["trust_list"]["sequence"] == 4
    assert (tmp_path / "trust-list.cose").exists()

    # The registry is gone: the cached list is used, with a warning saying how old it is.
    code, out, err = run_check(
        tamper(material.birth),
        "--trust-url",
        closed_port_url("/api/v1/trust-list"),
        "--cache-dir",
        str(tmp_path),
        "--root-key",
        str(material.root_key_path),
    )
    assert code == 1
    assert "NOT VALID" in out
    assert "trust list source: cache, offline" in out
    assert "warning: cannot connect to the trust list URL" in err
    assert re.search(r"using the cache trust list #4, issued 2\.[0-4] h ago", err)


def test_check_exit_codes_without_a_usable_trust_list(material: Material, tmp_path: Path) -> None:
    key = ("--root-key", str(material.root_key_path))
    code, _, err = run_check(
        material.birth,
        "--trust-url",
        closed_port_url("/api/v1/trust-list"),
        "--cache-dir",
        str(tmp_path),
        *key,
    )
    assert code == 2
    assert "none is cached" in err
    code, _, err = run_check(material.birth, *key)
    assert code == 2
    assert "--trust-list FILE or --trust-url URL" in err
    code, _, err = run_check(material.birth, "--trust-url", "ftp://x/y", *key)
    assert code == 2
    code, _, err = run_check(material.birth, "--trust-list", str(material.trust_list_path))
    assert code == 2
    assert "no root key pinned" in err
    # the file-only form keeps its behaviour
    code, _, _ = run_check(material.birth, "--trust-list", str(material.trust_list_path), *key)
    assert code == 0


def test_serve_refuses_to_start_without_trust(material: Material, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        group, ["serve", "--root-key", str(material.root_key_path), "--port", "0"]
    )
    assert result.exit_code == 2
    assert "trust list URL, a trust list file" in result.stderr
    bad = tmp_path / "bad.cose"
    bad.write_bytes(b"not a trust list")
    result = CliRunner().invoke(
        group,
        ["serve", "--root-key", str(material.root_key_path), "--trust-list", str(bad)],
    )
    assert result.exit_code == 2
    assert "not a signed trust list" in result.stderr
    result = CliRunner().invoke(group, ["serve", "--trust-list", str(bad)])
    assert result.exit_code == 2


def _read_until(fd: int, needle: bytes, timeout: float = 15.0) -> bytes:
    buf = b""
    deadline = time.monotonic() + timeout
    while needle not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{needle!r} not seen; got {buf!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"stream closed before {needle!r}; got {buf!r}")
            buf += chunk
    return buf


def test_scan_reads_a_serial_scanner_over_a_pty(material: Material) -> None:
    import tty

    master, slave = os.openpty()
    tty.setraw(slave)  # a scanner's port: bytes pass untouched, CR is not turned into LF
    port = os.ttyname(slave)
    proc = subprocess.Popen(
        [
            *SANAD,
            "verify",
            "scan",
            "--serial",
            port,
            "--beep",
            "--max-scans",
            "3",
            "--trust-list",
            str(material.trust_list_path),
            "--root-key",
            str(material.root_key_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        assert proc.stderr is not None and proc.stdout is not None
        _read_until(proc.stderr.fileno(), b"ready: scanning on")
        # a valid code (CR), a forged one split across writes (CR LF), a non-Sanad code (LF)
        os.write(master, material.birth.encode() + b"\r")
        forged = tamper(material.birth).encode()
        os.write(master, forged[:100])
        # Real time is what this checks: the rest arrives later, as a scanner's bytes do, so
        # the reader must join two reads into one code (no condition to wait for instead).
        time.sleep(0.3)
        os.write(master, forged[100:] + b"\r\n")
        os.write(master, b"HELLO WORLD\n")
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)
    assert proc.returncode == 0, err
    lines = out.decode().replace("\a", "").splitlines()
    assert lines[0].startswith("VALID · Birth certificate · BI26-")
    assert "Abdullah Mohammad Abdulrahman Al-Shawabkeh" in lines[0]
    assert lines[1] == (
        "NOT VALID: This document is not genuine: it was altered after signing, or signed "
        "without the issuing authority's permission. (bad_signature)"
    )
    assert lines[2].startswith("NOT VALID: The code could not be read")
    assert out.count(b"\a") == 1 + 3 + 3


def test_scan_json_lines_and_arabic(material: Material) -> None:
    master, slave = os.openpty()
    import tty

    tty.setraw(slave)
    proc = subprocess.Popen(
        [
            *SANAD,
            "verify",
            "scan",
            "--serial",
            os.ttyname(slave),
            "--max-scans",
            "1",
            "--json",
            "--trust-list",
            str(material.trust_list_path),
            "--root-key",
            str(material.root_key_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stderr is not None
        _read_until(proc.stderr.fileno(), b"ready")
        os.write(master, material.birth.encode() + b"\r")
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)
    v = json.loads(out)
    assert v["status"] == "valid"
    assert v["trust_list"]["source"] == "file"


def test_scan_with_a_missing_port_exits_2(material: Material, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            *SANAD,
            "verify",
            "scan",
            "--serial",
            str(tmp_path / "no-such-tty"),
            "--trust-list",
            str(material.trust_list_path),
            "--root-key",
            str(material.root_key_path),
        ],
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert b"cannot open scanner port" in result.stderr


@pytest.mark.parametrize("lang", ["ar"])
def test_scan_line_in_arabic(material: Material, lang: str) -> None:
    from verifier.scanner import verdict_line
    from verifier.trust import load_trust_list
    from verifier.verify import verify

    trust = load_trust_list(material.trust_list_path.read_bytes(), [material.root.public])
    line = verdict_line(verify(material.birth, trust), lang)
    assert line.startswith("صالحة · شهادة ميلاد · BI26-")
    assert "عبد الله محمد عبد الرحمن الشوابكة" in line
    assert verdict_line(verify(tamper(material.birth), trust), lang).startswith("غير صالحة: ")


def test_scan_stops_cleanly_on_interrupt(material: Material) -> None:
    import signal

    master, slave = os.openpty()
    proc = subprocess.Popen(
        [
            *SANAD,
            "verify",
            "scan",
            "--serial",
            os.ttyname(slave),
            "--trust-list",
            str(material.trust_list_path),
            "--root-key",
            str(material.root_key_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stderr is not None
        _read_until(proc.stderr.fileno(), b"ready")
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)
    assert proc.returncode == 0


def test_serve_with_two_workers(material: Material, tmp_path: Path) -> None:
    """The multi-process path: config handed to workers, metrics summed across them."""
    import httpx

    port = free_port()
    server = SanadServer(
        "verify",
        "serve",
        "--root-key",
        str(material.root_key_path),
        "--trust-list",
        str(material.trust_list_path),
        "--cache-dir",
        str(tmp_path),
        "--port",
        str(port),
        "--workers",
        "2",
        port=port,
        health="/readyz",
        log=tmp_path / "serve.log",
    )
    with server:
        base = server.url
        with httpx.Client(base_url=base) as client:
            for _ in range(20):
                r = client.post("/api/v1/verify", json={"qr_text": material.birth})
                assert r.json()["status"] == "valid"
            for _ in range(8):  # any worker answers with the sum over both
                metrics = client.get("/metrics").text
                assert 'sanad_verifier_verdicts_total{endpoint="text",status="valid"} 20.0' in (
                    metrics
                )
        assert server.stop() == 0  # SIGTERM: both workers shut down cleanly
    assert (tmp_path / "trust-list.cose").exists()
