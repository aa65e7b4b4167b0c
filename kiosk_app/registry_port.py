"""`registry.client.RegistryClient` behind the effect runner's `RegistryPort`.

The session knows a citizen session only by its opaque token and an entitlement by a key;
this adapter keeps the client's `CitizenSession` objects for the tokens it handed out (and
forgets them, logging the citizen out, when the session is wiped), and turns the client's
entitlements into the session's `Entitlement` values. Errors pass through unchanged: they are
`registry.errors` exceptions, which `kiosk_app.effects` translates into events. One exception:
a registry without the preview endpoint (404), or a preview that is not a document claim,
gives no preview (None), and the preview screen shows the choice in words; a refusal of the
preview still passes through, as the same refusal would come at issuing.

What it does not do: retry (the client does, where it is safe), translate messages, or name the
preview's place codes (the runner does, with the trust list it verifies with).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping, Sequence

from kiosk_app import session as ks
from kiosk_app.effects import OrderDocument
from registry.client import CitizenSession, RegistryClient
from registry.client_bookings import BookableService, QueueTicket
from registry.codes import ErrorCode
from registry.errors import (
    Conflict,
    NotFound,
    ProtocolError,
    RegistryError,
    RegistryUnreachable,
    SessionInvalid,
)
from verifier import national_id
from verifier.documents import Document, DocumentType
from verifier.trust_source import FetchError

__all__ = ["ClientRegistry", "heartbeat_fields"]

log = logging.getLogger(__name__)


def heartbeat_fields(state: ks.PrinterState) -> dict[str, object]:
    """The registry's heartbeat vocabulary for one printer state."""
    printer = {
        ks.PrinterState.READY: "online",
        ks.PrinterState.PAPER_NEAR_END: "online",
        ks.PrinterState.OFFLINE: "offline",
        ks.PrinterState.UNKNOWN: "unknown",
    }.get(state, "error")
    paper = {
        ks.PrinterState.READY: "ok",
        ks.PrinterState.PAPER_NEAR_END: "near_end",
        ks.PrinterState.PAPER_OUT: "out",
    }.get(state, "unknown")
    return {"printer": printer, "paper": paper, "cover_open": state is ks.PrinterState.COVER_OPEN}


