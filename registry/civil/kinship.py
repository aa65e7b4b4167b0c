"""What the register knows of two people together, as `family_law.Between` takes it.

What it does
------------
`between(s, law, a, b)` reads the persons table's father and mother links and the marriages
and divorces, and answers the `Between` a marriage of `a` (the husband) and `b` (the wife)
is checked against: their blood kinship (`Kinship`, seen from `a`), their affinities by a
current or ended marriage, the blood kinship of each party with the other's current spouses,
and how many times the two have divorced since she last married someone else.

`pedigree(...)` reads the parent links once, a query per generation; the rest is pure.
`kinships(graph, a, b)` finds one kinship through each lowest common ancestor: a person is
reached through several lines when cousins married, and the rules must see the closest
relation on each line, not only the nearest overall (a great-aunt through one line may be a
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

__all__ = [
    "MAX_GENERATIONS",
    "Spouse",
    "ancestry",
    "between",
    "kinships",
    "pedigree",
    "pick",
    "spouses",
]

MAX_GENERATIONS = 6

# person id -> their parents in the register (ids); people above the explored depth are absent
Pedigree = Mapping[int, tuple[int, ...]]
# person id -> every number of generations up at which they are an ancestor (0: oneself)
Ancestry = Mapping[int, frozenset[int]]


def pedigree(
    s: Session, roots: Iterable[int], depth: int = MAX_GENERATIONS
) -> dict[int, tuple[int, ...]]:
    """The parent links of the roots and their ancestors, `depth` generations up: one query
    per generation."""
    graph: dict[int, tuple[int, ...]] = {}
    frontier = set(roots)
    for _ in range(depth):
        todo = frontier - graph.keys()
        if not todo:
            break
        rows = s.execute(
            select(Person.id, Person.father_id, Person.mother_id).where(Person.id.in_(todo))
        ).all()
        frontier = set()
        for person_id, father, mother in rows:
            parents = tuple(p for p in (father, mother) if p is not None)
            graph[person_id] = parents
            frontier.update(parents)
    return graph


def ancestry(graph: Pedigree, person_id: int) -> dict[int, frozenset[int]]:
    """The person (at 0) and their ancestors in the pedigree, with the generations up."""
    found: dict[int, set[int]] = {person_id: {0}}
    level = {person_id}
    generation = 0
    while level and generation < MAX_GENERATIONS * 2:
        generation += 1
        level = {p for child in level for p in graph.get(child, ())}
        for p in level:
            found.setdefault(p, set()).add(generation)
    return {k: frozenset(v) for k, v in found.items()}


def kinships(graph: Pedigree, a: int, b: int) -> tuple[Kinship, ...]:
    """Every blood kinship between a and b the pedigree shows, closest first (seen from a):
    one through each lowest common ancestor (one who is no ancestor of another)."""
    a_up, b_up = ancestry(graph, a), ancestry(graph, b)
    common = a_up.keys() & b_up.keys()
    above = {c for d in common for c in ancestry(graph, d) if c != d}
    out: set[Kinship] = set()
    for c in common - above:
        for up in a_up[c]:
            for down in b_up[c]:
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


def _is_ancestor(graph: Pedigree, ancestor: int, of: int) -> bool:
    return ancestor != of and ancestor in ancestry(graph, of)


def between(s: Session, law: FamilyLaw, a: Person, b: Person) -> Between:
    """What the register knows of a (the husband) and b (the wife) together."""
    a_spouses, b_spouses = spouses(s, a.id), spouses(s, b.id)
    graph = pedigree(s, {a.id, b.id} | {x.spouse_id for x in (*a_spouses, *b_spouses)})
    affinities: set[Affinity] = set()
    for sp in a_spouses:  # through a's marriages (to b itself aside)
        if sp.spouse_id == b.id:
            continue
        if _is_ancestor(graph, b.id, sp.spouse_id):
            affinities.add(Affinity.SPOUSE_ASCENDANT)  # b is an ascendant of a's spouse
        if _is_ancestor(graph, sp.spouse_id, b.id):
            affinities.add(Affinity.SPOUSE_DESCENDANT)  # b descends from a's spouse
    for sp in b_spouses:  # through b's marriages
        if sp.spouse_id == a.id:
            continue
        if _is_ancestor(graph, sp.spouse_id, a.id):
            affinities.add(Affinity.ASCENDANT_SPOUSE)  # b's spouse is a's ascendant
        if _is_ancestor(graph, a.id, sp.spouse_id):
            affinities.add(Affinity.DESCENDANT_SPOUSE)  # b's spouse descends from a
    rules = law.marriage
    co_spouse: list[Kinship] = []
    for joining, others in ((b, a_spouses), (a, b_spouses)):
        for sp in others:
            if not sp.current or sp.spouse_id in (a.id, b.id):
                continue
            kin = pick(rules.not_together_blood, kinships(graph, joining.id, sp.spouse_id))
            if kin is not None:
                co_spouse.append(kin)
    return Between(
        kinship=pick(rules.prohibited_blood, kinships(graph, a.id, b.id)),
        affinities=frozenset(affinities),
        divorces=_divorces_since_other(s, a.id, b.id),
        co_spouse_kinships=tuple(co_spouse),
    )
