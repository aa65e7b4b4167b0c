"""Orders: placed by a citizen on a channel, paid, and fulfilled where they chose.

`place` checks the request exactly as the kiosk's issue would (`issuance.offer_for`: the same
entitlement rules and refusal codes), fixes the fee from the fee table at that moment, and
gives the order a code (`registry.orders.codes`). It is idempotent on (channel, idempotency
key): the same request again is the same order; another request under the same key is a
Conflict. A fee-free document needs no payment: the order is ready (or, for the post, paid) at
once.

`settle` is what a payment's outcome does to its order (`registry.payments` reports it, in the
same transaction): a capture moves an unpaid order on (`states.after_capture`) and queues the
SMS that says so; anything else leaves it unpaid. `fulfil` (`registry.orders.fulfil`) issues
its one document.

Pure rules on a Session the caller opens; no HTTP, no words beyond the SMS values.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry import issuance
from registry.codes import ErrorCode
from registry.config import Settings
from registry.errors import Conflict, InvalidInput, NotFound
from registry.issuance import IDEMPOTENCY_KEY
from registry.models import Office, Order, Person
from registry.orders import codes
from registry.orders.states import Channel, Collection, OrderState, after_capture
from verifier.documents import Bilingual, DocumentType

__all__ = [
    "Address",
    "OrderRequest",
    "OrderView",
    "find",
    "list_for",
    "place",
    "settle_capture",
    "view",
]

log = logging.getLogger(__name__)
_ADDRESS_FIELDS = {"name": 120, "line1": 160, "line2": 160, "city": 80, "postcode": 16}
MAX_ORDERS_LISTED = 50


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    line2: str = ""
    postcode: str = ""

    @classmethod
    def parse(cls, raw: dict[str, Any] | None) -> Address:
        if not isinstance(raw, dict):
            raise InvalidInput("a postal order needs an address (name, line1, city)")
        clean: dict[str, str] = {}
        for name, limit in _ADDRESS_FIELDS.items():
            value = raw.get(name, "")
            if not isinstance(value, str):
                raise InvalidInput(f"address.{name} is text")
            value = " ".join(value.split())
            if len(value) > limit or any(ord(c) < 32 or 0x202A <= ord(c) <= 0x202E for c in value):
                raise InvalidInput(f"address.{name} is at most {limit} plain characters")
            clean[name] = value
        if not (clean["name"] and clean["line1"] and clean["city"]):
            raise InvalidInput("a postal address needs a name, a first line and a city")
        return cls(**clean)

    def as_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "line1": self.line1,
            "line2": self.line2,
            "city": self.city,
            "postcode": self.postcode,
        }


@dataclass(frozen=True)
class OrderRequest:
    document_type: DocumentType
    subject: str
    collection: Collection
    idempotency_key: str
    office: str | None = None
    address: Address | None = None
    language: str = "ar"

    def validate(self) -> None:
        if not IDEMPOTENCY_KEY.fullmatch(self.idempotency_key):
            raise InvalidInput("the idempotency key is 8-64 of A-Z, a-z, 0-9, '_', '-'")
        if not 1 <= len(self.subject) <= 32:
            raise InvalidInput("the subject is a national number or a record number")
        if self.collection is Collection.COUNTER and not self.office:
            raise InvalidInput("an order for a counter names the office")
        if self.collection is Collection.POST and self.address is None:
            raise InvalidInput("a postal order needs an address")
        if self.language not in ("ar", "en"):
            raise InvalidInput("language is ar or en")

    def same_as(self, order: Order) -> bool:
        return (
            order.document_type == int(self.document_type)
            and order.subject_ref == self.subject
            and order.collection == self.collection.value
            and order.office
            == ((self.office or "").upper()[:8] if self.collection is Collection.COUNTER else None)
            and order.language == self.language
            and (json.loads(order.postal_address) if order.postal_address else None)
            == (self.address.as_json() if self.address else None)
        )


@dataclass(frozen=True)
class OrderView:
    """An order as a channel shows it (`as_json` is the API's Order)."""

    id: int
    code: str
    document_type: DocumentType
    subject: str
    subject_name: Bilingual
    relation: str
    collection: Collection
    office: str | None
    office_name: Bilingual | None
    address: dict[str, str] | None
    state: OrderState
    fee_amount: int
    fee_currency: str
    tracking_number: str | None
    serial: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "code_display": codes.display(self.code),
            "qr_text": codes.qr_text(self.code),
            "document_type": self.document_type.slug,
            "subject": self.subject,
            "subject_name": {"ar": self.subject_name.ar, "latin": self.subject_name.latin},
            "relation": self.relation,
            "collection": self.collection.value,
            "office": (
                {
                    "code": self.office,
                    "name": {"ar": self.office_name.ar, "latin": self.office_name.latin},
                }
                if self.office is not None and self.office_name is not None
                else None
            ),
            "address": self.address,
            "state": self.state.value,
            "fee": {"amount": self.fee_amount, "currency": self.fee_currency},
            "tracking_number": self.tracking_number,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


def _office_name(s: Session, code: str | None) -> Bilingual | None:
    if code is None:
        return None
    row = s.get(Office, code)
    return Bilingual(row.name_ar, row.name_latin) if row is not None else None


def view(s: Session, order: Order) -> OrderView:
    name = json.loads(order.subject_name)
    serial = None
    if order.document_id is not None:
        from registry.models import IssuedDocument

        serial = s.get_one(IssuedDocument, order.document_id).serial
    return OrderView(
        id=order.id,
        code=order.code,
        document_type=DocumentType(order.document_type),
        subject=order.subject_ref,
        subject_name=Bilingual(name["ar"], name.get("latin")),
        relation=order.relation,
        collection=Collection(order.collection),
        office=order.office,
        office_name=_office_name(s, order.office),
        address=json.loads(order.postal_address) if order.postal_address else None,
        state=OrderState(order.state),
        fee_amount=order.fee_amount,
        fee_currency=order.fee_currency,
        tracking_number=order.tracking_number,
        serial=serial,
        created_at=order.created_at,
        updated_at=order.updated_at,
    )


def _open_office(s: Session, code: str) -> Office:
    office = s.get(Office, code.upper()[:8])
    if office is None or office.closed_at is not None:
        raise InvalidInput("there is no open office with that code", code=ErrorCode.WRONG_OFFICE)
    return office


def place(
    s: Session,
    settings: Settings,
    *,
    channel: Channel,
    channel_id: str,
    requester_id: int,
    req: OrderRequest,
    now: dt.datetime,
) -> tuple[Order, bool]:
    """The order for this request (placed now, or the one placed before under the same key:
    then True). Refused/NotFound exactly as the kiosk's issue for the same document."""
    req.validate()
    found = s.execute(
        select(Order).where(
            Order.channel_id == channel_id, Order.idempotency_key == req.idempotency_key
        )
    ).scalar_one_or_none()
    if found is not None:
        if found.requester_id != requester_id or not req.same_as(found):
            raise Conflict(
                "this idempotency key was used for a different order",
                code=ErrorCode.IDEMPOTENCY_CONFLICT,
            )
        return found, True
    office = None
    if req.collection is Collection.COUNTER:
        assert req.office is not None  # validate() refuses a counter order without one
        office = _open_office(s, req.office).code
    offer = issuance.offer_for(
        s, requester_id, settings, now.date(), req.document_type, req.subject
    )
    moment = now.replace(microsecond=0)
    free = offer.fee_amount == 0
    order = Order(
        code=codes.new_code(),
        channel=channel.value,
        channel_id=channel_id,
        idempotency_key=req.idempotency_key,
        requester_id=requester_id,
        document_type=int(req.document_type),
        subject_ref=req.subject,
        subject_name=json.dumps(
            {"ar": offer.subject_name.ar, "latin": offer.subject_name.latin}, ensure_ascii=False
        ),
        relation=offer.relation,
        collection=req.collection.value,
        office=office,
        postal_address=(
            json.dumps(req.address.as_json(), ensure_ascii=False) if req.address else None
        ),
        fee_amount=offer.fee_amount,
        fee_currency=offer.fee_currency,
        language=req.language,
        state=(after_capture(req.collection) if free else OrderState.UNPAID).value,
        created_at=moment,
        updated_at=moment,
    )
    try:
        with s.begin_nested():
            s.add(order)
            s.flush()
    except IntegrityError:  # a concurrent twin under the same key committed first
        twin = s.execute(
            select(Order).where(
                Order.channel_id == channel_id, Order.idempotency_key == req.idempotency_key
            )
        ).scalar_one_or_none()
        if twin is None or not req.same_as(twin) or twin.requester_id != requester_id:
            raise Conflict(
                "this idempotency key was used for a different order",
                code=ErrorCode.IDEMPOTENCY_CONFLICT,
            ) from None
        return twin, True
    log.info("order %s placed on %s (%s)", order.id, channel_id, req.document_type.slug)
    return order, False


def find(s: Session, code_text: str, *, lock: bool = False) -> Order:
    """The order with this code: InvalidInput for text that cannot be a code, NotFound."""
    code = codes.parse(code_text)
    if code is None:
        raise InvalidInput(
            "not an order code (nine characters, the last a check character)",
            code=ErrorCode.ORDER_CODE_INVALID,
        )
    q = select(Order).where(Order.code == code)
    order = s.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if order is None:
        raise NotFound("no order has that code", code=ErrorCode.ORDER_NOT_FOUND)
    return order


def find_for(s: Session, requester_id: int, code_text: str, *, lock: bool = False) -> Order:
    """The citizen's own order with this code (another citizen's is NotFound, as unknown)."""
    order = find(s, code_text, lock=lock)
    if order.requester_id != requester_id:
        raise NotFound("no order has that code", code=ErrorCode.ORDER_NOT_FOUND)
    return order


def list_for(s: Session, requester_id: int) -> list[Order]:
    return list(
        s.execute(
            select(Order)
            .where(Order.requester_id == requester_id, Order.channel == Channel.PORTAL.value)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(MAX_ORDERS_LISTED)
        ).scalars()
    )


def phone_of(s: Session, person_id: int) -> str | None:
    return s.execute(select(Person.phone).where(Person.id == person_id)).scalar_one_or_none()


def settle_capture(s: Session, order: Order, now: dt.datetime) -> bool:
    """The order's fee was captured: move it on and queue the SMS that says so (True), or
    nothing when it had moved on already (a duplicate callback, a late poll)."""
    if order.state != OrderState.UNPAID.value:
        return False
    collection = Collection(order.collection)
    order.state = after_capture(collection).value
    order.updated_at = now.replace(microsecond=0)
    from registry.orders import notices

    notices.paid(s, order, now)
    return True
