"""Every call the portal makes to the registry, in one place: `RegistryPort`.

The portal is an enrolled channel: each request goes through `registry.client.RegistryClient`,
signed with the portal's own Ed25519 key, exactly as a kiosk's. This module is the one seam
between the pages and that client: the pages see the client's frozen views (`Order`,
`SignInChallenge`, `OfficeChoice`), never JSON, never httpx. Errors are the client's
(`registry.errors`), raised unchanged: the pages word them (`portal.words`).

What it does not do: decide anything (the registry does), keep state, or retry (the client's
policy: reads and idempotent writes are retried, sign-in never, as each try counts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from registry.client import (
    CitizenSession,
    Entitlement,
    OfficeChoice,
    Order,
    OrderPayment,
    RegistryClient,
    SignInChallenge,
)
from registry.client_bookings import Appointment, BookableOffice, BookableService, BookingDay

__all__ = [
    "COLLECTIONS",
    "ORDER_STATES",
    "Address",
    "Appointment",
    "BookableOffice",
    "BookableService",
    "BookingDay",
    "ClientPort",
    "OfficeChoice",
    "Order",
    "OrderPayment",
    "RegistryPort",
    "SignInChallenge",
]

COLLECTIONS = ("kiosk", "counter", "post")
ORDER_STATES = (
    "unpaid",
    "paid",
    "ready",
    "collected",
    "dispatched",
    "delivered",
    "returned",
    "refunded",
    "cancelled",
)


@dataclass(frozen=True)
class Address:
    """A postal address as the form gives it (checked by `portal.forms.address`)."""

    name: str
    line1: str
    city: str
    line2: str = ""
    postcode: str = ""

    def as_json(self) -> dict[str, str]:
        out = {"name": self.name, "line1": self.line1, "city": self.city}
        if self.line2:
            out["line2"] = self.line2
        if self.postcode:
            out["postcode"] = self.postcode
        return out


class RegistryPort(Protocol):
    """What the portal asks of the registry (docs/portal.md lists the routes)."""

    def sign_in(self, *, national_id: str, pin: str, language: str) -> SignInChallenge: ...
    def verify(self, challenge: str, code: str) -> CitizenSession: ...
    def resend(self, challenge: str, *, language: str) -> dt.datetime: ...
    def logout(self, session: CitizenSession) -> None: ...
    def entitlements(self, session: CitizenSession) -> list[Entitlement]: ...
    def offices(self) -> list[OfficeChoice]: ...
    def place_order(
        self,
        session: CitizenSession,
        *,
        document_type: str,
        subject: str,
        collection: str,
        office: str | None,
        address: Address | None,
        idempotency_key: str,
        language: str,
    ) -> Order: ...
    def orders(self, session: CitizenSession) -> list[Order]: ...
    def order(self, session: CitizenSession, code: str) -> Order: ...
    def pay(
        self, session: CitizenSession, code: str, *, msisdn: str, idempotency_key: str
    ) -> Order: ...
    def booking_services(self) -> list[BookableService]: ...
    def booking_offices(self, service: str, governorate: str | None) -> list[BookableOffice]: ...
    def booking_days(
        self, session: CitizenSession, service: str, office: str
    ) -> list[BookingDay]: ...
    def booking_times(
        self, session: CitizenSession, service: str, office: str, day: dt.date
    ) -> list[dt.time]: ...
    def hold_booking(
        self,
        session: CitizenSession,
        *,
        service: str,
        office: str,
        day: dt.date,
        time: dt.time,
        idempotency_key: str,
        language: str,
    ) -> Appointment: ...
    def confirm_booking(self, session: CitizenSession, reference: str) -> Appointment: ...
    def cancel_booking(self, session: CitizenSession, reference: str) -> Appointment: ...
    def reschedule_booking(
        self, session: CitizenSession, reference: str, *, day: dt.date, time: dt.time
    ) -> Appointment: ...
    def bookings(self, session: CitizenSession) -> list[Appointment]: ...
    def booking(self, session: CitizenSession, reference: str) -> Appointment: ...
    def join_waitlist(
        self, session: CitizenSession, *, service: str, office: str, day: dt.date, language: str
    ) -> int: ...
    def booking_link(self, reference: str, token: str) -> Appointment: ...
    def booking_link_act(self, reference: str, token: str, action: str) -> Appointment: ...
    def health(self) -> bool: ...
    def close(self) -> None: ...


class ClientPort:
    """`RegistryPort` over a `RegistryClient` (the portal's channel id and key)."""

    def __init__(self, client: RegistryClient) -> None:
        self.client = client

    def sign_in(self, *, national_id: str, pin: str, language: str) -> SignInChallenge:
        # language: the SMS's (the code reaches the citizen in the page's language)
        return self.client.portal_sign_in(national_id=national_id, pin=pin, language=language)

    def verify(self, challenge: str, code: str) -> CitizenSession:
        return self.client.portal_verify(challenge, code)

    def resend(self, challenge: str, *, language: str) -> dt.datetime:
        return self.client.portal_resend(challenge, language)

    def logout(self, session: CitizenSession) -> None:
        self.client.logout(session)

    def entitlements(self, session: CitizenSession) -> list[Entitlement]:
        return self.client.entitlements(session)

    def offices(self) -> list[OfficeChoice]:
        return self.client.offices()

    def place_order(
        self,
        session: CitizenSession,
        *,
        document_type: str,
        subject: str,
        collection: str,
        office: str | None,
        address: Address | None,
        idempotency_key: str,
        language: str,
    ) -> Order:
        # retried safely: the idempotency key makes a repeat return the same order
        return self.client.place_order(
            session,
            document_type=document_type,
            subject=subject,
            collection=collection,
            idempotency_key=idempotency_key,
            office=office,
            address=address.as_json() if address is not None else None,
            language=language,
        )

    def orders(self, session: CitizenSession) -> list[Order]:
        return self.client.orders(session)

    def order(self, session: CitizenSession, code: str) -> Order:
        return self.client.order(session, code)

    def pay(
        self, session: CitizenSession, code: str, *, msisdn: str, idempotency_key: str
    ) -> Order:
        return self.client.pay_order(session, code, msisdn=msisdn, idempotency_key=idempotency_key)

    # -- appointments (docs/appointments.md) ------------------------------------------------

    def booking_services(self) -> list[BookableService]:
        return self.client.booking_services()

    def booking_offices(self, service: str, governorate: str | None) -> list[BookableOffice]:
        return self.client.booking_offices(service, governorate)

    def booking_days(self, session: CitizenSession, service: str, office: str) -> list[BookingDay]:
        return self.client.booking_days(session, service, office)

    def booking_times(
        self, session: CitizenSession, service: str, office: str, day: dt.date
    ) -> list[dt.time]:
        return self.client.booking_times(session, service, office, day)

    def hold_booking(
        self,
        session: CitizenSession,
        *,
        service: str,
        office: str,
        day: dt.date,
        time: dt.time,
        idempotency_key: str,
        language: str,
    ) -> Appointment:
        # retried safely: the same key from this channel is the same hold
        return self.client.hold_booking(
            session,
            service=service,
            office=office,
            day=day,
            time=time,
            idempotency_key=idempotency_key,
            language=language,
        )

    def confirm_booking(self, session: CitizenSession, reference: str) -> Appointment:
        return self.client.confirm_booking(session, reference)

    def cancel_booking(self, session: CitizenSession, reference: str) -> Appointment:
        return self.client.cancel_booking(session, reference)

    def reschedule_booking(
        self, session: CitizenSession, reference: str, *, day: dt.date, time: dt.time
    ) -> Appointment:
        return self.client.reschedule_booking(session, reference, day=day, time=time)

    def bookings(self, session: CitizenSession) -> list[Appointment]:
        return self.client.bookings(session)

    def booking(self, session: CitizenSession, reference: str) -> Appointment:
        return self.client.booking(session, reference)

    def join_waitlist(
        self, session: CitizenSession, *, service: str, office: str, day: dt.date, language: str
    ) -> int:
        return self.client.join_waitlist(
            session, service=service, office=office, day=day, language=language
        )

    def booking_link(self, reference: str, token: str) -> Appointment:
        return self.client.booking_link(reference, token)

    def booking_link_act(self, reference: str, token: str, action: str) -> Appointment:
        return self.client.booking_link_act(reference, token, action)

    def health(self) -> bool:
        return self.client.health()

    def close(self) -> None:
        self.client.close()
