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
        # the administration's sections
        "admin_nav": "أقسام الإدارة",
        "nav_staff": "الموظفون",
        "nav_kiosks": "أجهزة الخدمة الذاتية",
        "nav_fees": "الرسوم",
        "nav_offices": "المكاتب",
        "nav_documents": "إلغاء وثيقة",
        "actions": "الإجراءات",
        "state": "الحالة",
        "no_such_act": "لا يوجد إجراء بهذا الاسم.",
        "not_published_kiosk": "تعذّر نشر قائمة الثقة (مفتاح الجذر غير متاح)، فلم يُسجَّل الجهاز.",
        # staff accounts
        "admin_staff": "حسابات الموظفين",
        "admin_staff_lead": (
            "يُنشئ النظام لكل حساب جديد كلمة مرور مؤقتة ومفتاحًا للتحقق بخطوتين، ويعرضهما مرة "
            "واحدة فقط. لا يجوز لمدير النظام تعطيل حسابه بنفسه ولا تعطيل آخر مدير فعّال."
        ),
        "staff_add_title": "إضافة حساب موظف",
        "name_ar": "الاسم بالعربية",
        "name_en": "الاسم بالإنجليزية",
        "office_none": "لا مكتب (للمشرف ولمدير النظام)",
        "add_account": "إضافة الحساب",
        "role_required": "اختر دور الموظف.",
        "state_active": "فعّال",
        "state_locked": "مقفل",
        "state_disabled": "معطّل",
        "you": "(حسابك)",
        "disable": "تعطيل",
        "reset": "إعادة تعيين كلمة المرور والتحقق",
        "unlock": "فك القفل",
        "staff_added": "أُضيف الحساب.",
        "staff_reset_done": "أُعيد تعيين كلمة المرور ومفتاح التحقق بخطوتين، وأُنهيت جلسات الحساب.",
        "staff_disable_done": "عُطّل الحساب وأُنهيت جلساته:",
        "staff_unlock_done": "فُكّ قفل الحساب:",
        "once_title": "بيانات الدخول (تُعرض مرة واحدة)",
        "once_lead": (
            "سلّم كلمة المرور المؤقتة لصاحب الحساب يدًا بيد، وليمسح رمز الاستجابة السريعة "
            "بتطبيق المصادقة في هاتفه. لن تُعرض هذه البيانات مرة أخرى."
        ),
        "once_password": "كلمة المرور المؤقتة",
        "once_secret": "المفتاح السري للتحقق بخطوتين",
        "once_uri": "رابط الإعداد",
        "once_qr": "رمز الاستجابة السريعة لإعداد التحقق بخطوتين",
        # kiosks
        "admin_kiosks": "أجهزة الخدمة الذاتية",
        "admin_kiosks_lead": (
            "حالة كل جهاز وتسجيله. يُلغى تسجيل الجهاز مع ذكر السبب فيُرفض كل طلب منه بعد ذلك."
        ),
        "kiosk_enrol_title": "تسجيل جهاز جديد",
        "kiosk_id": "رمز الجهاز",
        "centre_ar": "اسم المركز بالعربية",
        "centre_latin": "اسم المركز بالحروف اللاتينية",
        "public_key": "المفتاح العام للجهاز (JWK)",
        "public_key_hint": "الصق محتوى ملف المفتاح العام الذي يكتبه على الجهاز الأمر",
        "enrol": "تسجيل الجهاز",
        "enrolled_at": "تاريخ التسجيل",
        "revoked_on": "أُلغي تسجيله في",
        "revoke_reason": "سبب الإلغاء",
        "revoke_kiosk": "إلغاء تسجيل الجهاز",
        "kiosk_enrolled": "سُجّل الجهاز ونُشرت قائمة الثقة رقم",
        "kiosk_revoked": "أُلغي تسجيل الجهاز:",
        # fees
        "admin_fees": "رسوم الوثائق",
        "admin_fees_lead": (
            "الرسم الذي يدفعه المواطن عن كل نوع من الوثائق، بأصغر وحدة للعملة المعتمدة"
        ),
        "document_type": "نوع الوثيقة",
        "fee": "الرسم",
        "fee_change_title": "تغيير رسم",
        "amount_minor": "المبلغ بأصغر وحدة للعملة",
        "amount_hint": "عدد صحيح لا يتجاوز",
        "change_fee": "تغيير الرسم",
        "fee_changed": "غُيّر الرسم:",
        # offices
        "admin_offices": "مكاتب الأحوال المدنية",
        "admin_offices_lead": (
            "لكل مكتب رمز من ثلاثة أحرف لا يُعاد استعماله. لا يُغلق مكتب ما دام فيه موظفون "
            "بحسابات فعّالة."
        ),
        "office_add_title": "إضافة مكتب",
        "office_code": "رمز المكتب",
        "office_name_ar": "اسم المكتب بالعربية",
        "office_name_latin": "اسم المكتب بالحروف اللاتينية",
        "opened_at": "تاريخ الافتتاح",
        "state_open": "مفتوح",
        "state_closed": "مغلق منذ",
        "add_office": "إضافة المكتب",
        "close_office": "إغلاق المكتب",
        "office_added": "أُضيف المكتب:",
        "office_closed": "أُغلق المكتب:",
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
        # the administration's sections
        "admin_nav": "Administration sections",
        "nav_staff": "Staff",
        "nav_kiosks": "Kiosks",
        "nav_fees": "Fees",
        "nav_offices": "Offices",
        "nav_documents": "Revoke a document",
        "actions": "Actions",
        "state": "State",
        "no_such_act": "There is no such action.",
        "not_published_kiosk": (
            "The trust list could not be published (the root key is not here): the kiosk was "
            "not enrolled."
        ),
        # staff accounts
        "admin_staff": "Staff accounts",
        "admin_staff_lead": (
            "Each new account gets a one-time password and a second-factor secret, shown once "
            "only. An administrator cannot disable their own account or the last active "
            "administrator."
        ),
        "staff_add_title": "Add a staff account",
        "name_ar": "Name in Arabic",
        "name_en": "Name in English",
        "office_none": "No office (supervisors and administrators)",
        "add_account": "Add the account",
        "role_required": "Choose the staff member's role.",
        "state_active": "Active",
        "state_locked": "Locked",
        "state_disabled": "Disabled",
        "you": "(you)",
        "disable": "Disable",
        "reset": "Reset password and second factor",
        "unlock": "Unlock",
        "staff_added": "The account is added.",
        "staff_reset_done": (
            "The password and second factor are reset; the account's sessions are ended."
        ),
        "staff_disable_done": "The account is disabled and its sessions ended:",
        "staff_unlock_done": "The account is unlocked:",
        "once_title": "Sign-in details (shown once)",
        "once_lead": (
            "Hand the one-time password to the account's owner in person, and have them scan "
            "the QR code with the authenticator app on their phone. These details are not "
            "shown again."
        ),
        "once_password": "One-time password",
        "once_secret": "Second-factor secret",
        "once_uri": "Set-up link",
        "once_qr": "QR code to set up the second factor",
        # kiosks
        "admin_kiosks": "Kiosks",
        "admin_kiosks_lead": (
            "Each kiosk's state and enrolment. A kiosk revoked with a reason has every later "
            "request refused."
        ),
        "kiosk_enrol_title": "Enrol a new kiosk",
        "kiosk_id": "Kiosk id",
        "centre_ar": "Centre name in Arabic",
        "centre_latin": "Centre name in Latin letters",
        "public_key": "The kiosk's public key (JWK)",
        "public_key_hint": "Paste the public key file written on the kiosk by",
        "enrol": "Enrol the kiosk",
        "enrolled_at": "Enrolled",
        "revoked_on": "Revoked on",
        "revoke_reason": "Reason for revoking",
        "revoke_kiosk": "Revoke the kiosk",
        "kiosk_enrolled": "The kiosk is enrolled; published trust list no.",
        "kiosk_revoked": "The kiosk is revoked:",
        # fees
        "admin_fees": "Document fees",
        "admin_fees_lead": (
            "What a citizen pays for each kind of document, in the configured currency's minor unit"
        ),
        "document_type": "Document type",
        "fee": "Fee",
        "fee_change_title": "Change a fee",
        "amount_minor": "Amount in the currency's minor unit",
        "amount_hint": "A whole number up to",
        "change_fee": "Change the fee",
        "fee_changed": "The fee is changed:",
        # offices
        "admin_offices": "Civil registry offices",
        "admin_offices_lead": (
            "Each office has a three-letter code that is never reused. An office with active "
            "staff accounts cannot be closed."
        ),
        "office_add_title": "Add an office",
        "office_code": "Office code",
        "office_name_ar": "Office name in Arabic",
        "office_name_latin": "Office name in Latin letters",
        "opened_at": "Opened",
        "state_open": "Open",
        "state_closed": "Closed since",
        "add_office": "Add the office",
        "close_office": "Close the office",
        "office_added": "The office is added:",
        "office_closed": "The office is closed:",
    },
}
