"""The registry's /metrics: its database figures, and label sets that stay bounded."""

from __future__ import annotations

import datetime as dt
import secrets

import httpx
from sqlalchemy import insert, select

from registry.metrics import RegistryCollector, Snapshot, families
from registry.models import IssuedDocument, Person
from tests.monitoring.scrape import samples, scrape
from tests.support.registry import LiveServer, Registry
from verifier.documents import DocumentType


def _value(text: str, name: str, **labels: str) -> float:
    found = [
        s.value for s in samples(text, name) if all(s.labels.get(k) == v for k, v in labels.items())
    ]
    assert len(found) == 1, (name, labels, found)
    return found[0]


def test_a_kiosk_heartbeat_shows_as_its_age_printer_and_paper(registry: Registry) -> None:
    key = registry.enroll("KIOSK-MON-1")
    registry.enroll("KIOSK-MON-2")  # enrolled, never heard from
    with LiveServer(registry) as server:
        with server.client("KIOSK-MON-1", key) as kiosk:
            kiosk.heartbeat(
                printer="online", paper="out", app_version="test", journal_backlog=3, failed_jobs=1
            )
        text = scrape(server.url)
    assert _value(text, "sanad_registry_database_up") == 1
    assert _value(text, "sanad_kiosk_heartbeat_age_seconds", kiosk="KIOSK-MON-1") < 30
    assert _value(text, "sanad_kiosk_paper", kiosk="KIOSK-MON-1", paper="out") == 1
    assert _value(text, "sanad_kiosk_printer", kiosk="KIOSK-MON-1", printer="online") == 1
    assert _value(text, "sanad_kiosk_journal_backlog", kiosk="KIOSK-MON-1") == 3
    assert _value(text, "sanad_kiosk_failed_jobs", kiosk="KIOSK-MON-1") == 1
    assert _value(text, "sanad_kiosk_paper", kiosk="KIOSK-MON-2", paper="unknown") == 1
    assert _value(text, "sanad_channels", kind="kiosk", printer="online", paper="out") == 1
    assert _value(text, "sanad_audit_log_entries") > 0


def test_ten_thousand_documents_make_a_handful_of_series_and_no_serial(registry: Registry) -> None:
    db = registry.db()
    try:
        with db.session() as s:
            person = s.execute(select(Person.id).limit(1)).scalar_one()
            now = dt.datetime.now(dt.UTC)
            types = [DocumentType.BIRTH_CERTIFICATE, DocumentType.INDIVIDUAL_EXTRACT]
            rows = []
            for i in range(10_000):
                serial = f"SER{secrets.token_hex(8)}"
                rows.append(
                    {
                        "serial": serial,
                        "document_type": int(types[i % 2]),
                        "subject_ref": f"P{person}",
                        "requester_id": person,
                        "office": "IRB" if i % 3 else None,  # counter at one office, or none
                        "idempotency_key": serial,
                        "request_fingerprint": "f" * 64,
                        "fee_amount": 100,
                        "fee_currency": "JOD",
                        "payment_reference": serial,
                        "issued_at": now,
                    }
                )
            s.execute(insert(IssuedDocument), rows)
    finally:
        db.dispose()
    with LiveServer(registry) as server:
        text = scrape(server.url)
    docs = samples(text, "sanad_documents_issued_total")
    assert sum(s.value for s in docs) >= 10_000
    assert len(docs) <= 4  # 2 types x (counter at IRB, counter without an office)
    assert {s.labels["channel"] for s in docs} == {"counter"}
    assert "SER" not in text  # no serial anywhere in the exposition


def test_request_routes_are_templates_however_many_paths_are_asked(registry: Registry) -> None:
    with LiveServer(registry) as server, httpx.Client(base_url=server.url) as http:
        for i in range(200):
            http.get(f"/api/v1/documents/SERIAL-{i:04d}/status")
            http.get(f"/no/such/page/{i}")
        text = scrape(server.url)
    routes = {s.labels["route"] for s in samples(text, "sanad_http_requests_total")}
    assert "/api/v1/documents/{serial:path}/status" in routes
    assert "unmatched" in routes
    assert not any("SERIAL-" in r or "/no/such" in r for r in routes)
    status = _value(
        text,
        "sanad_http_requests_total",
        route="/api/v1/documents/{serial:path}/status",
        method="GET",
        status="404",
    )
    assert status == 200


def test_a_database_that_fails_is_reported_as_down_not_as_an_error() -> None:
    def broken() -> Snapshot:
        raise OSError("the database is gone")

    metrics = list(RegistryCollector(broken).collect())
    assert [(m.name, m.samples[0].value) for m in metrics] == [("sanad_registry_database_up", 0)]


def test_the_snapshot_is_read_once_per_ttl() -> None:
    reads: list[int] = []
    clock = [0.0]

    def read() -> Snapshot:
        reads.append(1)
        return Snapshot(audit_entries=len(reads))

    collector = RegistryCollector(read, ttl=10, monotonic=lambda: clock[0])
    list(collector.collect())
    clock[0] = 9.9
    list(collector.collect())
    assert len(reads) == 1
    clock[0] = 10.0
    list(collector.collect())
    assert len(reads) == 2


def test_families_carry_only_bounded_labels() -> None:
    allowed = {"type", "channel", "office", "state", "kind", "kiosk", "printer", "paper"}
    for family in families(Snapshot()):
        for sample in family.samples:
            assert set(sample.labels) <= allowed, family.name


def test_appointments_and_the_queue_show_by_office(registry: Registry) -> None:
    from registry.bookings import calendar
    from registry.models import QueueTicket
    from tests.bookings.bookings_support import book, people, rules

    db = registry.db()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        with db.session() as s:
            r = rules()
            place = calendar.load_place(s, "AMM", "EXTRACT")
            day = next(
                d.day for d in calendar.open_days(s, r.settings, place, now=now) if d.has_free
            )
            (a,) = people(s, 1)
            book(
                s,
                r,
                a,
                service="EXTRACT",
                day=day,
                time=calendar.free_times(s, r.settings, place, day, now=now)[0],
                now=now,
            )
            # two tickets as an open office would print them, one called ten minutes later
            for n in (1, 2):
                s.add(
                    QueueTicket(
                        office="AMM",
                        day=now.date(),
                        label=f"W-00{n}",
                        kind="walk_in",
                        late=False,
                        service="EXTRACT",
                        state="waiting",
                        priority_at=now - dt.timedelta(minutes=20),
                        issued_at=now - dt.timedelta(minutes=20),
                        kiosk_id="K",
                    )
                )
            s.flush()
            first = s.scalar(select(QueueTicket).where(QueueTicket.label == "W-001"))
            assert first is not None
            first.state, first.called_at, first.counter = (
                "called",
                now - dt.timedelta(minutes=10),
                1,
            )
    finally:
        db.dispose()
    with LiveServer(registry) as server:
        text = scrape(server.url)
    assert _value(text, "sanad_bookings", office="AMM", state="booked") == 1
    assert _value(text, "sanad_queue_waiting", office="AMM") == 1
    assert 19 * 60 <= _value(text, "sanad_queue_oldest_waiting_seconds", office="AMM") <= 30 * 60
    assert _value(text, "sanad_queue_wait_seconds_count", office="AMM") == 1
    assert 9 * 60 <= _value(text, "sanad_queue_wait_seconds_sum", office="AMM") <= 11 * 60
