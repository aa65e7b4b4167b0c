"""The commands as a person runs them: `sanad sim smsc` as a process with faults from its flags
and its control endpoint, `sanad registry sms work --once` and `status`, and the `[sms]`
configuration with its environment overrides and refusals."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from registry.config import DataDir, default_config_text, load_settings
from registry.db import Database
from registry.errors import ConfigError
from registry.sms import outbox, worker
from registry.sms.gateway import GatewayUnavailable
from registry.sms.smpp import SmppGateway
from tests.sms.conftest import NUMBER
from tests.support.servers import SANAD, SanadServer, free_port


@pytest.fixture(autouse=True)
def _no_registry_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SANAD_REGISTRY_") or name == worker.PASSWORD_ENV:
            monkeypatch.delenv(name)


def test_the_simulator_process_takes_faults_from_flags_and_its_control_port(
    tmp_path: Path,
) -> None:
    port, control = free_port(), free_port()
    log = tmp_path / "smsc.jsonl"
    args = ("sim", "smsc", "--port", str(port), "--control-port", str(control))
    with SanadServer(*args, "--bind-refused", "--log", str(log), ready_line="SMSC"):
        gateway = SmppGateway("127.0.0.1", port, system_id="s", password="p", timeout=3)
        with pytest.raises(GatewayUnavailable, match="0x0000000d"):
            gateway.open()
        base = f"http://127.0.0.1:{control}"
        faults = httpx.post(f"{base}/faults", json={"bind_refused": False}).json()
        assert faults["bind_refused"] is False
        assert httpx.post(f"{base}/faults", json={"melt": True}).status_code == 400
        with gateway:
            gateway.send(NUMBER, "رمز دخول سند: 123456")
        got = httpx.get(f"{base}/messages", params={"to": NUMBER}).json()["messages"]
        assert [m["text"] for m in got] == ["رمز دخول سند: 123456"]
        assert json.loads(log.read_text(encoding="utf-8").splitlines()[-1])["to"] == NUMBER
        assert httpx.get(f"{base}/status").json()["binds"] == 1


def test_work_once_and_status_from_the_command_line(tmp_path: Path) -> None:
    port, control = free_port(), free_port()
    data = tmp_path / "data"
    DataDir(data).ensure()
    (data / "keys" / "smsc-password").write_text("s3cret\n", encoding="utf-8")
    os.chmod(data / "keys" / "smsc-password", 0o600)
    (data / "registry.toml").write_text(
        f'[sms]\nport = {port}\npassword_file = "keys/smsc-password"\n'
        'quiet_start = "00:00"\nquiet_end = "00:00"\nidle_seconds = 0.5\n',
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    db = Database(url, pool_size=1)
    db.migrate()
    with db.session() as s:
        outbox.enqueue(
            s,
            to=NUMBER,
            template="otp",
            language="en",
            values={"code": "777123", "minutes": "5"},
            now=dt.datetime.now(dt.UTC),
        )
    db.dispose()
    common = ("--data", str(data), "--db", url)
    env = {**os.environ, "SANAD_REGISTRY_SMS__RETRY_BASE_SECONDS": "0"}

    def run(*a: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SANAD, "registry", "sms", *a, *common],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )

    down = run("work", "--once")
    assert down.returncode == 0 and "gateway unavailable" in down.stdout
    assert "777123" not in down.stdout + down.stderr and NUMBER not in down.stdout + down.stderr
    assert json.loads(run("status", "--json").stdout) == {"queued": 1}
    with SanadServer(
        "sim", "smsc", "--port", str(port), "--control-port", str(control), ready_line="SMSC"
    ):
        done = run("work", "--once")
        assert "sent 1" in done.stdout and "receipts 1" in done.stdout, done.stdout + done.stderr
        got = httpx.get(f"http://127.0.0.1:{control}/messages").json()["messages"]
        assert [m["text"].split("\n")[0] for m in got] == ["Sanad sign-in code: 777123"]
    assert json.loads(run("status", "--json").stdout) == {"delivered": 1}


def test_sms_settings_come_from_the_file_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = DataDir(tmp_path / "data")
    data.ensure()
    data.config_path.write_text(default_config_text(), encoding="utf-8")
    sms = load_settings(data).sms
    assert (sms.gateway, sms.port, sms.time_zone) == ("smpp", 2775, "Asia/Amman")
    monkeypatch.setenv("SANAD_REGISTRY_SMS__QUIET_START", "22:30")
    monkeypatch.setenv("SANAD_REGISTRY_SMS__GATEWAY", "none")
    sms = load_settings(data).sms
    assert (sms.quiet_start, sms.gateway) == ("22:30", "none")
    assert worker.gateway_from_config(data, sms) is None
    policy = outbox.Policy.from_config(sms)
    assert policy.quiet_start == dt.time(22, 30) and str(policy.zone) == "Asia/Amman"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[sms]\ntime_zone = "Mars/Olympus"\n', "unknown time zone"),
        ('[sms]\nquiet_start = "25:00"\n', "quiet_start"),
        ('[sms]\ngateway = "http"\n', "http_url"),
        ('[sms]\npassword = "x"\n', "unknown key"),
    ],
)
def test_bad_sms_settings_are_refused_naming_them(tmp_path: Path, text: str, named: str) -> None:
    data = DataDir(tmp_path / "data")
    data.ensure()
    data.config_path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=named):
        load_settings(data)


def test_a_password_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "data")
    data.ensure()
    (data.root / "pw").write_text("x", encoding="utf-8")
    os.chmod(data.root / "pw", 0o644)
    data.config_path.write_text('[sms]\npassword_file = "pw"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="chmod 600"):
        worker.gateway_from_config(data, load_settings(data).sms)
