"""The birth event kind (`HANDLER`), for the declarations store.

A birth declares the child's given name (Arabic; the Latin form suggested by
`arabic_match.suggest_latin` unless the clerk wrote one), sex, date and time, place, mother and
father by national number (or their names recorded when they are not in the register), and
the informant. When the father is in the register the rest of the child's four-part name is
his: his given name, his father's given name, his family name; otherwise the declaration
carries those parts.

Registering writes the child's person row: a new national number (`numbers.new_national_id`,
never given before), the office's birth record number for the year, the parents' links, the
name search keys, and version 1 of the record.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.civil import numbers
from registry.civil.common import (
    Facts,
    Informant,
    Invalid,
    NationalId,
    Place,
    TextAr,
    TextLatin,
    drop_empty,
    place_findings,
    place_names,
    str_or_none,
)
from registry.civil.kinds import WAITING, Registration, first_version
from registry.civil.persons import by_national_id, facts_of
from registry.models import DeclarationRow, Person
from registry.office.arabic_match import suggest_latin
from registry.office.declarations import EventKind
from registry.office.errors import Refusal, Refused, isolate
from registry.office.family_law import FamilyLaw
from registry.office.vital_checks import BirthFacts, OtherBirth, check_birth
from registry.records import index_person
from verifier.documents import Sex

__all__ = ["HANDLER", "BirthDeclared", "Parent"]


class Parent(Facts):
    """A parent by national number, or (not in the register) by the name recorded."""

    national_id: NationalId | None = None
    name_ar: TextAr | None = None
    name_latin: TextLatin | None = None

    @model_validator(mode="after")
    def _identified(self) -> Parent:
        if self.national_id is None and self.name_ar is None:
            raise Invalid(
                "يُكتب الرقم الوطني، أو الاسم الكامل إن لم يكن مسجَّلًا في السجل.",
                "Give the national number, or the full name if not in the register.",
            )
        return self


class BirthDeclared(Facts):
    given_ar: TextAr
    given_latin: TextLatin | None = None
    # the rest of the name, only when the father is not in the register
    father_given_ar: TextAr | None = None
    grandfather_given_ar: TextAr | None = None
    family_ar: TextAr | None = None
    family_latin: TextLatin | None = None
    sex: Sex
    date_of_birth: dt.date
    time_of_birth: dt.time | None = None
    place: Place
    mother: Parent
    father: Parent | None = None
    informant: Informant


LABELS: dict[str, tuple[str, str]] = {
    "given_ar": ("اسم المولود", "The child's given name"),
    "given_latin": ("اسم المولود بالحروف اللاتينية", "The child's given name in Latin letters"),
    "father_given_ar": ("اسم الأب", "The father's given name"),
    "grandfather_given_ar": ("اسم الجد", "The grandfather's given name"),
    "family_ar": ("اسم العائلة", "The family name"),
    "family_latin": ("اسم العائلة بالحروف اللاتينية", "The family name in Latin letters"),
    "sex": ("الجنس", "Sex"),
    "date_of_birth": ("تاريخ الولادة", "The date of birth"),
    "time_of_birth": ("ساعة الولادة", "The time of birth"),
    "place": ("مكان الولادة", "The place of birth"),
    "mother": ("الأم", "The mother"),
    "father": ("الأب", "The father"),
    "informant": ("المبلِّغ", "The informant"),
}


def _unknown_parent(mother: bool, nid: str) -> Refusal:
    which_ar, which_en = ("الأم", "the mother") if mother else ("الأب", "the father")
    if_not = "إن لم تكن مسجَّلة" if mother else "إن لم يكن مسجَّلًا"
    return Refusal(
        "birth_parent_unknown",
        f"لا يوجد في السجل شخص بالرقم الوطني {isolate(nid)} ({which_ar}): تحقّق من الرقم،"
        f" أو اكتب الاسم الكامل {if_not}.",
        f"No person in the register holds national number {nid} ({which_en}): check it, or"
        " write the full name if not registered.",
    )


def _parent_row(s: Session, parent: Parent | None, *, lock: bool = False) -> Person | None:
    if parent is None or parent.national_id is None:
        return None
    return by_national_id(s, parent.national_id, for_update=lock)


def _name_parts(facts: BirthDeclared, father: Person | None) -> tuple[str, ...] | None:
    """The child's four Arabic name parts, or None when the declaration lacks some."""
    if father is not None:
        return (facts.given_ar, father.given_ar, father.father_given_ar, father.family_ar)
    parts = (facts.given_ar, facts.father_given_ar, facts.grandfather_given_ar, facts.family_ar)
    return tuple(p for p in parts if p) if all(parts) else None


