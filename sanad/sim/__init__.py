"""`sanad sim ...`: simulators of what cannot exist here, as real processes speaking the real
protocol with faults on demand (the demo and the tests use them).

    sanad sim pay     a mobile-money provider (HTTP): request-to-pay, signed callbacks,
                      status, refund, statement (sanad/sim/pay.py)
    sanad sim smsc    an operator's SMSC (SMPP 3.4), with a log of what it received
                      (sanad/sim/smsc.py)

Each simulator is a module with a click `command`, imported only when its name is used.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["group"]

# name -> "module:attribute" of the simulator's click command
_COMMANDS = {
    "pay": "sanad.sim.pay:command",
    "smsc": "sanad.sim.smsc:command",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        module_name, attr = _COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        return command if isinstance(command, click.Command) else None


@click.group(cls=_LazyGroup)
def group() -> None:
    """Simulators for the demo and the tests (a payment provider, an SMSC)."""
