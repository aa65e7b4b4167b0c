"""Fixtures for the system tests: a throwaway PostgreSQL database, the registry and the
verifier as processes (one set for the whole run), and kiosks with their printers on demand.

Every process started here is stopped in teardown, whatever the test did.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest
from system_support import RegistryProc, System, VerifierProc, free_port, sanad

POPULATION = 300
SEED = 23


@pytest.fixture(scope="session")
def pg_url(throwaway_postgres: Callable[[str], AbstractContextManager[str]]) -> Iterator[str]:
    """A PostgreSQL database of its own on the real server, dropped at the end."""
    with throwaway_postgres("sanad_system") as url:
        yield url


@pytest.fixture(scope="session")
def system(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The registry on PostgreSQL and a verifier on its trust list URL, for the whole run."""
    base = tmp_path_factory.mktemp("system")
    data = base / "registry"
    sanad("registry", "init", "--data", str(data), "--db", pg_url, "--demo", str(POPULATION),
          "--seed", str(SEED), "--json", timeout=120)  # fmt: skip
    registry = RegistryProc(data, pg_url, free_port(), base / "registry.log")
    verifier = VerifierProc(
        data / "root-public.jwk",
        registry.trust_url,
        base / "verifier-cache",
        free_port(),
        base / "verifier.log",
    )
    with (data / "demo-citizens.csv").open(encoding="utf-8", newline="") as f:
        citizens = list(csv.DictReader(f))
    world = System(base, registry, verifier, citizens)
    try:
        registry.start()
        verifier.start()
        yield world
    finally:
        world.stop_started()
        verifier.stop()
        registry.stop()


@pytest.fixture
def kiosks(system: System) -> Iterator[System]:
    """The system; every kiosk and printer a test starts through it is stopped afterwards."""
    try:
        yield system
    finally:
        system.stop_started()
