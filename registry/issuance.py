"""Issuing documents: subjects, entitlements in context, the document's fields, serials, fees,
idempotency, signing, revocation and status.

`issue` runs one transaction with few round trips and no ORM unit of work
(`registry.db_records`): one query fetches the issue context (kiosk, citizen session and
person, a document already issued under the idempotency key, current signer, fee); the
kiosk's signature, timestamp and nonce and the session are checked on it exactly as
`kiosks.authenticate` and `citizens.resolve_session` check them; then the replay check (same
kiosk and idempotency key → the same document, never a second charge), entitlement, document
fields from the records, the row id (so the serial) allocated, the signature by the current
document signer (through `verifier.sign.sign_document`), the row, and an audit entry (last,
so the audit head's lock is held only until commit). A concurrent duplicate loses on the
unique constraints (idempotency key, payment reference) and is answered as a replay or a
conflict.

Serials are `<letter><yy>-<number>-<check>`, e.g. `B26-0001234-7`: the letter names the
type (B birth, D death, M marriage, T divorce, I individual extract, F family extract, N
non-employment), yy the year of issue, the number the document's row id (unique under any
concurrency, on SQLite and PostgreSQL alike), the check a Luhn digit over the digits, so a
mistyped serial is caught before any lookup.

`checked_document` (subject, entitlement, the document's fields) and `sign_and_record` (row
id, serial, signature, row, audit entry) are the steps every channel shares: the kiosk's
`issue` calls them on its prefetched context, `registry.counter` inside an office clerk's
transaction.

`preview` answers "what would `issue` sign for this request now?": the same entitlement check
and the same document, built by the same `_build_document`, in a transaction that writes
nothing (no row, so no serial is used up; no fee, no signature, no audit entry).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry import audit, channels, citizens, db_records, keyring, kiosks
from registry.audit import AuditEvent
from registry.codes import ErrorCode
from registry.config import DataDir, Settings
from registry.db import Database
from registry.db_records import PersonRec, Records
from registry.entitlements import (
    EventSubject,
    PersonSubject,
    Relation,
    SubjectKind,
    check_event_document,
    check_person_document,
    subject_kind,
    unrelated,
)
from registry.errors import (
    Conflict,
    InvalidInput,
    KeyringError,
    KioskAuthError,
    NotFound,
    Refused,
)
from registry.models import (
    DocumentStatusCode,
    Fee,
    IssuedDocument,
    Kiosk,
    Signer,
)
from registry.orders import sales
from registry.places import PlaceBook
from registry.signing import SignatureHeaders
from verifier import codec, cose
from verifier import documents as vd
from verifier.documents import (
    Bilingual,
    Document,
    DocumentType,
    FamilyMember,
    FieldKind,
    MaritalStatus,
    Sex,
    resolve_places,
    schema_for,
)
from verifier.national_id import luhn_check_digit, luhn_valid
from verifier.payload import decode_claims
from verifier.sign import sign_document
from verifier.trust import SignerStatus, serial_hash

__all__ = [
    "DocumentState",
    "IssueRequest",
    "Issued",
    "IssuedAt",
    "KioskCall",
    "Offer",
    "Preview",
    "Signing",
    "checked_document",
    "document_status",
    "fee_table",
    "forget_cached_fees",
    "issue",
    "issued_from_row",
    "make_serial",
    "offer_for",
    "offers_for",
    "preview",
    "revoke_document",
    "sign_and_record",
    "valid_serial_check",
]

log = logging.getLogger(__name__)

_LETTER = {
    DocumentType.BIRTH_CERTIFICATE: "B",
    DocumentType.DEATH_CERTIFICATE: "D",
    DocumentType.MARRIAGE_CERTIFICATE: "M",
    DocumentType.DIVORCE_CERTIFICATE: "T",
    DocumentType.INDIVIDUAL_EXTRACT: "I",
    DocumentType.FAMILY_EXTRACT: "F",
    DocumentType.NON_EMPLOYMENT: "N",
}
_SERIAL = re.compile(r"([BDMTIFN])([0-9]{2})-([0-9]{7,12})-([0-9])")
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
PAYMENT_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")
# generated records (M2019/0000123) and those registered at an office (M2026/AMM/000001,
# registry.civil.numbers)
COUNTER_PAYMENT = "COUNTER-"  # the fee paid at an office's counter (registry.counter)
ORDER_PAYMENT = "ORDER-"  # an order's fee, paid online (registry.orders.fulfil)
RECORD_NUMBER = re.compile(r"[A-Z][0-9]{4}/(?:[A-Z]{2,8}/[0-9]{6}|[0-9]{7})")


def make_serial(doc_type: DocumentType, year: int, number: int) -> str:
    digits = f"{year % 100:02d}{number:07d}"
    return f"{_LETTER[doc_type]}{year % 100:02d}-{number:07d}-{luhn_check_digit(digits)}"


def valid_serial_check(serial: str) -> bool:
    m = _SERIAL.fullmatch(serial)
    return m is not None and luhn_valid(m.group(2) + m.group(3) + m.group(4))


def _age(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


# ---------------------------------------------------------------------------------------------
# Family facts from the records


def _relations(r: Records, requester: PersonRec, subject: PersonRec) -> frozenset[Relation]:
    if requester.id == subject.id:
        return frozenset({Relation.SELF})  # nobody is their own parent, child or spouse
    rel = set()
    if requester.id in (subject.father_id, subject.mother_id):
        rel.add(Relation.PARENT)
    if subject.id in (requester.father_id, requester.mother_id):
        rel.add(Relation.CHILD)
    for m in r.marriages_of(requester.id):
        if (
            subject.id in (m.husband_id, m.wife_id)
            and subject.id != requester.id
            and r.divorce_of(m.id) is None
        ):
            rel.add(Relation.SPOUSE)
    return frozenset(rel)


def _marital_status(r: Records, person: PersonRec) -> MaritalStatus:
    marriages = r.marriages_of(person.id)
    if not marriages:
        return MaritalStatus.SINGLE
    if _current_spouses(r, person):  # a husband of several wives is married while one stands
        return MaritalStatus.MARRIED
    latest = marriages[-1]
    if r.divorce_of(latest.id) is not None:
        return MaritalStatus.DIVORCED
    spouse = latest.wife_id if latest.husband_id == person.id else latest.husband_id
    return MaritalStatus.WIDOWED if r.death(spouse) is not None else MaritalStatus.MARRIED


def _current_spouses(r: Records, person: PersonRec) -> list[tuple[Row[Any], PersonRec]]:
    out = []
    for m in r.marriages_of(person.id):
        if r.divorce_of(m.id) is not None:
            continue
        spouse_id = m.wife_id if m.husband_id == person.id else m.husband_id
        if r.death(spouse_id) is None:
            out.append((m, r.person(spouse_id)))
    return out


# ---------------------------------------------------------------------------------------------
# Documents from the records


def _name(p: PersonRec) -> Bilingual:
    return Bilingual(p.name_ar, p.name_latin)


def _parents(p: PersonRec) -> dict[str, Any]:
    return {
        "father_name": Bilingual(p.father_name_ar, p.father_name_latin),
        "mother_name": Bilingual(p.mother_name_ar, p.mother_name_latin),
    }


def _birth_office(p: PersonRec) -> dict[str, Any]:
    return {
        "registration_office": Bilingual(p.birth_office_ar, p.birth_office_latin),
        "record_number": p.birth_record,
        "registration_date": p.birth_registered_on,
    }


def _event_office(e: Row[Any]) -> dict[str, Any]:
    return {
        "registration_office": Bilingual(e.office_ar, e.office_latin),
        "record_number": e.record_number,
        "registration_date": e.registered_on,
    }


def _person_fields(
    r: Records, doc_type: DocumentType, p: PersonRec, today: dt.date
) -> dict[str, Any]:
    base = {
        "name": _name(p),
        "national_id": p.national_id,
        "sex": Sex(p.sex),
        "date_of_birth": p.date_of_birth,
        "place_of_birth": Bilingual(p.place_of_birth_ar, p.place_of_birth_latin),
    }
    if doc_type is DocumentType.BIRTH_CERTIFICATE:
        father_nid, mother_nid = r.nids_of(p.father_id, p.mother_id)
        return {
            **base,
            **_parents(p),
            "father_national_id": father_nid,
            "mother_national_id": mother_nid,
            **_birth_office(p),
        }
    if doc_type is DocumentType.INDIVIDUAL_EXTRACT:
        return {**base, "marital_status": _marital_status(r, p), **_parents(p), **_birth_office(p)}
    if doc_type is DocumentType.NON_EMPLOYMENT:
        del base["sex"]
        return {
            **base,
            **_parents(p),
            "as_of": today,
            "registration_office": Bilingual(p.birth_office_ar, p.birth_office_latin),
        }
    if doc_type is DocumentType.DEATH_CERTIFICATE:
        death = r.death(p.id)
        assert death is not None
        return {
            **base,
            "date_of_death": death.date,
            "place_of_death": Bilingual(death.place_ar, death.place_latin),
            **_parents(p),
            **_event_office(death),
        }
    if doc_type is DocumentType.FAMILY_EXTRACT:
        members = [
            FamilyMember(
                _name(p),
                p.national_id,
                vd.Relation.HEAD,
                Sex(p.sex),
                p.date_of_birth,
                _marital_status(r, p),
            )
        ]
        for _, spouse in _current_spouses(r, p):
            rel = vd.Relation.WIFE if spouse.sex == Sex.FEMALE else vd.Relation.HUSBAND
            members.append(
                FamilyMember(
                    _name(spouse),
                    spouse.national_id,
                    rel,
                    Sex(spouse.sex),
                    spouse.date_of_birth,
                    MaritalStatus.MARRIED,
                )
            )
        for child in r.children(p.id):
            if r.death(child.id) is not None or r.marriages_of(child.id):
                continue  # a married child heads or joins another family
            rel = vd.Relation.SON if child.sex == Sex.MALE else vd.Relation.DAUGHTER
            members.append(
                FamilyMember(
                    _name(child),
                    child.national_id,
                    rel,
                    Sex(child.sex),
                    child.date_of_birth,
                    MaritalStatus.SINGLE,
                )
            )
        return {"members": tuple(members[: vd.MAX_MEMBERS]), **_birth_office(p)}
    raise AssertionError(doc_type)


def _marriage_fields(r: Records, m: Row[Any], divorce: Row[Any] | None) -> dict[str, Any]:
    husband, wife = r.person(m.husband_id), r.person(m.wife_id)
    fields: dict[str, Any] = {
        "husband_name": _name(husband),
        "husband_national_id": husband.national_id,
        "wife_name": _name(wife),
        "wife_national_id": wife.national_id,
        "date_of_marriage": m.date,
    }
    if divorce is None:
        return {
            **fields,
            "place_of_marriage": Bilingual(m.place_ar, m.place_latin),
            **_event_office(m),
        }
    return {
        **fields,
        "date_of_divorce": divorce.date,
        "place_of_divorce": Bilingual(divorce.place_ar, divorce.place_latin),
        **_event_office(divorce),
    }


# ---------------------------------------------------------------------------------------------
# Subjects and entitlements


@dataclass(frozen=True)
class _Subject:
    kind: SubjectKind
    person: PersonRec | None = None
    marriage: Row[Any] | None = None
    divorce: Row[Any] | None = None


def _resolve(
    r: Records, doc_type: DocumentType, ref: str, requester: PersonRec | None = None
) -> _Subject:
    kind = subject_kind(doc_type)
    if kind is SubjectKind.PERSON:
        from registry.citizens import validate_national_id

        nid = validate_national_id(ref)
        if requester is not None and requester.national_id == nid:
            return _Subject(kind, person=requester)
        person = r.person_by_nid(nid)
        if person is None:
            raise unrelated()  # the same refusal as for a stranger: existence is not told
        return _Subject(kind, person=person)
    if not RECORD_NUMBER.fullmatch(ref):
        raise InvalidInput(
            "a marriage or divorce is named by its record number, like M2019/0000123 "
            "or M2026/AMM/000001"
        )
    if kind is SubjectKind.MARRIAGE:
        m = r.marriage_by_record(ref)
        if m is None:
            raise unrelated()
        return _Subject(kind, marriage=m, divorce=r.divorce_of(m.id))
    d = r.divorce_by_record(ref)
    if d is None:
        raise unrelated()
    return _Subject(kind, marriage=r.marriage(d.marriage_id), divorce=d)


def _check(
    r: Records,
    requester: PersonRec,
    doc_type: DocumentType,
    subject: _Subject,
    settings: Settings,
    today: dt.date,
) -> None:
    if subject.kind is SubjectKind.PERSON:
        assert subject.person is not None
        p = subject.person
        facts = PersonSubject(
            relations=_relations(r, requester, p),
            age=_age(p.date_of_birth, today),
            deceased=r.is_dead(p.id),
            employed=p.employed,
        )
        check_person_document(doc_type, facts, settings.minor_age)
        return
    assert subject.marriage is not None
    m = subject.marriage
    check_event_document(
        doc_type,
        EventSubject(
            party=requester.id in (m.husband_id, m.wife_id), dissolved=subject.divorce is not None
        ),
    )


@dataclass(frozen=True)
class Offer:
    """One document the citizen may request, as the kiosk lists it."""

    document_type: DocumentType
    subject: str  # national ID, or the marriage or divorce record number
    subject_name: Bilingual
    relation: str  # self, child, parent, spouse, former_spouse
    fee_amount: int
    fee_currency: str
    subject_sex: Sex  # the person the document names (the other spouse for a marriage),
    # so that a channel's words agree with them ("زوجتك", "والدك")


_FEES: tuple[float, dict[DocumentType, tuple[int, str]]] | None = None
FEE_CACHE_SECONDS = 30.0


def cached_fees(s: Session) -> dict[DocumentType, tuple[int, str]]:
    """The fee table, re-read at most every FEE_CACHE_SECONDS (fees change by decree)."""
    global _FEES
    now = time.monotonic()
    if _FEES is None or now - _FEES[0] > FEE_CACHE_SECONDS:
        _FEES = (now, fee_table(s))
    return _FEES[1]


def forget_cached_fees() -> None:
    """Drop the cached fee table (an administrator changed a fee: `registry.fees`)."""
    global _FEES
    _FEES = None


def fee_table(s: Session) -> dict[DocumentType, tuple[int, str]]:
    return {
        DocumentType(f.document_type): (f.amount, f.currency)
        for f in s.execute(select(Fee)).scalars()
        if f.document_type in DocumentType._value2member_map_
    }


def offers_for(s: Session, requester_id: int, settings: Settings, today: dt.date) -> list[Offer]:
    """Everything this citizen may request now, for themself and their family."""
    fees = fee_table(s)
    r = Records(s.connection())
    requester = r.person(requester_id)
    wanted: list[tuple[DocumentType, str, Bilingual, str, int]] = []  # ..., sex
    me = _name(requester)
    T = DocumentType
    wanted += [
        (T.BIRTH_CERTIFICATE, requester.national_id, me, "self", requester.sex),
        (T.INDIVIDUAL_EXTRACT, requester.national_id, me, "self", requester.sex),
        (T.NON_EMPLOYMENT, requester.national_id, me, "self", requester.sex),
    ]
    spouses = _current_spouses(r, requester)
    if requester.sex == Sex.MALE or not spouses:
        wanted.append((T.FAMILY_EXTRACT, requester.national_id, me, "self", requester.sex))
    for m in r.marriages_of(requester.id):
        other = r.person(m.wife_id if m.husband_id == requester.id else m.husband_id)
        divorce = r.divorce_of(m.id)
        if divorce is not None:
            wanted.append(
                (
                    T.DIVORCE_CERTIFICATE,
                    divorce.record_number,
                    _name(other),
                    "former_spouse",
                    other.sex,
                )
            )
            continue
        wanted.append((T.MARRIAGE_CERTIFICATE, m.record_number, _name(other), "spouse", other.sex))
        if r.death(other.id) is not None:
            wanted.append(
                (T.DEATH_CERTIFICATE, other.national_id, _name(other), "spouse", other.sex)
            )
        elif requester.sex == Sex.FEMALE and other.sex == Sex.MALE:
            wanted.append((T.FAMILY_EXTRACT, other.national_id, _name(other), "spouse", other.sex))
    for child in r.children(requester.id):
        if r.death(child.id) is not None:
            wanted.append(
                (T.DEATH_CERTIFICATE, child.national_id, _name(child), "child", child.sex)
            )
        elif _age(child.date_of_birth, today) < settings.minor_age:
            wanted.append(
                (T.BIRTH_CERTIFICATE, child.national_id, _name(child), "child", child.sex)
            )
            wanted.append(
                (T.INDIVIDUAL_EXTRACT, child.national_id, _name(child), "child", child.sex)
            )
    for parent_id in (requester.father_id, requester.mother_id):
        if parent_id is None:
            continue
        parent = r.person(parent_id)
        if r.death(parent.id) is not None:
            wanted.append(
                (T.DEATH_CERTIFICATE, parent.national_id, _name(parent), "parent", parent.sex)
            )
        elif parent.id == requester.father_id:
            wanted.append(
                (T.FAMILY_EXTRACT, parent.national_id, _name(parent), "parent", parent.sex)
            )
    out = []
    for doc_type, ref, name, relation, sex in wanted:
        try:
            _check(r, requester, doc_type, _resolve(r, doc_type, ref), settings, today)
        except Refused:
            continue
        amount, currency = fees.get(doc_type, (0, settings.identity.currency))
        out.append(Offer(doc_type, ref, name, relation, amount, currency, Sex(sex)))
    return out


def offer_for(
    s: Session,
    requester_id: int,
    settings: Settings,
    today: dt.date,
    doc_type: DocumentType,
    subject_ref: str,
) -> Offer:
    """The one offer `offers_for` would list for this document and subject, or the refusal
    the kiosk's issue would give (Refused, NotFound): what an order is checked against."""
    for offer in offers_for(s, requester_id, settings, today):
        if offer.document_type is doc_type and offer.subject == subject_ref:
            return offer
    r = Records(s.connection())
    requester = r.person(requester_id)
    _check(r, requester, doc_type, _resolve(r, doc_type, subject_ref, requester), settings, today)
    raise Refused("this document is not offered for this subject", code=ErrorCode.NOT_ENTITLED)


