"""Throwaway databases on the real PostgreSQL server (127.0.0.1:5432) for any suite."""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import Iterator

import pytest

__all__ = ["PG_ADMIN", "PG_HOST", "PG_PORT", "pg_reachable", "throwaway_database"]

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/postgres"


def pg_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """A database of its own on the real PostgreSQL server, dropped afterwards; the test is
    skipped, with the reason, when the server cannot be reached or will not create one."""
    if not pg_reachable():
        pytest.skip(f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT}")
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"cannot create a PostgreSQL database: {exc}")
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with admin.connect() as c:
            c.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
