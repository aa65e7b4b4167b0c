"""The registry's tables as SQLAlchemy 2 typed mapped classes.

Persons carry their birth record (place, office, record number) and the names printed on
their papers; deaths, marriages and divorces are civil events of their own, linked to persons.
Credentials, sessions, kiosks and their nonces, keys, published trust lists, fees, issued
documents and the hash-chained audit log complete the schema.

Times are stored as UTC and always come back timezone-aware (`UTCDateTime`), on SQLite as on
PostgreSQL. National IDs are validated before they reach a row (`registry.validate`); the
columns only hold what passed. This module does no I/O: `registry.db` makes engines and
`registry/migrations` creates the tables.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditEntry",
    "AuditHead",
    "Base",
    "Booking",
    "BookingService",
    "BookingWaitlist",
    "CitizenSession",
    "Correction",
    "Counter",
    "Credential",
    "Death",
    "DeclarationHistory",
    "DeclarationRevision",
    "DeclarationRow",
    "Divorce",
    "DocumentStatusCode",
    "Fee",
    "IssuedDocument",
    "Kiosk",
    "KioskNonce",
    "Marriage",
    "Office",
    "OfficeClosure",
    "OfficeCounter",
    "OfficeHours",
    "PaymentRow",
    "Person",
    "PersonNameBlock",
    "PlaceName",
    "PublishedTrustList",
    "QueueDisplay",
    "QueueTicket",
    "RecordVersion",
    "RootKey",
    "Signer",
    "SlotClaim",
    "SmsMessage",
    "StaffIdentity",
    "StaffMember",
    "StaffSession",
    "StaffSignInAttempt",
    "UTCDateTime",
]

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as naive UTC; read back aware (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("registry times must be timezone-aware")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC)


def latin_name(parts: tuple[str | None, ...]) -> str | None:
    """A four-part name's Latin form, or None when the registry lacks any part of it."""
    if any(p is None for p in parts):
        return None
    return " ".join(p for p in parts if p)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)


class DocumentStatusCode(enum.IntEnum):
    VALID = 1
    REVOKED = 2
    # superseded is not a status code: a document is superseded when `superseded_at` is set
    # (a correction of the record it was issued from) or its marriage ended (issuance)


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    national_id: Mapped[str] = mapped_column(String(10), unique=True)
    card_number: Mapped[str | None] = mapped_column(String(16), unique=True)
    sex: Mapped[int] = mapped_column(SmallInteger)
    given_ar: Mapped[str] = mapped_column(String(40))
    given_latin: Mapped[str | None] = mapped_column(String(40))
    father_given_ar: Mapped[str] = mapped_column(String(40))
    father_given_latin: Mapped[str | None] = mapped_column(String(40))
    grandfather_given_ar: Mapped[str] = mapped_column(String(40))
    grandfather_given_latin: Mapped[str | None] = mapped_column(String(40))
    family_ar: Mapped[str] = mapped_column(String(40))
    family_latin: Mapped[str | None] = mapped_column(String(40))
    # as registered at birth (parents born before the registry have no row of their own)
    father_name_ar: Mapped[str] = mapped_column(String(160))
    father_name_latin: Mapped[str | None] = mapped_column(String(160))
    mother_name_ar: Mapped[str] = mapped_column(String(160))
    mother_name_latin: Mapped[str | None] = mapped_column(String(160))
    father_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    mother_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    place_of_birth_ar: Mapped[str] = mapped_column(String(80))
    place_of_birth_latin: Mapped[str | None] = mapped_column(String(80))
    birth_office_ar: Mapped[str] = mapped_column(String(120))
    birth_office_latin: Mapped[str | None] = mapped_column(String(120))
    birth_record: Mapped[str] = mapped_column(String(32))
    birth_registered_on: Mapped[dt.date] = mapped_column(Date)
    employed: Mapped[bool] = mapped_column(Boolean, default=False)
    # arabic_match.search_key of the four-part Arabic name (filled at write time, see
    # registry.records.name_index_rows)
    name_key: Mapped[str | None] = mapped_column(String(200))
    birth_time: Mapped[dt.time | None] = mapped_column(Time)
    # E.164 (+9627…), validated with phonenumbers at enrolment; SMS goes there
    phone: Mapped[str | None] = mapped_column(String(16))
    # the registrar who registered the birth (None: generated or migrated)
    registered_by: Mapped[int | None] = mapped_column(Integer)

    @property
    def name_ar(self) -> str:
        return " ".join(
            (self.given_ar, self.father_given_ar, self.grandfather_given_ar, self.family_ar)
        )

    @property
    def name_latin(self) -> str | None:
        return latin_name(
            (
                self.given_latin,
                self.father_given_latin,
                self.grandfather_given_latin,
                self.family_latin,
            )
        )


