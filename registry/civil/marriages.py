"""The marriage event kind (`kinds.EventHandler`): a contract made at a court or a registry
office, declared at the office by the spouses' national numbers.

What it does
------------
`MarriageDeclared` is the declared facts: husband and wife (national numbers of persons in
the register), the contract's date, the court or office (an office code such as AMM, or the
court's name), the contract number, and the reference of a court's permission when a party
is under the minimum age. `HANDLER.findings` gives every `vital_checks.check_marriage_event`
finding with the register's facts fetched (`persons.facts_of`, `kinship.between`), plus the
declarations still under review that would put a party past the concurrent-marriage limit,
and the wrong numbers a clerk types (the same person twice, husband and wife swapped, an
unknown office code). `HANDLER.register` writes the `Marriage` row with its record number
(`M2026/AMM/000001`) and version 1 of its history.

What it deliberately does not do
--------------------------------
No rule of its own about who may marry: `family_law` decides, with the rules configured.
The parties' rows are locked (PostgreSQL) by `findings(lock=True)`, which is how the store
calls it when registering, and again by `register`, in the registration's transaction: a
second marriage of the same wife registered a moment before is then seen, not raced. A
review page's findings lock nothing. Marital status, the family extract and
the kiosk's offers follow from the row (`registry.issuance`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from registry.civil import kinship, persons, unions
from registry.civil.kinds import EventHandler, Registration, first_version
from registry.civil.numbers import record_number
from registry.civil.unions import (
    ContractNumber,
    CourtOrOffice,
    FormDate,
    LatinText,
    NationalNumber,
)
from registry.models import Marriage
from registry.office.declarations import EventKind
from registry.office.errors import Refusal, Refused, isolate
from registry.office.family_law import FamilyLaw
from registry.office.vital_checks import FindingCode, MarriageFacts, PersonFacts
from registry.office.vital_checks import check_marriage_event as _check
from verifier.documents import Sex

__all__ = ["HANDLER", "WORDS", "MarriageDeclared", "MarriageHandler"]


class MarriageDeclared(BaseModel):
    """A marriage as declared (the API body's `facts`, the form's fields)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    husband_national_id: NationalNumber
    wife_national_id: NationalNumber
    date: FormDate
    place: CourtOrOffice  # an office code (AMM) or the court's name
    place_latin: LatinText | None = None  # the court's name in Latin letters, if known
    contract_number: ContractNumber
    court_permission: ContractNumber | None = None  # the court's permission under age


WORDS: dict[str, dict[str, str]] = {
    "ar": {
        "marriage_husband_national_id": "الرقم الوطني للزوج",
        "marriage_wife_national_id": "الرقم الوطني للزوجة",
        "marriage_date": "تاريخ عقد الزواج",
        "marriage_place": "المحكمة أو مكتب التسجيل",
        "marriage_place_hint": "رمز المكتب (مثل AMM) أو اسم المحكمة التي عقدت الزواج.",
        "marriage_place_latin": "اسم المحكمة بالأحرف اللاتينية",
        "marriage_contract_number": "رقم عقد الزواج",
        "marriage_court_permission": "رقم إذن المحكمة بالزواج دون السن القانونية",
    },
    "en": {
        "marriage_husband_national_id": "Husband's national number",
        "marriage_wife_national_id": "Wife's national number",
        "marriage_date": "Date of the marriage contract",
        "marriage_place": "Court or registry office",
        "marriage_place_hint": "The office code (such as AMM) or the name of the court that"
        " made the contract.",
        "marriage_place_latin": "Court's name in Latin letters",
        "marriage_contract_number": "Marriage contract number",
        "marriage_court_permission": "Court's permission to marry under age, its number",
    },
}


def _refusal(code: str, ar: str, en: str) -> Refusal:
    return Refusal(code, ar, en)


_SAME_PERSON = _refusal(
    "marriage_same_person",
    "الرقم الوطني للزوج هو نفسه الرقم الوطني للزوجة: تحقّق من الرقمين.",
    "The husband's and the wife's national numbers are the same: check both.",
)
_SWAPPED = _refusal(
    "marriage_parties_swapped",
    "الرقم الوطني المدخل للزوج لأنثى، والمدخل للزوجة لذكر: تحقّق من ترتيب الرقمين.",
    "The number given for the husband is a woman's and the one for the wife a man's: check"
    " which is which.",
)


