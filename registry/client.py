"""The kiosk's client for the registry (httpx, synchronous; call it off the UI thread).

    from registry.client import RegistryClient
    from verifier.keys import load_signing_key

    with RegistryClient("https://registry.example", "AMM-001", load_signing_key(path)) as reg:
        session = reg.login(national_id="9941510936", pin="139038")   # or card="PWA729633"
        offers = reg.entitlements(session)                            # list[Entitlement]
        draft = reg.preview(session, document_type=offers[0].document_type,
                            subject=offers[0].subject)     # verifier.documents.Document
        key = new_idempotency_key()                  # once per purchase; reuse it on retry
        doc = reg.issue(session, document_type=offers[0].document_type,
                        subject=offers[0].subject, payment_reference="PAY-123",
                        idempotency_key=key)                          # IssuedDocument
        reg.logout(session)
        reg.heartbeat(printer="online", paper="ok", app_version="1.0")

Methods: `login(*, pin, national_id=None, card=None) -> CitizenSession`,
`logout(session) -> None`, `entitlements(session) -> list[Entitlement]`,
`preview(session, *, document_type, subject) -> verifier.documents.Document` (unsigned, places
as codes: name them with `verifier.documents.resolve_places` and the trust list's table),
`issue(session, *, document_type, subject, payment_reference, idempotency_key=None)
-> IssuedDocument`, `heartbeat(*, printer, paper, app_version, cover_open=False,
last_error=None, journal_backlog=0, failed_jobs=0) -> None`, `fees() -> list[Fee]`,
`document_status(serial, payload_sha256) -> DocumentStatus`,
the portal's `portal_sign_in(*, national_id, pin, language="ar") -> SignInChallenge`,
`portal_verify(challenge, code) -> CitizenSession`, `portal_resend(challenge) -> datetime`,
`offices() -> list[OfficeChoice]`, `place_order(session, *, document_type, subject,
collection, idempotency_key, office=None, address=None, language="ar") -> Order`,
`orders(session)`, `order(session, code)`, `pay_order(session, code, *, msisdn,
idempotency_key) -> Order`, and the kiosk's `collect_order(*, order_code, pin,
idempotency_key=None) -> CollectedOrder` and `order_collected(code) -> Order`,
`trust_list(etag=None) -> TrustListFetch`,
`health() -> bool`.

Every request is signed with the kiosk's Ed25519 key (`registry.signing`, fresh nonce and
timestamp per attempt). Timeouts: 3 s to connect, 10 s overall by default. Retries (`stamina`:
exponential backoff with jitter, `retries` more attempts) only where repeating cannot do harm:
a request that never reached the registry (connection refused or connect timeout) is always
retried; a lost answer or a 503 is retried only for reads, previews, heartbeats, logout and
issuance (the idempotency key makes a repeat return the same document and never charge
twice); never for login (each attempt counts against the PIN).

Errors (all `registry.errors`, root `RegistryError`):
`RegistryUnreachable` (no answer after retries) and its subclass `ServiceUnavailable` (503,
`.retry_after`); `KioskAuthError` (this kiosk is unknown, revoked, or its clock is off: `.code`);
`InvalidCredentials` (`.tries_remaining`, None when unknown); `Throttled` (`.retry_after`
seconds, `.tries_remaining`, `.code` throttled or kiosk_throttled); `Locked`; `SessionInvalid`;
`Refused` (`.code` an `ErrorCode` such as not_parent, `.message`); `Conflict`
(idempotency_conflict, payment_reference_used); `NotFound`; `InvalidInput`; `ProtocolError`.
The client answers codes only; the kiosk's catalogue words them for the citizen.

Imports no SQLAlchemy and no FastAPI.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import stamina

from registry import client_bookings as cb
from registry.codes import ErrorCode
from registry.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    KioskAuthError,
    Locked,
    NotFound,
    ProtocolError,
    Refused,
    RegistryError,
    RegistryUnreachable,
    ServiceUnavailable,
    SessionInvalid,
    Throttled,
)
from registry.signing import sign_request
from verifier import cbor_guard
from verifier.documents import Bilingual, Document, DocumentType, decode_document
from verifier.errors import VerifierError
from verifier.keys import SigningKey
from verifier.presentation import DisplayField

__all__ = [
    "CitizenSession",
    "CollectedOrder",
    "DocumentStatus",
    "Entitlement",
    "Fee",
    "IssuedDocument",
    "OfficeChoice",
    "Order",
    "OrderPayment",
    "RegistryClient",
    "SignInChallenge",
    "TrustListFetch",
    "new_idempotency_key",
]

log = logging.getLogger(__name__)


def new_idempotency_key() -> str:
    """A fresh idempotency key: make one per purchase and reuse it when retrying."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class CitizenSession:
    token: str = field(repr=False)
    expires_at: dt.datetime
    name: Bilingual


