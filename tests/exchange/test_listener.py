"""The exchange over real mutual TLS: an in-process uvicorn on a free port, httpx clients."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import cbor2
import httpx
import pytest
from sqlalchemy import select

from registry import audit
from registry.audit import AuditEvent
from registry.db import Database
from registry.errors import InvalidInput
from registry.exchange import agencies
from registry.exchange.ca import create_ca
from registry.exchange.queries import accesses_for, answer, verify_answer
from registry.models import Agency, AuditEntry, Person
from tests.exchange.exchange_support import KEY, NOW, World, exchange_world
from tests.exchange.exchange_support import key_and_csr as _key_and_csr


@pytest.fixture
def world(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with exchange_world(tmp_path, tmp_path_factory) as w:
        yield w


def _person(db: Database) -> Person:
    with db.session() as s:
        return s.execute(select(Person).limit(1)).scalar_one()


def test_valid_certificate_answers_signed_and_audited(world: World) -> None:
    cert, key, _ = world.issue("PENS")
    p = _person(world.db)
    body = {"legal_basis": "pension", "case_reference": "C-1", "national_id": p.national_id}
    with world.client((cert, key)) as c:
        r = c.post("/api/v1/exchange/is_alive", json=body)
        assert r.status_code == 200, r.text
        payload, cose = bytes.fromhex(r.json()["payload"]), bytes.fromhex(r.json()["cose_sign1"])
        assert verify_answer(cose, payload, KEY.public.raw)
        assert cbor2.loads(payload)["query"] == "is_alive"
        refused = c.post("/api/v1/exchange/is_married", json=body)
        assert refused.status_code == 403 and "payload" not in refused.json()
        unknown = c.post("/api/v1/exchange/is_alive", json={**body, "national_id": "0000000000"})
        assert unknown.status_code == 403 and unknown.json() == refused.json()
    with world.db.session() as s:
        seen = accesses_for(s, p.id)
    # the refused attempt is on the list too, marked as such (nothing was disclosed); the
    # number nobody holds is on no one's
    assert [(a["query"], a["outcome"], a["reason"]) for a in seen] == [
        ("is_married", "refused", "not_allowed"),
        ("is_alive", "answered", None),
    ]
    assert seen[1]["agency_name_latin"] == "Pensions office"


def _exchange_entries(db: Database) -> list[dict[str, object]]:
    with db.session() as s:
        rows = s.execute(
            select(AuditEntry.data)
            .where(AuditEntry.kind == AuditEvent.EXCHANGE_QUERY.value)
            .order_by(AuditEntry.seq)
        ).scalars()
        return [json.loads(d) for d in rows]


def test_refused_queries_are_audited_with_their_reason(world: World) -> None:
    p = _person(world.db)
    body = {"legal_basis": "pension", "case_reference": "C-7", "national_id": p.national_id}
    cert, key, _ = world.issue("PENS")
    with world.client((cert, key)) as c:
        asks = [
            ("is_married", body),  # outside the basis
            ("is_alive", {**body, "legal_basis": "tax"}),  # a basis PENS does not hold
            ("is_alive", {**body, "national_id": "0000000000"}),  # nobody's number
            ("is_alive", body),  # answered
            ("no_such_query", body),  # 404: not judged, not audited
            ("is_alive", {**body, "national_id": None}),  # 422: not judged, not audited
        ]
        statuses = [c.post(f"/api/v1/exchange/{q}", json=b).status_code for q, b in asks]
    assert statuses == [403, 403, 403, 200, 404, 422]
    entries = _exchange_entries(world.db)
    base = {"agency": "PENS", "case_reference": "C-7", "legal_basis": "pension"}
    assert entries == [
        {
            **base,
            "query": "is_married",
            "person": p.id,
            "outcome": "refused",
            "reason": "not_allowed",
        },
        {
            **base,
            "legal_basis": "tax",
            "query": "is_alive",
            "person": p.id,
            "outcome": "refused",
            "reason": "not_allowed",
        },
        {
            **base,
            "query": "is_alive",
            "person": None,
            "outcome": "refused",
            "reason": "no_such_person",
        },
        {**base, "query": "is_alive", "person": p.id, "outcome": "answered"},
    ]
    with world.db.session() as s:
        raw = s.execute(select(AuditEntry.data)).scalars().all()
        assert not any(p.national_id in d or "0000000000" in d for d in raw)
        assert audit.verify_chain(s).ok
        seen = accesses_for(s, p.id)
    assert [(a["outcome"], a["reason"]) for a in seen] == [
        ("answered", None),
        ("refused", "not_allowed"),
        ("refused", "not_allowed"),
    ]


def test_refused_for_a_missing_child_or_document(world: World) -> None:
    with world.db.session() as s:
        agency = s.get(Agency, "PENS")
        assert agency is not None
        agency.bases = json.dumps({"pension": ["document_genuine", "is_parent_of"]})
    p = _person(world.db)
    body = {"legal_basis": "pension", "case_reference": "C-8"}
    cert, key, _ = world.issue("PENS")
    with world.client((cert, key)) as c:
        r1 = c.post(
            "/api/v1/exchange/is_parent_of",
            json={**body, "national_id": p.national_id, "child_national_id": "0000000000"},
        )
        r2 = c.post("/api/v1/exchange/document_genuine", json={**body, "serial": "NO-SUCH-1"})
    assert r1.status_code == r2.status_code == 403 and r1.json() == r2.json()
    last = _exchange_entries(world.db)[-2:]
    assert [(e["person"], e["reason"]) for e in last] == [
        (p.id, "no_such_child"),
        (None, "no_such_document"),
    ]
    assert "NO-SUCH-1" not in json.dumps(last)


def test_revoked_expired_disabled_refused(world: World) -> None:
    p = _person(world.db)
    body = {"legal_basis": "pension", "case_reference": "C-2", "national_id": p.national_id}
    cert, key, serial = world.issue("PENS")
    with world.db.session() as s:
        agencies.revoke_certificate(s, serial, NOW)
        s.commit()
    with world.client((cert, key)) as c:
        assert c.post("/api/v1/exchange/is_alive", json=body).status_code == 401
    cert2, key2, _ = world.issue("PENS")
    with world.db.session() as s:
        agencies.disable_agency(s, "PENS")
        s.commit()
    with world.client((cert2, key2)) as c:
        assert c.post("/api/v1/exchange/is_alive", json=body).status_code == 401


def test_no_certificate_or_other_ca_refused_at_handshake(world: World, tmp_path: Path) -> None:
    with world.client(None) as c, pytest.raises(httpx.HTTPError):
        c.post("/api/v1/exchange/is_alive", json={})
    other = create_ca(tmp_path / "other", NOW)
    key_path, csr = _key_and_csr(tmp_path, "x")
    issued = other.sign_csr(csr, "PENS", NOW)
    (tmp_path / "x.pem").write_bytes(issued.pem)
    with world.client((tmp_path / "x.pem", key_path)) as c, pytest.raises(httpx.HTTPError):
        c.post("/api/v1/exchange/is_alive", json={})


def test_expired_certificate_refused(world: World) -> None:
    p = _person(world.db)
    body = {"legal_basis": "pension", "case_reference": "C-3", "national_id": p.national_id}
    old = NOW - dt.timedelta(days=3)
    cert, key, _ = world.issue("PENS", validity=dt.timedelta(days=1), not_before=old)
    with world.client((cert, key)) as c:
        try:
            status = c.post("/api/v1/exchange/is_alive", json=body).status_code
        except httpx.HTTPError:
            status = 0  # refused at the handshake
    assert status in (0, 401)


BAD_BODIES: dict[str, tuple[str, dict[str, object], str, str]] = {
    "national_id null": ("is_alive", {"national_id": None}, "invalid_request", "national_id"),
    "national_id absent": ("is_alive", {}, "invalid_request", "national_id"),
    "national_id a number": (
        "is_alive",
        {"national_id": 1234567890},
        "invalid_request",
        "national_id",
    ),
    "national_id malformed": (
        "is_alive",
        {"national_id": "12345"},
        "invalid_national_id",
        "national_id",
    ),
    "national_id blank": ("is_over_18", {"national_id": "  "}, "invalid_request", "national_id"),
    "child absent": ("is_parent_of", {}, "invalid_request", "child_national_id"),
    "serial null": ("document_genuine", {"serial": None}, "invalid_request", "serial"),
    "serial a list": ("document_genuine", {"serial": ["A1"]}, "invalid_request", "serial"),
    # PostgreSQL text holds no NUL: refused here rather than a 500 from the database
    "serial with NUL": ("document_genuine", {"serial": "A1\x00"}, "invalid_request", "serial"),
    "basis with a control character": (
        "is_alive",
        {"legal_basis": "pension\x07"},
        "invalid_request",
        "legal_basis",
    ),
}


@pytest.mark.parametrize("case", list(BAD_BODIES), ids=list(BAD_BODIES))
def test_missing_or_non_string_fields_are_422(world: World, case: str) -> None:
    query, fields, error, field = BAD_BODIES[case]
    p = _person(world.db)
    if query == "is_parent_of":
        fields = {"national_id": p.national_id, **fields}
    body: dict[str, object] = {"legal_basis": "pension", "case_reference": "C-4", **fields}
    cert, key, _ = world.issue("PENS")
    with world.client((cert, key)) as c:
        r = c.post(f"/api/v1/exchange/{query}", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == error and field in r.json()["message"]
    assert p.national_id not in r.text and "12345" not in r.text


def test_a_lone_surrogate_is_422(world: World) -> None:
    """`\\ud800` is valid JSON but no character a database can store: pydantic refuses it
    as a string, so it never reaches a query."""
    cert, key, _ = world.issue("PENS")
    raw = b'{"legal_basis": "pension", "case_reference": "C-\\ud800", "national_id": "1"}'
    with world.client((cert, key)) as c:
        r = c.post(
            "/api/v1/exchange/is_alive",
            content=raw,
            headers={"Content-Type": "application/json"},
        )
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_request" and "case_reference" in r.json()["message"]


@pytest.mark.parametrize(
    "params",
    [{"national_id": None}, {"national_id": 1234567890}, {"national_id": ["x"]}, {}],
    ids=["null", "int", "list", "absent"],
)
def test_answer_refuses_non_string_fields_as_invalid_input(
    world: World, params: dict[str, object]
) -> None:
    with world.db.session() as s:
        agency = s.get(Agency, "PENS")
        assert agency is not None
        with pytest.raises(InvalidInput, match="national_id"):
            answer(s, agency, "is_alive", dict(params), "pension", "C-5", KEY, NOW)
        with pytest.raises(InvalidInput, match="serial"):
            answer(s, agency, "document_genuine", {"serial": 42}, "pension", "C-5", KEY, NOW)


def test_arabic_indic_digits_are_the_same_number(world: World) -> None:
    p = _person(world.db)
    arabic = p.national_id.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    body = {"legal_basis": "pension", "case_reference": "C-6", "national_id": arabic}
    cert, key, _ = world.issue("PENS")
    with world.client((cert, key)) as c:
        r = c.post("/api/v1/exchange/is_alive", json=body)
    assert r.status_code == 200, r.text
