"""The kiosk's print journal: SQLite on the kiosk, written before every print.

A job is stored (``queued``) before a byte goes to the printer, becomes ``printing`` while it
is sent, and ends ``printed`` or ``failed`` with the printer's reason. A kiosk that crashed or
lost power mid-print finds its ``printing`` jobs on the next start and marks them ``failed``
(``interrupted``), so the technician sees them for a reprint. The QR text (which carries the
citizen's personal data) is kept only as long as a reprint may be needed: `purge` erases it
from jobs older than the retention period, keeping the serial hash and the outcome for the
fleet's statistics. The journal also keeps the kiosk's recent faults for the technician.

What this module does not do: print, or decide when to reprint (the technician does).

Exception tree::

    JournalError
     └── UnknownJob
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from verifier.trust import serial_hash

__all__ = ["Job", "JobState", "Journal", "JournalError", "UnknownJob"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    serial TEXT NOT NULL,
    serial_hash TEXT NOT NULL,
    qr_text TEXT,
    language TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    code TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""


_COLUMNS = "id, serial, qr_text, language, state, reason, attempts, created_at, updated_at"


class JournalError(Exception):
    """Root of the journal's errors."""


class UnknownJob(JournalError):
    pass


class JobState(enum.Enum):
    QUEUED = "queued"
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"


@dataclass(frozen=True)
class Job:
    id: int
    serial: str
    qr_text: str | None  # None once purged
    language: str
    state: JobState
    reason: str | None
    attempts: int
    created_at: dt.datetime
    updated_at: dt.datetime

    def __repr__(self) -> str:  # never the QR text in logs
        return f"Job({self.id}, {self.state.value}, attempts={self.attempts})"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Journal:
    """One SQLite file; safe to share between the UI thread and the effect workers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._db() as db:
            db.executescript(_SCHEMA)
            db.execute(
                "UPDATE jobs SET state = ?, reason = 'interrupted', updated_at = ? WHERE state = ?",
                (JobState.FAILED.value, _now().isoformat(), JobState.PRINTING.value),
            )

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = sqlite3.connect(self.path, timeout=5.0)
            db.execute("PRAGMA secure_delete = ON")  # purged QR texts are overwritten on disk
            try:
                with db:
                    yield db
            finally:
                db.close()

    def add(
        self, serial: str, qr_text: str, language: str, *, now: dt.datetime | None = None
    ) -> int:
        """Store a job before printing it; returns its id."""
        moment = (now or _now()).isoformat()
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO jobs (serial, serial_hash, qr_text, language, state, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    serial,
                    serial_hash(serial).hex(),
                    qr_text,
                    language,
                    JobState.QUEUED.value,
                    moment,
                    moment,
                ),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

    def mark(self, job_id: int, state: JobState, reason: str | None = None) -> None:
        bump = 1 if state is JobState.PRINTING else 0
        with self._db() as db:
            cur = db.execute(
                "UPDATE jobs SET state = ?, reason = ?, attempts = attempts + ?, updated_at = ?"
                " WHERE id = ?",
                (state.value, reason, bump, _now().isoformat(), job_id),
            )
            if cur.rowcount != 1:
                raise UnknownJob(f"no job {job_id}")

    def get(self, job_id: int) -> Job:
        with self._db() as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE id = ?",
                (job_id,),
            ).fetchone()
        if row is None:
            raise UnknownJob(f"no job {job_id}")
        return _job(row)

    def jobs(self, *states: JobState, limit: int = 50) -> list[Job]:
        """Jobs in these states (all when none given), newest first."""
        wanted = [s.value for s in states] or [s.value for s in JobState]
        marks = ",".join("?" * len(wanted))
        with self._db() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE state IN ({marks}) ORDER BY id DESC LIMIT ?",
                (*wanted, limit),
            ).fetchall()
        return [_job(r) for r in rows]

    def backlog(self) -> int:
        """Jobs not printed that can still be reprinted (the heartbeat reports this)."""
        with self._db() as db:
            (count,) = db.execute(
                "SELECT COUNT(*) FROM jobs WHERE state != ? AND qr_text IS NOT NULL",
                (JobState.PRINTED.value,),
            ).fetchone()
        return int(count)

    def purge(self, older_than: dt.timedelta, *, now: dt.datetime | None = None) -> int:
        """Erase the QR text of jobs last touched before `now - older_than`; returns how many."""
        cutoff = ((now or _now()) - older_than).isoformat()
        with self._db() as db:
            cur = db.execute(
                "UPDATE jobs SET qr_text = NULL WHERE updated_at < ? AND qr_text IS NOT NULL",
                (cutoff,),
            )
            db.execute("DELETE FROM faults WHERE at < ?", (cutoff,))
            return cur.rowcount

    def record_fault(self, code: str, detail: str) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO faults (at, code, detail) VALUES (?, ?, ?)",
                (_now().isoformat(), code, detail),
            )

    def recent_faults(self, limit: int = 10) -> list[tuple[dt.datetime, str, str]]:
        with self._db() as db:
            rows = db.execute(
                "SELECT at, code, detail FROM faults ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [(dt.datetime.fromisoformat(at), code, detail) for at, code, detail in rows]


def _job(row: tuple[object, ...]) -> Job:
    jid, serial, qr_text, language, state, reason, attempts, created, updated = row
    return Job(
        id=int(jid),  # type: ignore[call-overload]
        serial=str(serial),
        qr_text=None if qr_text is None else str(qr_text),
        language=str(language),
        state=JobState(state),
        reason=None if reason is None else str(reason),
        attempts=int(attempts),  # type: ignore[call-overload]
        created_at=dt.datetime.fromisoformat(str(created)),
        updated_at=dt.datetime.fromisoformat(str(updated)),
    )
