"""Corrections of registered records under four eyes, over a database session.

What it does
------------
A registrar of the office that registered a record proposes a correction (field → corrected
value, a reason and the reference of the evidence); a different registrar of that office, or
a supervisor, approves it or declines it with a reason; the proposer may withdraw it. The rules
are `registry.office.declarations.propose_correction` / `step_correction`; this module
validates the values, stores the `corrections` row, and on approval:

* updates the record's row (locked: ``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
  ``BEGIN IMMEDIATE`` serialises writers anyway), so two approvals at once give exactly one;
* writes the record's next version (`registry.record_history`): for a record that has none yet
  (a generated one), its data before the correction first, as version 1;
* refreshes the name search keys (`persons.name_key`, `person_name_blocks`) when the Arabic
  name changed;
* marks every document issued from the old data superseded (`IssuedDocument.superseded_at`):
  the documents whose subject is the person, marriage or divorce, the marriage and divorce
  certificates that print a corrected person's name, and the family extracts of another
  person that list the corrected one (read from the signed text);
* appends the audit entries (ids, staff, offices, states, changed field names and the
  superseded serials; never the values or the free-text reasons, which stay in the
  correction's row and the record's versions).

`FIELDS` says which fields of each kind of record may be corrected, with their kind and
bounds; `parse_changes` checks every corrected value against the record as it is (a real
date, in order with the record's other dates; a name of Arabic or Latin letters, normalised;
never the value it already has) and answers a `Refusal` naming the problem.

What it deliberately does not do
--------------------------------
No links between records are corrected here (a father's national number, a marriage's
spouses): those are new events or a court's matter. No HTTP, no rendering: the office app
(`registry.office_web.corrections`) calls these functions. No commit: one call, one
transaction, the caller's (`Database.session()`).

Exceptions: `registry.office.errors.Refused` (403: the wrong person), `NoTransition` (409:
decided already), and two of this module's, both `Refused`: `Invalid` (422: a value, reason or
evidence that cannot be used) and `Unknown` (404: no such record or correction).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from registry import audit, offices, record_history
from registry.audit import AuditEvent
from registry.civil.numbers import correction_number
from registry.models import Correction as CorrectionRow
from registry.models import Death, Divorce, IssuedDocument, Marriage, Person, StaffMember
from registry.office import declarations as rules
from registry.office.declarations import (
    Approve,
    AuditRecord,
    CorrectionState,
    Decline,
    Staff,
    Withdraw,
)
from registry.office.errors import Refusal, Refused, isolate
from registry.record_history import RecordKind
from registry.records import index_person
from verifier import codec, cose
from verifier.documents import DocumentType
from verifier.payload import decode_claims

__all__ = [
    "FIELDS",
    "Change",
    "CorrectionView",
    "Field",
    "FieldKind",
    "Invalid",
    "Unknown",
    "approve",
    "decline",
    "get",
    "parse_changes",
    "propose",
    "queue",
    "record_of",
    "waiting_for",
    "withdraw",
]

EARLIEST = dt.date(1900, 1, 1)
MAX_CHANGES = 16


class Invalid(Refused):
    """A corrected value, a reason or an evidence reference that cannot be used (422)."""


class Unknown(Refused):
    """No record or correction by that reference or number (404)."""


class FieldKind(enum.Enum):
    ARABIC_NAME = "arabic_name"  # Arabic letters (and harakat) and spaces
    LATIN_NAME = "latin_name"  # Latin letters, spaces, hyphens, apostrophes
    ARABIC_PLACE = "arabic_place"  # Arabic letters, digits, spaces, hyphens
    LATIN_PLACE = "latin_place"
    DATE = "date"  # YYYY-MM-DD
    SEX = "sex"  # male | female
    CONTRACT = "contract"  # a contract number: letters, digits, '/', '-'


@dataclass(frozen=True)
class Field:
    name: str  # the record row's column
    kind: FieldKind
    ar: str
    en: str
    max_length: int = 40


_F = FieldKind
_PERSON_FIELDS = (
    Field("given_ar", _F.ARABIC_NAME, "الاسم الأول", "given name (Arabic)"),
    Field("father_given_ar", _F.ARABIC_NAME, "اسم الأب", "father's given name (Arabic)"),
    Field("grandfather_given_ar", _F.ARABIC_NAME, "اسم الجد", "grandfather's given name (Arabic)"),
    Field("family_ar", _F.ARABIC_NAME, "اسم العائلة", "family name (Arabic)"),
    Field("given_latin", _F.LATIN_NAME, "الاسم الأول باللاتينية", "given name (Latin)"),
    Field(
        "father_given_latin", _F.LATIN_NAME, "اسم الأب باللاتينية", "father's given name (Latin)"
    ),
    Field(
        "grandfather_given_latin",
        _F.LATIN_NAME,
        "اسم الجد باللاتينية",
        "grandfather's given name (Latin)",
    ),
    Field("family_latin", _F.LATIN_NAME, "اسم العائلة باللاتينية", "family name (Latin)"),
    Field("sex", _F.SEX, "الجنس", "sex"),
    Field("date_of_birth", _F.DATE, "تاريخ الولادة", "date of birth"),
    Field("place_of_birth_ar", _F.ARABIC_PLACE, "مكان الولادة", "place of birth (Arabic)", 80),
    Field(
        "place_of_birth_latin",
        _F.LATIN_PLACE,
        "مكان الولادة باللاتينية",
        "place of birth (Latin)",
        80,
    ),
    Field("father_name_ar", _F.ARABIC_NAME, "اسم الأب الكامل", "father's full name (Arabic)", 160),
    Field(
        "father_name_latin",
        _F.LATIN_NAME,
        "اسم الأب الكامل باللاتينية",
        "father's full name (Latin)",
        160,
    ),
    Field("mother_name_ar", _F.ARABIC_NAME, "اسم الأم الكامل", "mother's full name (Arabic)", 160),
    Field(
        "mother_name_latin",
        _F.LATIN_NAME,
        "اسم الأم الكامل باللاتينية",
        "mother's full name (Latin)",
        160,
    ),
)


def _event_fields(event_ar: str, event_en: str, *, contract: bool) -> tuple[Field, ...]:
    out: tuple[Field, ...] = (
        Field("date", _F.DATE, f"تاريخ {event_ar}", f"date of {event_en}"),
        Field("place_ar", _F.ARABIC_PLACE, f"مكان {event_ar}", f"place of {event_en} (Arabic)", 80),
        Field(
            "place_latin",
            _F.LATIN_PLACE,
            f"مكان {event_ar} باللاتينية",
            f"place of {event_en} (Latin)",
            80,
        ),
    )
    if contract:
        out += (Field("contract_number", _F.CONTRACT, "رقم العقد", "contract number", 32),)
    return out


FIELDS: dict[RecordKind, tuple[Field, ...]] = {
    "person": _PERSON_FIELDS,
    "death": _event_fields("الوفاة", "death", contract=False),
    "marriage": _event_fields("الزواج", "marriage", contract=True),
    "divorce": _event_fields("الطلاق", "divorce", contract=True),
}
_KIND_WORDS: dict[RecordKind, tuple[str, str]] = {
    "person": ("قيد الولادة", "birth record"),
    "death": ("قيد الوفاة", "death record"),
    "marriage": ("قيد الزواج", "marriage record"),
    "divorce": ("قيد الطلاق", "divorce record"),
}
_NAME_PARTS = ("given_ar", "father_given_ar", "grandfather_given_ar", "family_ar")

Record = Person | Death | Marriage | Divorce


# ---------------------------------------------------------------------------------------------
# values (pure)


def _invalid(code: str, ar: str, en: str) -> Invalid:
    return Invalid(Refusal(code, ar, en))


_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROLS = re.compile("[\u0640\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_ARABIC_NAME = re.compile(r"[\u0621-\u063a\u0641-\u064a\u064b-\u0652\u0670 ]+")
_ARABIC_PLACE = re.compile(r"[\u0621-\u063a\u0641-\u064a\u064b-\u0652\u0670 0-9()-]+")
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z' -]*")
_LATIN_PLACE = re.compile(r"[A-Za-z][A-Za-z0-9' .()-]*")
_CONTRACT = re.compile(r"[A-Z0-9][A-Z0-9/-]*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_SEXES = {"male": 1, "1": 1, "ذكر": 1, "female": 2, "2": 2, "أنثى": 2, "انثى": 2}


def _plain(text: str) -> str:
    """Free text as a database stores it: control characters and lone surrogates to spaces."""
    return _UNSTORABLE.sub(" ", text)


def _text(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value)).translate(_DIGITS)
    return " ".join(_CONTROLS.sub("", text).split())


def parse_value(f: Field, raw: object, *, today: dt.date) -> Any:
    """One corrected value, normalised (a JSON value: text, ISO date, 1 or 2 for sex)."""
    text = _text(raw) if raw is not None else ""
    if not text:
        raise _invalid(
            "value_required",
            f"أدخل القيمة المصحَّحة لحقل «{f.ar}».",
            f"Enter the corrected {f.en}.",
        )
    if f.kind is FieldKind.DATE:
        return _parse_date(f, text, today).isoformat()
    if f.kind is FieldKind.SEX:
        sex = _SEXES.get(text.lower())
        if sex is None:
            raise _invalid("invalid_value", "الجنس: ذكر أو أنثى.", "Sex is male or female.")
        return sex
    if len(text) > f.max_length:
        raise _invalid(
            "too_long",
            f"حقل «{f.ar}» أطول من {isolate(f.max_length)} حرفًا.",
            f"The {f.en} is longer than {f.max_length} characters.",
        )
    pattern, ar_what, en_what = {
        FieldKind.ARABIC_NAME: (
            _ARABIC_NAME,
            "حروفًا عربية ومسافات فقط",
            "Arabic letters and spaces",
        ),
        FieldKind.ARABIC_PLACE: (
            _ARABIC_PLACE,
            "حروفًا عربية وأرقامًا ومسافات فقط",
            "Arabic letters, digits and spaces",
        ),
        FieldKind.LATIN_NAME: (
            _LATIN_NAME,
            "حروفًا لاتينية ومسافات وشرطات فقط",
            "Latin letters, spaces, hyphens and apostrophes",
        ),
        FieldKind.LATIN_PLACE: (
            _LATIN_PLACE,
            "حروفًا لاتينية وأرقامًا ومسافات والعلامات ' . ( ) - فقط",
            "Latin letters, digits, spaces and ' . ( ) -",
        ),
        FieldKind.CONTRACT: (
            _CONTRACT,
            "حروفًا لاتينية وأرقامًا و«/» و«-» فقط",
            "letters, digits, '/' and '-'",
        ),
    }[f.kind]
    if f.kind is FieldKind.CONTRACT:
        text = text.upper()
    if not pattern.fullmatch(text):
        raise _invalid(
            "invalid_value",
            f"يجب أن يحوي حقل «{f.ar}» {ar_what}.",
            f"The {f.en} must hold {en_what} only.",
        )
    return text


def _parse_date(f: Field, text: str, today: dt.date) -> dt.date:
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise _invalid(
            "invalid_date",
            f"«{f.ar}» ليس تاريخًا صحيحًا: اكتبه بالصيغة {isolate('YYYY-MM-DD')}.",
            f"The {f.en} is not a real date: write it as YYYY-MM-DD.",
        ) from None
    if day > today:
        raise _invalid(
            "date_in_future",
            f"«{f.ar}» ({isolate(day.isoformat())}) لم يأتِ بعد.",
            f"The {f.en} ({day.isoformat()}) is in the future.",
        )
    if day < EARLIEST:
        raise _invalid(
            "date_too_early",
            f"«{f.ar}» ({isolate(day.isoformat())}) أقدم من {isolate(EARLIEST.isoformat())}.",
            f"The {f.en} ({day.isoformat()}) is before {EARLIEST.isoformat()}.",
        )
    return day


@dataclass(frozen=True)
class Change:
    field: Field
    old: Any  # as the record holds it now (JSON value; None where the record has none)
    new: Any


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def parse_changes(
    s: Session, kind: RecordKind, row: Record, raw: Mapping[str, object], *, today: dt.date
) -> tuple[Change, ...]:
    """The corrected values, checked against the record as it is now (see the module doc)."""
    fields = {f.name: f for f in FIELDS[kind]}
    wanted = {k: v for k, v in raw.items() if not (isinstance(v, str) and not v.strip())}
    if not wanted:
        raise _invalid(
            "no_changes",
            "لم يُذكر أيّ حقل مصحَّح: أدخل قيمة جديدة لحقل واحد على الأقل.",
            "No field is corrected: enter a new value for at least one field.",
        )
    if len(wanted) > MAX_CHANGES:
        raise _invalid("too_many_changes", "عدد الحقول كبير جدًا.", "Too many fields.")
    changes: list[Change] = []
    for name, value in wanted.items():
        f = fields.get(name)
        if f is None:
            raise _invalid(
                "unknown_field",
                f"لا يُصحَّح الحقل {isolate(name[:40])} في {_KIND_WORDS[kind][0]}.",
                f"{name[:40]!r} is not a field of a {_KIND_WORDS[kind][1]} that can be corrected.",
            )
        new = parse_value(f, value, today=today)
        old = _json(getattr(row, f.name))
        if new == old:
            shown = ("ذكر" if old == 1 else "أنثى") if f.kind is FieldKind.SEX else old
            shown_en = ("male" if old == 1 else "female") if f.kind is FieldKind.SEX else old
            raise _invalid(
                "unchanged",
                f"القيمة الجديدة لحقل «{f.ar}» هي القيمة المسجّلة نفسها ({isolate(shown)}).",
                f"The new {f.en} is the value already recorded ({shown_en}).",
            )
        changes.append(Change(f, old, new))
    _check_consistency(s, kind, row, {c.field.name: c.new for c in changes})
    return tuple(changes)


# ---------------------------------------------------------------------------------------------
# consistency with the record's other dates and links


def _d(value: dt.date) -> str:
    return isolate(value.isoformat())


def _order(code: str, ar: str, en: str) -> Invalid:
    return _invalid(code, ar, en)


def _person_marriages(s: Session, person_id: int) -> list[Marriage]:
    return list(
        s.execute(
            select(Marriage).where(
                or_(Marriage.husband_id == person_id, Marriage.wife_id == person_id)
            )
        ).scalars()
    )


def _check_consistency(s: Session, kind: RecordKind, row: Record, new: Mapping[str, Any]) -> None:
    if isinstance(row, Person):
        _check_person(s, row, new)
    elif isinstance(row, Death):
        _check_death(s, row, new)
    elif isinstance(row, Marriage):
        _check_marriage(s, row, new)
    else:
        _check_divorce(s, row, new)


def _check_person(s: Session, p: Person, new: Mapping[str, Any]) -> None:
    if "date_of_birth" in new:
        born = dt.date.fromisoformat(new["date_of_birth"])
        died = s.execute(select(Death.date).where(Death.person_id == p.id)).scalar()
        if died is not None and born > died:
            raise _order(
                "birth_after_death",
                f"تاريخ الولادة المصحَّح ({_d(born)}) بعد تاريخ وفاة صاحب القيد ({_d(died)}).",
                f"The corrected date of birth ({born}) is after the person's death ({died}).",
            )
        for m in _person_marriages(s, p.id):
            if born > m.date:
                raise _order(
                    "birth_after_marriage",
                    f"تاريخ الولادة المصحَّح ({_d(born)}) بعد تاريخ زواج صاحب القيد المسجّل"
                    f" ({_d(m.date)}، القيد {isolate(m.record_number)}).",
                    f"The corrected date of birth ({born}) is after the person's marriage"
                    f" ({m.date}, record {m.record_number}).",
                )
        if born > p.birth_registered_on:
            raise _order(
                "birth_after_registration",
                f"تاريخ الولادة المصحَّح ({_d(born)}) بعد تاريخ تسجيلها"
                f" ({_d(p.birth_registered_on)}).",
                f"The corrected date of birth ({born}) is after the birth was registered"
                f" ({p.birth_registered_on}).",
            )
        children = s.execute(
            select(Person.date_of_birth, Person.national_id).where(
                or_(Person.father_id == p.id, Person.mother_id == p.id)
            )
        ).all()
        for child_born, child_nid in children:
            if born >= child_born:
                raise _order(
                    "birth_after_child",
                    f"تاريخ الولادة المصحَّح ({_d(born)}) ليس قبل ولادة"
                    f" {'ابنها أو ابنتها' if p.sex == 2 else 'ابنه أو ابنته'}"
                    f" ({_d(child_born)}، الرقم الوطني {isolate(child_nid)}).",
                    f"The corrected date of birth ({born}) is not before the birth of the"
                    f" person's child ({child_born}, national number {child_nid}).",
                )
        for parent_id in (p.father_id, p.mother_id):
            parent = s.get(Person, parent_id) if parent_id is not None else None
            if parent is not None and born <= parent.date_of_birth:
                raise _order(
                    "birth_before_parent",
                    f"تاريخ الولادة المصحَّح ({_d(born)}) ليس بعد ولادة أحد الوالدين"
                    f" ({_d(parent.date_of_birth)}).",
                    f"The corrected date of birth ({born}) is not after a parent's birth"
                    f" ({parent.date_of_birth}).",
                )
    if "sex" in new:
        for m in _person_marriages(s, p.id):
            husband = m.husband_id == p.id
            ar_role, en_role = (
                ("صاحب القيد مسجَّل زوجًا", "husband")
                if husband
                else (
                    "صاحبة القيد مسجَّلة زوجةً",
                    "wife",
                )
            )
            raise _order(
                "sex_conflicts_marriage",
                f"لا يُصحَّح الجنس: {ar_role} في قيد الزواج {isolate(m.record_number)}.",
                f"The sex cannot be corrected: the person is recorded as the {en_role} in"
                f" marriage {m.record_number}.",
            )
        column = Person.father_id if p.sex == 1 else Person.mother_id
        child = s.execute(select(Person.national_id).where(column == p.id)).first()
        if child is not None:
            ar_parent, en_parent = (
                ("صاحب القيد مسجَّل أبًا", "father")
                if p.sex == 1
                else ("صاحبة القيد مسجَّلة أمًّا", "mother")
            )
            raise _order(
                "sex_conflicts_parenthood",
                f"لا يُصحَّح الجنس: {ar_parent} لصاحب الرقم الوطني {isolate(child[0])}.",
                f"The sex cannot be corrected: the person is recorded as the {en_parent} of"
                f" national number {child[0]}.",
            )


def _check_death(s: Session, d: Death, new: Mapping[str, Any]) -> None:
    if "date" not in new:
        return
    died = dt.date.fromisoformat(new["date"])
    person = s.get_one(Person, d.person_id)
    if died < person.date_of_birth:
        raise _order(
            "death_before_birth",
            f"تاريخ الوفاة المصحَّح ({_d(died)}) قبل تاريخ ولادة المتوفى"
            f" ({_d(person.date_of_birth)}).",
            f"The corrected date of death ({died}) is before the person's birth"
            f" ({person.date_of_birth}).",
        )
    if died > d.registered_on:
        raise _order(
            "death_after_registration",
            f"تاريخ الوفاة المصحَّح ({_d(died)}) بعد تاريخ تسجيلها ({_d(d.registered_on)}).",
            f"The corrected date of death ({died}) is after the death was registered"
            f" ({d.registered_on}).",
        )
    for m in _person_marriages(s, person.id):
        if died < m.date:
            raise _order(
                "death_before_marriage",
                f"تاريخ الوفاة المصحَّح ({_d(died)}) قبل زواج المتوفى المسجّل"
                f" ({_d(m.date)}، القيد {isolate(m.record_number)}).",
                f"The corrected date of death ({died}) is before the person's marriage"
                f" ({m.date}, record {m.record_number}).",
            )


def _deaths_of(s: Session, *person_ids: int) -> list[dt.date]:
    return list(s.execute(select(Death.date).where(Death.person_id.in_(person_ids))).scalars())


def _check_marriage(s: Session, m: Marriage, new: Mapping[str, Any]) -> None:
    if "date" not in new:
        return
    day = dt.date.fromisoformat(new["date"])
    for pid in (m.husband_id, m.wife_id):
        spouse = s.get_one(Person, pid)
        if day <= spouse.date_of_birth:
            raise _order(
                "marriage_before_birth",
                f"تاريخ الزواج المصحَّح ({_d(day)}) ليس بعد ولادة أحد الزوجين"
                f" ({_d(spouse.date_of_birth)}).",
                f"The corrected date of marriage ({day}) is not after a spouse's birth"
                f" ({spouse.date_of_birth}).",
            )
    if day > m.registered_on:
        raise _order(
            "marriage_after_registration",
            f"تاريخ الزواج المصحَّح ({_d(day)}) بعد تاريخ تسجيله ({_d(m.registered_on)}).",
            f"The corrected date of marriage ({day}) is after it was registered"
            f" ({m.registered_on}).",
        )
    for died in _deaths_of(s, m.husband_id, m.wife_id):
        if day > died:
            raise _order(
                "marriage_after_death",
                f"تاريخ الزواج المصحَّح ({_d(day)}) بعد وفاة أحد الزوجين ({_d(died)}).",
                f"The corrected date of marriage ({day}) is after a spouse's death ({died}).",
            )
    ended = s.execute(select(Divorce.date).where(Divorce.marriage_id == m.id)).scalar()
    if ended is not None and day > ended:
        raise _order(
            "marriage_after_divorce",
            f"تاريخ الزواج المصحَّح ({_d(day)}) بعد تاريخ الطلاق المسجّل ({_d(ended)}).",
            f"The corrected date of marriage ({day}) is after the recorded divorce ({ended}).",
        )


def _check_divorce(s: Session, d: Divorce, new: Mapping[str, Any]) -> None:
    if "date" not in new:
        return
    day = dt.date.fromisoformat(new["date"])
    m = s.get_one(Marriage, d.marriage_id)
    if day < m.date:
        raise _order(
            "divorce_before_marriage",
            f"تاريخ الطلاق المصحَّح ({_d(day)}) قبل تاريخ الزواج ({_d(m.date)}).",
            f"The corrected date of divorce ({day}) is before the marriage ({m.date}).",
        )
    if day > d.registered_on:
        raise _order(
            "divorce_after_registration",
            f"تاريخ الطلاق المصحَّح ({_d(day)}) بعد تاريخ تسجيله ({_d(d.registered_on)}).",
            f"The corrected date of divorce ({day}) is after it was registered"
            f" ({d.registered_on}).",
        )
    for died in _deaths_of(s, m.husband_id, m.wife_id):
        if day > died:
            raise _order(
                "divorce_after_death",
                f"تاريخ الطلاق المصحَّح ({_d(day)}) بعد وفاة أحد الزوجين ({_d(died)}).",
                f"The corrected date of divorce ({day}) is after a spouse's death ({died}).",
            )


# ---------------------------------------------------------------------------------------------
# records and offices


_MODELS: dict[RecordKind, type[Record]] = {
    "person": Person,
    "death": Death,
    "marriage": Marriage,
    "divorce": Divorce,
}


def _no_record(reference: str) -> Unknown:
    return Unknown(
        Refusal(
            "no_such_record",
            f"لا يوجد قيد بالمرجع {isolate(reference[:60])}.",
            f"No record has the reference {reference[:60]!r}.",
        )
    )


def record_of(s: Session, reference: str, *, for_update: bool = False) -> tuple[RecordKind, Record]:
    """The record a reference names (`person:<national number>`, `death:<record number>`…),
    locked for update when asked; `Unknown` if there is none."""
    kind_text, _, key = reference.strip().partition(":")
    if kind_text not in _MODELS or not key:
        raise _no_record(reference)
    kind = kind_text
    model = _MODELS[kind]
    column = Person.national_id if model is Person else model.record_number  # type: ignore[union-attr]
    stmt = select(model).where(column == key.strip())
    if for_update:
        stmt = stmt.with_for_update()
    row = s.execute(stmt).scalar_one_or_none()
    if row is None:
        raise _no_record(reference)
    assert isinstance(row, Person | Death | Marriage | Divorce)
    return kind, row


def _office_name(row: Record) -> str:
    return row.birth_office_ar if isinstance(row, Person) else row.office_ar


def _office_of(s: Session, row: Record) -> str:
    """The code of the office that registered the record (its corrections are that office's)."""
    office = offices.by_name(s, _office_name(row))
    if office is None:
        raise Refused(
            Refusal(
                "no_office",
                "لا يُعرف مكتب تسجيل هذا القيد، فلا يُقترح تصحيحه من المكتب.",
                "The office that registered this record is not known: a correction cannot be"
                " proposed for it here.",
            )
        )
    return office.code


# ---------------------------------------------------------------------------------------------
# the corrections


@dataclass(frozen=True)
class CorrectionView:
    """A correction as pages and the API show it."""

    number: str
    record: str
    kind: RecordKind
    office: str
    state: CorrectionState
    changes: tuple[Change, ...]
    reason: str
    evidence: str
    proposed_by: int
    proposed_at: dt.datetime
    decided_by: int | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    version: int | None  # the record version the approval wrote
    superseded: tuple[str, ...]  # serials the approval marked superseded

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "record": self.record,
            "kind": self.kind,
            "office": self.office,
            "state": self.state.value,
            "changes": [{"field": c.field.name, "old": c.old, "new": c.new} for c in self.changes],
            "reason": self.reason,
            "evidence": self.evidence,
            "proposed_by": self.proposed_by,
            "proposed_at": self.proposed_at.isoformat(),
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decision_reason": self.decision_reason,
            "version": self.version,
            "superseded": list(self.superseded),
        }


