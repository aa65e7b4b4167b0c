"""The SMS texts Sanad sends, in Arabic and English, and what each one costs in segments.

One template per event: the one-time sign-in code (`otp`), an order paid, a document ready to
collect (with where), a document posted (with its tracking number), the kiosk's "your
document was printed", and an appointment's steps (booked, the day-before reminder,
cancelled, moved, a freed slot offered from the waiting list, the office closed that day),
each with its signed link where the citizen can act on it. `render(name, language, values)`
fills one in; an unknown template or language, a missing or unexpected value is a
`ValueError` (a programming error, not the citizen's). Values are checked too: a run of ten
or more digits, the shape of a national number, is refused, so no national number or PIN can
reach an SMS through a careless caller; the templates ask for neither.

The Arabic addresses the reader without a gendered verb or pronoun (impersonal and passive
forms, "يُرجى عدم مشاركته", "تمت طباعة"), since the recipient's sex is not in the message's
values, and counts minutes with the noun in the number's right form (دقيقة واحدة، دقيقتين،
٣–١٠ دقائق، ١١+ دقيقة). Each template's segment count with realistic values is asserted in
tests/sms/test_sms_templates.py. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from registry.sms.encoding import Segments, segments

__all__ = ["LANGUAGES", "TEMPLATES", "Template", "render", "segments", "segments_of"]

Language = Literal["ar", "en"]
LANGUAGES: tuple[Language, ...] = ("ar", "en")
_NATIONAL_NUMBER_SHAPE = re.compile(r"\d{10,}")


@dataclass(frozen=True)
class Template:
    name: str
    fields: tuple[str, ...]
    ar: str
    en: str
    urgent: bool = False  # a one-time code: no quiet hours


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "otp",
            ("code", "minutes"),
            ar="رمز دخول سند: {code}\nصالح لمدة {minutes}. يُرجى عدم مشاركته مع أحد.",
            en="Sanad sign-in code: {code}\nValid for {minutes} minutes. Do not share it: "
            "registry staff never ask for it.",
            urgent=True,
        ),
        Template(
            "order_paid",
            ("order_code",),
            ar="سند: استُلم رسم الطلب {order_code}؛ سنخبركم حين نُرسل الوثيقة بالبريد.",
            en="Sanad: payment received for order {order_code}. We will text you when the "
            "document is posted.",
        ),
        Template(
            "order_ready",
            ("order_code", "place_ar", "place_en"),
            ar="سند: الوثيقة المطلوبة بالطلب {order_code} جاهزة للاستلام في {place_ar}. "
            "يلزم رمز الطلب والرقم السري عند الاستلام.",
            en="Sanad: the document for order {order_code} is ready to collect at {place_en}. "
            "Bring the order code; you will need your PIN.",
        ),
        Template(
            "order_dispatched",
            ("order_code", "tracking"),
            ar="سند: أُرسلت وثيقة الطلب {order_code} بالبريد، رقم التتبع {tracking}",
            en="Sanad: the document for order {order_code} has been posted. "
            "Tracking number: {tracking}",
        ),
        Template(
            "kiosk_printed",
            ("document_ar", "document_en", "centre_ar", "centre_en"),
            ar="سند: تمّ إصدار {document_ar} في {centre_ar}. إن لم يكن ذلك بطلب منكم فيُرجى "
            "مراجعة أمانة السجل المدني.",
            en="Sanad: {document_en} issued at {centre_en}. If this was not you, please "
            "contact the civil registry office.",
        ),
        Template(
            "booking_confirmed",
            (
                "service_ar",
                "service_en",
                "office_ar",
                "office_en",
                "day",
                "time",
                "reference",
                "link",
            ),
            ar="سند: تمّ حجز موعد {service_ar} في {office_ar} يوم {day} الساعة {time}، "
            "رقم الحجز {reference}. للإلغاء أو التعديل: {link}",
            en="Sanad: appointment booked: {service_en} at {office_en} on {day} at {time}. "
            "Reference {reference}. To cancel or change: {link}",
        ),
        Template(
            "booking_reminder",
            (
                "service_ar",
                "service_en",
                "office_ar",
                "office_en",
                "day",
                "time",
                "reference",
                "link",
            ),
            ar="سند: تذكير بموعد {service_ar} في {office_ar} غدًا {day} الساعة {time}، "
            "رقم الحجز {reference}. يُرجى الحضور قبل الموعد بعشر دقائق. للإلغاء: {link}",
            en="Sanad: reminder: {service_en} at {office_en} tomorrow {day} at {time}, "
            "reference {reference}. Please arrive ten minutes early. To cancel: {link}",
        ),
        Template(
            "booking_cancelled",
            ("office_ar", "office_en", "day", "time", "reference"),
            ar="سند: أُلغي الموعد رقم {reference} في {office_ar} يوم {day} الساعة {time}.",
            en="Sanad: appointment {reference} at {office_en} on {day} at {time} is cancelled.",
        ),
        Template(
            "booking_moved",
            ("office_ar", "office_en", "day", "time", "reference", "link"),
            ar="سند: نُقل الموعد رقم {reference} إلى يوم {day} الساعة {time} في {office_ar}. "
            "للإلغاء أو التعديل: {link}",
            en="Sanad: appointment {reference} moved to {day} at {time} at {office_en}. "
            "To cancel or change: {link}",
        ),
        Template(
            "booking_slot_offered",
            (
                "service_ar",
                "service_en",
                "office_ar",
                "office_en",
                "day",
                "time",
                "minutes",
                "link",
            ),
            ar="سند: أصبح موعد {service_ar} في {office_ar} يوم {day} الساعة {time} متاحًا "
            "لكم من قائمة الانتظار، ويُحفظ لكم مدة {minutes}. للتأكيد: {link}",
            en="Sanad: from the waiting list, a {service_en} appointment at {office_en} on {day} "
            "at {time} is free for you. It is kept for {minutes} minutes; confirm: {link}",
        ),
        Template(
            "booking_office_closed",
            ("office_ar", "office_en", "day", "reference", "link"),
            ar="سند: نعتذر، يُغلق {office_ar} يوم {day}، وقد أُلغي موعدكم رقم {reference}. "
            "لحجز موعد آخر: {link}",
            en="Sanad: we are sorry, {office_en} is closed on {day} and your appointment "
            "{reference} has been cancelled. To book another: {link}",
        ),
    )
}


def _minutes_ar(text: str) -> str:
    """A count of minutes with the noun in the form Arabic gives it after that number."""
    n = int(text)
    if n == 1:
        return "دقيقة واحدة"
    if n == 2:
        return "دقيقتين"
    if 3 <= n <= 10:
        return f"{n} دقائق"
    return f"{n} دقيقة"


def render(name: str, language: str, values: dict[str, str]) -> str:
    """The text of template `name` in `language` ("ar" or "en") with `values` filled in."""
    template = TEMPLATES.get(name)
    if template is None:
        raise ValueError(f"unknown SMS template {name!r}")
    if language not in LANGUAGES:
        raise ValueError(f"unknown SMS language {language!r} (ar or en)")
    missing = [f for f in template.fields if f not in values]
    extra = sorted(set(values) - set(template.fields))
    if missing or extra:
        raise ValueError(
            f"template {name!r} takes {', '.join(template.fields)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unexpected {', '.join(extra)}" if extra else "")
        )
    filled: dict[str, str] = {}
    for key, value in values.items():
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise ValueError(f"template {name!r}: {key} must be a short non-empty string")
        if _NATIONAL_NUMBER_SHAPE.search(value):
            raise ValueError(f"template {name!r}: {key} looks like a national number")
        filled[key] = value
    if name == "otp" and not (filled["code"].isascii() and filled["code"].isdigit()):
        raise ValueError("template 'otp': code must be digits")
    if "minutes" in filled:
        if not (filled["minutes"].isascii() and filled["minutes"].isdigit()):
            raise ValueError(f"template {name!r}: minutes must be a whole number")
        if language == "ar":
            filled["minutes"] = _minutes_ar(filled["minutes"])
    return (template.ar if language == "ar" else template.en).format(**filled)


def segments_of(name: str, language: str, values: dict[str, str]) -> Segments:
    """The segment count of a rendered template."""
    return segments(render(name, language, values))
