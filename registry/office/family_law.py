"""Family-law rules as configuration, and the pure checks a marriage and a birth must pass.

What it does
------------
`FamilyLaw` is a frozen dataclass of the rules: minimum marriage age (and the lower age a
court may permit), whether a marriage is only between a man and a woman, how many marriages a
man and a woman may be in at once, the waiting period after a divorce or a spouse's death,
the bar on remarrying after a number of divorces, who may not marry whom by blood (`KinRule`
over a `Kinship` of generations up and down) or by marriage (`Affinity`), who may not be
married to the same person at once, and the plausible ages of parents at a birth.
`FamilyLaw.from_toml(text)` reads them, refusing a missing or unknown key with the key's name;
`default_family_law()` reads the packaged file `family-law.toml` (the pilot
jurisdiction's defaults, commented there).

`check_marriage(law, a, b, on=..., between=...)` returns every `Refusal` that applies (empty:
the rules allow it); `check_parent_age(law, parent, child_born)` the findings about a parent's
age at a birth. Each refusal has a code from `MarriageRefusal`/`BirthFinding` and fixed
Arabic and English sentences, the Arabic written for the sex of the party it is about.

What it deliberately does not do
--------------------------------
It does not find the facts: the caller works out from the register the kinship between the
parties (`Kinship`), their affinities, their current marriages and how the last one ended,
and passes them in. It knows nothing of religion or fosterage (رضاع), which the register
does not record; the court that writes the contract answers for those. No I/O except
reading its own packaged defaults in `default_family_law`; no clock (dates are passed in).
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib.resources
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from registry.office.errors import TIMES, YEARS, Refusal, RulesError, Severity, counted, isolate
from verifier.documents import Sex

__all__ = [
    "Affinity",
    "Between",
    "BirthFinding",
    "BirthRules",
    "FamilyLaw",
    "KinRule",
    "Kinship",
    "MarriageEnd",
    "MarriageRefusal",
    "MarriageRules",
    "Party",
    "PreviousMarriage",
    "age_on",
    "check_marriage",
    "check_parent_age",
    "default_family_law",
]


class MarriageRefusal(enum.Enum):
    SAME_SEX = "marriage_same_sex"
    UNDER_MINIMUM_AGE = "marriage_under_minimum_age"
    NEEDS_COURT_PERMISSION = "marriage_needs_court_permission"
    TOO_MANY_MARRIAGES = "marriage_too_many_marriages"
    PROHIBITED_KINSHIP = "marriage_prohibited_kinship"
    PROHIBITED_AFFINITY = "marriage_prohibited_affinity"
    PROHIBITED_COMBINATION = "marriage_prohibited_combination"
    WAITING_PERIOD = "marriage_waiting_period"
    REMARRIAGE_BARRED = "marriage_remarriage_barred"


class BirthFinding(enum.Enum):
    PARENT_TOO_YOUNG = "birth_parent_too_young"
    PARENT_UNDER_MARRIAGE_AGE = "birth_parent_under_marriage_age"
    MOTHER_UNUSUALLY_OLD = "birth_mother_unusually_old"


class Affinity(enum.Enum):
    """A relation through a marriage (current or ended), from one party to the other."""

    SPOUSE_ASCENDANT = "spouse_ascendant"  # the other is my (former) spouse's parent...
    SPOUSE_DESCENDANT = "spouse_descendant"  # ... my spouse's child or grandchild
    ASCENDANT_SPOUSE = "ascendant_spouse"  # ... my parent's or grandparent's spouse
    DESCENDANT_SPOUSE = "descendant_spouse"  # ... my child's or grandchild's spouse


_AFFINITY_WORDS: dict[Affinity, tuple[str, str]] = {
    Affinity.SPOUSE_ASCENDANT: ("أصول الزوج أو الزوجة", "a spouse's parent or grandparent"),
    Affinity.SPOUSE_DESCENDANT: ("فروع الزوج أو الزوجة", "a spouse's child or grandchild"),
    Affinity.ASCENDANT_SPOUSE: ("زوج أحد الأصول أو زوجته", "a parent's or grandparent's spouse"),
    Affinity.DESCENDANT_SPOUSE: ("زوج أحد الفروع أو زوجته", "a child's or grandchild's spouse"),
}
# seen from the other party, each affinity is its mirror
_MIRROR = {
    Affinity.SPOUSE_ASCENDANT: Affinity.DESCENDANT_SPOUSE,
    Affinity.DESCENDANT_SPOUSE: Affinity.SPOUSE_ASCENDANT,
    Affinity.SPOUSE_DESCENDANT: Affinity.ASCENDANT_SPOUSE,
    Affinity.ASCENDANT_SPOUSE: Affinity.SPOUSE_DESCENDANT,
}


@dataclass(frozen=True)
class Kinship:
    """Blood kinship: generations from one person up to the nearest common ancestor, and
    from there down to the other (siblings 1, 1; parent 1, 0 seen from the child)."""

    up: int
    down: int

    def __post_init__(self) -> None:
        if self.up < 0 or self.down < 0 or self.up == self.down == 0:
            raise ValueError("kinship is at least one generation, never negative")

    def reversed(self) -> Kinship:
        return Kinship(self.down, self.up)


@dataclass(frozen=True)
class KinRule:
    """A kinship the rules name: `up`/`down` a number of generations, None for any (≥ 1)."""

    up: int | None
    down: int | None
    ar: str
    en: str

    def matches(self, kin: Kinship) -> bool:
        """True for the kinship in either direction (a rule about marriage is symmetric)."""
        return self._one_way(kin) or self._one_way(kin.reversed())

    def matches_as_seen(self, kin: Kinship) -> bool:
        """True for the kinship in the direction given."""
        return self._one_way(kin)

    def _one_way(self, kin: Kinship) -> bool:
        up_ok = kin.up >= 1 if self.up is None else kin.up == self.up
        down_ok = kin.down >= 1 if self.down is None else kin.down == self.down
        return up_ok and down_ok


class Waiting(enum.Enum):
    FEMALE = "female"
    MALE = "male"
    BOTH = "both"
    NONE = "none"

    def applies(self, sex: Sex) -> bool:
        return self is Waiting.BOTH or (self.value == ("male" if sex is Sex.MALE else "female"))


@dataclass(frozen=True)
class MarriageRules:
    minimum_age: int
    minimum_age_with_permission: int  # 0: no exception
    opposite_sex_only: bool
    max_concurrent_male: int
    max_concurrent_female: int
    waiting_applies_to: Waiting
    waiting_days_after_divorce: int
    waiting_days_after_death: int
    remarriage_bar_after_divorces: int  # 0: no bar
    prohibited_blood: tuple[KinRule, ...]
    prohibited_affinity: frozenset[Affinity]
    not_together_blood: tuple[KinRule, ...]

    def max_concurrent(self, sex: Sex) -> int:
        return self.max_concurrent_male if sex is Sex.MALE else self.max_concurrent_female


@dataclass(frozen=True)
class BirthRules:
    minimum_parent_age: int
    maximum_mother_age: int
    warn_parent_under_marriage_age: bool
    registration_days: int
    max_days_father_death_before_birth: int
    min_days_between_births: int


@dataclass(frozen=True)
class FamilyLaw:
    marriage: MarriageRules
    birth: BirthRules

    @classmethod
    def from_toml(cls, text: str, *, source: str = "family-law rules") -> FamilyLaw:
        """Rules from TOML text; RulesError names the missing, unknown or ill-typed key."""
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RulesError(f"{source}: not valid TOML: {exc}") from exc
        r = _Reader(source)
        top = r.table(raw, "", {"marriage", "birth"})
        m = r.table(top["marriage"], "marriage", _MARRIAGE_KEYS)
        b = r.table(top["birth"], "birth", _BIRTH_KEYS)
        affinity_table = r.table(
            m["prohibited_affinity"], "marriage.prohibited_affinity", {a.value for a in Affinity}
        )
        waiting = r.string(m, "marriage.waiting_applies_to")
        try:
            waiting_to = Waiting(waiting)
        except ValueError:
            raise RulesError(
                f"{source}: marriage.waiting_applies_to must be female, male, both or none"
            ) from None
        marriage = MarriageRules(
            minimum_age=r.integer(m, "marriage.minimum_age", 1),
            minimum_age_with_permission=r.integer(m, "marriage.minimum_age_with_permission", 0),
            opposite_sex_only=r.boolean(m, "marriage.opposite_sex_only"),
            max_concurrent_male=r.integer(m, "marriage.max_concurrent_male", 1),
            max_concurrent_female=r.integer(m, "marriage.max_concurrent_female", 1),
            waiting_applies_to=waiting_to,
            waiting_days_after_divorce=r.integer(m, "marriage.waiting_days_after_divorce", 0),
            waiting_days_after_death=r.integer(m, "marriage.waiting_days_after_death", 0),
            remarriage_bar_after_divorces=r.integer(m, "marriage.remarriage_bar_after_divorces", 0),
            prohibited_blood=r.kin_rules(m, "marriage.prohibited_blood"),
            prohibited_affinity=frozenset(
                a
                for a in Affinity
                if r.boolean(affinity_table, f"marriage.prohibited_affinity.{a.value}")
            ),
            not_together_blood=r.kin_rules(m, "marriage.not_together_blood"),
        )
        if marriage.minimum_age_with_permission > marriage.minimum_age:
            raise RulesError(
                f"{source}: marriage.minimum_age_with_permission is above marriage.minimum_age"
            )
        birth = BirthRules(
            minimum_parent_age=r.integer(b, "birth.minimum_parent_age", 1),
            maximum_mother_age=r.integer(b, "birth.maximum_mother_age", 1),
            warn_parent_under_marriage_age=r.boolean(b, "birth.warn_parent_under_marriage_age"),
            registration_days=r.integer(b, "birth.registration_days", 1),
            max_days_father_death_before_birth=r.integer(
                b, "birth.max_days_father_death_before_birth", 0
            ),
            min_days_between_births=r.integer(b, "birth.min_days_between_births", 0),
        )
        return cls(marriage, birth)


_MARRIAGE_KEYS = {
    "minimum_age",
    "minimum_age_with_permission",
    "opposite_sex_only",
    "max_concurrent_male",
    "max_concurrent_female",
    "waiting_applies_to",
    "waiting_days_after_divorce",
    "waiting_days_after_death",
    "remarriage_bar_after_divorces",
    "prohibited_blood",
    "prohibited_affinity",
    "not_together_blood",
}
_BIRTH_KEYS = {
    "minimum_parent_age",
    "maximum_mother_age",
    "warn_parent_under_marriage_age",
    "registration_days",
    "max_days_father_death_before_birth",
    "min_days_between_births",
}


@dataclass(frozen=True)
class _Reader:
    source: str

    def _fail(self, message: str) -> RulesError:
        return RulesError(f"{self.source}: {message}")

    def table(self, value: Any, name: str, keys: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self._fail(f"[{name}] must be a table")
        prefix = f"{name}." if name else ""
        unknown = sorted(set(value) - keys)
        if unknown:
            raise self._fail(f"unknown key {prefix}{unknown[0]}")
        missing = sorted(keys - set(value))
        if missing:
            raise self._fail(f"missing key {prefix}{missing[0]}")
        return value

    def _last(self, name: str) -> str:
        return name.rsplit(".", 1)[-1]

    def integer(self, table: Mapping[str, Any], name: str, minimum: int) -> int:
        value = table[self._last(name)]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self._fail(f"{name} must be a whole number of at least {minimum}")
        return value

    def boolean(self, table: Mapping[str, Any], name: str) -> bool:
        value = table[self._last(name)]
        if not isinstance(value, bool):
            raise self._fail(f"{name} must be true or false")
        return value

    def string(self, table: Mapping[str, Any], name: str) -> str:
        value = table[self._last(name)]
        if not isinstance(value, str):
            raise self._fail(f"{name} must be text")
        return value

    def kin_rules(self, table: Mapping[str, Any], name: str) -> tuple[KinRule, ...]:
        items = table[self._last(name)]
        if not isinstance(items, list):
            raise self._fail(f"{name} must be an array of tables ([[{name}]])")
        rules = []
        for i, item in enumerate(items):
            where = f"{name}[{i}]"
            t = self.table(item, where, {"up", "down", "ar", "en"})
            rules.append(
                KinRule(
                    up=self._generations(t["up"], f"{where}.up"),
                    down=self._generations(t["down"], f"{where}.down"),
                    ar=self.string(t, f"{where}.ar"),
                    en=self.string(t, f"{where}.en"),
                )
            )
        return tuple(rules)

    def _generations(self, value: Any, name: str) -> int | None:
        if value == "any":
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self._fail(f'{name} must be a number of generations (0 or more) or "any"')
        return value


def default_family_law() -> FamilyLaw:
    """The packaged defaults: the pilot jurisdiction's rules (family-law.toml)."""
    resource = importlib.resources.files("registry.office") / "family-law.toml"
    return FamilyLaw.from_toml(resource.read_text(encoding="utf-8"), source="family-law.toml")


