"""Checks on a vital event's facts that catch a real clerk's mistakes before registration.

What it does
------------
Each `check_*` function takes plain frozen dataclasses of the facts (the declaration's and
what the register already holds about the people in it), the family-law rules and today's
date, and returns every `Finding` (a `Refusal`: code, severity, Arabic and English sentence):

- a birth: not in the future; the mother alive at the birth; the father not dead longer than
  the longest pregnancy the law presumes; the mother a woman and the father a man, and not
  the same person; each parent's age at the birth plausible (`family_law.check_parent_age`);
  the same mother's other births: a duplicate (same date, similar given name by
  `arabic_match.similar_names`: the same child declared twice) or a birth implausibly close
  to another (a wrong mother's number); the child's name carrying the father's; a late
  registration;
- a death: not in the future, not before the birth, and never a second death;
- a marriage: not in the future, both parties alive, and every family-law rule
  (`family_law.check_marriage`);
- a divorce: of a current marriage, after its date, not in the future, both parties alive.

REFUSE findings stop a registration; WARN findings need the registrar's acknowledgement by
code (`declarations.Register`). Messages are fixed sentences chosen by code; national numbers
and dates inside the Arabic are wrapped as isolates.

What it deliberately does not do
--------------------------------
No look-ups: the caller fetches the people, their other births and the marriage from the
register (or the declarations waiting) and passes them in; no clock (`today` is a parameter);
no decision (it reports, `declarations` decides). The child's national number and record
number are assigned at registration elsewhere.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from registry.office.arabic_match import (
    DUPLICATE_THRESHOLD,
    name_parts,
    similar_names,
    similarity,
)
from registry.office.errors import DAYS, YEARS, Refusal, Severity, counted, isolate
from registry.office.family_law import (
    Between,
    FamilyLaw,
    Party,
    PreviousMarriage,
    age_on,
    check_marriage,
    check_parent_age,
)
from verifier.documents import Sex

__all__ = [
    "BirthFacts",
    "DeathFacts",
    "DivorceFacts",
    "Finding",
    "FindingCode",
    "MarriageFacts",
    "OtherBirth",
    "PersonFacts",
    "RecordedMarriage",
    "check_birth",
    "check_death",
    "check_divorce",
    "check_marriage_event",
    "refusing",
]

Finding = Refusal

# a person older than this at death is flagged: usually a wrong date of birth on an old record
_OLDEST = 120
# births of one mother this close are one pregnancy (twins born either side of midnight)
_TWIN_DAYS = 2


class FindingCode(enum.Enum):
    EVENT_IN_FUTURE = "event_in_future"
    BIRTH_MOTHER_DEAD = "birth_mother_dead"
    BIRTH_FATHER_DEAD_TOO_LONG = "birth_father_dead_too_long"
    BIRTH_MOTHER_NOT_FEMALE = "birth_mother_not_female"
    BIRTH_FATHER_NOT_MALE = "birth_father_not_male"
    BIRTH_SAME_PARENT = "birth_same_parent"
    BIRTH_DUPLICATE = "birth_duplicate"
    BIRTH_TOO_CLOSE = "birth_too_close_to_sibling"
    BIRTH_NAME_NOT_FATHERS = "birth_name_not_fathers"
    BIRTH_LATE = "birth_late_registration"
    DEATH_SECOND = "death_second"
    DEATH_BEFORE_BIRTH = "death_before_birth"
    DEATH_UNUSUALLY_OLD = "death_unusually_old"
    PARTY_DEAD = "party_dead"
    EVENT_BEFORE_BIRTH = "event_before_birth"
    DIVORCE_NOT_CURRENT = "divorce_marriage_not_current"
    DIVORCE_BEFORE_MARRIAGE = "divorce_before_marriage"


@dataclass(frozen=True)
class PersonFacts:
    """What the register holds about a person named in a declaration."""

    national_id: str
    sex: Sex
    date_of_birth: dt.date
    name: str = ""  # the Arabic four-part name as recorded
    date_of_death: dt.date | None = None
    current_marriages: int = 0
    last_ended: PreviousMarriage | None = None

    def party(self) -> Party:
        return Party(self.sex, self.date_of_birth, self.current_marriages, self.last_ended)


@dataclass(frozen=True)
class OtherBirth:
    """Another birth of the same mother: registered, or a declaration still waiting."""

    reference: str  # the child's national number, or the declaration's number
    name: str  # the child's Arabic name (its first part, the given name, is compared)
    date_of_birth: dt.date


@dataclass(frozen=True)
class BirthFacts:
    child_name: str  # the Arabic name as declared (given name first)
    sex: Sex
    date_of_birth: dt.date
    declared_on: dt.date
    mother: PersonFacts | None = None  # None: not in the register, details recorded instead
    father: PersonFacts | None = None
    mother_other_births: tuple[OtherBirth, ...] = ()


@dataclass(frozen=True)
class DeathFacts:
    person: PersonFacts
    date_of_death: dt.date


@dataclass(frozen=True)
class MarriageFacts:
    husband: PersonFacts
    wife: PersonFacts
    date: dt.date
    between: Between = field(default_factory=Between)
    court_permission: bool = False


@dataclass(frozen=True)
class RecordedMarriage:
    """A marriage in the register, as a divorce declaration names it."""

    reference: str
    date: dt.date
    ended_on: dt.date | None = None  # divorced, or a spouse died


@dataclass(frozen=True)
class DivorceFacts:
    marriage: RecordedMarriage
    husband: PersonFacts
    wife: PersonFacts
    date: dt.date


def refusing(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """The findings that stop a registration."""
    return tuple(f for f in findings if f.severity is Severity.REFUSE)


def _f(code: FindingCode, ar: str, en: str, *, warn: bool = False) -> Finding:
    return Finding(code.value, ar, en, Severity.WARN if warn else Severity.REFUSE)


def _d(day: dt.date) -> str:
    return isolate(day.isoformat())


def _future(event_ar: str, event_en: str, day: dt.date, today: dt.date) -> list[Finding]:
    if day <= today:
        return []
    return [
        _f(
            FindingCode.EVENT_IN_FUTURE,
            f"تاريخ {event_ar} ({_d(day)}) لم يأتِ بعد: تحقّق من التاريخ.",
            f"The date of the {event_en} ({day.isoformat()}) is in the future: check the date.",
        )
    ]


# ---------------------------------------------------------------------------------------------
# birth


def check_birth(law: FamilyLaw, facts: BirthFacts, *, today: dt.date) -> tuple[Finding, ...]:
    """Every finding about a birth declaration (see the module doc)."""
    born = facts.date_of_birth
    out = _future("الولادة", "birth", born, today)
    mother, father = facts.mother, facts.father
    if mother is not None and father is not None and mother.national_id == father.national_id:
        out.append(
            _f(
                FindingCode.BIRTH_SAME_PARENT,
                "الرقم الوطني للأم هو نفسه الرقم الوطني للأب: تحقّق من الرقمين.",
                "The mother's and the father's national numbers are the same: check both.",
            )
        )
    if mother is not None:
        out.extend(_mother_findings(law, mother, born))
    if father is not None:
        out.extend(_father_findings(law, father, born))
    out.extend(_sibling_findings(law, facts))
    if father is not None:
        out.extend(_name_findings(facts.child_name, father))
    late = (facts.declared_on - born).days
    if late > law.birth.registration_days:
        out.append(
            _f(
                FindingCode.BIRTH_LATE,
                f"قُدِّم بيان الولادة بعد {counted(late, DAYS)} من حدوثها، والمدة المحددة"
                f" {counted(law.birth.registration_days, DAYS)}: يُتَّبع إجراء التسجيل المتأخر.",
                f"The birth is declared {late} days after it happened, past the"
                f" {law.birth.registration_days} days allowed: the late-registration procedure"
                " applies.",
                warn=True,
            )
        )
    return tuple(out)


def _mother_findings(law: FamilyLaw, mother: PersonFacts, born: dt.date) -> list[Finding]:
    out: list[Finding] = []
    if mother.sex is not Sex.FEMALE:
        out.append(
            _f(
                FindingCode.BIRTH_MOTHER_NOT_FEMALE,
                f"الرقم الوطني المدخل للأم ({isolate(mother.national_id)}) لذكر: تحقّق من الرقم.",
                f"The national number given for the mother ({mother.national_id}) is a man's:"
                " check it.",
            )
        )
    if mother.date_of_death is not None and mother.date_of_death < born:
        out.append(
            _f(
                FindingCode.BIRTH_MOTHER_DEAD,
                f"الأم متوفاة في {_d(mother.date_of_death)}، قبل تاريخ الولادة ({_d(born)}): تحقّق"
                " من الرقم الوطني للأم ومن تاريخ الولادة.",
                f"The mother died on {mother.date_of_death.isoformat()}, before the birth"
                f" ({born.isoformat()}): check the mother's national number and the date.",
            )
        )
    if mother.sex is Sex.FEMALE:
        out.extend(check_parent_age(law, mother.party(), born))
    return out


def _father_findings(law: FamilyLaw, father: PersonFacts, born: dt.date) -> list[Finding]:
    out: list[Finding] = []
    if father.sex is not Sex.MALE:
        out.append(
            _f(
                FindingCode.BIRTH_FATHER_NOT_MALE,
                f"الرقم الوطني المدخل للأب ({isolate(father.national_id)}) لأنثى: تحقّق من الرقم.",
                f"The national number given for the father ({father.national_id}) is a"
                " woman's: check it.",
            )
        )
    died = father.date_of_death
    limit = law.birth.max_days_father_death_before_birth
    if died is not None and (born - died).days > limit:
        out.append(
            _f(
                FindingCode.BIRTH_FATHER_DEAD_TOO_LONG,
                f"الأب متوفى في {_d(died)}، قبل الولادة بأكثر من {counted(limit, DAYS)}، وهي أقصى"
                " مدة للحمل: تحقّق من الرقم الوطني للأب.",
                f"The father died on {died.isoformat()}, more than {limit} days (the longest"
                " pregnancy the law presumes) before the birth: check the father's national"
                " number.",
                warn=True,
            )
        )
    if father.sex is Sex.MALE:
        out.extend(check_parent_age(law, father.party(), born))
    return out


def _sibling_findings(law: FamilyLaw, facts: BirthFacts) -> list[Finding]:
    out: list[Finding] = []
    given = name_parts(facts.child_name)[:1]
    for other in facts.mother_other_births:
        gap = abs((facts.date_of_birth - other.date_of_birth).days)
        ref = isolate(other.reference)
        other_given = name_parts(other.name)[:1]
        if gap == 0 and given and other_given and similar_names(given[0], other_given[0]):
            out.append(
                _f(
                    FindingCode.BIRTH_DUPLICATE,
                    f"للأم ولادة مسجّلة أو مقدَّمة بالتاريخ نفسه وباسم مشابه ({ref}): قد تكون"
                    " الولادة نفسها مقدَّمة مرتين. تأكّد قبل التسجيل (التوائم تُسجَّل كلٌّ باسمه).",
                    f"The mother already has a birth on the same date with a similar name"
                    f" ({other.reference}): this may be the same birth declared twice. Confirm"
                    " before registering (twins are registered one by one).",
                    warn=True,
                )
            )
        elif _TWIN_DAYS < gap < law.birth.min_days_between_births:
            out.append(
                _f(
                    FindingCode.BIRTH_TOO_CLOSE,
                    f"للأم ولادة أخرى ({ref}) بتاريخ {_d(other.date_of_birth)}، أي قبل أو بعد"
                    f" {counted(gap, DAYS)} فقط: تحقّق من الرقم الوطني للأم.",
                    f"The mother has another birth ({other.reference}) on"
                    f" {other.date_of_birth.isoformat()}, only {gap} days apart: check the"
                    " mother's national number.",
                    warn=True,
                )
            )
    return out


def _name_findings(child_name: str, father: PersonFacts) -> list[Finding]:
    """A child's four-part name is given, father's given, grandfather's given, family."""
    child, dad = name_parts(child_name), name_parts(father.name)
    if len(child) < 4 or len(dad) < 4:
        return []
    expected = (dad[0], dad[1], dad[-1])
    got = (child[1], child[2], child[-1])
    # stricter than similar_names: محمد and احمد are one letter apart but another man
    if all(similarity(a, b) >= DUPLICATE_THRESHOLD for a, b in zip(got, expected, strict=True)):
        return []
    return [
        _f(
            FindingCode.BIRTH_NAME_NOT_FATHERS,
            "اسم الأب أو الجد أو العائلة في اسم المولود لا يطابق المسجَّل للأب: تحقّق من الاسم"
            " ومن الرقم الوطني للأب.",
            "The father's, grandfather's or family name in the child's name does not match"
            " the father's record: check the name and the father's national number.",
            warn=True,
        )
    ]