class Death(Base):
    __tablename__ = "deaths"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    date: Mapped[dt.date] = mapped_column(Date)
    place_ar: Mapped[str] = mapped_column(String(80))
    place_latin: Mapped[str | None] = mapped_column(String(80))
    office_ar: Mapped[str] = mapped_column(String(120))
    office_latin: Mapped[str | None] = mapped_column(String(120))
    record_number: Mapped[str] = mapped_column(String(32), unique=True)
    registered_on: Mapped[dt.date] = mapped_column(Date)
    cause_category: Mapped[str | None] = mapped_column(String(32))


class Marriage(Base):
    __tablename__ = "marriages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    husband_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    wife_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    place_ar: Mapped[str] = mapped_column(String(80))
    place_latin: Mapped[str | None] = mapped_column(String(80))
    office_ar: Mapped[str] = mapped_column(String(120))
    office_latin: Mapped[str | None] = mapped_column(String(120))
    record_number: Mapped[str] = mapped_column(String(32), unique=True)
    registered_on: Mapped[dt.date] = mapped_column(Date)
    contract_number: Mapped[str | None] = mapped_column(String(32))


class Divorce(Base):
    __tablename__ = "divorces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    marriage_id: Mapped[int] = mapped_column(ForeignKey("marriages.id"), unique=True)
    date: Mapped[dt.date] = mapped_column(Date)
    place_ar: Mapped[str] = mapped_column(String(80))
    place_latin: Mapped[str | None] = mapped_column(String(80))
    office_ar: Mapped[str] = mapped_column(String(120))
    office_latin: Mapped[str | None] = mapped_column(String(120))
    record_number: Mapped[str] = mapped_column(String(32), unique=True)
    registered_on: Mapped[dt.date] = mapped_column(Date)
    contract_number: Mapped[str | None] = mapped_column(String(32))


class Credential(Base):
    """A citizen's PIN (Argon2id string) and the failure counters that throttle it."""

    __tablename__ = "credentials"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(160))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    locked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # when and by which staff member the PIN was last set (enrolment or reset; None: seeded)
    set_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    set_by: Mapped[int | None] = mapped_column(Integer)


class CitizenSession(Base):
    __tablename__ = "citizen_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class Kiosk(Base):
    __tablename__ = "kiosks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    centre_ar: Mapped[str] = mapped_column(String(120))
    centre_latin: Mapped[str | None] = mapped_column(String(120))
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(200))
    # per-kiosk login failure window
    fail_window_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    fail_window_count: Mapped[int] = mapped_column(Integer, default=0)
    # last heartbeat
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    printer: Mapped[str | None] = mapped_column(String(16))
    paper: Mapped[str | None] = mapped_column(String(16))
    cover_open: Mapped[bool | None] = mapped_column(Boolean)
    app_version: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(String(200))
    journal_backlog: Mapped[int | None] = mapped_column(Integer)
    failed_jobs: Mapped[int | None] = mapped_column(Integer)
    # what kind of channel: a kiosk, or the citizen portal (registry.channels.ChannelKind)
    kind: Mapped[str] = mapped_column(String(8), default="kiosk", server_default="kiosk")
    # the office a kiosk stands in (queue tickets and check-in); None for the portal
    office: Mapped[str | None] = mapped_column(String(8))


