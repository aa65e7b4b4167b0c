"""Kinship from parent links (`registry.civil.kinship`, its pure part): one kinship through
each lowest common ancestor, and the one the rules forbid chosen over a closer allowed one."""

from __future__ import annotations

from registry.civil.kinship import ancestry, kinships, pick
from registry.office.family_law import Kinship, default_family_law

LAW = default_family_law()

# 1 ═ 2 are grandparents; 3 and 4 their children; 5 (of 3) and 6 (of 4) first cousins;
# 7 is 5's child; 8 a child of 3 and of 6 (an uncle and his niece had a child: every line)
PEDIGREE: dict[int, tuple[int, ...]] = {
    3: (1, 2),
    4: (1, 2),
    5: (3,),
    6: (4,),
    7: (5,),
    8: (3, 6),
}


def test_ancestry_counts_generations_on_every_line() -> None:
    assert ancestry(PEDIGREE, 8) == {
        8: frozenset({0}),
        3: frozenset({1}),
        6: frozenset({1}),
        4: frozenset({2}),
        1: frozenset({2, 3}),
        2: frozenset({2, 3}),
    }


def test_relations_seen_from_the_first_person() -> None:
    assert kinships(PEDIGREE, 5, 6) == (Kinship(2, 2),)  # first cousins
    assert kinships(PEDIGREE, 3, 4) == (Kinship(1, 1),)  # siblings
    assert kinships(PEDIGREE, 7, 3) == (Kinship(2, 0),)  # grandchild to grandparent
    assert kinships(PEDIGREE, 3, 7) == (Kinship(0, 2),)
    assert kinships(PEDIGREE, 6, 3) == (Kinship(2, 1),)  # niece to uncle
    assert kinships(PEDIGREE, 5, 99) == ()


def test_an_ancestor_above_a_nearer_common_one_is_not_another_line() -> None:
    # 3 is 5's parent; the grandparents above 3 are not a second, farther kinship
    assert kinships(PEDIGREE, 3, 5) == (Kinship(0, 1),)


def test_every_line_is_seen_and_the_forbidden_one_chosen() -> None:
    # 8 and 5 are half-siblings through 3 (1, 1); 8's other line (6, 4) meets 5's only at
    # the grandparents, above 3: not a kinship of its own
    found = kinships(PEDIGREE, 8, 5)
    assert found == (Kinship(1, 1),)
    assert pick(LAW.marriage.prohibited_blood, found) == Kinship(1, 1)
    assert kinships(PEDIGREE, 8, 6) == (Kinship(1, 0),)  # a parent, whatever else


def test_a_forbidden_line_is_chosen_over_an_equally_close_allowed_one() -> None:
    # b (20) is a child of G (21), the great-grandparent of a (30): his great-aunt; and b's
    # other parent (22) is a child of H (23), a's grandparent: his first cousin too
    graph = {20: (21, 22), 22: (23,), 30: (31, 32), 31: (33,), 33: (21,), 32: (23,)}
    found = kinships(graph, 30, 20)
    assert found == (Kinship(2, 2), Kinship(3, 1))
    assert pick(LAW.marriage.prohibited_blood, found) == Kinship(3, 1)
    # an allowed kinship is answered when none is forbidden
    assert pick(LAW.marriage.prohibited_blood, (Kinship(2, 2),)) == Kinship(2, 2)
    assert pick(LAW.marriage.prohibited_blood, ()) is None
