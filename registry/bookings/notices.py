"""The SMS an appointment sends at each step, queued in the transaction that takes the step.

Each goes to the phone on record of the person booked (none: nothing is sent), in the
language they booked in, through the durable outbox; the dedupe key names the booking, the
step and the time it is for, so a step taken twice sends one SMS while a booking moved twice
is told twice. Links are signed (`links`): the SMS's holder can act on that one booking.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from registry.bookings import calendar, links
from registry.bookings.rules import Rules
from registry.models import Booking, BookingService, Office
from registry.orders import codes

__all__ = ["cancelled", "confirmed", "moved", "office_closed", "reminder", "slot_offered"]


def _values(s: Session, booking: Booking, *fields: str, link: str | None = None) -> dict[str, str]:
    office = s.get(Office, booking.office)
    service = s.get(BookingService, booking.service)
    assert office is not None and service is not None
    local = booking.starts_at.astimezone(calendar.zone_of(office))
    every = {
        "service_ar": service.name_ar,
        "service_en": service.name_latin,
        "office_ar": office.name_ar,
        "office_en": office.name_latin or office.name_ar,
        "day": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "reference": codes.display(booking.reference),
    }
    if link is not None:
        every["link"] = link
    return {k: every[k] for k in fields}


_APPOINTMENT = ("service_ar", "service_en", "office_ar", "office_en", "day", "time", "reference")


def _send(
    s: Session, booking: Booking, template: str, values: dict[str, str], now: dt.datetime
) -> None:
    from registry.orders.store import phone_of
    from registry.sms import outbox

    phone = phone_of(s, booking.person_id)
    if phone is None:
        return
    outbox.enqueue(
        s,
        to=phone,
        template=template,
        language=booking.language if booking.language in ("ar", "en") else "ar",
        values=values,
        now=now,
        dedupe_key=f"booking:{booking.id}:{template}:{booking.starts_at:%Y%m%d%H%M}",
    )


def _link(rules: Rules, booking: Booking) -> str:
    return links.url(rules.settings, booking.reference, rules.link_secret)


def confirmed(s: Session, rules: Rules, booking: Booking, now: dt.datetime) -> None:
    values = _values(s, booking, *_APPOINTMENT, "link", link=_link(rules, booking))
    _send(s, booking, "booking_confirmed", values, now)


def reminder(s: Session, rules: Rules, booking: Booking, now: dt.datetime) -> None:
    values = _values(s, booking, *_APPOINTMENT, "link", link=_link(rules, booking))
    _send(s, booking, "booking_reminder", values, now)


def cancelled(s: Session, rules: Rules, booking: Booking, now: dt.datetime) -> None:
    values = _values(s, booking, "office_ar", "office_en", "day", "time", "reference")
    _send(s, booking, "booking_cancelled", values, now)


def moved(s: Session, rules: Rules, booking: Booking, now: dt.datetime) -> None:
    fields = ("office_ar", "office_en", "day", "time", "reference", "link")
    _send(
        s, booking, "booking_moved", _values(s, booking, *fields, link=_link(rules, booking)), now
    )


def slot_offered(
    s: Session, rules: Rules, booking: Booking, minutes: int, now: dt.datetime
) -> None:
    fields = ("service_ar", "service_en", "office_ar", "office_en", "day", "time", "link")
    values = _values(s, booking, *fields, link=_link(rules, booking))
    values["minutes"] = str(minutes)
    _send(s, booking, "booking_slot_offered", values, now)


def office_closed(s: Session, rules: Rules, booking: Booking, now: dt.datetime) -> None:
    rebook = f"{rules.settings.portal_url.rstrip('/')}/appointments/new?service={booking.service}"
    values = _values(s, booking, "office_ar", "office_en", "day", "reference", "link", link=rebook)
    _send(s, booking, "booking_office_closed", values, now)
