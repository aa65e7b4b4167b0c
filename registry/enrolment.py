"""Citizen enrolment at the office: the first PIN, a PIN reset, the phone number on record.

What it does
------------
A clerk or registrar who has checked a citizen's identity card at the counter of their office
*enrols* the citizen for the kiosk: the registry draws a PIN (`generate_pin`), stores only its
Argon2id hash (`registry.pins`) with who set it and when (`Credential.set_at`, `set_by`), and
hands the PIN over once, on a printed PIN mailer or on the clerk's screen. A *reset* does the
same for an enrolled citizen and unlocks them (failures and lock cleared) and ends their open
kiosk sessions. The phone number for SMS is validated and kept in E.164 (`normalise_phone`,
with `phonenumbers`; the default region is the jurisdiction's country).

Each function works inside the caller's transaction and raises `Refused` (a bilingual
`Refusal`, code from `EnrolRefusal`) before writing anything. The audit entries
(`CITIZEN_ENROLLED`, `PIN_RESET`, `PHONE_SET`) name the staff member, the office and the
person's row id; never the PIN, the phone number or the national number.

A PIN is never both lost and stored: `deliver` (printing the mailer) runs after the hash is
written but before the audit entry and the commit, inside the same transaction. If it raises
(the printer is out of paper), the caller's transaction rolls back and the hash is gone with
the PIN; the clerk fixes the printer and tries again. A PIN shown on screen is returned only
after the function wrote it; the page shows it once and it is nowhere else.

What it deliberately does not do
--------------------------------
No printing and no rendering (`registry.pin_mailer` does that; it is passed in as `deliver`),
no commit, no HTTP. `PinIssued` never shows the PIN in its repr, so it cannot leak into a log
line or a traceback.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import phonenumbers
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from registry import audit, pins
from registry.audit import AuditEvent
from registry.config import Settings
from registry.models import CitizenSession, Credential, Death, Person
from registry.office.declarations import Permission, can
from registry.office.errors import Refusal, Refused, isolate
from registry.staff import StaffView
from verifier import national_id as nid_rules

__all__ = [
    "PIN_LENGTH",
    "CitizenStatus",
    "Delivery",
    "EnrolRefusal",
    "PinIssued",
    "enrol",
    "generate_pin",
    "normalise_phone",
    "refusal",
    "reset_pin",
    "set_phone",
    "status_of",
]

PIN_LENGTH = 6
MAX_PHONE_TEXT = 40
_SMS_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


class Delivery(enum.Enum):
    PRINT = "print"  # on a PIN mailer at the office printer
    SHOW = "show"  # once, on the clerk's screen


class EnrolRefusal(enum.Enum):
    NOT_PERMITTED = "not_permitted"
    IDENTITY_NOT_CHECKED = "identity_not_checked"
    INVALID_NATIONAL_ID = "invalid_national_id"
    UNKNOWN_PERSON = "not_found"
    DECEASED = "deceased"
    ALREADY_ENROLLED = "already_enrolled"
    NOT_ENROLLED = "not_enrolled"
    BAD_PHONE = "bad_phone"
    NOT_MOBILE = "not_mobile"


_WORDS: dict[EnrolRefusal, tuple[str, str]] = {
    EnrolRefusal.NOT_PERMITTED: (
        "لا يسجّل المواطنين للخدمة الذاتية ولا يعيد تعيين أرقامهم السرية إلا موظف التسجيل"
        " أو أمين السجل في مكتبه.",
        "Only a clerk or a registrar, at their own office, may enrol citizens or reset PINs.",
    ),
    EnrolRefusal.IDENTITY_NOT_CHECKED: (
        "أكّد أولًا أنك تحقّقت من هوية المواطن ببطاقته الشخصية.",
        "First confirm that you checked the citizen's identity card.",
    ),
    EnrolRefusal.INVALID_NATIONAL_ID: (
        "الرقم الوطني غير صحيح: عشرة أرقام آخرها رقم تحقّق.",
        "That is not a valid national number (ten digits, the last a check digit).",
    ),
    EnrolRefusal.UNKNOWN_PERSON: (
        "لا يوجد قيد بهذا الرقم الوطني.",
        "No record has that national number.",
    ),
    EnrolRefusal.DECEASED: (
        "صاحب هذا القيد متوفًّى، فلا يُمنح رقمًا سريًّا ولا يُسجَّل له هاتف.",
        "The person of this record has died: no PIN or phone number can be set.",
    ),
    EnrolRefusal.ALREADY_ENROLLED: (
        "هذا المواطن مسجَّل للخدمة الذاتية من قبل. إن نسي رقمه السري أو أُوقف فأعد تعيينه.",
        "This citizen is enrolled already. If they forgot their PIN or it is locked, reset it.",
    ),
    EnrolRefusal.NOT_ENROLLED: (
        "هذا المواطن غير مسجَّل للخدمة الذاتية بعد، فسجّله أولًا.",
        "This citizen is not enrolled yet: enrol them first.",
    ),
    EnrolRefusal.NOT_MOBILE: (
        "هذا رقم هاتف أرضي، والرسائل النصية تحتاج إلى رقم هاتف محمول.",
        "That is a landline number: text messages need a mobile number.",
    ),
}


def refusal(code: EnrolRefusal, region: str | None = None) -> Refusal:
    """The words of a refusal in both languages (a bad phone number shows an example)."""
    if code is EnrolRefusal.BAD_PHONE:
        local, e164 = _example(region)
        return Refusal(
            code.value,
            f"رقم الهاتف غير صحيح. اكتبه كما يُطلب داخل البلد (مثل {isolate(local)}) "
            f"أو بالصيغة الدولية (مثل {isolate(e164)}).",
            f"That phone number is not valid. Write it as dialled in the country (like {local})"
            f" or in international form (like {e164}).",
        )
    ar, en = _WORDS[code]
    return Refusal(code.value, ar, en)


def _refuse(code: EnrolRefusal, region: str | None = None) -> Refused:
    return Refused(refusal(code, region))


def _example(region: str | None) -> tuple[str, str]:
    n = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if n is None:
        return "+12015550123", "+12015550123"
    fmt = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(n, fmt.NATIONAL), phonenumbers.format_number(n, fmt.E164)


@dataclass(frozen=True)
class PinIssued:
    """A PIN just set for a citizen: hand `pin` over once, then let this value go."""

    national_id: str
    person_id: int
    name_ar: str
    name_latin: str | None
    at: dt.datetime
    delivery: Delivery
    reset: bool
    pin: str = field(repr=False)
    unlocked: bool = False  # a reset that lifted a lock

    def __repr__(self) -> str:
        kind = "reset" if self.reset else "enrolled"
        return f"PinIssued({kind}, person={self.person_id}, {self.delivery.value}, pin=<hidden>)"

    __str__ = __repr__


# ---------------------------------------------------------------------------------------------
# pure parts


def _weak(pin: str) -> bool:
    """One digit repeated, or a run up or down (123456, 987654): the first guesses."""
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def generate_pin(
    length: int = PIN_LENGTH, randbelow: Callable[[int], int] = secrets.randbelow
) -> str:
    """A random PIN of `length` digits from the OS's CSPRNG, never a repeated digit or a run."""
    if not 4 <= length <= 8:
        raise ValueError("a PIN is 4 to 8 digits")
    while True:
        pin = "".join(str(randbelow(10)) for _ in range(length))
        if not _weak(pin):
            return pin


