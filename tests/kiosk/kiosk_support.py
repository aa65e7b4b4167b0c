"""Helpers shared by the kiosk tests (a unique module name: tests/ has no packages)."""

from __future__ import annotations

import queue
from dataclasses import dataclass

from kiosk_app import session as ks
from kiosk_app.effects import Runner
from kiosk_app.journal import Journal
from kiosk_app.payment import SimulatedProvider
from registry import errors as rerr

TECH_PIN = "13579"


class DownRegistry:
    """The registry as the kiosk sees it when the network is cut: every call unreachable."""

    def _down(self, *args: object) -> object:
        raise rerr.RegistryUnreachable("network down")

    authenticate = entitlements = preview = issue = ping = heartbeat = _down


@dataclass
class RunnerHarness:
    runner: Runner
    events: queue.Queue[ks.Event]
    journal: Journal
    payment: SimulatedProvider

    def next(self, kind: type[ks.Event] | None = None, timeout: float = 20.0) -> ks.Event:
        while True:
            event = self.events.get(timeout=timeout)
            if kind is None or isinstance(event, kind):
                return event
