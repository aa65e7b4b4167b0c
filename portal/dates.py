"""Days and clock times as the appointment pages show them (pure).

A day reads with its weekday and month in words, the Gregorian date first and the Hijri
(Umm al-Qura, `hijridate`) beside it: "الأحد 3 كانون الثاني 2027" and "24 رجب 1448 هـ".
Month names are the Levantine ones Jordan's civil status uses. A clock time is HH:MM on the
24-hour clock, the office's own (the registry answers in it); the page keeps it left to
right inside Arabic (`dir="ltr"` or `say`'s isolation).

What it does not do: choose a time zone for an appointment (the registry's times are the
office's already) or know which days are open.
"""

from __future__ import annotations

import datetime as dt

import hijridate

__all__ = ["clock", "day_text", "hijri_text", "minutes_text"]

_WEEKDAYS = {
    "ar": ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "ar": (
        "كانون الثاني",
        "شباط",
        "آذار",
        "نيسان",
        "أيار",
        "حزيران",
        "تموز",
        "آب",
        "أيلول",
        "تشرين الأول",
        "تشرين الثاني",
        "كانون الأول",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def day_text(lang: str, day: dt.date) -> str:
    """ "الأحد 3 كانون الثاني 2027", "Sunday 3 January 2027"."""
    lang = lang if lang in _WEEKDAYS else "ar"
    weekday = _WEEKDAYS[lang][day.weekday()]
    return f"{weekday} {day.day} {_MONTHS[lang][day.month - 1]} {day.year}"


def hijri_text(lang: str, day: dt.date) -> str:
    """ "24 رجب 1448 هـ", "24 Rajab 1448 AH" (the registry's wording of its open days)."""
    h = hijridate.Gregorian(day.year, day.month, day.day).to_hijri()
    if lang == "en":
        return f"{h.day} {h.month_name('en')} {h.year} AH"
    return f"{h.day} {h.month_name('ar')} {h.year} هـ"


def clock(time: dt.time) -> str:
    return time.strftime("%H:%M")


def minutes_text(lang: str, n: int) -> str:
    """A count of minutes, the Arabic noun in the form that number takes."""
    if lang == "en":
        return "1 minute" if n == 1 else f"{n} minutes"
    if n == 1:
        return "دقيقة واحدة"
    if n == 2:
        return "دقيقتان"
    if 3 <= n <= 10:
        return f"{n} دقائق"
    return f"{n} دقيقة"