def _machine(row: CorrectionRow) -> rules.Correction:
    return rules.Correction(
        id=row.number,
        record=row.record,
        office=row.office,
        proposed_by=str(row.proposed_by),
        proposed_at=row.proposed_at,
        reason=row.reason,
        evidence=row.evidence,
        state=CorrectionState(row.state),
        decided_by=str(row.decided_by) if row.decided_by is not None else None,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
    )


def _append(s: Session, records: Sequence[AuditRecord], by: Staff, **extra: Any) -> None:
    """The machine's audit records, with the acting staff member's user name (`by`)."""
    member = s.get(StaffMember, int(by.id))
    name = member.username if member is not None else by.id
    for r in records:
        audit.append(s, AuditEvent(r.kind.value), {**r.data, "by": name, **extra}, r.at)


def propose(
    s: Session,
    by: Staff,
    reference: str,
    changes: Mapping[str, object],
    *,
    reason: str,
    evidence: str,
    at: dt.datetime,
) -> CorrectionView:
    """Propose a correction of the record `reference` (see `record_of`)."""
    reason, evidence = _plain(reason), _plain(evidence)
    kind, row = record_of(s, reference)
    office = _office_of(s, row)
    reference = record_history.record_ref(row)
    # who and the reason first (a clerk learns they may not, not that a date is wrong)
    rules.propose_correction("-", reference, office, by, at, reason=reason, evidence=evidence)
    parsed = parse_changes(s, kind, row, changes, today=at.date())
    number = correction_number(s, office, at.year)
    machine, records = rules.propose_correction(
        number, reference, office, by, at, reason=reason, evidence=evidence
    )
    stored = CorrectionRow(
        number=number,
        record=reference,
        office=office,
        changes=json.dumps(
            {c.field.name: c.new for c in parsed}, ensure_ascii=False, sort_keys=True
        ),
        reason=machine.reason,
        evidence=machine.evidence,
        state=machine.state.value,
        proposed_by=int(by.id),
        proposed_at=at,
    )
    s.add(stored)
    s.flush()
    _append(s, records, by, kind=kind, fields=sorted(c.field.name for c in parsed))
    return _view(s, stored)


