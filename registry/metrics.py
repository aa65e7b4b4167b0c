"""The registry's figures for Prometheus, read from its own database when Prometheus scrapes.

    install_metrics(app, reg)     # in registry.service.create_app: GET /metrics and the
                                  # request metrics of `registry.http_metrics`

On a scrape, `RegistryCollector` runs a few aggregate queries (GROUP BY over the documents,
orders, payments, SMS outbox, declarations, kiosks, appointments and queue tickets; the audit
log's head) and keeps the
result for `ttl` seconds, so several Prometheus servers or a dashboard's refresh cost one
read. `read_snapshot(session, now)` does the reading, `families(snapshot)` turns a snapshot
into metric families: pure, so the label rules are tested without a database.

Every label value comes from a bounded set: document type, channel, office code, the state
enums, kiosk id (the enrolled fleet) and the printer and paper states. Never a national
number, a serial, a name, a telephone number, a payment reference or an order code.

A database that does not answer is `sanad_registry_database_up 0` with the last good figures
left out (a stale snapshot would look like a quiet fleet); the scrape itself still succeeds.

It does not count per request or keep history: rates come from Prometheus (`rate()` over the
`_total` counters), and the e-window's day-by-day figures from the registry's own tables.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.errors import ConfigError
from registry.http_metrics import (
    MetricsAccess,
    MetricsAccessError,
    RequestMetrics,
    install_http_metrics,
)
from registry.http_state import Registry
from registry.models import (
    AuditHead,
    Booking,
    DeclarationRow,
    IssuedDocument,
    Kiosk,
    Order,
    PaymentRow,
    QueueTicket,
    SmsMessage,
)
from verifier.documents import DocumentType

__all__ = [
    "KioskFigures",
    "RegistryCollector",
    "Snapshot",
    "families",
    "install_metrics",
    "read_snapshot",
]

log = logging.getLogger(__name__)

DEFAULT_TTL = 10.0  # seconds a snapshot is served before the next scrape reads again
TOKEN_FILE = "keys/metrics.token"


@dataclass(frozen=True)
class KioskFigures:
    """One enrolled kiosk's last heartbeat, as the fleet page shows it."""

    id: str
    heartbeat_age: float  # seconds since its last heartbeat (since enrolment if never seen)
    printer: str
    paper: str
    cover_open: bool
    journal_backlog: int
    failed_jobs: int


@dataclass(frozen=True)
class Snapshot:
    """What one scrape reads: counts keyed by their (bounded) label values."""

    documents: dict[tuple[str, str, str], int] = field(
        default_factory=dict
    )  # type, channel, office
    orders: dict[tuple[str, str], int] = field(default_factory=dict)  # channel, state
    payments: dict[tuple[str, str], int] = field(default_factory=dict)  # channel, state
    oldest_pending_payment: float = 0.0  # seconds; 0 when none is pending
    sms: dict[str, int] = field(default_factory=dict)  # state
    oldest_due_sms: float = 0.0  # seconds a queued, due message has waited; 0 when none
    declarations: dict[tuple[str, str, str], int] = field(
        default_factory=dict
    )  # kind, state, office
    kiosks: tuple[KioskFigures, ...] = ()
    channels: dict[tuple[str, str, str], int] = field(default_factory=dict)  # kind, printer, paper
    bookings: dict[tuple[str, str], int] = field(default_factory=dict)  # office, state
    queue_waiting: dict[str, int] = field(default_factory=dict)  # office: tickets waiting now
    queue_oldest_waiting: dict[str, float] = field(default_factory=dict)  # office: seconds
    queue_wait_sum: dict[str, float] = field(default_factory=dict)  # office: ticket to call, 24 h
    queue_wait_count: dict[str, int] = field(default_factory=dict)
    audit_entries: int = 0
    read_seconds: float = 0.0


# ---------------------------------------------------------------------------------------------
# Reading (I/O)


