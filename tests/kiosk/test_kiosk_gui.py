"""The real Kivy app, offscreen, driven by simulated touches against a real registry process
and the ESC/POS emulator: complete journeys, their receipts decoded and verified.

Each journey runs in its own process (Kivy has one window per process) through
`sanad.kiosk_scenarios`; screenshots land in the test's temporary directory.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from kiosk_support import TECH_PIN, closed_port

from hardware.emulator.server import Emulator
from kiosk_app.effects import hash_technician_pin
from kiosk_app.journal import JobState, Journal
from registry.config import DataDir
from tests.support.staff_tokens import admin_bearer
from verifier.keys import SigningKey, load_public_key, save_public_key, save_signing_key
from verifier.qr import decode_image
from verifier.trust import TrustList, load_trust_list
from verifier.verify import Status, verify

pytestmark = [pytest.mark.gui, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SANAD = str(Path(sys.executable).with_name("sanad"))
KIOSK_ID = "KSK-GUI-1"


@dataclass
class Registry:
    url: str
    data: Path
    key: Path
    citizens: list[dict[str, str]]

    def citizen(self, *facts: str, exclude: tuple[str, ...] = ()) -> dict[str, str]:
        for row in self.citizens:
            have = row["facts"].split()
            if all(f in have for f in facts) and not any(f in have for f in exclude):
                return row
        raise LookupError(f"no demo citizen with {facts}")

    def trust(self) -> TrustList:
        return load_trust_list(
            (self.data / "trust-list.cose").read_bytes(),
            [load_public_key(self.data / "root-public.jwk")],
        )

    def verifies(self, png: Path) -> bool:
        texts = decode_image(png)
        return len(texts) == 1 and verify(texts[0], self.trust()).valid

    def assert_specimen(self, outcome: dict[str, Any]) -> None:
        """One preview image was shown, and it can never pass for a document."""
        (kept,) = outcome["previews"]
        (text,) = decode_image(Path(kept))  # the QR on the screen can be scanned ...
        verdict = verify(text, self.trust())
        assert not verdict.valid  # ... and says at once it is no document
        assert verdict.status is Status.UNKNOWN_SIGNER


def _sanad(*args: str) -> str:
    done = subprocess.run([SANAD, *args], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    base = tmp_path_factory.mktemp("registry")
    data = base / "data"
    _sanad("registry", "init", "--data", str(data), "--demo", "300", "--seed", "11", "--json")
    key = SigningKey.generate()
    save_signing_key(key, base / "kiosk.key.jwk")
    save_public_key(key.public, base / "kiosk.pub.jwk")
    _sanad("registry", "kiosk", "enroll", "--data", str(data), "--id", KIOSK_ID,
           "--public-key", str(base / "kiosk.pub.jwk"))  # fmt: skip
    port = closed_port()
    log = (base / "registry.log").open("w")
    proc = subprocess.Popen(
        [SANAD, "registry", "serve", "--data", str(data), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, "the registry process died"
        assert time.monotonic() < deadline, "the registry did not come up"
        time.sleep(0.2)
    with (data / "demo-citizens.csv").open(encoding="utf-8", newline="") as f:
        citizens = list(csv.DictReader(f))
    yield Registry(url, data, base / "kiosk.key.jwk", citizens)
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(tmp_path / "receipts", width_dots=576, control="127.0.0.1:0") as emu:
        yield emu


def kiosk_config(
    tmp_path: Path, registry: Registry, printer: Emulator, *, registry_url: str | None = None
) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f"""
[kiosk]
id = "{KIOSK_ID}"
key = "{registry.key}"
data_dir = "{tmp_path / "kiosk-data"}"
technician_pin_hash = "{hash_technician_pin(TECH_PIN)}"
[registry]
url = "{registry_url or registry.url}"
root_key = "{registry.data / "root-public.jwk"}"
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


