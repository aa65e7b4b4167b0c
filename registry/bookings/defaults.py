"""What a new office receives for appointments: the services, three counters, opening hours,
and the governorates with their seats (to offer the nearest office first).

Pure data, used by migration 0013 for the pilot's offices and by `registry.offices.add_office`
for an office added later; an administrator changes them afterwards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = [
    "COUNTERS",
    "GOVERNORATES",
    "HOURS",
    "OFFICE_GOVERNORATE",
    "SERVICES",
    "ServiceInfo",
]


@dataclass(frozen=True)
class ServiceInfo:
    code: str
    name_ar: str
    name_latin: str
    minutes: int
    bring_ar: str
    bring_latin: str
    walk_in: bool


SERVICES: tuple[ServiceInfo, ...] = (
    ServiceInfo(
        "EVENT_REG",
        "تسجيل واقعة ولادة أو وفاة أو زواج أو طلاق",
        "Registering a birth, death, marriage or divorce",
        30,
        "دفتر العائلة، وبطاقات الأحوال المدنية لأطراف الواقعة، والمستند المثبت لها "
        "(شهادة المستشفى، أو شهادة الوفاة، أو عقد الزواج، أو حجة الطلاق)",
        "The family book, the identity cards of those concerned, and the document proving "
        "the event (hospital certificate, death certificate, marriage contract or divorce deed)",
        False,
    ),
    ServiceInfo(
        "CORRECTION",
        "تصحيح قيد في السجل المدني",
        "Correcting a civil-status record",
        30,
        "بطاقة الأحوال المدنية، والوثيقة المطلوب تصحيحها، والمستند المثبت للبيان الصحيح",
        "Your identity card, the document to be corrected, and the document proving the "
        "correct entry",
        False,
    ),
    ServiceInfo(
        "ID_CARD",
        "إصدار بطاقة الأحوال المدنية أو تجديدها",
        "Issuing or renewing an identity card",
        15,
        "البطاقة السابقة أو شهادة الميلاد، وصورة شخصية حديثة",
        "Your previous card or your birth certificate, and a recent photograph",
        True,
    ),
    ServiceInfo(
        "FAMILY_BOOK",
        "إصدار دفتر العائلة أو تجديده",
        "Issuing or renewing a family book",
        30,
        "دفتر العائلة السابق إن وُجد، وبطاقتا الأحوال المدنية للزوجين",
        "The previous family book if there is one, and both spouses' identity cards",
        False,
    ),
    ServiceInfo(
        "EXTRACT",
        "طلب وثيقة أو شهادة على الشبّاك",
        "A document or certificate at the counter",
        15,
        "بطاقة الأحوال المدنية",
        "Your identity card",
        True,
    ),
)

# counter number -> the services it serves
COUNTERS: dict[int, tuple[str, ...]] = {
    1: tuple(s.code for s in SERVICES),
    2: tuple(s.code for s in SERVICES if s.code != "ID_CARD"),
    3: ("EXTRACT", "ID_CARD"),
}

# weekday (0 = Monday) -> (opens, closes): Sunday to Thursday, the Jordanian working week
HOURS: dict[int, tuple[dt.time, dt.time]] = {
    day: (dt.time(8, 0), dt.time(15, 0)) for day in (6, 0, 1, 2, 3)
}

# code -> (Arabic name, Latin name, latitude, longitude of the governorate's seat)
GOVERNORATES: dict[str, tuple[str, str, float, float]] = {
    "Amman": ("العاصمة", "Amman", 31.95, 35.93),
    "Irbid": ("إربد", "Irbid", 32.55, 35.85),
    "Zarqa": ("الزرقاء", "Zarqa", 32.07, 36.09),
    "Balqa": ("البلقاء", "Balqa", 32.04, 35.73),
    "Madaba": ("مادبا", "Madaba", 31.72, 35.79),
    "Karak": ("الكرك", "Karak", 31.18, 35.70),
    "Jerash": ("جرش", "Jerash", 32.28, 35.90),
    "Ajloun": ("عجلون", "Ajloun", 32.33, 35.75),
    "Mafraq": ("المفرق", "Mafraq", 32.34, 36.21),
    "Tafilah": ("الطفيلة", "Tafilah", 30.84, 35.60),
    "Maan": ("معان", "Ma'an", 30.20, 35.73),
    "Aqaba": ("العقبة", "Aqaba", 29.53, 35.01),
}

# the pilot's offices -> their governorate
OFFICE_GOVERNORATE: dict[str, str] = {
    "AMM": "Amman",
    "IRB": "Irbid",
    "ZRQ": "Zarqa",
    "SLT": "Balqa",
    "MDB": "Madaba",
    "KRK": "Karak",
    "JRS": "Jerash",
    "AJL": "Ajloun",
    "MFQ": "Mafraq",
    "TFL": "Tafilah",
    "MAN": "Maan",
    "AQB": "Aqaba",
}