class KioskNonce(Base):
    """Nonces seen inside the timestamp window: a second use is a replay."""

    __tablename__ = "kiosk_nonces"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class RootKey(Base):
    __tablename__ = "root_keys"

    kid: Mapped[str] = mapped_column(String(16), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Signer(Base):
    """A document-signer key: its window, the types it may sign, and its status."""

    __tablename__ = "signers"

    kid: Mapped[str] = mapped_column(String(16), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    issuer: Mapped[str] = mapped_column(String(16))
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    document_types: Mapped[str] = mapped_column(String(64))  # "1,2,3"
    status: Mapped[int] = mapped_column(SmallInteger)  # verifier.trust.SignerStatus
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PublishedTrustList(Base):
    __tablename__ = "trust_lists"

    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    next_update: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(80))


class PlaceName(Base):
    """A place, office or service centre with the code documents use for it.

    Codes are published in the trust list's place table; a code is used in a document only
    once a trust list naming it has been published (`published_in`), so a verifier holding the
    current list can always name it. Codes are never reused.
    """

    __tablename__ = "places"
    __table_args__ = (UniqueConstraint("name_ar", "name_latin", name="uq_places_name"),)

    code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[int] = mapped_column(SmallInteger)  # 1 office, 2 service centre, 5 town
    name_ar: Mapped[str] = mapped_column(String(160))
    name_latin: Mapped[str | None] = mapped_column(String(160))
    published_in: Mapped[int | None] = mapped_column(Integer)


class Fee(Base):
    __tablename__ = "fees"

    document_type: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    amount: Mapped[int] = mapped_column(Integer)  # in the currency's minor unit (fils)
    currency: Mapped[str] = mapped_column(String(3))


class IssuedDocument(Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "idempotency_key", name="uq_documents_idempotency"),
        UniqueConstraint("office", "idempotency_key", name="uq_documents_counter_idempotency"),
        Index("ix_documents_marriage", "marriage_id"),
        Index("ix_documents_subject_person_id", "subject_person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str | None] = mapped_column(String(32), unique=True)
    document_type: Mapped[int] = mapped_column(SmallInteger)
    subject_ref: Mapped[str] = mapped_column(String(32))
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    marriage_id: Mapped[int | None] = mapped_column(ForeignKey("marriages.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    # where it was issued: a kiosk, or an office's counter (office and staff_id set instead)
    kiosk_id: Mapped[str | None] = mapped_column(ForeignKey("kiosks.id"))
    office: Mapped[str | None] = mapped_column(String(8))
    staff_id: Mapped[int | None] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    fee_amount: Mapped[int] = mapped_column(Integer)
    fee_currency: Mapped[str] = mapped_column(String(3))
    payment_reference: Mapped[str] = mapped_column(String(64), unique=True)
    signer_kid: Mapped[str | None] = mapped_column(String(16))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    qr_text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int] = mapped_column(SmallInteger, default=DocumentStatusCode.VALID)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(200))
    # a correction of the record it was issued from (registry.corrections)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    superseded_reason: Mapped[str | None] = mapped_column(String(200))


class AuditEntry(Base):
    """One entry of the issuance log; `hash` covers this entry and the previous hash."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's last entry; its row is also the lock that serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class StaffMember(Base):
    """A named office account (issue 13): role, office scope, password and second factor.

    `role` is `registry.office.declarations.Role`'s value; `office` the office code of a clerk
    or registrar (None: every office). The counters are `staff_auth.LoginCounter`'s; a lock
    is lifted only by an administrator (`staff reset`). `demo` accounts may have their
    current TOTP code printed by the CLI (`sanad registry staff totp`); no other may."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name_ar: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    role: Mapped[str] = mapped_column(String(16))
    office: Mapped[str | None] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str] = mapped_column(String(200))  # sealed: staff.SecretSeal
    last_totp_step: Mapped[int | None] = mapped_column(Integer)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    locked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(64))


class StaffSession(Base):
    """A signed-in staff member's server-side session (browser cookie or API bearer token):
    only the SHA-256 of the id is kept, with the key its CSRF tokens are HMACs under."""

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    csrf_key: Mapped[bytes] = mapped_column(LargeBinary(32))


