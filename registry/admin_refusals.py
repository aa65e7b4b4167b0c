"""The refusals of an administrator's acts (staff accounts, offices, fees, kiosks), in both
languages, and the exceptions that carry them.

`registry.staff`, `registry.offices`, `registry.fees` and `registry.kiosks` raise these; the
CLI prints the English words (they are `RegistryError`s), the office app's pages and API twins
answer `refusal` in the reader's language with `status`. Each exception is also the
`RegistryError` subclass a caller already expects (`InvalidInput`, `Conflict`, `NotFound`).

    RegistryError
    └── AdminRefused            .refusal (both languages), .status
        ├── AdminInvalid        (also InvalidInput) 422
        ├── AdminConflict       (also Conflict) 409
        └── AdminNotFound       (also NotFound) 404

Pure data: no I/O.
"""

from __future__ import annotations

from registry.codes import ErrorCode
from registry.errors import Conflict, InvalidInput, NotFound, RegistryError
from registry.office.errors import Refusal, isolate

__all__ = [
    "CENTRE_REQUIRED",
    "KIOSK_ALREADY_REVOKED",
    "KIOSK_ENROLLED",
    "KIOSK_ID_INVALID",
    "KIOSK_KEY_INVALID",
    "LAST_ADMINISTRATOR",
    "NAMES_REQUIRED",
    "NOT_LOCKED",
    "NO_SUCH_DOCUMENT_TYPE",
    "NO_SUCH_KIOSK",
    "NO_SUCH_OFFICE",
    "NO_SUCH_STAFF",
    "OFFICE_ALREADY_CLOSED",
    "OFFICE_CODE_INVALID",
    "OFFICE_CODE_TAKEN",
    "OFFICE_HAS_STAFF",
    "OFFICE_NAMES_REQUIRED",
    "OFFICE_NAME_TAKEN",
    "OFFICE_NOT_ALLOWED",
    "OFFICE_REQUIRED",
    "OWN_ACCOUNT",
    "REASON_REQUIRED",
    "UNKNOWN_OFFICE",
    "USERNAME_INVALID",
    "USERNAME_TAKEN",
    "AdminConflict",
    "AdminInvalid",
    "AdminNotFound",
    "AdminRefused",
    "fee_invalid",
]


class AdminRefused(RegistryError):
    """An administrator's act refused; nothing was changed."""

    status = 422

    def __init__(self, refusal: Refusal, *, code: ErrorCode | None = None) -> None:
        super().__init__(refusal.en, code=code)
        self.refusal = refusal


class AdminInvalid(AdminRefused, InvalidInput):
    status = 422


class AdminConflict(AdminRefused, Conflict):
    status = 409


class AdminNotFound(AdminRefused, NotFound):
    status = 404


# -- staff accounts -------------------------------------------------------------------------

USERNAME_INVALID = Refusal(
    "staff_username_invalid",
    "اسم المستخدم من حرفين إلى "
    + isolate(64)
    + " حرفًا من الحروف اللاتينية الصغيرة والأرقام والنقطة والشرطة السفلية والشرطة.",
    "A user name is 2 to 64 of a-z, 0-9, dot, underscore and hyphen.",
)
NAMES_REQUIRED = Refusal(
    "staff_names_required",
    "الاسم بالعربية والاسم بالإنجليزية مطلوبان (حتى " + isolate(160) + " حرفًا لكل منهما).",
    "The Arabic and English display names are required (up to 160 characters each).",
)
OFFICE_REQUIRED = Refusal(
    "staff_office_required",
    "يجب تحديد المكتب لموظف التسجيل ولأمين السجل.",
    "Clerks and registrars need an office.",
)
OFFICE_NOT_ALLOWED = Refusal(
    "staff_office_not_allowed",
    "لا يرتبط المشرف ولا مدير النظام بمكتب واحد: اترك حقل المكتب فارغًا.",
    "Supervisors and administrators serve every office: leave the office empty.",
)
UNKNOWN_OFFICE = Refusal(
    "staff_unknown_office",
    "لا يوجد مكتب مفتوح بهذا الرمز.",
    "No open office has that code.",
)
USERNAME_TAKEN = Refusal(
    "staff_username_taken",
    "اسم المستخدم هذا محجوز لحساب آخر.",
    "That user name is taken by another account.",
)
NO_SUCH_STAFF = Refusal(
    "staff_not_found",
    "لا يوجد حساب بهذا الاسم.",
    "There is no staff account with that user name.",
)
OWN_ACCOUNT = Refusal(
    "staff_own_account",
    "لا يمكنك تعطيل حسابك بنفسك: يتولى ذلك مدير نظام آخر.",
    "You cannot disable your own account: another administrator must.",
)
LAST_ADMINISTRATOR = Refusal(
    "staff_last_administrator",
    "هذا آخر حساب فعّال لمدير النظام، فلا يجوز تعطيله قبل إضافة مدير آخر.",
    "That is the last active administrator: add another before disabling it.",
)
NOT_LOCKED = Refusal(
    "staff_not_locked",
    "هذا الحساب غير مقفل.",
    "That account is not locked.",
)

