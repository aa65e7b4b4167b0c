"""The counter page's words (Arabic first, then English): the page, the relations as a clerk
reads them (in the gender of the person named), each refusal by its code, and the printer's
states.

Refusals are keyed by `registry.codes.ErrorCode` values and, for the printer, by
`hardware.status.PrinterState` values (before anything is issued) and
`hardware.job.FailureReason` values (a job that failed after the document was issued).
"""

from __future__ import annotations

from registry.counter_paper import failure_words
from registry.office.errors import Refusal, isolate

__all__ = [
    "PRINTER",
    "REFUSALS",
    "RELATIONS",
    "TEXT",
    "not_printed",
    "printer_refusal",
    "refusal_for",
    "relation_words",
]

TEXT: dict[str, dict[str, str]] = {
    "ar": {
        "counter": "إصدار وثيقة على الشبّاك",
        "counter_lead": (
            "تُصدر الوثيقة للمواطن الحاضر، له أو لأحد أفراد أسرته وفق ما يحقّ له، ويُستوفى "
            "رسمها على الشبّاك."
        ),
        "citizen_nid": "الرقم الوطني للمواطن الحاضر",
        "show_documents": "عرض الوثائق",
        "applicant": "مقدّم الطلب",
        "applicant_f": "مقدّمة الطلب",
        "choose_document": "الوثيقة المطلوبة",
        "for_whom": "لمن",
        "fee": "الرسم",
        "no_offers": "لا توجد وثيقة يحقّ لصاحب هذا الرقم الوطني الحصول عليها الآن.",
        "no_offers_f": "لا توجد وثيقة يحقّ لصاحبة هذا الرقم الوطني الحصول عليها الآن.",
        "output": "طريقة الإخراج",
        "output_pdf": f"ملف {isolate('PDF')} بمقاس {isolate('A4')} (يُنزَّل للطباعة)",
        "output_receipt": "طابعة الإيصالات في المكتب",
        "issue": "إصدار الوثيقة",
        "printed": "صدرت الوثيقة وطُبعت على طابعة المكتب.",
        "reprinted": "طُبعت الوثيقة نفسها مرة أخرى، دون رسم جديد.",
        "serial": "الرقم التسلسلي",
        "payment_reference": "رقم إيصال الرسم",
        "bad_csrf": "انتهت صلاحية النموذج. أعد تحميل الصفحة وحاول مجددًا.",
        "choose_first": "اختر الوثيقة المطلوبة وطريقة الإخراج.",
        "orders": "طلبات إلكترونية تُستلم في هذا المكتب",
        "orders_lead": (
            "طلبها المواطنون عبر الخدمات الإلكترونية ودفعوا رسمها. اطلب من المواطن رمز الطلب "
            "وبطاقته الشخصية، ثم اكتب الرمز أو امسحه واطبع الوثيقة."
        ),
        "orders_none": "لا توجد طلبات مدفوعة بانتظار الاستلام في هذا المكتب.",
        "order_code": "رمز الطلب",
        "order_document": "الوثيقة",
        "order_requester": "طالب الوثيقة",
        "order_placed": "تاريخ الطلب",
        "order_code_label": "رمز الطلب (يُكتب أو يُمسح)",
        "print_order": "طباعة الطلب",
        "order_printed": "طُبعت وثيقة الطلب وسُلّم الطلب.",
        "order_reprinted": "طُبعت وثيقة الطلب نفسها مرة أخرى، دون وثيقة جديدة.",
    },
    "en": {
        "counter": "Issue a document at the counter",
        "counter_lead": (
            "A document is issued to the citizen who is present, for themself or a member of "
            "their family as they are entitled, and its fee is paid at the counter."
        ),
        "citizen_nid": "National number of the citizen present",
        "show_documents": "Show the documents",
        "applicant": "Applicant",
        "applicant_f": "Applicant",
        "choose_document": "Document requested",
        "for_whom": "For",
        "fee": "Fee",
        "no_offers": "The holder of this national number may not have any document now.",
        "no_offers_f": "The holder of this national number may not have any document now.",
        "output": "Output",
        "output_pdf": "A4 PDF file (downloaded to print)",
        "output_receipt": "The office's receipt printer",
        "issue": "Issue the document",
        "printed": "The document is issued and printed on the office printer.",
        "reprinted": "The same document was printed again, with no new fee.",
        "serial": "Serial",
        "payment_reference": "Fee receipt number",
        "bad_csrf": "The form has expired. Reload the page and try again.",
        "choose_first": "Choose the document requested and the output.",
        "orders": "Online orders collected at this office",
        "orders_lead": (
            "Ordered by citizens online and paid for. Ask the citizen for the order code and "
            "their identity card, then type or scan the code and print the document."
        ),
        "orders_none": "No paid order is waiting to be collected at this office.",
        "order_code": "Order code",
        "order_document": "Document",
        "order_requester": "Ordered by",
        "order_placed": "Ordered on",
        "order_code_label": "Order code (typed or scanned)",
        "print_order": "Print the order",
        "order_printed": "The order's document is printed and the order handed over.",
        "order_reprinted": "The order's same document was printed again, with no new document.",
    },
}

