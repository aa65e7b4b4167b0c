"""`sanad demo`: a whole Sanad on one machine, for a first look and for an installer's check.

Creates (once) a demo data directory: a registry on SQLite with a generated population and
fresh keys, a kiosk device key enrolled in it, a technician PIN and the kiosk's config. Then it
starts, each as its own process, the SMSC simulator (`sanad sim smsc`), the mobile-money
simulator (`sanad sim pay`), the registry (`sanad registry serve`, pointed at both), its SMS
worker and payment poller, the citizen portal (`sanad portal serve`, enrolled as a channel),
then the ESC/POS printer emulator (receipts as PNG files) and the kiosk UI in a window; prints
the demo citizens' national IDs and PINs, the office app's address and its demo staff accounts
(clerk, registrar, supervisor, administrator: a password each, and the command that prints
each one's current second-factor code), the portal's address and where to read the SMS the
simulator received (the sign-in codes), and shuts everything down when the window closes or on
Ctrl-C.

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
PORTAL_ID = "PORTAL-1"
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
               "--public-key", str(self.kiosk / "kiosk.pub.jwk"), "--office", "AMM")  # fmt: skip
        pin = f"{secrets.randbelow(10**6):06d}"
        write_private(self.tech_pin_file, pin + "\n")
        write_private(self.kiosk / "technician-pin.hash", hash_technician_pin(pin))

    @property
    def portal(self) -> Path:
        return self.root / "portal"

    def ensure_portal(self) -> None:
        """The portal's keys and config, its key enrolled at the registry (once)."""
        from portal.config import PUBLIC_NAME

        enrolled = self.portal / "enrolled"
        if enrolled.exists():
            return
        if not (self.portal / "portal.toml").exists():
            _sanad("portal", "init", "--data", str(self.portal), "--id", PORTAL_ID)
        _sanad("registry", "portal", "enroll", "--data", str(self.registry), "--id", PORTAL_ID,
               "--public-key", str(self.portal / PUBLIC_NAME))  # fmt: skip
        write_private(enrolled, PORTAL_ID + "\n")

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
office = "AMM"
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
def _process(
    data: DemoData, name: str, args: list[str], health: str | None, env: dict[str, str]
) -> Iterator[None]:
    """`sanad ARGS` as its own process (log in DATA/NAME.log) until the block ends; with
    `health`, wait until that URL answers 200 first."""
    import httpx

    log = (data.root / f"{name}.log").open("a")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sanad", *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **env},
    )
    try:
        deadline = time.monotonic() + 30
        while health is not None:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(health, timeout=1).status_code == 200:
                    break
            if proc.poll() is not None:
                raise click.ClickException(f"the {name} did not start; see {log.name}")
            if time.monotonic() > deadline:
                raise click.ClickException(f"the {name} did not answer within 30 s")
            time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@dataclass(frozen=True)
class Addresses:
    registry: str
    portal: str
    smsc: str  # host:port (SMPP)
    smsc_messages: str  # the simulator's log of what it received
    payments: str


@contextlib.contextmanager
def _services(data: DemoData) -> Iterator[Addresses]:
    """The SMSC and payment simulators, the registry (pointed at them), its SMS worker and
    payment poller, and the portal: each its own process."""
    from registry.config import DataDir, PaymentsConfig
    from registry.payments import setup as payments_setup

    ports = {k: _free_port() for k in ("registry", "smsc", "control", "pay", "portal")}
    local = "http://127.0.0.1"
    registry_url = f"{local}:{ports['registry']}"
    payments_setup.ensure_secrets(DataDir(data.registry), PaymentsConfig())
    secret = data.registry / PaymentsConfig().callback_secret_file
    reg_env = {
        "SANAD_REGISTRY_SMS__PORT": str(ports["smsc"]),
        # the demo's SMS go at once, whatever the hour (quiet hours are for real operators)
        "SANAD_REGISTRY_SMS__QUIET_START": "00:00",
        "SANAD_REGISTRY_SMS__QUIET_END": "00:00",
        "SANAD_REGISTRY_SMS__RETRY_BASE_SECONDS": "2",
        "SANAD_REGISTRY_PAYMENTS__BASE_URL": f"{local}:{ports['pay']}",
        "SANAD_REGISTRY_PAYMENTS__CALLBACK_BASE_URL": registry_url,
        "SANAD_REGISTRY_PAYMENTS__POLL_INTERVAL_SECONDS": "15",
        # appointment SMS link to this machine's portal
        "SANAD_REGISTRY_BOOKINGS__PORTAL_URL": f"{local}:{ports['portal']}",
    }
    reg = ["--data", str(data.registry)]
    portal_env = {
        "SANAD_PORTAL_REGISTRY__URL": registry_url,
        "SANAD_PORTAL_PORTAL__PUBLIC_URL": f"{local}:{ports['portal']}",
    }
    with contextlib.ExitStack() as stack:
        run = stack.enter_context
        run(_process(data, "smsc", ["sim", "smsc", "--port", str(ports["smsc"]),
                                    "--control-port", str(ports["control"]),
                                    "--log", str(data.root / "smsc-messages.jsonl")],
                     f"{local}:{ports['control']}/messages", {}))  # fmt: skip
        run(_process(data, "payments-simulator", ["sim", "pay", "--port", str(ports["pay"]),
                                                  "--callback-secret-file", str(secret)],
                     f"{local}:{ports['pay']}/health", {}))  # fmt: skip
        run(_process(data, "registry", ["registry", "serve", *reg, "--port",
                                        str(ports["registry"])],
                     f"{registry_url}/api/v1/health", reg_env))  # fmt: skip
        run(_process(data, "sms-worker", ["registry", "sms", "work", *reg], None, reg_env))
        run(_process(data, "bookings-worker", ["registry", "bookings", "work", *reg], None,
                     reg_env))  # fmt: skip
        run(_process(data, "payments-poller", ["registry", "payments", "poll", *reg], None,
                     reg_env))  # fmt: skip
        run(_process(data, "portal", ["portal", "serve", "--config",
                                      str(data.portal / "portal.toml"), "--port",
                                      str(ports["portal"])],
                     f"{local}:{ports['portal']}/health", portal_env))  # fmt: skip
        yield Addresses(
            registry=registry_url,
            portal=f"{local}:{ports['portal']}/",
            smsc=f"127.0.0.1:{ports['smsc']}",
            smsc_messages=f"{local}:{ports['control']}/messages",
            payments=f"{local}:{ports['pay']}",
        )


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
    data.ensure_portal()
    staff = data.ensure_staff()
    private_dir(data.receipts)
    status = 0
    with _services(data) as at, Emulator(data.receipts, 576) as printer:
        url = at.registry
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
                "portal": at.portal,
                "smsc": at.smsc,
                "smsc_messages": at.smsc_messages,
                "payments_simulator": at.payments,
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
            click.echo(f"portal    {at.portal}  (order online: national number, PIN, SMS code)")
            click.echo(
                f"SMSC      {at.smsc}  (SMPP simulator; what it received: {at.smsc_messages})"
            )
            click.echo(f"payments  {at.payments}  (mobile-money simulator: approves every payment)")
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