def _row(s: Session, number: str, *, for_update: bool = False) -> CorrectionRow:
    stmt = select(CorrectionRow).where(CorrectionRow.number == number.strip()[:32])
    if for_update:
        stmt = stmt.with_for_update()
    row = s.execute(stmt).scalar_one_or_none()
    if row is None:
        raise Unknown(
            Refusal(
                "no_such_correction",
                f"لا يوجد تصحيح بالرقم {isolate(number[:32])}.",
                f"No correction has the number {number[:32]!r}.",
            )
        )
    return row


def get(s: Session, number: str) -> CorrectionView:
    return _view(s, _row(s, number))


def waiting_for(s: Session, staff: Staff) -> int:
    """How many proposed corrections this staff member may decide (not their own)."""
    stmt = select(func.count()).where(
        CorrectionRow.state == CorrectionState.PROPOSED.value,
        CorrectionRow.proposed_by != int(staff.id),
    )
    if staff.office is not None:
        stmt = stmt.where(CorrectionRow.office == staff.office)
    return int(s.execute(stmt).scalar_one())


def queue(s: Session, staff: Staff) -> list[CorrectionView]:
    """Proposed corrections waiting for a decision: the staff member's office's, or every
    office's for the authority's staff (supervisors), oldest first."""
    stmt = select(CorrectionRow).where(CorrectionRow.state == CorrectionState.PROPOSED.value)
    if staff.office is not None:
        stmt = stmt.where(CorrectionRow.office == staff.office)
    rows = s.execute(stmt.order_by(CorrectionRow.proposed_at, CorrectionRow.id)).scalars()
    return [_view(s, r) for r in rows]


