"""Every template renders in both languages within a known number of segments, GSM-7 for
English and UCS-2 for Arabic; the segment arithmetic matches 160/153 and 70/67; bad values
are refused before they reach a text."""

from __future__ import annotations

import pytest

from registry.sms import encoding, templates
from registry.sms.encoding import Alphabet

REALISTIC = {
    "otp": {"code": "482913", "minutes": "5"},
    "order_paid": {"order_code": "K7Q-M2X-A9C"},
    "order_ready": {
        "order_code": "K7Q-M2X-A9C",
        "place_ar": "مركز خدمة المواطن - عمّان",
        "place_en": "Citizen Service Centre, Amman",
    },
    "order_dispatched": {"order_code": "K7Q-M2X-A9C", "tracking": "RR123456789JO"},
    "kiosk_printed": {
        "document_ar": "شهادة ميلاد",
        "document_en": "birth certificate",
        "centre_ar": "مركز خدمة المواطن - الزرقاء",
        "centre_en": "Citizen Service Centre, Zarqa",
    },
}
_APPOINTMENT = {
    "service_ar": "تسجيل واقعة ولادة أو وفاة أو زواج أو طلاق",
    "service_en": "Registering a birth, death, marriage or divorce",
    "office_ar": "مكتب الأحوال المدنية والجوازات - إربد",
    "office_en": "Civil Status Office - Irbid",
    "day": "2027-01-03",
    "time": "09:30",
    "reference": "K7Q-M2X-A9C",
    "link": "https://sanad.example.jo/b/K7QM2XA9C?t=abcdefghijklmnopqrstuv",
    "minutes": "30",
}
for _name in (
    "booking_confirmed",
    "booking_reminder",
    "booking_cancelled",
    "booking_moved",
    "booking_slot_offered",
    "booking_office_closed",
):
    REALISTIC[_name] = {k: _APPOINTMENT[k] for k in templates.TEMPLATES[_name].fields}

# (template, language) -> segments with the realistic values above
EXPECTED = {
    # appointments: the service's and the office's full names and the signed link make them
    # the longest texts Sanad sends (a UCS-2 segment of a long message holds 67 characters)
    ("booking_confirmed", "ar"): 4,
    ("booking_confirmed", "en"): 2,
    ("booking_reminder", "ar"): 4,
    ("booking_reminder", "en"): 2,
    ("booking_cancelled", "ar"): 2,
    ("booking_cancelled", "en"): 1,
    ("booking_moved", "ar"): 3,
    ("booking_moved", "en"): 2,
    ("booking_slot_offered", "ar"): 4,
    ("booking_slot_offered", "en"): 2,
    ("booking_office_closed", "ar"): 3,
    ("booking_office_closed", "en"): 2,
    ("otp", "ar"): 1,
    ("otp", "en"): 1,
    ("order_paid", "ar"): 1,
    ("order_paid", "en"): 1,
    ("order_ready", "ar"): 2,
    ("order_ready", "en"): 1,
    ("order_dispatched", "ar"): 1,
    ("order_dispatched", "en"): 1,
    ("kiosk_printed", "ar"): 2,
    ("kiosk_printed", "en"): 1,
}


@pytest.mark.parametrize(("name", "language"), sorted(EXPECTED), ids=lambda x: str(x))
def test_each_template_fits_its_segment_count(name: str, language: str) -> None:
    text = templates.render(name, language, REALISTIC[name])
    seg = templates.segments(text)
    assert seg.count == EXPECTED[(name, language)], (text, seg)
    assert seg.alphabet is (Alphabet.UCS2 if language == "ar" else Alphabet.GSM7)
    assert len(templates.TEMPLATES) == len(REALISTIC)