# ---------------------------------------------------------------------------------------------
# death


def check_death(facts: DeathFacts, *, today: dt.date) -> tuple[Finding, ...]:
    person, died = facts.person, facts.date_of_death
    out = _future("الوفاة", "death", died, today)
    if person.date_of_death is not None:
        out.append(
            _f(
                FindingCode.DEATH_SECOND,
                f"وفاة صاحب الرقم الوطني {isolate(person.national_id)} مسجّلة من قبل بتاريخ"
                f" {_d(person.date_of_death)}: لا تُسجَّل الوفاة مرتين.",
                f"The death of {person.national_id} is already registered, on"
                f" {person.date_of_death.isoformat()}: a death is not registered twice.",
            )
        )
    if died < person.date_of_birth:
        out.append(
            _f(
                FindingCode.DEATH_BEFORE_BIRTH,
                f"تاريخ الوفاة ({_d(died)}) قبل تاريخ الولادة ({_d(person.date_of_birth)}).",
                f"The date of death ({died.isoformat()}) is before the date of birth"
                f" ({person.date_of_birth.isoformat()}).",
            )
        )
    elif age_on(person.date_of_birth, died) > _OLDEST:
        out.append(
            _f(
                FindingCode.DEATH_UNUSUALLY_OLD,
                f"العمر عند الوفاة أكثر من {counted(_OLDEST, YEARS)}: تحقّق من الرقم الوطني ومن"
                " التاريخ.",
                f"The age at death is over {_OLDEST} years: check the national number and the"
                " date.",
                warn=True,
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# marriage and divorce


def _alive_on(person: PersonFacts, day: dt.date, event_ar: str, event_en: str) -> list[Finding]:
    out: list[Finding] = []
    if person.date_of_death is not None and person.date_of_death < day:
        out.append(
            _f(
                FindingCode.PARTY_DEAD,
                f"صاحب الرقم الوطني {isolate(person.national_id)} متوفى في"
                f" {_d(person.date_of_death)}، قبل تاريخ {event_ar}.",
                f"{person.national_id} died on {person.date_of_death.isoformat()}, before the"
                f" date of the {event_en}.",
            )
        )
    if day < person.date_of_birth:
        out.append(
            _f(
                FindingCode.EVENT_BEFORE_BIRTH,
                f"تاريخ {event_ar} ({_d(day)}) قبل ولادة صاحب الرقم الوطني"
                f" {isolate(person.national_id)}.",
                f"The date of the {event_en} ({day.isoformat()}) is before {person.national_id}"
                " was born.",
            )
        )
    return out


def check_marriage_event(
    law: FamilyLaw, facts: MarriageFacts, *, today: dt.date
) -> tuple[Finding, ...]:
    out = _future("الزواج", "marriage", facts.date, today)
    for person in (facts.husband, facts.wife):
        out.extend(_alive_on(person, facts.date, "الزواج", "marriage"))
    if any(f.code == FindingCode.EVENT_BEFORE_BIRTH.value for f in out):
        return tuple(out)  # the ages below would only repeat it
    out.extend(
        check_marriage(
            law,
            facts.husband.party(),
            facts.wife.party(),
            on=facts.date,
            between=facts.between,
            court_permission=facts.court_permission,
        )
    )
    return tuple(out)


def check_divorce(facts: DivorceFacts, *, today: dt.date) -> tuple[Finding, ...]:
    marriage, day = facts.marriage, facts.date
    out = _future("الطلاق", "divorce", day, today)
    if marriage.ended_on is not None:
        out.append(
            _f(
                FindingCode.DIVORCE_NOT_CURRENT,
                f"الزواج {isolate(marriage.reference)} منتهٍ منذ {_d(marriage.ended_on)}: لا يقع"
                " طلاق على زواج غير قائم.",
                f"Marriage {marriage.reference} ended on {marriage.ended_on.isoformat()}: only a"
                " current marriage can end in divorce.",
            )
        )
    if day < marriage.date:
        out.append(
            _f(
                FindingCode.DIVORCE_BEFORE_MARRIAGE,
                f"تاريخ الطلاق ({_d(day)}) قبل تاريخ الزواج ({_d(marriage.date)}).",
                f"The date of the divorce ({day.isoformat()}) is before the marriage"
                f" ({marriage.date.isoformat()}).",
            )
        )
    for person in (facts.husband, facts.wife):
        out.extend(_alive_on(person, day, "الطلاق", "divorce"))
    return tuple(out)
