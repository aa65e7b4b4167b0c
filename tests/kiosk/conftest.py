"""Fixtures for the kiosk tests: the real printer emulator, dev keys and a trust list."""

from __future__ import annotations

import datetime as dt
import queue
from collections.abc import Iterator
from pathlib import Path

import pytest
from kiosk_support import RunnerHarness, down_registry

from hardware.emulator.server import Emulator
from kiosk_app import session as ks
from kiosk_app.adapters import HardwarePrinter, LayoutRenderer
from kiosk_app.effects import Runner, hash_technician_pin
from kiosk_app.journal import Journal
from kiosk_app.payment import SimulatedProvider
from verifier.fixtures import DevFixtures, make_dev_fixtures
from verifier.keys import load_public_key
from verifier.trust_source import TrustSource


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> DevFixtures:
    return make_dev_fixtures(
        tmp_path_factory.mktemp("dev"), now=dt.datetime.now(dt.UTC).replace(microsecond=0)
    )


@pytest.fixture(scope="session")
def tech_pin_hash() -> str:
    from kiosk_support import TECH_PIN

    return hash_technician_pin(TECH_PIN)


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(tmp_path / "receipts", width_dots=576) as emu:
        yield emu


@pytest.fixture
def harness(
    tmp_path: Path, emulator: Emulator, dev: DevFixtures, tech_pin_hash: str
) -> Iterator[RunnerHarness]:
    events: queue.Queue[ks.Event] = queue.Queue()
    journal = Journal(tmp_path / "journal.sqlite3")
    payment = SimulatedProvider()
    trust = TrustSource(
        [load_public_key(dev.root_key)],
        url="file:dev-trust-list",
        cache_dir=tmp_path / "trust",
        fetch=lambda etag: (dev.trust_list.read_bytes(), None),
    )
    runner = Runner(
        dispatch=events.put,
        registry=down_registry(),
        printer=HardwarePrinter(emulator.url, width_dots=576, timeout=1.0, job_timeout=10.0),
        payment=payment,
        journal=journal,
        trust=trust,
        renderer=LayoutRenderer(width_dots=576, verifier_url="https://verify.example"),
        preview_dir=tmp_path / "previews",
        kiosk_id="KSK-TEST",
        technician_pin_hash=tech_pin_hash,
    )
    yield RunnerHarness(runner, events, journal, payment)
    runner.close()