class ClientRegistry:
    def __init__(self, client: RegistryClient, *, office: str | None = None) -> None:
        self.client = client
        self.office = office  # the office this kiosk stands in: where it books
        self._sessions: dict[str, CitizenSession] = {}
        self._lock = threading.Lock()

    def _session(self, token: str) -> CitizenSession:
        with self._lock:
            found = self._sessions.get(token)
        if found is None:
            raise SessionInvalid("this kiosk holds no such citizen session")
        return found

    def authenticate(self, identifier: str, pin: str, method: ks.IdMethod) -> str:
        if method is ks.IdMethod.CARD and not national_id.is_valid(identifier):
            citizen = self.client.login(pin=pin, card=identifier)
        else:
            citizen = self.client.login(pin=pin, national_id=identifier)
        with self._lock:
            self._sessions[citizen.token] = citizen
        return citizen.token

    def entitlements(self, token: str) -> Sequence[ks.Entitlement]:
        offers = self.client.entitlements(self._session(token))
        return [
            ks.Entitlement(
                key=f"{int(o.document_type)}:{o.subject}",
                document_type=int(o.document_type),
                subject_ar=o.subject_name.ar,
                subject_en=o.subject_name.latin,
                relation=o.relation,
                fee=o.fee_amount,
                currency=o.fee_currency,
                # the registry's answer may name the subject's sex and the currency's decimals
                subject_sex=_sex(getattr(o, "subject_sex", None)),
                minor_units=getattr(o, "fee_minor_units", None),
            )
            for o in offers
        ]

    def preview(self, token: str, entitlement: ks.Entitlement) -> Document | None:
        """The unsigned document as the registry would issue it now (places as codes); None
        when this registry offers no preview."""
        _, _, subject = entitlement.key.partition(":")
        try:
            return self.client.preview(
                self._session(token),
                document_type=DocumentType(entitlement.document_type),
                subject=subject,
            )
        except NotFound:
            log.info("the registry has no preview endpoint; the preview is shown in words")
        except ProtocolError as exc:
            log.warning("the registry's preview cannot be read: %s", exc)
        return None

    def issue(
        self, token: str, entitlement: ks.Entitlement, idempotency_key: str, payment_reference: str
    ) -> tuple[str, str]:
        _, _, subject = entitlement.key.partition(":")
        issued = self.client.issue(
            self._session(token),
            document_type=DocumentType(entitlement.document_type),
            subject=subject,
            payment_reference=payment_reference,
            idempotency_key=idempotency_key,
        )
        return issued.serial, issued.qr_text

    def collect_order(self, order_code: str, pin: str, idempotency_key: str) -> OrderDocument:
        collected = self.client.collect_order(
            order_code=order_code, pin=pin, idempotency_key=idempotency_key
        )
        issued = collected.document
        return OrderDocument(
            serial=issued.serial,
            qr_text=issued.qr_text,
            document_type=int(issued.document_type),
            order_code=collected.order.code,
            replayed=issued.replayed,
        )

    def order_collected(self, order_code: str) -> None:
        self.client.order_collected(order_code)

    def end(self, token: str) -> None:
        with self._lock:
            citizen = self._sessions.pop(token, None)
        if citizen is not None:
            try:
                self.client.logout(citizen)
            except RegistryError as exc:
                log.info("logout failed (%s); the token expires by itself", exc.code.value)

    # -- appointments and the queue ---------------------------------------------------------

    def check_in(self, reference: str) -> ks.Ticket:
        return _ticket(self.client.check_in(reference))

    def walk_in_services(self) -> Sequence[ks.Service]:
        return [_service(s) for s in self.client.walk_in_services()]

    def walk_in(self, service: str) -> ks.Ticket:
        return _ticket(self.client.walk_in(service))

    def booking_services(self) -> Sequence[ks.Service]:
        return [_service(s) for s in self.client.booking_services()]

    def _office(self) -> str:
        if not self.office:
            raise Conflict("this kiosk is not placed in an office", code=ErrorCode.NO_OFFICE_HERE)
        return self.office

    def booking_days(self, token: str, service: str) -> Sequence[ks.BookingDay]:
        days = self.client.booking_days(self._session(token), service, self._office())
        return [ks.BookingDay(d.day, d.hijri.ar, d.hijri.latin, d.has_free) for d in days]

    def booking_times(self, token: str, service: str, day: dt.date) -> Sequence[dt.time]:
        return self.client.booking_times(self._session(token), service, self._office(), day)

    def book(
        self, token: str, service: str, slot: ks.Slot, idempotency_key: str, language: str
    ) -> ks.Booked:
        citizen = self._session(token)
        held = self.client.hold_booking(
            citizen,
            service=service,
            office=self._office(),
            day=slot.day,
            time=slot.time,
            idempotency_key=idempotency_key,
            language=language,
        )
        booked = (
            held if held.state == "booked" else self.client.confirm_booking(citizen, held.reference)
        )
        return ks.Booked(
            reference=booked.reference,
            display_reference=booked.display_reference,
            qr_text=booked.qr_text,
            office_ar=booked.office_name.ar,
            office_latin=booked.office_name.latin,
            service_ar=booked.service_name.ar,
            service_latin=booked.service_name.latin,
            day=booked.day,
            time=booked.time,
        )

    def ping(self) -> str:
        if not self.client.health():
            raise RegistryUnreachable("the registry's health check failed")
        return "registry ok"

    def heartbeat(self, report: Mapping[str, object]) -> None:
        state = report.get("printer_state")
        fields = heartbeat_fields(
            state if isinstance(state, ks.PrinterState) else ks.PrinterState.UNKNOWN
        )
        last_error = report.get("last_error")
        self.client.heartbeat(
            printer=str(fields["printer"]),
            paper=str(fields["paper"]),
            cover_open=bool(fields["cover_open"]),
            app_version=str(report.get("app_version", "")),
            last_error=str(last_error) if last_error else None,
            journal_backlog=int(str(report.get("journal_backlog", 0))),
            failed_jobs=int(str(report.get("failed_jobs", 0))),
        )

    def trust_fetch(self, etag: str | None) -> tuple[bytes | None, str | None]:
        """`verifier.trust_source.TrustSource`'s fetch seam, through the signed client: (the
        list's bytes, or None when the list held under `etag` is still current; its ETag)."""
        try:
            fetched = self.client.trust_list(etag)
        except RegistryError as exc:
            raise FetchError(f"the registry gave no trust list ({exc.code.value})") from exc
        return fetched.data, fetched.etag

    def trust_list(self) -> bytes:
        fetched = self.client.trust_list()
        if fetched.data is None:
            raise ProtocolError("the registry answered 304 to an unconditional request")
        return fetched.data


def _service(s: BookableService) -> ks.Service:
    return ks.Service(s.code, s.name.ar, s.name.latin, s.minutes)


def _ticket(t: QueueTicket) -> ks.Ticket:
    return ks.Ticket(
        label=t.label,
        kind=t.kind,
        late=t.late,
        reprint=t.reprint,
        office_ar=t.office_name.ar,
        office_latin=t.office_name.latin,
        service_ar=t.service_name.ar,
        service_latin=t.service_name.latin,
        ahead=t.ahead,
        expected_wait_minutes=t.expected_wait_minutes,
        issued_at=t.issued_at,
    )


def _sex(value: object) -> str | None:
    text = str(getattr(value, "value", value) or "").lower()
    return {"m": "m", "male": "m", "1": "m", "f": "f", "female": "f", "2": "f"}.get(text)
