"""The declaration pages' words (Arabic first, as the civil registry writes them, then English):
the generic declare, declaration and today pages, and the birth and death forms' labels.

`value_words(lang)` names the coded values a declaration's facts hold (sex, the informant's
relation, the cause category) so the facts read as words, not codes."""

from __future__ import annotations

from registry.civil.common import InformantRelation
from registry.civil.deaths import CAUSE_WORDS
from registry.civil.divorces import WORDS as DIVORCE_WORDS
from registry.civil.marriages import WORDS as MARRIAGE_WORDS
from registry.office.declarations import EventKind, State

__all__ = ["ACTIONS", "KINDS", "STATES", "TEXT", "value_words"]

KINDS: dict[EventKind, tuple[str, str]] = {
    EventKind.BIRTH: ("ولادة", "Birth"),
    EventKind.DEATH: ("وفاة", "Death"),
    EventKind.MARRIAGE: ("زواج", "Marriage"),
    EventKind.DIVORCE: ("طلاق", "Divorce"),
}

STATES: dict[State, tuple[str, str]] = {
    State.DECLARED: ("مقدَّم بانتظار التدقيق", "Declared, awaiting review"),
    State.RETURNED: ("معاد للتصحيح", "Returned for amendment"),
    State.AMENDED: ("معدَّل بانتظار التدقيق", "Amended, awaiting review"),
    State.REGISTERED: ("مسجَّل", "Registered"),
    State.REJECTED: ("مرفوض", "Rejected"),
}

ACTIONS: dict[str, tuple[str, str]] = {
    "declare": ("تقديم", "Declared"),
    "amend": ("تعديل", "Amended"),
    "return": ("إعادة للتصحيح", "Returned"),
    "register": ("تسجيل", "Registered"),
    "reject": ("رفض", "Rejected"),
}

RELATIONS: dict[InformantRelation, tuple[str, str]] = {
    InformantRelation.FATHER: ("الأب", "Father"),
    InformantRelation.MOTHER: ("الأم", "Mother"),
    InformantRelation.RELATIVE: ("قريب", "Relative"),
    InformantRelation.HOSPITAL: ("المستشفى", "Hospital"),
    InformantRelation.OTHER: ("غير ذلك", "Other"),
}

