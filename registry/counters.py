"""Named counters that never give the same value twice: record numbers per office, kind and
year, declaration and correction numbers, national numbers per sex and year.

`next_value(s, name)` takes the counter's row lock (on PostgreSQL `INSERT … ON CONFLICT DO
UPDATE … RETURNING`, one statement; on SQLite the database-wide write lock `registry.db` takes
at the first write), so two registrations committing at once get two values, and a rolled-back
transaction gives its value back: numbers have no gaps unless a registration fails after
taking one and still commits (it does not).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["next_value", "peek"]

_UPSERT = text(
    "INSERT INTO counters (name, value) VALUES (:name, :start) "
    "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 "
    "RETURNING value"
)


def next_value(s: Session, name: str, *, start: int = 1) -> int:
    """The counter's next value (`start` for a counter never used)."""
    if not name or len(name) > 64:
        raise ValueError("a counter name is 1 to 64 characters")
    value = s.execute(_UPSERT, {"name": name, "start": start}).scalar_one()
    return int(value)


def peek(s: Session, name: str) -> int | None:
    """The counter's last value, or None if it was never used."""
    value = s.execute(text("SELECT value FROM counters WHERE name = :n"), {"n": name}).scalar()
    return None if value is None else int(value)
