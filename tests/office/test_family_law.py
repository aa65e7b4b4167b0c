"""Family-law rules: the packaged defaults, the TOML loader's refusals, and every check."""

from __future__ import annotations

import datetime as dt
import importlib.resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.office.errors import RulesError, Severity
from registry.office.family_law import (
    Affinity,
    Between,
    BirthFinding,
    FamilyLaw,
    Kinship,
    MarriageEnd,
    MarriageRefusal,
    Party,
    PreviousMarriage,
    age_on,
    check_marriage,
    check_parent_age,
    default_family_law,
)
from verifier.documents import Sex

LAW = default_family_law()
DAY = dt.date(2026, 6, 1)
FSI, PDI = "\u2068", "\u2069"


def _born(years: int, *, days: int = 0) -> dt.date:
    return DAY.replace(year=DAY.year - years) - dt.timedelta(days=days)


def man(years: int = 30, **kw: object) -> Party:
    return Party(Sex.MALE, _born(years), **kw)  # type: ignore[arg-type]


def woman(years: int = 25, **kw: object) -> Party:
    return Party(Sex.FEMALE, _born(years), **kw)  # type: ignore[arg-type]


def codes(refusals: tuple[object, ...]) -> list[str]:
    return [r.code for r in refusals]  # type: ignore[attr-defined]


def _packaged_text() -> str:
    resource = importlib.resources.files("registry.office") / "family-law.toml"
    return resource.read_text(encoding="utf-8")


def test_pilot_defaults() -> None:
    m = LAW.marriage
    assert (m.minimum_age, m.minimum_age_with_permission) == (18, 16)
    assert (m.max_concurrent(Sex.MALE), m.max_concurrent(Sex.FEMALE)) == (4, 1)
    assert (m.waiting_days_after_divorce, m.waiting_days_after_death) == (90, 130)
    assert m.opposite_sex_only
    assert m.prohibited_affinity == frozenset(Affinity)
    assert LAW.birth.minimum_parent_age == 12


def test_an_ordinary_marriage_is_allowed() -> None:
    assert check_marriage(LAW, man(), woman(), on=DAY) == ()


def test_age_is_completed_years() -> None:
    assert age_on(dt.date(2008, 6, 2), DAY) == 17
    assert age_on(dt.date(2008, 6, 1), DAY) == 18
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 17
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 3, 1)) == 18


def test_marriage_below_the_minimum_age_is_refused_in_both_languages() -> None:
    (refusal,) = check_marriage(LAW, man(), woman(15), on=DAY)
    assert refusal.code == MarriageRefusal.UNDER_MINIMUM_AGE.value
    assert refusal.severity is Severity.REFUSE
    assert refusal.ar.startswith(f"لم تُكمل الزوجة {FSI}16{PDI} سنة")
    assert "The wife had not completed 16 years" in refusal.en
    (refusal,) = check_marriage(LAW, man(15), woman(), on=DAY)
    assert refusal.ar.startswith(f"لم يُكمل الزوج {FSI}16{PDI} سنة")
    assert refusal.message("en").startswith("The husband")


def test_between_sixteen_and_eighteen_needs_the_courts_permission() -> None:
    bride = Party(Sex.FEMALE, _born(17, days=-1))  # turns 17 tomorrow: still 16
    assert age_on(bride.date_of_birth, DAY) == 16
    (refusal,) = check_marriage(LAW, man(), bride, on=DAY)
    assert refusal.code == MarriageRefusal.NEEDS_COURT_PERMISSION.value
    assert "إذن المحكمة" in refusal.ar
    assert check_marriage(LAW, man(), bride, on=DAY, court_permission=True) == ()


def test_the_eighteenth_birthday_is_old_enough() -> None:
    assert check_marriage(LAW, man(), Party(Sex.FEMALE, _born(18)), on=DAY) == ()
    assert codes(
        check_marriage(LAW, man(), Party(Sex.FEMALE, _born(18) + dt.timedelta(1)), on=DAY)
    ) == [MarriageRefusal.NEEDS_COURT_PERMISSION.value]


