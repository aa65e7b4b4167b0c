"""``sanad hw``: exit codes, output, and the emulator as a separate process driven by control."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hwhelpers import EPSON, load_png
from PIL import Image

from hardware.cli import group
from hardware.emulator import Emulator, EmulatorState, control
from hardware.job import FailureReason, Outcome, PrintJob
from hardware.printer import open_printer
from tests.support.servers import SANAD, SanadServer


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(group, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_help_lists_exit_codes() -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert "Exit codes: 0 ok; 1 printer fault" in out
    for command in ("ports", "status", "test-print", "watch", "emulate", "scan"):
        assert command in out


def test_status_ok_is_exit_0(emulator: Emulator) -> None:
    code, out, _ = run("status", emulator.url, "--profile", EPSON)
    assert code == 0
    assert "ready" in out


def test_status_json(emulator: Emulator) -> None:
    emulator.set_state(EmulatorState.NEAR_END)
    code, out, _ = run("status", emulator.serial_url, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["ready"] is True
    assert data["paper"] == "near-end"
    assert data["warnings"] == ["paper-near-end"]


@pytest.mark.parametrize(
    ("state", "named"),
    [
        (EmulatorState.PAPER_OUT, "paper-out"),
        (EmulatorState.COVER_OPEN, "cover-open"),
        (EmulatorState.CUTTER_ERROR, "cutter-error"),
        (EmulatorState.SILENT, "no-answer"),
    ],
    ids=lambda v: v.value if isinstance(v, EmulatorState) else v,
)
def test_printer_fault_is_exit_1_with_the_fault_named(
    emulator: Emulator, state: EmulatorState, named: str
) -> None:
    emulator.set_state(state)
    code, out, err = run("status", emulator.url, "--timeout", "0.3")
    assert code == 1
    assert named in err
    assert named in out


def test_fault_json_is_still_exit_1(emulator: Emulator) -> None:
    emulator.set_state(EmulatorState.PAPER_OUT)
    code, out, _ = run("status", emulator.url, "--json")
    assert code == 1
    assert json.loads(out)["problems"] == ["offline", "paper-out"]


@pytest.mark.parametrize(
    "args",
    [
        ["status", "lpt://1"],
        ["status", "usb://nothex:1"],
        ["status", "serial:///dev/does-not-exist"],
        ["status", "tcp://127.0.0.1:1", "--timeout", "0.5"],
        ["status", "tcp://127.0.0.1:9100", "--profile", "NoSuchModel"],
        ["status"],
        ["emulate", "--out", "/tmp/x", "--width", "577"],
    ],
    ids=["scheme", "usb-ids", "no-device", "refused", "profile", "missing-arg", "width"],
)
def test_usage_and_io_errors_are_exit_2(args: list[str]) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert "Traceback" not in err


def test_test_print_writes_a_receipt(emulator: Emulator) -> None:
    code, out, _ = run("test-print", emulator.url, "--profile", EPSON)
    assert code == 0, out
    assert "confirmed by the printer" in out
    (receipt,) = emulator.receipts()
    page = load_png(receipt.path)
    assert page.width == 576
    assert page.height > 300
    # the grey steps are dithered: the middle of the page has mixed black and white rows
    row = page.convert("L").crop((0, 80, 576, 81)).tobytes()
    assert 0 in row and 255 in row


def test_test_print_on_a_faulted_printer_is_exit_1(emulator: Emulator) -> None:
    emulator.set_state(EmulatorState.COVER_OPEN)
    code, _, err = run("test-print", emulator.url, "--profile", EPSON)
    assert code == 1
    assert "cover-open" in err
    assert emulator.receipts() == []


def test_watch_reports_changes(emulator: Emulator) -> None:
    code, out, _ = run("watch", emulator.url, "--interval", "0.05", "--count", "3", "--json")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 1  # no change, one line
    assert lines[0]["ready"] is True


def test_ports_lists_something_or_none() -> None:
    code, out, _ = run("ports", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"serial", "usb_printers"}


@pytest.fixture
def emulator_process(tmp_path: Path) -> Iterator[tuple[SanadServer, dict[str, str]]]:
    """``sanad hw emulate`` as its own process, on ephemeral ports, with a control socket;
    ready once it prints ``ready`` after the addresses it bound."""
    args = ("hw", "emulate", "--tcp", "127.0.0.1:0", "--pty", "--control", "127.0.0.1:0")
    server = SanadServer(
        *args,
        "--out",
        str(tmp_path / "out"),
        "--state",
        "ok",
        ready_line="ready",
        log=tmp_path / "emulate.log",
    )
    with server:
        lines = server.lines()
        banner = lines[: lines.index("ready")]
        yield server, dict(line.partition(" ")[::2] for line in banner)


def test_emulator_process_prints_real_addresses_and_takes_control(
    emulator_process: tuple[SanadServer, dict[str, str]], tmp_path: Path
) -> None:
    server, links = emulator_process
    assert set(links) == {"tcp", "pty", "control", "out"}
    assert not links["tcp"].endswith(":0")  # the bound port, not the one asked for
    assert links["pty"].startswith("/dev/")
    url = f"tcp://{links['tcp']}"
    with open_printer(url, profile=EPSON) as printer:
        assert printer.print_job(PrintJob.of(Image.new("1", (576, 40), 0)), timeout=5).ok
        assert control(links["control"], "paper-out-after 100") == "ok"
        result = printer.print_job(PrintJob.of(Image.new("1", (576, 400), 0)), timeout=5)
        assert result.outcome is Outcome.FAILED
        assert result.reason is FailureReason.PAPER_OUT
    receipts = json.loads(control(links["control"], "receipts").removeprefix("ok "))
    assert [(r["complete"], r["height"]) for r in receipts] == [(True, 40), (False, 100)]
    assert control(links["control"], "state cover-open") == "ok"
    code, _, err = run("status", f"serial://{links['pty']}")
    assert code == 1 and "cover-open" in err
    assert control(links["control"], "state nonsense").startswith("error ")
    assert control(links["control"], "clear") == "ok"
    status = json.loads(control(links["control"], "status").removeprefix("ok "))
    assert status["state"] == "ok"
    assert server.stop() == 0  # SIGTERM: a clean exit


def test_emulate_on_a_busy_port_is_exit_2(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = subprocess.run(
            [str(SANAD), "hw", "emulate", "--tcp", f"127.0.0.1:{port}", "--out", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert "cannot start the emulator" in result.stderr


def test_watch_follows_a_printer_through_a_dropped_link(emulator: Emulator) -> None:
    def trouble() -> None:
        emulator.set_state(EmulatorState.PAPER_OUT)
        emulator.drop_after(1)

    timer = threading.Timer(0.15, trouble)
    timer.start()
    code, out, _ = run("watch", emulator.url, "--interval", "0.1", "--count", "12")
    timer.join()
    assert code == 0
    lines = out.splitlines()
    assert "ready" in lines[0]
    assert any("link error" in line for line in lines)
    assert "paper-out" in lines[-1]  # reconnected and still watching


def test_scan_shows_length_and_validity_but_never_the_content() -> None:
    leader, follower = os.openpty()
    port = os.ttyname(follower)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sanad", "hw", "scan", port, "--count", "2", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline()) == {"state": "connecting"}
        assert json.loads(proc.stdout.readline()) == {"state": "connected"}
        os.write(leader, b"1985123452\r\nAB-12\r\n")
        out, err = proc.communicate(timeout=20)
    finally:
        os.close(leader)
        os.close(follower)
    lines = [json.loads(line) for line in out.splitlines()]
    assert {"length": 10, "valid": True} in lines
    assert {"length": 5, "valid": False} in lines
    assert proc.returncode == 0, err
    assert "1985123452" not in out + err


def test_scan_on_a_missing_port_is_exit_2() -> None:
    result = CliRunner().invoke(group, ["scan", "/dev/no-such-scanner"])
    assert result.exit_code == 2
    assert "no such serial port" in result.output
