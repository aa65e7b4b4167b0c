"""The statistics page's words (Arabic first, then English), and the figures in words: a
duration as Arabic counts it (يومان و⁨3⁩ ساعات), a rate with what it is a share of."""

from __future__ import annotations

import datetime as dt

from registry.office.errors import DAYS, Noun, counted, isolate
from registry.office.statistics import MEDIAN_DAYS, Rate

__all__ = ["TEXT", "duration_words", "number", "rate_words", "registrations_counted"]

HOURS = Noun("ساعة واحدة", "ساعتان", "ساعات", "ساعة", "ساعة")
MINUTES = Noun("دقيقة واحدة", "دقيقتان", "دقائق", "دقيقة", "دقيقة")
REGISTRATIONS = Noun("تسجيل واحد", "تسجيلان", "تسجيلات", "تسجيلًا", "تسجيل")

TEXT: dict[str, dict[str, str]] = {
    "ar": {
        "statistics": "الإحصاءات",
        "statistics_lead": (
            "أرقام الطلبات والتسجيل والتصحيحات والوثائق محسوبة لحظة فتح الصفحة؛ "
            "اليوم والشهر بالتوقيت العالمي."
        ),
        "scope": "النطاق",
        "show": "عرض",
        "as_of": "حتى",
        "declarations_title": "الطلبات حسب نوع الواقعة وحالتها",
        "event": "الواقعة",
        "total": "المجموع",
        "registrations_title": "التسجيل",
        "registered_today": "سُجّلت اليوم",
        "registered_month": "سُجّلت هذا الشهر",
        "median": f"المدة الوسيطة من تقديم الطلب إلى تسجيله (آخر {isolate(MEDIAN_DAYS)} يومًا)",
        "median_none": "لا تسجيلات في هذه المدة",
        "returned_rate": "نسبة الطلبات المعادة للتصحيح مرة على الأقل",
        "returned_hint": "من الطلبات التي دُقّقت",
        "rejected_rate": "نسبة الطلبات المرفوضة",
        "rejected_hint": "من الطلبات التي بُتّ فيها",
        "corrections_title": "تصحيح القيود",
        "corrections_proposed": "التصحيحات المقترحة (كلها)",
        "corrections_approved": "التصحيحات المعتمدة",
        "corrections_waiting": "بانتظار القرار",
        "corrections_declined": "المرفوضة",
        "corrections_withdrawn": "المسحوبة",
        "documents_title": "الوثائق الصادرة اليوم",
        "documents_kiosk": "من أجهزة الخدمة الذاتية",
        "documents_counter": "من شبابيك المكاتب",
        "kiosk_unattributed": "أجهزة الخدمة الذاتية تتبع مراكز الخدمة لا المكاتب",
        "offices_title": "المكاتب",
        "waiting": "بانتظار التدقيق أو التصحيح",
        "no_offices": "لا توجد أرقام لأي مكتب بعد.",
        "not_your_office": "لا يطّلع أمين السجل إلا على إحصاءات مكتبه.",
        "bad_office": "رمز المكتب غير صحيح: ثلاثة أحرف لاتينية.",
        "dash": "—",
        "less_than_a_minute": "أقل من دقيقة",
    },
    "en": {
        "statistics": "Statistics",
        "statistics_lead": (
            "Declarations, registrations, corrections and documents in figures, computed when "
            "the page opens; today and this month are UTC days."
        ),
        "scope": "Scope",
        "show": "Show",
        "as_of": "as of",
        "declarations_title": "Declarations by kind and state",
        "event": "Event",
        "total": "Total",
        "registrations_title": "Registrations",
        "registered_today": "Registered today",
        "registered_month": "Registered this month",
        "median": f"Median time from declaration to registration (last {MEDIAN_DAYS} days)",
        "median_none": "no registrations in that time",
        "returned_rate": "Declarations returned for amendment at least once",
        "returned_hint": "of those reviewed",
        "rejected_rate": "Declarations rejected",
        "rejected_hint": "of those decided",
        "corrections_title": "Corrections of records",
        "corrections_proposed": "Corrections proposed (all)",
        "corrections_approved": "Corrections approved",
        "corrections_waiting": "Awaiting a decision",
        "corrections_declined": "Declined",
        "corrections_withdrawn": "Withdrawn",
        "documents_title": "Documents issued today",
        "documents_kiosk": "At kiosks",
        "documents_counter": "At office counters",
        "kiosk_unattributed": "kiosks belong to service centres, not to offices",
        "offices_title": "Offices",
        "waiting": "Waiting for review or amendment",
        "no_offices": "No office has any figures yet.",
        "not_your_office": "A registrar sees only their own office's statistics.",
        "bad_office": "The office code is not valid: three Latin letters.",
        "dash": "—",
        "less_than_a_minute": "less than a minute",
    },
}


def number(n: int, lang: str) -> str:
    return isolate(n) if lang == "ar" else str(n)


def _en(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def duration_words(d: dt.timedelta | None, lang: str) -> str:
    """A median time to registration in words: the two largest units, as Arabic counts."""
    t = TEXT[lang]
    if d is None:
        return t["median_none"]
    minutes = int(d.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if lang == "ar":
        units = ((days, DAYS), (hours, HOURS)) if days else ((hours, HOURS), (mins, MINUTES))
        parts = [counted(n, noun) for n, noun in units if n]
        return " و".join(parts) if parts else t["less_than_a_minute"]
    pairs = ((days, "day"), (hours, "hour")) if days else ((hours, "hour"), (mins, "minute"))
    words = [_en(n, unit) for n, unit in pairs if n]
    return " and ".join(words) if words else t["less_than_a_minute"]


def rate_words(rate: Rate, lang: str) -> str:
    """ "25% (3 of 12)"; a dash when there is nothing to take a share of."""
    if rate.percent is None:
        return TEXT[lang]["dash"]
    pct = f"{rate.percent:.0f}%"
    if lang == "ar":
        return f"{isolate(pct)} ({isolate(rate.n)} من {isolate(rate.of)})"
    return f"{pct} ({rate.n} of {rate.of})"


def registrations_counted(n: int, lang: str) -> str:
    """How many registrations a median is over: «من ⁨12⁩ تسجيلًا», "over 12 registrations"."""
    if lang == "ar":
        # after «من» the dual is genitive: من تسجيلَين
        return "من تسجيلين" if n == 2 else f"من {counted(n, REGISTRATIONS)}"
    return f"over {_en(n, 'registration')}"
