"""Every call the portal makes to the registry, in one place: `RegistryPort`.

The portal is an enrolled channel: each request goes through `registry.client.RegistryClient`,
signed with the portal's own Ed25519 key, exactly as a kiosk's. This module is the one seam
between the pages and that client: the pages see the small frozen views below, never JSON,
never httpx. Errors are the client's (`registry.errors`), raised unchanged: the pages word
them (`portal.words`).

What it does not do: decide anything (the registry does), keep state, or retry (the client's
policy: reads and idempotent writes are retried, sign-in never, as each try counts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from registry.client import CitizenSession, Entitlement, RegistryClient
from registry.errors import ProtocolError
from verifier.documents import Bilingual

__all__ = [
    "COLLECTIONS",
    "ORDER_STATES",
    "Address",
    "Challenge",
    "ClientPort",
    "OfficeChoice",
    "Order",
    "Payment",
    "RegistryPort",
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
class Challenge:
    """A sign-in waiting for its SMS code."""

    challenge: str
    expires_at: dt.datetime
    phone_hint: str


@dataclass(frozen=True)
class OfficeChoice:
    code: str
    name: Bilingual


@dataclass(frozen=True)
class Address:
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


@dataclass(frozen=True)
class Payment:
    state: str  # pending, captured, declined, failed, refunded
    problem: str | None = None  # provider_unreachable, not_confirmed_yet
    provider_reference: str | None = None


@dataclass(frozen=True)
class Order:
    code: str
    code_display: str
    document_type: str
    document_name: Bilingual
    subject: str
    subject_name: Bilingual
    collection: str
    state: str
    fee_amount: int
    fee_currency: str
    fee_display: str
    created_at: dt.datetime
    updated_at: dt.datetime
    office: OfficeChoice | None = None
    payment: Payment | None = None
    tracking_number: str | None = None
    qr_text: str = ""  # what the order's QR holds (the registry's prefix and the code)
    relation: str = ""  # the subject to the requester: self, child, parent...


class RegistryPort(Protocol):
    """What the portal asks of the registry (docs/portal.md lists the routes)."""

    def sign_in(self, *, national_id: str, pin: str, language: str) -> Challenge: ...
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
    def health(self) -> bool: ...
    def close(self) -> None: ...


def _bi(raw: Any) -> Bilingual:
    return Bilingual(str(raw["ar"]), raw.get("latin") or raw.get("en"))


def _ts(text: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(str(text))


def order_of(d: dict[str, Any]) -> Order:
    """An Order JSON object (the spec's shape) as the portal's view."""
    try:
        office = d.get("office")
        payment = d.get("payment")
        return Order(
            code=str(d["code"]),
            code_display=str(d.get("code_display") or d["code"]),
            document_type=str(d["document_type"]),
            document_name=_bi(d.get("document_name") or d["title"]),
            subject=str(d["subject"]),
            subject_name=_bi(d["subject_name"]),
            collection=str(d["collection"]),
            state=str(d["state"]),
            fee_amount=int(d["fee"]["amount"]),
            fee_currency=str(d["fee"]["currency"]),
            fee_display=str(d["fee"].get("display") or ""),
            created_at=_ts(d["created_at"]),
            updated_at=_ts(d["updated_at"]),
            office=OfficeChoice(str(office["code"]), _bi(office["name"])) if office else None,
            payment=Payment(
                str(payment["state"]), payment.get("problem"), payment.get("provider_reference")
            )
            if payment
            else None,
            tracking_number=d.get("tracking_number"),
            qr_text=str(d.get("qr_text") or d["code"]),
            relation=str(d.get("relation") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError("the registry's order is not in the expected shape") from exc


class ClientPort:
    """`RegistryPort` over a `RegistryClient` (the portal's channel id and key)."""

    def __init__(self, client: RegistryClient) -> None:
        self.client = client

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None, *, token: str | None, safe: bool
    ) -> dict[str, Any]:
        # the client's signed, typed transport (its errors are the registry's own classes)
        return self.client._call(method, path, body, token=token, safe=safe)

    def sign_in(self, *, national_id: str, pin: str, language: str) -> Challenge:
        # language: the SMS's (the code reaches the citizen in the page's language)
        body = {"national_id": national_id, "pin": pin, "language": language}
        d = self._call("POST", "/api/v1/portal/sign-in", body, token=None, safe=False)
        return Challenge(str(d["challenge"]), _ts(d["expires_at"]), str(d.get("phone_hint", "")))

    def verify(self, challenge: str, code: str) -> CitizenSession:
        body = {"challenge": challenge, "code": code}
        d = self._call("POST", "/api/v1/portal/sign-in/verify", body, token=None, safe=False)
        return CitizenSession(str(d["token"]), _ts(d["expires_at"]), _bi(d["name"]))

    def resend(self, challenge: str, *, language: str) -> dt.datetime:
        body = {"challenge": challenge, "language": language}
        d = self._call("POST", "/api/v1/portal/sign-in/resend", body, token=None, safe=False)
        return _ts(d["expires_at"])

    def logout(self, session: CitizenSession) -> None:
        self.client.logout(session)

    def entitlements(self, session: CitizenSession) -> list[Entitlement]:
        return self.client.entitlements(session)

    def offices(self) -> list[OfficeChoice]:
        d = self._call("GET", "/api/v1/offices", None, token=None, safe=True)
        return [OfficeChoice(str(o["code"]), _bi(o["name"])) for o in d["offices"]]

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
        body: dict[str, Any] = {
            "document_type": document_type,
            "subject": subject,
            "collection": collection,
            "idempotency_key": idempotency_key,
            "language": language,
        }
        if office is not None:
            body["office"] = office
        if address is not None:
            body["address"] = address.as_json()
        # safe: the idempotency key makes a repeat return the same order
        return order_of(self._call("POST", "/api/v1/orders", body, token=session.token, safe=True))

    def orders(self, session: CitizenSession) -> list[Order]:
        d = self._call("GET", "/api/v1/orders", None, token=session.token, safe=True)
        return [order_of(o) for o in d["orders"]]

    def order(self, session: CitizenSession, code: str) -> Order:
        path = f"/api/v1/orders/{code}"
        return order_of(self._call("GET", path, None, token=session.token, safe=True))

    def pay(
        self, session: CitizenSession, code: str, *, msisdn: str, idempotency_key: str
    ) -> Order:
        body = {"msisdn": msisdn, "idempotency_key": idempotency_key}
        path = f"/api/v1/orders/{code}/pay"
        return order_of(self._call("POST", path, body, token=session.token, safe=True))

    def health(self) -> bool:
        return self.client.health()

    def close(self) -> None:
        self.client.close()
