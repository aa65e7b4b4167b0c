"""Machine codes for every error the registry answers.

The HTTP API answers every refusal as ``{"error": {"code": ..., "message": ...}}``; the code is
one of `ErrorCode`'s values and is stable (kiosks translate it), the message is English detail
for logs and technicians. The words a citizen reads for a code are the kiosk's (its catalogues'
"refusal.<code>" entries), not the registry's: one place words each refusal.

Pure data: no I/O.
"""

from __future__ import annotations

import enum

__all__ = ["ErrorCode"]


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
    # the office counter (registry.counter)
    NOT_PERMITTED = "not_permitted"  # 403: the staff member's role does not allow it
    WRONG_OFFICE = "wrong_office"  # 403: another office's counter, or an office closed
    REQUESTER_DECEASED = "requester_deceased"  # 403: the registry records the requester's death
    # channels, online sign-in and orders (registry.orders, registry.portal_auth)
    CHANNEL_NOT_ALLOWED = "channel_not_allowed"  # 403: a kiosk route from the portal, or back
    NO_PHONE = "no_phone"  # 403: no mobile number on record for the one-time code
    CODE_INVALID = "code_invalid"  # 401: a wrong one-time code, with tries_remaining
    CODE_EXPIRED = "code_expired"  # 401: the one-time code is used up or too old
    ORDER_CODE_INVALID = "order_code_invalid"  # 400: the check character does not match
    ORDER_NOT_FOUND = "order_not_found"  # 404
    ORDER_NOT_READY = "order_not_ready"  # 409: not paid yet
    ORDER_COLLECTED = "order_collected"  # 409: already collected
    ORDER_ELSEWHERE = "order_elsewhere"  # 409: to be collected at a counter or sent by post
    PAYMENT_FAILED = "payment_failed"  # 402/409: the provider declined or could not be asked
    # administration
    ALREADY_REVOKED = "already_revoked"
    ROOT_KEY_OFFLINE = "root_key_offline"  # publishing needs the root key (a key ceremony)
    # appointments and the office's queue (registry.bookings)
    NO_SUCH_SERVICE = "no_such_service"  # 404: no bookable service with that code
    NO_SUCH_OFFICE = "no_such_office"  # 404: no open office with that code serving it
    DAY_NOT_OPEN = "day_not_open"  # 409: a holiday, a closure, or a weekday the office is shut
    OUTSIDE_WINDOW = "outside_window"  # 409: beyond the booking window, or in the past
    TOO_SOON = "too_soon"  # 409: less than the minimum notice before the start
    NOT_A_START = "not_a_start"  # 409: not a start time the office offers that day
    SLOT_TAKEN = "slot_taken"  # 409: every counter is taken then; .alternatives
    BOOKING_LIMIT = "booking_limit"  # 409: the most active bookings a person may hold
    BOOKING_RATE = "booking_rate"  # 429: too many holds in the last hour
    BOOKING_NOT_FOUND = "booking_not_found"  # 404: no such reference (or not this citizen's)
    HOLD_EXPIRED = "hold_expired"  # 409: the hold lapsed before it was confirmed
    BOOKING_NOT_ACTIVE = "booking_not_active"  # 409: cancelled, served, missed or expired
    BOOKING_NOT_TODAY = "booking_not_today"  # 409: checked in on another day
    BOOKING_OTHER_OFFICE = "booking_other_office"  # 409: checked in at another office
    LINK_INVALID = "link_invalid"  # 409: an SMS link's token does not match its booking
    NO_OFFICE_HERE = "no_office_here"  # 409: the kiosk is not placed in an office
    NOT_WALK_IN = "not_walk_in"  # 409: the service takes appointments only
    OFFICE_NOT_OPEN_NOW = "office_not_open_now"  # 409: walk-in tickets only in opening hours
    ALREADY_WAITING = "already_waiting"  # 409: already on that day's waiting list
    DAY_NOT_FULL = "day_not_full"  # 409: a waiting list only for a day with no free time
