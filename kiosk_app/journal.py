"""The kiosk's print journal: SQLite on the kiosk, written before every print.

A job is stored (``queued``) before a byte goes to the printer, becomes ``printing`` while it
is sent, and ends ``printed`` or ``failed`` with the printer's reason. A kiosk that crashed or
lost power mid-print finds its ``printing`` jobs on the next start and marks them ``failed``
(``interrupted``), so the technician sees them for a reprint. The QR text (which carries the
citizen's personal data) is kept only as long as a reprint may be needed: `purge` erases it
from jobs older than the retention period, keeping the serial hash and the outcome for the
fleet's statistics. The journal also keeps the kiosk's recent faults for the technician.

A job may hold the citizen's payment: the authorisation of a print that failed stays open with
its job (``payment``, ``payment_state`` ``authorised``) until the technician's reprint is
confirmed (then captured) or the job is given up, by `cancel` or by the retention period
(then voided). `settle` records what became of it, so a job's payment is taken at most once.

What this module does not do: print, decide when to reprint (the technician does), or talk to
the payment provider (the effect runner does, and tells the journal with `settle`).

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

from kiosk_app.errors import KioskError
from kiosk_app.files import private_dir, private_file
from kiosk_app.payment import PaymentState
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
    updated_at TEXT NOT NULL,
    payment TEXT,
    payment_state TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    code TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""


_COLUMNS = (
    "id, serial, qr_text, language, state, reason, attempts, created_at, updated_at,"
    " payment, payment_state"
)
# columns added after the first release: an older journal file gains them when opened
_ADDED = {"payment": "TEXT", "payment_state": "TEXT"}


class JournalError(KioskError):
    """Root of the journal's errors."""


class UnknownJob(JournalError):
    pass


class JobState(enum.Enum):
    QUEUED = "queued"
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"
    CANCELLED = "cancelled"  # given up by the technician: never printed, payment voided


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
    payment: str | None = None  # the authorisation this job holds or held
    payment_state: PaymentState | None = None

    @property
    def held_payment(self) -> str | None:
        """The authorisation still open with this job (neither captured nor voided)."""
        return self.payment if self.payment_state is PaymentState.AUTHORISED else None

    def __repr__(self) -> str:  # never the QR text in logs
        return f"Job({self.id}, {self.state.value}, attempts={self.attempts})"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Journal:
    """One SQLite file; safe to share between the UI thread and the effect workers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # owner-only: the QR texts carry names and national numbers (SQLite gives its -journal
        # and -wal files the database file's mode)
        private_dir(path.parent)
        private_file(path)
        self._lock = threading.Lock()
        with self._db() as db:
            db.executescript(_SCHEMA)
            have = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
            for name, kind in _ADDED.items():
                if name not in have:
                    db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {kind}")
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
        self,
        serial: str,
        qr_text: str,
        language: str,
        *,
        payment: str | None = None,
        now: dt.datetime | None = None,
    ) -> int:
        """Store a job before printing it, with the authorisation it holds; returns its id."""
        moment = (now or _now()).isoformat()
        held = PaymentState.AUTHORISED.value if payment is not None else None
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO jobs (serial, serial_hash, qr_text, language, state, created_at,"
                " updated_at, payment, payment_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    serial,
                    serial_hash(serial).hex(),
                    qr_text,
                    language,
                    JobState.QUEUED.value,
                    moment,
                    moment,
                    payment,
                    held,
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

    def settle(self, payment: str, state: PaymentState) -> int:
        """Record that the job(s) holding `payment` had it captured or voided; only an open
        authorisation moves. Returns how many jobs changed."""
        if state is PaymentState.AUTHORISED:
            raise ValueError("settle records a capture or a void")
        with self._db() as db:
            cur = db.execute(
                "UPDATE jobs SET payment_state = ? WHERE payment = ? AND payment_state = ?",
                (state.value, payment, PaymentState.AUTHORISED.value),
            )
            return cur.rowcount

    def cancel(self, job_id: int) -> Job:
        """Give a job up: it is never printed and its QR text is erased now. Returns the job as
        it was (its `held_payment` is for the caller to void). A printed job cannot be."""
        job = self.get(job_id)
        if job.state is JobState.PRINTED:
            raise JournalError(f"job {job_id} is printed already")
        with self._db() as db:
            db.execute(
                "UPDATE jobs SET state = ?, reason = 'cancelled', qr_text = NULL, updated_at = ?"
                " WHERE id = ?",
                (JobState.CANCELLED.value, _now().isoformat(), job_id),
            )
        return job

    def expiring_payments(
        self, older_than: dt.timedelta, *, now: dt.datetime | None = None
    ) -> list[Job]:
        """Jobs that `purge` with the same arguments will erase and that still hold a payment."""
        cutoff = ((now or _now()) - older_than).isoformat()
        with self._db() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE updated_at < ? AND payment_state = ?"
                " ORDER BY id",
                (cutoff, PaymentState.AUTHORISED.value),
            ).fetchall()
        return [_job(r) for r in rows]

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
    jid, serial, qr_text, language, state, reason, attempts, created, updated, pay, paid = row
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
        payment=None if pay is None else str(pay),
        payment_state=None if paid is None else PaymentState(paid),
    )