def _decide(
    s: Session, number: str, action: Approve | Decline | Withdraw
) -> tuple[CorrectionRow, rules.Correction, tuple[AuditRecord, ...]]:
    row = _row(s, number, for_update=True)  # the second of two deciders waits here
    new, records = rules.step_correction(_machine(row), action)
    row.state = new.state.value
    row.decided_by = int(action.by.id)
    row.decided_at = action.at
    row.decision_reason = new.decision_reason
    return row, new, records


def decline(s: Session, by: Staff, number: str, *, reason: str, at: dt.datetime) -> CorrectionView:
    row, _, records = _decide(s, number, Decline(by, at, _plain(reason)))
    s.flush()
    _append(s, records, by)
    return _view(s, row)


def withdraw(s: Session, by: Staff, number: str, *, at: dt.datetime) -> CorrectionView:
    row, _, records = _decide(s, number, Withdraw(by, at))
    s.flush()
    _append(s, records, by)
    return _view(s, row)


def approve(s: Session, by: Staff, number: str, *, at: dt.datetime) -> CorrectionView:
    """Approve: the record corrected, its next version, search keys, superseded documents."""
    row, _, records = _decide(s, number, Approve(by, at))
    kind, record = record_of(s, row.record, for_update=True)
    # the record may have changed since the proposal (another correction): check again
    changes = parse_changes(s, kind, record, json.loads(row.changes), today=at.date())
    if not record_history.versions(s, row.record):
        record_history.add_version(
            s,
            row.record,
            record_history.snapshot(s, record),
            at=at,
            by=None,
            reason="as registered, before its first correction",
        )
    for c in changes:
        value = dt.date.fromisoformat(c.new) if c.field.kind is FieldKind.DATE else c.new
        setattr(record, c.field.name, value)
    s.flush()
    if isinstance(record, Person) and any(c.field.name in _NAME_PARTS for c in changes):
        index_person(s, record)
    version = record_history.add_version(
        s,
        row.record,
        record_history.snapshot(s, record),
        at=at,
        by=int(by.id),
        reason=row.reason,
        correction_id=row.id,
    )
    serials = _supersede(s, record, changes, at=at, number=row.number)
    _append(
        s,
        records,
        by,
        kind=kind,
        fields=sorted(c.field.name for c in changes),
        version=version,
        superseded=list(serials),
    )
    return _view(s, row)


