"""What the event kinds' facts share: bounded text, national numbers, places, informants, and
turning a pydantic `ValidationError` into bilingual messages a clerk can act on.

A validator that refuses raises `Invalid(ar, en)` (a `ValueError`, so pydantic reports it as a
value error and keeps the exception in the error's context); `invalid_facts` reads it back.
Errors pydantic makes itself (a missing field, not a date) get generic words naming the field
by the label the kind gives it.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from sqlalchemy.orm import Session

from registry.models import Office, PlaceName
from registry.office.arabic_match import normalise
from registry.office.errors import CHARACTERS, OfficeError, Refusal, Refused, counted, isolate
from verifier import national_id as nid_rules

__all__ = [
    "Facts",
    "Informant",
    "InformantRelation",
    "Invalid",
    "InvalidFacts",
    "Labels",
    "NationalId",
    "Place",
    "TextAr",
    "TextLatin",
    "drop_empty",
    "invalid_facts",
    "office_names",
    "place_findings",
    "place_names",
    "str_or_none",
    "valid_national_id",
]

MAX_TEXT = 80
# control, format (bidi overrides, zero-width), surrogate, private-use and unassigned characters
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# Arabic, Arabic Supplement, Arabic Extended-A, Presentation Forms A and B
_ARABIC_BLOCKS = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)
# what else an Arabic name or place may hold: spaces, a hyphen, brackets, a full stop
_ARABIC_PUNCTUATION = frozenset(" -()./")


class Invalid(ValueError):
    """A refused value, with its message in both languages."""

    def __init__(self, ar: str, en: str) -> None:
        super().__init__(en)
        self.ar, self.en = ar, en


def _text(value: str) -> str:
    if any(unicodedata.category(ch) in _UNPRINTABLE for ch in value):
        raise Invalid(
            "النص يحوي محارف غير مرئية أو غير صالحة.",
            "The text holds invisible or invalid characters.",
        )
    cleaned = " ".join(value.split())
    if not cleaned:
        raise Invalid("الحقل فارغ.", "The field is empty.")
    if len(cleaned) > MAX_TEXT:
        raise Invalid(
            f"النص أطول من {counted(MAX_TEXT, CHARACTERS)}.",
            f"The text is longer than {MAX_TEXT} characters.",
        )
    return cleaned


def _is_arabic(ch: str) -> bool:
    return any(lo <= ord(ch) <= hi for lo, hi in _ARABIC_BLOCKS)


def _arabic(value: str) -> str:
    value = _text(value)
    if not normalise(value) or not all(_is_arabic(ch) or ch in _ARABIC_PUNCTUATION for ch in value):
        raise Invalid("يُكتب هذا الحقل بالحروف العربية.", "This field is written in Arabic letters.")
    return value


def valid_national_id(value: str) -> str:
    """Ten ASCII digits with their check digit (spaces and Arabic-Indic digits accepted);
    `Invalid` otherwise."""
    nid = nid_rules.normalise(value or "")
    if not nid_rules.is_valid(nid):
        raise Invalid(
            "الرقم الوطني غير صحيح: عشرة أرقام آخرها رقم التحقق.",
            "The national number is not valid: ten digits, the last one the check digit.",
        )
    return nid


TextAr = Annotated[str, AfterValidator(_arabic)]
TextLatin = Annotated[str, AfterValidator(_text)]
NationalId = Annotated[str, AfterValidator(valid_national_id)]


class Facts(BaseModel):
    """Base of every kind's facts: unknown keys refused, values frozen once parsed."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Place(Facts):
    """Where an event happened: a published place code (a hospital, a town), or the place's
    name written out when it has none."""

    code: int | None = Field(default=None, ge=1, le=2**31 - 1)
    name_ar: TextAr | None = None
    name_latin: TextLatin | None = None

    @model_validator(mode="after")
    def _named(self) -> Place:
        if self.code is None and self.name_ar is None:
            raise Invalid(
                "يُختار المكان من القائمة أو يُكتب اسمه بالعربية.",
                "Choose the place from the list or write its name in Arabic.",
            )
        return self