@dataclass(frozen=True)
class Entitlement:
    document_type: DocumentType
    title_ar: str
    title_en: str
    subject: str
    subject_name: Bilingual
    relation: str  # self, child, parent, spouse, former_spouse
    fee_amount: int  # in the currency's minor unit
    fee_currency: str
    fee_minor_units: int | None = None  # digits after the decimal point (None: not told)
    subject_sex: str | None = None  # "m" or "f": the person the document names


@dataclass(frozen=True)
class Fee:
    document_type: DocumentType
    title_ar: str
    title_en: str
    amount: int
    currency: str
    minor_units: int | None = None


@dataclass(frozen=True)
class IssuedDocument:
    serial: str
    document_type: DocumentType
    title_ar: str
    title_en: str
    subject: str
    issued_at: dt.datetime
    qr_text: str = field(repr=False)
    fee_amount: int
    fee_currency: str
    payment_reference: str
    signer_kid: str
    replayed: bool
    display_fields: tuple[DisplayField, ...] = field(repr=False)
    document: dict[str, Any] = field(repr=False)
    fee_minor_units: int | None = None


@dataclass(frozen=True)
class DocumentStatus:
    serial: str
    status: str  # valid, revoked, superseded
    reason: str | None
    since: dt.datetime | None
    document_type: str
    issued_at: dt.datetime


@dataclass(frozen=True)
class TrustListFetch:
    data: bytes | None  # None when the server answered 304 Not Modified
    etag: str | None
    sequence: int | None


@dataclass(frozen=True)
class SignInChallenge:
    challenge: str = field(repr=False)
    expires_at: dt.datetime
    phone_hint: str


@dataclass(frozen=True)
class OfficeChoice:
    code: str
    name: Bilingual


@dataclass(frozen=True)
class OrderPayment:
    state: str  # pending, captured, declined, failed, refund_pending, refunded
    problem: str | None  # provider_unreachable, not_confirmed_yet, declined reason
    provider_reference: str | None


@dataclass(frozen=True)
class Order:
    code: str
    code_display: str
    qr_text: str
    document_type: DocumentType
    title: Bilingual
    subject: str
    subject_name: Bilingual
    relation: str
    collection: str  # kiosk, counter, post
    office: OfficeChoice | None
    address: dict[str, str] | None
    state: str  # unpaid, paid, ready, collected, dispatched, delivered, returned, refunded
    fee_amount: int
    fee_currency: str
    fee_minor_units: int | None
    payment: OrderPayment | None
    tracking_number: str | None
    serial: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class CollectedOrder:
    document: IssuedDocument
    order: Order