# ---------------------------------------------------------------------------------------------
# the facts a check needs


class MarriageEnd(enum.Enum):
    DIVORCE = "divorce"
    DEATH = "death"  # the spouse died


@dataclass(frozen=True)
class PreviousMarriage:
    """How a party's most recent marriage ended, and when."""

    ended_on: dt.date
    how: MarriageEnd


@dataclass(frozen=True)
class Party:
    """One party to a marriage as the register knows them on the day of the contract."""

    sex: Sex
    date_of_birth: dt.date
    current_marriages: int = 0
    last_ended: PreviousMarriage | None = None


@dataclass(frozen=True)
class Between:
    """What the register knows of the two parties together.

    `kinship` is blood kinship seen from the first party; `affinities` the relations by
    marriage seen from the first party; `divorces` the divorces between these two since she
    last married someone else; `co_spouse_kinships` the blood kinship between the party who
    is joining and each current spouse of the other (sisters, aunt and niece)."""

    kinship: Kinship | None = None
    affinities: frozenset[Affinity] = frozenset()
    divorces: int = 0
    co_spouse_kinships: tuple[Kinship, ...] = field(default=())


def age_on(born: dt.date, on: dt.date) -> int:
    """Completed years on a date (someone born on 29 February turns a year older on 1 March
    in a common year)."""
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


