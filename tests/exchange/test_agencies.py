"""add_agency's checks on a real database: each mistake an InvalidInput naming the field."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from registry.db import Database
from registry.errors import InvalidInput
from registry.exchange.agencies import add_agency
from registry.models import Agency
from tests.support.postgres import throwaway_database

NOW = dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC)
GOOD: dict[str, Any] = {
    "code": "PENS",
    "name_ar": "مؤسسة الضمان الاجتماعي",
    "name_latin": "Pensions office",
    "contact": "it@pens.example",
    "bases": {"pension": ["is_alive"]},
    "per_minute": 60,
}
BAD: dict[str, tuple[dict[str, Any], str]] = {
    "arabic name too long": ({"name_ar": "م" * 161}, "name_ar is longer than 160"),
    "latin name too long": ({"name_latin": "x" * 161}, "name_latin is longer than 160"),
    "contact too long": ({"contact": "a@" + "b" * 199}, "contact is longer than 200"),
    "empty name": ({"name_ar": "   "}, "name_ar is empty"),
    "name not text": ({"name_latin": None}, "name_latin must be text"),
    "control character": ({"contact": "it@\npens"}, "contact holds control"),
    "control in name": ({"name_latin": "Pensions\x1b[2J"}, "control characters"),
    "zero per minute": ({"per_minute": 0}, "per_minute must be between 1"),
    "negative per minute": ({"per_minute": -5}, "per_minute must be between 1"),
    "huge per minute": ({"per_minute": 2**31}, "per_minute must be between 1"),
    "per minute not a number": ({"per_minute": "60"}, "whole number"),
    "code too long": ({"code": "P" * 17}, "agency code"),
    "code with space": ({"code": "PE NS"}, "agency code"),
    "empty code": ({"code": ""}, "agency code"),
    "basis too long": ({"bases": {"b" * 65: ["is_alive"]}}, "legal basis is longer than 64"),
    "empty basis": ({"bases": {"": ["is_alive"]}}, "legal basis is empty"),
    "basis with no query": ({"bases": {"pension": []}}, "allows no query"),
    "unknown query": ({"bases": {"pension": ["is_rich"]}}, "unknown queries: is_rich"),
    "queries as a string": ({"bases": {"pension": "is_alive"}}, "list of names"),
}


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    d = Database(f"sqlite:///{tmp_path / 'r.db'}", pool_size=2)
    d.migrate()
    yield d
    d.dispose()


def _add(db: Database, **changes: Any) -> None:
    fields = {**GOOD, **changes}
    with db.session() as s:
        add_agency(
            s,
            fields["code"],
            fields["name_ar"],
            fields["name_latin"],
            fields["contact"],
            fields["bases"],
            NOW,
            fields["per_minute"],
        )


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_malformed_agency_is_invalid_input(db: Database, case: str) -> None:
    changes, message = BAD[case]
    with pytest.raises(InvalidInput, match=message):
        _add(db, **changes)
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(Agency)).scalar() == 0


def test_limits_themselves_are_accepted_and_a_taken_code_refused(db: Database) -> None:
    _add(
        db,
        code="P" * 16,
        name_ar="م" * 160,
        name_latin="x" * 160,
        contact="c" * 200,
        bases={"b" * 64: ["is_alive", "is_alive"], " pension ": ["is_married"]},
        per_minute=1,
    )
    with db.session() as s:
        row = s.get(Agency, "P" * 16)
        assert row is not None and row.name_ar == "م" * 160 and row.per_minute == 1
        assert json.loads(row.bases) == {"b" * 64: ["is_alive"], "pension": ["is_married"]}
    with pytest.raises(InvalidInput, match="already exists"):
        _add(db, code="P" * 16)


# PostgreSQL enforces the column lengths SQLite ignores: there, too, the answer is the field's
# InvalidInput, not a DataError from the driver
@pytest.mark.postgres
def test_postgresql_too_long_fields_are_invalid_input() -> None:
    with throwaway_database("sanad_agencies") as url:
        pg = Database(url, pool_size=2)
        pg.migrate()
        try:
            for case in ("arabic name too long", "latin name too long", "contact too long"):
                changes, message = BAD[case]
                with pytest.raises(InvalidInput, match=message):
                    _add(pg, **changes)
            _add(pg)
        finally:
            pg.dispose()