class InformantRelation(enum.Enum):
    FATHER = "father"
    MOTHER = "mother"
    RELATIVE = "relative"
    HOSPITAL = "hospital"
    OTHER = "other"


class Informant(Facts):
    """Who reported the event to the office."""

    relation: InformantRelation
    name_ar: TextAr
    national_id: NationalId | None = None


Labels = Mapping[str, tuple[str, str]]


class InvalidFacts(OfficeError):
    """The declared facts do not parse: one `Refusal` per field at fault."""

    def __init__(self, problems: tuple[tuple[str, Refusal], ...]) -> None:
        super().__init__("; ".join(f"{field}: {r.en}" for field, r in problems))
        self.problems = problems

    @property
    def refusal(self) -> Refusal:
        _field, first = self.problems[0]
        return first


def _words_for(error: Mapping[str, Any], label: tuple[str, str]) -> tuple[str, str]:
    ar, en = label
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, Invalid):
        return f"{ar}: {cause.ar}", f"{en}: {cause.en}"
    kind = error.get("type", "")
    if kind == "missing":
        return f"الحقل «{ar}» مطلوب.", f"{en} is required."
    if kind == "extra_forbidden":
        return f"حقل غير معروف: {ar}.", f"Unknown field: {en}."
    if kind.startswith(("date", "time")):
        return (
            f"«{ar}» ليس تاريخًا أو وقتًا صحيحًا.",
            f"{en} is not a valid date or time.",
        )
    if kind == "enum":
        return f"اختر قيمة من القائمة في «{ar}».", f"Choose one of the listed values for {en}."
    return f"قيمة «{ar}» غير صحيحة.", f"{en} is not valid."


def invalid_facts(exc: ValidationError, labels: Labels) -> InvalidFacts:
    problems: list[tuple[str, Refusal]] = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error.get("loc", ()))
        key = loc if loc in labels else loc.split(".")[0]
        label = labels.get(key, (isolate(loc) if loc else "البيانات", loc or "The details"))
        ar, en = _words_for(error, label)
        problems.append((loc or "facts", Refusal(f"invalid_{key or 'facts'}", ar, en)))
    if not problems:
        problems.append(
            ("facts", Refusal("invalid_facts", "البيانات غير صحيحة.", "The details are invalid."))
        )
    return InvalidFacts(tuple(problems))


def str_or_none(form: Mapping[str, str], key: str) -> str | None:
    value = " ".join((form.get(key) or "").split())
    return value or None


def drop_empty(value: dict[str, Any]) -> dict[str, Any]:
    """Form fields left empty are absent, so the model's defaults and 'required' apply."""
    kept = {
        k: drop_empty(v) if isinstance(v, dict) else v for k, v in value.items() if v is not None
    }
    return {k: v for k, v in kept.items() if v != {}}


def _unknown_place(code: int) -> Refusal:
    return Refusal(
        "place_unknown",
        f"رمز المكان {isolate(str(code))} غير معروف: اختر المكان من القائمة أو اكتب اسمه.",
        f"The place code {code} is unknown: choose the place from the list or write its name.",
    )


def place_findings(s: Session, place: Place) -> tuple[Refusal, ...]:
    """A refusal when the place's code names no published place (for the review page)."""
    if place.code is not None and s.get(PlaceName, place.code) is None:
        return (_unknown_place(place.code),)
    return ()


def place_names(s: Session, place: Place) -> tuple[str, str | None]:
    """The Arabic and Latin names of a place (a code's published names win); Refused when
    the code names no place."""
    if place.code is not None:
        row = s.get(PlaceName, place.code)
        if row is None:
            raise Refused(_unknown_place(place.code))
        return row.name_ar, row.name_latin
    assert place.name_ar is not None
    return place.name_ar, place.name_latin


def office_names(office: Office) -> tuple[str, str | None]:
    return office.name_ar, office.name_latin
