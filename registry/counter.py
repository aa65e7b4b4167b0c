"""Issuing a document at an office's counter: a clerk or registrar, for a citizen who is there.

The citizen at the counter is the requester: they may have whatever the kiosk would give them
(`issuance.offers_for`, the same entitlement rules, `registry.entitlements`), for themself or
their family. The staff member needs `Permission.PRINT_AT_COUNTER` at the counter's office
(clerks and registrars of that office; supervisors and administrators never print). The
document is built and checked by `issuance.checked_document` and numbered, signed, recorded
and audited by `issuance.sign_and_record`, exactly as a kiosk's, with the same document-signer
key: a verifier answers VALID for it. It carries `COUNTER-<office>` where a kiosk's carries
the kiosk id, and the office's name as the issuing centre; the row has `office` and
`staff_id` instead of a kiosk, and the audit entry names the staff member (`by`).

The fee is paid at the counter: its payment reference is `COUNTER-<office>-<n>`, n from the
office's own counter (`registry.counters`), so it is unique. Idempotent: the same office and
idempotency key give the same document again (a double click), never a second one; the same
key for another request is a Conflict. On PostgreSQL a concurrent duplicate loses on the
unique (office, idempotency_key) inside a savepoint and is answered as the replay.

Pure rules on a Session the caller opens (one transaction); no paper here (`counter_paper`),
no words either: refusals are `registry.errors` with an `ErrorCode`, which the office app
words in both languages (`registry.office_web.counter_text`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry import counters, db_records, issuance, keyring, offices
from registry.citizens import validate_national_id
from registry.codes import ErrorCode
from registry.config import Settings
from registry.db_records import PersonRec, Records
from registry.errors import Conflict, InvalidInput, KeyringError, NotFound, Refused
from registry.issuance import IDEMPOTENCY_KEY, Issued, IssuedAt, Offer, Signing
from registry.models import IssuedDocument, Office
from registry.office.declarations import Permission, can
from registry.orders import sales
from registry.places import PlaceBook
from registry.staff import StaffView
from verifier.documents import Bilingual, DocumentType
from verifier.trust import serial_hash
from verifier.words import COUNTER_PREFIX

__all__ = [
    "CounterRequest",
    "at_office",
    "channel_id",
    "counter_document",
    "issue_at_counter",
    "offers_at_counter",
    "requester_of",
]

log = logging.getLogger(__name__)

PRINT = Permission.PRINT_AT_COUNTER


def channel_id(office: str) -> str:
    """What a counter's document carries where a kiosk's carries the kiosk id."""
    return f"{COUNTER_PREFIX}{office}"


@dataclass(frozen=True)
class CounterRequest:
    national_id: str  # the citizen at the counter, who asks
    document_type: DocumentType
    subject: str  # national number, or the marriage's or divorce's record number
    idempotency_key: str

    def validate(self) -> None:
        if not IDEMPOTENCY_KEY.fullmatch(self.idempotency_key):
            raise InvalidInput("the idempotency key is 8-64 of A-Z, a-z, 0-9, '_', '-'")
        if not 1 <= len(self.subject) <= 32:
            raise InvalidInput("the subject is a national number or a record number")

    def fingerprint(self, requester_id: int) -> str:
        text = f"counter|{requester_id}|{int(self.document_type)}|{self.subject}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def at_office(s: Session, staff: StaffView, office: str | None) -> Office:
    """The counter's office if this staff member may print there (default: their own).

    Refused `not_permitted` for a role that never prints (supervisors, administrators, a
    disabled account), `wrong_office` for another office's counter or a closed office."""
    if not can(staff.staff, PRINT):
        raise Refused("your role may not print at the counter", code=ErrorCode.NOT_PERMITTED)
    code = (office or staff.office or "").strip().upper()
    found = offices.by_code(s, code) if code else None
    if found is None or found.closed_at is not None or not can(staff.staff, PRINT, found.code):
        raise Refused(
            "you may print only at your own office's counter", code=ErrorCode.WRONG_OFFICE
        )
    return found


def requester_of(s: Session, national_id: str) -> PersonRec:
    """The citizen at the counter: NotFound if the registry has no such national number,
    Refused `requester_deceased` if it records their death."""
    nid = validate_national_id(national_id)
    r = Records(s.connection())
    person = r.person_by_nid(nid)
    if person is None:
        raise NotFound("the registry has no person with that national number")
    if r.is_dead(person.id):
        raise Refused("the registry records this person's death", code=ErrorCode.REQUESTER_DECEASED)
    return person


