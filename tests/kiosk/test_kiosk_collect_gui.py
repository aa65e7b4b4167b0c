"""Collecting an order through the real Kivy window, offscreen: `sanad kiosk` driven by its
script follower (kiosk_app/ui/script.py) against `sanad registry serve` and the ESC/POS
emulator, the order's QR read by the ID-card scanner through a real pseudo-terminal.

A citizen ordered a birth certificate on the portal and paid; at the kiosk they tap "collect an
order", type the code and their PIN, and the receipt prints: its QR, decoded from the
emulator's PNG with zxing-cpp, verifies VALID, and the order is collected. The same order
scanned from the phone afterwards is refused as collected, and nothing more prints.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tty
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kiosk_support import order_state, paid_kiosk_order

from hardware.emulator.server import Emulator
from kiosk_app.journal import JobState, Journal
from registry.client import RegistryClient
from registry.config import DataDir
from registry.orders import codes
from tests.support.registry import (
    FAST,
    Registry,
    fast_settings_file,
    registry_process,
    template_data_dir,
)
from tests.support.servers import SanadServer
from verifier.keys import save_signing_key
from verifier.qr import decode_image
from verifier.verify import Status, verify

pytestmark = [pytest.mark.gui, pytest.mark.slow]

SANAD = str(Path(sys.executable).with_name("sanad"))
KIOSK_ID = "KSK-COLLECT-GUI"
ENDS = ["done", "print_failed", "refused", "service_error", "issue_failed", "locked", "order_pin"]


class Kiosk:
    """`sanad kiosk --script`: steps appended to a file, progress read from its log."""

    def __init__(self, base: Path, config: Path, scanner: str) -> None:
        self.script = base / "script.jsonl"
        self.progress = base / "progress" / "progress.jsonl"
        self.script.write_text("", encoding="utf-8")
        self.progress.parent.mkdir(parents=True, exist_ok=True)
        self._sent = 0
        env = dict(
            os.environ,
            SDL_VIDEODRIVER="offscreen",
            KIVY_HOME=str(base / "kivy-home"),
            KIVY_NO_ARGS="1",
            KIVY_NO_CONSOLELOG="1",
            KIVY_NO_FILELOG="1",
            KCFG_GRAPHICS_WIDTH="1280",
            KCFG_GRAPHICS_HEIGHT="800",
            SANAD_KIOSK_SCANNER__PORT=scanner,
        )
        env.pop("DISPLAY", None)
        self.log = (base / "kiosk.log").open("w")
        self.proc = subprocess.Popen(
            [SANAD, "kiosk", "--config", str(config), "--windowed",
             "--script", str(self.script), "--script-log", str(self.progress)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.base = base

    def records(self) -> list[dict[str, Any]]:
        if not self.progress.exists():
            return []
        lines = self.progress.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def wait(self, what: str, found: Any, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            got = found()
            if got:
                return got
            if self.proc.poll() is not None:
                tail = (self.base / "kiosk.log").read_text(encoding="utf-8")[-3000:]
                raise AssertionError(f"the kiosk died waiting for {what}:\n{tail}")
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.1)

    def shown(self, state: str, timeout: float = 90) -> None:
        self.wait(state, lambda: [r for r in self.records() if r.get("state") == state
                                  and r["kind"] == "shown"], timeout)  # fmt: skip

    def run(self, *steps: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
        with self.script.open("a", encoding="utf-8") as f:
            for step in steps:
                f.write(json.dumps(step, ensure_ascii=False) + "\n")
        self._sent += len(steps)
        last = self._sent - 1

        def done() -> dict[str, Any] | None:
            for r in self.records():
                if r["kind"] == "error":
                    raise AssertionError(f"step failed: {r}")
                if r["kind"] in ("step", "report") and r.get("index") == last:
                    return r
            return None

        result: dict[str, Any] = self.wait(f"step {last}", done, timeout)
        return result

    def report(self) -> dict[str, Any]:
        self.run({"do": "report", "label": "report"})
        return [r for r in self.records() if r["kind"] == "report"][-1]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def registry(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    target = tmp_path / "data"
    shutil.copytree(template_data_dir(tmp_path_factory), target)
    data = DataDir(target)
    reg = Registry(data, data.sqlite_url, FAST)
    fast_settings_file(reg)  # the server process: the cheap PIN cost the template was made with
    return reg


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(tmp_path / "receipts", width_dots=576) as emu:
        yield emu


@pytest.fixture
def scanner() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def _config(tmp: Path, registry: Registry, server: SanadServer, printer: Emulator) -> Path:
    key = registry.enroll(KIOSK_ID)
    save_signing_key(key, tmp / "kiosk.key.jwk")
    path = tmp / "kiosk.toml"
    path.write_text(
        f"""
