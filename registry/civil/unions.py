"""What the marriage and divorce handlers share: their facts' field types, the parties'
look-up under lock, the court or office a union is registered at, the declarations still
waiting that name a party, and the form's str ↔ facts mapping.

What it does
------------
* Field types for the pydantic facts: `NationalNumber` (typed with spaces or Arabic-Indic
  digits, kept as ten ASCII digits with a valid check digit), `ContractNumber` (a contract,
  deed or ruling number: Latin letters, digits, `/ - .`, at most 32), `CourtOrOffice` (an
  office code such as AMM, upper-cased, or a court's name) and `LatinText`.
* `parties(s, facts)`: the husband's and wife's rows, locked (PostgreSQL) in a fixed order so
  two registrations of overlapping couples cannot deadlock; a missing one is a `Refusal`.
* `place_names(s, text, latin)`: the Arabic and Latin names a record prints for the court or
  office; `unknown_office(...)` the refusal for a code no office has.
* `waiting(s, kind, nid, exclude=)`: the declarations of a kind still under review that name
  the national number as husband or wife.
* `form_of` / `facts_form`: the form's fields as str, and back.

What it deliberately does not do
--------------------------------
No rule of family law (`registry.office.family_law`, `vital_checks` decide); no commit.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, StringConstraints
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from registry import offices
from registry.civil import persons
from registry.civil.common import Invalid, valid_national_id
from registry.civil.kinds import WAITING
from registry.http_schema import Text
from registry.models import DeclarationRow, Person
from registry.office.declarations import EventKind
from registry.office.errors import Refusal, isolate

__all__ = [
    "ContractNumber",
    "CourtOrOffice",
    "FormDate",
    "LatinText",
    "NationalNumber",
    "Parties",
    "Waiting",
    "facts_form",
    "form_of",
    "labels_of",
    "parties",
    "place_names",
    "unknown_office",
    "waiting",
]

_OFFICE_CODE = re.compile(r"[A-Za-z]{2,8}")
_CONTRACT = re.compile(r"[0-9A-Za-z](?:[0-9A-Za-z/.\- ]*[0-9A-Za-z])?")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
PLACE_MAX = 80  # the records' place columns


def _digits(value: Any) -> Any:
    return value.translate(_DIGITS) if isinstance(value, str) else value


def _contract(value: str) -> str:
    value = " ".join(value.translate(_DIGITS).split())
    if not _CONTRACT.fullmatch(value):
        raise Invalid(
            "يُكتب رقم العقد أو الحكم بحروف لاتينية وأرقام و«/» و«-» و«.» فقط.",
            "A contract or ruling number has Latin letters, digits and / - . only.",
        )
    return value


def _court_or_office(value: str) -> str:
    value = " ".join(value.split())
    return value.upper() if _OFFICE_CODE.fullmatch(value) else value


NationalNumber = Annotated[
    Text, StringConstraints(max_length=32), AfterValidator(valid_national_id)
]
ContractNumber = Annotated[
    Text, StringConstraints(min_length=1, max_length=32), AfterValidator(_contract)
]
CourtOrOffice = Annotated[
    Text,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=PLACE_MAX),
    AfterValidator(_court_or_office),
]
LatinText = Annotated[
    Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=PLACE_MAX)
]
FormDate = Annotated[dt.date, BeforeValidator(_digits)]


def labels_of(
    words: Mapping[str, Mapping[str, str]], prefix: str, model: type[BaseModel]
) -> dict[str, tuple[str, str]]:
    """Each field's label (Arabic, English) from a kind's words (`<prefix>_<field>`), for
    `common.invalid_facts`."""
    return {
        field: (words["ar"][f"{prefix}_{field}"], words["en"][f"{prefix}_{field}"])
        for field in model.model_fields
        if f"{prefix}_{field}" in words["ar"]
    }


# ---------------------------------------------------------------------------------------------
# the parties


@dataclass(frozen=True)
class Parties:
    husband: Person
    wife: Person


def _not_found(nid: str, *, wife: bool) -> Refusal:
    whom, whom_en = ("للزوجة", "wife") if wife else ("للزوج", "husband")
    return Refusal(
        "party_not_found",
        f"لا يوجد في السجل شخص يحمل الرقم الوطني {isolate(nid)} المدخل {whom}: تحقّق من الرقم.",
        f"No one in the register holds the national number {nid} given for the {whom_en}:"
        " check it.",
    )


def parties(
    s: Session, husband_nid: str, wife_nid: str, *, lock: bool = True
) -> Parties | tuple[Refusal, ...]:
    """Both parties' rows, locked in national-number order; the refusals if either is missing."""
    found: dict[str, Person | None] = {}
    for nid in sorted({husband_nid, wife_nid}):
        found[nid] = persons.by_national_id(s, nid, for_update=lock)
    husband, wife = found[husband_nid], found[wife_nid]
    missing = []
    if husband is None:
        missing.append(_not_found(husband_nid, wife=False))
    if wife is None:
        missing.append(_not_found(wife_nid, wife=True))
    if husband is None or wife is None:
        return tuple(missing)
    return Parties(husband, wife)