def test_the_code_is_in_the_otp_and_minutes_are_counted_in_arabic() -> None:
    assert "482913" in templates.render("otp", "ar", {"code": "482913", "minutes": "5"})
    forms = {
        n: templates.render("otp", "ar", {"code": "1", "minutes": str(n)})
        for n in (1, 2, 5, 10, 15)
    }
    assert "دقيقة واحدة" in forms[1] and "دقيقتين" in forms[2]
    assert "5 دقائق" in forms[5] and "10 دقائق" in forms[10] and "15 دقيقة" in forms[15]
    assert "5 minutes" in templates.render("otp", "en", {"code": "1", "minutes": "5"})


def test_a_freed_slot_counts_its_minutes_in_arabic() -> None:
    values = dict(REALISTIC["booking_slot_offered"])
    assert "مدة 30 دقيقة" in templates.render("booking_slot_offered", "ar", values)
    values["minutes"] = "10"
    assert "مدة 10 دقائق" in templates.render("booking_slot_offered", "ar", values)
    assert "for 10 minutes" in templates.render("booking_slot_offered", "en", values)


def test_place_names_go_to_their_own_language() -> None:
    ar = templates.render("order_ready", "ar", REALISTIC["order_ready"])
    en = templates.render("order_ready", "en", REALISTIC["order_ready"])
    assert "عمّان" in ar and "Amman" not in ar
    assert "Amman" in en and "عمّان" not in en


@pytest.mark.parametrize(
    ("text", "alphabet", "units", "count"),
    [
        ("a" * 160, Alphabet.GSM7, 160, 1),
        ("a" * 161, Alphabet.GSM7, 161, 2),
        ("a" * 306, Alphabet.GSM7, 306, 2),
        ("a" * 307, Alphabet.GSM7, 307, 3),
        ("€" * 80, Alphabet.GSM7, 160, 1),  # an extension character takes two septets
        ("€" * 81, Alphabet.GSM7, 162, 2),
        ("ب" * 70, Alphabet.UCS2, 70, 1),
        ("ب" * 71, Alphabet.UCS2, 71, 2),
        ("ب" * 134, Alphabet.UCS2, 134, 2),
        ("ب" * 135, Alphabet.UCS2, 135, 3),
        ("a" * 159 + "ب", Alphabet.UCS2, 160, 3),  # one Arabic letter makes it all UCS-2
        ("", Alphabet.GSM7, 0, 1),
    ],
    ids=lambda x: str(x)[:12],
)
def test_segment_arithmetic(text: str, alphabet: Alphabet, units: int, count: int) -> None:
    seg = encoding.segments(text)
    assert (seg.alphabet, seg.units, seg.count) == (alphabet, units, count)
    got_alphabet, chunks = encoding.parts(text, 7)
    assert got_alphabet is alphabet and len(chunks) == count


def test_parts_carry_a_concatenation_header_and_never_split_a_character() -> None:
    text = "€" * 80 + "x"  # 161 septets: a split at 153 would cut the 77th escape pair
    _, chunks = encoding.parts(text, 42)
    assert [c[:5] for c in chunks] == [bytes([5, 0, 3, 42, 2])] * 2
    assert [c[5] for c in chunks] == [1, 2]
    body = b"".join(c[6:] for c in chunks)
    assert encoding.decode(0, body) == text
    assert all(not c[6:].endswith(b"\x1b") for c in chunks)
    assert len(chunks[0]) - 6 == 152  # 76 pairs: the 77th would not fit in 153


@pytest.mark.parametrize(
    ("name", "values", "message"),
    [
        ("nope", {}, "unknown SMS template"),
        ("otp", {"code": "1"}, "missing minutes"),
        ("otp", {"code": "1", "minutes": "5", "pin": "1234"}, "unexpected pin"),
        ("order_paid", {"order_code": "9861234567"}, "national number"),
        ("otp", {"code": "12a", "minutes": "5"}, "digits"),
        ("order_paid", {"order_code": ""}, "non-empty"),
    ],
)
def test_bad_values_are_a_programming_error(
    name: str, values: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        templates.render(name, "ar", values)
    with pytest.raises(ValueError, match="language"):
        templates.render("otp", "fr", {"code": "1", "minutes": "5"})