def normalise_phone(text: str, region: str | None) -> str:
    """A mobile number in E.164 (+962791234567), or `Refused` (BAD_PHONE, NOT_MOBILE)."""
    raw = text.strip() if isinstance(text, str) else ""
    if not raw or len(raw) > MAX_PHONE_TEXT:
        raise _refuse(EnrolRefusal.BAD_PHONE, region)
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise _refuse(EnrolRefusal.BAD_PHONE, region) from None
    if not phonenumbers.is_valid_number(number):
        raise _refuse(EnrolRefusal.BAD_PHONE, region)
    if phonenumbers.number_type(number) not in _SMS_TYPES:
        raise _refuse(EnrolRefusal.NOT_MOBILE, region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class CitizenStatus:
    """What the enrolment page shows of a person (never the PIN's hash)."""

    national_id: str
    name_ar: str
    name_latin: str | None
    deceased: bool
    enrolled: bool
    locked: bool
    set_at: dt.datetime | None  # None with `enrolled`: a seeded (demo) PIN
    phone: str | None
    female: bool = False  # the words agree with the citizen: مسجَّلة، رقمها


# ---------------------------------------------------------------------------------------------
# inside the caller's transaction


def status_of(s: Session, national_id: str, settings: Settings) -> CitizenStatus | None:
    """A person's enrolment as the page shows it; None for a bad or unknown national number."""
    nid = nid_rules.normalise(national_id) if isinstance(national_id, str) else ""
    if not nid_rules.is_valid(nid):
        return None
    person = s.execute(select(Person).where(Person.national_id == nid)).scalar_one_or_none()
    if person is None:
        return None
    dead = s.execute(select(Death.id).where(Death.person_id == person.id)).first() is not None
    cred = s.get(Credential, person.id)
    return CitizenStatus(
        female=person.sex == 2,
        national_id=person.national_id,
        name_ar=person.name_ar,
        name_latin=person.name_latin,
        deceased=dead,
        enrolled=cred is not None,
        locked=cred is not None
        and (cred.locked_at is not None or cred.failures >= settings.throttle.max_failures),
        set_at=cred.set_at if cred is not None else None,
        phone=person.phone,
    )


def _check_staff(by: StaffView, office: str | None) -> str:
    staff = by.staff
    if office is None or staff.office != office or not can(staff, Permission.ENROL_CITIZEN, office):
        raise _refuse(EnrolRefusal.NOT_PERMITTED)
    return office


def _living_person(s: Session, national_id: str) -> Person:
    """The person's row, locked (two clerks enrolling one citizen at once queue here)."""
    nid = nid_rules.normalise(national_id) if isinstance(national_id, str) else ""
    if not nid_rules.is_valid(nid):
        raise _refuse(EnrolRefusal.INVALID_NATIONAL_ID)
    person = s.execute(
        select(Person).where(Person.national_id == nid).with_for_update()
    ).scalar_one_or_none()
    if person is None:
        raise _refuse(EnrolRefusal.UNKNOWN_PERSON)
    if s.execute(select(Death.id).where(Death.person_id == person.id)).first() is not None:
        if person.sex == 2:
            raise Refused(
                Refusal(
                    EnrolRefusal.DECEASED.value,
                    "صاحبة هذا القيد متوفّاة، فلا تُمنح رقمًا سريًّا ولا يُسجَّل لها هاتف.",
                    refusal(EnrolRefusal.DECEASED).en,
                )
            )
        raise _refuse(EnrolRefusal.DECEASED)
    return person


def _who(by: StaffView, office: str, person: Person) -> dict[str, object]:
    return {"by": by.username, "staff": by.id, "office": office, "person": person.id}


def _set_pin(
    s: Session,
    person: Person,
    cred: Credential | None,
    by: StaffView,
    at: dt.datetime,
    settings: Settings,
    delivery: Delivery,
) -> PinIssued:
    pin = generate_pin()
    digest = pins.hash_pin(pin, opslimit=settings.pin_opslimit, memlimit=settings.pin_memlimit)
    if cred is None:
        s.add(
            Credential(
                person_id=person.id,
                pin_hash=digest,
                failures=0,
                last_failure_at=None,
                locked_at=None,
                set_at=at,
                set_by=by.id,
            )
        )
    else:
        cred.pin_hash, cred.set_at, cred.set_by = digest, at, by.id
        cred.failures, cred.last_failure_at, cred.locked_at = 0, None, None
    s.flush()
    return PinIssued(
        national_id=person.national_id,
        person_id=person.id,
        name_ar=person.name_ar,
        name_latin=person.name_latin,
        at=at,
        delivery=delivery,
        reset=cred is not None,
        pin=pin,
    )


def _credential(s: Session, person: Person) -> Credential | None:
    return s.execute(
        select(Credential).where(Credential.person_id == person.id).with_for_update()
    ).scalar_one_or_none()


def enrol(
    s: Session,
    national_id: str,
    by_staff: StaffView,
    office: str | None,
    at: dt.datetime,
    *,
    settings: Settings,
    identity_checked: bool,
    delivery: Delivery = Delivery.PRINT,
    phone: str | None = None,
    deliver: Callable[[PinIssued], None] | None = None,
) -> PinIssued:
    """Give a citizen their first PIN (and optionally record their phone) at `office`.

    Refused before anything is written: a staff member who is not a clerk or registrar of
    `office`, identity not confirmed, a bad national number, no such person, a deceased
    person, a citizen enrolled already (reset instead), a bad phone number. `deliver` runs
    after the hash and the audit entries are written, so that only the commit follows it: if
    it raises, roll back."""
    where = _check_staff(by_staff, office)
    if not identity_checked:
        raise _refuse(EnrolRefusal.IDENTITY_NOT_CHECKED)
    region = settings.identity.country
    e164 = normalise_phone(phone, region) if phone and phone.strip() else None
    person = _living_person(s, national_id)
    if _credential(s, person) is not None:
        raise _refuse(EnrolRefusal.ALREADY_ENROLLED)
    issued = _set_pin(s, person, None, by_staff, at, settings, delivery)
    if e164 is not None:
        person.phone = e164
        s.flush()
    who = _who(by_staff, where, person)
    audit.append(s, AuditEvent.CITIZEN_ENROLLED, {**who, "delivery": delivery.value}, at)
    if e164 is not None:
        audit.append(s, AuditEvent.PHONE_SET, {**who, "cleared": False}, at)
    s.flush()  # everything written before the paper: only the commit follows the printing
    if deliver is not None:
        deliver(issued)  # the printer: raising here leaves nothing behind once rolled back
    return issued


def reset_pin(
    s: Session,
    national_id: str,
    by_staff: StaffView,
    office: str | None,
    at: dt.datetime,
    *,
    settings: Settings,
    identity_checked: bool,
    delivery: Delivery = Delivery.PRINT,
    deliver: Callable[[PinIssued], None] | None = None,
) -> PinIssued:
    """A new PIN for an enrolled citizen: unlocks them (failures 0, no lock) and ends their
    open kiosk sessions. Refused like `enrol`, and for a citizen not enrolled yet."""
    where = _check_staff(by_staff, office)
    if not identity_checked:
        raise _refuse(EnrolRefusal.IDENTITY_NOT_CHECKED)
    person = _living_person(s, national_id)
    cred = _credential(s, person)
    if cred is None:
        raise _refuse(EnrolRefusal.NOT_ENROLLED)
    was_locked = cred.locked_at is not None or cred.failures >= settings.throttle.max_failures
    issued = replace(
        _set_pin(s, person, cred, by_staff, at, settings, delivery), unlocked=was_locked
    )
    s.execute(delete(CitizenSession).where(CitizenSession.person_id == person.id))
    data = {**_who(by_staff, where, person), "delivery": delivery.value, "unlocked": was_locked}
    audit.append(s, AuditEvent.PIN_RESET, data, at)
    s.flush()  # everything written before the paper: only the commit follows the printing
    if deliver is not None:
        deliver(issued)
    return issued


def set_phone(
    s: Session,
    national_id: str,
    phone: str | None,
    by_staff: StaffView,
    office: str | None,
    at: dt.datetime,
    *,
    region: str | None,
    identity_checked: bool,
) -> str | None:
    """Record (or, with None or "", clear) a living citizen's mobile number; the E.164 form.
    Only for a citizen whose identity the clerk checked at the counter: the number is where
    their messages go."""
    where = _check_staff(by_staff, office)
    if not identity_checked:
        raise _refuse(EnrolRefusal.IDENTITY_NOT_CHECKED)
    e164 = normalise_phone(phone, region) if phone and phone.strip() else None
    person = _living_person(s, national_id)
    if person.phone == e164:
        return e164  # nothing changed: nothing to audit
    person.phone = e164
    audit.append(
        s, AuditEvent.PHONE_SET, {**_who(by_staff, where, person), "cleared": e164 is None}, at
    )
    return e164
