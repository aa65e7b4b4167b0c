"""The system tests' harness: every part of Sanad as its own OS process, and ways to drive them.

`RegistryProc` (`sanad registry serve` on a PostgreSQL database), `VerifierProc`
(`sanad verify serve` on the registry's trust list URL), `PrinterProc` (`sanad hw emulate
--control`), `KioskProc` (`sanad kiosk --script`, a real Kivy window offscreen, driven by
appending JSON steps to its script file, see kiosk_app/ui/script.py) and `CutProxy` (a TCP
proxy that can swallow the answer to one issuance). Every wait is for a condition and bounded;
`stop()` kills a process and is safe to call twice (fixtures call it in teardown).

(A unique module name: tests/ has no packages per area.)
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from kiosk_app.effects import hash_technician_pin
from registry.config import DataDir
from tests.support.staff_tokens import admin_bearer
from verifier.keys import SigningKey, save_public_key, save_signing_key

SANAD = str(Path(sys.executable).with_name("sanad"))
ROOT = Path(__file__).resolve().parents[2]
TECH_PIN = "24680"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CENTRE_AR = "مركز خدمة المواطن - عمّان"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.05
) -> Any:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def sanad(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [SANAD, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check:
        assert done.returncode == 0, f"sanad {' '.join(args[:3])}: {done.stderr[-2000:]}"
    return done


class Proc:
    """A child process with its output in a log file; killed (group and all) by `stop`."""

    def __init__(self, name: str, log: Path) -> None:
        self.name = name
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def spawn(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=ROOT,
                start_new_session=True,
            )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL, as a power cut or the OOM killer would: no clean-up runs."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=8)
        self.kill()

    def tail(self, n: int = 3000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-n:]
        except OSError:
            return ""


# -- registry ----------------------------------------------------------------------------------


@dataclass
class RegistryProc:
    data: Path
    db_url: str
    port: int
    log: Path
    env: dict[str, str] = field(default_factory=dict)  # e.g. SANAD_REGISTRY_SMS__PORT
    proc: Proc = field(init=False)
    _staff_token: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.proc = Proc("registry", self.log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def trust_url(self) -> str:
        return f"{self.url}/api/v1/trust-list"

    def staff_token(self) -> str:
        """A staff administrator's bearer token (created in the data directory's database)."""
        if self._staff_token is None:
            self._staff_token = admin_bearer(
                DataDir(self.data), self.url, database_url=self.db_url or None
            )
        return self._staff_token

    def admin(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """A `sanad registry ...` back-office command on this registry's data directory."""
        return sanad("registry", *args, "--data", str(self.data), check=check)

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def start(self) -> None:
        self.proc.spawn(
            [SANAD, "registry", "serve", "--data", str(self.data), "--port", str(self.port)],
            env={**os.environ, **self.env} if self.env else None,
        )

        def up() -> bool:
            assert self.proc.alive, f"the registry died:\n{self.proc.tail()}"
            return self.healthy()

        wait_for(up, 60, "the registry to answer /api/v1/health")

    def stop(self) -> None:
        self.proc.stop()

    def kill(self) -> None:
        self.proc.kill()

    def get_admin(self, path: str) -> httpx.Response:
        return httpx.get(
            f"{self.url}{path}",
            headers={"Authorization": f"Bearer {self.staff_token()}"},
            timeout=10,
        )


# -- verifier ----------------------------------------------------------------------------------


