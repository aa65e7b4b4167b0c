"""Fixtures for the system tests: a throwaway PostgreSQL database, the registry and the
verifier as processes (one set for the whole run), and kiosks with their printers on demand.

Every process started here is stopped in teardown, whatever the test did.
"""

from __future__ import annotations

import csv
import socket
import uuid
from collections.abc import Iterator

import pytest
from system_support import PG_ADMIN, RegistryProc, System, VerifierProc, free_port, sanad

POPULATION = 300
SEED = 23


def _pg_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of its own on the real server, dropped at the end."""
    if not _pg_reachable():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432: system tests skipped")
    from sqlalchemy import create_engine, text

    name = f"sanad_system_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"cannot create a PostgreSQL database: {exc}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as c:
            c.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


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