def test_same_sex_marriage_is_refused_where_configured() -> None:
    assert codes(check_marriage(LAW, man(), man(), on=DAY)) == [MarriageRefusal.SAME_SEX.value]


def test_a_fifth_wife_is_refused_a_fourth_is_not() -> None:
    assert check_marriage(LAW, man(current_marriages=3), woman(), on=DAY) == ()
    (refusal,) = check_marriage(LAW, man(current_marriages=4), woman(), on=DAY)
    assert refusal.code == MarriageRefusal.TOO_MANY_MARRIAGES.value
    assert f"({FSI}4{PDI})" in refusal.ar and "الزوج" in refusal.ar


def test_a_married_woman_cannot_marry_again() -> None:
    (refusal,) = check_marriage(LAW, man(), woman(current_marriages=1), on=DAY)
    assert refusal.code == MarriageRefusal.TOO_MANY_MARRIAGES.value
    assert refusal.ar.startswith("الزوجة متزوجة حاليًا")
    assert refusal.en.startswith("The wife is married")


def test_waiting_period_after_divorce_and_after_widowhood() -> None:
    divorced = woman(last_ended=PreviousMarriage(DAY - dt.timedelta(days=89), MarriageEnd.DIVORCE))
    (refusal,) = check_marriage(LAW, man(), divorced, on=DAY)
    assert refusal.code == MarriageRefusal.WAITING_PERIOD.value
    assert "2026-06-02" in refusal.en and f"{FSI}2026-06-02{PDI}" in refusal.ar
    assert "الطلاق" in refusal.ar
    done = woman(last_ended=PreviousMarriage(DAY - dt.timedelta(days=90), MarriageEnd.DIVORCE))
    assert check_marriage(LAW, man(), done, on=DAY) == ()
    widow = woman(last_ended=PreviousMarriage(DAY - dt.timedelta(days=100), MarriageEnd.DEATH))
    (refusal,) = check_marriage(LAW, man(), widow, on=DAY)
    assert "الوفاة" in refusal.ar and "spouse's death" in refusal.en
    # the waiting period is the woman's: a divorced man may marry the next day
    divorced_man = man(last_ended=PreviousMarriage(DAY - dt.timedelta(days=1), MarriageEnd.DIVORCE))
    assert check_marriage(LAW, divorced_man, woman(), on=DAY) == ()


@pytest.mark.parametrize(
    ("kin", "prohibited"),
    [
        (Kinship(1, 0), True),  # parent
        (Kinship(0, 1), True),  # child
        (Kinship(2, 0), True),  # grandparent
        (Kinship(0, 3), True),  # great-grandchild
        (Kinship(1, 1), True),  # siblings and half-siblings
        (Kinship(1, 2), True),  # niece or nephew
        (Kinship(1, 4), True),  # a sibling's great-grandchild
        (Kinship(2, 1), True),  # aunt or uncle
        (Kinship(3, 1), True),  # great-aunt or great-uncle
        (Kinship(2, 2), False),  # first cousins may marry
        (Kinship(2, 3), False),  # first cousin once removed
        (Kinship(3, 3), False),  # second cousins
    ],
)
def test_prohibited_kinship_by_blood(kin: Kinship, prohibited: bool) -> None:
    for between in (Between(kinship=kin), Between(kinship=kin.reversed())):
        got = codes(check_marriage(LAW, man(), woman(), on=DAY, between=between))
        assert got == ([MarriageRefusal.PROHIBITED_KINSHIP.value] if prohibited else [])


def test_kinship_refusal_names_the_relation_as_seen_from_the_first_party() -> None:
    aunt = Between(kinship=Kinship(2, 1))  # the second party is the first's aunt or uncle
    (refusal,) = check_marriage(LAW, man(), woman(), on=DAY, between=aunt)
    assert "الأعمام والعمات" in refusal.ar and "uncle or aunt" in refusal.en
    niece = Between(kinship=Kinship(1, 2))
    (refusal,) = check_marriage(LAW, man(), woman(), on=DAY, between=niece)
    assert "فروع الأبوين" in refusal.ar


