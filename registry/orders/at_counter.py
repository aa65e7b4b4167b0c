"""Orders collected at an office's counter: the list a clerk sees, and printing one.

`waiting` is the office's list: orders for its counter, paid (state `ready`), newest first,
with the document and the name of the citizen who ordered it (the one who comes for it).

`print_order` is what the clerk's "print" does, in the caller's transaction: the staff member
must be allowed to print at their office's counter (`registry.counter.at_office`: clerks and
registrars of that office); the code is parsed (`codes.parse`: a typo is caught before any
lookup) and its order locked; it must be for this office's counter and paid. Its one
document comes from `fulfil.issue_for_order` (never a second issuing path) with the clerk in
`IssuedAt` (so the `document_issued` audit entry names them), `COUNTER-<office>` as the
channel and the office's name as the issuing centre; the order becomes `collected` by the
office in the same transaction, with an `order_collected` audit entry naming the clerk. The
same code again (the printer jammed, the PDF was lost) gives the same document
(`replayed=True`), at this office only: never a second document for one order.

Refusals are `registry.errors` with an `ErrorCode`, worded by the office app:
`order_code_invalid`, `order_not_found`, `order_elsewhere` (a kiosk's, the post's, or another
office's order), `order_not_ready` (unpaid, refunded, cancelled), `order_collected` (collected
elsewhere), `not_permitted` / `wrong_office` (the staff member's role or office).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import audit, counter, keyring
from registry.audit import AuditEvent
from registry.codes import ErrorCode
from registry.config import Settings
from registry.errors import Conflict
from registry.issuance import Issued, IssuedAt
from registry.models import Order, Person
from registry.orders import fulfil, store
from registry.orders.states import Collection, OrderState
from registry.places import PlaceBook
from registry.staff import StaffView
from verifier.documents import Bilingual, DocumentType

__all__ = ["MAX_LISTED", "Printed", "WaitingOrder", "print_order", "waiting"]

log = logging.getLogger(__name__)
MAX_LISTED = 200


@dataclass(frozen=True)
class WaitingOrder:
    code: str
    document_type: DocumentType
    subject_name: Bilingual  # the person the document names
    requester_name: Bilingual  # the citizen who ordered it, who comes for it
    created_at: dt.datetime


@dataclass(frozen=True)
class Printed:
    order_code: str
    office: str
    issued: Issued  # `replayed` True: the same document printed again


def waiting(s: Session, office: str, *, limit: int = MAX_LISTED) -> list[WaitingOrder]:
    """The orders paid for collection at this office's counter, newest first."""
    rows = s.execute(
        select(Order, Person)
        .join(Person, Person.id == Order.requester_id)
        .where(
            Order.collection == Collection.COUNTER.value,
            Order.state == OrderState.READY.value,
            Order.office == office,
        )
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    ).all()
    out = []
    for order, person in rows:
        subject = json.loads(order.subject_name)
        out.append(
            WaitingOrder(
                code=order.code,
                document_type=DocumentType(order.document_type),
                subject_name=Bilingual(subject["ar"], subject.get("latin")),
                requester_name=Bilingual(person.name_ar, person.name_latin),
                created_at=order.created_at,
            )
        )
    return out


def _check(order: Order, office: str) -> None:
    if order.collection != Collection.COUNTER.value or order.office != office:
        raise Conflict(
            "this order is collected elsewhere (a kiosk, the post or another office)",
            code=ErrorCode.ORDER_ELSEWHERE,
        )
    if order.state == OrderState.COLLECTED.value:
        if order.collected_by != office or order.document_id is None:
            raise Conflict("this order was collected already", code=ErrorCode.ORDER_COLLECTED)
        return  # printed here before: the same document again
    if order.state != OrderState.READY.value:
        raise Conflict(
            f"this order cannot be printed ({order.state})", code=ErrorCode.ORDER_NOT_READY
        )


def print_order(
    s: Session,
    keys: keyring.KeyCache,
    book: PlaceBook,
    settings: Settings,
    staff: StaffView,
    code_text: str,
    now: dt.datetime,
) -> Printed:
    """Issue (or give again) the order's document at the staff member's own office's counter
    and mark the order collected (see the module docstring)."""
    place = counter.at_office(s, staff, None)
    order = store.find(s, code_text, lock=True)
    _check(order, place.code)
    issued = fulfil.issue_for_order(
        s,
        keys,
        book,
        settings,
        order,
        where=IssuedAt(office=place.code, staff_id=staff.id, staff_username=staff.username),
        channel_id=counter.channel_id(place.code),
        centre=Bilingual(place.name_ar, place.name_latin),
        now=now,
    )
    if order.state == OrderState.READY.value:
        moment = now.replace(microsecond=0)
        order.state = OrderState.COLLECTED.value
        order.collected_by = place.code
        order.updated_at = moment
        s.flush()  # the order's row first: the audit head's lock is taken last
        audit.append_core(
            s.connection(),
            AuditEvent.ORDER_COLLECTED,
            {
                "order": order.code,
                "office": place.code,
                "by": staff.username,
                "serial": issued.serial,
            },
            moment,
        )
        log.info("order %s collected at counter %s", order.id, place.code)
    return Printed(order.code, place.code, issued)
