"""What the registry's appointment and queue routes answer, as the kiosk and the portal use it
(`RegistryClient.booking_*`, `check_in`, `walk_in`): parsed here, so a malformed answer is a
`ProtocolError` and never a KeyError in a screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from registry.errors import ProtocolError, RegistryError
from verifier.documents import Bilingual

__all__ = [
    "Appointment",
    "BookableOffice",
    "BookableService",
    "BookingDay",
    "Governorate",
    "QueueTicket",
    "alternatives",
    "parse_appointment",
    "parse_days",
    "parse_governorates",
    "parse_offices",
    "parse_services",
    "parse_ticket",
    "parse_times",
]

T = TypeVar("T")


@dataclass(frozen=True)
class BookableService:
    code: str
    name: Bilingual
    minutes: int
    bring: Bilingual
    walk_in: bool


@dataclass(frozen=True)
class BookableOffice:
    code: str
    name: Bilingual
    governorate: str | None
    governorate_name: Bilingual | None


@dataclass(frozen=True)
class Governorate:
    code: str
    name: Bilingual


@dataclass(frozen=True)
class BookingDay:
    day: dt.date
    hijri: Bilingual
    has_free: bool


@dataclass(frozen=True)
class Appointment:
    reference: str
    display_reference: str
    qr_text: str
    state: str  # held, booked, cancelled, expired, checked_in, called, served, no_show
    office_code: str
    office_name: Bilingual
    service_code: str
    service_name: Bilingual
    minutes: int
    bring: Bilingual
    day: dt.date  # the office's day and clock
    time: dt.time
    counter: int
    hold_expires_at: dt.datetime | None
    from_waitlist: bool
    language: str
    hijri: Bilingual | None = None
    starts_at: dt.datetime | None = None  # aware, the office's clock

    @property
    def live(self) -> bool:
        return self.state in ("held", "booked", "checked_in", "called")


@dataclass(frozen=True)
class QueueTicket:
    label: str
    kind: str  # booked | walk_in
    late: bool
    reprint: bool
    office_code: str
    office_name: Bilingual
    service_code: str
    service_name: Bilingual
    ahead: int
    expected_wait_minutes: int
    issued_at: dt.datetime  # aware, the office's clock
    day: dt.date


def _bi(raw: Any) -> Bilingual:
    return Bilingual(str(raw["ar"]), raw.get("latin"))


def _parsed(what: str, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProtocolError(f"the registry's answer is not {what}") from exc


def parse_services(d: dict[str, Any]) -> list[BookableService]:
    return _parsed(
        "a list of services",
        lambda: [
            BookableService(
                str(r["code"]),
                _bi(r["name"]),
                int(r["minutes"]),
                _bi(r["bring"]),
                bool(r["walk_in"]),
            )
            for r in d["services"]
        ],
    )


def parse_offices(d: dict[str, Any]) -> list[BookableOffice]:
    return _parsed(
        "a list of offices",
        lambda: [
            BookableOffice(
                str(r["code"]),
                _bi(r["name"]),
                r.get("governorate"),
                _bi(r["governorate_name"]) if r.get("governorate_name") else None,
            )
            for r in d["offices"]
        ],
    )


def parse_governorates(d: dict[str, Any]) -> list[Governorate]:
    """Every governorate the registry knows (a citizen may live where no office serves)."""
    return _parsed(
        "a list of governorates",
        lambda: [Governorate(str(r["code"]), _bi(r["name"])) for r in d.get("governorates") or []],
    )


def parse_days(d: dict[str, Any]) -> list[BookingDay]:
    return _parsed(
        "a list of days",
        lambda: [
            BookingDay(dt.date.fromisoformat(r["day"]), _bi(r["hijri"]), bool(r["has_free"]))
            for r in d["days"]
        ],
    )


def parse_times(d: dict[str, Any]) -> list[dt.time]:
    return _parsed("a list of times", lambda: [dt.time.fromisoformat(t) for t in d["times"]])


def parse_appointment(d: dict[str, Any]) -> Appointment:
    def build() -> Appointment:
        expires = d.get("hold_expires_at")
        return Appointment(
            reference=str(d["reference"]),
            display_reference=str(d["display_reference"]),
            qr_text=str(d["qr_text"]),
            state=str(d["state"]),
            office_code=str(d["office"]["code"]),
            office_name=_bi(d["office"]["name"]),
            service_code=str(d["service"]["code"]),
            service_name=_bi(d["service"]["name"]),
            minutes=int(d["service"]["minutes"]),
            bring=_bi(d["service"]["bring"]),
            day=dt.date.fromisoformat(d["day"]),
            time=dt.time.fromisoformat(d["time"]),
            counter=int(d["counter"]),
            hold_expires_at=dt.datetime.fromisoformat(expires) if expires else None,
            from_waitlist=bool(d["from_waitlist"]),
            language=str(d.get("language", "ar")),
            hijri=_bi(d["hijri"]) if d.get("hijri") else None,
            starts_at=dt.datetime.fromisoformat(d["starts_at"]) if d.get("starts_at") else None,
        )

    return _parsed("an appointment", build)


def parse_ticket(d: dict[str, Any]) -> QueueTicket:
    return _parsed(
        "a queue ticket",
        lambda: QueueTicket(
            label=str(d["label"]),
            kind=str(d["kind"]),
            late=bool(d["late"]),
            reprint=bool(d["reprint"]),
            office_code=str(d["office"]["code"]),
            office_name=_bi(d["office"]["name"]),
            service_code=str(d["service"]["code"]),
            service_name=_bi(d["service"]["name"]),
            ahead=int(d["ahead"]),
            expected_wait_minutes=int(d["expected_wait_minutes"]),
            issued_at=dt.datetime.fromisoformat(d["issued_at"]),
            day=dt.date.fromisoformat(d["day"]),
        ),
    )


def alternatives(exc: RegistryError) -> list[tuple[dt.date, dt.time]]:
    """The free times a `slot_taken` refusal offered instead (none when it offered none)."""
    try:
        return [
            (dt.date.fromisoformat(a["day"]), dt.time.fromisoformat(a["time"]))
            for a in exc.details.get("alternatives") or []
        ]
    except (KeyError, TypeError, ValueError):
        return []
