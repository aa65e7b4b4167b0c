"""The migrations make exactly the schema the models declare, on SQLite and PostgreSQL; the
counters never give a value twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from registry import counters
from registry.civil import numbers
from registry.db import migrate
from registry.models import Base, Office
from tests.support.postgres import throwaway_database
from verifier import national_id


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
        migrate(eng)
        yield eng
        eng.dispose()
    else:
        with throwaway_database("schema") as url:
            eng = create_engine(url)
            migrate(eng)
            yield eng
            eng.dispose()


# PostgreSQL-only indexes the models do not declare (migration 0006)
POSTGRES_ONLY = {"ix_persons_name_key_trgm"}


def test_migrations_match_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    extra = [d for d in diff if d[0] == "remove_index" and d[1].name in POSTGRES_ONLY]
    assert [d for d in diff if d not in extra] == []
    assert len(extra) == (1 if engine.dialect.name == "postgresql" else 0)


def test_pilot_offices_are_there(engine: Engine) -> None:
    with Session(engine) as s:
        codes = {o.code for o in s.query(Office)}
    assert {"AMM", "IRB", "ZRQ", "AQB"} <= codes and len(codes) == 12


def test_counters_count_and_roll_back(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        assert [counters.next_value(s, "t") for _ in range(3)] == [1, 2, 3]
    with Session(engine) as s:
        s.begin()
        assert counters.next_value(s, "t") == 4
        s.rollback()
    with Session(engine) as s, s.begin():
        assert counters.next_value(s, "t") == 4
        assert counters.peek(s, "never") is None


def test_record_and_national_numbers(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        assert numbers.record_number(s, "birth", "AMM", 2026) == "B2026/AMM/000001"
        assert numbers.record_number(s, "birth", "AMM", 2026) == "B2026/AMM/000002"
        assert numbers.record_number(s, "death", "AMM", 2026) == "D2026/AMM/000001"
        assert numbers.declaration_number(s, "IRB", 2026) == "IRB-2026-000001"
        first = numbers.new_national_id(s, 1, 2026)
        second = numbers.new_national_id(s, 2, 2026)
    assert first == national_id.make("902600000")
    assert second == national_id.make("202600000")
