"""Helpers shared by the kiosk tests (a unique module name: tests/ has no packages)."""

from __future__ import annotations

import queue
import socket
from dataclasses import dataclass
from typing import Any

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


def paid_kiosk_order(
    reg: Any, portal: RegistryClient, citizen: dict[str, str], *, pay: bool = True
) -> str:
    """A birth certificate ordered on the portal for collection at a kiosk, its fee captured
    (what a verified provider callback does) unless `pay` is false: the order's code."""
    import datetime as dt
    import re
    import uuid

    from registry.orders import store
    from verifier.documents import DocumentType

    challenge = portal.portal_sign_in(national_id=citizen["national_id"], pin=citizen["pin"])
    sms = re.search(r"\b(\d{6})\b", reg.last_sms(citizen["phone"]))
    assert sms, "no one-time code in the SMS"
    session = portal.portal_verify(challenge.challenge, sms.group(1))
    order = portal.place_order(
        session,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=citizen["national_id"],
        collection="kiosk",
        idempotency_key=uuid.uuid4().hex,
    )
    if not pay:
        return order.code
    db = reg.db()
    try:
        with db.session() as s:
            row = store.find(s, order.code, lock=True)
            assert store.settle_capture(s, row, dt.datetime.now(dt.UTC))
    finally:
        db.dispose()
    return order.code


def order_state(reg: Any, code: str) -> str:
    """The order's state as the registry's database holds it."""
    from registry.orders import store

    db = reg.db()
    try:
        with db.session() as s:
            return str(store.find(s, code).state)
    finally:
        db.dispose()
