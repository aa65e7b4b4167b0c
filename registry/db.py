"""Engines, sessions and migrations: the one place that knows SQLite from PostgreSQL.

SQLite (the default, one file in the data directory) runs in WAL mode with a busy timeout and
starts every transaction with BEGIN IMMEDIATE, so concurrent writers queue instead of failing
on a lock upgrade. PostgreSQL (`postgresql+psycopg://...`) gets a pool with pre-ping, so a
server that went away and came back is reconnected to without a restart.

`Database.session()` is the unit of work: commit on success, rollback on error, and a lost
database raised once as `ServiceUnavailable` (the service answers 503). `Database.transact(fn)`
runs `fn` in such a transaction and runs it again, a bounded number of times, when PostgreSQL
aborted it as a serialization failure or a deadlock victim (SQLSTATE 40001, 40P01): those
are the database's request to retry, never an answer for the client. Migrations are Alembic's,
run programmatically by `migrate` (no alembic.ini needed).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import stamina
from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from registry.errors import ConfigError, ServiceUnavailable

__all__ = ["Database", "make_engine", "migrate"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
RETRY_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
TRANSACTION_ATTEMPTS = 5

T = TypeVar("T")


def is_retryable(exc: BaseException) -> bool:
    """A transaction the database aborted so that it be run again (serialization, deadlock)."""
    if not isinstance(exc, DBAPIError):
        return False
    return getattr(exc.orig, "sqlstate", None) in RETRY_SQLSTATES


def _private_sqlite_file(url: str) -> None:
    """Create a SQLite database file owner-only (0600) before SQLite opens it, so its
    journal files (SQLite gives them the database file's mode) are owner-only too."""
    try:
        database = make_url(url).database
    except ArgumentError:
        return
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
        for suffix in ("-wal", "-shm", "-journal"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                os.chmod(side, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot create the database file {path}: {exc.strerror}") from exc


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    try:
        if url.startswith("sqlite"):
            _private_sqlite_file(url)
            engine = create_engine(
                url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=pool_size
            )
            _sqlite_setup(engine)
        elif url.startswith("postgresql"):
            engine = create_engine(
                url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size * 2
            )
        else:
            raise ConfigError("the database URL must start with sqlite:// or postgresql+psycopg://")
    except (ArgumentError, ImportError) as exc:
        raise ConfigError(f"unusable database URL: {exc}") from exc
    return engine


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    from alembic import command

    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")
    except (OperationalError, InterfaceError) as exc:
        raise ServiceUnavailable(f"cannot migrate the database: {exc.orig}") from exc


def _is_disconnect(exc: DBAPIError) -> bool:
    if is_retryable(exc):  # psycopg's deadlock is an OperationalError, but the server is fine
        return False
    return isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time and its busy handler sleeps in growing steps: queue
        # this process's transactions on a lock instead, so a waiting thread starts the moment
        # the previous one commits. (Other processes still meet the busy timeout.)
        self._write_lock: threading.Lock | None = (
            threading.Lock() if self.engine.dialect.name == "sqlite" else None
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed if the block ends normally, rolled back otherwise."""
        lock = self._write_lock or contextlib.nullcontext()
        try:
            with lock, self._factory() as session, session.begin():
                yield session
        except DBAPIError as exc:
            if _is_disconnect(exc):
                log.warning("database unavailable: %s", type(exc.orig).__name__)
                raise ServiceUnavailable("the database is unavailable") from exc
            raise

    def transact(self, fn: Callable[[Session], T], *, attempts: int = TRANSACTION_ATTEMPTS) -> T:
        """`fn(session)` in one transaction, run again (at most `attempts` times in all, with a
        short jittered back-off) when the database aborted it to be retried (`is_retryable`).
        `fn` must do nothing outside the transaction that a second run would repeat."""
        for attempt in stamina.retry_context(
            on=is_retryable, attempts=attempts, wait_initial=0.005, wait_max=0.2, timeout=None
        ):
            with attempt, self.session() as session:
                if attempt.num > 1:
                    log.info("transaction retried (attempt %d)", attempt.num)
                return fn(session)
        raise AssertionError("unreachable")  # pragma: no cover

    def migrate(self) -> None:
        migrate(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