# (relation, sex of the person the document names: 1 male, 2 female) → (Arabic, English);
# "self" takes the applicant's own sex
RELATIONS: dict[tuple[str, int], tuple[str, str]] = {
    ("self", 1): ("نفسه", "himself"),
    ("self", 2): ("نفسها", "herself"),
    ("child", 1): ("ابن مقدّم الطلب", "the applicant's son"),
    ("child", 2): ("ابنة مقدّم الطلب", "the applicant's daughter"),
    ("parent", 1): ("والد مقدّم الطلب", "the applicant's father"),
    ("parent", 2): ("والدة مقدّم الطلب", "the applicant's mother"),
    ("spouse", 1): ("زوج مقدّمة الطلب", "the applicant's husband"),
    ("spouse", 2): ("زوجة مقدّم الطلب", "the applicant's wife"),
    ("former_spouse", 1): ("الزوج السابق", "the former husband"),
    ("former_spouse", 2): ("الزوجة السابقة", "the former wife"),
}


def relation_words(relation: str, subject_sex: int, applicant_sex: int) -> tuple[str, str]:
    """The relation as the clerk reads it, agreeing with both people's sex."""
    ar, en = RELATIONS.get((relation, subject_sex), (relation, relation.replace("_", " ")))
    if relation == "self":
        return RELATIONS[("self", applicant_sex)]
    if applicant_sex == 2:  # the applicant is a woman: مقدّمة الطلب
        ar = ar.replace("مقدّم الطلب", "مقدّمة الطلب")
    return ar, en


REFUSALS: dict[str, tuple[str, str]] = {
    "not_permitted": (
        "لا تسمح صلاحيات دورك بإصدار الوثائق على الشبّاك.",
        "Your role does not allow issuing documents at the counter.",
    ),
    "wrong_office": (
        "لا تُصدر الوثائق إلا على شبّاك مكتبك.",
        "Documents are issued only at your own office's counter.",
    ),
    "not_found": (
        "لا يوجد في السجل شخص بهذا الرقم الوطني.",
        "The registry has no person with that national number.",
    ),
    "invalid_national_id": (
        "الرقم الوطني غير صحيح: تحقّق من أرقامه العشرة.",
        "That national number is not valid: check its ten digits.",
    ),
    "requester_deceased": (
        "يسجّل السجل وفاة صاحب هذا الرقم الوطني، فلا تُصدر وثيقة بطلبه.",
        "The registry records the death of this national number's holder: no document is "
        "issued at their request.",
    ),
    "not_entitled": (
        "لا يحقّ لمقدّم الطلب الحصول على هذه الوثيقة.",
        "The applicant may not have this document.",
    ),
    "unknown_subject": (
        "لا يحقّ لمقدّم الطلب الحصول على هذه الوثيقة.",
        "The applicant may not have this document.",
    ),
    "only_for_self": (
        "لا تُصدر هذه الوثيقة إلا لصاحبها.",
        "This document is issued only to the person it names.",
    ),
    "not_parent": (
        "لا تُصدر هذه الوثيقة إلا لصاحبها أو لأحد والدَي القاصر.",
        "This document is issued only to the person it names or a parent of a minor.",
    ),
    "child_not_minor": (
        "صاحب الوثيقة بالغ، فتُصدر له بطلبه هو.",
        "The person it names is an adult: it is issued at their own request.",
    ),
    "subject_not_deceased": (
        "لم تُسجَّل وفاة هذا الشخص.",
        "No death is registered for this person.",
    ),
    "subject_deceased": (
        "يسجّل السجل وفاة صاحب الوثيقة.",
        "The registry records the death of the person it names.",
    ),
    "not_close_relative": (
        "لا تُصدر شهادة الوفاة إلا للزوج أو الزوجة أو الابن أو الابنة أو الوالدين.",
        "A death certificate is issued only to a spouse, a child or a parent.",
    ),
    "not_spouse": (
        "لا تُصدر هذه الوثيقة إلا لأحد الزوجين.",
        "This document is issued only to one of the spouses.",
    ),
    "marriage_dissolved": (
        "انتهى هذا الزواج بالطلاق، فتُطلب وثيقة الطلاق.",
        "This marriage ended in divorce: ask for the divorce certificate.",
    ),
    "not_family_member": (
        "لا يُصدر بيان القيد العائلي إلا لأحد أفراد الأسرة.",
        "A family extract is issued only to a member of the family.",
    ),
    "not_adult": (
        "لا تُصدر هذه الوثيقة إلا للبالغين.",
        "This document is issued only to adults.",
    ),
    "employed": (
        "يسجّل السجل صاحب الوثيقة موظّفًا.",
        "The registry records the person it names as employed.",
    ),
    "not_issued": (
        "لم يُصدر هذا المكتب وثيقة بهذا الرقم التسلسلي.",
        "This office issued no document with that serial.",
    ),
    "idempotency_conflict": (
        "استُعمل هذا النموذج لطلب آخر. أعد تحميل الصفحة وحاول مجددًا.",
        "This form was used for another request. Reload the page and try again.",
    ),
    "payment_reference_used": (
        "رقم إيصال الرسم مستعمل من قبل، فلم تصدر أي وثيقة. أعد المحاولة.",
        "The fee receipt number was used already: nothing was issued. Try again.",
    ),
    "no_signer": (
        "لا يوجد مفتاح توقيع صالح الآن، فلم تصدر أي وثيقة. أبلغ مدير النظام.",
        "No signing key is valid now: nothing was issued. Tell the administrator.",
    ),
    "order_code_invalid": (
        "هذا ليس رمز طلب صحيحًا: الرمز تسعة أحرف وأرقام آخرها حرف تحقّق. أعد كتابته.",
        "That is not a valid order code: nine letters and digits, the last a check character. "
        "Type it again.",
    ),
    "order_not_found": (
        "لا يوجد طلب بهذا الرمز.",
        "There is no order with that code.",
    ),
    "order_elsewhere": (
        "لا يُستلم هذا الطلب في هذا المكتب: اختار المواطن استلامه في مكتب آخر أو من جهاز "
        "خدمة ذاتية أو بالبريد.",
        "This order is not collected at this office: the citizen chose another office, a "
        "kiosk or the post.",
    ),
    "order_not_ready": (
        "لم يُدفع رسم هذا الطلب، أو أُلغي أو رُدّ رسمه، فلا تُطبع وثيقته.",
        "This order is not paid, or was cancelled or refunded: its document is not printed.",
    ),
    "order_collected": (
        "استُلم هذا الطلب من قبل في مكان آخر.",
        "This order was collected already, elsewhere.",
    ),
    "invalid_request": (
        "الطلب غير مكتمل: اختر الوثيقة المطلوبة وطريقة الإخراج.",
        "The request is incomplete: choose the document requested and the output.",
    ),
}