def _type_slug(code: int) -> str:
    try:
        return DocumentType(code).slug
    except ValueError:
        return str(code)  # a type this build does not know still counts, by its number


def _age(now: dt.datetime, then: dt.datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


def read_snapshot(s: Session, now: dt.datetime) -> Snapshot:
    """Every figure in one read transaction: aggregates only, no row leaves the database
    except one per enrolled kiosk."""
    started = time.perf_counter()
    d = IssuedDocument
    documents: dict[tuple[str, str, str], int] = {}
    for doc_type, kind, office, n in s.execute(
        select(d.document_type, Kiosk.kind, d.office, func.count())
        .outerjoin(Kiosk, Kiosk.id == d.kiosk_id)
        .group_by(d.document_type, Kiosk.kind, d.office)
    ):
        # no kiosk: a clerk printed it at an office's counter
        key = (_type_slug(doc_type), kind or "counter", office or "")
        documents[key] = documents.get(key, 0) + int(n)

    orders = {
        (str(c), str(st)): int(n)
        for c, st, n in s.execute(
            select(Order.channel, Order.state, func.count()).group_by(Order.channel, Order.state)
        )
    }
    p = PaymentRow
    payments = {
        (str(c), str(st)): int(n)
        for c, st, n in s.execute(
            select(p.channel, p.state, func.count()).group_by(p.channel, p.state)
        )
    }
    oldest_payment = s.execute(
        select(func.min(p.created_at)).where(p.state == "pending")
    ).scalar_one_or_none()

    m = SmsMessage
    sms = {str(st): int(n) for st, n in s.execute(select(m.state, func.count()).group_by(m.state))}
    # due: a message held back for quiet hours is waiting as it should, not a backlog
    oldest_sms = s.execute(
        select(func.min(m.not_before)).where(m.state == "queued", m.not_before <= now)
    ).scalar_one_or_none()

    r = DeclarationRow
    declarations = {
        (str(k), str(st), str(o)): int(n)
        for k, st, o, n in s.execute(
            select(r.kind, r.state, r.office, func.count()).group_by(r.kind, r.state, r.office)
        )
    }

    fleet: list[KioskFigures] = []
    channels: dict[tuple[str, str, str], int] = {}
    for row in s.execute(
        select(
            Kiosk.id,
            Kiosk.kind,
            Kiosk.last_seen_at,
            Kiosk.enrolled_at,
            Kiosk.printer,
            Kiosk.paper,
            Kiosk.cover_open,
            Kiosk.journal_backlog,
            Kiosk.failed_jobs,
        ).where(Kiosk.revoked_at.is_(None))
    ):
        printer, paper = row.printer or "unknown", row.paper or "unknown"
        ckey = (str(row.kind), printer, paper)
        channels[ckey] = channels.get(ckey, 0) + 1
        if row.kind != "kiosk":
            continue  # the portal sends no heartbeat and has no printer
        fleet.append(
            KioskFigures(
                id=row.id,
                heartbeat_age=_age(now, row.last_seen_at or row.enrolled_at),
                printer=printer,
                paper=paper,
                cover_open=bool(row.cover_open),
                journal_backlog=row.journal_backlog or 0,
                failed_jobs=row.failed_jobs or 0,
            )
        )

    bookings = {
        (str(o), str(st)): int(n)
        for o, st, n in s.execute(
            select(Booking.office, Booking.state, func.count()).group_by(
                Booking.office, Booking.state
            )
        )
    }
    q = QueueTicket
    since = now - dt.timedelta(hours=24)
    waiting: dict[str, int] = {}
    oldest: dict[str, float] = {}
    for office, n, first in s.execute(
        select(q.office, func.count(), func.min(q.issued_at))
        .where(q.state == "waiting", q.issued_at > since)
        .group_by(q.office)
    ):
        waiting[str(office)] = int(n)
        oldest[str(office)] = _age(now, first)
    wait_sum: dict[str, float] = {}
    wait_count: dict[str, int] = {}
    for office, issued, called in s.execute(
        select(q.office, q.issued_at, q.called_at).where(q.called_at > since)
    ):
        if called is None:
            continue
        wait_sum[office] = wait_sum.get(office, 0.0) + _age(called, issued)
        wait_count[office] = wait_count.get(office, 0) + 1

    audit = s.execute(select(AuditHead.seq).limit(1)).scalar_one_or_none()
    return Snapshot(
        bookings=bookings,
        queue_waiting=waiting,
        queue_oldest_waiting=oldest,
        queue_wait_sum=wait_sum,
        queue_wait_count=wait_count,
        documents=documents,
        orders=orders,
        payments=payments,
        oldest_pending_payment=_age(now, oldest_payment),
        sms=sms,
        oldest_due_sms=_age(now, oldest_sms),
        declarations=declarations,
        kiosks=tuple(sorted(fleet, key=lambda k: k.id)),
        channels=channels,
        audit_entries=int(audit or 0),
        read_seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------------------------------------
# Families (pure)


def _gauge(name: str, doc: str, labels: list[str], values: dict[Any, int | float]) -> Metric:
    g = GaugeMetricFamily(name, doc, labels=labels)
    for key, value in sorted(values.items()):
        g.add_metric(list(key) if isinstance(key, tuple) else [key], value)
    return g


def families(snap: Snapshot, *, database_up: bool = True) -> list[Metric]:
    """The metric families for one snapshot (or only the database's state when it is down)."""
    up = GaugeMetricFamily(
        "sanad_registry_database_up",
        "1 when the registry's database answered the last metrics read, 0 when it did not.",
        value=1 if database_up else 0,
    )
    if not database_up:
        return [up]
    docs = CounterMetricFamily(
        "sanad_documents_issued",
        "Documents issued, by type, channel (kiosk, portal, counter) and office (counter only).",
        labels=["type", "channel", "office"],
    )
    for key, n in sorted(snap.documents.items()):
        docs.add_metric(list(key), n)
    fleet = snap.kiosks
    out: list[Metric] = [
        up,
        docs,
        _gauge(
            "sanad_orders", "Orders, by channel and state.", ["channel", "state"], dict(snap.orders)
        ),
        _gauge(
            "sanad_payments",
            "Payments in the ledger, by channel and state.",
            ["channel", "state"],
            dict(snap.payments),
        ),
        GaugeMetricFamily(
            "sanad_payments_oldest_pending_seconds",
            "Age of the oldest payment still waiting for the provider's answer (0: none).",
            value=snap.oldest_pending_payment,
        ),
        _gauge("sanad_sms_outbox", "SMS in the outbox, by state.", ["state"], dict(snap.sms)),
        GaugeMetricFamily(
            "sanad_sms_oldest_queued_seconds",
            "How long the oldest queued SMS that may go now has waited (0: none).",
            value=snap.oldest_due_sms,
        ),
        _gauge(
            "sanad_declarations",
            "Declarations of vital events, by kind, state and office.",
            ["kind", "state", "office"],
            dict(snap.declarations),
        ),
        _gauge(
            "sanad_channels",
            "Enrolled channels (kiosks, portals) not revoked, by printer and paper state.",
            ["kind", "printer", "paper"],
            dict(snap.channels),
        ),
        _gauge(
            "sanad_kiosk_heartbeat_age_seconds",
            "Seconds since the kiosk's last heartbeat (since its enrolment if it never sent one).",
            ["kiosk"],
            {k.id: k.heartbeat_age for k in fleet},
        ),
        _gauge(
            "sanad_kiosk_printer",
            "1 for the printer state the kiosk last reported.",
            ["kiosk", "printer"],
            {(k.id, k.printer): 1 for k in fleet},
        ),
        _gauge(
            "sanad_kiosk_paper",
            "1 for the paper state the kiosk last reported (ok, near_end, out, unknown).",
            ["kiosk", "paper"],
            {(k.id, k.paper): 1 for k in fleet},
        ),
        _gauge(
            "sanad_kiosk_cover_open",
            "1 while the kiosk's printer cover is open.",
            ["kiosk"],
            {k.id: int(k.cover_open) for k in fleet},
        ),
        _gauge(
            "sanad_kiosk_journal_backlog",
            "Print jobs journalled at the kiosk and not yet printed.",
            ["kiosk"],
            {k.id: k.journal_backlog for k in fleet},
        ),
        _gauge(
            "sanad_kiosk_failed_jobs",
            "Print jobs that failed at the kiosk and wait for a technician.",
            ["kiosk"],
            {k.id: k.failed_jobs for k in fleet},
        ),
        _gauge(
            "sanad_bookings",
            "Appointments, by office and state (held, booked, checked_in, served, no_show, ...).",
            ["office", "state"],
            dict(snap.bookings),
        ),
        _gauge(
            "sanad_queue_waiting",
            "Queue tickets waiting to be called now, by office.",
            ["office"],
            dict(snap.queue_waiting),
        ),
        _gauge(
            "sanad_queue_oldest_waiting_seconds",
            "How long the office's longest-waiting ticket has waited (absent: nobody waits).",
            ["office"],
            dict(snap.queue_oldest_waiting),
        ),
        _gauge(
            "sanad_queue_wait_seconds_sum",
            "Seconds from ticket to call, summed over the tickets called in the last 24 hours.",
            ["office"],
            dict(snap.queue_wait_sum),
        ),
        _gauge(
            "sanad_queue_wait_seconds_count",
            "Tickets called in the last 24 hours (the mean wait: _sum / _count).",
            ["office"],
            dict(snap.queue_wait_count),
        ),
        GaugeMetricFamily(
            "sanad_audit_log_entries",
            "Entries in the hash-chained audit log (its head's sequence number).",
            value=snap.audit_entries,
        ),
        GaugeMetricFamily(
            "sanad_registry_metrics_read_seconds",
            "Time the last metrics read took in the database.",
            value=snap.read_seconds,
        ),
    ]
    return out


# ---------------------------------------------------------------------------------------------
# The collector and the wiring


class RegistryCollector(Collector):
    """Reads a snapshot on scrape, at most once per `ttl` seconds (one read at a time)."""

    def __init__(
        self,
        read: Callable[[], Snapshot],
        *,
        ttl: float = DEFAULT_TTL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._ttl = ttl
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cached: tuple[float, Snapshot] | None = None

    def snapshot(self) -> Snapshot | None:
        """The cached snapshot, read again when older than the ttl; None if the read failed."""
        with self._lock:
            now = self._monotonic()
            if self._cached is not None and now - self._cached[0] < self._ttl:
                return self._cached[1]
            try:
                snap = self._read()
            except Exception as exc:  # a scrape reports the fault, never a 500
                log.warning("metrics: the database read failed (%s)", type(exc).__name__)
                self._cached = None
                return None
            self._cached = (now, snap)
            return snap

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot()
        yield from families(snap or Snapshot(), database_up=snap is not None)

    def describe(self) -> Iterator[Metric]:
        return iter(())  # no read at registration: the database is asked on scrape only


def install_metrics(
    app: Any, reg: Registry, *, access: MetricsAccess | None = None, ttl: float = DEFAULT_TTL
) -> RequestMetrics:
    """GET /metrics on the registry: request metrics and the database figures, for the
    clients `access` admits (default: from the environment and DATA/keys/metrics.token)."""
    if access is None:
        try:
            access = MetricsAccess.from_env(default_token_file=reg.data.root / TOKEN_FILE)
        except MetricsAccessError as exc:
            raise ConfigError(str(exc)) from None

    def read() -> Snapshot:
        with reg.db.session() as s:
            return read_snapshot(s, reg.now())

    return install_http_metrics(app, "registry", access, [RegistryCollector(read, ttl=ttl)])
