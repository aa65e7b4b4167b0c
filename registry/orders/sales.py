"""A sale on the spot (a kiosk's purchase, a counter's print) as an order and a ledger entry.

Every channel's fee is one order and one ledger entry (`registry.payments.ledger`): a kiosk's
or a counter's sale is an order born collected, with its document, and a captured entry
naming the terminal's (or the counter's) payment reference. Written in the issuing
transaction, so a document is never recorded without its sale nor a sale without its
document; a fee-free document has an order with fee 0 and no ledger entry. A kiosk's sale
also queues the "a document was issued in your name at <centre>" SMS to the requester's phone
on record (`notices.printed_at_kiosk`), so a citizen learns at once of a sign-in that was not
theirs.

Imports no issuance rules (the issuing path calls it): only the tables and the ledger.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from registry.models import Order
from registry.orders import codes, notices
from registry.orders.states import OrderState
from registry.payments import ledger
from verifier.documents import Bilingual, schema_for

if TYPE_CHECKING:  # the issuing path imports this module
    from registry.issuance import Issued

__all__ = ["record_sale"]


def _subject_name(issued: Issued) -> dict[str, str | None]:
    name = issued.document.fields.get("name")
    if isinstance(name, Bilingual):
        return {"ar": name.ar, "latin": name.latin}
    return {"ar": "", "latin": None}


def record_sale(
    s: Session,
    *,
    channel: str,
    channel_id: str,
    requester_id: int,
    issued: Issued,
    relation: str,
    provider: str,
    now: dt.datetime,
    office: str | None = None,
    centre: Bilingual | None = None,
) -> Order:
    assert issued.document_id is not None, "a sale records a document just issued"
    doc_type = int(issued.document.type)
    order = Order(
        code=codes.new_code(),
        channel=channel,
        channel_id=channel_id,
        idempotency_key=f"doc-{issued.document_id}",
        requester_id=requester_id,
        document_type=doc_type,
        subject_ref=issued.subject,
        subject_name=json.dumps(_subject_name(issued), ensure_ascii=False),
        relation=relation,
        collection="counter" if channel == "counter" else "kiosk",
        office=office,
        fee_amount=issued.fee_amount,
        fee_currency=issued.fee_currency,
        language="ar",
        state=OrderState.COLLECTED.value,
        document_id=issued.document_id,
        collected_by=office or channel_id,
        created_at=now,
        updated_at=now,
    )
    s.add(order)
    s.flush()
    if channel == "kiosk" and centre is not None:  # "issued at <centre>: not you? tell us"
        schema = schema_for(issued.document_type)
        notices.printed_at_kiosk(
            s,
            order,
            (schema.title_ar, schema.title_en),
            (centre.ar, centre.latin or centre.ar),
            now,
        )
    if issued.fee_amount > 0:
        ledger.record_settled(
            s,
            order_id=order.id,
            channel=channel,
            amount=issued.fee_amount,
            currency=issued.fee_currency,
            provider=provider,
            provider_reference=issued.payment_reference,
            now=now,
        )
    return order
