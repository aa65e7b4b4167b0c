"""The audit page's words (Arabic first, as a civil-status authority writes them, then
English): every `AuditEvent` kind in words, the data's keys as labels and its coded values as
words, and the chain check's findings.

`lines(data, lang)` turns an entry's data into (label, value) lines a person reads; it is pure
and never shows a value under a key that names a PIN, a password or a secret (none is ever
stored in the log; this is a second lock, not the first).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry.audit import AuditProblem, ProblemKind
from registry.office.declarations import Role
from registry.office.errors import isolate
from registry.office_web.text import ROLE_EN
from verifier.documents import DocumentType
from verifier.words import document_title

__all__ = ["FIELDS", "KINDS", "TEXT", "kind_words", "lines", "problem_words", "redacted"]

KINDS: dict[str, tuple[str, str]] = {
    "document_issued": ("إصدار وثيقة", "Document issued"),
    "document_revoked": ("إلغاء وثيقة", "Document revoked"),
    "root_created": ("إنشاء مفتاح الجذر", "Root key created"),
    "signer_created": ("إنشاء مفتاح لتوقيع الوثائق", "Document-signing key created"),
    "signer_retired": ("إيقاف العمل بمفتاح توقيع", "Signing key retired"),
    "signer_revoked": ("إبطال مفتاح توقيع", "Signing key revoked"),
    "trust_list_published": ("نشر قائمة الثقة", "Trust list published"),
    "kiosk_enrolled": ("تسجيل جهاز خدمة ذاتية", "Kiosk enrolled"),
    "kiosk_revoked": ("إلغاء تسجيل جهاز خدمة ذاتية", "Kiosk revoked"),
    "citizen_unlocked": ("فك قفل الرقم السري لمواطن", "Citizen's PIN unlocked"),
    "citizen_enrolled": ("تسجيل مواطن في الخدمة الذاتية", "Citizen enrolled for the kiosk"),
    "pin_reset": ("إعادة تعيين الرقم السري لمواطن", "Citizen's PIN reset"),
    "phone_set": ("تسجيل رقم هاتف مواطن أو حذفه", "Citizen's phone number set or cleared"),
    "staff_added": ("إضافة حساب موظف", "Staff account added"),
    "staff_disabled": ("تعطيل حساب موظف", "Staff account disabled"),
    "staff_reset": (
        "إعادة تعيين كلمة مرور موظف ومفتاح تحققه",
        "Staff password and second factor reset",
    ),
    "staff_unlocked": ("فك قفل حساب موظف", "Staff account unlocked"),
    "staff_role_changed": (
        "تغيير دور موظف أو مكتبه بحسب مزوّد الهوية",
        "Staff role or office changed by the identity provider",
    ),
    "staff_locked": (
        "قفل حساب موظف بعد محاولات دخول فاشلة",
        "Staff account locked after failed sign-ins",
    ),
    "staff_signed_in": ("تسجيل دخول موظف", "Staff member signed in"),
    "staff_signed_out": ("تسجيل خروج موظف", "Staff member signed out"),
    "declaration_declared": ("تقديم واقعة", "Event declared"),
    "declaration_returned": ("إعادة طلب للتصحيح", "Declaration returned for amendment"),
    "declaration_amended": ("تعديل طلب", "Declaration amended"),
    "declaration_registered": ("تسجيل واقعة في السجل", "Event registered"),
    "declaration_rejected": ("رفض طلب", "Declaration rejected"),
    "correction_proposed": ("اقتراح تصحيح قيد", "Correction proposed"),
    "correction_approved": ("اعتماد تصحيح قيد", "Correction approved"),
    "correction_declined": ("رفض تصحيح قيد", "Correction declined"),
    "correction_withdrawn": ("سحب تصحيح قيد", "Correction withdrawn"),
    "office_added": ("إضافة مكتب", "Office added"),
    "office_closed": ("إغلاق مكتب", "Office closed"),
    "fee_changed": ("تغيير رسم وثيقة", "Document fee changed"),
    "order_collected": (
        "تسليم وثيقة طلب إلكتروني على الشبّاك",
        "Online order handed over at the counter",
    ),
    "exchange_query": (
        "استعلام جهة حكومية عن بيانات مواطن",
        "An agency's query about a citizen",
    ),
    "office_day_closed": (
        "إغلاق مكتب ليوم وإلغاء مواعيده",
        "Office closed for a day, its appointments cancelled",
    ),
    "queue_display_key_set": (
        "إنشاء مفتاح جديد لشاشة النداء في مكتب",
        "New key for an office's call display",
    ),
}

# the data's keys, in the order they are shown (the rest follow, sorted)
FIELDS: dict[str, tuple[str, str]] = {
    "by": ("بواسطة", "By"),
    "staff": ("الموظف", "Staff member"),
    "role": ("الدور", "Role"),
    "office": ("المكتب", "Office"),
    "declaration": ("رقم الطلب", "Declaration"),
    "event": ("الواقعة", "Event"),
    "correction": ("رقم التصحيح", "Correction"),
    "record": ("القيد", "Record"),
    "state": ("الحالة بعده", "State after"),
    "revision": ("نسخة البيانات", "Revision"),
    "acknowledged": ("تنبيهات أقرّها أمين السجل", "Warnings acknowledged"),
    "evidence": ("المستند", "Evidence"),
    "serial": ("الرقم التسلسلي", "Serial"),
    "order": ("رمز الطلب", "Order code"),
    "type": ("نوع الوثيقة", "Document type"),
    "document_type": ("نوع الوثيقة", "Document type"),
    "kiosk": ("جهاز الخدمة الذاتية", "Kiosk"),
    "requester": ("طالب الوثيقة (الرقم الداخلي)", "Requester (internal number)"),
    "person": ("المواطن (الرقم الداخلي)", "Citizen (internal number)"),
    "fee": ("الرسم", "Fee"),
    "currency": ("العملة", "Currency"),
    "payment_reference": ("مرجع الدفع", "Payment reference"),
    "signer": ("مفتاح التوقيع", "Signing key"),
    "qr_sha256": ("بصمة نص رمز الاستجابة السريعة", "QR text digest"),
    "kid": ("معرّف المفتاح", "Key id"),
    "not_before": ("يوقّع من", "Signs from"),
    "not_after": ("يوقّع حتى", "Signs until"),
    "from": ("ابتداءً من", "From"),
    "sequence": ("رقم قائمة الثقة", "Trust list number"),
    "reason": ("السبب", "Reason"),
    "delivery": ("تسليم الرقم السري", "PIN delivery"),
    "cleared": ("حُذف الرقم", "Number cleared"),
    "unlocked": ("فُكّ القفل", "Unlocked"),
    "failures": ("المحاولات الفاشلة", "Failed attempts"),
    "demo": ("حساب تجريبي", "Demo account"),
    "name_ar": ("الاسم بالعربية", "Name in Arabic"),
    "name_latin": ("الاسم بالحروف اللاتينية", "Name in Latin letters"),
    "agency": ("الجهة", "Agency"),
    "legal_basis": ("السند القانوني", "Legal basis"),
    "case_reference": ("رقم الملف لدى الجهة", "The agency's case reference"),
    "query": ("السؤال", "Query"),
    "outcome": ("النتيجة", "Outcome"),
    "old": ("القيمة السابقة", "Old value"),
    "new": ("القيمة الجديدة", "New value"),
    "day": ("اليوم", "Day"),
    "cancelled": ("المواعيد الملغاة", "Appointments cancelled"),
}

_VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "event": {
        "birth": ("ولادة", "Birth"),
        "death": ("وفاة", "Death"),
        "marriage": ("زواج", "Marriage"),
        "divorce": ("طلاق", "Divorce"),
    },
    "state": {
        "declared": ("مقدَّم بانتظار التدقيق", "Declared, awaiting review"),
        "returned": ("معاد للتصحيح", "Returned for amendment"),
        "amended": ("معدَّل بانتظار التدقيق", "Amended, awaiting review"),
        "registered": ("مسجَّل", "Registered"),
        "rejected": ("مرفوض", "Rejected"),
        "proposed": ("مقترح", "Proposed"),
        "approved": ("معتمد", "Approved"),
        "declined": ("مرفوض", "Declined"),
        "withdrawn": ("مسحوب", "Withdrawn"),
    },
    "role": {r.value: (r.ar, ROLE_EN[r.value]) for r in Role},
    "outcome": {
        "answered": ("أُجيب عنه", "Answered"),
        "refused": ("رُفض ولم يُجَب عنه", "Refused, not answered"),
    },
    # an agency's refused query (registry.exchange.queries.Refusal); other events' reasons are
    # free text and shown as written
    "reason": {
        "not_allowed": (
            "السؤال غير مأذون به بموجب السند القانوني المذكور",
            "The legal basis given does not allow this query",
        ),
        "no_such_person": (
            "لا يوجد قيد بالرقم الوطني المذكور",
            "No record holds that national number",
        ),
        "no_such_child": (
            "لا يوجد قيد بالرقم الوطني المذكور للولد",
            "No record holds the child's national number",
        ),
        "no_such_document": (
            "لا توجد وثيقة صادرة بالرقم التسلسلي المذكور",
            "No document was issued with that serial",
        ),
    },
    "delivery": {
        "print": ("طُبع في ظرف الرقم السري", "Printed on a PIN mailer"),
        "show": ("عُرض مرة واحدة على شاشة الموظف", "Shown once on the staff member's screen"),
    },
}

_SECRET_WORDS = frozenset({"pin", "password", "passcode", "secret", "totp"})

TEXT: dict[str, dict[str, str]] = {
    "ar": {
        "audit": "سجل التدقيق",
        "audit_lead": (
            "كل إجراء في النظام مقيّد هنا باسم من قام به، وكل قيد مرتبط ببصمة القيد الذي قبله، "
            "فلا يُعدَّل قيد ولا يُحذف دون أن يظهر ذلك عند التحقق من سلامة السجل."
        ),
        "chain": "سلامة السجل",
        "chain_ok": "السجل سليم: لم يُعدَّل أي قيد ولم يُحذف.",
        "chain_broken": "السجل غير سليم: أول خلل عند القيد رقم",
        "chain_never": "لم يُتحقَّق من سلامة السجل منذ تشغيل النظام.",
        "chain_checked": "آخر تحقق",
        "chain_by": "بواسطة",
        "chain_entries": "القيود التي فُحصت",
        "chain_took": "مدة الفحص (بالثواني)",
        "chain_since": "قيود أُضيفت بعد الفحص",
        "chain_check": "تحقّق من سلامة السجل الآن",
        "chain_slow": (
            "يقرأ الفحص السجل كله، فقد يستغرق ثوانيَ في سجل كبير؛ تُعرض نتيجته هنا مع وقته."
        ),
        "filters": "تصفية القيود",
        "kind": "نوع القيد",
        "all_kinds": "جميع الأنواع",
        "staff_filter": "الموظف (اسم المستخدم)",
        "office_filter": "رمز المكتب",
        "from": "من تاريخ",
        "to": "إلى تاريخ",
        "apply": "تصفية",
        "clear_filters": "إزالة التصفية",
        "seq": "الرقم",
        "at": "الوقت (بالتوقيت العالمي)",
        "details": "التفاصيل",
        "hash": "البصمة",
        "entries": "القيود، الأحدث أولًا",
        "no_entries": "لا توجد قيود مطابقة.",
        "newer": "قيود أحدث",
        "older": "قيود أقدم",
        "newest": "أحدث القيود",
        "pages": "صفحات القيود",
        "yes": "نعم",
        "no": "لا",
        "none": "لا يوجد",
        "withheld": "محجوب",
        "unreadable": "بيانات القيد غير مقروءة (عُدِّلت خارج النظام):",
    },
    "en": {
        "audit": "Audit log",
        "audit_lead": (
            "Every action in the system is recorded here with who did it, and each entry is "
            "chained to the hash of the one before, so no entry can be edited or removed "
            "without the chain check showing it."
        ),
        "chain": "The chain",
        "chain_ok": "The log is intact: no entry was edited or removed.",
        "chain_broken": "The log is broken: the first fault is at entry no.",
        "chain_never": "The chain has not been checked since the registry started.",
        "chain_checked": "Last checked",
        "chain_by": "by",
        "chain_entries": "Entries checked",
        "chain_took": "The check took (seconds)",
        "chain_since": "Entries appended since",
        "chain_check": "Check the chain now",
        "chain_slow": (
            "The check reads the whole log, which can take seconds on a big one; its result "
            "is shown here with its time."
        ),
        "filters": "Filter the entries",
        "kind": "Kind of entry",
        "all_kinds": "All kinds",
        "staff_filter": "Staff member (user name)",
        "office_filter": "Office code",
        "from": "From",
        "to": "To",
        "apply": "Filter",
        "clear_filters": "Clear the filters",
        "seq": "No.",
        "at": "Time (UTC)",
        "details": "Details",
        "hash": "Hash",
        "entries": "Entries, newest first",
        "no_entries": "No entries match.",
        "newer": "Newer entries",
        "older": "Older entries",
        "newest": "Newest entries",
        "pages": "Pages of entries",
        "yes": "Yes",
        "no": "No",
        "none": "None",
        "withheld": "withheld",
        "unreadable": "The entry's data cannot be read (edited outside the system):",
    },
}

_PROBLEMS_AR = {
    ProblemKind.EDITED: "عُدِّل القيد رقم {seq} أو استُبدل: بصمته لا تطابق محتواه.",
    ProblemKind.MISSING: "قيود مفقودة (محذوفة) ابتداءً من القيد رقم {seq}.",
    ProblemKind.OUT_OF_ORDER: (
        "القيد رقم {seq} في غير موضعه: أُعيد ترتيب السجل، أو عُدِّل قيد قبله أو استُبدل."
    ),
    ProblemKind.TRUNCATED: "حُذفت قيود من آخر السجل ابتداءً من القيد رقم {seq}.",
}


def kind_words(kind: str, lang: str) -> str:
    """An entry's kind in words; a kind this page does not know is shown as it is stored."""
    words = KINDS.get(kind)
    if words is None:
        return isolate(kind) if lang == "ar" else kind
    return words[0] if lang == "ar" else words[1]


