"""The corrections pages' words (Arabic first, then English)."""

from __future__ import annotations

__all__ = ["KIND", "STATE", "TEXT"]

TEXT: dict[str, dict[str, str]] = {
    "ar": {
        "corrections": "التصحيحات",
        "queue_lead": "تصحيحات القيود المقترحة بانتظار قرار أمين سجل آخر أو مشرف.",
        "queue_empty": "لا توجد تصحيحات بانتظار القرار.",
        "number": "رقم التصحيح",
        "the_record": "القيد",
        "fields": "الحقول المصحَّحة",
        "proposed_by": "اقترحه",
        "proposed_at": "تاريخ الاقتراح",
        "propose_title": "اقتراح تصحيح",
        "propose_lead": (
            "اكتب القيمة المصحَّحة في الحقول المراد تصحيحها فقط واترك غيرها فارغًا. لا يُعدَّل"
            " القيد إلا بعد أن يعتمد التصحيحَ أمينُ سجل آخر في المكتب أو مشرف."
        ),
        "field": "الحقل",
        "current": "القيمة المسجّلة",
        "previous": "القيمة السابقة",
        "corrected": "القيمة المصحَّحة",
        "unchanged_option": "دون تغيير",
        "reason": "سبب التصحيح",
        "evidence": "مرجع المستند المؤيِّد",
        "evidence_hint": "رقم قرار المحكمة أو كتاب الجهة المختصة وتاريخه.",
        "date_hint": "اكتب التاريخ بالصيغة \u2068YYYY-MM-DD\u2069.",
        "submit_propose": "تقديم الاقتراح",
        "correction": "تصحيح قيد",
        "state": "الحالة",
        "decided_by": "صاحب القرار",
        "decided_at": "تاريخ القرار",
        "decision_reason": "سبب الرفض",
        "version": "نسخة القيد المكتوبة",
        "superseded": "وثائق صادرة لم تعد مطابقة للقيد",
        "none": "لا يوجد",
        "approve": "اعتماد التصحيح",
        "decline": "رفض التصحيح",
        "decline_reason": "سبب رفض التصحيح",
        "withdraw": "سحب الاقتراح",
        "done_proposed": "قُدِّم الاقتراح، وينتظر قرار أمين سجل آخر في المكتب أو مشرف.",
        "done_approved": "اعتُمد التصحيح وصُحِّح القيد.",
        "done_declined": "رُفض التصحيح، ولم يتغيّر القيد.",
        "done_withdrawn": "سُحب الاقتراح، ولم يتغيّر القيد.",
        "bad_csrf": "انتهت صلاحية النموذج. أعد تحميل الصفحة وحاول مجددًا.",
        "no_record": "لا يوجد قيد بهذا المرجع.",
        "open_record": "فتح القيد",
    },
    "en": {
        "corrections": "Corrections",
        "queue_lead": (
            "Proposed corrections of records awaiting a decision by another registrar or a"
            " supervisor."
        ),
        "queue_empty": "No correction is awaiting a decision.",
        "number": "Correction number",
        "the_record": "Record",
        "fields": "Fields corrected",
        "proposed_by": "Proposed by",
        "proposed_at": "Proposed on",
        "propose_title": "Propose a correction",
        "propose_lead": (
            "Write the corrected value only in the fields to correct and leave the others empty."
            " The record changes only once another registrar of the office or a supervisor"
            " approves the correction."
        ),
        "field": "Field",
        "current": "Recorded value",
        "previous": "Previous value",
        "corrected": "Corrected value",
        "unchanged_option": "Unchanged",
        "reason": "Reason for the correction",
        "evidence": "Evidence reference",
        "evidence_hint": "The number and date of the court ruling or the competent body's letter.",
        "date_hint": "Write dates as YYYY-MM-DD.",
        "submit_propose": "Submit the proposal",
        "correction": "Correction of a record",
        "state": "State",
        "decided_by": "Decided by",
        "decided_at": "Decided on",
        "decision_reason": "Reason for declining",
        "version": "Record version written",
        "superseded": "Issued documents that no longer match the record",
        "none": "None",
        "approve": "Approve the correction",
        "decline": "Decline the correction",
        "decline_reason": "Reason for declining the correction",
        "withdraw": "Withdraw the proposal",
        "done_proposed": (
            "The proposal is submitted and awaits a decision by another registrar of the office"
            " or a supervisor."
        ),
        "done_approved": "The correction is approved and the record corrected.",
        "done_declined": "The correction is declined; the record is unchanged.",
        "done_withdrawn": "The proposal is withdrawn; the record is unchanged.",
        "bad_csrf": "The form has expired. Reload the page and try again.",
        "no_record": "No record has that reference.",
        "open_record": "Open the record",
    },
}

# (Arabic, English)
STATE: dict[str, tuple[str, str]] = {
    "proposed": ("مقترح بانتظار القرار", "proposed, awaiting a decision"),
    "approved": ("معتمد", "approved"),
    "declined": ("مرفوض", "declined"),
    "withdrawn": ("مسحوب", "withdrawn"),
}
KIND: dict[str, tuple[str, str]] = {
    "person": ("قيد الولادة", "birth record"),
    "death": ("قيد الوفاة", "death record"),
    "marriage": ("قيد الزواج", "marriage record"),
    "divorce": ("قيد الطلاق", "divorce record"),
}
