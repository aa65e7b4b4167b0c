"""Record numbers and national numbers, allocated under a counter's row lock, never reused.

* A record number is per office, kind and year: `B2026/AMM/000017` (B birth, D death,
  M marriage, V divorce: the letters the generated records use, `B2001/0000123`).
* A declaration number is per office and year: `AMM-2026-000042`; a correction's
  `AMM-2026-C00007`.
* A national number is ten digits, `S YYY NNNNN C`: S the sex (9 male, 2 female, as the
  generated population), YYY the birth year's last three digits, NNNNN a sequence, C the Luhn
  check digit. Generated persons took random sequences, so allocation skips any number a
  person already holds; the counter only moves forward, so a number is never given twice,
  even if the person holding it were removed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import counters
from registry.errors import ServiceUnavailable
from registry.models import Person
from verifier import national_id

__all__ = [
    "KIND_LETTER",
    "correction_number",
    "declaration_number",
    "new_national_id",
    "record_number",
]

KIND_LETTER = {"birth": "B", "death": "D", "marriage": "M", "divorce": "V"}
_SEQUENCE_SPACE = 100_000
MALE = 1


def record_number(s: Session, kind: str, office: str, year: int) -> str:
    n = counters.next_value(s, f"record:{KIND_LETTER[kind]}:{office}:{year}")
    return f"{KIND_LETTER[kind]}{year}/{office}/{n:06d}"


def declaration_number(s: Session, office: str, year: int) -> str:
    n = counters.next_value(s, f"declaration:{office}:{year}")
    return f"{office}-{year}-{n:06d}"


def correction_number(s: Session, office: str, year: int) -> str:
    n = counters.next_value(s, f"correction:{office}:{year}")
    return f"{office}-{year}-C{n:05d}"


def new_national_id(s: Session, sex: int, birth_year: int) -> str:
    """A national number no person holds and none was given before."""
    prefix = f"{'9' if sex == MALE else '2'}{birth_year % 1000:03d}"
    name = f"nid:{prefix}"
    while True:
        n = counters.next_value(s, name, start=0)
        if n >= _SEQUENCE_SPACE:
            raise ServiceUnavailable(
                f"national numbers for prefix {prefix} are exhausted; "
                "the numbering needs a new range"
            )
        nid = national_id.make(f"{prefix}{n:05d}")
        taken = s.execute(select(Person.id).where(Person.national_id == nid)).first()
        if taken is None:
            return nid
