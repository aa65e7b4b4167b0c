"""`sanad`: one entry point, one command group per package, each owned by that package's cli.py.

Groups are imported only when used, so `sanad verify ...` never imports Kivy or the database
layer, and a group whose package is not built yet is simply absent.
"""

from __future__ import annotations

import importlib
import logging
import os

import click

__all__ = ["main"]

# name -> "module:attribute" of a click command or group
_GROUPS = {
    "verify": "verifier.cli:group",
    "registry": "registry.cli:group",
    "hw": "hardware.cli:group",
    "kiosk": "kiosk_app.cli:group",
    "portal": "portal.cli:group",
    "demo": "sanad.demo:command",
    "sim": "sanad.sim:group",
}


def _load(name: str) -> click.Command | None:
    module_name, attr = _GROUPS[name].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            return None  # that package or module is not built yet
        raise
    command = getattr(module, attr, None)
    return command if isinstance(command, click.Command) else None


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in _GROUPS if _load(name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return _load(cmd_name) if cmd_name in _GROUPS else None


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """Sanad: civil-registry kiosk, registry and document verifier.

    Exit codes: 0 ok, 1 the check failed (invalid document, printer fault), 2 usage or I/O error.
    """
    level = os.environ.get("SANAD_LOG_LEVEL") or (
        "DEBUG" if verbose > 1 else "INFO" if verbose else "WARNING"
    )
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