# the printer before anything is issued: nothing was issued
PRINTER: dict[str, tuple[str, str]] = {
    "paper_out": (
        "نفد الورق من طابعة المكتب، فلم تصدر أي وثيقة ولم يُستوفَ رسم. ضع ورقًا وأعد المحاولة.",
        "The office printer is out of paper: nothing was issued and no fee taken. Load "
        "paper and try again.",
    ),
    "cover_open": (
        "غطاء طابعة المكتب مفتوح، فلم تصدر أي وثيقة. أغلقه وأعد المحاولة.",
        "The office printer's cover is open: nothing was issued. Close it and try again.",
    ),
    "offline": (
        f"طابعة المكتب غير متصلة، فلم تصدر أي وثيقة. تحقّق من توصيلها أو اختر ملف {isolate('PDF')}.",
        "The office printer is not connected: nothing was issued. Check it, or choose the PDF.",
    ),
    "error": (
        f"في طابعة المكتب عطل، فلم تصدر أي وثيقة. أبلغ الفنّي أو اختر ملف {isolate('PDF')}.",
        "The office printer reports a fault: nothing was issued. Call the technician, or "
        "choose the PDF.",
    ),
    "unknown": (
        "لم تُجب طابعة المكتب عن حالتها، فلم تصدر أي وثيقة. تحقّق منها أو اختر ملف"
        f" {isolate('PDF')}.",
        "The office printer did not answer: nothing was issued. Check it, or choose the PDF.",
    ),
}


def refusal_for(code: str) -> Refusal:
    ar, en = REFUSALS.get(code, REFUSALS["invalid_request"])
    return Refusal(code, ar, en)


def printer_refusal(state: str) -> Refusal:
    ar, en = PRINTER.get(state, PRINTER["unknown"])
    return Refusal(f"printer_{state}", ar, en)


def not_printed(serial: str, reason: str) -> Refusal:
    """A document issued whose paper did not print: the same request prints it again."""
    why_ar, why_en = failure_words(reason)
    return Refusal(
        "not_printed",
        f"صدرت الوثيقة {isolate(serial)} لكن طباعتها لم تكتمل ({why_ar}). أصلح "
        "الطابعة ثم اضغط «إصدار الوثيقة» مرة أخرى لطباعة الوثيقة نفسها، دون رسم جديد.",
        f"Document {serial} is issued but its printing did not finish ({why_en}). Fix the "
        "printer, then press “Issue the document” again to print the same document, with no "
        "new fee.",
    )
