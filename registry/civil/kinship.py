"""What the register knows of two people together, as `family_law.Between` takes it.

What it does
------------
`between(s, law, a, b)` reads the persons table's father and mother links and the marriages
and divorces, and answers the `Between` a marriage of `a` (the husband) and `b` (the wife)
is checked against: their blood kinship (`Kinship`, seen from `a`), their affinities by a
current or ended marriage, the blood kinship of each party with the other's current spouses,
and how many times the two have divorced since she last married someone else.

`kinships(...)` (pure) finds every kinship two ancestor maps imply: a person is reached
through several lines when cousins married, and the rules must see the closest relation on
each line, not only the nearest common ancestor (a great-aunt through one line may be a
cousin through another). `pick(rules, kinships)` chooses the one the rules forbid, if any.

What it deliberately does not do
--------------------------------
No rule: `family_law.check_marriage` decides. Parents born before the registry have no row,
so kinship through them is unknown to the register: the court that writes the contract
answers for what the register cannot see. Ancestors are followed `MAX_GENERATIONS` up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from registry.models import Death, Divorce, Marriage, Person
from registry.office.family_law import Affinity, Between, FamilyLaw, KinRule, Kinship

__all__ = ["MAX_GENERATIONS", "Spouse", "ancestors", "between", "kinships", "pick", "spouses"]

MAX_GENERATIONS = 6

# person id -> every number of generations up at which the person is an ancestor (0: oneself)
Ancestry = Mapping[int, frozenset[int]]


def ancestors(
    s: Session, person_id: int, depth: int = MAX_GENERATIONS
) -> dict[int, frozenset[int]]:
    """The person (at 0) and their ancestors in the register, with the generations up."""
    found: dict[int, set[int]] = {person_id: {0}}
    frontier = {person_id}
    for generation in range(1, depth + 1):
        if not frontier:
            break
        rows = s.execute(
            select(Person.father_id, Person.mother_id).where(Person.id.in_(frontier))
        ).all()
        parents = {p for row in rows for p in row if p is not None}
        for p in parents:
            found.setdefault(p, set()).add(generation)
        frontier = parents
    return {k: frozenset(v) for k, v in found.items()}


def kinships(a: Ancestry, b: Ancestry) -> tuple[Kinship, ...]:
    """Every kinship between a and b the ancestor maps show, closest first (seen from a)."""
    out: set[Kinship] = set()
    for common in a.keys() & b.keys():
        for up in a[common]:
            for down in b[common]:
                if up or down:
                    out.add(Kinship(up, down))
    return tuple(sorted(out, key=lambda k: (k.up + k.down, k.up)))


def pick(rules: Iterable[KinRule], found: tuple[Kinship, ...]) -> Kinship | None:
    """The first kinship any rule names, else the closest; None for no known kinship."""
    listed = tuple(rules)
    for kin in found:
        if any(rule.matches(kin) for rule in listed):
            return kin
    return found[0] if found else None


@dataclass(frozen=True)
class Spouse:
    """A marriage of the person's, seen from them: the other party and whether it stands."""

    marriage_id: int
    spouse_id: int
    current: bool  # not divorced, and the spouse has not died


def spouses(s: Session, person_id: int) -> list[Spouse]:
    """Every marriage the register holds for the person (current or ended)."""
    other = case((Marriage.husband_id == person_id, Marriage.wife_id), else_=Marriage.husband_id)
    rows = s.execute(
        select(Marriage.id, other, Divorce.id, Death.id)
        .outerjoin(Divorce, Divorce.marriage_id == Marriage.id)
        .outerjoin(Death, Death.person_id == other)  # the other party's death ends it
        .where(or_(Marriage.husband_id == person_id, Marriage.wife_id == person_id))
        .order_by(Marriage.date, Marriage.id)
    ).all()
    return [
        Spouse(mid, spouse, divorce is None and death is None)
        for mid, spouse, divorce, death in rows
    ]


def _divorces_since_other(s: Session, husband_id: int, wife_id: int) -> int:
    """Divorces between the two in marriages made after her last marriage to another man."""
    marriages = s.execute(
        select(Marriage.husband_id, Marriage.date, Divorce.id)
        .outerjoin(Divorce, Divorce.marriage_id == Marriage.id)
        .where(Marriage.wife_id == wife_id)
        .order_by(Marriage.date, Marriage.id)
    ).all()
    count = 0
    for husband, _date, divorce in marriages:
        if husband != husband_id:
            count = 0  # she married someone else in between: the count starts again
        elif divorce is not None:
            count += 1
    return count


def _up(found: Ancestry, person_id: int) -> bool:
    """True when person_id is an ancestor (one or more generations up) in the map."""
    return any(g > 0 for g in found.get(person_id, ()))


def between(s: Session, law: FamilyLaw, a: Person, b: Person) -> Between:
    """What the register knows of a (the husband) and b (the wife) together."""
    cache: dict[int, dict[int, frozenset[int]]] = {}

    def up(person_id: int) -> Ancestry:
        if person_id not in cache:
            cache[person_id] = ancestors(s, person_id)
        return cache[person_id]

    a_spouses, b_spouses = spouses(s, a.id), spouses(s, b.id)
    affinities: set[Affinity] = set()
    for sp in a_spouses:  # through a's marriages (to b itself aside)
        if sp.spouse_id == b.id:
            continue
        if _up(up(sp.spouse_id), b.id):
            affinities.add(Affinity.SPOUSE_ASCENDANT)  # b is an ascendant of a's spouse
        if _up(up(b.id), sp.spouse_id):
            affinities.add(Affinity.SPOUSE_DESCENDANT)  # b descends from a's spouse
    for sp in b_spouses:  # through b's marriages
        if sp.spouse_id == a.id:
            continue
        if _up(up(a.id), sp.spouse_id):
            affinities.add(Affinity.ASCENDANT_SPOUSE)  # b's spouse is a's ascendant
        if _up(up(sp.spouse_id), a.id):
            affinities.add(Affinity.DESCENDANT_SPOUSE)  # b's spouse descends from a
    rules = law.marriage
    co_spouse: list[Kinship] = []
    for joining, others in ((b, a_spouses), (a, b_spouses)):
        for sp in others:
            if not sp.current or sp.spouse_id in (a.id, b.id):
                continue
            kin = pick(rules.not_together_blood, kinships(up(joining.id), up(sp.spouse_id)))
            if kin is not None:
                co_spouse.append(kin)
    return Between(
        kinship=pick(rules.prohibited_blood, kinships(up(a.id), up(b.id))),
        affinities=frozenset(affinities),
        divorces=_divorces_since_other(s, a.id, b.id),
        co_spouse_kinships=tuple(co_spouse),
    )
