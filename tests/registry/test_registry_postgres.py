"""The registry on PostgreSQL: migrations, issuance, audit, and a database that goes away."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import create_engine, inspect, text

from registry.audit import verify_chain
from registry.db import Database
from registry.errors import ServiceUnavailable
from tests.support.postgres import PG_ADMIN
from tests.support.registry import LiveServer, Registry, login
from verifier.documents import DocumentType
from verifier.verify import Status, verify

pytestmark = pytest.mark.postgres


def test_migrations_create_the_schema_and_are_idempotent(pg_url: str) -> None:
    db = Database(pg_url)
    db.migrate()
    db.migrate()
    tables = set(inspect(db.engine).get_table_names())
    db.dispose()
    assert {
        "persons",
        "marriages",
        "divorces",
        "deaths",
        "documents",
        "audit_log",
        "kiosks",
        "signers",
        "trust_lists",
        "places",
        "alembic_version",
    } <= tables


def test_issue_verify_and_audit_on_postgresql(pg_registry: Registry) -> None:
    with LiveServer(pg_registry) as live:
        key = pg_registry.enroll("PG-001")
        citizen = pg_registry.citizens("married", "parent_of_minor")[0]
        with live.client("PG-001", key) as client:
            session = login(client, citizen)
            offers = client.entitlements(session)
            docs = [
                client.issue(
                    session,
                    document_type=o.document_type,
                    subject=o.subject,
                    payment_reference=f"PG-PAY-{i}",
                )
                for i, o in enumerate(offers)
            ]
            again = client.issue(
                session,
                document_type=offers[0].document_type,
                subject=offers[0].subject,
                payment_reference="PG-PAY-R",
                idempotency_key="pg-idem-0001",
            )
            replay = client.issue(
                session,
                document_type=offers[0].document_type,
                subject=offers[0].subject,
                payment_reference="PG-PAY-R",
                idempotency_key="pg-idem-0001",
            )
            assert replay.replayed and replay.serial == again.serial
    trust = pg_registry.trust()
    assert all(verify(d.qr_text, trust).status is Status.VALID for d in docs)
    assert {DocumentType.BIRTH_CERTIFICATE, DocumentType.MARRIAGE_CERTIFICATE} <= {
        d.document_type for d in docs
    }
    db = pg_registry.db()
    with db.session() as s:
        report = verify_chain(s)
    db.dispose()
    assert report.ok and report.entries > len(docs)


def test_database_outage_answers_503_and_recovers(pg_registry: Registry) -> None:
    name = pg_registry.url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")

    def cut(allow: bool) -> None:
        with admin.connect() as c:
            c.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}'))
            if not allow:
                c.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                    ),
                    {"n": name},
                )

    try:
        with LiveServer(pg_registry) as live:
            key = pg_registry.enroll("PG-OUT")
            citizen = pg_registry.citizens()[0]
            with live.client("PG-OUT", key, retries=1, backoff=0.05) as client:
                session = login(client, citizen)
                assert httpx.get(f"{live.url}/api/v1/health").status_code == 200
                cut(allow=False)
                r = httpx.get(f"{live.url}/api/v1/health")
                assert r.status_code == 503
                assert r.json()["error"]["code"] == "database_unavailable"
                assert "retry-after" in r.headers
                with pytest.raises(ServiceUnavailable):
                    client.issue(
                        session,
                        document_type=DocumentType.BIRTH_CERTIFICATE,
                        subject=citizen["national_id"],
                        payment_reference="OUT-1",
                    )
                cut(allow=True)
                assert httpx.get(f"{live.url}/api/v1/health").status_code == 200
                doc = client.issue(
                    session,
                    document_type=DocumentType.BIRTH_CERTIFICATE,
                    subject=citizen["national_id"],
                    payment_reference="OUT-1",
                )
                assert not doc.replayed
    finally:
        cut(allow=True)
        admin.dispose()
