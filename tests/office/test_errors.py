"""The bilingual refusal helpers: isolates and Arabic counted nouns."""

from __future__ import annotations

import pytest

from registry.office.errors import (
    CHARACTERS,
    DAYS,
    SECONDS,
    TIMES,
    YEARS,
    NoTransition,
    OfficeError,
    Refusal,
    Refused,
    Severity,
    counted,
    isolate,
)

FSI, PDI = "\u2068", "\u2069"


def test_isolate_wraps_in_fsi_pdi() -> None:
    assert isolate("JO-CSPD") == f"{FSI}JO-CSPD{PDI}"
    assert isolate(18) == f"{FSI}18{PDI}"


@pytest.mark.parametrize(
    ("n", "noun", "text"),
    [
        (1, YEARS, "سنة واحدة"),
        (2, YEARS, "سنتان"),
        (3, YEARS, f"{FSI}3{PDI} سنوات"),
        (10, YEARS, f"{FSI}10{PDI} سنوات"),
        (11, YEARS, f"{FSI}11{PDI} سنة"),
        (18, YEARS, f"{FSI}18{PDI} سنة"),
        (100, DAYS, f"{FSI}100{PDI} يوم"),
        (103, DAYS, f"{FSI}103{PDI} أيام"),
        (130, DAYS, f"{FSI}130{PDI} يومًا"),
        (2, DAYS, "يومان"),
        (45, DAYS, f"{FSI}45{PDI} يومًا"),
        (3, TIMES, f"{FSI}3{PDI} مرات"),
        (8, CHARACTERS, f"{FSI}8{PDI} أحرف"),
        (15, CHARACTERS, f"{FSI}15{PDI} حرفًا"),
        (500, CHARACTERS, f"{FSI}500{PDI} حرف"),
        (5, SECONDS, f"{FSI}5{PDI} ثوانٍ"),
        (1, SECONDS, "ثانية واحدة"),
    ],
)
def test_counted_nouns_follow_arabic_number_agreement(n: int, noun: object, text: str) -> None:
    assert counted(n, noun) == text  # type: ignore[arg-type]


def test_refused_carries_its_refusal() -> None:
    r = Refusal("x", "عربي", "English", Severity.WARN)
    err = NoTransition(r)
    assert isinstance(err, Refused) and isinstance(err, OfficeError)
    assert (err.code, str(err), err.refusal.message("ar"), r.message("en")) == (
        "x",
        "English",
        "عربي",
        "English",
    )
