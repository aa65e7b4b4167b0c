"""A running kiosk process stops cleanly on SIGTERM (`systemctl stop`), as a user would stop it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kiosk_support import closed_port

from hardware.emulator.server import Emulator
from kiosk_app.journal import Journal
from verifier.keys import SigningKey, save_public_key, save_signing_key

SANAD = str(Path(sys.executable).with_name("sanad"))


def _write_config(base: Path, printer_url: str) -> Path:
    save_signing_key(SigningKey.generate(), base / "kiosk.key.jwk")
    save_public_key(SigningKey.generate().public, base / "root.pub.jwk")
    config = base / "kiosk.toml"
    config.write_text(
        f"""[kiosk]
id = "KSK-SIG"
key = "kiosk.key.jwk"
data_dir = "data"
[registry]
url = "http://127.0.0.1:{closed_port()}"
timeout = 0.5
root_key = "root.pub.jwk"
[printer]
url = "{printer_url}"
[heartbeat]
interval = 0.5
""",
        encoding="utf-8",
    )
    return config


def _wait_shown(progress: Path, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the kiosk exited while starting"
        if progress.exists():
            for line in progress.read_text(encoding="utf-8").splitlines():
                if json.loads(line).get("kind") == "shown":
                    return
        time.sleep(0.1)
    raise AssertionError("the kiosk never showed a screen")


@pytest.mark.gui
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_kiosk_process_stops_on_signal_with_its_journal_intact(
    tmp_path: Path, sig: signal.Signals
) -> None:
    with Emulator(tmp_path / "receipts") as emu:
        config = _write_config(tmp_path, emu.url)
        script, progress = tmp_path / "script.jsonl", tmp_path / "progress.jsonl"
        script.write_text("", encoding="utf-8")
        env = {
            **os.environ,
            "SDL_VIDEODRIVER": "offscreen",
            "KIVY_HOME": str(tmp_path / "kivy"),
        }
        log = (tmp_path / "kiosk.log").open("wb")
        proc = subprocess.Popen(
            [SANAD, "kiosk", "--config", str(config), "--windowed",
             "--script", str(script), "--script-log", str(progress)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        try:
            _wait_shown(progress, proc)
            time.sleep(
                0.5
            )  # still warming up: a stop must not wait for that has written to the journal
            sent = time.monotonic()
            proc.send_signal(sig)
            rc = proc.wait(timeout=10)
            took = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
    output = (tmp_path / "kiosk.log").read_text(encoding="utf-8", errors="replace")
    assert rc == 0, output[-3000:]
    assert took < 2.0, f"took {took:.2f} s to stop"
    assert "Traceback" not in output, output[-3000:]
    journal_path = tmp_path / "data" / "journal.sqlite3"
    with sqlite3.connect(journal_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not Path(f"{journal_path}-journal").exists()  # no transaction left half-written
    Journal(journal_path).recent_faults()