# ---------------------------------------------------------------------------------------------
# Issuing


@dataclass(frozen=True)
class IssueRequest:
    document_type: DocumentType
    subject: str
    payment_reference: str
    idempotency_key: str

    def validate(self) -> None:
        if not IDEMPOTENCY_KEY.fullmatch(self.idempotency_key):
            raise InvalidInput("the idempotency key is 8-64 of A-Z, a-z, 0-9, '_', '-'")
        if not PAYMENT_REFERENCE.fullmatch(self.payment_reference):
            raise InvalidInput(
                "the payment reference is 1-64 of A-Z, a-z, 0-9, '.', '_', ':', '/', '-'"
            )
        if self.payment_reference.upper().startswith(COUNTER_PAYMENT):
            raise InvalidInput(f"payment references starting {COUNTER_PAYMENT} are the counters'")
        if self.payment_reference.upper().startswith(ORDER_PAYMENT):
            raise InvalidInput(f"payment references starting {ORDER_PAYMENT} are the orders'")
        if not 1 <= len(self.subject) <= 32:
            raise InvalidInput("the subject is a national number or a record number")

    def fingerprint(self, requester_id: int) -> str:
        text = f"{requester_id}|{int(self.document_type)}|{self.subject}|{self.payment_reference}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Issued:
    serial: str
    document_type: DocumentType
    subject: str
    issued_at: dt.datetime
    fee_amount: int
    fee_currency: str
    payment_reference: str
    qr_text: str
    signer_kid: str
    document: Document
    replayed: bool
    document_id: int | None = None  # the row's id (None for one read back by serial)


