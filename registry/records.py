"""Reading the register at the office: a person's record, and search by national number or
by name with Arabic normalisation (`registry.office.arabic_match`).

A name search asks the `person_name_blocks` index for every person sharing one of the query's
blocking keys (a four-part name with at most one part misspelt, or typed without the
grandfather's name), then ranks those candidates by `arabic_match.similarity` of the search
keys (pg_trgm's similarity, computed in Python so SQLite and PostgreSQL answer alike). The
index is a plain table with a B-tree on the key, the same on both databases; the rows are
written with the person (`name_index_rows`, used by the demo population and migration 0004).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Death, Person, PersonNameBlock
from registry.office import arabic_match
from verifier import national_id

__all__ = ["Found", "find_by_national_id", "name_index_rows", "search"]

MAX_RESULTS = 20
MAX_CANDIDATES = 2000


def _name_of(row: Mapping[str, Any]) -> str:
    return " ".join(
        str(row[k]) for k in ("given_ar", "father_given_ar", "grandfather_given_ar", "family_ar")
    )


def name_index_rows(
    persons: Iterable[Mapping[str, Any]],
) -> tuple[dict[int, str], list[dict[str, Any]]]:
    """For rows with `id` and the four Arabic name parts: each id's `name_key` and the
    `person_name_blocks` rows to insert."""
    keys: dict[int, str] = {}
    blocks: list[dict[str, Any]] = []
    for row in persons:
        name = _name_of(row)
        keys[row["id"]] = arabic_match.search_key(name)
        blocks.extend(
            {"block": b, "person_id": row["id"]} for b in sorted(arabic_match.blocking_keys(name))
        )
    return keys, blocks


@dataclass(frozen=True)
class Found:
    """One search result, what the list shows (the record page shows everything)."""

    national_id: str
    name_ar: str
    name_latin: str | None
    sex: int
    date_of_birth: dt.date
    mother_name_ar: str
    mother_name_latin: str | None
    deceased: bool
    score: float


def _found(s: Session, persons: list[Person], scores: dict[int, float]) -> list[Found]:
    ids = [p.id for p in persons]
    dead = set(s.scalars(select(Death.person_id).where(Death.person_id.in_(ids)))) if ids else set()
    return [
        Found(
            p.national_id,
            p.name_ar,
            p.name_latin,
            p.sex,
            p.date_of_birth,
            p.mother_name_ar,
            p.mother_name_latin,
            p.id in dead,
            scores.get(p.id, 1.0),
        )
        for p in persons
    ]


def find_by_national_id(s: Session, text: str) -> Person | None:
    nid = national_id.normalise(text)
    if not national_id.is_valid(nid):
        return None
    return s.execute(select(Person).where(Person.national_id == nid)).scalar_one_or_none()


def search(s: Session, query: str, *, limit: int = MAX_RESULTS) -> list[Found]:
    """A national number (exact), else a name: the best matches first, at most `limit`."""
    text = query.strip()[:200]
    if not text:
        return []
    digits = national_id.normalise(text)
    if digits.isdigit():
        person = find_by_national_id(s, digits)
        return _found(s, [person], {}) if person else []
    keys = arabic_match.blocking_keys(text)
    if not keys:
        return []
    ids = list(
        s.scalars(
            select(PersonNameBlock.person_id)
            .where(PersonNameBlock.block.in_(sorted(keys)))
            .distinct()
            .limit(MAX_CANDIDATES)
        )
    )
    if not ids:
        return []
    persons = list(s.scalars(select(Person).where(Person.id.in_(ids))))
    scores = {p.id: arabic_match.similarity(text, p.name_ar) for p in persons}
    persons.sort(key=lambda p: (-scores[p.id], p.national_id))
    return _found(s, persons[:limit], scores)