# ---------------------------------------------------------------------------------------------
# where


def place_names(s: Session, text: str, latin: str | None) -> tuple[str, str | None]:
    """The Arabic and Latin names of the court or office a union is registered at."""
    if _OFFICE_CODE.fullmatch(text):
        office = offices.by_code(s, text)
        if office is not None:
            latin_name = office.name_latin[:PLACE_MAX] if office.name_latin else None
            return office.name_ar[:PLACE_MAX], latin_name
    return text, latin


def unknown_office(s: Session, text: str) -> tuple[Refusal, ...]:
    """A refusal when the text is written as an office code that no office has."""
    if not _OFFICE_CODE.fullmatch(text) or offices.by_code(s, text) is not None:
        return ()
    return (
        Refusal(
            "place_unknown_office",
            f"لا يوجد مكتب بالرمز {isolate(text)}: أدخل رمز مكتب صحيحًا أو اسم المحكمة.",
            f"There is no office with the code {text}: give a valid office code or the"
            " court's name.",
        ),
    )


# ---------------------------------------------------------------------------------------------
# declarations waiting


@dataclass(frozen=True)
class Waiting:
    number: str
    facts: dict[str, Any]


def waiting(s: Session, kind: EventKind, nid: str, *, exclude: int | None) -> list[Waiting]:
    """Declarations of `kind` still waiting that name `nid` as husband or wife and were
    declared before `exclude` (all of them for a new declaration, `exclude` None): the one
    declared first is registered first, and the later ones are checked against it, so two
    waiting declarations never block each other."""
    stmt = (
        select(DeclarationRow.id, DeclarationRow.number, DeclarationRow.facts)
        .where(
            DeclarationRow.kind == kind.value,
            DeclarationRow.state.in_(WAITING),
            # the subject index finds a husband; a wife is found in the facts' text, then
            # checked field by field below
            or_(DeclarationRow.subject == nid, DeclarationRow.facts.contains(nid)),
        )
        .order_by(DeclarationRow.id)
    )
    out = []
    for row_id, number, text in s.execute(stmt):
        if exclude is not None and row_id >= exclude:
            continue
        facts = json.loads(text)
        if nid in (facts.get("husband_national_id"), facts.get("wife_national_id")):
            out.append(Waiting(number, facts))
    return out


# ---------------------------------------------------------------------------------------------
# the form


def facts_form(model: type[BaseModel], form: Mapping[str, str]) -> dict[str, Any]:
    """The model's fields from a submitted form: stripped; an empty optional field left out
    (so the model's default applies), an empty required one kept (so the model names it)."""
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        value = form.get(name, "").strip()
        if value or field.is_required():
            out[name] = value
    return out


def form_of(facts: BaseModel) -> dict[str, str]:
    """The facts as the form's fields (str; empty for an unset optional field)."""
    out = {}
    for name, value in facts.model_dump(mode="json").items():
        out[name] = "" if value is None else str(value)
    return out
