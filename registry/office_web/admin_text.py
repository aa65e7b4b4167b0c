"""The administrators' pages' words (Arabic first, then English)."""

from __future__ import annotations

__all__ = ["TEXT"]

TEXT: dict[str, dict[str, str]] = {
    "ar": {
        "admin_documents": "إلغاء وثيقة",
        "admin_documents_lead": (
            "تُلغى الوثيقة برقمها التسلسلي مع ذكر السبب، وتُنشر قائمة ثقة جديدة تتضمّنها."
        ),
        "serial": "الرقم التسلسلي",
        "reason": "السبب",
        "revoke": "إلغاء الوثيقة",
        "revoked_done": "أُلغيت الوثيقة ونُشرت قائمة الثقة رقم",
        "bad_csrf": "انتهت صلاحية النموذج. أعد تحميل الصفحة وحاول مجددًا.",
        "no_such_document": "لا توجد وثيقة بهذا الرقم التسلسلي.",
        "already_revoked": "هذه الوثيقة ملغاة من قبل.",
        "reason_required": "اذكر سبب الإلغاء (من حرف واحد إلى ٢٠٠ حرف).",
        "not_published": "تعذّر نشر قائمة الثقة (مفتاح الجذر غير متاح)، فلم يُلغَ شيء.",
    },
    "en": {
        "admin_documents": "Revoke a document",
        "admin_documents_lead": (
            "A document is revoked by its serial with a reason; a new trust list listing it is "
            "published."
        ),
        "serial": "Serial",
        "reason": "Reason",
        "revoke": "Revoke the document",
        "revoked_done": "The document is revoked; published trust list no.",
        "bad_csrf": "The form has expired. Reload the page and try again.",
        "no_such_document": "No document has that serial.",
        "already_revoked": "That document is revoked already.",
        "reason_required": "Give the reason for the revocation (1 to 200 characters).",
        "not_published": (
            "The trust list could not be published (the root key is not here): nothing was revoked."
        ),
    },
}