_AR: dict[str, str] = {
    # the generic pages
    "nav_declare": "تقديم واقعة",
    "declare_event": "تقديم واقعة",
    "choose_kind": "اختر نوع الواقعة:",
    "declare_lead": (
        "يُقدَّم الطلب بالبيانات التالية، ثم يدقّقه أمين سجل غير مقدّمه فيسجّل الواقعة أو يعيد"
        " الطلب للتصحيح أو يرفضه."
    ),
    "required_mark": "(مطلوب)",
    "optional_mark": "(اختياري)",
    "submit_declare": "تقديم الطلب",
    "amend_title": "تعديل الطلب",
    "returned_because": "أُعيد الطلب للتصحيح، والسبب:",
    "submit_amend": "حفظ التعديل",
    "form_problems": "لم يُقدَّم الطلب: صحّح الحقول التالية.",
    "form_problems_amend": "لم يُحفظ التعديل: صحّح الحقول التالية.",
    "choose": "— اختر —",
    "declaration": "طلب",
    "declaration_of": "طلب {kind}",
    "comma": "، ",
    "number": "رقم الطلب",
    "kind": "نوع الواقعة",
    "state": "حالة الطلب",
    "summary": "الملخص",
    "declared_by": "مقدّم الطلب",
    "declared_at": "وقت التقديم",
    "reviewed_by": "آخر من دقّقه",
    "last_reason": "سبب الإعادة أو الرفض",
    "revision": "النسخة",
    "facts": "بيانات الواقعة",
    "history": "سجل الإجراءات",
    "col_action": "الإجراء",
    "col_by": "الموظف",
    "col_at": "الوقت",
    "col_reason": "السبب",
    "revisions": "نسخ البيانات",
    "show_facts": "عرض البيانات",
    "findings": "نتائج التدقيق الآلي",
    "no_findings": "لم يجد التدقيق الآلي ملاحظات على البيانات.",
    "severity_refuse": "يمنع التسجيل",
    "severity_warn": "تنبيه يحتاج إلى تأكيد",
    "review": "تدقيق الطلب",
    "register_h": "تسجيل الواقعة",
    "register_lead": "تُسجَّل الواقعة بالبيانات المعروضة أعلاه، ويُكتب القيد باسمك.",
    "register_button": "تسجيل الواقعة",
    "ack_label": "اطّلعتُ على التنبيه وأؤكّده",
    "return_h": "إعادة الطلب للتصحيح",
    "return_button": "إعادة الطلب",
    "reject_h": "رفض الطلب",
    "reject_button": "رفض الطلب",
    "reason": "السبب",
    "amend_link": "تعديل الطلب",
    "record_link": "فتح القيد",
    "registered_ref": "القيد",
    "done_declared": "قُدِّم الطلب، وهو بانتظار تدقيق أمين السجل.",
    "today_corrections": "تصحيحات بانتظار القرار",
    "today_corrections_link": "قائمة التصحيحات",
    "done_amended": "حُفظ التعديل، والطلب بانتظار التدقيق من جديد.",
    "done_registered": "سُجِّلت الواقعة.",
    "done_returned": "أُعيد الطلب للتصحيح.",
    "done_rejected": "رُفض الطلب.",
    "bad_csrf": "انتهت صلاحية النموذج: أعد تحميل الصفحة وحاول مجددًا. لم يتغيّر شيء.",
    "unknown_kind": "لا يوجد نوع واقعة بهذا الاسم.",
    "not_yours": "لا يمكنك الاطّلاع على طلبات مكتب غير مكتبك.",
    "not_author": "يعدّل الطلبَ مقدّمُه أو من عدّله من قبل.",
    # today
    "today_waiting": "بانتظار التدقيق",
    "today_returned": "معادة للتصحيح",
    "today_registered": "سُجِّلت اليوم",
    "today_none": "لا شيء.",
    "today_office": "المكتب",
    "today_count": "العدد",
    # the facts' parts (nested fields)
    "part_code": "الرمز",
    "part_name_ar": "الاسم بالعربية",
    "part_name_latin": "الاسم بالحروف اللاتينية",
    "part_national_id": "الرقم الوطني",
    "part_relation": "الصلة",
    # the birth form
    "child": "المولود",
    "given_ar": "اسم المولود بالعربية",
    "given_latin": "اسم المولود بالحروف اللاتينية",
    "given_latin_hint": (
        "إن تُرك فارغًا اقتُرح من الاسم العربي عند التسجيل، ويمكن لأمين السجل تعديله."
    ),
    "name_rest": "بقية الاسم الرباعي",
    "name_rest_hint": ("تُكتب فقط إذا لم يكن الأب مسجَّلًا في السجل؛ وإلا أُخذت من قيد الأب."),
    "father_given_ar": "اسم الأب",
    "grandfather_given_ar": "اسم الجد",
    "family_ar": "اسم العائلة",
    "family_latin": "اسم العائلة بالحروف اللاتينية",
    "sex": "الجنس",
    "male": "ذكر",
    "female": "أنثى",
    "date_of_birth": "تاريخ الولادة",
    "time_of_birth": "ساعة الولادة",
    "place_of_birth": "مكان الولادة",
    "place_ar": "اسم المكان بالعربية",
    "place_latin": "اسم المكان بالحروف اللاتينية",
    "place_hint": "المستشفى أو البلدة كما يُكتب في القيد.",
    "mother": "الأم",
    "mother_nid": "الرقم الوطني للأم",
    "mother_name_ar": "اسم الأم الكامل",
    "father": "الأب",
    "father_nid": "الرقم الوطني للأب",
    "father_name_ar": "اسم الأب الكامل",
    "parent_hint": "يُكتب الرقم الوطني، أو الاسم الكامل إن لم يكن مسجَّلًا في السجل.",
    "father_hint": (
        "يُكتب الرقم الوطني للأب، أو اسمه الكامل إن لم يكن مسجَّلًا، أو يُترك فارغًا إن لم يُعرف."
    ),
    "informant": "المبلِّغ",
    "informant_relation": "صلة المبلِّغ بالواقعة",
    "informant_name_ar": "اسم المبلِّغ",
    "informant_nid": "الرقم الوطني للمبلِّغ",
    # the death form
    "deceased": "المتوفى",
    "national_id": "الرقم الوطني للمتوفى",
    "date_of_death": "تاريخ الوفاة",
    "time_of_death": "ساعة الوفاة",
    "place_of_death": "مكان الوفاة",
    "cause_category": "فئة سبب الوفاة",
    "cause_hint": "الفئة فقط؛ التفاصيل الطبية تبقى لدى وزارة الصحة.",
}

