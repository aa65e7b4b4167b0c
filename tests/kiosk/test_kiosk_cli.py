"""`sanad kiosk ...` and `sanad demo --self-test`, run as a user runs them (real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from kiosk_support import closed_port

from hardware.emulator.server import Emulator
from kiosk_app.effects import _check_technician_pin
from verifier.keys import SigningKey, save_public_key, save_signing_key
from verifier.qr import decode_image

SANAD = str(Path(sys.executable).with_name("sanad"))


def sanad(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SANAD, *args], capture_output=True, text=True, timeout=timeout, check=False,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_hash_pin_prints_a_hash_that_checks() -> None:
    done = sanad("kiosk", "hash-pin", "--pin", "482915")
    assert done.returncode == 0, done.stderr
    stored = done.stdout.strip()
    assert stored.startswith("$argon2id$")
    assert _check_technician_pin(stored, "482915")
    assert not _check_technician_pin(stored, "482916")


def test_hash_pin_refuses_a_short_pin() -> None:
    done = sanad("kiosk", "hash-pin", "--pin", "12")
    assert done.returncode == 2
    assert "4 to 12 digits" in done.stderr


def test_missing_config_is_usage_error(tmp_path: Path) -> None:
    done = sanad("kiosk", "check", "--config", str(tmp_path / "none.toml"))
    assert done.returncode == 2
    assert "cannot read" in done.stderr
    assert "Traceback" not in done.stderr
    done = sanad("kiosk", "check")
    assert done.returncode == 2
    assert "--config FILE is required" in done.stderr


def test_check_reports_registry_down_and_printer_ready(tmp_path: Path) -> None:
    key, root = SigningKey.generate(), SigningKey.generate()
    save_signing_key(key, tmp_path / "kiosk.key.jwk")
    save_public_key(root.public, tmp_path / "root.pub.jwk")
    with Emulator(tmp_path / "receipts") as emu:
        (tmp_path / "kiosk.toml").write_text(
            f"""[kiosk]
id = "K1"
key = "kiosk.key.jwk"
[registry]
url = "http://127.0.0.1:{closed_port()}"
root_key = "root.pub.jwk"
[printer]
url = "{emu.url}"
""",
            encoding="utf-8",
        )
        done = sanad("kiosk", "check", "--config", str(tmp_path / "kiosk.toml"))
    assert done.returncode == 1, done.stderr
    assert "not answering" in done.stdout
    assert "printer tcp://" in done.stdout
    assert ": ready" in done.stdout
    assert f"device key: kid {key.public.kid.hex()}" in done.stdout


def test_render_is_the_layouts_command() -> None:
    done = sanad("kiosk", "--help")
    assert done.returncode == 0
    assert "render" in done.stdout


@pytest.mark.gui
@pytest.mark.slow
def test_demo_self_test_prints_a_receipt_that_verifies(tmp_path: Path) -> None:
    done = sanad(
        "demo", "--data", str(tmp_path / "demo"), "--self-test", "--population", "200",
        env={"KIVY_HOME": str(tmp_path / "kivy")}, timeout=280,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert any(line.startswith("citizen") and "PIN" in line for line in lines)
    receipt = Path(next(line for line in lines if line.endswith(".png")))
    assert receipt.exists()
    assert len(decode_image(receipt)) == 1
    assert lines[-1].startswith("VALID")
