"""`sanad kiosk`: run a kiosk, and the kiosk's helper commands.

    sanad kiosk --config /etc/sanad/kiosk.toml     run the kiosk (fullscreen, Kivy)
    sanad kiosk check --config FILE               check the config, keys, registry and printer
    sanad kiosk hash-pin                          Argon2id hash of a technician PIN, for the config
    sanad kiosk render ...                        lay out a signed document (the layout's command)

What it does not do: any journey logic. Exit codes: 0 ok, 1 a check failed, 2 usage or I/O.
"""

from __future__ import annotations

import importlib
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

__all__ = ["group", "run_kiosk"]

log = logging.getLogger(__name__)

EPILOG = "Exit codes: 0 ok, 1 a check failed (printer or registry), 2 usage or I/O error."
_LAZY = {"render": "hardware.layout.render_command:render_command"}


class _KioskGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        names.update(name for name in _LAZY if self.get_command(ctx, name) is not None)
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in _LAZY:
            return found
        module_name, attr = _LAZY[cmd_name].split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and module_name.startswith(exc.name):
                return None
            raise
        command = getattr(module, attr, None)
        return command if isinstance(command, click.Command) else None


_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SANAD_KIOSK_CONFIG",
    help="The kiosk's TOML configuration (env SANAD_KIOSK_CONFIG).",
)


def _load(config_path: Path | None) -> object:
    from kiosk_app.config import ConfigError, load_config

    if config_path is None:
        raise click.UsageError("--config FILE is required (or SANAD_KIOSK_CONFIG)")
    try:
        return load_config(config_path)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


def run_kiosk(
    config: object,
    *,
    fullscreen: bool | None = None,
    attach: Callable[[Any], None] | None = None,
) -> int:
    """Run the kiosk UI until it is closed (a technician's shutdown, or SIGTERM).

    `attach(app)` runs just before the app starts (the scripted-touch follower of the
    system tests uses it)."""
    from kiosk_app.config import ConfigError, KioskConfig
    from kiosk_app.i18n import Catalogues
    from kiosk_app.wiring import KioskServices

    assert isinstance(config, KioskConfig)
    import os

    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KCFG_KIVY_LOG_LEVEL", "warning")
    # SIGTERM and SIGINT are ours, not SDL's (it would make them a close request the kiosk
    # refuses): set before the window exists, since SDL keeps a handler that is not SIG_DFL
    os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
    running: dict[str, Any] = {}

    def on_signal(signum: int, _frame: object) -> None:
        if "app" in running:
            running["app"].request_stop(signum)
        else:  # still starting: nothing to save yet
            raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    from kiosk_app.ui.app import KioskApp

    holder: dict[str, KioskServices] = {}

    def factory(dispatch: object) -> object:
        holder["services"] = KioskServices.start(config, dispatch)  # type: ignore[arg-type]
        return holder["services"].runner

    try:
        app = KioskApp(
            settings=config.settings(),
            catalogues=Catalogues.load(),
            runner_factory=factory,  # type: ignore[arg-type]
            fullscreen=config.fullscreen if fullscreen is None else fullscreen,
        )
        running["app"] = app
        if attach is not None:
            attach(app)
        app.run()
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    finally:
        running.clear()
        if "services" in holder:
            holder["services"].stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


@click.group(cls=_KioskGroup, invoke_without_command=True, epilog=EPILOG)
@_config_option
@click.option("--windowed", is_flag=True, help="Run in a window instead of fullscreen.")
# scripted touches for the system tests and the self-test (kiosk_app/ui/script.py); hidden
@click.option("--script", "script", type=click.Path(dir_okay=False, path_type=Path), hidden=True)
@click.option(
    "--script-log", "script_log", type=click.Path(dir_okay=False, path_type=Path), hidden=True
)
@click.pass_context
def group(
    ctx: click.Context,
    config_path: Path | None,
    windowed: bool,
    script: Path | None = None,
    script_log: Path | None = None,
) -> None:
    """The citizen's self-service kiosk; with no command, run it."""
    if ctx.invoked_subcommand is not None:
        return
    config = _load(config_path)
    hook = None
    if script is not None:
        from kiosk_app.ui.script import attach

        hook = attach(script, script_log or script.with_suffix(".progress.jsonl"))
    sys.exit(run_kiosk(config, fullscreen=False if windowed else None, attach=hook))


@group.command(epilog=EPILOG)
@_config_option
def check(config_path: Path | None) -> None:
    """Check the configuration, the device key, the registry and the printer."""
    from kiosk_app.adapters import HardwarePrinter
    from kiosk_app.config import KioskConfig
    from kiosk_app.session import PrinterState
    from registry.client import RegistryClient
    from verifier.errors import VerifierError
    from verifier.keys import load_public_key, load_signing_key

    config = _load(config_path)
    assert isinstance(config, KioskConfig)
    failed = False
    try:
        key = load_signing_key(config.key_path)
        click.echo(f"device key: kid {key.public.kid.hex()}")
        if config.root_key_path is not None:
            click.echo(f"root key: kid {load_public_key(config.root_key_path).kid.hex()}")
        else:
            click.echo("root key: missing ([registry] root_key)")
            failed = True
    except (OSError, VerifierError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    with RegistryClient(config.registry_url, config.kiosk_id, key, timeout=5.0) as client:
        healthy = client.health()
    click.echo(f"registry {config.registry_url}: {'ok' if healthy else 'not answering'}")
    failed |= not healthy
    state = HardwarePrinter(config.printer_url, width_dots=config.printer_width).status()
    click.echo(f"printer {config.printer_url.split('?')[0]}: {state.value}")
    failed |= state not in (PrinterState.READY, PrinterState.PAPER_NEAR_END)
    sys.exit(1 if failed else 0)


@group.command("hash-pin", epilog=EPILOG)
@click.option("--pin", prompt=True, hide_input=True, confirmation_prompt=True)
def hash_pin(pin: str) -> None:
    """Print the Argon2id hash of a technician PIN for [kiosk] technician_pin_hash."""
    from kiosk_app.effects import hash_technician_pin

    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
        raise click.BadParameter("a technician PIN is 4 to 12 digits", param_hint="--pin")
    click.echo(hash_technician_pin(pin))