def _placed(doc_type: DocumentType, fields: dict[str, Any], book: PlaceBook, s: Session) -> None:
    """Replace every place's name by its published code (keeping the name for display)."""
    for spec in schema_for(doc_type).fields:
        value = fields.get(spec.name)
        if spec.kind is FieldKind.PLACE and isinstance(value, Bilingual):
            fields[spec.name] = book.place(value, s)


def _from_row(
    row: IssuedDocument | db_records.Rec, book: PlaceBook, s: Session, *, replayed: bool
) -> Issued:
    assert row.qr_text is not None and row.serial is not None and row.signer_kid is not None
    claims = decode_claims(cose.parse_sign1(codec.decode_text(row.qr_text)).payload)
    document = resolve_places(claims.document, book.names(s))
    return Issued(
        serial=row.serial,
        document_type=DocumentType(row.document_type),
        subject=row.subject_ref,
        issued_at=row.issued_at,
        fee_amount=row.fee_amount,
        fee_currency=row.fee_currency,
        payment_reference=row.payment_reference,
        qr_text=row.qr_text,
        signer_kid=row.signer_kid,
        document=document,
        replayed=replayed,
    )


def issued_from_row(row: IssuedDocument, book: PlaceBook, s: Session) -> Issued:
    """A document issued before, read back from its row (a replay, a reprint)."""
    return _from_row(row, book, s, replayed=True)