# ---------------------------------------------------------------------------------------------
# messages: fixed sentences, the Arabic agreeing with the party's sex


def _spouse(sex: Sex) -> str:
    return "الزوج" if sex is Sex.MALE else "الزوجة"


def _spouse_en(sex: Sex) -> str:
    return "husband" if sex is Sex.MALE else "wife"


def _refusal(
    code: MarriageRefusal | BirthFinding, ar: str, en: str, *, warn: bool = False
) -> Refusal:
    return Refusal(code.value, ar, en, Severity.WARN if warn else Severity.REFUSE)


def check_marriage(
    law: FamilyLaw,
    a: Party,
    b: Party,
    *,
    on: dt.date,
    between: Between = Between(),
    court_permission: bool = False,
) -> tuple[Refusal, ...]:
    """Every rule a marriage of a and b on `on` breaks; () when the rules allow it.

    `court_permission` is True when the declaration records a court's permission for a
    party between `minimum_age_with_permission` and `minimum_age`."""
    rules = law.marriage
    out: list[Refusal] = []
    if rules.opposite_sex_only and a.sex is b.sex:
        out.append(
            _refusal(
                MarriageRefusal.SAME_SEX,
                "لا يُسجَّل الزواج إلا بين رجل وامرأة.",
                "A marriage is registered only between a man and a woman.",
            )
        )
    for party in (a, b):
        out.extend(_age_refusals(rules, party, on, court_permission))
        out.extend(_marriage_count_refusals(rules, party))
        out.extend(_waiting_refusals(rules, party, on))
    out.extend(_kinship_refusals(rules, between))
    if (
        rules.remarriage_bar_after_divorces
        and between.divorces >= rules.remarriage_bar_after_divorces
    ):
        n = counted(between.divorces, TIMES)
        out.append(
            _refusal(
                MarriageRefusal.REMARRIAGE_BARRED,
                f"وقع الطلاق بين الطرفين {n}، فلا يُسجَّل زواجهما من جديد إلا بعد زواج"
                " الزوجة من غيره وانتهاء ذلك الزواج.",
                f"The two have divorced {between.divorces} times: they may not marry again"
                " until she has married someone else and that marriage has ended.",
            )
        )
    return tuple(out)