class StaffIdentity(Base):
    """A staff account's identity at a ministry's OpenID provider: the (issuer, subject) pair
    the provider vouches for, linked to one account (`registry.staff_sso`)."""

    __tablename__ = "staff_identities"

    issuer: Mapped[str] = mapped_column(String(300), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class StaffSignInAttempt(Base):
    """A sign-in sent to the identity provider and not yet back: its state, nonce and PKCE
    verifier, under the SHA-256 of the browser's attempt cookie; used once, then deleted."""

    __tablename__ = "staff_sign_in_attempts"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(100))
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class PersonNameBlock(Base):
    """One of a person's `arabic_match.blocking_keys`: a name typed with one part misspelt or
    left out shares one with the record (the office's name search; docs/office.md)."""

    __tablename__ = "person_name_blocks"

    block: Mapped[str] = mapped_column(String(200), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Office(Base):
    """A civil registry office: the code staff and declarations carry (`registry.offices`)."""

    __tablename__ = "offices"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name_ar: Mapped[str] = mapped_column(String(160), unique=True)
    name_latin: Mapped[str | None] = mapped_column(String(160))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # the office's own clock: its days and opening hours are in this zone (registry.bookings)
    timezone: Mapped[str] = mapped_column(
        String(40), default="Asia/Amman", server_default="Asia/Amman"
    )
    governorate: Mapped[str | None] = mapped_column(String(40))


class DeclarationRow(Base):
    """A declaration (`registry.office.declarations.Declaration`) and its current facts.

    `facts` is the canonical JSON of the current revision (every revision is also kept in
    `declaration_revisions`); `authors` and `acknowledged` are JSON lists; `subject` the
    national number the declaration is about when it names one (a death's deceased, a
    birth's mother), for the duplicate and second-death checks; `registered_ref` what the
    registration made (`registry.record_history` reference)."""

    __tablename__ = "declarations"
    __table_args__ = (
        Index("ix_declarations_office_state", "office", "state"),
        Index("ix_declarations_subject", "subject"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # declarations.EventKind
    office: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    state: Mapped[str] = mapped_column(String(16))  # declarations.State
    revision: Mapped[int] = mapped_column(Integer)
    facts: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(32))
    declared_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    authors: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged: Mapped[str] = mapped_column(Text)
    registered_ref: Mapped[str | None] = mapped_column(String(48))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DeclarationRevision(Base):
    """The facts as declared (revision 1) and as each amendment left them: never changed."""

    __tablename__ = "declaration_revisions"

    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    facts: Mapped[str] = mapped_column(Text)
    by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DeclarationHistory(Base):
    """Each step of a declaration (declare, return, amend, register, reject), with who, when
    and the reason given (free text stays here, out of the audit log)."""

    __tablename__ = "declaration_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))  # the state it left the declaration in
    revision: Mapped[int] = mapped_column(Integer)
    by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)


class Correction(Base):
    """A correction to a registered record (`declarations.Correction`): `changes` is a JSON
    object of field → corrected value; `record` a `registry.record_history` reference."""

    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_office_state", "office", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    record: Mapped[str] = mapped_column(String(48), index=True)
    office: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    changes: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(16))  # declarations.CorrectionState
    proposed_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)


class RecordVersion(Base):
    """One version of a registered record: the whole record as canonical JSON, with who
    wrote it, when and why (`registry.record_history`). Records are never overwritten without
    one: version 1 is the registration (or, for generated rows, written before the first
    correction), each approved correction adds the next."""

    __tablename__ = "record_versions"
    __table_args__ = (
        UniqueConstraint("record", "version", name="uq_record_versions_record_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record: Mapped[str] = mapped_column(String(48))
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id"))
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("corrections.id"))


class Counter(Base):
    """A named counter (`registry.counters`): record numbers per office, kind and year,
    declaration and correction numbers, national numbers per sex and year."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


# --- orders and online sign-in (registry.orders, registry.portal_sign_in) ---


class Order(Base):
    """One citizen's request for one document, from any channel, and where it is collected.

    A kiosk's purchase is an order collected on the spot; a portal order waits for its payment
    and then for its collection (a kiosk, an office's counter, the post). `document_id` is the
    one document issued for it (unique: never two for one order)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("channel_id", "idempotency_key", name="uq_orders_idempotency"),
        Index("ix_orders_requester", "requester_id", "created_at"),
        Index("ix_orders_state", "collection", "state", "office"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    channel: Mapped[str] = mapped_column(String(8))  # kiosk | counter | portal
    channel_id: Mapped[str] = mapped_column(String(64))  # the kiosk/portal id, or COUNTER-<office>
    idempotency_key: Mapped[str] = mapped_column(String(64))
    requester_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    document_type: Mapped[int] = mapped_column(SmallInteger)
    subject_ref: Mapped[str] = mapped_column(String(32))
    subject_name: Mapped[str] = mapped_column(Text)  # JSON {"ar", "latin"}, as ordered
    relation: Mapped[str] = mapped_column(String(16))  # self, child, parent, spouse, ...
    collection: Mapped[str] = mapped_column(String(8))  # kiosk | counter | post
    office: Mapped[str | None] = mapped_column(String(8))  # the counter's office (collection)
    postal_address: Mapped[str | None] = mapped_column(Text)  # JSON, for the post
    fee_amount: Mapped[int] = mapped_column(Integer)
    fee_currency: Mapped[str] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(2), default="ar")  # of the SMS it sends
    state: Mapped[str] = mapped_column(String(12))  # registry.orders.states.OrderState
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), unique=True)
    collected_by: Mapped[str | None] = mapped_column(String(64))  # the kiosk, or the office
    tracking_number: Mapped[str | None] = mapped_column(String(40))
    postal_batch: Mapped[str | None] = mapped_column(String(16))  # the day's batch, YYYY-MM-DD
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SignInChallenge(Base):
    """A portal sign-in between the PIN and the one-time code sent by SMS."""

    __tablename__ = "sign_in_challenges"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    channel_id: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    sends: Mapped[int] = mapped_column(Integer, default=1)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# --- SMS (registry.sms) ---


