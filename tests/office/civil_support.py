"""A registry database for the civil-registration tests (SQLite or the real PostgreSQL):
the generated population, the pilot offices, and staff at two offices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import Database
from registry.models import Death, Marriage, Person, StaffMember
from registry.office.family_law import default_family_law
from registry.population import generate
from registry.seed import insert_population
from tests.support.postgres import throwaway_database

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
TODAY = NOW.date()
LAW = default_family_law()

# user name, role, office
STAFF = (
    ("clerk", "clerk", "AMM"),
    ("clerk2", "clerk", "AMM"),
    ("registrar", "registrar", "AMM"),
    ("registrar2", "registrar", "AMM"),
    ("irbid.registrar", "registrar", "IRB"),
    ("supervisor", "supervisor", None),
    ("admin", "administrator", None),
)


@dataclass
class Civil:
    db: Database
    staff: dict[str, int]

    def mother(self, s: Session, *, skip: int = 0) -> Person:
        """A living married woman aged 20 to 40 on TODAY, whose husband is living too."""
        found = 0
        for m in s.execute(select(Marriage).order_by(Marriage.id)).scalars():
            wife, husband = s.get(Person, m.wife_id), s.get(Person, m.husband_id)
            assert wife is not None and husband is not None
            age = (TODAY - wife.date_of_birth).days // 365
            if 20 <= age <= 40 and not _dead(s, wife) and not _dead(s, husband):
                if found == skip:
                    return wife
                found += 1
        raise LookupError("no suitable mother in the population")

    def husband_of(self, s: Session, wife: Person) -> Person:
        m = s.execute(select(Marriage).where(Marriage.wife_id == wife.id)).scalars().first()
        assert m is not None
        husband = s.get(Person, m.husband_id)
        assert husband is not None
        return husband

    def living_adult(self, s: Session, *, skip: int = 0) -> Person:
        rows = s.execute(select(Person).order_by(Person.id)).scalars()
        found = 0
        for p in rows:
            if (TODAY - p.date_of_birth).days > 30 * 365 and not _dead(s, p):
                if found == skip:
                    return p
                found += 1
        raise LookupError("no living adult")


def _dead(s: Session, p: Person) -> bool:
    return s.execute(select(Death.id).where(Death.person_id == p.id)).first() is not None


def _add_staff(db: Database) -> dict[str, int]:
    ids: dict[str, int] = {}
    with db.session() as s:
        for username, role, office in STAFF:
            row = StaffMember(
                username=username,
                name_ar="موظف تجريبي",
                name_en="Test staff",
                role=role,
                office=office,
                password_hash="-",
                totp_secret="-",
                failures=0,
                demo=False,
                created_at=NOW,
                created_by="tests",
            )
            s.add(row)
            s.flush()
            ids[username] = row.id
    return ids


@dataclass
class Databases:
    tmp: Path

    def open(self, kind: str) -> Iterator[Civil]:
        if kind == "sqlite":
            db = Database(f"sqlite:///{self.tmp / 'civil.db'}")
            yield from _ready(db)
            return
        with throwaway_database("civil") as url:
            yield from _ready(Database(url))


def _ready(db: Database) -> Iterator[Civil]:
    db.migrate()
    insert_population(db, generate(400, 7), 7)
    try:
        yield Civil(db, _add_staff(db))
    finally:
        db.dispose()


def birth_facts(mother: Person, father: Person | None, **over: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "given_ar": "ليان",
        "sex": 2,
        "date_of_birth": (TODAY - dt.timedelta(days=3)).isoformat(),
        "time_of_birth": "04:15",
        "place": {"name_ar": "مستشفى البشير", "name_latin": "Al-Bashir Hospital"},
        "mother": {"national_id": mother.national_id},
        "informant": {"relation": "father", "name_ar": "والد المولود"},
    }
    if father is not None:
        facts["father"] = {"national_id": father.national_id}
    facts.update(over)
    return facts