@dataclass
class VerifierProc:
    root_key: Path
    trust_url: str
    cache_dir: Path
    port: int
    log: Path
    refresh: float = 1.0
    proc: Proc = field(init=False)

    def __post_init__(self) -> None:
        self.proc = Proc("verifier", self.log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc.spawn(
            [SANAD, "verify", "serve", "--root-key", str(self.root_key),
             "--trust-url", self.trust_url, "--cache-dir", str(self.cache_dir),
             "--refresh", str(self.refresh), "--port", str(self.port), "--rate-limit", "0",
             "--status-url", self.trust_url.removesuffix("/api/v1/trust-list")]
        )  # fmt: skip

        def ready() -> bool:
            assert self.proc.alive, f"the verifier died:\n{self.proc.tail()}"
            try:
                return httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(ready, 60, "the verifier to be ready")

    def stop(self) -> None:
        self.proc.stop()

    def status(self) -> dict[str, Any]:
        answer = httpx.get(f"{self.url}/api/v1/trust-list/status", timeout=5)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def wait_sequence(self, at_least: int, timeout: float = 30) -> dict[str, Any]:
        """Wait until the verifier's refresh has picked up trust list `at_least`."""

        def held() -> dict[str, Any] | None:
            status = self.status()
            return status if status.get("sequence", 0) >= at_least else None

        return wait_for(  # type: ignore[no-any-return]
            held,
            timeout,
            f"the verifier to hold trust list {at_least}",
            interval=0.2,
        )

    def verify(self, qr_text: str, *, online: bool = False) -> dict[str, Any]:
        """The verifier's verdict; `online` asks the registry for the document's status too."""
        answer = httpx.post(
            f"{self.url}/api/v1/verify", json={"qr_text": qr_text, "online": online}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def verify_image(self, png: Path) -> dict[str, Any]:
        answer = httpx.post(
            f"{self.url}/api/v1/verify-image",
            files={"image": (png.name, png.read_bytes(), "image/png")},
            timeout=20,
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


def trust_sequence(registry: RegistryProc) -> int:
    answer = httpx.get(registry.trust_url, timeout=5)
    assert answer.status_code == 200
    return int(answer.headers["X-Sanad-Trust-List-Sequence"])


# -- printer emulator --------------------------------------------------------------------------


class PrinterProc:
    """`sanad hw emulate` with a TCP link and a control socket, receipts as PNGs in `out`."""

    def __init__(self, out: Path, log: Path) -> None:
        self.out = out
        self.proc = Proc("printer", log)
        self.tcp = ""
        self.control_address = ""
        self._lines: queue.Queue[str] = queue.Queue()

    @property
    def url(self) -> str:
        return f"tcp://{self.tcp}"

    def start(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        log = self.proc.log.open("ab")
        self.proc.proc = subprocess.Popen(
            [SANAD, "hw", "emulate", "--tcp", "127.0.0.1:0", "--control", "127.0.0.1:0",
             "--width", "576", "--out", str(self.out)],
            stdout=subprocess.PIPE, stderr=log, cwd=ROOT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        stdout = self.proc.proc.stdout
        assert stdout is not None

        def drain() -> None:
            for raw in stdout:
                self._lines.put(raw.decode("utf-8", errors="replace").strip())

        threading.Thread(target=drain, name="emulator-stdout", daemon=True).start()
        deadline = time.monotonic() + 30
        while True:
            try:
                line = self._lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("the printer emulator did not say ready") from None
            if line.startswith("tcp "):
                self.tcp = line.split()[1]
            elif line.startswith("control "):
                self.control_address = line.split()[1]
            elif line == "ready":
                break
            assert time.monotonic() < deadline, "the printer emulator did not say ready"

    def control(self, command: str) -> str:
        from hardware.emulator.server import control

        reply = control(self.control_address, command, timeout=5)
        assert reply.startswith("ok"), reply
        return reply[2:].strip()

    def receipts(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = json.loads(self.control("receipts"))
        return listed

    def wait_receipts(self, count: int, timeout: float = 30) -> list[dict[str, Any]]:
        def enough() -> list[dict[str, Any]] | None:
            found = self.receipts()
            return found if len(found) >= count else None

        return wait_for(  # type: ignore[no-any-return]
            enough,
            timeout,
            f"{count} receipt(s) at the printer",
            interval=0.1,
        )

    def stop(self) -> None:
        proc = self.proc.proc
        self.proc.stop()
        if proc is not None and proc.stdout is not None:
            with contextlib.suppress(OSError):
                proc.stdout.close()


# -- kiosk -------------------------------------------------------------------------------------


class StepFailed(AssertionError):
    pass


class KioskProc:
    """A kiosk process (real Kivy window, offscreen) that follows an appendable script."""

    def __init__(self, kiosk_id: str, base: Path, config: Path) -> None:
        self.kiosk_id = kiosk_id
        self.base = base
        self.config = config
        self.script = base / "script.jsonl"
        self.progress = base / "progress" / "progress.jsonl"
        self.proc = Proc(f"kiosk {kiosk_id}", base / "kiosk.log")
        self._sent = 0
        self._read = 0
        self._records: list[dict[str, Any]] = []

    def start(self) -> None:
        """Start (or restart) the process with a fresh script and wait for the attract screen."""
        self.script.write_text("", encoding="utf-8")
        self.progress.parent.mkdir(parents=True, exist_ok=True)
        self.progress.write_text("", encoding="utf-8")
        self._sent = self._read = 0
        self._records = []
        env = dict(
            os.environ,
            SDL_VIDEODRIVER="offscreen",
            KIVY_HOME=str(self.base / "kivy-home"),
            KIVY_NO_ARGS="1",
            KIVY_NO_CONSOLELOG="1",
            KIVY_NO_FILELOG="1",
            KCFG_GRAPHICS_WIDTH="1280",
            KCFG_GRAPHICS_HEIGHT="800",
            KCFG_GRAPHICS_RESIZABLE="0",
        )
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        self.proc.spawn(
            [SANAD, "kiosk", "--config", str(self.config), "--windowed",
             "--script", str(self.script), "--script-log", str(self.progress)],
            env=env,
        )  # fmt: skip
        self.wait_shown("attract", timeout=90)

    def records(self) -> list[dict[str, Any]]:
        try:
            with self.progress.open("rb") as f:
                f.seek(self._read)
                chunk = f.read()
        except FileNotFoundError:
            return self._records
        end = chunk.rfind(b"\n")
        if end >= 0:
            self._read += end + 1
            for line in chunk[: end + 1].decode("utf-8").splitlines():
                if line.strip():
                    self._records.append(json.loads(line))
        return self._records

    def wait_shown(self, state: str, timeout: float = 60) -> dict[str, Any]:
        def shown() -> dict[str, Any] | None:
            assert self.proc.alive, f"{self.proc.name} died:\n{self.proc.tail()}"
            found = [r for r in self.records() if r["kind"] == "shown" and r["state"] == state]
            return found[-1] if found else None

        return wait_for(shown, timeout, f"{self.kiosk_id} to show {state}")  # type: ignore[no-any-return]

    def send(self, *steps: dict[str, Any]) -> list[int]:
        """Append steps to the script; return their indexes."""
        indexes = []
        with self.script.open("a", encoding="utf-8") as f:
            for step in steps:
                f.write(json.dumps(step, ensure_ascii=False) + "\n")
                indexes.append(self._sent)
                self._sent += 1
        return indexes

    def wait_step(self, index: int, timeout: float = 120) -> dict[str, Any]:
        def done() -> dict[str, Any] | None:
            for r in self.records():
                if r.get("index") == index and r["kind"] in ("step", "error"):
                    if r["kind"] == "error":
                        raise StepFailed(f"{self.kiosk_id} step {index} failed: {r}")
                    return r
                if r["kind"] == "error" and r.get("index", -1) < index:
                    raise StepFailed(f"{self.kiosk_id} an earlier step failed: {r}")
            assert self.proc.alive, f"{self.proc.name} died:\n{self.proc.tail()}"
            return None

        return wait_for(done, timeout, f"{self.kiosk_id} step {index}")  # type: ignore[no-any-return]

    def run(self, *steps: dict[str, Any], timeout: float = 180) -> dict[str, Any]:
        """Send steps and wait for the last one; return its record."""
        indexes = self.send(*steps)
        return self.wait_step(indexes[-1], timeout)

    def report(self) -> dict[str, Any]:
        (index,) = self.send({"do": "report", "label": "report"})
        self.wait_step(index, 30)
        return next(r for r in self.records() if r["kind"] == "report" and r["index"] == index)

    def shown_states(self) -> list[str]:
        return [r["state"] for r in self.records() if r["kind"] == "shown"]

    def stop(self) -> None:
        self.proc.stop()

    def kill(self) -> None:
        self.proc.kill()


FINISH = {"label": "finish", "do": "tap_key", "key": "button.finish", "until": ["attract"]}
# leave from the choice of documents: the top bar's cancel, confirmed in the question it asks
SIGN_OUT = (
    {"label": "cancel", "do": "tap_key", "key": "button.cancel"},
    {"label": "confirm cancel", "do": "tap_key", "key": "cancel.yes", "until": ["attract"]},
)


def login_steps(lang: str, national_id: str, pin: str) -> list[dict[str, Any]]:
    return [
        {"label": "touch attract", "do": "touch", "until": ["language"]},
        {"label": "language", "do": "language", "lang": lang, "until": ["id_entry"]},
        {"label": "type id", "do": "keys", "text": national_id},
        {"label": "id continue", "do": "tap_key", "key": "button.continue", "until": ["pin_entry"]},
        {"label": "type pin", "do": "keys", "text": pin},
        {
            "label": "pin ok",
            "do": "tap_key",
            "key": "button.ok",
            "until": ["choose_document", "refused", "service_error", "pin_entry", "locked"],
        },
    ]


def buy_steps(document_type: int, relation: str | None = None) -> list[dict[str, Any]]:
    ends = ["done", "print_failed", "service_error", "issue_failed", "refused"]
    return [
        {"label": "choose", "do": "document", "type": document_type, "relation": relation,
         "until": ["preview"]},
        {"label": "print", "do": "tap_key", "key": "button.print",
         "until": ["payment", "printer_unavailable"]},
        {"label": "pay", "do": "pay", "until": ends, "timeout": 60},
    ]  # fmt: skip


def journey(
    lang: str, citizen: dict[str, str], document_type: int, relation: str | None = None
) -> list[dict[str, Any]]:
    return [*login_steps(lang, citizen["national_id"], citizen["pin"]),
            *buy_steps(document_type, relation)]  # fmt: skip


# -- a proxy that loses one answer -------------------------------------------------------------


class CutProxy:
    """A TCP proxy in front of the registry that can swallow the answer to the next issuance.

    `arm()`; the next answer to `POST /api/v1/documents` is held (its body kept in `held`),
    `held_event` is set, and once `release` is set the client's connection is closed without
    the answer: the registry did the work, the kiosk never heard of it. Every answer to an
    issuance that does reach the kiosk is recorded in `delivered`.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.armed = False
        self.held: bytes | None = None
        self.held_event = threading.Event()
        self.release = threading.Event()
        self.delivered: list[bytes] = []
        self._closing = False
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="cut-proxy", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arm(self) -> None:
        with self._lock:
            self.armed = True

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
        except OSError:
            client.close()
            return
        client.settimeout(30)
        state: dict[str, Any] = {"issuing": False}

        def up() -> None:
            with contextlib.suppress(OSError):
                while chunk := client.recv(65536):
                    if chunk.startswith(b"POST /api/v1/documents "):
                        state["issuing"] = True
                    elif chunk[:8].split(b" ")[0] in (b"GET", b"POST", b"PUT", b"DELETE"):
                        state["issuing"] = False
                    upstream.sendall(chunk)
            with contextlib.suppress(OSError):
                upstream.shutdown(socket.SHUT_WR)

        threading.Thread(target=up, daemon=True).start()
        try:
            while chunk := self._read_answer(upstream):
                if state["issuing"]:
                    with self._lock:
                        hold = self.armed
                        self.armed = False
                    if hold:
                        self.held = chunk
                        self.held_event.set()
                        self.release.wait(60)
                        return
                    self.delivered.append(chunk)
                client.sendall(chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                client.close()
            with contextlib.suppress(OSError):
                upstream.close()

    @staticmethod
    def _read_answer(upstream: socket.socket) -> bytes:
        """One whole HTTP answer (headers and a Content-Length body), or b"" at the end."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = upstream.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = upstream.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body

    def close(self) -> None:
        self._closing = True
        self.release.set()
        with contextlib.suppress(OSError):
            self.sock.close()


def answer_json(raw: bytes) -> dict[str, Any]:
    head, _, body = raw.partition(b"\r\n\r\n")
    parsed: dict[str, Any] = json.loads(body)
    parsed["_status"] = int(head.split(b" ")[1])
    return parsed


# -- the whole system ------------------------------------------------------------------------


@dataclass
class System:
    base: Path
    registry: RegistryProc
    verifier: VerifierProc
    citizens: list[dict[str, str]]
    # what one test leaves for a later one (the acceptance run's receipts for the page test)
    artifacts: dict[str, Any] = field(default_factory=dict)
    _started: list[Any] = field(default_factory=list)

    def citizen(self, *facts: str, exclude: tuple[str, ...] = (), skip: int = 0) -> dict[str, str]:
        found = [
            row
            for row in self.citizens
            if all(f in row["facts"].split() for f in facts)
            and not any(f in row["facts"].split() for f in exclude)
        ]
        if len(found) <= skip:
            raise LookupError(f"no demo citizen with {facts}")
        return found[skip]

    def kiosk(
        self,
        kiosk_id: str,
        *,
        registry_url: str | None = None,
        office: str | None = None,
        scanner: str = "",
    ) -> tuple[KioskProc, PrinterProc]:
        """Enrol a kiosk, start its printer emulator and the kiosk process (at attract);
        `office`: the office it stands in, `scanner`: its code reader's serial device."""
        base = self.base / kiosk_id
        base.mkdir(parents=True, exist_ok=True)
        key = SigningKey.generate()
        save_signing_key(key, base / "kiosk.key.jwk")
        save_public_key(key.public, base / "kiosk.pub.jwk")
        self.registry.admin(
            "kiosk", "enroll", "--id", kiosk_id, "--public-key", str(base / "kiosk.pub.jwk"),
            "--centre-ar", CENTRE_AR, "--centre-latin", "Citizen Service Centre - Amman",
            *(("--office", office) if office else ()),
        )  # fmt: skip
        printer = PrinterProc(base / "receipts", base / "printer.log")
        self._started.append(printer)
        printer.start()
        config = base / "kiosk.toml"
        config.write_text(
            f"""
[kiosk]
id = "{kiosk_id}"
key = "{base / "kiosk.key.jwk"}"
data_dir = "{base / "state"}"
technician_pin_hash = "{_tech_hash()}"
[registry]
url = "{registry_url or self.registry.url}"
root_key = "{self.registry.data / "root-public.jwk"}"
timeout = 5
[printer]
url = "{printer.url}"
width = 576
profile = "TM-T20II"
timeout = 2.0
[timeouts]
print = 20
[ui]
fullscreen = false
[documents]
verifier_url = "{self.verifier.url}"
[heartbeat]
interval = 5
[scanner]
port = "{scanner}"
""",
            encoding="utf-8",
        )
        kiosk = KioskProc(kiosk_id, base, config)
        self._started.append(kiosk)
        kiosk.start()
        return kiosk, printer

    def stop_started(self) -> None:
        for proc in reversed(self._started):
            with contextlib.suppress(Exception):
                proc.stop()
        self._started.clear()


_HASH: dict[str, str] = {}


def _tech_hash() -> str:
    if "h" not in _HASH:
        _HASH["h"] = hash_technician_pin(TECH_PIN)
    return _HASH["h"]


@contextlib.contextmanager
def stopping(*procs: Any) -> Iterator[None]:
    """Stop every process on the way out, failures or not."""
    try:
        yield
    finally:
        for p in procs:
            with contextlib.suppress(Exception):
                p.stop()