def test_kinship_refusal_names_the_relation() -> None:
    (refusal,) = check_marriage(LAW, man(), woman(), on=DAY, between=Between(kinship=Kinship(1, 1)))
    assert "الإخوة والأخوات" in refusal.ar and "sibling" in refusal.en


@pytest.mark.parametrize("affinity", list(Affinity))
def test_prohibited_affinity(affinity: Affinity) -> None:
    between = Between(affinities=frozenset({affinity}))
    got = codes(check_marriage(LAW, man(), woman(), on=DAY, between=between))
    assert got == [MarriageRefusal.PROHIBITED_AFFINITY.value]


@pytest.mark.parametrize(
    ("kin", "prohibited"),
    [(Kinship(1, 1), True), (Kinship(2, 1), True), (Kinship(1, 2), True), (Kinship(2, 2), False)],
)
def test_no_two_sisters_or_aunt_and_niece_at_once(kin: Kinship, prohibited: bool) -> None:
    between = Between(co_spouse_kinships=(Kinship(3, 3), kin))
    got = codes(check_marriage(LAW, man(current_marriages=2), woman(), on=DAY, between=between))
    assert got == ([MarriageRefusal.PROHIBITED_COMBINATION.value] if prohibited else [])


def test_remarriage_after_the_third_divorce_is_barred() -> None:
    assert check_marriage(LAW, man(), woman(), on=DAY, between=Between(divorces=2)) == ()
    (refusal,) = check_marriage(LAW, man(), woman(), on=DAY, between=Between(divorces=3))
    assert refusal.code == MarriageRefusal.REMARRIAGE_BARRED.value


def test_every_broken_rule_is_reported() -> None:
    got = check_marriage(
        LAW,
        man(15, current_marriages=4),
        woman(14, current_marriages=1),
        on=DAY,
        between=Between(kinship=Kinship(1, 1)),
    )
    assert sorted(codes(got)) == sorted(
        [
            MarriageRefusal.UNDER_MINIMUM_AGE.value,
            MarriageRefusal.TOO_MANY_MARRIAGES.value,
            MarriageRefusal.UNDER_MINIMUM_AGE.value,
            MarriageRefusal.TOO_MANY_MARRIAGES.value,
            MarriageRefusal.PROHIBITED_KINSHIP.value,
        ]
    )


def test_a_man_waits_where_the_law_makes_him_wait() -> None:
    law = FamilyLaw.from_toml(
        _packaged_text().replace('waiting_applies_to = "female"', 'waiting_applies_to = "both"')
    )
    divorced = man(last_ended=PreviousMarriage(DAY - dt.timedelta(days=10), MarriageEnd.DIVORCE))
    (refusal,) = check_marriage(law, divorced, woman(), on=DAY)
    assert refusal.ar.startswith("لم تنقضِ عدة الزوج بعد الطلاق")  # the verb agrees with العدة
    assert refusal.en.startswith("The husband's waiting period")


def test_a_parent_born_after_the_child_is_said_plainly() -> None:
    (finding,) = check_parent_age(LAW, Party(Sex.MALE, DAY + dt.timedelta(days=3)), DAY)
    assert finding.code == BirthFinding.PARENT_TOO_YOUNG.value
    assert finding.ar == "تاريخ ميلاد الأب ليس قبل تاريخ ولادة المولود: تحقّق من الرقم الوطني للأب."
    assert "-" not in finding.en


