"""``sanad hw``: the technician's printer and scanner tools, and the printer emulator.

Only argument handling and output live here; everything else is in the library modules.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, NoReturn

import click

from hardware.errors import AddressError, HardwareError, TransportError

__all__ = ["group"]

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAULT = 1
EXIT_USAGE = 2

_EPILOG = (
    "Exit codes: 0 ok; 1 printer fault (named on stderr, e.g. paper-out, cover-open, "
    "no-answer); 2 usage or I/O error (bad URL, device not found, connection failed)."
)

_PRINTER_OPTIONS = [
    click.option(
        "--width",
        "width_dots",
        type=int,
        default=576,
        show_default=True,
        help="Paper width in dots (384 for 58 mm, 576 for 80 mm).",
    ),
    click.option(
        "--profile",
        default=None,
        help="python-escpos printer profile, e.g. TM-T20II (default: generic).",
    ),
    click.option(
        "--timeout",
        type=float,
        default=2.0,
        show_default=True,
        help="Seconds to wait for the printer on each step.",
    ),
]


def _printer_options(func: Any) -> Any:
    for option in reversed(_PRINTER_OPTIONS):
        func = option(func)
    return func


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _open(url: str, width_dots: int, profile: str | None, timeout: float) -> Any:
    from hardware.printer import open_printer

    try:
        return open_printer(url, width_dots=width_dots, profile=profile, timeout=timeout)
    except (AddressError, ValueError) as exc:
        _fail(str(exc), EXIT_USAGE)
    except TransportError as exc:
        _fail(str(exc), EXIT_USAGE)


@click.group(epilog=_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
def group() -> None:
    """Receipt printers, the ID-card scanner and the printer emulator."""


@group.command(epilog=_EPILOG)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def ports(as_json: bool) -> None:
    """List serial ports and USB printers found on this machine."""
    from serial.tools import list_ports

    from hardware.transports.usb import list_usb_printers

    serial_ports = [
        {"device": p.device, "description": p.description, "hwid": p.hwid}
        for p in sorted(list_ports.comports(), key=lambda p: p.device)
    ]
    usb = [
        {"url": f"usb://{vid:04x}:{pid:04x}", "description": label}
        for vid, pid, label in list_usb_printers()
    ]
    if as_json:
        click.echo(json.dumps({"serial": serial_ports, "usb_printers": usb}, indent=2))
        return
    click.echo("Serial ports:")
    for port in serial_ports or [{"device": "(none)", "description": ""}]:
        click.echo(f"  {port['device']}  {port['description']}")
    click.echo("USB printers:")
    for printer in usb or [{"url": "(none)", "description": ""}]:
        click.echo(f"  {printer['url']}  {printer['description']}")


def _describe(status: Any) -> str:
    if status.ready:
        extra = "; " + ", ".join(w.describe for w in status.warnings) if status.warnings else ""
        return f"ready{extra}"
    return "; ".join(f"{p.value}: {p.describe}" for p in status.problems)


@group.command(epilog=_EPILOG)
@click.argument("printer_url")
@_printer_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(
    printer_url: str, width_dots: int, profile: str | None, timeout: float, as_json: bool
) -> None:
    """Show a printer's real-time status (DLE EOT 1..4)."""
    printer = _open(printer_url, width_dots, profile, timeout)
    try:
        with printer:
            result = printer.status()
    except HardwareError as exc:
        _fail(str(exc), EXIT_USAGE)
    if as_json:
        click.echo(json.dumps({"printer": printer_url, **result.to_json()}, indent=2))
    else:
        click.echo(f"{printer_url}: {_describe(result)}")
        for name in ("online", "cover", "paper"):
            click.echo(f"  {name:<24}{getattr(result, name).value}")
        for name in ("cutter", "unrecoverable", "auto_recoverable", "recoverable"):
            click.echo(f"  {name.replace('_', '-') + ' error':<24}{getattr(result, name).value}")
    if not result.ready:
        if not as_json:
            click.echo(f"fault: {', '.join(p.value for p in result.problems)}", err=True)
        sys.exit(EXIT_FAULT)


@group.command("test-print", epilog=_EPILOG)
@click.argument("printer_url")
@_printer_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def test_print(
    printer_url: str, width_dots: int, profile: str | None, timeout: float, as_json: bool
) -> None:
    """Print a test page: width ruler, grey steps, Arabic and Latin lines, a QR code."""
    from hardware.testpage import build_test_page

    printer = _open(printer_url, width_dots, profile, timeout)
    with printer:
        job = build_test_page(width_dots, printer.model.profile, printer_url)
        result = printer.print_job(job, timeout=max(timeout * 10, 20.0))
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    if result.ok:
        if not as_json:
            confirmed = "confirmed by the printer" if result.confirmed else "not confirmed"
            click.echo(f"printed ({result.bytes_sent} bytes, {result.seconds:.2f}s, {confirmed})")
        return
    assert result.reason is not None
    click.echo(f"fault: {result.reason.value}: {result.detail}", err=True)
    io_reasons = {"connection-lost", "io-error"}
    sys.exit(EXIT_USAGE if result.reason.value in io_reasons else EXIT_FAULT)