def offers_at_counter(
    s: Session, settings: Settings, national_id: str, today: dt.date
) -> tuple[PersonRec, list[Offer]]:
    """The citizen and every document they may have now, for themself and their family."""
    person = requester_of(s, national_id)
    return person, issuance.offers_for(s, person.id, settings, today)


def _replay(
    s: Session, book: PlaceBook, office: str, req: CounterRequest, requester_id: int
) -> tuple[Issued | None, str | None]:
    """The document this office already issued for the same key (a double click, a reprint),
    or (None, its serial) when it has been superseded since by a correction: the retry then
    gets a new document with the corrected data, as at a kiosk, never the superseded one."""
    row = s.execute(
        select(IssuedDocument).where(
            IssuedDocument.office == office, IssuedDocument.idempotency_key == req.idempotency_key
        )
    ).scalar_one_or_none()
    if row is None:
        return None, None
    if row.request_fingerprint != req.fingerprint(requester_id):
        raise Conflict(
            "this idempotency key was used for a different request",
            code=ErrorCode.IDEMPOTENCY_CONFLICT,
        )
    if row.superseded_at is not None:
        db_records.retire_document_key(s.connection(), row.id)
        return None, row.serial
    return issuance.issued_from_row(row, book, s), None


def issue_at_counter(
    s: Session,
    keys: keyring.KeyCache,
    book: PlaceBook,
    settings: Settings,
    staff: StaffView,
    office: str | None,
    req: CounterRequest,
    now: dt.datetime,
) -> Issued:
    """Issue one document at the counter in the caller's transaction (see the module
    docstring); the replay of the same office and idempotency key answers the same document
    with `replayed=True`."""
    req.validate()
    moment = now.replace(microsecond=0)
    place = at_office(s, staff, office)
    person = requester_of(s, req.national_id)
    found, replaces = _replay(s, book, place.code, req, person.id)
    if found is not None:
        return found
    r = Records(s.connection())
    centre = Bilingual(place.name_ar, place.name_latin)
    document, subject = issuance.checked_document(
        s,
        r,
        book,
        settings,
        person,
        req.document_type,
        req.subject,
        channel_id(place.code),
        moment.date(),
        lambda _s, _c: centre,
    )
    signer = keyring.current_signer(s, moment)
    if signer is None:
        raise KeyringError("no document signer is valid now: rotate the signer key")
    fee = issuance.fee_table(s).get(req.document_type, (0, settings.identity.currency))
    try:
        with s.begin_nested():  # a lost race gives back the payment number and changes nothing
            number = counters.next_value(s, f"counter-payment:{place.code}")
            issued = issuance.sign_and_record(
                s.connection(),
                keys,
                Signing(
                    document=document,
                    subject=subject,
                    subject_ref=req.subject,
                    requester_id=person.id,
                    idempotency_key=req.idempotency_key,
                    fingerprint=req.fingerprint(person.id),
                    fee=fee,
                    payment_reference=f"{issuance.COUNTER_PAYMENT}{place.code}-{number}",
                    signer_kid=signer.kid,
                    signer_issuer=signer.issuer,
                    moment=moment,
                    where=IssuedAt(
                        office=place.code, staff_id=staff.id, staff_username=staff.username
                    ),
                    replaces=replaces,
                ),
            )
            sales.record_sale(
                s,
                channel="counter",
                channel_id=channel_id(place.code),
                requester_id=person.id,
                issued=issued,
                relation="self" if req.subject == person.national_id else "family",
                provider="counter",
                now=moment,
                office=place.code,
            )
    except IntegrityError:
        # a concurrent request with the same office and key committed first
        log.debug("counter %s: a concurrent duplicate lost its race", place.code)
        replayed, _ = _replay(s, book, place.code, req, person.id)
        if replayed is None:  # only a counter makes COUNTER- references: not expected
            raise Conflict(
                "this payment reference was already used", code=ErrorCode.PAYMENT_REFERENCE_USED
            ) from None
        return replayed
    log.info(
        "issued %s serial-hash %s at counter %s",
        req.document_type.slug,
        serial_hash(issued.serial).hex(),
        place.code,
    )
    return issued


def counter_document(s: Session, book: PlaceBook, serial: str, office: str) -> Issued:
    """A document issued at this office's counter, again (for its PDF); NotFound for any
    other serial, another office's included."""
    row = s.execute(
        select(IssuedDocument).where(
            IssuedDocument.serial == serial[:32], IssuedDocument.office == office
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("this office issued no document with that serial", code=ErrorCode.NOT_ISSUED)
    return issuance.issued_from_row(row, book, s)
