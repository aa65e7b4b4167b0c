"""The divorce event kind (`kinds.EventHandler`): a court's deed or ruling ending a
registered marriage, declared at the office.

What it does
------------
`DivorceDeclared` is the declared facts: the spouses' national numbers (always: the deed
names both, and the declaration's subject is the husband), optionally the marriage's record
number (which must then be a marriage of these two; without it, their latest marriage is the
one ended), the date, the court (or an office code) and the deed or ruling number.
`HANDLER.findings` gives every `vital_checks.check_divorce` finding (a current marriage,
after its date, not in the future, both parties alive), plus a marriage the register does
not hold, one of other parties, and another divorce of the same marriage still under review.
`HANDLER.register` writes the `Divorce` row with its record number (`V2026/AMM/000001`) and
version 1 of its history, refusing if the marriage was dissolved a moment before.

What it deliberately does not do
--------------------------------
No revocable-divorce bookkeeping (a return within the waiting period is a new marriage
here); the court that issued the deed answers for its kind. Marital status, the family
extract and the kiosk's offers follow from the row (`registry.issuance`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.civil import persons, unions
from registry.civil.kinds import EventHandler, Registration, first_version
from registry.civil.numbers import record_number
from registry.civil.unions import (
    ContractNumber,
    CourtOrOffice,
    FormDate,
    LatinText,
    NationalNumber,
)
from registry.http_schema import Text
from registry.issuance import RECORD_NUMBER
from registry.models import Divorce, Marriage
from registry.office.declarations import EventKind
from registry.office.errors import Refusal, Refused, isolate
from registry.office.family_law import FamilyLaw
from registry.office.vital_checks import (
    DivorceFacts,
    RecordedMarriage,
    check_divorce,
    refusing,
)

__all__ = ["HANDLER", "WORDS", "DivorceDeclared", "DivorceHandler"]


def _record(value: str) -> str:
    value = value.strip().upper()
    if not RECORD_NUMBER.fullmatch(value):
        raise ValueError("a marriage record number looks like M2019/0000123 or M2026/AMM/000001")
    if not value.startswith("M"):
        raise ValueError("a marriage's record number starts with M")
    return value


MarriageRecord = Annotated[Text, StringConstraints(max_length=32), AfterValidator(_record)]


class DivorceDeclared(BaseModel):
    """A divorce as declared (the API body's `facts`, the form's fields)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    husband_national_id: NationalNumber
    wife_national_id: NationalNumber
    marriage_record: MarriageRecord | None = None  # M2019/0000123, M2026/AMM/000001
    date: FormDate
    court: CourtOrOffice  # the court that issued the deed or ruling, or an office code
    court_latin: LatinText | None = None
    contract_number: ContractNumber  # the divorce deed's or ruling's number


WORDS: dict[str, dict[str, str]] = {
    "ar": {
        "divorce_husband_national_id": "الرقم الوطني للزوج",
        "divorce_wife_national_id": "الرقم الوطني للزوجة",
        "divorce_marriage_record": "رقم قيد الزواج",
        "divorce_marriage_record_hint": "إن لم يُذكر، يُعدّ الطلاق واقعًا على آخر زواج بين الزوجين.",
        "divorce_date": "تاريخ الطلاق",
        "divorce_court": "المحكمة",
        "divorce_court_hint": "اسم المحكمة التي أصدرت حجة الطلاق أو الحكم، أو رمز المكتب.",
        "divorce_court_latin": "اسم المحكمة بالأحرف اللاتينية",
        "divorce_contract_number": "رقم حجة الطلاق أو الحكم",
    },
    "en": {
        "divorce_husband_national_id": "Husband's national number",
        "divorce_wife_national_id": "Wife's national number",
        "divorce_marriage_record": "Marriage record number",
        "divorce_marriage_record_hint": "Without it, the divorce ends the spouses' latest"
        " marriage.",
        "divorce_date": "Date of the divorce",
        "divorce_court": "Court",
        "divorce_court_hint": "The court that issued the divorce deed or ruling, or an office"
        " code.",
        "divorce_court_latin": "Court's name in Latin letters",
        "divorce_contract_number": "Divorce deed or ruling number",
    },
}


def _refusal(code: str, ar: str, en: str) -> Refusal:
    return Refusal(code, ar, en)


def _no_such_record(record: str) -> Refusal:
    return _refusal(
        "divorce_marriage_not_found",
        f"لا يوجد في السجل زواج برقم القيد {isolate(record)}: تحقّق من الرقم.",
        f"The register holds no marriage with the record number {record}: check it.",
    )


_NO_MARRIAGE = _refusal(
    "divorce_marriage_not_found",
    "لا يوجد في السجل زواج بين صاحبي الرقمين الوطنيين المدخلين: تحقّق من الرقمين.",
    "The register holds no marriage between the two national numbers given: check both.",
)


def _other_parties(record: str) -> Refusal:
    return _refusal(
        "divorce_marriage_other_parties",
        f"الزواج {isolate(record)} ليس بين صاحبي الرقمين الوطنيين المدخلين: تحقّق من رقم القيد"
        " ومن الرقمين.",
        f"Marriage {record} is not between the two national numbers given: check the record"
        " number and both national numbers.",
    )


def _already_declared(numbers: list[str]) -> Refusal:
    one = len(numbers) == 1
    listed = "، ".join(isolate(n) for n in numbers)
    what = "بيان طلاق آخر" if one else "بيانات طلاق أخرى"
    what_en = "Another divorce declaration" if one else "Other divorce declarations"
    is_en = "is" if one else "are"
    return _refusal(
        "divorce_already_declared",
        f"يوجد {what} للزواج نفسه قيد المراجعة ({listed}): لا يُسجَّل طلاقان للزواج الواحد.",
        f"{what_en} for the same marriage {is_en} awaiting review ({', '.join(numbers)}): a"
        " marriage is not registered as dissolved twice.",
    )


