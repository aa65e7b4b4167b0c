"""Issuing an order's one document: at the kiosk that collects it, at a counter, for the post.

`issue_for_order` runs inside the caller's transaction with the order row locked (`store.find(
..., lock=True)`): an order that already has its document gives it again (a kiosk that lost
its paper, or its answer, prints the same serial: never a second document for one order);
otherwise the document is built and checked by `issuance.checked_document` (the same rules as
any channel: a requester who died since, or a child who came of age, is refused now) and
numbered, signed and recorded by `issuance.sign_and_record`, with the order's fee and the
payment reference `ORDER-<code>`, unique in the documents table, so the database itself refuses
a second document for one order's payment. A document superseded by a correction since is
replaced by a new one with the corrected data (`replaces` in its audit entry).

`check_collectable` is the rule for a kiosk: the order must be for a kiosk, paid, and not
collected yet.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import db_records, issuance, keyring
from registry.codes import ErrorCode
from registry.config import Settings
from registry.db_records import Records
from registry.errors import Conflict, KeyringError
from registry.issuance import Issued, IssuedAt, IssueRequest, Signing
from registry.models import IssuedDocument, Order, PaymentRow
from registry.orders.states import Collection, OrderState
from registry.places import PlaceBook
from verifier.documents import Bilingual, DocumentType
from verifier.trust import serial_hash

__all__ = [
    "ORDER_PAYMENT",
    "check_collectable",
    "check_collected_here",
    "issue_for_order",
    "payment_reference",
]

log = logging.getLogger(__name__)
ORDER_PAYMENT = issuance.ORDER_PAYMENT


def payment_reference(order: Order) -> str:
    return f"{ORDER_PAYMENT}{order.code}"


def check_collectable(order: Order, collection: Collection) -> None:
    if order.collection != collection.value:
        raise Conflict(
            "this order is collected elsewhere (a counter, or the post)",
            code=ErrorCode.ORDER_ELSEWHERE,
        )
    if order.state == OrderState.UNPAID.value:
        raise Conflict("this order is not paid yet", code=ErrorCode.ORDER_NOT_READY)
    if order.state == OrderState.COLLECTED.value:
        raise Conflict("this order was collected already", code=ErrorCode.ORDER_COLLECTED)
    if order.state != OrderState.READY.value:
        raise Conflict(
            f"this order cannot be collected ({order.state})", code=ErrorCode.ORDER_NOT_READY
        )


def check_collected_here(s: Session, order: Order, kiosk_id: str) -> None:
    """Only the kiosk that issued an order's document may say it printed it."""
    if order.collection != Collection.KIOSK.value:
        raise Conflict("this order is collected elsewhere", code=ErrorCode.ORDER_ELSEWHERE)
    if order.document_id is not None:
        issued_by = s.get_one(IssuedDocument, order.document_id).kiosk_id
        if issued_by != kiosk_id:
            raise Conflict(
                "this order's document was issued at another kiosk",
                code=ErrorCode.ORDER_ELSEWHERE,
            )


def issue_for_order(
    s: Session,
    keys: keyring.KeyCache,
    book: PlaceBook,
    settings: Settings,
    order: Order,
    *,
    where: IssuedAt,
    channel_id: str,
    centre: Bilingual,
    now: dt.datetime,
) -> Issued:
    """The order's document: the one issued before, or a new one issued here now."""
    moment = now.replace(microsecond=0)
    replaces = None
    refunding = s.execute(
        select(PaymentRow.id).where(
            PaymentRow.order_id == order.id,
            PaymentRow.state.in_(("refund_pending", "refunded")),
        )
    ).first()
    if refunding is not None and order.document_id is None:
        raise Conflict("this order's fee is being refunded", code=ErrorCode.ORDER_NOT_READY)
    if order.document_id is not None:
        row = s.get_one(IssuedDocument, order.document_id)
        if row.superseded_at is None:
            return issuance.issued_from_row(row, book, s)
        replaces = row.serial
        db_records.retire_document_key(s.connection(), row.id)  # the payment moves on
    r = Records(s.connection())
    requester = r.person(order.requester_id)
    doc_type = DocumentType(order.document_type)
    document, subject = issuance.checked_document(
        s,
        r,
        book,
        settings,
        requester,
        doc_type,
        order.subject_ref,
        channel_id,
        moment.date(),
        lambda _s, _c: centre,
    )
    signer = keyring.current_signer(s, moment)
    if signer is None:
        raise KeyringError("no document signer is valid now: rotate the signer key")
    req = IssueRequest(doc_type, order.subject_ref, payment_reference(order), f"order-{order.code}")
    issued = issuance.sign_and_record(
        s.connection(),
        keys,
        Signing(
            document=document,
            subject=subject,
            subject_ref=order.subject_ref,
            requester_id=order.requester_id,
            idempotency_key=req.idempotency_key,
            fingerprint=req.fingerprint(order.requester_id),
            fee=(order.fee_amount, order.fee_currency),
            payment_reference=req.payment_reference,
            signer_kid=signer.kid,
            signer_issuer=signer.issuer,
            moment=moment,
            where=where,
            replaces=replaces,
        ),
    )
    order.document_id = issued.document_id
    order.updated_at = moment
    log.info(
        "order %s fulfilled: %s serial-hash %s",
        order.id,
        doc_type.slug,
        serial_hash(issued.serial).hex(),
    )
    return issued