def _age_refusals(
    rules: MarriageRules, party: Party, on: dt.date, court_permission: bool
) -> list[Refusal]:
    age = age_on(party.date_of_birth, on)
    if age >= rules.minimum_age:
        return []
    who, who_en = _spouse(party.sex), _spouse_en(party.sex)
    verb = "يُكمل" if party.sex is Sex.MALE else "تُكمل"
    years = counted(rules.minimum_age, YEARS)
    permitted_from = rules.minimum_age_with_permission
    if permitted_from and age >= permitted_from:
        if court_permission:
            return []
        return [
            _refusal(
                MarriageRefusal.NEEDS_COURT_PERMISSION,
                f"لم {verb} {who} {years} شمسية يوم عقد الزواج، فلا يُسجَّل الزواج إلا بإذن"
                " المحكمة المختصة، ويُذكر رقم الإذن في الطلب.",
                f"The {who_en} had not completed {rules.minimum_age} years on the date of the"
                " contract: the marriage is registered only with the competent court's"
                " permission, whose reference the declaration must give.",
            )
        ]
    lowest = permitted_from or rules.minimum_age
    return [
        _refusal(
            MarriageRefusal.UNDER_MINIMUM_AGE,
            f"لم {verb} {who} {counted(lowest, YEARS)} شمسية يوم عقد الزواج، وهي السن الأدنى"
            " للزواج، فلا يُسجَّل الزواج.",
            f"The {who_en} had not completed {lowest} years on the date of the contract, the"
            " minimum age for marriage: the marriage cannot be registered.",
        )
    ]


