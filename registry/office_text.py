"""The office app's words, Arabic first (as the civil registry writes them) and English.

Templates read `t.KEY`; a key missing in one language is a test failure, not a blank."""

from __future__ import annotations

from registry.office.errors import Noun, counted

__all__ = ["ATTENTION", "LANGUAGES", "PAPER", "PRINTER", "ROLE_EN", "TEXT", "minutes_ago"]

LANGUAGES = ("ar", "en")

TEXT: dict[str, dict[str, str]] = {
    "ar": {
        "app": "سند — مكتب الأحوال المدنية",
        "other_lang": "English",
        "sign_in": "تسجيل الدخول",
        "sign_in_intro": "أدخل اسم المستخدم وكلمة المرور ورمز التحقق من تطبيق المصادقة.",
        "username": "اسم المستخدم",
        "password": "كلمة المرور",
        "code": "رمز التحقق (ستة أرقام)",
        "submit_sign_in": "دخول",
        "sign_out": "تسجيل الخروج",
        "signed_out": "تم تسجيل الخروج.",
        "today": "اليوم",
        "welcome": "مرحبًا،",
        "role": "الدور",
        "office": "المكتب",
        "all_offices": "جميع المكاتب",
        "today_empty": "لا توجد معاملات بانتظارك اليوم.",
        "fleet": "أجهزة الخدمة الذاتية",
        "fleet_summary": "أجهزة تحتاج إلى متابعة",
        "kiosk": "الجهاز",
        "centre": "المركز",
        "needs": "يحتاج إلى",
        "last_heartbeat": "آخر اتصال",
        "printer": "الطابعة",
        "paper": "الورق",
        "backlog": "مهام معلقة",
        "failed_jobs": "مهام فاشلة",
        "app_version": "الإصدار",
        "last_error": "آخر خطأ",
        "no_kiosks": "لا توجد أجهزة مسجلة.",
        "ok": "سليم",
        "never": "لم يتصل",
        "forbidden": "غير مسموح",
        "forbidden_text": "لا يسمح دورك بفتح هذه الصفحة.",
        "form_expired": "انتهت صلاحية النموذج: أعد المحاولة.",
        "session_ended": "انتهت الجلسة: سجّل الدخول من جديد.",
        "main_nav": "القائمة الرئيسية",
        "language": "اللغة",
        "search": "البحث في السجل",
        "search_label": "الرقم الوطني أو الاسم الرباعي",
        "search_button": "ابحث",
        "search_hint": "يُطابق الاسم مع تجاهل الهمزات والتاء المربوطة والتشكيل؛ يمكن حذف اسم الجد.",
        "no_results": "لا توجد نتائج.",
        "results": "النتائج",
        "national_id": "الرقم الوطني",
        "name": "الاسم",
        "name_latin": "الاسم باللاتينية",
        "sex": "الجنس",
        "male": "ذكر",
        "female": "أنثى",
        "date_of_birth": "تاريخ الولادة",
        "place_of_birth": "مكان الولادة",
        "birth_office": "مكتب تسجيل الولادة",
        "birth_record": "رقم قيد الولادة",
        "birth_registered_on": "تاريخ تسجيل الولادة",
        "father": "الأب",
        "mother": "الأم",
        "status": "الحالة",
        "alive": "على قيد الحياة",
        "deceased": "متوفى",
        "date_of_death": "تاريخ الوفاة",
        "record": "قيد الأحوال المدنية",
        "not_found": "لا يوجد قيد بهذا الرقم الوطني.",
    },
    "en": {
        "app": "Sanad — civil registry office",
        "other_lang": "العربية",
        "sign_in": "Sign in",
        "sign_in_intro": "Enter your user name, password and the code from your authenticator app.",
        "username": "User name",
        "password": "Password",
        "code": "Verification code (six digits)",
        "submit_sign_in": "Sign in",
        "sign_out": "Sign out",
        "signed_out": "You are signed out.",
        "today": "Today",
        "welcome": "Welcome,",
        "role": "Role",
        "office": "Office",
        "all_offices": "All offices",
        "today_empty": "Nothing is waiting for you today.",
        "fleet": "Kiosk fleet",
        "fleet_summary": "kiosks need attention",
        "kiosk": "Kiosk",
        "centre": "Centre",
        "needs": "Needs",
        "last_heartbeat": "Last heartbeat",
        "printer": "Printer",
        "paper": "Paper",
        "backlog": "Backlog",
        "failed_jobs": "Failed jobs",
        "app_version": "App",
        "last_error": "Last error",
        "no_kiosks": "No kiosks enrolled.",
        "ok": "OK",
        "never": "never",
        "forbidden": "Not allowed",
        "forbidden_text": "Your role does not allow this page.",
        "form_expired": "The form expired: please try again.",
        "session_ended": "Your session ended: sign in again.",
        "main_nav": "Main menu",
        "language": "Language",
        "search": "Search the register",
        "search_label": "National number or four-part name",
        "search_button": "Search",
        "search_hint": "Names match ignoring hamza forms, ta marbuta and diacritics; the"
        " grandfather's name may be left out.",
        "no_results": "No results.",
        "results": "Results",
        "national_id": "National number",
        "name": "Name",
        "name_latin": "Name in Latin letters",
        "sex": "Sex",
        "male": "Male",
        "female": "Female",
        "date_of_birth": "Date of birth",
        "place_of_birth": "Place of birth",
        "birth_office": "Birth registered at",
        "birth_record": "Birth record number",
        "birth_registered_on": "Birth registered on",
        "father": "Father",
        "mother": "Mother",
        "status": "Status",
        "alive": "Living",
        "deceased": "Deceased",
        "date_of_death": "Date of death",
        "record": "Civil-status record",
        "not_found": "No record has that national number.",
    },
}

ROLE_EN = {
    "clerk": "Registration clerk",
    "registrar": "Registrar",
    "supervisor": "Supervisor",
    "administrator": "Administrator",
}

ATTENTION = {
    "never_seen": ("لم يرسل أي إشارة", "never sent a heartbeat"),
    "offline": ("غير متصل", "offline"),
    "paper_out": ("نفد الورق", "paper out"),
    "paper_near_end": ("الورق قارب على النفاد", "paper near end"),
    "printer_error": ("عطل في الطابعة", "printer error"),
    "printer_unknown": ("الطابعة لا تجيب", "printer not answering"),
    "cover_open": ("غطاء الطابعة مفتوح", "cover open"),
    "failed_jobs": ("مهام طباعة فاشلة بالانتظار", "failed print jobs waiting"),
    "revoked": ("ملغى", "revoked"),
}

PRINTER = {
    "online": ("متصلة", "online"),
    "offline": ("غير متصلة", "offline"),
    "error": ("عطل", "error"),
    "unknown": ("لا تجيب", "not answering"),
}

PAPER = {
    "ok": ("متوفر", "OK"),
    "near_end": ("قارب على النفاد", "near end"),
    "out": ("نفد", "out"),
    "unknown": ("غير معروف", "unknown"),
}

# after منذ the noun is genitive: منذ دقيقتين، منذ ⁨5⁩ دقائق، منذ ⁨11⁩ دقيقة
MINUTES = Noun("دقيقة واحدة", "دقيقتين", "دقائق", "دقيقة", "دقيقة")


def minutes_ago(minutes: int, lang: str) -> str:
    if lang == "ar":
        return "منذ أقل من دقيقة" if minutes < 1 else f"منذ {counted(minutes, MINUTES)}"
    return "less than a minute ago" if minutes < 1 else f"{minutes} min ago"
