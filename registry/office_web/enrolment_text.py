"""The enrolment pages' words (Arabic first, then English)."""

from __future__ import annotations

__all__ = ["TEXT", "words_for"]

TEXT: dict[str, dict[str, str]] = {
    "ar": {
        "enrol_find": "تسجيل مواطن للخدمة الذاتية",
        "enrol_find_lead": (
            "اطلب من المواطن بطاقته الشخصية، وتحقّق من أن الصورة والبيانات له، ثم أدخل رقمه الوطني."
        ),
        "enrol_open": "متابعة",
        "enrol_title": "الخدمة الذاتية: الرقم السري والهاتف",
        "kiosk_status": "التسجيل للخدمة الذاتية",
        "not_enrolled": "غير مسجَّل",
        "enrolled": "مسجَّل",
        "enrolled_since": "مسجَّل، وعُيِّن رقمه السري في",
        "enrolled_seeded": "مسجَّل (رقم سري من بيانات التجربة)",
        "locked": "الرقم السري موقوف بعد محاولات خاطئة",
        "phone": "رقم الهاتف المحمول",
        "phone_optional": "رقم الهاتف المحمول (اختياري، للرسائل النصية)",
        "phone_none": "لا يوجد",
        "phone_hint": "كما يُطلب داخل البلد أو بالصيغة الدولية مع رمز الدولة.",
        "identity_checked": "تحقّقتُ من هوية المواطن ببطاقته الشخصية",
        "delivery": "تسليم الرقم السري",
        "delivery_print": "طباعة ورقة الرقم السري على طابعة المكتب",
        "delivery_show": "عرضه مرة واحدة على هذه الشاشة",
        "enrol_button": "تسجيل المواطن",
        "reset_title": "إعادة تعيين الرقم السري",
        "reset_lead": (
            "يُلغى الرقم السري السابق، ويُرفع الإيقاف إن وُجد، وتُنهى جلسات المواطن المفتوحة."
        ),
        "reset_button": "إعادة تعيين الرقم السري",
        "phone_title": "تغيير رقم الهاتف",
        "phone_clear_hint": "اترك الحقل فارغًا لحذف الرقم المسجَّل.",
        "phone_button": "حفظ رقم الهاتف",
        "printed_enrolled": ("سُجِّل المواطن وطُبعت ورقة رقمه السري على طابعة المكتب. سلِّمها له مغلقة."),
        "printed_reset": (
            "أُعيد تعيين الرقم السري وطُبعت ورقته على طابعة المكتب. سلِّمها للمواطن مغلقة."
        ),
        "phone_saved": "حُفظ رقم الهاتف.",
        "phone_cleared": "حُذف رقم الهاتف.",
        "deceased_no_forms": "صاحب هذا القيد متوفًّى: لا يُسجَّل للخدمة الذاتية.",
        "back_to_record": "العودة إلى القيد",
        "pin_once_title": "الرقم السري الجديد",
        "pin_once_for": "الرقم السري للمواطن",
        "pin_once_lead": (
            "أطلِع المواطن على الرقم الآن: لن يظهر مرة أخرى ولا يُحفظ في أي مكان. لا تكتبه ولا"
            " تنطقه بصوت عالٍ."
        ),
        "pin_once_done": "تم: العودة إلى صفحة المواطن",
        "bad_csrf": "انتهت صلاحية النموذج. أعد تحميل الصفحة وحاول مجددًا.",
    },
    "en": {
        "enrol_find": "Enrol a citizen for the kiosk",
        "enrol_find_lead": (
            "Ask the citizen for their identity card, check that the photograph and details"
            " are theirs, then enter their national number."
        ),
        "enrol_open": "Continue",
        "enrol_title": "Kiosk PIN and phone",
        "kiosk_status": "Kiosk enrolment",
        "not_enrolled": "Not enrolled",
        "enrolled": "Enrolled",
        "enrolled_since": "Enrolled; PIN set on",
        "enrolled_seeded": "Enrolled (a demo-data PIN)",
        "locked": "The PIN is locked after wrong attempts",
        "phone": "Mobile number",
        "phone_optional": "Mobile number (optional, for text messages)",
        "phone_none": "None",
        "phone_hint": "As dialled in the country, or in international form with the country code.",
        "identity_checked": "I checked the citizen's identity card",
        "delivery": "Hand over the PIN",
        "delivery_print": "Print a PIN mailer at the office printer",
        "delivery_show": "Show it once on this screen",
        "enrol_button": "Enrol the citizen",
        "reset_title": "Reset the PIN",
        "reset_lead": (
            "The old PIN stops working, a lock is lifted, and the citizen's open kiosk sessions"
            " end."
        ),
        "reset_button": "Reset the PIN",
        "phone_title": "Change the phone number",
        "phone_clear_hint": "Leave it empty to remove the number on record.",
        "phone_button": "Save the phone number",
        "printed_enrolled": (
            "The citizen is enrolled and their PIN mailer was printed at the office printer."
            " Hand it to them sealed."
        ),
        "printed_reset": (
            "The PIN was reset and its mailer printed at the office printer. Hand it to the"
            " citizen sealed."
        ),
        "phone_saved": "The phone number is saved.",
        "phone_cleared": "The phone number is removed.",
        "deceased_no_forms": "The person of this record has died: they cannot be enrolled.",
        "back_to_record": "Back to the record",
        "pin_once_title": "The new PIN",
        "pin_once_for": "The citizen's PIN",
        "pin_once_lead": (
            "Let the citizen read it now: it will not be shown again and is kept nowhere. Do"
            " not write it down or say it aloud."
        ),
        "pin_once_done": "Done: back to the citizen's page",
        "bad_csrf": "The form has expired. Reload the page and try again.",
    },
}


# where the Arabic speaks of the citizen, the words for a woman (English has none to change)
_FEMININE_AR = {
    "not_enrolled": "غير مسجَّلة",
    "enrolled": "مسجَّلة",
    "enrolled_since": "مسجَّلة، وعُيِّن رقمها السري في",
    "enrolled_seeded": "مسجَّلة (رقم سري من بيانات التجربة)",
    "printed_enrolled": "سُجِّلت المواطنة وطُبعت ورقة رقمها السري على طابعة المكتب. سلِّمها لها مغلقة.",
    "printed_reset": ("أُعيد تعيين الرقم السري وطُبعت ورقته على طابعة المكتب. سلِّمها للمواطنة مغلقة."),
    "deceased_no_forms": "صاحبة هذا القيد متوفّاة: لا تُسجَّل للخدمة الذاتية.",
}
_FEMININE = {"ar": {**TEXT["ar"], **_FEMININE_AR}, "en": TEXT["en"]}


def words_for(female: bool) -> dict[str, dict[str, str]]:
    """The page's words, agreeing with the citizen it is about."""
    return _FEMININE if female else TEXT
