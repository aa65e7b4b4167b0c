"""The register's facts about a person, as the checks of `registry.office.vital_checks` take
them: sex, birth, death, current marriages and how the last one ended."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from registry.models import Death, Divorce, Marriage, Person
from registry.office.family_law import MarriageEnd, PreviousMarriage
from registry.office.vital_checks import PersonFacts
from verifier import national_id as nid_rules
from verifier.documents import Sex

__all__ = ["by_national_id", "facts_of", "person_facts"]


def by_national_id(s: Session, text: str, *, for_update: bool = False) -> Person | None:
    """The person holding this national number (typed with spaces or Arabic-Indic digits
    allowed), or None; `for_update` takes the row lock (PostgreSQL) a registration needs."""
    nid = nid_rules.normalise(text or "")
    if not nid_rules.is_valid(nid):
        return None
    stmt = select(Person).where(Person.national_id == nid)
    if for_update:
        stmt = stmt.with_for_update()
    return s.execute(stmt).scalar_one_or_none()


def facts_of(s: Session, person: Person) -> PersonFacts:
    """`PersonFacts` for a person row: death, current marriages, the last ended marriage."""
    death = s.execute(select(Death.date).where(Death.person_id == person.id)).scalar()
    marriages = list(
        s.execute(
            select(Marriage).where(
                or_(Marriage.husband_id == person.id, Marriage.wife_id == person.id)
            )
        ).scalars()
    )
    current = 0
    last: PreviousMarriage | None = None
    for m in marriages:
        ended = _ended(s, m, person.id)
        if ended is None:
            current += 1
        elif last is None or ended.ended_on > last.ended_on:
            last = ended
    return PersonFacts(
        national_id=person.national_id,
        sex=Sex(person.sex),
        date_of_birth=person.date_of_birth,
        name=person.name_ar,
        date_of_death=death,
        current_marriages=current,
        last_ended=last,
    )


def _ended(s: Session, m: Marriage, person_id: int) -> PreviousMarriage | None:
    divorced = s.execute(select(Divorce.date).where(Divorce.marriage_id == m.id)).scalar()
    if divorced is not None:
        return PreviousMarriage(divorced, MarriageEnd.DIVORCE)
    spouse = m.wife_id if m.husband_id == person_id else m.husband_id
    died = s.execute(select(Death.date).where(Death.person_id == spouse)).scalar()
    if died is not None:
        return PreviousMarriage(died, MarriageEnd.DEATH)
    return None


def person_facts(s: Session, text: str) -> PersonFacts | None:
    """`facts_of` the person holding this national number, or None."""
    person = by_national_id(s, text)
    return None if person is None else facts_of(s, person)