def _existing(
    s: Session, kiosk_id: str, req: IssueRequest, requester_id: int, book: PlaceBook
) -> Issued | None:
    """The document this kiosk already issued under this key (a replay), if any."""
    found = s.execute(
        select(IssuedDocument.id).where(
            IssuedDocument.kiosk_id == kiosk_id,
            IssuedDocument.idempotency_key == req.idempotency_key,
        )
    ).first()
    if found is None:
        return None
    row = s.get_one(IssuedDocument, found.id)
    if row.request_fingerprint != req.fingerprint(requester_id):
        raise Conflict(
            "this idempotency key was used for a different request",
            code=ErrorCode.IDEMPOTENCY_CONFLICT,
        )
    return _from_row(row, book, s, replayed=True)


def _payment_used(s: Session, req: IssueRequest) -> bool:
    used = s.execute(
        select(IssuedDocument.id).where(IssuedDocument.payment_reference == req.payment_reference)
    ).first()
    return used is not None


_PAYMENT_USED = "this payment reference was already used for another document"


def _build_document(
    s: Session,
    r: Records,
    book: PlaceBook,
    kiosk_id: str,
    doc_type: DocumentType,
    subject: _Subject,
    today: dt.date,
    centre_of: Callable[[Session, str], Bilingual | None] | None,
) -> Document:
    """The document as it is signed: fields from the records, places coded where the trust
    list names them (names kept for display). The one builder for `issue` and `preview`."""
    centre = centre_of(s, kiosk_id) if centre_of is not None else None
    if centre is None:
        kiosk = s.get_one(Kiosk, kiosk_id)
        centre = Bilingual(kiosk.centre_ar, kiosk.centre_latin)
    if subject.kind is SubjectKind.PERSON:
        assert subject.person is not None
        fields = _person_fields(r, doc_type, subject.person, today)
    else:
        assert subject.marriage is not None
        fields = _marriage_fields(r, subject.marriage, subject.divorce)
    _placed(doc_type, fields, book, s)
    return Document(doc_type, fields, kiosk=kiosk_id, centre=book.place(centre, s))