@dataclass(frozen=True)
class _Found:
    marriage: Marriage
    divorced_on: dt.date | None


def _marriage(
    s: Session, f: DivorceDeclared, parties: unions.Parties, *, lock: bool = True
) -> _Found | Refusal:
    """The marriage the divorce ends (locked when `lock`): the one named, or the two's latest."""
    if f.marriage_record is not None:
        named = select(Marriage).where(Marriage.record_number == f.marriage_record)
        m = s.execute(named.with_for_update() if lock else named).scalar_one_or_none()
        if m is None:
            return _no_such_record(f.marriage_record)
        if (m.husband_id, m.wife_id) != (parties.husband.id, parties.wife.id):
            return _other_parties(f.marriage_record)
    else:
        latest = (
            select(Marriage)
            .where(Marriage.husband_id == parties.husband.id, Marriage.wife_id == parties.wife.id)
            .order_by(Marriage.date.desc(), Marriage.id.desc())
            .limit(1)
        )
        m = s.execute(latest.with_for_update() if lock else latest).scalar_one_or_none()
        if m is None:
            return _NO_MARRIAGE
    divorced = s.execute(select(Divorce.date).where(Divorce.marriage_id == m.id)).scalar()
    return _Found(m, divorced)


class DivorceHandler:
    kind = EventKind.DIVORCE
    facts_model: type[BaseModel] = DivorceDeclared
    form_template = "office/declare_divorce.html"
    labels = unions.labels_of(WORDS, "divorce", DivorceDeclared)

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
        found = unions.parties(s, f.husband_national_id, f.wife_national_id, lock=lock)
        if not isinstance(found, unions.Parties):
            return found + unions.unknown_office(s, f.court)
        m = _marriage(s, f, found, lock=lock)
        if isinstance(m, Refusal):
            return (m, *unions.unknown_office(s, f.court))
        out: list[Refusal] = list(self._checks(s, f, found, m, today=today))
        others = [
            w.number
            for w in unions.waiting(
                s, EventKind.DIVORCE, f.husband_national_id, exclude=declaration_id
            )
            if _same_marriage(w.facts, f, m.marriage.record_number)
        ]
        if others:
            out.append(_already_declared(others))
        out.extend(unions.unknown_office(s, f.court))
        return tuple(out)

    def _checks(
        self, s: Session, f: DivorceDeclared, p: unions.Parties, m: _Found, *, today: dt.date
    ) -> tuple[Refusal, ...]:
        return check_divorce(
            DivorceFacts(
                marriage=RecordedMarriage(m.marriage.record_number, m.marriage.date, m.divorced_on),
                husband=persons.facts_of(s, p.husband),
                wife=persons.facts_of(s, p.wife),
                date=f.date,
            ),
            today=today,
        )

    def register(self, s: Session, facts: BaseModel, reg: Registration) -> str:
        f = _facts(facts)
        found = unions.parties(s, f.husband_national_id, f.wife_national_id)
        if not isinstance(found, unions.Parties):
            raise Refused(found[0])
        m = _marriage(s, f, found)
        if isinstance(m, Refusal):
            raise Refused(m)
        # the register may have changed since the review: a divorce or a death registered
        changed = refusing(self._checks(s, f, found, m, today=reg.today))
        if changed:
            raise Refused(changed[0])
        court_ar, court_latin = unions.place_names(s, f.court, f.court_latin)
        row = Divorce(
            marriage_id=m.marriage.id,
            date=f.date,
            place_ar=court_ar,
            place_latin=court_latin,
            office_ar=reg.office.name_ar,
            office_latin=reg.office.name_latin,
            record_number=record_number(s, "divorce", reg.office.code, reg.today.year),
            registered_on=reg.today,
            contract_number=f.contract_number,
        )
        s.add(row)
        s.flush()
        return first_version(s, row, reg)

    def summary(self, facts: BaseModel) -> tuple[str, str]:
        f = _facts(facts)
        h, w, day = f.husband_national_id, f.wife_national_id, f.date.isoformat()
        ar = f"طلاق {isolate(h)} و{isolate(w)} بتاريخ {isolate(day)}"
        en = f"Divorce of {h} and {w} on {day}"
        if f.marriage_record is not None:
            ar += f" (الزواج {isolate(f.marriage_record)})"
            en += f" (marriage {f.marriage_record})"
        return ar, en

    def from_form(self, form: Mapping[str, str]) -> dict[str, Any]:
        return unions.facts_form(DivorceDeclared, form)

    def to_form(self, facts: BaseModel) -> dict[str, str]:
        return unions.form_of(_facts(facts))


def _same_marriage(other: Mapping[str, Any], f: DivorceDeclared, record: str) -> bool:
    """A waiting divorce declaration ends the same marriage: named by its record number, or
    by the same two spouses without one."""
    if other.get("wife_national_id") != f.wife_national_id:
        return False
    if other.get("husband_national_id") != f.husband_national_id:
        return False
    named = other.get("marriage_record")
    return named is None or named == record


def _facts(facts: BaseModel) -> DivorceDeclared:
    if not isinstance(facts, DivorceDeclared):
        raise TypeError(f"a divorce handler was given {type(facts).__name__}")
    return facts


HANDLER: EventHandler = DivorceHandler()
