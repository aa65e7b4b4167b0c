"""`sanad demo`: a whole Sanad on one machine, for a first look and for an installer's check.

Creates (once) a demo data directory: a registry on SQLite with a generated population and
fresh keys, a kiosk device key enrolled in it, a technician PIN and the kiosk's config. Then it
starts the registry (`sanad registry serve`, its own process), the ESC/POS printer emulator
(receipts as PNG files) and the kiosk UI in a window, prints two demo citizens' national IDs
and PINs, the office app's address and its demo staff accounts (clerk, registrar, supervisor,
administrator: a password each, and the command that prints each one's current second-factor
code), and shuts everything down when the window closes or on Ctrl-C.

`--self-test` runs one scripted Arabic journey (login, birth certificate, payment, print)
through the real UI offscreen instead, prints the receipt PNG's path, and exits 0 only if the
QR on that receipt verifies against the registry's trust list.

This module only wires the packages together; each does its own work.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click

from kiosk_app.files import private_dir, write_private

__all__ = ["command"]

KIOSK_ID = "DEMO-KIOSK-1"
EPILOG = "Exit codes: 0 ok, 1 the self-test's receipt did not verify, 2 usage or set-up error."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sanad(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sanad", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise click.ClickException(f"sanad {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return done.stdout


# the office app's demo accounts: user name, role, office, names in Arabic and English
DEMO_STAFF = (
    ("amal.clerk", "clerk", "AMM", "أمل الخطيب", "Amal Al-Khatib"),
    ("omar.registrar", "registrar", "AMM", "عمر الحسن", "Omar Al-Hasan"),
    # a second registrar: corrections and one's own declarations are decided by another
    ("lina.registrar", "registrar", "AMM", "لينا الزعبي", "Lina Al-Zoubi"),
    ("huda.supervisor", "supervisor", None, "هدى النابلسي", "Huda Al-Nabulsi"),
    ("sami.admin", "administrator", None, "سامي العلي", "Sami Al-Ali"),
)


@dataclass
class DemoData:
    root: Path

    @property
    def registry(self) -> Path:
        return self.root / "registry"

    @property
    def kiosk(self) -> Path:
        return self.root / "kiosk"

    @property
    def receipts(self) -> Path:
        return self.root / "receipts"

    @property
    def config(self) -> Path:
        return self.kiosk / "kiosk.toml"

    @property
    def tech_pin_file(self) -> Path:
        return self.kiosk / "technician-pin.txt"

    def create(self, population: int) -> None:
        """Registry, kiosk key and enrolment, technician PIN; skipped when already there."""
        from kiosk_app.effects import hash_technician_pin
        from verifier.keys import SigningKey, save_public_key, save_signing_key

        if (self.registry / "demo-citizens.csv").exists() and self.tech_pin_file.exists():
            return
        click.echo(f"creating the demo data directory {self.root} ...", err=True)
        _sanad("registry", "init", "--data", str(self.registry), "--demo", str(population),
               "--seed", "1", "--json")  # fmt: skip
        private_dir(self.kiosk)
        key = SigningKey.generate()
        save_signing_key(key, self.kiosk / "kiosk.key.jwk")
        save_public_key(key.public, self.kiosk / "kiosk.pub.jwk")
        _sanad("registry", "kiosk", "enroll", "--data", str(self.registry), "--id", KIOSK_ID,
               "--public-key", str(self.kiosk / "kiosk.pub.jwk"))  # fmt: skip
        pin = f"{secrets.randbelow(10**6):06d}"
        write_private(self.tech_pin_file, pin + "\n")
        write_private(self.kiosk / "technician-pin.hash", hash_technician_pin(pin))

    @property
    def staff_file(self) -> Path:
        return self.registry / "demo-staff.json"

    def ensure_staff(self) -> list[dict[str, str]]:
        """The office app's demo accounts (created once; a password is shown only once, so
        they are kept, owner-only, beside the demo citizens)."""
        if self.staff_file.exists():
            staff: list[dict[str, str]] = json.loads(self.staff_file.read_text(encoding="utf-8"))
            return staff
        made = []
        for username, role, office, name_ar, name_en in DEMO_STAFF:
            where = ["--office", office] if office else []
            answer = _sanad("registry", "staff", "add", username, "--data", str(self.registry),
                            "--role", role, *where, "--name-ar", name_ar, "--name-en", name_en,
                            "--demo", "--json")  # fmt: skip
            made.append({k: v for k, v in json.loads(answer).items() if k != "totp_uri"})
        write_private(self.staff_file, json.dumps(made, ensure_ascii=False, indent=1) + "\n")
        return made

    def write_config(self, registry_url: str, printer_url: str) -> None:
        pin_hash = (self.kiosk / "technician-pin.hash").read_text(encoding="ascii").strip()
        write_private(
            self.config,
            f"""# written by `sanad demo`