def checked_document(
    s: Session,
    r: Records,
    book: PlaceBook,
    settings: Settings,
    requester: PersonRec,
    doc_type: DocumentType,
    subject_ref: str,
    channel_id: str,
    today: dt.date,
    centre_of: Callable[[Session, str], Bilingual | None] | None,
) -> tuple[Document, _Subject]:
    """The subject resolved, the requester's entitlement checked (Refused if not), and the
    document built as it will be signed: the one path for the kiosk's issue and preview and
    the office counter. `channel_id` is the kiosk id the document carries (at a counter,
    `COUNTER-<office>`)."""
    subject = _resolve(r, doc_type, subject_ref, requester)
    _check(r, requester, doc_type, subject, settings, today)
    document = _build_document(s, r, book, channel_id, doc_type, subject, today, centre_of)
    return document, subject


@dataclass(frozen=True)
class KioskCall:
    """A signed kiosk request as the issue path checks it: the signature headers, what they
    sign, and the citizen's session token (`Authorization: Bearer`), if any."""

    headers: SignatureHeaders
    method: str
    target: str
    body: bytes
    token: str | None


def _authenticate(
    ctx: db_records.IssueContext | None, call: KioskCall, skew: dt.timedelta, now: dt.datetime
) -> db_records.IssueContext:
    """`kiosks.check_request` on the prefetched context (the caller records the nonce next)."""
    kiosks.check_request(
        kiosks.KioskInfo(
            call.headers.kiosk_id,
            ctx.kiosk_public_key,
            ctx.kiosk_revoked_at,
            ctx.kiosk_centre_ar,
            ctx.kiosk_centre_latin,
            ctx.kiosk_kind,
        )
        if ctx is not None
        else None,
        call.headers,
        call.method,
        call.target,
        call.body,
        now,
        skew,
    )
    assert ctx is not None  # check_request refuses an unknown kiosk
    channels.require_kiosk(ctx.kiosk_kind)
    return ctx


