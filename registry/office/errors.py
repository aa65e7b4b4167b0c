"""The office package's bilingual refusal type and its one exception root.

    OfficeError
    ├── RulesError        a family-law or policy file is unreadable or has an unknown key
    └── Refused           an action the rules forbid; .refusal says which, in both languages
        └── NoTransition  the action does not apply to the declaration in its current state

A `Refusal` is a value (checks return tuples of them); `Refused` is the exception a state
machine raises when it cannot go on. The route that catches `Refused` answers 403 (409 for
`NoTransition`) with `refusal.code` and the message in the reader's language, and changes
nothing. Messages are the sentences a civil-status authority writes: fixed text chosen by code,
numbers and other Latin values wrapped in FSI…PDI inside the Arabic (`isolate`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "CHARACTERS",
    "DAYS",
    "SECONDS",
    "TIMES",
    "YEARS",
    "NoTransition",
    "Noun",
    "OfficeError",
    "Refusal",
    "Refused",
    "RulesError",
    "Severity",
    "counted",
    "isolate",
]

_FSI, _PDI = "\u2068", "\u2069"


def isolate(value: object) -> str:
    """A Latin or numeric value set inside Arabic text as a directional isolate."""
    return f"{_FSI}{value}{_PDI}"


@dataclass(frozen=True)
class Noun:
    """An Arabic counted noun's forms: one, two, 3-10 (plural), 11-99 (accusative singular),
    and after a round hundred (genitive singular)."""

    one: str
    two: str
    few: str
    many: str
    hundred: str


YEARS = Noun("سنة واحدة", "سنتان", "سنوات", "سنة", "سنة")
DAYS = Noun("يوم واحد", "يومان", "أيام", "يومًا", "يوم")
TIMES = Noun("مرة واحدة", "مرتان", "مرات", "مرة", "مرة")
CHARACTERS = Noun("حرف واحد", "حرفان", "أحرف", "حرفًا", "حرف")
SECONDS = Noun("ثانية واحدة", "ثانيتان", "ثوانٍ", "ثانية", "ثانية")


def counted(n: int, noun: Noun) -> str:
    """A number with its noun as Arabic grammar counts it: سنة واحدة، سنتان، ⁨5⁩ سنوات، ⁨18⁩ سنة."""
    if n == 1:
        return noun.one
    if n == 2:
        return noun.two
    rest = n % 100
    if 3 <= rest <= 10:
        return f"{isolate(n)} {noun.few}"
    if 11 <= rest <= 99:
        return f"{isolate(n)} {noun.many}"
    return f"{isolate(n)} {noun.hundred}"


class Severity(enum.Enum):
    REFUSE = "refuse"  # the action cannot go ahead
    WARN = "warn"  # the registrar must look and confirm before it goes ahead


@dataclass(frozen=True)
class Refusal:
    """One rule's answer: a stable code (an enum's value) and the sentence in each language."""

    code: str
    ar: str
    en: str
    severity: Severity = Severity.REFUSE

    def message(self, lang: str) -> str:
        return self.ar if lang == "ar" else self.en


class OfficeError(Exception):
    """Root of the office package's exceptions."""


class RulesError(OfficeError):
    """A rules file (family law, staff policy) cannot be used; the message says why."""


class Refused(OfficeError):
    """The rules forbid the action; nothing was changed."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.en)
        self.refusal = refusal

    @property
    def code(self) -> str:
        return self.refusal.code


class NoTransition(Refused):
    """The action does not apply in the declaration's current state (already registered...)."""