def _marriage_count_refusals(rules: MarriageRules, party: Party) -> list[Refusal]:
    limit = rules.max_concurrent(party.sex)
    if party.current_marriages < limit:
        return []
    who, who_en = _spouse(party.sex), _spouse_en(party.sex)
    if limit == 1:
        state = "متزوج" if party.sex is Sex.MALE else "متزوجة"
        return [
            _refusal(
                MarriageRefusal.TOO_MANY_MARRIAGES,
                f"{who} {state} حاليًا، ولا يُسجَّل زواج جديد قبل انتهاء الزواج القائم.",
                f"The {who_en} is married: a new marriage cannot be registered until the"
                " current one has ended.",
            )
        ]
    return [
        _refusal(
            MarriageRefusal.TOO_MANY_MARRIAGES,
            f"بلغ عدد زيجات {who} القائمة {isolate(party.current_marriages)}، وهو الحد الأعلى"
            f" المسموح به ({isolate(limit)})، فلا يُسجَّل زواج جديد.",
            f"The {who_en} is already in {party.current_marriages} marriages, the most allowed"
            f" at once ({limit}): a new marriage cannot be registered.",
        )
    ]


def _waiting_refusals(rules: MarriageRules, party: Party, on: dt.date) -> list[Refusal]:
    last = party.last_ended
    if last is None or not rules.waiting_applies_to.applies(party.sex):
        return []
    days = (
        rules.waiting_days_after_divorce
        if last.how is MarriageEnd.DIVORCE
        else rules.waiting_days_after_death
    )
    ends = last.ended_on + dt.timedelta(days=days)
    if on >= ends:
        return []
    who, who_en = _spouse(party.sex), _spouse_en(party.sex)
    verb = "تنقضِ"  # agrees with العدة, whoever waits
    reason_ar = "الطلاق" if last.how is MarriageEnd.DIVORCE else "الوفاة"
    reason_en = "divorce" if last.how is MarriageEnd.DIVORCE else "spouse's death"
    return [
        _refusal(
            MarriageRefusal.WAITING_PERIOD,
            f"لم {verb} عدة {who} بعد {reason_ar}، وتنقضي في {isolate(ends.isoformat())}، فلا"
            " يُسجَّل الزواج قبل ذلك.",
            f"The {who_en}'s waiting period after the {reason_en} has not ended; it ends on"
            f" {ends.isoformat()}, and the marriage cannot be registered before then.",
        )
    ]