def problem_words(problem: AuditProblem, lang: str) -> str:
    if lang == "ar":
        return _PROBLEMS_AR[problem.kind].format(seq=isolate(problem.seq))
    return problem.message[:1].upper() + problem.message[1:] + "."


def _secret(key: str) -> bool:
    return bool(_SECRET_WORDS & set(key.lower().split("_")))


def _plain(value: object, lang: str) -> str:
    text = "" if value is None else str(value)
    return isolate(text) if lang == "ar" and text else text


def _value(key: str, value: Any, lang: str) -> str:
    t = TEXT[lang]
    i = 0 if lang == "ar" else 1
    if value is None:
        return t["none"]
    if isinstance(value, bool):
        return t["yes"] if value else t["no"]
    known = _VALUES.get(key, {}).get(value) if isinstance(value, str) else None
    if known is not None:
        return known[i]
    if key == "type" and isinstance(value, int):
        return document_title(value).in_lang(lang)
    if key == "document_type" and isinstance(value, str):
        try:
            return document_title(DocumentType.from_slug(value)).in_lang(lang)
        except ValueError:
            return _plain(value, lang)
    if isinstance(value, dict) and set(value) == {"amount", "currency"}:
        return _plain(f"{value['amount']} {value['currency']}", lang)
    if isinstance(value, list):
        sep = "، " if lang == "ar" else ", "
        return sep.join(_plain(v, lang) for v in value) if value else t["none"]
    if isinstance(value, dict):
        return _plain(", ".join(f"{k}: {v}" for k, v in value.items()), lang)
    return _plain(value, lang)


def lines(data: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    """An entry's data as (label, value) lines: the known keys first, in `FIELDS`' order."""
    i = 0 if lang == "ar" else 1
    order = {key: n for n, key in enumerate(FIELDS)}
    keys = sorted(data, key=lambda k: (order.get(k, len(order)), k))
    out: list[tuple[str, str]] = []
    for key in keys:
        label = FIELDS[key][i] if key in FIELDS else (_plain(key, lang))
        if _secret(key):
            out.append((label, TEXT[lang]["withheld"]))
        else:
            out.append((label, _value(key, data[key], lang)))
    return out


def redacted(data: Mapping[str, Any]) -> dict[str, Any]:
    """The data for the API: as stored, but a key naming a secret carries "withheld"."""
    return {k: ("withheld" if _secret(k) else v) for k, v in data.items()}