def _session_person(
    ctx: db_records.IssueContext, call: KioskCall, settings: Settings, now: dt.datetime
) -> tuple[db_records.PersonRec, bool]:
    """`citizens.check_token` and `citizens.check_session` on the prefetched context: the
    requester, and whether the session's sliding expiry is due to be extended."""
    citizens.check_token(call.token)
    expires = ctx.session_expires_at
    found = None
    if ctx.requester is not None and ctx.session_kiosk_id is not None and expires is not None:
        found = (ctx.session_kiosk_id, expires)
    extend = citizens.check_session(found, call.headers.kiosk_id, settings, now)
    assert ctx.requester is not None  # check_session refuses a missing session
    return ctx.requester, extend


@dataclass(frozen=True)
class IssuedAt:
    """Where a document is issued: at a kiosk, or at an office's counter by a staff member."""

    kiosk_id: str | None = None
    office: str | None = None
    staff_id: int | None = None
    staff_username: str | None = None

    def audit_fields(self) -> dict[str, Any]:
        if self.kiosk_id is not None:
            return {"kiosk": self.kiosk_id}
        return {"office": self.office, "by": self.staff_username}


@dataclass(frozen=True)
class Signing:
    """A document built and checked, ready to be numbered, signed and recorded."""

    document: Document
    subject: _Subject
    subject_ref: str
    requester_id: int
    idempotency_key: str
    fingerprint: str
    fee: tuple[int, str]
    payment_reference: str
    signer_kid: str
    signer_issuer: str
    moment: dt.datetime
    where: IssuedAt
    replaces: str | None = None  # the superseded document's serial a retry replaces


def sign_and_record(conn: Connection, keys: keyring.KeyCache, job: Signing) -> Issued:
    """Number, sign and record one document, and append its audit entry (last, so the audit
    head's lock is held only until commit): the one way every channel issues. A duplicate
    idempotency key or a used payment reference raises IntegrityError at the insert."""
    doc_type = DocumentType(job.document.type)
    key = keys.get(job.signer_kid)
    amount, currency = job.fee
    doc_id = db_records.next_document_id(conn)
    serial = make_serial(doc_type, job.moment.year, doc_id)
    qr_text = sign_document(
        job.document, serial=serial, issuer=job.signer_issuer, issued_at=job.moment, key=key
    )
    subject = job.subject
    db_records.insert_document(
        conn,
        db_records.NewDocument(
            id=doc_id,
            serial=serial,
            document_type=int(doc_type),
            subject_ref=job.subject_ref,
            subject_person_id=subject.person.id if subject.person else None,
            marriage_id=subject.marriage.id if subject.marriage else None,
            requester_id=job.requester_id,
            kiosk_id=job.where.kiosk_id,
            idempotency_key=job.idempotency_key,
            request_fingerprint=job.fingerprint,
            fee_amount=amount,
            fee_currency=currency,
            payment_reference=job.payment_reference,
            signer_kid=job.signer_kid,
            issued_at=job.moment,
            qr_text=qr_text,
            office=job.where.office,
            staff_id=job.where.staff_id,
        ),
    )
    audit.append_core(
        conn,
        AuditEvent.DOCUMENT_ISSUED,
        {
            "serial": serial,
            "type": int(doc_type),
            **job.where.audit_fields(),
            "requester": job.requester_id,
            "fee": amount,
            "currency": currency,
            "payment_reference": job.payment_reference,
            "signer": job.signer_kid,
            "qr_sha256": hashlib.sha256(qr_text.encode("ascii")).hexdigest(),
            **({"replaces": job.replaces} if job.replaces else {}),
        },
        job.moment,
    )
    return Issued(
        serial=serial,
        document_type=doc_type,
        subject=job.subject_ref,
        issued_at=job.moment,
        fee_amount=amount,
        fee_currency=currency,
        payment_reference=job.payment_reference,
        qr_text=qr_text,
        signer_kid=job.signer_kid,
        document=job.document,
        replayed=False,
        document_id=doc_id,
    )


