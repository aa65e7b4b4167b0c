"""Vital-event checks: each of a clerk's real mistakes is caught, and an honest event is not."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.office.errors import Severity
from registry.office.family_law import (
    Between,
    BirthFinding,
    Kinship,
    MarriageEnd,
    MarriageRefusal,
    PreviousMarriage,
    default_family_law,
)
from registry.office.vital_checks import (
    BirthFacts,
    DeathFacts,
    DivorceFacts,
    FindingCode,
    MarriageFacts,
    OtherBirth,
    PersonFacts,
    RecordedMarriage,
    check_birth,
    check_death,
    check_divorce,
    check_marriage_event,
    refusing,
)
from verifier.documents import Sex

LAW = default_family_law()
TODAY = dt.date(2026, 6, 10)
BORN = dt.date(2026, 6, 1)

MOTHER = PersonFacts("9861234567", Sex.FEMALE, dt.date(1996, 3, 4), "مريم خالد يوسف الزعبي")
FATHER = PersonFacts("9851234568", Sex.MALE, dt.date(1990, 7, 8), "أحمد محمود علي العمري")


def birth(**kw: object) -> BirthFacts:
    base: dict[str, object] = {
        "child_name": "يوسف أحمد محمود العمري",
        "sex": Sex.MALE,
        "date_of_birth": BORN,
        "declared_on": TODAY,
        "mother": MOTHER,
        "father": FATHER,
    }
    base.update(kw)
    return BirthFacts(**base)  # type: ignore[arg-type]


def codes(findings: tuple[object, ...]) -> list[str]:
    return [f.code for f in findings]  # type: ignore[attr-defined]


def test_an_honest_birth_has_no_findings() -> None:
    assert check_birth(LAW, birth(), today=TODAY) == ()


def test_a_birth_without_parents_in_the_register_is_checked_on_what_there_is() -> None:
    assert check_birth(LAW, birth(mother=None, father=None), today=TODAY) == ()


def test_a_birth_in_the_future_is_refused() -> None:
    (f,) = check_birth(
        LAW, birth(date_of_birth=dt.date(2026, 7, 1), declared_on=TODAY), today=TODAY
    )
    assert (f.code, f.severity) == (FindingCode.EVENT_IN_FUTURE.value, Severity.REFUSE)
    assert "\u20682026-07-01\u2069" in f.ar and "2026-07-01" in f.en


def test_the_mother_must_be_alive_at_the_birth() -> None:
    dead = PersonFacts(
        MOTHER.national_id, Sex.FEMALE, MOTHER.date_of_birth, MOTHER.name, dt.date(2025, 1, 1)
    )
    (f,) = check_birth(LAW, birth(mother=dead), today=TODAY)
    assert f.code == FindingCode.BIRTH_MOTHER_DEAD.value and f.severity is Severity.REFUSE
    assert "الأم متوفاة" in f.ar
    # a mother who dies in childbirth, the same day, is no mistake
    same_day = PersonFacts(MOTHER.national_id, Sex.FEMALE, MOTHER.date_of_birth, MOTHER.name, BORN)
    assert check_birth(LAW, birth(mother=same_day), today=TODAY) == ()


def test_a_posthumous_birth_is_fine_within_the_longest_pregnancy() -> None:
    def father_died(day: dt.date) -> PersonFacts:
        return PersonFacts(FATHER.national_id, Sex.MALE, FATHER.date_of_birth, FATHER.name, day)

    assert (
        check_birth(LAW, birth(father=father_died(BORN - dt.timedelta(days=200))), today=TODAY)
        == ()
    )
    (f,) = check_birth(LAW, birth(father=father_died(BORN - dt.timedelta(days=400))), today=TODAY)
    assert (f.code, f.severity) == (FindingCode.BIRTH_FATHER_DEAD_TOO_LONG.value, Severity.WARN)


def test_swapped_parents_are_caught() -> None:
    got = codes(
        check_birth(LAW, birth(mother=FATHER, father=MOTHER, child_name="يوسف"), today=TODAY)
    )
    assert FindingCode.BIRTH_MOTHER_NOT_FEMALE.value in got
    assert FindingCode.BIRTH_FATHER_NOT_MALE.value in got
    (f,) = [
        x for x in check_birth(LAW, birth(mother=FATHER), today=TODAY) if x.code.endswith("female")
    ]
    assert "\u20689851234568\u2069" in f.ar


def test_the_same_number_for_both_parents() -> None:
    got = codes(check_birth(LAW, birth(father=MOTHER, child_name="يوسف"), today=TODAY))
    assert FindingCode.BIRTH_SAME_PARENT.value in got


def test_a_child_born_to_a_girl_of_ten_is_a_wrong_number() -> None:
    girl = PersonFacts("9861111111", Sex.FEMALE, dt.date(2016, 1, 1), "سارة")
    (f,) = check_birth(LAW, birth(mother=girl), today=TODAY)
    assert (f.code, f.severity) == (BirthFinding.PARENT_TOO_YOUNG.value, Severity.REFUSE)


def test_a_parent_born_after_the_child() -> None:
    baby = PersonFacts("9851111112", Sex.MALE, dt.date(2026, 6, 5), "علي")
    got = check_birth(LAW, birth(father=baby, child_name="يوسف"), today=TODAY)
    assert codes(got) == [BirthFinding.PARENT_TOO_YOUNG.value]


def test_a_young_mother_is_flagged_for_confirmation() -> None:
    young = PersonFacts("9861111113", Sex.FEMALE, dt.date(2009, 1, 1), "هبة")
    (f,) = check_birth(LAW, birth(mother=young), today=TODAY)
    assert (f.code, f.severity) == (BirthFinding.PARENT_UNDER_MARRIAGE_AGE.value, Severity.WARN)


@pytest.mark.parametrize(
    "other_name",
    ["يوسف", "يوسيف", "يُوسُف", "يوسف أحمد محمود العمري"],
)
def test_the_same_birth_declared_twice_is_flagged(other_name: str) -> None:
    twin = OtherBirth("9871234560", other_name, BORN)
    (f,) = check_birth(LAW, birth(mother_other_births=(twin,)), today=TODAY)
    assert (f.code, f.severity) == (FindingCode.BIRTH_DUPLICATE.value, Severity.WARN)
    assert "\u20689871234560\u2069" in f.ar and "9871234560" in f.en


def test_twins_with_different_names_are_not_duplicates() -> None:
    twin = OtherBirth("9871234560", "عمر", BORN)
    assert check_birth(LAW, birth(mother_other_births=(twin,)), today=TODAY) == ()
    # twins born either side of midnight
    twin = OtherBirth("9871234560", "عمر", BORN - dt.timedelta(days=1))
    assert check_birth(LAW, birth(mother_other_births=(twin,)), today=TODAY) == ()


def test_a_sibling_born_months_earlier_means_a_wrong_mother() -> None:
    sibling = OtherBirth("9871234560", "سلمى", BORN - dt.timedelta(days=90))
    (f,) = check_birth(LAW, birth(mother_other_births=(sibling,)), today=TODAY)
    assert (f.code, f.severity) == (FindingCode.BIRTH_TOO_CLOSE.value, Severity.WARN)
    older = OtherBirth("9871234561", "سلمى", BORN - dt.timedelta(days=400))
    assert check_birth(LAW, birth(mother_other_births=(older,)), today=TODAY) == ()


def test_the_childs_name_must_carry_the_fathers() -> None:
    (f,) = check_birth(LAW, birth(child_name="يوسف محمد محمود العمري"), today=TODAY)
    assert (f.code, f.severity) == (FindingCode.BIRTH_NAME_NOT_FATHERS.value, Severity.WARN)
    # spelling habits are not a mismatch
    assert check_birth(LAW, birth(child_name="يوسف احمد محمود العمرى"), today=TODAY) == ()


def test_a_late_declaration_is_flagged() -> None:
    (f,) = check_birth(
        LAW, birth(declared_on=BORN + dt.timedelta(days=45)), today=BORN + dt.timedelta(days=45)
    )
    assert (f.code, f.severity) == (FindingCode.BIRTH_LATE.value, Severity.WARN)
    assert "\u206845\u2069" in f.ar


# --- deaths ----------------------------------------------------------------------------------


def test_a_death_is_registered_once() -> None:
    assert check_death(DeathFacts(FATHER, dt.date(2026, 6, 9)), today=TODAY) == ()
    dead = PersonFacts(
        FATHER.national_id, Sex.MALE, FATHER.date_of_birth, FATHER.name, dt.date(2026, 6, 9)
    )
    (f,) = check_death(DeathFacts(dead, dt.date(2026, 6, 9)), today=TODAY)
    assert (f.code, f.severity) == (FindingCode.DEATH_SECOND.value, Severity.REFUSE)
    assert "مرتين" in f.ar and "not registered twice" in f.en


def test_death_dates_in_order() -> None:
    got = codes(check_death(DeathFacts(FATHER, dt.date(1989, 1, 1)), today=TODAY))
    assert got == [FindingCode.DEATH_BEFORE_BIRTH.value]
    got = codes(check_death(DeathFacts(FATHER, dt.date(2026, 6, 11)), today=TODAY))
    assert got == [FindingCode.EVENT_IN_FUTURE.value]
    old = PersonFacts("9001234567", Sex.MALE, dt.date(1900, 1, 1))
    (f,) = check_death(DeathFacts(old, dt.date(2026, 1, 1)), today=TODAY)
    assert f.severity is Severity.WARN


# --- marriages and divorces ------------------------------------------------------------------


def test_an_ordinary_marriage_passes() -> None:
    assert (
        check_marriage_event(LAW, MarriageFacts(FATHER, MOTHER, dt.date(2020, 5, 5)), today=TODAY)
        == ()
    )


def test_a_marriage_below_the_minimum_age_is_refused() -> None:
    bride = PersonFacts("9861111114", Sex.FEMALE, dt.date(2005, 1, 1), "هبة")
    (f,) = check_marriage_event(LAW, MarriageFacts(FATHER, bride, dt.date(2020, 5, 5)), today=TODAY)
    assert (f.code, f.severity) == (MarriageRefusal.UNDER_MINIMUM_AGE.value, Severity.REFUSE)


def test_born_before_married_before_died() -> None:
    got = codes(
        check_marriage_event(LAW, MarriageFacts(FATHER, MOTHER, dt.date(1995, 1, 1)), today=TODAY)
    )
    assert got == [FindingCode.EVENT_BEFORE_BIRTH.value]  # the bride was not yet born
    dead = PersonFacts(
        FATHER.national_id, Sex.MALE, FATHER.date_of_birth, FATHER.name, dt.date(2019, 1, 1)
    )
    got = codes(
        check_marriage_event(LAW, MarriageFacts(dead, MOTHER, dt.date(2020, 5, 5)), today=TODAY)
    )
    assert got == [FindingCode.PARTY_DEAD.value]
    got = codes(
        check_marriage_event(LAW, MarriageFacts(FATHER, MOTHER, dt.date(2027, 1, 1)), today=TODAY)
    )
    assert got == [FindingCode.EVENT_IN_FUTURE.value]


def test_family_law_findings_come_through() -> None:
    facts = MarriageFacts(
        FATHER, MOTHER, dt.date(2020, 5, 5), between=Between(kinship=Kinship(1, 1))
    )
    assert codes(check_marriage_event(LAW, facts, today=TODAY)) == [
        MarriageRefusal.PROHIBITED_KINSHIP.value
    ]
    widow = PersonFacts(
        MOTHER.national_id, Sex.FEMALE, MOTHER.date_of_birth, MOTHER.name,
        last_ended=PreviousMarriage(dt.date(2020, 4, 1), MarriageEnd.DEATH),
    )  # fmt: skip
    got = codes(
        check_marriage_event(LAW, MarriageFacts(FATHER, widow, dt.date(2020, 5, 5)), today=TODAY)
    )
    assert got == [MarriageRefusal.WAITING_PERIOD.value]


def test_divorce_checks() -> None:
    m = RecordedMarriage("M-2020-1", dt.date(2020, 5, 5))
    assert check_divorce(DivorceFacts(m, FATHER, MOTHER, dt.date(2025, 1, 1)), today=TODAY) == ()
    got = codes(check_divorce(DivorceFacts(m, FATHER, MOTHER, dt.date(2019, 1, 1)), today=TODAY))
    assert got == [FindingCode.DIVORCE_BEFORE_MARRIAGE.value]
    ended = RecordedMarriage("M-2020-1", dt.date(2020, 5, 5), ended_on=dt.date(2024, 1, 1))
    (f,) = check_divorce(DivorceFacts(ended, FATHER, MOTHER, dt.date(2025, 1, 1)), today=TODAY)
    assert f.code == FindingCode.DIVORCE_NOT_CURRENT.value and "\u2068M-2020-1\u2069" in f.ar
    dead = PersonFacts(
        MOTHER.national_id, Sex.FEMALE, MOTHER.date_of_birth, MOTHER.name, dt.date(2024, 1, 1)
    )
    got = codes(check_divorce(DivorceFacts(m, FATHER, dead, dt.date(2025, 1, 1)), today=TODAY))
    assert got == [FindingCode.PARTY_DEAD.value]
    got = codes(check_divorce(DivorceFacts(m, FATHER, MOTHER, dt.date(2026, 7, 1)), today=TODAY))
    assert got == [FindingCode.EVENT_IN_FUTURE.value]


def test_refusing_keeps_only_what_stops_registration() -> None:
    young = PersonFacts("9861111113", Sex.FEMALE, dt.date(2009, 1, 1), "هبة")
    findings = check_birth(LAW, birth(mother=young, date_of_birth=dt.date(2026, 7, 1)), today=TODAY)
    assert len(findings) == 2
    assert codes(refusing(findings)) == [FindingCode.EVENT_IN_FUTURE.value]


@given(
    born=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2030, 1, 1)),
    died=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2030, 1, 1)),
)
def test_a_death_is_refused_exactly_when_out_of_order(born: dt.date, died: dt.date) -> None:
    person = PersonFacts("9001234567", Sex.FEMALE, born)
    refused = codes(refusing(check_death(DeathFacts(person, died), today=TODAY)))
    assert (FindingCode.DEATH_BEFORE_BIRTH.value in refused) == (died < born)
    assert (FindingCode.EVENT_IN_FUTURE.value in refused) == (died > TODAY)