def _kinship_refusals(rules: MarriageRules, between: Between) -> list[Refusal]:
    out: list[Refusal] = []
    if between.kinship is not None:
        kin = between.kinship
        # name the relation as seen from the first party when a rule says it that way
        ordered = sorted(rules.prohibited_blood, key=lambda r: not r.matches_as_seen(kin))
        for rule in ordered:
            if rule.matches(kin):
                out.append(
                    _refusal(
                        MarriageRefusal.PROHIBITED_KINSHIP,
                        f"لا يجوز الزواج بين الطرفين لقرابة النسب بينهما ({rule.ar}).",
                        f"The two may not marry: they are related by blood ({rule.en}).",
                    )
                )
                break
    for affinity in Affinity:  # in a fixed order, so the first refusal is always the same
        if affinity in between.affinities and (
            affinity in rules.prohibited_affinity or _MIRROR[affinity] in rules.prohibited_affinity
        ):
            ar, en = _AFFINITY_WORDS[affinity]
            out.append(
                _refusal(
                    MarriageRefusal.PROHIBITED_AFFINITY,
                    f"لا يجوز الزواج بين الطرفين لقرابة المصاهرة بينهما ({ar}).",
                    f"The two may not marry: they are related by marriage ({en}).",
                )
            )
            break
    for kin in between.co_spouse_kinships:
        for rule in rules.not_together_blood:
            if rule.matches(kin):
                out.append(
                    _refusal(
                        MarriageRefusal.PROHIBITED_COMBINATION,
                        "لا يجوز الجمع في الزواج بين الطرف الجديد وزوج قائم للطرف الآخر لقرابة"
                        f" بينهما ({rule.ar}).",
                        "The marriage would join in one marriage at once two people related to"
                        f" each other ({rule.en}).",
                    )
                )
                return out
    return out


def check_parent_age(
    law: FamilyLaw, parent: Party, child_born: dt.date, *, marriage_minimum: bool = True
) -> tuple[Refusal, ...]:
    """Findings about a parent's age at a child's birth: refused when implausibly young (a
    wrong national number, usually), flagged when under the marriage age or, for a mother,
    unusually old (a grandmother's number taken for the mother's)."""
    rules = law.birth
    age = age_on(parent.date_of_birth, child_born)
    female = parent.sex is Sex.FEMALE
    who, who_en = ("الأم", "mother") if female else ("الأب", "father")
    whose = "للأم" if female else "للأب"
    if parent.date_of_birth >= child_born:
        return (
            _refusal(
                BirthFinding.PARENT_TOO_YOUNG,
                f"تاريخ ميلاد {who} ليس قبل تاريخ ولادة المولود: تحقّق من الرقم الوطني {whose}.",
                f"The {who_en} was not born before the child: check the {who_en}'s national"
                " number.",
            ),
        )
    if age < rules.minimum_parent_age:
        return (
            _refusal(
                BirthFinding.PARENT_TOO_YOUNG,
                f"عمر {who} يوم الولادة {counted(age, YEARS)}، وهو دون"
                f" {counted(rules.minimum_parent_age, YEARS)}: تحقّق من الرقم الوطني {whose}.",
                f"The {who_en} was {age} at the birth, under {rules.minimum_parent_age}: check"
                f" the {who_en}'s national number.",
            ),
        )
    if marriage_minimum and rules.warn_parent_under_marriage_age and age < law.marriage.minimum_age:
        return (
            _refusal(
                BirthFinding.PARENT_UNDER_MARRIAGE_AGE,
                f"عمر {who} يوم الولادة {counted(age, YEARS)}، وهو دون السن الأدنى للزواج: تأكّد"
                " من صحة البيانات قبل التسجيل.",
                f"The {who_en} was {age} at the birth, under the minimum age for marriage:"
                " confirm the details before registering.",
                warn=True,
            ),
        )
    if female and age > rules.maximum_mother_age:
        return (
            _refusal(
                BirthFinding.MOTHER_UNUSUALLY_OLD,
                f"عمر الأم يوم الولادة {counted(age, YEARS)}: تحقّق من الرقم الوطني للأم قبل"
                " التسجيل.",
                f"The mother was {age} at the birth: check the mother's national number before"
                " registering.",
                warn=True,
            ),
        )
    return ()