_MISSING_NAME = Refusal(
    "birth_name_incomplete",
    "الأب غير مسجَّل في السجل: يُكتب اسم الأب واسم الجد واسم العائلة ليكتمل اسم المولود الرباعي.",
    "The father is not in the register: write the father's, the grandfather's and the family"
    " name to complete the child's four-part name.",
)


class _Births:
    kind = EventKind.BIRTH
    facts_model: type[BaseModel] = BirthDeclared
    form_template = "office/declare_birth.html"
    labels = LABELS

    def subject(self, facts: BaseModel) -> str | None:
        assert isinstance(facts, BirthDeclared)
        return facts.mother.national_id

    def findings(
        self,
        s: Session,
        law: FamilyLaw,
        facts: BaseModel,
        *,
        today: dt.date,
        declaration_id: int | None,
        lock: bool = False,
    ) -> tuple[Refusal, ...]:
        assert isinstance(facts, BirthDeclared)
        out: list[Refusal] = []
        mother, father = _parent_row(s, facts.mother), _parent_row(s, facts.father)
        if facts.mother.national_id and mother is None:
            out.append(_unknown_parent(True, facts.mother.national_id))
        if facts.father and facts.father.national_id and father is None:
            out.append(_unknown_parent(False, facts.father.national_id))
        parts = _name_parts(facts, father)
        if parts is None:
            out.append(_MISSING_NAME)
        others: list[OtherBirth] = []
        if mother is not None:
            children = s.execute(select(Person).where(Person.mother_id == mother.id)).scalars()
            others.extend(OtherBirth(c.national_id, c.name_ar, c.date_of_birth) for c in children)
            others.extend(_waiting_births(s, mother.national_id, declaration_id))
        checked = BirthFacts(
            child_name=" ".join(parts or (facts.given_ar,)),
            sex=facts.sex,
            date_of_birth=facts.date_of_birth,
            declared_on=today,
            mother=facts_of(s, mother) if mother is not None else None,
            father=facts_of(s, father) if father is not None else None,
            mother_other_births=tuple(others),
        )
        out.extend(check_birth(law, checked, today=today))
        out.extend(place_findings(s, facts.place))
        return tuple(out)

    def register(self, s: Session, facts: BaseModel, reg: Registration) -> str:
        assert isinstance(facts, BirthDeclared)
        mother = _parent_row(s, facts.mother, lock=True)
        father = _parent_row(s, facts.father, lock=True)
        parts = _name_parts(facts, father)
        if parts is None:
            raise Refused(_MISSING_NAME)
        latin = _latin_parts(facts, father, parts)
        place_ar, place_latin = place_names(s, facts.place)
        person = Person(
            national_id=numbers.new_national_id(s, int(facts.sex), facts.date_of_birth.year),
            card_number=None,
            sex=int(facts.sex),
            given_ar=parts[0],
            given_latin=latin[0],
            father_given_ar=parts[1],
            father_given_latin=latin[1],
            grandfather_given_ar=parts[2],
            grandfather_given_latin=latin[2],
            family_ar=parts[3],
            family_latin=latin[3],
            father_name_ar=_parent_name_ar(father, facts.father),
            father_name_latin=_parent_name_latin(father, facts.father),
            mother_name_ar=_parent_name_ar(mother, facts.mother),
            mother_name_latin=_parent_name_latin(mother, facts.mother),
            father_id=father.id if father is not None else None,
            mother_id=mother.id if mother is not None else None,
            date_of_birth=facts.date_of_birth,
            birth_time=facts.time_of_birth,
            place_of_birth_ar=place_ar,
            place_of_birth_latin=place_latin,
            birth_office_ar=reg.office.name_ar,
            birth_office_latin=reg.office.name_latin,
            birth_record=numbers.record_number(s, "birth", reg.office.code, reg.today.year),
            birth_registered_on=reg.today,
            employed=False,
            registered_by=reg.by,
        )
        s.add(person)
        s.flush()
        index_person(s, person)
        return first_version(s, person, reg)

    def summary(self, facts: BaseModel) -> tuple[str, str]:
        assert isinstance(facts, BirthDeclared)
        sex_ar = "ذكر" if facts.sex is Sex.MALE else "أنثى"
        sex_en = "boy" if facts.sex is Sex.MALE else "girl"
        day = facts.date_of_birth.isoformat()
        mother = facts.mother.national_id or facts.mother.name_ar or ""
        return (
            f"ولادة {facts.given_ar} ({sex_ar}) بتاريخ {isolate(day)}، الأم {isolate(mother)}",
            f"Birth of {facts.given_latin or facts.given_ar} ({sex_en}) on {day}, mother {mother}",
        )

    def from_form(self, form: Mapping[str, str]) -> dict[str, Any]:
        def get(key: str) -> str | None:
            return str_or_none(form, key)

        out: dict[str, Any] = {
            key: get(key)
            for key in (
                "given_ar",
                "given_latin",
                "father_given_ar",
                "grandfather_given_ar",
                "family_ar",
                "family_latin",
                "sex",
                "date_of_birth",
                "time_of_birth",
            )
        }
        out["place"] = {
            "code": get("place_code"),
            "name_ar": get("place_ar"),
            "name_latin": get("place_latin"),
        }
        out["mother"] = {"national_id": get("mother_nid"), "name_ar": get("mother_name_ar")}
        if get("father_nid") or get("father_name_ar"):
            out["father"] = {"national_id": get("father_nid"), "name_ar": get("father_name_ar")}
        out["informant"] = {
            "relation": get("informant_relation"),
            "name_ar": get("informant_name_ar"),
            "national_id": get("informant_nid"),
        }
        return drop_empty(out)

    def to_form(self, facts: BaseModel) -> dict[str, str]:
        assert isinstance(facts, BirthDeclared)
        data = json.loads(facts.model_dump_json())
        flat: dict[str, Any] = {
            k: data.get(k)
            for k in (
                "given_ar",
                "given_latin",
                "father_given_ar",
                "grandfather_given_ar",
                "family_ar",
                "family_latin",
                "sex",
                "date_of_birth",
                "time_of_birth",
            )
        }
        flat["place_code"] = data["place"].get("code")
        flat["place_ar"] = data["place"].get("name_ar")
        flat["place_latin"] = data["place"].get("name_latin")
        flat["mother_nid"] = data["mother"].get("national_id")
        flat["mother_name_ar"] = data["mother"].get("name_ar")
        father = data.get("father") or {}
        flat["father_nid"] = father.get("national_id")
        flat["father_name_ar"] = father.get("name_ar")
        flat["informant_relation"] = data["informant"]["relation"]
        flat["informant_name_ar"] = data["informant"]["name_ar"]
        flat["informant_nid"] = data["informant"].get("national_id")
        return {k: str(v) for k, v in flat.items() if v is not None}


