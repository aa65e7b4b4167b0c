"""The office's figures from rows already read: declarations by kind and state, registrations
today and this month, the median time from declaration to registration, the returned and
rejected rates, corrections, and documents issued today by channel. Pure: no database, no
clock (the caller passes `Period.of(now)`), nothing at import time.

Definitions (the page says them too):

* registrations today / this month: "register" steps in the declarations' history since the
  authority's midnight (UTC, as `registry.civil.store.today_of`) / the first of the month;
* median time to registration: over the registrations of the last `MEDIAN_DAYS` days, from the
  declaration's `declared_at` to its "register" step (a returned and amended one included);
* returned rate: of the declarations reviewed at least once (returned, registered or
  rejected), the share returned at least once;
* rejected rate: of the declarations decided (registered or rejected), the share rejected;
* documents today by channel: a kiosk's (`kiosk_id` set) or an office counter's (`office`
  set). Kiosks belong to service centres, not offices: an office's figures have no kiosk count.

It does not read rows (`registry.office_web.statistics_page` does) or word the figures.
"""

from __future__ import annotations

import datetime as dt
import enum
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from registry.office.declarations import CorrectionState, EventKind, State

__all__ = [
    "MEDIAN_DAYS",
    "Channel",
    "CorrectionCount",
    "DeclarationCount",
    "DocumentCount",
    "Figures",
    "Period",
    "Rate",
    "Registration",
    "ReviewCount",
    "Rows",
    "figures",
    "per_office",
]

MEDIAN_DAYS = 30


class Channel(enum.Enum):
    KIOSK = "kiosk"
    COUNTER = "counter"


@dataclass(frozen=True)
class DeclarationCount:
    office: str
    kind: str
    state: str
    n: int


@dataclass(frozen=True)
class Registration:
    office: str
    kind: str
    declared_at: dt.datetime
    registered_at: dt.datetime


@dataclass(frozen=True)
class ReviewCount:
    """Per office: declarations reviewed at least once, and of them returned at least once."""

    office: str
    reviewed: int
    returned: int


@dataclass(frozen=True)
class CorrectionCount:
    office: str
    state: str
    n: int


@dataclass(frozen=True)
class DocumentCount:
    office: str | None
    channel: Channel
    n: int


@dataclass(frozen=True)
class Rows:
    declarations: tuple[DeclarationCount, ...] = ()
    registrations: tuple[Registration, ...] = ()  # since `Period.earliest`
    reviews: tuple[ReviewCount, ...] = ()
    corrections: tuple[CorrectionCount, ...] = ()
    documents: tuple[DocumentCount, ...] = ()  # issued since `Period.today`

    def offices(self) -> list[str]:
        found = {r.office for r in self.declarations}
        found |= {r.office for r in self.registrations}
        found |= {r.office for r in self.corrections}
        found |= {r.office for r in self.documents if r.office is not None}
        return sorted(found)


@dataclass(frozen=True)
class Period:
    today: dt.datetime  # the authority's midnight
    month: dt.datetime  # the first of the month, midnight
    median_since: dt.datetime

    @classmethod
    def of(cls, now: dt.datetime) -> Period:
        day = now.astimezone(dt.UTC).date()
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        month = midnight.replace(day=1)
        return cls(midnight, month, now.astimezone(dt.UTC) - dt.timedelta(days=MEDIAN_DAYS))

    @property
    def earliest(self) -> dt.datetime:
        """Registrations from this moment on are all the figures need."""
        return min(self.month, self.median_since)


@dataclass(frozen=True)
class Rate:
    n: int
    of: int

    @property
    def percent(self) -> float | None:
        return None if self.of == 0 else 100 * self.n / self.of


@dataclass(frozen=True)
class Figures:
    office: str | None  # None: every office
    declarations: dict[EventKind, dict[State, int]]
    registered_today: dict[EventKind, int]
    registered_month: dict[EventKind, int]
    median_to_register: dt.timedelta | None
    median_of: int
    returned: Rate
    rejected: Rate
    corrections: dict[CorrectionState, int]
    documents_today: dict[Channel, int | None]  # KIOSK None for one office

    @property
    def waiting(self) -> int:
        states = (State.DECLARED, State.RETURNED, State.AMENDED)
        return sum(by_state[s] for by_state in self.declarations.values() for s in states)

    @property
    def corrections_proposed(self) -> int:
        """Every correction ever proposed, whatever became of it."""
        return sum(self.corrections.values())


def _kinds() -> dict[EventKind, int]:
    return dict.fromkeys(EventKind, 0)


def _known(enum_type: type[enum.Enum], value: str) -> enum.Enum | None:
    try:
        return enum_type(value)
    except ValueError:
        return None  # a kind or state this code does not know is not counted


def _median(durations: Iterable[dt.timedelta]) -> tuple[dt.timedelta | None, int]:
    seconds = [max(0.0, d.total_seconds()) for d in durations]
    if not seconds:
        return None, 0
    return dt.timedelta(seconds=round(statistics.median(seconds))), len(seconds)


def figures(rows: Rows, period: Period, office: str | None = None) -> Figures:
    """The figures of one office, or of every office (None)."""

    def mine(o: str | None) -> bool:
        return office is None or o == office

    declarations = {k: dict.fromkeys(State, 0) for k in EventKind}
    for d in rows.declarations:
        kind, state = _known(EventKind, d.kind), _known(State, d.state)
        if mine(d.office) and isinstance(kind, EventKind) and isinstance(state, State):
            declarations[kind][state] += d.n
    today, month = _kinds(), _kinds()
    recent: list[dt.timedelta] = []
    for r in rows.registrations:
        kind = _known(EventKind, r.kind)
        if not mine(r.office) or not isinstance(kind, EventKind):
            continue
        if r.registered_at >= period.today:
            today[kind] += 1
        if r.registered_at >= period.month:
            month[kind] += 1
        if r.registered_at >= period.median_since:
            recent.append(r.registered_at - r.declared_at)
    median, median_of = _median(recent)
    reviewed = sum(r.reviewed for r in rows.reviews if mine(r.office))
    returned = sum(r.returned for r in rows.reviews if mine(r.office))
    registered = sum(by_state[State.REGISTERED] for by_state in declarations.values())
    rejected = sum(by_state[State.REJECTED] for by_state in declarations.values())
    corrections = dict.fromkeys(CorrectionState, 0)
    for c in rows.corrections:
        state = _known(CorrectionState, c.state)
        if mine(c.office) and isinstance(state, CorrectionState):
            corrections[state] += c.n
    documents: dict[Channel, int | None] = {
        Channel.KIOSK: None if office is not None else 0,
        Channel.COUNTER: 0,
    }
    for doc in rows.documents:
        if doc.channel is Channel.KIOSK and office is None:
            documents[Channel.KIOSK] = (documents[Channel.KIOSK] or 0) + doc.n
        elif doc.channel is Channel.COUNTER and mine(doc.office):
            documents[Channel.COUNTER] = (documents[Channel.COUNTER] or 0) + doc.n
    return Figures(
        office=office,
        declarations=declarations,
        registered_today=today,
        registered_month=month,
        median_to_register=median,
        median_of=median_of,
        returned=Rate(returned, reviewed),
        rejected=Rate(rejected, registered + rejected),
        corrections=corrections,
        documents_today=documents,
    )


def per_office(rows: Rows, period: Period) -> dict[str, Figures]:
    """Every office that has anything to count, by code."""
    return {code: figures(rows, period, code) for code in rows.offices()}