def issue(
    db: Database,
    keys: keyring.KeyCache,
    book: PlaceBook,
    settings: Settings,
    call: KioskCall,
    req: IssueRequest,
    now: dt.datetime | None = None,
) -> Issued:
    """Issue one document for a signed kiosk request (see the module docstring).

    One transaction, few round trips, no ORM unit of work: the issue context (kiosk, session,
    requester, a document under the same idempotency key, current signer, fee) in one query;
    the kiosk's signature, timestamp and nonce and the citizen's session checked exactly as
    `kiosks.authenticate` and `citizens.resolve_session` check them; the rules; the row id
    (so the serial) allocated; the signature; the row inserted; the audit entry last."""
    req.validate()
    clock = now or dt.datetime.now(dt.UTC)
    moment = clock.replace(microsecond=0)
    kiosk_id = call.headers.kiosk_id
    token_hash = citizens.token_hash(call.token)
    requester_id: int | None = None
    replaces: str | None = None
    try:
        with db.session() as s:
            conn = s.connection()
            ctx = _authenticate(
                db_records.issue_context(
                    conn,
                    kiosk_id=kiosk_id,
                    token_hash=token_hash,
                    idempotency_key=req.idempotency_key,
                    document_type=int(req.document_type),
                    now=moment,
                ),
                call,
                settings.request_skew,
                clock,
            )
            if not db_records.record_nonce(conn, kiosk_id, call.headers.nonce, clock):
                log.warning("replayed request from kiosk %s refused", kiosk_id)
                raise KioskAuthError(
                    "this request was already received (replay)", code=ErrorCode.NONCE_REPLAYED
                )
            person, extend = _session_person(ctx, call, settings, clock)
            requester_id = person.id
            if extend:
                db_records.extend_session(conn, token_hash, clock + settings.session_ttl)
            if ctx.existing_id is not None:
                if ctx.existing_fingerprint != req.fingerprint(requester_id):
                    raise Conflict(
                        "this idempotency key was used for a different request",
                        code=ErrorCode.IDEMPOTENCY_CONFLICT,
                    )
                found = db_records.document(conn, ctx.existing_id)
                if found.superseded_at is None:
                    return _from_row(found, book, s, replayed=True)
                # the record was corrected since: the retry gets a new document with the
                # corrected data, never the superseded one (the key and the payment move to it)
                replaces = found.serial
                db_records.retire_document_key(conn, ctx.existing_id)
            r = db_records.Records(conn)
            r.remember_dead(person.id, ctx.requester_dead)
            r.remember_nid(person.father_id, ctx.requester_parent_nids[0])
            r.remember_nid(person.mother_id, ctx.requester_parent_nids[1])
            centre = Bilingual(ctx.kiosk_centre_ar, ctx.kiosk_centre_latin)
            document, subject = checked_document(
                s,
                r,
                book,
                settings,
                person,
                req.document_type,
                req.subject,
                kiosk_id,
                moment.date(),
                lambda _s, _k: centre,
            )
            if ctx.signer_kid is None or ctx.signer_issuer is None:
                raise KeyringError("no document signer is valid now: rotate the signer key")
            result = sign_and_record(
                conn,
                keys,
                Signing(
                    document=document,
                    subject=subject,
                    subject_ref=req.subject,
                    requester_id=requester_id,
                    idempotency_key=req.idempotency_key,
                    fingerprint=req.fingerprint(requester_id),
                    fee=ctx.fee or (0, settings.identity.currency),
                    payment_reference=req.payment_reference,
                    signer_kid=ctx.signer_kid,
                    signer_issuer=ctx.signer_issuer,
                    moment=moment,
                    where=IssuedAt(kiosk_id=kiosk_id),
                    replaces=replaces,
                ),
            )  # a concurrent duplicate key or a used payment reference fails here
            if replaces is not None:
                sales.move_sale(s, replaces, result, moment)
            else:
                sales.record_sale(
                    s,
                    channel="kiosk",
                    channel_id=kiosk_id,
                    requester_id=requester_id,
                    issued=result,
                    relation="self" if req.subject == person.national_id else "family",
                    provider="kiosk-terminal",
                    now=moment,
                    centre=centre,
                )
    except IntegrityError:
        # a concurrent request with the same idempotency key won, or the payment was used
        if requester_id is None:
            raise
        with db.session() as s:
            found = _existing(s, kiosk_id, req, requester_id, book)
            if found is not None:
                return found
            if _payment_used(s, req):
                raise Conflict(_PAYMENT_USED, code=ErrorCode.PAYMENT_REFERENCE_USED) from None
        raise
    log.info(
        "issued %s serial-hash %s at kiosk %s (signer %s)",
        req.document_type.slug,
        serial_hash(result.serial).hex(),
        kiosk_id,
        result.signer_kid,
    )
    return result


@dataclass(frozen=True)
class Preview:
    """What `issue` would sign for a request now, unsigned: no serial, no issue time."""

    document_type: DocumentType
    subject: str
    fee_amount: int
    fee_currency: str
    document: Document  # places coded as they will be signed, with their names for display


def preview(
    db: Database,
    book: PlaceBook,
    settings: Settings,
    kiosk_id: str,
    requester: int | Callable[[Session], int],
    document_type: DocumentType,
    subject: str,
    now: dt.datetime | None = None,
    centre_of: Callable[[Session, str], Bilingual | None] | None = None,
) -> Preview:
    """The document `issue` would sign for this citizen and subject now (the same checks and
    the same refusals); writes nothing: no row, no serial, no fee, no signature, no audit."""
    if not 1 <= len(subject) <= 32:
        raise InvalidInput("the subject is a national number or a record number")
    today = (now or dt.datetime.now(dt.UTC)).date()
    with db.session() as s:
        requester_id = requester if isinstance(requester, int) else requester(s)
        r = db_records.Records(s.connection())
        person = r.person(requester_id)
        document, _ = checked_document(
            s, r, book, settings, person, document_type, subject, kiosk_id, today, centre_of
        )
        amount, currency = cached_fees(s).get(document_type, (0, settings.identity.currency))
    log.debug("preview of a %s at kiosk %s", document_type.slug, kiosk_id)
    return Preview(document_type, subject, amount, currency, document)