_EN: dict[str, str] = {
    "nav_declare": "Declare an event",
    "declare_event": "Declare an event",
    "choose_kind": "Choose the event:",
    "declare_lead": (
        "The declaration is made with the details below; a registrar other than its author"
        " then reviews it and registers the event, returns it for amendment or rejects it."
    ),
    "required_mark": "(required)",
    "optional_mark": "(optional)",
    "submit_declare": "Submit the declaration",
    "amend_title": "Amend the declaration",
    "returned_because": "The declaration was returned for amendment because:",
    "submit_amend": "Save the amendment",
    "form_problems": "The declaration was not made: correct these fields.",
    "form_problems_amend": "The amendment was not saved: correct these fields.",
    "choose": "— choose —",
    "declaration": "Declaration",
    "declaration_of": "{kind} declaration",
    "comma": ", ",
    "number": "Declaration number",
    "kind": "Event",
    "state": "State",
    "summary": "Summary",
    "declared_by": "Declared by",
    "declared_at": "Declared at",
    "reviewed_by": "Last reviewed by",
    "last_reason": "Reason given",
    "revision": "Revision",
    "facts": "The facts",
    "history": "History",
    "col_action": "Action",
    "col_by": "By",
    "col_at": "When",
    "col_reason": "Why",
    "revisions": "Revisions of the facts",
    "show_facts": "Show the facts",
    "findings": "Findings of the checks",
    "no_findings": "The checks found nothing to remark on.",
    "severity_refuse": "Blocks registration",
    "severity_warn": "Warning to confirm",
    "review": "Review",
    "register_h": "Register the event",
    "register_lead": "The event is registered with the facts above, in your name.",
    "register_button": "Register the event",
    "ack_label": "I have checked this and confirm it",
    "return_h": "Return for amendment",
    "return_button": "Return the declaration",
    "reject_h": "Reject the declaration",
    "reject_button": "Reject the declaration",
    "reason": "Reason",
    "amend_link": "Amend the declaration",
    "record_link": "Open the record",
    "registered_ref": "Record",
    "done_declared": "The declaration is made and awaits a registrar's review.",
    "today_corrections": "Corrections awaiting a decision",
    "today_corrections_link": "The corrections queue",
    "done_amended": "The amendment is saved; the declaration awaits review again.",
    "done_registered": "The event is registered.",
    "done_returned": "The declaration is returned for amendment.",
    "done_rejected": "The declaration is rejected.",
    "bad_csrf": "The form has expired: reload the page and try again. Nothing was changed.",
    "unknown_kind": "There is no event of that name.",
    "not_yours": "You cannot see another office's declarations.",
    "not_author": "A declaration is amended by its author or by whoever amended it before.",
    "today_waiting": "Waiting for review",
    "today_returned": "Returned for amendment",
    "today_registered": "Registered today",
    "today_none": "None.",
    "today_office": "Office",
    "today_count": "Count",
    "part_code": "code",
    "part_name_ar": "name in Arabic",
    "part_name_latin": "name in Latin letters",
    "part_national_id": "national number",
    "part_relation": "relation",
    "child": "The child",
    "given_ar": "Child's given name in Arabic",
    "given_latin": "Child's given name in Latin letters",
    "given_latin_hint": (
        "If left empty, it is suggested from the Arabic name at registration; the registrar"
        " can edit it."
    ),
    "name_rest": "The rest of the four-part name",
    "name_rest_hint": (
        "Only when the father is not in the register; otherwise it is taken from his record."
    ),
    "father_given_ar": "Father's given name",
    "grandfather_given_ar": "Grandfather's given name",
    "family_ar": "Family name",
    "family_latin": "Family name in Latin letters",
    "sex": "Sex",
    "male": "Male",
    "female": "Female",
    "date_of_birth": "Date of birth",
    "time_of_birth": "Time of birth",
    "place_of_birth": "Place of birth",
    "place_ar": "Place name in Arabic",
    "place_latin": "Place name in Latin letters",
    "place_hint": "The hospital or town as the record writes it.",
    "mother": "Mother",
    "mother_nid": "Mother's national number",
    "mother_name_ar": "Mother's full name",
    "father": "Father",
    "father_nid": "Father's national number",
    "father_name_ar": "Father's full name",
    "parent_hint": "Give the national number, or the full name if not in the register.",
    "father_hint": (
        "Give the father's national number, or his full name if he is not registered, or leave"
        " both empty if he is not known."
    ),
    "informant": "Informant",
    "informant_relation": "Informant's relation to the event",
    "informant_name_ar": "Informant's name",
    "informant_nid": "Informant's national number",
    "deceased": "The deceased",
    "national_id": "Deceased's national number",
    "date_of_death": "Date of death",
    "time_of_death": "Time of death",
    "place_of_death": "Place of death",
    "cause_category": "Cause category",
    "cause_hint": "The category only; the medical detail stays with the health ministry.",
}


def _coded(lang: int) -> dict[str, str]:
    words: dict[str, str] = {}
    for kind, names in KINDS.items():
        words[f"kind_{kind.value}"] = names[lang]
    for state, names in STATES.items():
        words[f"state_{state.value}"] = names[lang]
    for action, names in ACTIONS.items():
        words[f"action_{action}"] = names[lang]
    for relation, names in RELATIONS.items():
        words[f"relation_{relation.value}"] = names[lang]
    for cause, names in CAUSE_WORDS.items():
        words[f"cause_{cause.value}"] = names[lang]
    return words


TEXT: dict[str, dict[str, str]] = {
    lang: {**base, **_coded(i), **MARRIAGE_WORDS[lang], **DIVORCE_WORDS[lang]}
    for i, (lang, base) in enumerate((("ar", _AR), ("en", _EN)))
}


def value_words(lang: str) -> dict[tuple[str, str], str]:
    """(field, coded value) → the word for it, e.g. ("sex", "2") → أنثى."""
    t = TEXT[lang]
    out = {("sex", "1"): t["male"], ("sex", "2"): t["female"]}
    out.update({("relation", r.value): t[f"relation_{r.value}"] for r in InformantRelation})
    out.update({("cause_category", c.value): t[f"cause_{c.value}"] for c in CAUSE_WORDS})
    return out