@group.command(epilog=_EPILOG)
@click.argument("printer_url")
@_printer_options
@click.option(
    "--interval", type=float, default=1.0, show_default=True, help="Seconds between polls."
)
@click.option("--count", type=int, default=0, help="Stop after this many polls (0: until Ctrl-C).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def watch(
    printer_url: str,
    width_dots: int,
    profile: str | None,
    timeout: float,
    interval: float,
    count: int,
    as_json: bool,
) -> None:
    """Print status changes as they happen (Ctrl-C to stop)."""
    printer = _open(printer_url, width_dots, profile, timeout)
    last: str | None = None
    polls = 0
    try:
        while True:
            try:
                current = printer.status()
                line = _describe(current)
                payload: dict[str, Any] = current.to_json()
            except HardwareError as exc:
                line, payload = f"link error: {exc}", {"error": str(exc)}
                time.sleep(interval)
                with contextlib.suppress(HardwareError):
                    printer.reopen()  # cable back, printer powered on: carry on watching
            if line != last:
                stamp = time.strftime("%H:%M:%S")
                if as_json:
                    click.echo(json.dumps({"time": stamp, **payload}))
                else:
                    click.echo(f"{stamp} {line}")
                last = line
            polls += 1
            if count and polls >= count:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        pass
    finally:
        printer.close()


@group.command(epilog=_EPILOG)
@click.argument("port")
@click.option("--baudrate", type=int, default=9600, show_default=True)
@click.option("--count", type=int, default=0, help="Stop after this many scans (0: until Ctrl-C).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def scan(port: str, baudrate: int, count: int, as_json: bool) -> None:
    """Check an ID-card scanner: show the length and validity of each scan, never its content.

    Validity here is "digits only"; the kiosk checks the national-ID check digit itself.
    """
    from hardware.scanner import Scanner, ScannerState

    def show_state(state: ScannerState) -> None:
        if as_json:
            click.echo(json.dumps({"state": state.value}))
        else:
            click.echo(f"scanner {state.value}")

    if port.startswith("/") and not Path(port).exists():
        _fail(f"no such serial port: {port}", EXIT_USAGE)
    seen = 0
    with (
        contextlib.suppress(KeyboardInterrupt),
        Scanner(port, baudrate=baudrate, on_state=show_state) as scanner,
    ):
        while count == 0 or seen < count:
            got = scanner.get(timeout=0.5)
            if got is None:
                continue
            seen += 1
            if as_json:
                click.echo(json.dumps({"length": len(got.text), "valid": got.valid}))
            else:
                verdict = "valid" if got.valid else "NOT valid"
                click.echo(f"scan {seen}: {len(got.text)} characters, {verdict}")


@group.command(epilog=_EPILOG)
@click.option(
    "--tcp",
    "tcp",
    default="127.0.0.1:9100",
    show_default=True,
    help="HOST:PORT to listen on (port 0: any free port); 'off' for none.",
)
@click.option("--pty", "pty", is_flag=True, help="Also offer a pseudo-terminal (serial path).")
@click.option(
    "--control",
    "control_addr",
    default=None,
    help="HOST:PORT for the line-based control socket (port 0: any free port).",
)
@click.option("--width", "width_dots", type=int, default=576, show_default=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for receipt PNGs.",
)
@click.option(
    "--state",
    "state",
    default="ok",
    show_default=True,
    type=click.Choice(
        ["ok", "near-end", "paper-out", "cover-open", "offline", "silent", "cutter-error"]
    ),
)
@click.option(
    "--baud",
    type=int,
    default=0,
    help="Consume bytes no faster than this line speed (0: as fast as possible).",
)
def emulate(
    tcp: str,
    pty: bool,
    control_addr: str | None,
    width_dots: int,
    out_dir: Path,
    state: str,
    baud: int,
) -> None:
    """Run a virtual ESC/POS printer that writes each cut receipt as a PNG.

    Prints one line per link on stdout ("tcp HOST:PORT", "pty PATH", "control HOST:PORT"),
    then "ready". Stop with Ctrl-C or SIGTERM.
    """
    from hardware.emulator import Emulator, EmulatorState

    if not 64 <= width_dots <= 832 or width_dots % 8:
        _fail("--width must be a multiple of 8 between 64 and 832", EXIT_USAGE)
    tcp_spec = None if tcp.lower() == "off" else tcp
    if tcp_spec is None and not pty:
        _fail("nothing to listen on: give --tcp or --pty", EXIT_USAGE)
    try:
        emulator = Emulator(
            out_dir,
            width_dots,
            EmulatorState(state),
            tcp=tcp_spec,
            pty=pty,
            control=control_addr,
            baud=baud,
        )
        emulator.start()
    except (OSError, ValueError) as exc:
        _fail(f"cannot start the emulator: {exc}", EXIT_USAGE)
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    if emulator.address is not None:
        click.echo(f"tcp {emulator.address[0]}:{emulator.address[1]}")
    if emulator.pty_path is not None:
        click.echo(f"pty {emulator.pty_path}")
    if emulator.control_address is not None:
        click.echo(f"control {emulator.control_address[0]}:{emulator.control_address[1]}")
    click.echo(f"out {out_dir}")
    click.echo("ready")
    sys.stdout.flush()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