def _issued(d: dict[str, Any]) -> IssuedDocument:
    try:
        return IssuedDocument(
            serial=d["serial"],
            document_type=DocumentType(d["type_code"]),
            title_ar=d["title"]["ar"],
            title_en=d["title"]["en"],
            subject=d["subject"],
            issued_at=dt.datetime.fromisoformat(d["issued_at"]),
            qr_text=d["qr_text"],
            fee_amount=d["fee"]["amount"],
            fee_currency=d["fee"]["currency"],
            payment_reference=d["payment_reference"],
            signer_kid=d["signer_kid"],
            replayed=d["replayed"],
            display_fields=tuple(DisplayField(**f) for f in d["display_fields"]),
            document=d["document"],
            fee_minor_units=d["fee"].get("minor_units"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError("the registry's answer is not an issued document") from exc


def _order(d: dict[str, Any]) -> Order:
    try:
        office = d.get("office")
        pay = d.get("payment")
        return Order(
            code=d["code"],
            code_display=d["code_display"],
            qr_text=d["qr_text"],
            document_type=DocumentType.from_slug(d["document_type"]),
            title=Bilingual(d["title"]["ar"], d["title"]["en"]),
            subject=d["subject"],
            subject_name=_bi(d["subject_name"]),
            relation=d["relation"],
            collection=d["collection"],
            office=OfficeChoice(office["code"], _bi(office["name"])) if office else None,
            address=d.get("address"),
            state=d["state"],
            fee_amount=d["fee"]["amount"],
            fee_currency=d["fee"]["currency"],
            fee_minor_units=d["fee"].get("minor_units"),
            payment=(
                OrderPayment(pay["state"], pay.get("problem"), pay.get("provider_reference"))
                if pay
                else None
            ),
            tracking_number=d.get("tracking_number"),
            serial=d.get("serial"),
            created_at=dt.datetime.fromisoformat(d["created_at"]),
            updated_at=dt.datetime.fromisoformat(d["updated_at"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError("the registry's answer is not an order") from exc


def _services_of(d: dict[str, Any]) -> list[cb.BookableService]:
    """The walk-in services (their names and minutes; nothing to bring, all walk-in)."""
    try:
        return [
            cb.BookableService(
                r["code"], _bi(r["name"]), int(r["minutes"]), Bilingual("", None), True
            )
            for r in d["services"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError("the registry's answer is not a list of services") from exc


def _ts(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _bi(raw: dict[str, Any]) -> Bilingual:
    return Bilingual(raw["ar"], raw.get("latin"))


class _Again(Exception):
    """This attempt may be repeated without harm (see `RegistryClient._send`)."""

    def __init__(self, cause: Exception, response: httpx.Response | None = None) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause
        self.response = response


class RegistryClient:
    """A signed, retrying, typed client for one kiosk (see the module docstring)."""

    def __init__(
        self,
        base_url: str,
        kiosk_id: str,
        key: SigningKey,
        *,
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        retries: int = 2,
        backoff: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.kiosk_id = kiosk_id
        self._key = key
        self._retries = retries
        self._backoff = backoff
        self._http = httpx.Client(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            headers={"User-Agent": "sanad-kiosk"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the API --------------------------------------------------------------------------

    def login(
        self, *, pin: str, national_id: str | None = None, card: str | None = None
    ) -> CitizenSession:
        """National ID (typed) or card (scanned text), plus the PIN."""
        body: dict[str, Any] = {"pin": pin}
        if national_id is not None:
            body["national_id"] = national_id
        if card is not None:
            body["card"] = card
        data = self._call("POST", "/api/v1/auth/login", body, safe=False)
        return CitizenSession(
            data["token"], dt.datetime.fromisoformat(data["expires_at"]), _bi(data["name"])
        )

    def logout(self, session: CitizenSession) -> None:
        self._call("POST", "/api/v1/auth/logout", {}, token=session.token, safe=True)

    def entitlements(self, session: CitizenSession) -> list[Entitlement]:
        data = self._call("GET", "/api/v1/entitlements", None, token=session.token, safe=True)
        return [
            Entitlement(
                document_type=DocumentType(d["type_code"]),
                title_ar=d["title"]["ar"],
                title_en=d["title"]["en"],
                subject=d["subject"],
                subject_name=_bi(d["subject_name"]),
                relation=d["relation"],
                fee_amount=d["fee"]["amount"],
                fee_currency=d["fee"]["currency"],
                fee_minor_units=d["fee"].get("minor_units"),
                subject_sex=d.get("subject_sex"),
            )
            for d in data["documents"]
        ]

    def preview(
        self, session: CitizenSession, *, document_type: DocumentType | str, subject: str
    ) -> Document:
        """The document `issue` would sign for this subject now, unsigned (nothing is charged
        or recorded); places are codes, as they will be signed. Refusals are those of issue."""
        slug = document_type.slug if isinstance(document_type, DocumentType) else document_type
        body = {"document_type": slug, "subject": subject}
        d = self._call("POST", "/api/v1/documents/preview", body, token=session.token, safe=True)
        try:
            raw = base64.b64decode(d["document_claim"], validate=True)
            document = decode_document(cbor_guard.loads(raw, max_bytes=16384, max_depth=6))
            expected = DocumentType(d["type_code"])
        except (KeyError, TypeError, ValueError, binascii.Error, VerifierError) as exc:
            raise ProtocolError("the registry's preview is not a document claim") from exc
        if not document.known or document.type != expected:
            raise ProtocolError("the registry's preview is not the document asked for")
        return document

    def issue(
        self,
        session: CitizenSession,
        *,
        document_type: DocumentType | str,
        subject: str,
        payment_reference: str,
        idempotency_key: str | None = None,
    ) -> IssuedDocument:
        """Issue (or, with a key used before, get back) a signed document."""
        slug = document_type.slug if isinstance(document_type, DocumentType) else document_type
        body = {
            "document_type": slug,
            "subject": subject,
            "payment_reference": payment_reference,
            "idempotency_key": idempotency_key or new_idempotency_key(),
        }
        d = self._call("POST", "/api/v1/documents", body, token=session.token, safe=True)
        return _issued(d)

    # -- the portal (a channel enrolled with kind "portal") ----------------------------------

    def portal_sign_in(
        self, *, national_id: str, pin: str, language: str = "ar"
    ) -> SignInChallenge:
        """The PIN; a right one sends a one-time code by SMS to the phone on record."""
        body = {"national_id": national_id, "pin": pin, "language": language}
        d = self._call("POST", "/api/v1/portal/sign-in", body, safe=False)
        try:
            return SignInChallenge(
                d["challenge"], dt.datetime.fromisoformat(d["expires_at"]), d["phone_hint"]
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError("the registry's answer is not a sign-in challenge") from exc

    def portal_verify(self, challenge: str, code: str) -> CitizenSession:
        body = {"challenge": challenge, "code": code}
        d = self._call("POST", "/api/v1/portal/sign-in/verify", body, safe=False)
        try:
            return CitizenSession(
                d["token"], dt.datetime.fromisoformat(d["expires_at"]), _bi(d["name"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError("the registry's answer is not a session") from exc

    def portal_resend(self, challenge: str, language: str = "ar") -> dt.datetime:
        body = {"challenge": challenge, "language": language}
        d = self._call("POST", "/api/v1/portal/sign-in/resend", body, safe=False)
        return dt.datetime.fromisoformat(d["expires_at"])

    def offices(self) -> list[OfficeChoice]:
        d = self._call("GET", "/api/v1/offices", None, safe=True)
        try:
            return [OfficeChoice(o["code"], _bi(o["name"])) for o in d["offices"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError("the registry's answer is not a list of offices") from exc

    def place_order(
        self,
        session: CitizenSession,
        *,
        document_type: DocumentType | str,
        subject: str,
        collection: str,
        idempotency_key: str,
        office: str | None = None,
        address: dict[str, str] | None = None,
        language: str = "ar",
    ) -> Order:
        """Place (or, with a key used before, get back) an order; refusals as issue's."""
        slug = document_type.slug if isinstance(document_type, DocumentType) else document_type
        body: dict[str, Any] = {
            "document_type": slug,
            "subject": subject,
            "collection": collection,
            "idempotency_key": idempotency_key,
            "language": language,
        }
        if office is not None:
            body["office"] = office
        if address is not None:
            body["address"] = address
        d = self._call("POST", "/api/v1/orders", body, token=session.token, safe=True)
        return _order(d)

    def orders(self, session: CitizenSession) -> list[Order]:
        d = self._call("GET", "/api/v1/orders", None, token=session.token, safe=True)
        return [_order(o) for o in d["orders"]]

    def order(self, session: CitizenSession, code: str) -> Order:
        path = f"/api/v1/orders/{urllib.parse.quote(code, safe='')}"
        return _order(self._call("GET", path, None, token=session.token, safe=True))

    def pay_order(
        self, session: CitizenSession, code: str, *, msisdn: str, idempotency_key: str
    ) -> Order:
        """Ask the mobile-money provider to collect the fee (the same key: the same request,
        never a second charge). The answer's `payment` says whether it is confirmed yet."""
        path = f"/api/v1/orders/{urllib.parse.quote(code, safe='')}/pay"
        body = {"msisdn": msisdn, "idempotency_key": idempotency_key}
        return _order(self._call("POST", path, body, token=session.token, safe=True))

    # -- appointments (registry.bookings_api) ---------------------------------------------

    def booking_services(self) -> list[cb.BookableService]:
        return cb.parse_services(self._call("GET", "/api/v1/booking-services", None, safe=True))

    def booking_offices(
        self, service: str, governorate: str | None = None
    ) -> list[cb.BookableOffice]:
        query = {"service": service} | ({"governorate": governorate} if governorate else {})
        path = "/api/v1/booking-offices?" + urllib.parse.urlencode(query)
        return cb.parse_offices(self._call("GET", path, None, safe=True))

    def booking_governorates(self, service: str) -> list[cb.Governorate]:
        path = "/api/v1/booking-offices?" + urllib.parse.urlencode({"service": service})
        return cb.parse_governorates(self._call("GET", path, None, safe=True))

    def booking_days(
        self, session: CitizenSession, service: str, office: str
    ) -> list[cb.BookingDay]:
        path = "/api/v1/booking-days?" + urllib.parse.urlencode(
            {"service": service, "office": office}
        )
        return cb.parse_days(self._call("GET", path, None, token=session.token, safe=True))

    def booking_times(
        self, session: CitizenSession, service: str, office: str, day: dt.date
    ) -> list[dt.time]:
        query = {"service": service, "office": office, "day": day.isoformat()}
        path = "/api/v1/booking-times?" + urllib.parse.urlencode(query)
        return cb.parse_times(self._call("GET", path, None, token=session.token, safe=True))

    def hold_booking(
        self,
        session: CitizenSession,
        *,
        service: str,
        office: str,
        day: dt.date,
        time: dt.time,
        idempotency_key: str,
        language: str = "ar",
    ) -> cb.Appointment:
        """Hold a time (the same key: the same hold). A taken time: `Conflict` with code
        slot_taken, and `client_bookings.alternatives(exc)` the free times offered instead."""
        body = {
            "service": service,
            "office": office,
            "day": day.isoformat(),
            "time": time.strftime("%H:%M"),
            "idempotency_key": idempotency_key,
            "language": language,
        }
        d = self._call("POST", "/api/v1/bookings", body, token=session.token, safe=True)
        return cb.parse_appointment(d)

    def _booking_path(self, reference: str, action: str = "") -> str:
        return f"/api/v1/bookings/{urllib.parse.quote(reference, safe='')}" + action

    def confirm_booking(self, session: CitizenSession, reference: str) -> cb.Appointment:
        path = self._booking_path(reference, "/confirm")
        return cb.parse_appointment(self._call("POST", path, {}, token=session.token, safe=True))

    def cancel_booking(self, session: CitizenSession, reference: str) -> cb.Appointment:
        path = self._booking_path(reference, "/cancel")
        return cb.parse_appointment(self._call("POST", path, {}, token=session.token, safe=True))

    def reschedule_booking(
        self, session: CitizenSession, reference: str, *, day: dt.date, time: dt.time
    ) -> cb.Appointment:
        body = {"day": day.isoformat(), "time": time.strftime("%H:%M")}
        path = self._booking_path(reference, "/reschedule")
        return cb.parse_appointment(self._call("POST", path, body, token=session.token, safe=True))

    def bookings(self, session: CitizenSession) -> list[cb.Appointment]:
        d = self._call("GET", "/api/v1/bookings", None, token=session.token, safe=True)
        if not isinstance(d.get("bookings"), list):
            raise ProtocolError("the registry's answer is not a list of appointments")
        return [cb.parse_appointment(b) for b in d["bookings"]]

    def booking(self, session: CitizenSession, reference: str) -> cb.Appointment:
        path = self._booking_path(reference)
        return cb.parse_appointment(self._call("GET", path, None, token=session.token, safe=True))

    def join_waitlist(
        self,
        session: CitizenSession,
        *,
        service: str,
        office: str,
        day: dt.date,
        language: str = "ar",
    ) -> int:
        """Join a full day's waiting list; the answer is the place in it (1: next)."""
        body = {"service": service, "office": office, "day": day.isoformat(), "language": language}
        d = self._call("POST", "/api/v1/waitlist", body, token=session.token, safe=True)
        position = d.get("position")
        if not isinstance(position, int):
            raise ProtocolError("the registry's answer names no place in the waiting list")
        return position

    def booking_link(self, reference: str, token: str) -> cb.Appointment:
        path = (
            f"/api/v1/booking-links/{urllib.parse.quote(reference, safe='')}?"
            + urllib.parse.urlencode({"t": token})
        )
        return cb.parse_appointment(self._call("GET", path, None, safe=True))

    def booking_link_act(self, reference: str, token: str, action: str) -> cb.Appointment:
        """`action` "cancel" or "confirm" through the SMS's signed link."""
        if action not in ("cancel", "confirm"):
            raise ValueError("action must be cancel or confirm")
        path = f"/api/v1/booking-links/{urllib.parse.quote(reference, safe='')}/{action}"
        return cb.parse_appointment(self._call("POST", path, {"t": token}, safe=True))

    # -- the office's kiosk: queue tickets --------------------------------------------------

    def check_in(self, reference: str) -> cb.QueueTicket:
        """Check a booked citizen in (their QR's text or the typed reference): a ticket,
        the same one again when asked twice."""
        d = self._call("POST", "/api/v1/queue/check-in", {"reference": reference}, safe=True)
        return cb.parse_ticket(d)

    def walk_in(self, service: str) -> cb.QueueTicket:
        """A walk-in ticket (not idempotent: an answer lost is not retried)."""
        return cb.parse_ticket(
            self._call("POST", "/api/v1/queue/walk-in", {"service": service}, safe=False)
        )

    def walk_in_services(self) -> list[cb.BookableService]:
        d = self._call("GET", "/api/v1/queue/services", None, safe=True)
        return _services_of(d)

    # -- collecting an order at a kiosk -----------------------------------------------------

    def collect_order(
        self, *, order_code: str, pin: str, idempotency_key: str | None = None
    ) -> CollectedOrder:
        """The order's document (issued now, or the one issued before for it): the PIN is
        that of the citizen who ordered it, and counts against their tries like a login."""
        body = {
            "order_code": order_code,
            "pin": pin,
            "idempotency_key": idempotency_key or new_idempotency_key(),
        }
        d = self._call("POST", "/api/v1/orders/collect", body, safe=False)
        if not isinstance(d.get("order"), dict):
            raise ProtocolError("the registry's answer names no order")
        return CollectedOrder(_issued(d), _order(d["order"]))

    def order_collected(self, code: str) -> Order:
        path = f"/api/v1/orders/{urllib.parse.quote(code, safe='')}/collected"
        return _order(self._call("POST", path, {}, safe=True))

    def heartbeat(
        self,
        *,
        printer: str,
        paper: str,
        app_version: str,
        cover_open: bool = False,
        last_error: str | None = None,
        journal_backlog: int = 0,
        failed_jobs: int = 0,
    ) -> None:
        """printer: online|offline|error|unknown; paper: ok|near_end|out|unknown."""
        body = {
            "printer": printer,
            "paper": paper,
            "cover_open": cover_open,
            "app_version": app_version,
            "last_error": last_error,
            "journal_backlog": journal_backlog,
            "failed_jobs": failed_jobs,
        }
        self._call("POST", "/api/v1/kiosk/heartbeat", body, safe=True)

    def fees(self) -> list[Fee]:
        data = self._call("GET", "/api/v1/fees", None, safe=True)
        return [
            Fee(
                DocumentType(f["type_code"]),
                f["title"]["ar"],
                f["title"]["en"],
                f["fee"]["amount"],
                f["fee"]["currency"],
                f["fee"].get("minor_units"),
            )
            for f in data["fees"]
        ]

    def document_status(self, serial: str, payload_sha256: str) -> DocumentStatus:
        """The registry's word on a document the caller holds (`payload_sha256`: hex SHA-256
        of its signed payload, `verifier.payload.payload_sha256`); NotFound for anything else."""
        quoted = urllib.parse.quote(serial, safe="")
        path = f"/api/v1/documents/{quoted}/status?payload_sha256={payload_sha256}"
        d = self._call("GET", path, None, safe=True)
        return DocumentStatus(
            d["serial"],
            d["status"],
            d["reason"],
            _ts(d["since"]),
            d["document_type"],
            dt.datetime.fromisoformat(d["issued_at"]),
        )

    def trust_list(self, etag: str | None = None) -> TrustListFetch:
        headers = {"If-None-Match": etag} if etag else {}
        response = self._send("GET", "/api/v1/trust-list", None, None, True, headers)
        seq = response.headers.get("X-Sanad-Trust-List-Sequence")
        sequence = int(seq) if seq and seq.isdigit() else None
        if response.status_code == 304:
            return TrustListFetch(None, response.headers.get("ETag"), sequence)
        if response.status_code != 200:
            raise self._error(response)
        return TrustListFetch(response.content, response.headers.get("ETag"), sequence)

    def health(self) -> bool:
        try:
            self._call("GET", "/api/v1/health", None, safe=True)
        except RegistryError:
            return False
        return True

    # -- transport ------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        *,
        token: str | None = None,
        safe: bool,
    ) -> dict[str, Any]:
        response = self._send(method, path, body, token, safe, {})
        if response.status_code not in (200, 201):
            raise self._error(response)
        try:
            data = response.json()
        except ValueError as exc:
            raise ProtocolError(f"{path}: the registry's answer is not JSON") from exc
        if not isinstance(data, dict):
            raise ProtocolError(f"{path}: unexpected answer")
        return data

    def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        token: str | None,
        safe: bool,
        extra: dict[str, str],
    ) -> httpx.Response:
        content = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        try:
            for attempt in stamina.retry_context(
                on=_Again,
                attempts=self._retries + 1,
                timeout=None,
                wait_initial=self._backoff,
                wait_max=2.0,
                wait_jitter=self._backoff / 2,
                wait_exp_base=2,
            ):
                with attempt:
                    return self._send_once(method, path, content, token, safe, extra, attempt.num)
        except _Again as again:
            if again.response is not None:
                return again.response  # the last 503: the caller raises ServiceUnavailable
            raise RegistryUnreachable(
                f"the registry cannot be reached: {type(again.cause).__name__}"
            ) from again.cause
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(
        self,
        method: str,
        path: str,
        content: bytes,
        token: str | None,
        safe: bool,
        extra: dict[str, str],
        attempt: int,
    ) -> httpx.Response:
        """One signed attempt (a fresh nonce and timestamp each time); `_Again` when another
        attempt may be made without harm."""
        request = self._http.build_request(method, path, content=content or None)
        target = request.url.raw_path.decode("ascii")
        request.headers.update(sign_request(self._key, self.kiosk_id, method, target, content))
        if content:
            request.headers["Content-Type"] = "application/json"
        if token:
            request.headers["Authorization"] = f"Bearer {token}"
        request.headers.update(extra)
        try:
            response = self._http.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # never reached the registry: always safe to try again
            log.info("registry unreachable (%s), attempt %d", type(exc).__name__, attempt)
            raise _Again(exc) from exc
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            log.info("registry answer lost (%s), attempt %d", type(exc).__name__, attempt)
            if safe:
                raise _Again(exc) from exc
            raise RegistryUnreachable(f"no answer from the registry: {type(exc).__name__}") from exc
        if response.status_code == 503 and safe:
            raise _Again(self._error(response), response)
        return response

    @staticmethod
    def _error(response: httpx.Response) -> RegistryError:
        status = response.status_code
        try:
            detail = response.json().get("error") or {}
        except (ValueError, AttributeError):
            detail = {}
        if not isinstance(detail, dict):
            detail = {}
        message = str(detail.get("message") or f"HTTP {status}")
        raw_code = str(detail.get("code"))
        code = ErrorCode(raw_code) if raw_code in ErrorCode._value2member_map_ else None
        tries = detail.get("tries_remaining")
        tries = tries if isinstance(tries, int) else None
        retry_after = detail.get("retry_after")
        if not isinstance(retry_after, int | float):
            header = response.headers.get("Retry-After", "1")
            retry_after = float(header) if header.isdigit() else 1.0
        if status == 401:
            if code in (
                ErrorCode.INVALID_CREDENTIALS,
                ErrorCode.CODE_INVALID,
                ErrorCode.CODE_EXPIRED,
            ):
                return InvalidCredentials(message, tries_remaining=tries, code=code)
            if code is ErrorCode.SESSION_INVALID:
                return SessionInvalid(message)
            return KioskAuthError(message, code=code or ErrorCode.SIGNATURE_INVALID)
        if status == 403:
            return Refused(message, code=code or ErrorCode.NOT_ENTITLED)
        if status == 404:
            return NotFound(message, code=code or ErrorCode.NOT_FOUND)
        if status == 409:
            more = {"alternatives": detail["alternatives"]} if "alternatives" in detail else None
            return Conflict(message, code=code or ErrorCode.IDEMPOTENCY_CONFLICT, details=more)
        if status == 423:
            return Locked(message)
        if status == 429:
            return Throttled(
                message,
                retry_after=float(retry_after),
                tries_remaining=tries,
                code=code or ErrorCode.THROTTLED,
            )
        if status in (400, 413, 422):
            return InvalidInput(message, code=code or ErrorCode.INVALID_REQUEST)
        if status == 503:
            return ServiceUnavailable(message, code=code, retry_after=float(retry_after))
        return ProtocolError(f"unexpected answer from the registry: HTTP {status}")