def run_journey(tmp_path: Path, config: Path, scenario: str, **params: Any) -> dict[str, Any]:
    result = tmp_path / "result.json"
    env = dict(os.environ, KIVY_HOME=str(tmp_path / "kivy-home"))
    done = subprocess.run(
        [sys.executable, "-m", "sanad.kiosk_scenarios", "--config", str(config),
         "--scenario", scenario, "--params", json.dumps(params),
         "--shots", str(tmp_path / "shots"), "--result", str(result)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=280, check=False,
    )  # fmt: skip
    assert result.exists(), done.stderr[-3000:]
    outcome: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    assert outcome["ok"], (outcome["error"], done.stderr[-3000:])
    return outcome


def test_arabic_citizen_gets_a_birth_certificate_that_verifies(
    tmp_path: Path, registry: Registry, printer: Emulator
) -> None:
    citizen = registry.citizen(exclude=("deceased",))
    outcome = run_journey(
        tmp_path, kiosk_config(tmp_path, registry, printer), "birth_ar",
        national_id=citizen["national_id"], pin=citizen["pin"],
    )  # fmt: skip
    assert outcome["state"] == "attract"
    (serial,) = outcome["serials"]
    (receipt,) = printer.wait_for_receipts(1)
    assert receipt.complete
    assert registry.verifies(receipt.path)
    journal = Journal(tmp_path / "kiosk-data" / "journal.sqlite3")
    (job,) = journal.jobs()
    assert (job.serial, job.state) == (serial, JobState.PRINTED)
    assert {"attract.png", "choose.png", "preview.png", "payment.png", "after-print.png"} <= {
        p.name for p in (tmp_path / "shots").iterdir()
    }
    registry.assert_specimen(outcome)
    assert not list((tmp_path / "kiosk-data" / "previews").glob("*.png"))  # wiped with the session


def test_english_death_certificate_for_a_parent(
    tmp_path: Path, registry: Registry, printer: Emulator
) -> None:
    citizen = registry.citizen("deceased_parent")
    outcome = run_journey(
        tmp_path, kiosk_config(tmp_path, registry, printer), "death_parent_en",
        national_id=citizen["national_id"], pin=citizen["pin"],
    )  # fmt: skip
    assert len(outcome["serials"]) == 1
    registry.assert_specimen(outcome)
    (receipt,) = printer.wait_for_receipts(1)
    assert registry.verifies(receipt.path)
    text = decode_image(receipt.path)[0]
    trust = load_trust_list(
        (registry.data / "trust-list.cose").read_bytes(),
        [load_public_key(registry.data / "root-public.jwk")],
    )
    claims = verify(text, trust).claims
    assert claims is not None
    assert int(claims.document.type) == 2  # a death certificate
    assert claims.serial == outcome["serials"][0]


def test_wrong_pin_then_right(tmp_path: Path, registry: Registry, printer: Emulator) -> None:
    citizen = registry.citizen("married")
    outcome = run_journey(
        tmp_path, kiosk_config(tmp_path, registry, printer), "wrong_pin_then_right",
        national_id=citizen["national_id"], pin=citizen["pin"],
    )  # fmt: skip
    assert outcome["state"] == "attract"
    assert printer.receipts() == []


def test_paper_runs_out_mid_print_then_the_technician_reprints(
    tmp_path: Path, registry: Registry, printer: Emulator
) -> None:
    citizen = registry.citizen("employed")
    assert printer.control_address is not None
    host, port = printer.control_address
    run_journey(
        tmp_path, kiosk_config(tmp_path, registry, printer), "print_fails_then_reprint",
        national_id=citizen["national_id"], pin=citizen["pin"], tech_pin=TECH_PIN,
        emulator_control=f"{host}:{port}",
    )  # fmt: skip
    receipts = printer.wait_for_receipts(2)
    assert not receipts[0].complete  # the paper ran out under it
    assert receipts[-1].complete
    assert registry.verifies(receipts[-1].path)
    journal = Journal(tmp_path / "kiosk-data" / "journal.sqlite3")
    (job,) = journal.jobs()
    assert (job.state, job.attempts) == (JobState.PRINTED, 2)
    faults = [code for _, code, _ in journal.recent_faults()]
    assert "print_failed" in faults


def test_registry_down_is_told_and_nothing_prints(
    tmp_path: Path, registry: Registry, printer: Emulator
) -> None:
    citizen = registry.citizen()
    config = kiosk_config(
        tmp_path, registry, printer, registry_url=f"http://127.0.0.1:{closed_port()}"
    )
    outcome = run_journey(
        tmp_path, config, "registry_down", national_id=citizen["national_id"], pin=citizen["pin"]
    )
    assert outcome["state"] == "attract"
    assert printer.receipts() == []
    assert (tmp_path / "shots" / "registry-down.png").exists()


def test_escape_and_close_requests_do_not_end_the_kiosk(
    tmp_path: Path, registry: Registry, printer: Emulator
) -> None:
    outcome = run_journey(tmp_path, kiosk_config(tmp_path, registry, printer), "attract_only")
    assert [label for label, _ in outcome["timings"]] == ["cold start", "escape", "still up"]
    assert outcome["cold_start_seconds"] < 10


def test_heartbeat_reaches_the_fleet_page_with_printer_state_and_backlog(
    tmp_path: Path, registry: Registry, printer: Emulator
) -> None:
    import queue

    from hardware.emulator.machine import EmulatorState
    from kiosk_app import session as ks
    from kiosk_app.config import load_config
    from kiosk_app.wiring import APP_VERSION, KioskServices

    events: queue.Queue[ks.Event] = queue.Queue()
    config = load_config(kiosk_config(tmp_path, registry, printer), environ={})
    services = KioskServices.start(config, events.put, background=False)
    try:
        services.journal.add("B26-TEST-1", "SN1D:NOT-A-REAL-ONE", "ar")  # one job not printed
        printer.set_state(EmulatorState.PAPER_OUT)
        assert services.runner.heartbeat(APP_VERSION) is ks.PrinterState.PAPER_OUT
    finally:
        services.stop()
    changed = events.get(timeout=5)
    assert changed == ks.PrinterStatusChanged(ks.PrinterState.PAPER_OUT)
    token = admin_bearer(DataDir(registry.data), registry.url)
    fleet = httpx.get(
        f"{registry.url}/api/v1/office/fleet",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()
    (mine,) = [k for k in fleet["kiosks"] if k["id"] == KIOSK_ID]
    assert (mine["printer"], mine["paper"], mine["journal_backlog"]) == ("error", "out", 1)
    assert mine["app_version"] == APP_VERSION
    assert mine["attention"]  # paper out: a technician must visit


def test_scanned_card_reaches_the_session_through_a_real_serial_port(
    tmp_path: Path, registry: Registry, printer: Emulator
) -> None:
    import queue
    import tty

    from kiosk_app import session as ks
    from kiosk_app.config import load_config
    from kiosk_app.wiring import KioskServices

    master, slave = os.openpty()
    tty.setraw(slave)
    events: queue.Queue[ks.Event] = queue.Queue()
    config = load_config(
        kiosk_config(tmp_path, registry, printer),
        environ={"SANAD_KIOSK_SCANNER__PORT": os.ttyname(slave)},
    )
    services = KioskServices.start(config, events.put, background=False)
    try:
        time.sleep(0.5)  # the scanner thread opens the port
        os.write(master, b"PCH095119\r\n")
        assert events.get(timeout=5) == ks.CardScanned("PCH095119")
        services.runner.run([ks.CheckScanner(1)])
        done = events.get(timeout=5)
        assert done == ks.TechnicianActionDone(1, True, "scanner connected")
    finally:
        services.stop()
        os.close(master)
        os.close(slave)
