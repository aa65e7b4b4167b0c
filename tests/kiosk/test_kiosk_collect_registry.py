"""Collecting an order at a kiosk against the real registry (in this process, on SQLite) and
the ESC/POS emulator: the session driven by the real effect runner, event by event, as the
Kivy App drives it. The receipt's QR is decoded from the emulator's PNG and verifies VALID;
a print that fails mid-job leaves the order to be collected again, with the same document."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import pytest
from kiosk_support import order_state, paid_kiosk_order

from hardware.emulator.server import Emulator
from kiosk_app import session as ks
from kiosk_app.adapters import HardwarePrinter, LayoutRenderer
from kiosk_app.effects import Runner
from kiosk_app.journal import JobState, Journal
from kiosk_app.payment import SimulatedProvider
from kiosk_app.registry_port import ClientRegistry
from registry.client import RegistryClient
from tests.support.registry import (
    LiveServer,
    Registry,
    copied_registry,
    wrong_pin,
)
from verifier.qr import decode_image
from verifier.trust_source import TrustSource
from verifier.verify import Status, verify

KIOSK_ID = "KSK-COLLECT-1"


@pytest.fixture
def registry(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return copied_registry(tmp_path, tmp_path_factory)


@pytest.fixture
def server(registry: Registry) -> Iterator[LiveServer]:
    with LiveServer(registry) as live:
        yield live


@pytest.fixture
def portal(registry: Registry, server: LiveServer) -> Iterator[RegistryClient]:
    key = registry.enroll_portal("PORTAL-1")
    with server.client("PORTAL-1", key, retries=0) as c:
        yield c


class Kiosk:
    """The session and the real runner, wired as the App wires them (a queue for Clock)."""

    def __init__(self, tmp: Path, registry: Registry, server: LiveServer, printer: Emulator):
        self.events: queue.Queue[ks.Event] = queue.Queue()
        key = registry.enroll(KIOSK_ID)
        self.port = ClientRegistry(server.client(KIOSK_ID, key, retries=0))
        self.journal = Journal(tmp / "journal.sqlite3")
        self.payment = SimulatedProvider()
        self.runner = Runner(
            dispatch=self.events.put,
            registry=self.port,
            printer=HardwarePrinter(printer.url, width_dots=576, timeout=1.0, job_timeout=10.0),
            payment=self.payment,
            journal=self.journal,
            trust=TrustSource(
                [registry.root()],
                url=f"{server.url}/api/v1/trust-list",
                cache_dir=tmp / "trust",
                fetch=self.port.trust_fetch,
            ),
            renderer=LayoutRenderer(width_dots=576, verifier_url="https://verify.example"),
            preview_dir=tmp / "previews",
            kiosk_id=KIOSK_ID,
        )
        self.session = ks.initial()

    def send(self, *events: ks.Event) -> ks.Session:
        """Step each event, run its effects, then feed the runner's answers back until the
        session rests on a screen that waits for the citizen."""
        for event in events:
            self._step(event)
        while self.session.state.busy:
            self._step(self.events.get(timeout=30))
        self.runner.drain()  # the effects of the last step too (MarkOrderCollected)
        return self.session

    def _step(self, event: ks.Event) -> None:
        self.session, effects = ks.step(self.session, event)
        self.runner.run(e for e in effects if not isinstance(e, ks.StartIdleTimer))

    def collect(self, code: str, pin: str, language: str = "en") -> ks.Session:
        self.send(ks.Begin("n-" + code + language, collect=True), ks.ChooseLanguage(language))
        self.send(*[ks.KeypadChar(c) for c in code], ks.Submit())
        assert self.session.state is ks.State.ORDER_PIN
        return self.send(*[ks.KeypadDigit(d) for d in pin], ks.Submit())

    def close(self) -> None:
        self.runner.close()
        self.port.client.close()


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(tmp_path / "receipts", width_dots=576) as emu:
        yield emu


@pytest.fixture
def kiosk(
    tmp_path: Path, registry: Registry, server: LiveServer, printer: Emulator
) -> Iterator[Kiosk]:
    k = Kiosk(tmp_path, registry, server, printer)
    yield k
    k.close()


def _citizen(registry: Registry) -> dict[str, str]:
    return next(c for c in registry.citizens() if c["phone"] and "deceased" not in c["facts"])


def test_a_paid_order_is_printed_verified_and_marked_collected_with_nothing_to_pay(
    registry: Registry, portal: RegistryClient, kiosk: Kiosk, printer: Emulator
) -> None:
    citizen = _citizen(registry)
    code = paid_kiosk_order(registry, portal, citizen)
    assert order_state(registry, code) == "ready"
    s = kiosk.collect(code, citizen["pin"])
    assert s.state is ks.State.DONE, (s.state, s.notice, s.notice_args)
    serial = s.serial
    assert serial is not None and s.order == ks.Collection(code, 1)
    (receipt,) = printer.wait_for_receipts(1)
    assert receipt.complete
    (text,) = decode_image(receipt.path)
    verdict = verify(text, registry.trust())
    assert verdict.status is Status.VALID
    assert verdict.claims is not None and verdict.claims.serial == serial
    assert order_state(registry, code) == "collected"  # marked once the print was confirmed
    (job,) = kiosk.journal.jobs()
    assert (job.serial, job.state, job.held_payment) == (serial, JobState.PRINTED, None)
    assert kiosk.payment.ledger == ()  # nothing was asked for at the kiosk
    # the same code again: told it was collected, nothing printed
    kiosk.send(ks.Finish())
    s = kiosk.collect(code, citizen["pin"])
    assert (s.state, s.notice_params) == (ks.State.REFUSED, {"reason": "order_collected"})
    assert len(printer.receipts()) == 1


def test_a_print_failed_mid_job_is_collected_again_with_the_same_document(
    registry: Registry, portal: RegistryClient, kiosk: Kiosk, printer: Emulator
) -> None:
    citizen = _citizen(registry)
    code = paid_kiosk_order(registry, portal, citizen)
    printer.paper_out_after(300)
    s = kiosk.collect(code, citizen["pin"], "ar")
    assert (s.state, s.notice) == (ks.State.PRINT_FAILED, ks.Notice.ORDER_PRINT_FAILED)
    first = s.serial
    assert order_state(registry, code) == "ready"  # not marked: it can be collected again
    kiosk.send(ks.Finish())
    printer.clear()
    s = kiosk.collect(code, citizen["pin"], "ar")
    assert s.state is ks.State.DONE
    assert s.serial == first  # the registry replayed the same document, no second one
    receipts = printer.wait_for_receipts(2)
    assert not receipts[0].complete and receipts[1].complete
    (text,) = decode_image(receipts[1].path)
    assert verify(text, registry.trust()).status is Status.VALID
    assert order_state(registry, code) == "collected"
    assert [j.serial for j in kiosk.journal.jobs()] == [first, first]


def test_a_wrong_pin_is_told_with_the_tries_left_and_a_typo_never_reaches_the_registry(
    registry: Registry, portal: RegistryClient, kiosk: Kiosk, printer: Emulator
) -> None:
    citizen = _citizen(registry)
    code = paid_kiosk_order(registry, portal, citizen)
    s = kiosk.collect(code, wrong_pin(citizen["pin"]))
    assert (s.state, s.notice) == (ks.State.ORDER_PIN, ks.Notice.PIN_WRONG)
    assert s.tries_remaining is not None and s.tries_remaining >= 1
    s = kiosk.send(*[ks.KeypadDigit(d) for d in citizen["pin"]], ks.Submit())
    assert s.state is ks.State.DONE
    kiosk.send(ks.Finish())
    kiosk.send(ks.Begin("n-typo", collect=True), ks.ChooseLanguage("en"))
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    s = kiosk.send(*[ks.KeypadChar(c) for c in typo], ks.Submit())
    assert (s.state, s.notice) == (ks.State.ORDER_ENTRY, ks.Notice.ORDER_CODE_INVALID)


def test_an_unpaid_order_and_no_such_order_are_refused_by_the_registry(
    registry: Registry, portal: RegistryClient, kiosk: Kiosk, printer: Emulator
) -> None:
    from registry.orders import codes

    citizen = _citizen(registry)
    unpaid = paid_kiosk_order(registry, portal, citizen, pay=False)
    s = kiosk.collect(unpaid, citizen["pin"])
    assert (s.state, s.notice_params, s.can_go_back) == (
        ks.State.REFUSED,
        {"reason": "order_not_ready"},
        False,
    )
    kiosk.send(ks.Finish())
    unknown = codes.new_code()
    s = kiosk.collect(unknown, citizen["pin"])
    assert (s.state, s.notice_params, s.can_go_back) == (
        ks.State.REFUSED,
        {"reason": "order_not_found"},
        True,
    )
    s = kiosk.send(ks.Back())
    assert (s.state, s.order_code) == (ks.State.ORDER_ENTRY, unknown)
    assert printer.receipts() == []