def _waiting_limit(person: PersonFacts, limit: int, numbers: list[str]) -> Refusal:
    """The limit of concurrent marriages reached with the declarations still under review."""
    male = person.sex is Sex.MALE
    whom, whose = ("للزوج", "زيجاته") if male else ("للزوجة", "زيجاتها")
    who_en = "husband" if male else "wife"
    listed = "، ".join(isolate(n) for n in numbers)
    one = len(numbers) == 1
    what, by_it, on_it = ("بيان زواج", "وبه", "فيه") if one else ("بيانات زواج", "وبها", "فيها")
    what_en = "a marriage declaration" if one else "marriage declarations"
    it_en, is_en = ("it", "it is") if one else ("them", "they are")
    return _refusal(
        "marriage_declaration_waiting",
        f"يوجد {whom} {what} قيد المراجعة ({listed})، {by_it} يبلغ عدد {whose} الحد الأعلى"
        f" المسموح به ({isolate(limit)})، فلا يُسجَّل زواج جديد قبل البت {on_it}.",
        f"The {who_en} is already party to {what_en} awaiting review ({', '.join(numbers)});"
        f" with {it_en} the {who_en} reaches the most marriages allowed at once ({limit}): no"
        f" new marriage can be registered until {is_en} decided.",
    )


def _party_dead(person: PersonFacts, day: dt.date) -> Refusal | None:
    """The one finding `register` checks again under its lock: a death registered since."""
    if person.date_of_death is None or person.date_of_death >= day:
        return None
    return _refusal(
        FindingCode.PARTY_DEAD.value,
        f"{'صاحبة' if person.sex is Sex.FEMALE else 'صاحب'} الرقم الوطني"
        f" {isolate(person.national_id)}"
        f" {'متوفّاة' if person.sex is Sex.FEMALE else 'متوفًّى'} في"
        f" {isolate(person.date_of_death.isoformat())}، قبل تاريخ الزواج.",
        f"{person.national_id} died on {person.date_of_death.isoformat()}, before the date of"
        " the marriage.",
    )


class MarriageHandler:
    kind = EventKind.MARRIAGE
    facts_model: type[BaseModel] = MarriageDeclared
    form_template = "office/declare_marriage.html"
    labels = unions.labels_of(WORDS, "marriage", MarriageDeclared)

    def subject(self, facts: BaseModel) -> str | None:
        return _facts(facts).husband_national_id

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
        f = _facts(facts)
        if f.husband_national_id == f.wife_national_id:
            return (_SAME_PERSON,)
        found = unions.parties(s, f.husband_national_id, f.wife_national_id, lock=lock)
        if not isinstance(found, unions.Parties):
            return found + unions.unknown_office(s, f.place)
        husband, wife = persons.facts_of(s, found.husband), persons.facts_of(s, found.wife)
        out: list[Refusal] = []
        if husband.sex is Sex.FEMALE and wife.sex is Sex.MALE:
            out.append(_SWAPPED)
        for person in (husband, wife):
            limit = law.marriage.max_concurrent(person.sex)
            others = unions.waiting(
                s, EventKind.MARRIAGE, person.national_id, exclude=declaration_id
            )
            if person.current_marriages < limit <= person.current_marriages + len(others):
                out.append(_waiting_limit(person, limit, [w.number for w in others]))
        out.extend(
            _check(
                law,
                MarriageFacts(
                    husband=husband,
                    wife=wife,
                    date=f.date,
                    between=kinship.between(s, law, found.husband, found.wife),
                    court_permission=f.court_permission is not None,
                ),
                today=today,
            )
        )
        out.extend(unions.unknown_office(s, f.place))
        return tuple(out)

    def register(self, s: Session, facts: BaseModel, reg: Registration) -> str:
        f = _facts(facts)
        found = unions.parties(s, f.husband_national_id, f.wife_national_id)
        if not isinstance(found, unions.Parties):
            raise Refused(found[0])
        for person in (found.husband, found.wife):
            dead = _party_dead(persons.facts_of(s, person), f.date)
            if dead is not None:
                raise Refused(dead)
        place_ar, place_latin = unions.place_names(s, f.place, f.place_latin)
        row = Marriage(
            husband_id=found.husband.id,
            wife_id=found.wife.id,
            date=f.date,
            place_ar=place_ar,
            place_latin=place_latin,
            office_ar=reg.office.name_ar,
            office_latin=reg.office.name_latin,
            record_number=record_number(s, "marriage", reg.office.code, reg.today.year),
            registered_on=reg.today,
            contract_number=f.contract_number,
        )
        s.add(row)
        s.flush()
        return first_version(s, row, reg)

    def summary(self, facts: BaseModel) -> tuple[str, str]:
        f = _facts(facts)
        h, w, day = f.husband_national_id, f.wife_national_id, f.date.isoformat()
        return (
            f"زواج {isolate(h)} و{isolate(w)} بتاريخ {isolate(day)}",
            f"Marriage of {h} and {w} on {day}",
        )

    def from_form(self, form: Mapping[str, str]) -> dict[str, Any]:
        return unions.facts_form(MarriageDeclared, form)

    def to_form(self, facts: BaseModel) -> dict[str, str]:
        return unions.form_of(_facts(facts))


def _facts(facts: BaseModel) -> MarriageDeclared:
    if not isinstance(facts, MarriageDeclared):
        raise TypeError(f"a marriage handler was given {type(facts).__name__}")
    return facts


HANDLER: EventHandler = MarriageHandler()