class SmsMessage(Base):
    """One SMS in the outbox (`registry.sms.outbox`): written in the transaction of the event
    that causes it, claimed by a worker under a lease, marked sent only after the SMSC's
    submit_sm_resp, then delivered or undeliverable from the delivery receipt."""

    __tablename__ = "sms_outbox"
    __table_args__ = (
        Index("ix_sms_outbox_state_not_before", "state", "not_before"),
        Index("ix_sms_outbox_to_sent_at", "to", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    to: Mapped[str] = mapped_column(String(16))  # E.164
    template: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(2))
    body: Mapped[str] = mapped_column(Text)
    segments: Mapped[int] = mapped_column(SmallInteger)
    urgent: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(16))  # outbox.State
    attempts: Mapped[int] = mapped_column(Integer)
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    smsc_message_id: Mapped[str | None] = mapped_column(String(65), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    receipt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# --- payments ledger (registry.payments) ---


class PaymentRow(Base):
    """One fee in the ledger, from any channel (`registry.payments.ledger`): a kiosk or counter
    fee recorded as paid on the spot, or a mobile-money request-to-pay followed until the
    provider settles it. `state` is a `registry.payments.states.State`; `amount` is in the
    currency's minor units. `idempotency_key` is what the provider saw as the request's
    reference id (so a retry never charges twice); the refund has its own. `msisdn` is the
    payer's number (E.164) and never goes to a log. `order_id` refers to the orders table
    (migration 0010), deliberately without a foreign key until that table exists."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_state_polled", "state", "last_polled_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(Integer, index=True)
    channel: Mapped[str] = mapped_column(String(8))  # kiosk | counter | portal
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    provider: Mapped[str] = mapped_column(String(40))
    provider_reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    msisdn: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    problem: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    captured_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    refunded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_polled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    callbacks_seen: Mapped[int] = mapped_column(Integer, default=0)
    refund_idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    refund_reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    refund_reason: Mapped[str | None] = mapped_column(String(200))


# -- audit transparency (issue 16, registry.transparency) -------------------------------------


class AuditCheckpoint(Base):
    """A signed checkpoint of the audit log's Merkle tree (a C2SP signed note)."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tree_size: Mapped[int] = mapped_column(Integer)
    root_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# --- data exchange: agencies and their client certificates (registry.exchange) ---


class Agency(Base):
    """A ministry or agency that may query the registry over mutual TLS. `bases` is JSON:
    {legal_basis: [query, ...]}, the queries each legal basis allows (registry.exchange)."""

    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_ar: Mapped[str] = mapped_column(String(160))
    name_latin: Mapped[str] = mapped_column(String(160))
    contact: Mapped[str] = mapped_column(String(200))
    bases: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    per_minute: Mapped[int] = mapped_column(Integer, default=60)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AgencyCertificate(Base):
    """A client certificate the agency CA issued (serial in hex, SHA-256 fingerprint)."""

    __tablename__ = "agency_certificates"

    serial: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# --- appointments and the office's queue (registry.bookings) ---


class BookingService(Base):
    """A service booked at an office's counter: how long it takes, what to bring."""

    __tablename__ = "booking_services"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_ar: Mapped[str] = mapped_column(String(160))
    name_latin: Mapped[str] = mapped_column(String(160))
    minutes: Mapped[int] = mapped_column(Integer)  # a multiple of 15
    bring_ar: Mapped[str] = mapped_column(Text)
    bring_latin: Mapped[str] = mapped_column(Text)
    walk_in: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class OfficeCounter(Base):
    """A counter of an office and the services it serves (JSON list of service codes)."""

    __tablename__ = "office_counters"

    office: Mapped[str] = mapped_column(ForeignKey("offices.code"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    services: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class OfficeHours(Base):
    """Opening hours for one weekday (0 = Monday), in the office's zone; no row: closed."""

    __tablename__ = "office_hours"

    office: Mapped[str] = mapped_column(ForeignKey("offices.code"), primary_key=True)
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    opens: Mapped[dt.time] = mapped_column(Time)
    closes: Mapped[dt.time] = mapped_column(Time)


class OfficeClosure(Base):
    """A day an office does not receive the public (besides public holidays)."""

    __tablename__ = "office_closures"

    office: Mapped[str] = mapped_column(ForeignKey("offices.code"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    closed_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Booking(Base):
    """An appointment: a hold while the citizen confirms, then a booking until it is served,
    missed or cancelled. The counter's time is held by `slot_claims`, not by this row."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("channel_id", "idempotency_key", name="uq_bookings_idempotency"),
        Index("ix_bookings_person", "person_id", "state"),
        Index("ix_bookings_office_start", "office", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    office: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    counter: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(ForeignKey("booking_services.code"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12))  # registry.bookings.states.BookingState
    hold_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    channel_id: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2), default="ar")
    from_waitlist: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_reason: Mapped[str | None] = mapped_column(String(24))
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SlotClaim(Base):
    """One 15-minute unit of one counter, held by one live booking: the primary key is the
    database's guarantee that no two bookings hold the same counter at the same time. A
    hold's claims carry `expires_at`; once it has passed, the next booking deletes them."""

    __tablename__ = "slot_claims"
    __table_args__ = (Index("ix_slot_claims_office_unit", "office", "unit"),)

    office: Mapped[str] = mapped_column(String(8), primary_key=True)
    counter: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class BookingWaitlist(Base):
    """A citizen waiting for a freed slot at an office on a day, first come first served."""

    __tablename__ = "booking_waitlist"
    __table_args__ = (Index("ix_booking_waitlist_day", "office", "service", "day", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    office: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    service: Mapped[str] = mapped_column(ForeignKey("booking_services.code"))
    day: Mapped[dt.date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(2), default="ar")
    state: Mapped[str] = mapped_column(String(12))  # waiting | offered | done | cancelled
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class QueueTicket(Base):
    """A ticket in an office's queue for one day: a checked-in booking or a walk-in."""

    __tablename__ = "queue_tickets"
    __table_args__ = (
        UniqueConstraint("office", "day", "label", name="uq_queue_tickets_label"),
        Index("ix_queue_tickets_office_day_state", "office", "day", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    day: Mapped[dt.date] = mapped_column(Date)  # the office's local day
    label: Mapped[str] = mapped_column(String(8))  # B-007 booked, W-012 walk-in
    kind: Mapped[str] = mapped_column(String(8))  # booked | walk_in
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), unique=True)
    service: Mapped[str] = mapped_column(ForeignKey("booking_services.code"))
    state: Mapped[str] = mapped_column(String(10))  # waiting | called | served | no_show
    priority_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    called_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # the first call
    # the last "call again": the board shows the ticket anew; the wait still ends at called_at
    recalled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    counter: Mapped[int | None] = mapped_column(Integer)
    called_by: Mapped[str | None] = mapped_column(String(64))
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    kiosk_id: Mapped[str | None] = mapped_column(String(64))


class QueueDisplay(Base):
    """The key of an office's waiting-room display (a TV that holds no staff session): only
    its SHA-256 is kept; a supervisor makes a new one, which retires the old."""

    __tablename__ = "queue_displays"

    office: Mapped[str] = mapped_column(ForeignKey("offices.code"), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