[kiosk]
id = "{KIOSK_ID}"
key = "{tmp / "kiosk.key.jwk"}"
data_dir = "{tmp / "kiosk-data"}"
[registry]
url = "{server.url}"
root_key = "{registry.data.root_public_key_path}"
timeout = 5
[printer]
url = "{printer.url}"
width = 576
timeout = 1.0
[timeouts]
print = 20
[ui]
fullscreen = false
""",
        encoding="utf-8",
    )
    return path


def test_a_paid_order_collected_in_the_window_prints_a_receipt_that_verifies(
    tmp_path: Path, registry: Registry, printer: Emulator, scanner: tuple[int, str]
) -> None:
    citizen = next(c for c in registry.citizens() if c["phone"] and "deceased" not in c["facts"])
    portal_key = registry.enroll_portal("PORTAL-1")
    with registry_process(registry) as server:
        with RegistryClient(server.url, "PORTAL-1", portal_key, retries=0) as portal:
            code = paid_kiosk_order(registry, portal, citizen)
        kiosk = Kiosk(tmp_path, _config(tmp_path, registry, server, printer), scanner[1])
        try:
            kiosk.shown("attract")
            kiosk.run(
                {"label": "warm", "do": "none", "timeout": 5},
                {"label": "collect", "do": "collect", "until": ["language"]},
                {"label": "arabic", "do": "language", "lang": "ar", "until": ["order_entry"]},
                # typed as the SMS shows it, groups and all: the keypad has no hyphen key, so
                # the citizen types the nine characters
                {"label": "code", "do": "keys", "text": code, "until": ["order_entry"]},
                {"label": "continue", "do": "tap_key", "key": "button.continue",
                 "until": ["order_pin"]},
                {"label": "pin", "do": "keys", "text": citizen["pin"]},
                {"label": "ok", "do": "tap_key", "key": "button.ok", "until": ENDS[:-1],
                 "timeout": 90},
                {"label": "done", "do": "shot", "name": "collected"},
            )  # fmt: skip
            done = kiosk.report()
            assert done["state"] == "done", done
            serial = done["serial"]
            kiosk.run({"label": "finish", "do": "tap_key", "key": "button.finish",
                       "until": ["attract"]})  # fmt: skip
            (receipt,) = printer.wait_for_receipts(1, timeout=20)
            assert receipt.complete
            (text,) = decode_image(receipt.path)
            verdict = verify(text, registry.trust())
            assert verdict.status is Status.VALID
            assert verdict.claims is not None and verdict.claims.serial == serial
            assert order_state(registry, code) == "collected"

            # the same order again, its QR scanned from the phone: collected already
            kiosk.run(
                {"label": "collect again", "do": "collect", "until": ["language"]},
                {"label": "english", "do": "language", "lang": "en", "until": ["order_entry"]},
            )
            os.write(scanner[0], f"{codes.qr_text(code)}\r\n".encode("ascii"))
            kiosk.shown("order_pin", timeout=20)
            kiosk.run(
                {"label": "pin again", "do": "keys", "text": citizen["pin"]},
                {"label": "ok again", "do": "tap_key", "key": "button.ok", "until": ENDS,
                 "timeout": 60},
            )  # fmt: skip
            again = kiosk.report()
            assert (again["state"], again["notice_args"]) == (
                "refused",
                {"reason": "order_collected"},
            )
            kiosk.run({"label": "finish", "do": "tap_key", "key": "button.finish",
                       "until": ["attract"]})  # fmt: skip
            after = kiosk.report()
            assert not after["citizen_data"]  # the wipe left nothing of the visit
        finally:
            kiosk.stop()
    assert len(printer.receipts()) == 1
    (job,) = Journal(tmp_path / "kiosk-data" / "journal.sqlite3").jobs()
    assert (job.serial, job.state, job.held_payment) == (serial, JobState.PRINTED, None)
    assert (tmp_path / "progress" / "collected.png").exists()