# -- offices --------------------------------------------------------------------------------

OFFICE_CODE_INVALID = Refusal(
    "office_code_invalid",
    "رمز المكتب ثلاثة أحرف لاتينية كبيرة، مثل " + isolate("AMM") + ".",
    "An office code is 3 capital Latin letters, such as AMM.",
)
OFFICE_NAMES_REQUIRED = Refusal(
    "office_names_required",
    "اسم المكتب بالعربية وبالحروف اللاتينية مطلوبان (حتى " + isolate(160) + " حرفًا لكل منهما).",
    "The office's Arabic and Latin names are required (up to 160 characters each).",
)
OFFICE_CODE_TAKEN = Refusal(
    "office_code_taken",
    "هذا الرمز لمكتب آخر، ولا يُعاد استعمال رمز مكتب مغلق.",
    "That code belongs to another office (a closed office's code is never reused).",
)
OFFICE_NAME_TAKEN = Refusal(
    "office_name_taken",
    "يوجد مكتب آخر بهذا الاسم العربي.",
    "Another office has that Arabic name.",
)
NO_SUCH_OFFICE = Refusal(
    "office_not_found",
    "لا يوجد مكتب بهذا الرمز.",
    "No office has that code.",
)
OFFICE_ALREADY_CLOSED = Refusal(
    "office_closed",
    "هذا المكتب مغلق من قبل.",
    "That office is closed already.",
)
OFFICE_HAS_STAFF = Refusal(
    "office_has_staff",
    "في هذا المكتب حسابات موظفين فعّالة: عطّلها أولًا ثم أغلق المكتب.",
    "That office still has active staff accounts: disable them first, then close it.",
)

# -- fees -----------------------------------------------------------------------------------

NO_SUCH_DOCUMENT_TYPE = Refusal(
    "fee_unknown_document",
    "لا يوجد نوع وثيقة بهذا الاسم.",
    "No document type has that name.",
)


def fee_invalid(maximum: int, currency: str) -> Refusal:
    """The fee must be a whole number of the currency's minor unit, from 0 to `maximum`."""
    return Refusal(
        "fee_invalid",
        f"الرسم عدد صحيح من {isolate(0)} إلى {isolate(maximum)} بأصغر وحدة لعملة "
        f"{isolate(currency)}.",
        f"A fee is a whole number from 0 to {maximum} in {currency}'s minor unit.",
    )


# -- kiosks ---------------------------------------------------------------------------------

KIOSK_ID_INVALID = Refusal(
    "kiosk_id_invalid",
    "رمز الجهاز من حرف واحد إلى "
    + isolate(64)
    + " حرفًا من الحروف اللاتينية والأرقام والنقطة والشرطة السفلية والشرطة، مثل "
    + isolate("AMM-001")
    + ".",
    "A kiosk id is 1 to 64 of A-Z, a-z, 0-9, dot, underscore and hyphen, such as AMM-001.",
)
KIOSK_KEY_INVALID = Refusal(
    "kiosk_key_invalid",
    "الصق المفتاح العام للجهاز بصيغة "
    + isolate("JWK")
    + " ("
    + isolate("Ed25519")
    + ") كما يكتبه الأمر "
    + isolate("sanad registry kiosk keygen")
    + "، لا المفتاح الخاص.",
    "Paste the kiosk's public key as a JWK (Ed25519), as `sanad registry kiosk keygen` "
    "writes it, never the private key.",
)
CENTRE_REQUIRED = Refusal(
    "kiosk_centre_required",
    "اسم المركز بالعربية مطلوب (حتى " + isolate(120) + " حرفًا).",
    "The centre's Arabic name is required (up to 120 characters).",
)
KIOSK_ENROLLED = Refusal(
    "kiosk_enrolled",
    "هذا الجهاز مسجّل من قبل: ألغِ تسجيله أولًا لتسجيل مفتاح جديد له.",
    "That kiosk is enrolled already: revoke it first to enrol a new key for it.",
)
NO_SUCH_KIOSK = Refusal(
    "kiosk_not_found",
    "لا يوجد جهاز بهذا الرمز.",
    "No kiosk has that id.",
)
KIOSK_ALREADY_REVOKED = Refusal(
    "kiosk_already_revoked",
    "هذا الجهاز ملغى من قبل.",
    "That kiosk is revoked already.",
)
REASON_REQUIRED = Refusal(
    "reason_required",
    "اذكر السبب (من حرف واحد إلى " + isolate(200) + " حرف).",
    "Give the reason (1 to 200 characters).",
)