# ---------------------------------------------------------------------------------------------
# documents issued from the old data

_PRINTED_ON_EVENTS = frozenset(
    {*_NAME_PARTS, "given_latin", "father_given_latin", "grandfather_given_latin", "family_latin"}
)


def _current(stmt: Any) -> Any:
    return stmt.where(IssuedDocument.superseded_at.is_(None), IssuedDocument.revoked_at.is_(None))


def _lists_member(qr_text: str | None, national_id: str) -> bool:
    if qr_text is None:
        return False
    claims = decode_claims(cose.parse_sign1(codec.decode_text(qr_text)).payload)
    members = claims.document.fields.get("members") or ()
    return any(getattr(m, "national_id", None) == national_id for m in members)


def _supersede(
    s: Session, record: Record, changes: Sequence[Change], *, at: dt.datetime, number: str
) -> tuple[str, ...]:
    docs: list[IssuedDocument] = []
    if isinstance(record, Person):
        docs += s.execute(
            _current(select(IssuedDocument)).where(IssuedDocument.subject_person_id == record.id)
        ).scalars()
        marriages = _person_marriages(s, record.id)
        if marriages and any(c.field.name in _PRINTED_ON_EVENTS for c in changes):
            docs += s.execute(
                _current(select(IssuedDocument)).where(
                    IssuedDocument.marriage_id.in_([m.id for m in marriages])
                )
            ).scalars()
        # family extracts headed by a parent or a spouse list the person among their members
        heads = {record.father_id, record.mother_id}
        heads |= {m.wife_id if m.husband_id == record.id else m.husband_id for m in marriages}
        heads.discard(None)
        if heads:
            extracts = s.execute(
                _current(select(IssuedDocument)).where(
                    IssuedDocument.document_type == int(DocumentType.FAMILY_EXTRACT),
                    IssuedDocument.subject_person_id.in_(heads),
                )
            ).scalars()
            docs += [d for d in extracts if _lists_member(d.qr_text, record.national_id)]
    elif isinstance(record, Death):
        docs += s.execute(
            _current(select(IssuedDocument)).where(
                IssuedDocument.document_type == int(DocumentType.DEATH_CERTIFICATE),
                IssuedDocument.subject_person_id == record.person_id,
            )
        ).scalars()
    elif isinstance(record, Marriage):
        docs += s.execute(
            _current(select(IssuedDocument)).where(IssuedDocument.marriage_id == record.id)
        ).scalars()
    else:
        docs += s.execute(
            _current(select(IssuedDocument)).where(
                IssuedDocument.document_type == int(DocumentType.DIVORCE_CERTIFICATE),
                IssuedDocument.marriage_id == record.marriage_id,
            )
        ).scalars()
    seen: dict[int, IssuedDocument] = {d.id: d for d in docs}
    for d in seen.values():
        d.superseded_at = at
        d.superseded_reason = f"the record was corrected (correction {number})"
    s.flush()
    return tuple(sorted(d.serial for d in seen.values() if d.serial))


