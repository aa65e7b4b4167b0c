"""Reading the register at the office: a person's record, and search by national number or
by name with Arabic normalisation (`registry.office.arabic_match`).

A name search asks the `person_name_blocks` index for every person sharing one of the query's
blocking keys (a four-part name with at most one part misspelt, or typed without the
grandfather's name), then ranks those candidates by `arabic_match.similarity` of the search
keys (pg_trgm's similarity, computed in Python so SQLite and PostgreSQL answer alike). The
index is a plain table with a B-tree on the key, the same on both databases; the rows are
written with the person (`name_index_rows`, used by the demo population and migration 0004).

Only when the blocking keys find nobody (two parts misspelt, say) does the search fall back:
on PostgreSQL with pg_trgm, to `name_key % :key` at `FALLBACK_THRESHOLD` (the GIN index
`ix_persons_name_key_trgm` makes it fast; docs/office.md has the figures); on SQLite, or
PostgreSQL without the extension, to `arabic_match.similarity` over every `name_key`, which
is linear in the register and so only done up to `SCAN_LIMIT` persons. Each result says which
way it was found (`Via`).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, select, text
from sqlalchemy.orm import Session

from registry.models import Death, Person, PersonNameBlock
from registry.office import arabic_match
from verifier import national_id

__all__ = [
    "FALLBACK_THRESHOLD",
    "Found",
    "Via",
    "blocks_query",
    "find_by_national_id",
    "index_person",
    "name_index_rows",
    "rank",
    "search",
    "trigram_query",
]

MAX_RESULTS = 20
MAX_CANDIDATES = 2000
# the fallback's cut-off: a four-part name with one letter dropped in each of two parts scores
# 0.43 to 0.75 against the record (5th percentile 0.57, on 300 drawn from the population); at
# 0.5 one in three hundred was lost, and a lower threshold makes the trigram index slower
FALLBACK_THRESHOLD = 0.45
# the portable fallback compares every name key in Python, about 13 µs each (0.65 s at 50,000
# persons on SQLite, measured on the shared 2-core machine): beyond this many persons it is not
# tried and the search answers with what the blocking keys found, nothing (a register that
# large belongs on PostgreSQL, whose pg_trgm index answers in milliseconds)
SCAN_LIMIT = 100_000


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


def index_person(s: Session, person: Person) -> None:
    """(Re)write one person's `name_key` and name blocks, after a registration or a correction
    of their name (the row must have its id: flush first)."""
    keys, blocks = name_index_rows(
        [
            {
                "id": person.id,
                "given_ar": person.given_ar,
                "father_given_ar": person.father_given_ar,
                "grandfather_given_ar": person.grandfather_given_ar,
                "family_ar": person.family_ar,
            }
        ]
    )
    person.name_key = keys[person.id]
    s.execute(delete(PersonNameBlock).where(PersonNameBlock.person_id == person.id))
    s.add_all(PersonNameBlock(**b) for b in blocks)
    s.flush()


class Via(enum.StrEnum):
    """How a result was found: the national number, the blocking keys, or a fallback."""

    NATIONAL_ID = "national_id"
    BLOCKS = "blocks"
    TRIGRAMS = "trigrams"  # PostgreSQL pg_trgm: name_key % :key
    SCAN = "scan"  # arabic_match.similarity over every name key (SQLite)


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
    via: Via


def _found(s: Session, ranked: Sequence[tuple[Person, float]], via: Via) -> list[Found]:
    ids = [p.id for p, _ in ranked]
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
            score,
            via,
        )
        for p, score in ranked
    ]


def find_by_national_id(s: Session, text: str) -> Person | None:
    nid = national_id.normalise(text)
    if not national_id.is_valid(nid):
        return None
    return s.execute(select(Person).where(Person.national_id == nid)).scalar_one_or_none()


def blocks_query(keys: Iterable[str]) -> Select[int]:
    """The ids of the persons sharing one of the blocking keys (at most MAX_CANDIDATES)."""
    return (
        select(PersonNameBlock.person_id)
        .where(PersonNameBlock.block.in_(sorted(keys)))
        .distinct()
        .limit(MAX_CANDIDATES)
    )


def trigram_query(key: str, limit: int) -> Select[int]:
    """PostgreSQL: the ids of the persons whose name key is `%` the query's (pg_trgm, at the
    session's `pg_trgm.similarity_threshold`), most similar first."""
    similarity = func.similarity(Person.name_key, key)
    return (
        select(Person.id)
        .where(Person.name_key.op("%")(key))
        .order_by(similarity.desc(), Person.national_id)
        .limit(limit)
    )


def rank(
    query: str, persons: Iterable[Person], *, at_least: float = 0.0
) -> list[tuple[Person, float]]:
    """The persons with their similarity to the query, best first (ties by national number),
    those under `at_least` left out."""
    scored = [(p, arabic_match.similarity(query, p.name_ar)) for p in persons]
    scored = [(p, score) for p, score in scored if score >= at_least]
    scored.sort(key=lambda ps: (-ps[1], ps[0].national_id))
    return scored


def scan_scores(query_key: str, rows: Iterable[tuple[int, str | None]]) -> dict[int, float]:
    """For (id, name_key) rows: the ids scoring at least FALLBACK_THRESHOLD against the query's
    key (pg_trgm's similarity; the portable fallback)."""
    mine = arabic_match.trigrams(query_key)
    out: dict[int, float] = {}
    if not mine:
        return out
    for pid, key in rows:
        theirs = arabic_match.trigrams(key or "")
        common = len(mine & theirs)
        if common:
            score = common / (len(mine) + len(theirs) - common)
            if score >= FALLBACK_THRESHOLD:
                out[pid] = score
    return out


def _has_pg_trgm(s: Session) -> bool:
    found = s.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first()
    return found is not None


def _persons(s: Session, ids: Iterable[int]) -> list[Person]:
    ids = list(ids)
    return list(s.scalars(select(Person).where(Person.id.in_(ids)))) if ids else []


def _fallback(s: Session, query: str, limit: int) -> list[Found]:
    key = arabic_match.search_key(query)
    if not key:
        return []
    if s.get_bind().dialect.name == "postgresql" and _has_pg_trgm(s):
        # SET LOCAL: the threshold holds for this transaction only
        s.execute(
            text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"),
            {"t": str(FALLBACK_THRESHOLD)},
        )
        ids = list(s.scalars(trigram_query(key, limit)))
        return _found(s, rank(query, _persons(s, ids)), Via.TRIGRAMS)
    if (s.scalar(select(func.count()).select_from(Person)) or 0) > SCAN_LIMIT:
        return []
    rows = ((r[0], r[1]) for r in s.execute(select(Person.id, Person.name_key)))
    scores = scan_scores(key, rows)
    best = sorted(scores, key=lambda pid: -scores[pid])[: limit * 2]
    return _found(s, rank(query, _persons(s, best))[:limit], Via.SCAN)


def search(s: Session, query: str, *, limit: int = MAX_RESULTS) -> list[Found]:
    """A national number (exact), else a name: the best matches first, at most `limit`; the
    blocking keys first, a fallback (`Via`) only when they find nobody."""
    text = query.strip()[:200]
    if not text:
        return []
    digits = national_id.normalise(text)
    if digits.isdigit():
        person = find_by_national_id(s, digits)
        return _found(s, [(person, 1.0)], Via.NATIONAL_ID) if person else []
    keys = arabic_match.blocking_keys(text)
    if keys:
        ids = list(s.scalars(blocks_query(keys)))
        if ids:
            return _found(s, rank(text, _persons(s, ids))[:limit], Via.BLOCKS)
    return _fallback(s, text, limit)