def _waiting_births(s: Session, mother_nid: str, declaration_id: int | None) -> list[OtherBirth]:
    rows = s.execute(
        select(DeclarationRow).where(
            DeclarationRow.kind == EventKind.BIRTH.value,
            DeclarationRow.subject == mother_nid,
            DeclarationRow.state.in_(WAITING),
        )
    ).scalars()
    out = []
    for row in rows:
        if row.id == declaration_id:
            continue
        facts = json.loads(row.facts)
        out.append(
            OtherBirth(row.number, facts["given_ar"], dt.date.fromisoformat(facts["date_of_birth"]))
        )
    return out


def _latin_parts(
    facts: BirthDeclared, father: Person | None, parts: tuple[str, ...]
) -> tuple[str | None, ...]:
    suggested = suggest_latin(parts)
    given = facts.given_latin or suggested[0]
    if father is not None:
        return (given, father.given_latin, father.father_given_latin, father.family_latin)
    return (given, suggested[1], suggested[2], facts.family_latin or suggested[3])


def _parent_name_ar(row: Person | None, parent: Parent | None) -> str:
    if row is not None:
        return row.name_ar
    return parent.name_ar if parent is not None and parent.name_ar else ""


def _parent_name_latin(row: Person | None, parent: Parent | None) -> str | None:
    if row is not None:
        return row.name_latin
    return parent.name_latin if parent is not None else None


HANDLER = _Births()
