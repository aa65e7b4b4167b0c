"""The name search's fallback on real SQLite and PostgreSQL: a name with two parts misspelt
(which the blocking keys miss) is still found, by pg_trgm or by the similarity scan, and the
fallback does not run when the blocking keys found someone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from registry import records
from registry.db import Database
from registry.models import Person
from registry.office import arabic_match
from registry.population import generate
from registry.seed import insert_population
from tests.support.postgres import throwaway_database

TRGM_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_persons_name_key_trgm ON persons "
    "USING gin (name_key gin_trgm_ops)"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'r.db'}")
        database.migrate()
        insert_population(database, generate(300, 5), 5)
        yield database
        database.dispose()
        return
    with throwaway_database("search_fallback") as url:
        database = Database(url)
        database.migrate()
        insert_population(database, generate(300, 5), 5)
        with database.session() as s:  # not in a migration yet (see docs/office.md)
            s.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            s.execute(text(TRGM_INDEX))
        yield database
        database.dispose()


def _drop_letter(word: str) -> str:
    return word[:1] + word[2:] if len(word) > 3 else word + "ي"


def _someone(database: Database) -> Person:
    with database.session() as s:
        return s.scalars(select(Person).order_by(Person.id).offset(37).limit(1)).one()


def test_two_parts_misspelt_are_found_by_the_fallback(db: Database) -> None:
    p = _someone(db)
    query = " ".join(
        (
            _drop_letter(p.given_ar),
            p.father_given_ar,
            _drop_letter(p.grandfather_given_ar),
            p.family_ar,
        )
    )
    with db.session() as s:
        assert not list(s.scalars(records.blocks_query(arabic_match.blocking_keys(query))))
        found = records.search(s, query)
    assert found, query
    assert p.national_id in [f.national_id for f in found]
    expected = records.Via.TRIGRAMS if not db.is_sqlite else records.Via.SCAN
    assert {f.via for f in found} == {expected}
    assert all(f.score >= records.FALLBACK_THRESHOLD - 0.1 for f in found)


def test_no_fallback_when_the_blocking_keys_found_someone(db: Database) -> None:
    p = _someone(db)
    query = " ".join(
        (p.given_ar, p.father_given_ar, _drop_letter(p.grandfather_given_ar), p.family_ar)
    )
    with db.session() as s:
        found = records.search(s, query)
    assert found[0].national_id == p.national_id
    assert {f.via for f in found} == {records.Via.BLOCKS}


def test_nonsense_finds_nobody_and_a_number_is_exact(db: Database) -> None:
    p = _someone(db)
    with db.session() as s:
        assert records.search(s, "زززز ققق ثثثث غغغغ") == []
        exact = records.search(s, p.national_id)
    assert [(f.national_id, f.via) for f in exact] == [(p.national_id, records.Via.NATIONAL_ID)]


def test_scan_scores_is_pg_trgm_similarity() -> None:
    key = arabic_match.search_key("محمد احمد عمري الخصاونه")
    other = arabic_match.search_key("محمد احمد عمر الخصاونة")
    scores = records.scan_scores(key, [(1, other), (2, "zzzz"), (3, None)])
    assert set(scores) == {1}
    assert scores[1] == pytest.approx(
        arabic_match.similarity("محمد احمد عمري الخصاونه", "محمد احمد عمر الخصاونة")
    )
