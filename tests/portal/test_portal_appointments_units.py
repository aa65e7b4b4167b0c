"""The appointment pages' pure parts: how a day, its Hijri date and a length read, and the
checks on what comes back from a form or a link."""

from __future__ import annotations

import datetime as dt

import pytest

from portal import forms
from portal.dates import clock, day_text, hijri_text, minutes_text
from portal.words import TEXT, refusal_text


def test_a_day_reads_with_its_weekday_and_levantine_month() -> None:
    day = dt.date(2027, 1, 3)
    assert day_text("ar", day) == "الأحد 3 كانون الثاني 2027"
    assert day_text("en", day) == "Sunday 3 January 2027"


def test_the_hijri_date_is_umm_al_qura() -> None:
    # Ramadan 1445 began on 11 March 2024, the year 1446 on 7 July 2024 (Umm al-Qura)
    assert hijri_text("ar", dt.date(2024, 3, 11)) == "1 رمضان 1445 هـ"
    assert hijri_text("en", dt.date(2024, 7, 7)) == "1 Muharram 1446 AH"


@pytest.mark.parametrize(
    ("n", "ar"), [(1, "دقيقة واحدة"), (2, "دقيقتان"), (5, "5 دقائق"), (15, "15 دقيقة")]
)
def test_minutes_take_the_arabic_noun_their_number_asks_for(n: int, ar: str) -> None:
    assert minutes_text("ar", n) == ar


def test_clock_is_24_hours_with_two_digits() -> None:
    assert clock(dt.time(8, 5)) == "08:05"


def test_a_slot_is_a_day_and_a_start() -> None:
    assert forms.slot("2027-01-03T08:15") == (dt.date(2027, 1, 3), dt.time(8, 15))
    for bad in ("", "2027-01-03 08:15", "2027-13-03T08:15", "2027-01-03T24:00", "x" * 16):
        with pytest.raises(forms.FieldError):
            forms.slot(bad)


def test_a_link_token_is_22_lower_case_letters() -> None:
    assert forms.link_token("a" * 22) == "a" * 22
    for bad in ("a" * 21, "A" * 22, "a" * 21 + "1", ""):
        with pytest.raises(forms.FieldError):
            forms.link_token(bad)


def test_a_reference_as_typed_or_shown() -> None:
    assert forms.reference("k7q-m2x-a9c") == "K7QM2XA9C"
    with pytest.raises(forms.FieldError) as bad:
        forms.reference("new")
    assert bad.value.key == "err_reference"


@pytest.mark.parametrize(
    "code",
    [
        "slot_taken",
        "booking_limit",
        "booking_rate",
        "day_not_open",
        "too_soon",
        "outside_window",
        "not_a_start",
        "hold_expired",
        "booking_not_active",
        "booking_not_found",
        "link_invalid",
        "already_waiting",
        "no_such_service",
        "no_such_office",
    ],
)
def test_every_booking_refusal_has_its_own_words(code: str) -> None:
    for lang in ("ar", "en"):
        assert refusal_text(lang, code) != refusal_text(lang, None)


def test_both_languages_have_the_same_words() -> None:
    assert set(TEXT["ar"]) == set(TEXT["en"])