def test_another_jurisdiction_is_configuration() -> None:
    text = (
        _packaged_text()
        .replace("max_concurrent_male = 4", "max_concurrent_male = 1")
        .replace("minimum_age_with_permission = 16", "minimum_age_with_permission = 0")
        .replace('waiting_applies_to = "female"', 'waiting_applies_to = "none"')
    )
    law = FamilyLaw.from_toml(text)
    (refusal,) = check_marriage(law, man(current_marriages=1), woman(), on=DAY)
    assert refusal.ar.startswith("الزوج متزوج حاليًا")
    (refusal,) = check_marriage(law, man(), woman(17), on=DAY, court_permission=True)
    assert refusal.code == MarriageRefusal.UNDER_MINIMUM_AGE.value
    assert f"{FSI}18{PDI}" in refusal.ar
    recent = woman(last_ended=PreviousMarriage(DAY, MarriageEnd.DIVORCE))
    assert check_marriage(law, man(), recent, on=DAY) == ()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "minimum_age = 18",
            "minimum_age = 18\nminimum_agee = 3",
            "unknown key marriage.minimum_agee",
        ),
        ("minimum_age = 18\n", "", "missing key marriage.minimum_age"),
        ("minimum_age = 18", 'minimum_age = "18"', "marriage.minimum_age must be a whole number"),
        ("minimum_age = 18", "minimum_age = 15", "minimum_age_with_permission is above"),
        (
            "opposite_sex_only = true",
            "opposite_sex_only = 1",
            "opposite_sex_only must be true or false",
        ),
        (
            'waiting_applies_to = "female"',
            'waiting_applies_to = "women"',
            "female, male, both or none",
        ),
        ("up = 1\ndown = 1", 'up = "all"\ndown = 1', "must be a number of generations"),
        (
            "spouse_ascendant = true",
            "spouse_ascendant = true\nfoster = true",
            "unknown key marriage.prohibited_affinity.foster",
        ),
        ("[birth]", "[births]", "unknown key births"),
        ("minimum_age = 18", "minimum_age = [", "not valid TOML"),
    ],
)
def test_rules_file_errors_name_the_key(old: str, new: str, message: str) -> None:
    text = _packaged_text()
    assert old in text
    with pytest.raises(RulesError, match=message.replace("[", r"\[").replace(".", r"\.")):
        FamilyLaw.from_toml(text.replace(old, new, 1))


def test_kinship_is_at_least_a_generation() -> None:
    with pytest.raises(ValueError, match="at least one generation"):
        Kinship(0, 0)
    with pytest.raises(ValueError, match="never negative"):
        Kinship(-1, 2)


# --- parents' ages at a birth ----------------------------------------------------------------


def test_a_parent_of_ten_is_a_wrong_national_number() -> None:
    (finding,) = check_parent_age(LAW, Party(Sex.FEMALE, _born(10)), DAY)
    assert finding.code == BirthFinding.PARENT_TOO_YOUNG.value
    assert finding.severity is Severity.REFUSE
    assert "الرقم الوطني للأم" in finding.ar and "mother's national number" in finding.en
    (finding,) = check_parent_age(LAW, Party(Sex.MALE, _born(11)), DAY)
    assert "الرقم الوطني للأب" in finding.ar


def test_a_young_or_old_mother_is_flagged_not_refused() -> None:
    (finding,) = check_parent_age(LAW, Party(Sex.FEMALE, _born(16)), DAY)
    assert (finding.code, finding.severity) == (
        BirthFinding.PARENT_UNDER_MARRIAGE_AGE.value,
        Severity.WARN,
    )
    (finding,) = check_parent_age(LAW, Party(Sex.FEMALE, _born(58)), DAY)
    assert (finding.code, finding.severity) == (
        BirthFinding.MOTHER_UNUSUALLY_OLD.value,
        Severity.WARN,
    )
    assert check_parent_age(LAW, Party(Sex.MALE, _born(70)), DAY) == ()
    assert check_parent_age(LAW, Party(Sex.FEMALE, _born(30)), DAY) == ()


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
)
def test_age_agrees_with_counting_birthdays(born: dt.date, on: dt.date) -> None:
    age = age_on(born, on)
    if on < born:
        assert age < 0
        return
    birthdays = sum(
        1
        for year in range(born.year + 1, on.year + 1)
        if (on.month, on.day) >= (born.month, born.day) or year < on.year
    )
    assert age == birthdays
