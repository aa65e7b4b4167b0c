"""The SMS an order sends at each step, queued in the transaction that takes the step.

Each goes to the phone on record of the citizen who ordered (none: nothing is sent), in the
language they ordered in, through the durable outbox (`registry.sms.outbox`); its dedupe key
names the order and the step, so a step taken twice (a duplicated callback) sends one SMS.
The templates never hold a national number or a PIN: the order code, the place, the tracking
number.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from registry.models import Office, Order
from registry.orders import codes
from registry.orders.states import Collection

__all__ = ["dispatched", "paid", "printed_at_kiosk"]


def _send(
    s: Session, order: Order, template: str, values: dict[str, str], now: dt.datetime
) -> None:
    from registry.orders.store import phone_of
    from registry.sms import outbox

    phone = phone_of(s, order.requester_id)
    if phone is None:
        return
    outbox.enqueue(
        s,
        to=phone,
        template=template,
        language=order.language if order.language in ("ar", "en") else "ar",
        values=values,
        now=now,
        dedupe_key=f"order:{order.id}:{template}",
    )


def paid(s: Session, order: Order, now: dt.datetime) -> None:
    """Paid: for the post, "paid, we will send it"; otherwise "ready, collect it at ..."."""
    code = codes.display(order.code)
    collection = Collection(order.collection)
    if collection is Collection.POST:
        _send(s, order, "order_paid", {"order_code": code}, now)
        return
    if collection is Collection.COUNTER and order.office is not None:
        office = s.get(Office, order.office)
        place_ar = office.name_ar if office else order.office
        place_en = (office.name_latin or office.name_ar) if office else order.office
    else:
        place_ar, place_en = "أيّ جهاز من أجهزة الخدمة الذاتية", "any self-service kiosk"
    values = {"order_code": code, "place_ar": place_ar, "place_en": place_en}
    _send(s, order, "order_ready", values, now)


def _grouped(tracking: str) -> str:
    """A tracking number as the SMS shows it: long runs of digits in groups of four (never a
    run a national number could hide in; the digits and their order unchanged)."""
    return re.sub(r"\d{10,}", lambda m: " ".join(re.findall(r"\d{1,4}", m.group(0))), tracking)


def dispatched(s: Session, order: Order, now: dt.datetime) -> None:
    tracking = _grouped(order.tracking_number or "-")
    values = {"order_code": codes.display(order.code), "tracking": tracking}
    _send(s, order, "order_dispatched", values, now)


def printed_at_kiosk(
    s: Session, order: Order, document: tuple[str, str], centre: tuple[str, str], now: dt.datetime
) -> None:
    values = {
        "document_ar": document[0],
        "document_en": document[1],
        "centre_ar": centre[0],
        "centre_en": centre[1],
    }
    _send(s, order, "kiosk_printed", values, now)
