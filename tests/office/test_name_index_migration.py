"""Migration 0004 fills the name index for persons already in the register."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import delete, func, select, update

from registry import records
from registry.config import DataDir, Settings
from registry.db import Database, _alembic_config
from registry.models import Person, PersonNameBlock
from registry.seed import initialise


def test_upgrade_indexes_existing_persons(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "registry")
    result = initialise(data, demo=120, seed=9, settings=Settings())
    db = Database(result.database_url, pool_size=1)
    try:
        with db.session() as s:
            before = s.scalar(select(func.count()).select_from(PersonNameBlock))
            keys = {r.id: r.name_key for r in s.execute(select(Person.id, Person.name_key))}
        assert before and before >= 4 * 100
        with db.engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0003")
        with db.engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(PersonNameBlock)) == before
            assert {r.id: r.name_key for r in s.execute(select(Person.id, Person.name_key))} == keys
            someone = s.scalars(select(Person).order_by(Person.id).limit(1)).one()
            assert records.search(s, someone.name_ar)[0].national_id == someone.national_id
            # without the index rows the name is not found: the search reads the index
            s.execute(delete(PersonNameBlock).where(PersonNameBlock.person_id == someone.id))
            s.execute(update(Person).where(Person.id == someone.id).values(name_key=None))
            hits = [f.national_id for f in records.search(s, someone.name_ar)]
            assert someone.national_id not in hits
    finally:
        db.dispose()