# ---------------------------------------------------------------------------------------------
# Status and revocation


class DocumentState(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class StatusReport:
    serial: str
    state: DocumentState
    reason: str | None
    since: dt.datetime | None
    document_type: DocumentType
    issued_at: dt.datetime
    payload_sha256: str  # of the COSE_Sign1 payload (the CWT claims bstr) exactly as signed


def payload_sha256(qr_text: str) -> str:
    """SHA-256 (hex) of the signed payload bytes of a document the registry issued."""
    return hashlib.sha256(cose.parse_sign1(codec.decode_text(qr_text)).payload).hexdigest()


def _by_serial(s: Session, serial: str) -> IssuedDocument:
    """The issued document with this serial; NotFound `not_issued` for any other text,
    malformed or wrong check digit included (a verifier must not tell "malformed" from "never
    issued": both mean the registry did not issue it)."""
    row = None
    if valid_serial_check(serial):
        row = s.execute(
            select(IssuedDocument).where(IssuedDocument.serial == serial)
        ).scalar_one_or_none()
    if row is None:
        raise NotFound(
            "the registry issued no document with that serial", code=ErrorCode.NOT_ISSUED
        )
    return row


def document_status(s: Session, serial: str) -> StatusReport:
    row = _by_serial(s, serial)
    kind = DocumentType(row.document_type)
    if row.qr_text is None:  # a row is written with its signed text, in one insert
        raise NotFound(
            "the registry issued no document with that serial", code=ErrorCode.NOT_ISSUED
        )
    digest = payload_sha256(row.qr_text)
    if row.status == DocumentStatusCode.REVOKED:
        return StatusReport(
            serial,
            DocumentState.REVOKED,
            row.revocation_reason,
            row.revoked_at,
            kind,
            row.issued_at,
            digest,
        )
    signer = s.get(Signer, row.signer_kid) if row.signer_kid else None
    if (
        signer is not None
        and signer.status == SignerStatus.REVOKED
        and signer.revoked_at is not None
        and row.issued_at >= signer.revoked_at
    ):
        return StatusReport(
            serial,
            DocumentState.REVOKED,
            "the signing key was compromised",
            signer.revoked_at,
            kind,
            row.issued_at,
            digest,
        )
    if row.superseded_at is not None:  # a correction of the record it was issued from
        return StatusReport(
            serial,
            DocumentState.SUPERSEDED,
            row.superseded_reason or "the record was corrected",
            row.superseded_at,
            kind,
            row.issued_at,
            digest,
        )
    if kind is DocumentType.MARRIAGE_CERTIFICATE and row.marriage_id is not None:
        divorce = Records(s.connection()).divorce_of(row.marriage_id)
        if divorce is not None:
            return StatusReport(
                serial,
                DocumentState.SUPERSEDED,
                f"the marriage ended in divorce (record {divorce.record_number})",
                dt.datetime.combine(divorce.date, dt.time(), dt.UTC),
                kind,
                row.issued_at,
                digest,
            )
    return StatusReport(serial, DocumentState.VALID, None, None, kind, row.issued_at, digest)


def revoke_document(
    s: Session,
    data: DataDir,
    settings: Settings,
    serial: str,
    reason: str,
    now: dt.datetime,
    *,
    by: str = "cli",
) -> keyring.PublishedList:
    """Revoke a document and publish a trust list that lists its serial hash; the audit entry
    names `by`, the staff member who revoked it."""
    if not reason.strip() or len(reason) > 200:
        raise InvalidInput("a revocation needs a reason of 1 to 200 characters")
    row = _by_serial(s, serial)
    if row.status == DocumentStatusCode.REVOKED:
        raise Conflict("the document is revoked already", code=ErrorCode.ALREADY_REVOKED)
    row.status = int(DocumentStatusCode.REVOKED)
    row.revoked_at = now
    row.revocation_reason = reason.strip()
    s.flush()
    audit.append(
        s,
        AuditEvent.DOCUMENT_REVOKED,
        {"by": by, "serial": serial, "reason": reason.strip()},
        now,
    )
    # Publishing can fail (root key kept offline): the whole transaction is then rolled back,
    # so the log says "revoked" only once the new trust list is built.
    published = keyring.publish_trust_list(s, data, settings)
    log.warning("document serial-hash %s revoked", serial_hash(serial).hex())
    return published


def display(issued: Issued) -> list[dict[str, str]]:
    from verifier.presentation import display_fields

    return [
        {"name": f.name, "label_ar": f.label_ar, "label_en": f.label_en, "ar": f.ar, "en": f.en}
        for f in display_fields(issued.document)
    ]
