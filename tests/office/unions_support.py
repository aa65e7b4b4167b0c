"""A small registry for the marriage and divorce handlers' tests: a migrated database (SQLite
or the real PostgreSQL) holding a few families, a registrar, and declarations as the store
would have written them.

The families (dates of birth; national numbers from `numbers.new_national_id`, so their
check digits are the project's own)::

    grandfather (1938) ═ grandmother (1940)
        ├── father (1962) ═ mother (1965)          registered marriage, standing
        │       ├── son (1990)                      the groom in most tests
        │       └── daughter (1993)                 the son's sister
        └── aunt (1967) ═ uncle_by_marriage (1960)
                └── cousin (1994)                   the son's first cousin: may marry him
    stepmother (1975)            married the father (1995), divorced him (2000)
    stranger (1996), stranger2 (1997), stranger_man (1985)
    married_woman (1991) ═ her_husband (1988)      registered marriage, standing
    divorcee (1992)              divorced her_ex (1987) on TODAY - 30 days
    young (TODAY - 16 years + 10 days): 15, court permission possible from 16 → under minimum
    teen (TODAY - 17 years): 17, may marry with the court's permission
    dead_woman (1990)            died 2020-03-01
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy.orm import Session

import registry
from registry.civil.kinds import Registration
from registry.civil.numbers import new_national_id
from registry.db import Database
from registry.models import (
    Death,
    DeclarationRow,
    Divorce,
    Marriage,
    Office,
    Person,
    StaffMember,
)
from registry.office.family_law import default_family_law
from verifier.documents import Sex

__all__ = ["LAW", "NOW", "TODAY", "World", "codes", "rendered_form", "world", "world_for"]

TODAY = dt.date(2026, 6, 1)
NOW = dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC)
LAW = default_family_law()
OFFICE = "AMM"
TEMPLATES = Path(registry.__file__).parent / "templates"


def _years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years)


@dataclass
class World:
    db: Database
    staff_id: int
    nid: dict[str, str] = field(default_factory=dict)  # role in the story -> national number
    pid: dict[str, int] = field(default_factory=dict)
    marriage: dict[str, str] = field(default_factory=dict)  # story name -> record number
    _declarations: int = 0

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.db.session() as s:
            yield s

    def declare(
        self, kind: str, facts: dict[str, Any], *, state: str = "declared", subject: str | None
    ) -> tuple[int, str]:
        """A declaration row as the store writes it: its id and number."""
        self._declarations += 1
        number = f"{OFFICE}-2026-{self._declarations:06d}"
        with self.session() as s:
            row = DeclarationRow(
                number=number,
                kind=kind,
                office=OFFICE,
                state=state,
                revision=1,
                facts=json.dumps(facts, sort_keys=True, ensure_ascii=False),
                subject=subject,
                declared_by=self.staff_id,
                declared_at=NOW,
                authors=json.dumps([self.staff_id]),
                acknowledged="[]",
                updated_at=NOW,
            )
            s.add(row)
            s.flush()
            return row.id, number

    def mark(self, declaration: tuple[int, str], state: str) -> None:
        """Move a declaration to a state, as the store does when it registers or rejects."""
        with self.session() as s:
            row = s.get(DeclarationRow, declaration[0])
            assert row is not None
            row.state = state

    def registration(self, s: Session, declaration: tuple[int, str]) -> Registration:
        office = s.get(Office, OFFICE)
        assert office is not None
        return Registration(
            declaration_id=declaration[0],
            declaration_number=declaration[1],
            office=office,
            by=self.staff_id,
            at=NOW,
            today=TODAY,
        )


def _person(
    s: Session,
    w: World,
    key: str,
    sex: Sex,
    born: dt.date,
    given: str,
    family: str,
    *,
    father: str | None = None,
    mother: str | None = None,
) -> None:
    nid = new_national_id(s, int(sex), born.year)
    dad = f"{given}_father"
    p = Person(
        national_id=nid,
        sex=int(sex),
        given_ar=given,
        father_given_ar="والد",
        grandfather_given_ar="جد",
        family_ar=family,
        father_name_ar=dad,
        mother_name_ar="والدة",
        father_id=w.pid[father] if father else None,
        mother_id=w.pid[mother] if mother else None,
        date_of_birth=born,
        place_of_birth_ar="عمان",
        birth_office_ar="مكتب الأحوال المدنية والجوازات - عمان الغربية",
        birth_record=f"B{born.year}/{len(w.pid) + 1:07d}",
        birth_registered_on=born,
    )
    s.add(p)
    s.flush()
    w.nid[key], w.pid[key] = nid, p.id


def _marry(
    s: Session, w: World, name: str, husband: str, wife: str, on: dt.date, *, number: int
) -> int:
    m = Marriage(
        husband_id=w.pid[husband],
        wife_id=w.pid[wife],
        date=on,
        place_ar="عمان",
        place_latin="Amman",
        office_ar="مكتب الأحوال المدنية والجوازات - عمان الغربية",
        office_latin="Civil Status Office - West Amman",
        record_number=f"M{on.year}/{number:07d}",
        registered_on=on,
    )
    s.add(m)
    s.flush()
    w.marriage[name] = m.record_number
    return m.id


def _divorce(s: Session, marriage_id: int, on: dt.date, *, number: int) -> None:
    s.add(
        Divorce(
            marriage_id=marriage_id,
            date=on,
            place_ar="عمان",
            place_latin="Amman",
            office_ar="مكتب الأحوال المدنية والجوازات - عمان الغربية",
            office_latin="Civil Status Office - West Amman",
            record_number=f"V{on.year}/{number:07d}",
            registered_on=on,
        )
    )
    s.flush()


@contextmanager
def world(database_url: str) -> Iterator[World]:
    db = Database(database_url, pool_size=2)
    try:
        db.migrate()
        with db.session() as s:
            staff = StaffMember(
                username="omar.registrar",
                name_ar="عمر يوسف الخصاونة",
                name_en="Omar Yousef Al-Khasawneh",
                role="registrar",
                office=OFFICE,
                password_hash="-",
                totp_secret="-",
                created_at=NOW,
            )
            s.add(staff)
            s.flush()
            w = World(db, staff.id)
            M, F = Sex.MALE, Sex.FEMALE
            d = dt.date
            _person(s, w, "grandfather", M, d(1938, 2, 1), "سالم", "العمري")
            _person(s, w, "grandmother", F, d(1940, 3, 1), "مريم", "الخطيب")
            _person(s, w, "father", M, d(1962, 4, 1), "خالد", "العمري", father="grandfather",
                    mother="grandmother")  # fmt: skip
            _person(s, w, "mother", F, d(1965, 5, 1), "سعاد", "الحسن")
            _person(s, w, "aunt", F, d(1967, 6, 1), "هند", "العمري", father="grandfather",
                    mother="grandmother")  # fmt: skip
            _person(s, w, "uncle_by_marriage", M, d(1960, 7, 1), "فراس", "الزعبي")
            _person(s, w, "son", M, d(1990, 1, 15), "أحمد", "العمري", father="father",
                    mother="mother")  # fmt: skip
            _person(s, w, "daughter", F, d(1993, 2, 15), "ليلى", "العمري", father="father",
                    mother="mother")  # fmt: skip
            _person(s, w, "cousin", F, d(1994, 3, 15), "رنا", "الزعبي", father="uncle_by_marriage",
                    mother="aunt")  # fmt: skip
            _person(s, w, "stepmother", F, d(1975, 8, 1), "نادية", "السعدي")
            _person(s, w, "stranger", F, d(1996, 9, 1), "سلمى", "الحوراني")
            _person(s, w, "stranger2", F, d(1997, 10, 1), "دانة", "الرفاعي")
            _person(s, w, "stranger_man", M, d(1985, 11, 1), "يزن", "الطراونة")
            _person(s, w, "married_woman", F, d(1991, 12, 1), "عبير", "النسور")
            _person(s, w, "her_husband", M, d(1988, 1, 1), "باسل", "النسور")
            _person(s, w, "divorcee", F, d(1992, 2, 1), "هبة", "المومني")
            _person(s, w, "her_ex", M, d(1987, 3, 1), "رامي", "المومني")
            _person(s, w, "young", F, _years_before(TODAY, 16) + dt.timedelta(days=10), "جنى",
                    "القضاة")  # fmt: skip
            _person(s, w, "teen", F, _years_before(TODAY, 17), "تالا", "القضاة")
            _person(s, w, "dead_woman", F, d(1990, 4, 1), "وفاء", "البطاينة")
            s.add(
                Death(
                    person_id=w.pid["dead_woman"],
                    date=d(2020, 3, 1),
                    place_ar="عمان",
                    office_ar="مكتب الأحوال المدنية والجوازات - عمان الغربية",
                    record_number="D2020/0000001",
                    registered_on=d(2020, 3, 2),
                )
            )
            _marry(s, w, "grandparents", "grandfather", "grandmother", d(1960, 1, 1), number=1)
            _marry(s, w, "parents", "father", "mother", d(1988, 1, 1), number=2)
            _marry(s, w, "aunt", "uncle_by_marriage", "aunt", d(1990, 1, 1), number=3)
            step = _marry(s, w, "step", "father", "stepmother", d(1995, 1, 1), number=4)
            _divorce(s, step, d(2000, 1, 1), number=1)
            _marry(s, w, "married_woman", "her_husband", "married_woman", d(2015, 1, 1), number=5)
            ex = _marry(s, w, "divorcee", "her_ex", "divorcee", d(2016, 1, 1), number=6)
            _divorce(s, ex, TODAY - dt.timedelta(days=30), number=2)
        yield w
    finally:
        db.dispose()


@contextmanager
def world_for(request: Any, tmp_path: Any, throwaway_postgres: Any) -> Iterator[World]:
    """The world on SQLite or PostgreSQL, as the test's `request.param` says."""
    if request.param == "sqlite":
        with world(f"sqlite:///{tmp_path / 'registry.db'}") as w:
            yield w
        return
    with throwaway_postgres("sanad_unions") as url, world(url) as w:
        yield w


def codes(findings: tuple[Any, ...]) -> list[str]:
    return [f.code for f in findings]


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, dict[str, str]] = {}
        self.labels: dict[str, str] = {}
        self._label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input":
            self.inputs[a["name"]] = a
        elif tag == "label":
            self._label = a["for"]
            self.labels[self._label] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self.labels[self._label] += data


def rendered_form(template: str, words: dict[str, str], form: dict[str, str]) -> _Form:
    """The kind's form template rendered as the declare page would, parsed: its inputs by
    name (their attributes) and its labels by the input they name."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    parser = _Form()
    parser.feed(env.get_template(template).render(t=words, form=form))
    parser.close()
    return parser
