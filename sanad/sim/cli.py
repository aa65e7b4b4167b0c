"""`sanad sim ...`: the simulators, one command each (imported only when used)."""

from __future__ import annotations

import click

from sanad.sim import smsc

__all__ = ["group"]


@click.group()
def group() -> None:
    """Simulators for the demo and the tests (SMSC), with faults on demand."""


group.add_command(smsc.command)
