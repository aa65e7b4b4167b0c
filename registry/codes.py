"""Machine codes for every error the registry answers, with words a kiosk can show.

The HTTP API answers every refusal as ``{"error": {"code": ..., "message": ...}}``; the code is
one of `ErrorCode`'s values and is stable (kiosks translate it), the message is English detail
for logs and technicians. `CITIZEN_MESSAGES` gives the Arabic and English words for the codes
a citizen may see; the kiosk may use them or its own catalogue.

Pure data: no I/O.
"""

from __future__ import annotations

import enum

__all__ = ["CITIZEN_MESSAGES", "ErrorCode"]


class ErrorCode(enum.StrEnum):
    # the request itself
    INVALID_REQUEST = "invalid_request"
    INVALID_NATIONAL_ID = "invalid_national_id"
    NOT_FOUND = "not_found"
    NOT_ISSUED = "not_issued"  # 404: the registry never issued a document with that serial
    BODY_TOO_LARGE = "body_too_large"  # 413: the request body is over the limit (64 KiB)
    # kiosk identity (401)
    SIGNATURE_MISSING = "signature_missing"
    SIGNATURE_INVALID = "signature_invalid"
    KIOSK_UNKNOWN = "kiosk_unknown"
    KIOSK_REVOKED = "kiosk_revoked"
    TIMESTAMP_STALE = "timestamp_stale"
    NONCE_REPLAYED = "nonce_replayed"
    # citizen authentication
    INVALID_CREDENTIALS = "invalid_credentials"  # 401, with tries_remaining when known
    THROTTLED = "throttled"  # 429, with retry_after and tries_remaining
    KIOSK_THROTTLED = "kiosk_throttled"  # 429: too many failures from this kiosk
    LOCKED = "locked"  # 423: too many failures, an officer must unlock
    SESSION_INVALID = "session_invalid"  # 401: expired, logged out, or another kiosk's
    # entitlements (403)
    NOT_ENTITLED = "not_entitled"
    UNKNOWN_SUBJECT = "unknown_subject"
    ONLY_FOR_SELF = "only_for_self"
    NOT_PARENT = "not_parent"
    CHILD_NOT_MINOR = "child_not_minor"
    SUBJECT_NOT_DECEASED = "subject_not_deceased"
    SUBJECT_DECEASED = "subject_deceased"
    NOT_CLOSE_RELATIVE = "not_close_relative"
    NOT_SPOUSE = "not_spouse"
    MARRIAGE_DISSOLVED = "marriage_dissolved"
    NOT_FAMILY_MEMBER = "not_family_member"
    NOT_ADULT = "not_adult"
    EMPLOYED = "employed"
    # issuance (409, 503)
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    PAYMENT_REFERENCE_USED = "payment_reference_used"
    NO_SIGNER = "no_signer"
    DATABASE_UNAVAILABLE = "database_unavailable"
    INTERNAL_ERROR = "internal_error"  # a bug: logged with its traceback
    # administration
    ADMIN_TOKEN_REQUIRED = "admin_token_required"
    ALREADY_REVOKED = "already_revoked"
    ROOT_KEY_OFFLINE = "root_key_offline"  # publishing needs the root key (a key ceremony)


CITIZEN_MESSAGES: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.INVALID_NATIONAL_ID: ("الرقم الوطني غير صحيح", "The national number is not valid"),
    ErrorCode.INVALID_CREDENTIALS: (
        "الرقم الوطني أو الرمز السري غير صحيح",
        "The national number or PIN is not correct",
    ),
    ErrorCode.THROTTLED: (
        "محاولات كثيرة؛ انتظر قليلًا ثم حاول مرة أخرى",
        "Too many attempts; wait a moment and try again",
    ),
    ErrorCode.KIOSK_THROTTLED: (
        "هذا الجهاز متوقف مؤقتًا؛ حاول بعد قليل",
        "This kiosk is paused for a moment; try again shortly",
    ),
    ErrorCode.LOCKED: (
        "تم قفل الحساب؛ راجع موظف مركز خدمة المواطن",
        "The account is locked; please see an officer at the citizen service centre",
    ),
    ErrorCode.SESSION_INVALID: ("انتهت الجلسة؛ ابدأ من جديد", "The session has ended; start again"),
    ErrorCode.NOT_ENTITLED: (
        "لا يحق لك طلب هذه الوثيقة",
        "You are not entitled to request this document",
    ),
    ErrorCode.UNKNOWN_SUBJECT: ("صاحب القيد غير موجود", "No such record"),
    ErrorCode.ONLY_FOR_SELF: (
        "هذه الوثيقة تُصدر لصاحبها فقط",
        "This document is issued only to the person it concerns",
    ),
    ErrorCode.NOT_PARENT: (
        "لست أحد والدي صاحب القيد",
        "You are not a parent of the person concerned",
    ),
    ErrorCode.CHILD_NOT_MINOR: (
        "صاحب القيد بالغ؛ عليه أن يطلبها بنفسه",
        "The person concerned is an adult and must request it themself",
    ),
    ErrorCode.SUBJECT_NOT_DECEASED: (
        "لا توجد واقعة وفاة مسجلة لهذا الشخص",
        "No death is registered for this person",
    ),
    ErrorCode.SUBJECT_DECEASED: (
        "صاحب القيد متوفى؛ اطلب شهادة الوفاة",
        "The person concerned is deceased; request the death certificate",
    ),
    ErrorCode.NOT_CLOSE_RELATIVE: (
        "تصدر شهادة الوفاة لأقارب المتوفى من الدرجة الأولى",
        "A death certificate is issued to the deceased's spouse, children or parents",
    ),
    ErrorCode.NOT_SPOUSE: ("لست طرفًا في هذا العقد", "You are not a party to this marriage"),
    ErrorCode.MARRIAGE_DISSOLVED: (
        "انتهى هذا الزواج بالطلاق؛ اطلب وثيقة الطلاق",
        "This marriage ended in divorce; request the divorce certificate",
    ),
    ErrorCode.NOT_FAMILY_MEMBER: ("لست من أفراد هذه الأسرة", "You are not a member of this family"),
    ErrorCode.NOT_ADULT: (
        "هذه الوثيقة تصدر للبالغين فقط",
        "This document is issued to adults only",
    ),
    ErrorCode.EMPLOYED: (
        "السجل يبين أنك موظف",
        "The registry records you as employed",
    ),
    ErrorCode.PAYMENT_REFERENCE_USED: (
        "هذه الدفعة استُخدمت لوثيقة أخرى",
        "This payment has already been used for another document",
    ),
    ErrorCode.NO_SIGNER: (
        "الخدمة غير متاحة مؤقتًا",
        "The service is temporarily unavailable",
    ),
    ErrorCode.DATABASE_UNAVAILABLE: (
        "الخدمة غير متاحة مؤقتًا",
        "The service is temporarily unavailable",
    ),
    ErrorCode.ROOT_KEY_OFFLINE: (
        "لا يمكن نشر قائمة الثقة الآن: مفتاح الجذر غير متاح على هذا الخادم",
        "The trust list cannot be published now: the root key is not on this server",
    ),
}