[kiosk]
id = "{KIOSK_ID}"
key = "kiosk.key.jwk"
data_dir = "state"
technician_pin_hash = "{pin_hash}"
[registry]
url = "{registry_url}"
root_key = "{self.registry / "root-public.jwk"}"
[printer]
url = "{printer_url}"
width = 576
[ui]
fullscreen = false
[documents]
verifier_url = "https://verify.sanad.example"
[heartbeat]
interval = 30
""",
        )

    def citizens(self) -> list[dict[str, str]]:
        with (self.registry / "demo-citizens.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        first = next(r for r in rows if "deceased" not in r["facts"])
        second = next(
            (r for r in rows if "deceased_parent" in r["facts"] and r is not first), rows[1]
        )
        today = dt.date.today()

        def could_be_a_mother(r: dict[str, str]) -> bool:
            facts = r["facts"].split()
            age = (today - dt.date.fromisoformat(r["date_of_birth"])).days // 365
            return (
                r["sex"] == "F"
                and "married" in facts
                and "divorced" not in facts
                and (20 <= age <= 42)
            )

        mother = next((r for r in rows if could_be_a_mother(r) and r not in (first, second)), None)
        # the third: a married woman, to declare a birth for at the office and print at the kiosk
        return [first, second] + ([{**mother, "note": "mother"}] if mother else [])


@contextlib.contextmanager
def _registry_process(data: DemoData, port: int) -> Iterator[str]:
    import httpx

    log = (data.root / "registry.log").open("a")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sanad", "registry", "serve", "--data", str(data.registry),
         "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None:
                raise click.ClickException(f"the registry did not start; see {log.name}")
            if time.monotonic() > deadline:
                raise click.ClickException("the registry did not answer within 30 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _self_test(data: DemoData) -> int:
    from sanad.kiosk_scenarios import run_scenario
    from verifier.keys import load_public_key
    from verifier.qr import decode_image
    from verifier.trust import load_trust_list
    from verifier.verify import verify

    citizen = data.citizens()[0]
    before = set(data.receipts.glob("*.png"))
    result = run_scenario(
        data.config,
        "birth_ar",
        {"national_id": citizen["national_id"], "pin": citizen["pin"]},
        data.root / "self-test-screens",
    )
    new = sorted(set(data.receipts.glob("*.png")) - before, key=lambda p: p.stat().st_mtime)
    if not result["ok"] or not new:
        click.echo(f"self-test failed: {result['error'] or 'no receipt was printed'}", err=True)
        return 1
    receipt = new[-1]
    click.echo(str(receipt))
    trust = load_trust_list(
        (data.registry / "trust-list.cose").read_bytes(),
        [load_public_key(data.registry / "root-public.jwk")],
    )
    texts = decode_image(receipt)
    verdicts = [verify(t, trust) for t in texts]
    if len(verdicts) == 1 and verdicts[0].valid:
        click.echo(f"VALID: serial {verdicts[0].claims.serial if verdicts[0].claims else '?'}")
        return 0
    reason = verdicts[0].reason if verdicts else "no QR code found on the receipt"
    click.echo(f"NOT VALID: {reason}", err=True)
    return 1


def _has_display() -> bool:
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"))


@click.command(epilog=EPILOG)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Demo data directory (default: the platform's data dir, sanad/demo).",
)
@click.option("--self-test", is_flag=True, help="Run one Arabic journey offscreen and verify it.")
@click.option("--population", type=click.IntRange(50, 100_000), default=400, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the demo citizens as JSON.")
def command(data_dir: Path | None, self_test: bool, population: int, as_json: bool) -> None:
    """Run a registry, a printer emulator and the kiosk together on this machine."""
    import platformdirs

    from hardware.emulator.server import Emulator

    data = DemoData(data_dir or Path(platformdirs.user_data_dir("sanad")) / "demo")
    private_dir(data.root)
    data.create(population)
    staff = data.ensure_staff()
    private_dir(data.receipts)
    status = 0
    with _registry_process(data, _free_port()) as url, Emulator(data.receipts, 576) as printer:
        data.write_config(url, printer.url)
        citizens = data.citizens()
        tech_pin = data.tech_pin_file.read_text(encoding="ascii").strip()
        script = Path(sys.executable).parent / "sanad"
        sanad = str(script) if script.exists() else f"{sys.executable} -m sanad"
        totp = f"{sanad} registry staff totp USER --data {data.registry}"
        if as_json:
            info = {
                "registry": url,
                "printer": printer.url,
                "receipts": str(data.receipts),
                "citizens": citizens,
                "technician_pin": tech_pin,
                "office": f"{url}/office/",
                "staff": staff,
                "totp_command": totp,
            }
            click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        else:
            click.echo(f"registry  {url}\nprinter   {printer.url} (receipts in {data.receipts})")
            for c in citizens:
                note = (
                    "  (married: declare a birth with her as the mother)" if c.get("note") else ""
                )
                click.echo(f"citizen   {c['national_id']}  PIN {c['pin']}  {c['name_latin']}{note}")
            click.echo(f"technician PIN {tech_pin} (tap the top-left corner 5 times)")
            click.echo(f"office    {url}/office/  (sign in with a password and a code)")
            for m in staff:
                click.echo(
                    f"staff     {m['username']:<16} {m['role']:<14} password {m['password']}"
                )
            click.echo(f"          each one's current code: {totp.replace('USER', 'USERNAME')}")
        if not self_test and not _has_display():
            click.echo(
                "No display found (DISPLAY, WAYLAND_DISPLAY and SDL_VIDEODRIVER are unset): "
                "running the self-test journey offscreen instead of opening the kiosk window."
            )
            self_test = True
        if self_test:
            status = _self_test(data)
        else:
            from kiosk_app.cli import run_kiosk
            from kiosk_app.config import load_config

            os.environ.setdefault("KIVY_NO_ARGS", "1")
            try:
                status = run_kiosk(load_config(data.config), fullscreen=False)
            except KeyboardInterrupt:
                status = 0
    sys.exit(status)