# ---------------------------------------------------------------------------------------------
# views


def _view(s: Session, row: CorrectionRow) -> CorrectionView:
    kind_text = row.record.partition(":")[0]
    kind = cast(RecordKind, kind_text)
    fields = {f.name: f for f in FIELDS[kind]}
    new_values: dict[str, Any] = json.loads(row.changes)
    old_values: dict[str, Any] = {}
    version: int | None = None
    if row.state == CorrectionState.APPROVED.value:
        history = record_history.versions(s, row.record)
        for i, v in enumerate(history):
            if v.correction_id == row.id and i > 0:
                old_values, version = history[i - 1].data, v.version
    else:
        try:
            _, record = record_of(s, row.record)
            old_values = {name: _json(getattr(record, name)) for name in new_values}
        except Unknown:
            old_values = {}
    superseded: tuple[str, ...] = ()
    if version is not None:
        superseded = tuple(
            serial
            for serial in s.execute(
                select(IssuedDocument.serial)
                .where(
                    IssuedDocument.superseded_reason
                    == f"the record was corrected (correction {row.number})"
                )
                .order_by(IssuedDocument.serial)
            ).scalars()
            if serial
        )
    changes = tuple(
        Change(fields[name], old_values.get(name), value)
        for name, value in new_values.items()
        if name in fields
    )
    return CorrectionView(
        number=row.number,
        record=row.record,
        kind=kind,
        office=row.office,
        state=CorrectionState(row.state),
        changes=changes,
        reason=row.reason,
        evidence=row.evidence,
        proposed_by=row.proposed_by,
        proposed_at=row.proposed_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
        version=version,
        superseded=superseded,
    )
