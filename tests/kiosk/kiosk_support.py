"""Helpers shared by the kiosk tests (a unique module name: tests/ has no packages)."""

from __future__ import annotations

import queue
import socket
from dataclasses import dataclass

from kiosk_app import session as ks
from kiosk_app.effects import Runner
from kiosk_app.journal import Journal
from kiosk_app.payment import SimulatedProvider
from kiosk_app.registry_port import ClientRegistry
from registry.client import RegistryClient
from verifier.keys import SigningKey

TECH_PIN = "13579"


def closed_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def down_registry() -> ClientRegistry:
    """The real client, pointed at a port where no registry answers: the network is cut."""
    client = RegistryClient(
        f"http://127.0.0.1:{closed_port()}",
        "KSK-TEST",
        SigningKey.generate(),
        retries=0,
        timeout=1.0,
    )
    return ClientRegistry(client)


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
