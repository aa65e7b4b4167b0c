"""The lean issue path: kiosk and session checks on POST /api/v1/documents itself, and the
signer, fee and refusal facts it reads inside its one transaction rather than from a cache."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from registry.audit import head, verify_chain
from registry.client import CitizenSession
from registry.models import Fee, IssuedDocument, KioskNonce
from registry.signing import sign_request
from tests.support.registry import Kiosk, LiveServer, Registry, login
from verifier.documents import DocumentType
from verifier.keys import SigningKey

PATH = "/api/v1/documents"


def _body(citizen: dict[str, str], n: int, **extra: str) -> bytes:
    return json.dumps(
        {
            "document_type": "birth_certificate",
            "subject": citizen["national_id"],
            "payment_reference": f"PATH-{n}",
            "idempotency_key": f"path-key-{n:04d}",
            **extra,
        }
    ).encode()


def _post(
    server: LiveServer,
    kiosk_id: str,
    key: SigningKey,
    body: bytes,
    token: str | None,
    *,
    sent: bytes | None = None,
    **sign: Any,
) -> httpx.Response:
    headers = sign_request(key, kiosk_id, "POST", PATH, body, **sign)
    headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{server.url}{PATH}", content=sent or body, headers=headers)


def _code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


def _count(registry: Registry, *where: Any) -> int:
    db = registry.db()
    try:
        with db.session() as s:
            return int(
                s.execute(
                    select(func.count()).select_from(IssuedDocument).where(*where)
                ).scalar_one()
            )
    finally:
        db.dispose()


@pytest.fixture
def session(kiosk: Kiosk, registry: Registry) -> tuple[dict[str, str], CitizenSession]:
    citizen = registry.citizens()[0]
    return citizen, login(kiosk.client, citizen)


def test_kiosk_checks_on_issue_answer_their_own_401(
    server: LiveServer,
    kiosk: Kiosk,
    registry: Registry,
    session: tuple[dict[str, str], CitizenSession],
) -> None:
    citizen, s = session
    stranger = SigningKey.generate()
    r = _post(server, "NOBODY-1", stranger, _body(citizen, 1), s.token)
    assert r.status_code == 401 and _code(r) == "kiosk_unknown"
    r = _post(server, kiosk.id, stranger, _body(citizen, 2), s.token)
    assert r.status_code == 401 and _code(r) == "signature_invalid"
    r = _post(server, kiosk.id, kiosk.key, _body(citizen, 3), s.token, sent=_body(citizen, 4))
    assert r.status_code == 401 and _code(r) == "signature_invalid"
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    r = _post(server, kiosk.id, kiosk.key, _body(citizen, 5), s.token, now=old)
    assert r.status_code == 401 and _code(r) == "timestamp_stale"
    assert _count(registry) == 0

    # the same signed request twice: the second is a replay of the nonce, not of the document
    body = _body(citizen, 6)
    headers = sign_request(kiosk.key, kiosk.id, "POST", PATH, body)
    headers |= {"Content-Type": "application/json", "Authorization": f"Bearer {s.token}"}
    first = httpx.post(f"{server.url}{PATH}", content=body, headers=headers)
    again = httpx.post(f"{server.url}{PATH}", content=body, headers=headers)
    assert first.status_code == 201 and first.json()["replayed"] is False
    assert again.status_code == 401 and _code(again) == "nonce_replayed"
    assert _count(registry) == 1


def _nonces(registry: Registry) -> int:
    db = registry.db()
    try:
        with db.session() as s:
            return int(s.execute(select(func.count()).select_from(KioskNonce)).scalar_one())
    finally:
        db.dispose()


def test_session_checks_on_issue(
    server: LiveServer,
    kiosk: Kiosk,
    registry: Registry,
    session: tuple[dict[str, str], CitizenSession],
) -> None:
    citizen, s = session
    other = registry.enroll("IRB-002")
    nonces = _nonces(registry)
    r = _post(server, kiosk.id, kiosk.key, _body(citizen, 1), None)
    assert r.status_code == 401 and _code(r) == "session_invalid"
    r = _post(server, kiosk.id, kiosk.key, _body(citizen, 2), "not-a-token")
    assert r.status_code == 401 and _code(r) == "session_invalid"
    r = _post(server, "IRB-002", other, _body(citizen, 3), s.token)  # a token of IRB-001
    assert r.status_code == 401 and _code(r) == "session_invalid"
    assert "another kiosk" in r.json()["error"]["message"]
    assert _count(registry) == 0
    assert _nonces(registry) == nonces  # a refused request's transaction is rolled back
    r = _post(server, kiosk.id, kiosk.key, _body(citizen, 4), s.token)
    assert r.status_code == 201, r.text
    assert _nonces(registry) == nonces + 1


def test_revoked_kiosk_cannot_issue_with_a_live_session(
    server: LiveServer,
    kiosk: Kiosk,
    registry: Registry,
    session: tuple[dict[str, str], CitizenSession],
) -> None:
    from registry import kiosks

    citizen, s = session
    assert _post(server, kiosk.id, kiosk.key, _body(citizen, 1), s.token).status_code == 201
    db = registry.db()
    with db.session() as dbs:
        kiosks.revoke(dbs, kiosk.id, "stolen", dt.datetime.now(dt.UTC))
    db.dispose()
    r = _post(server, kiosk.id, kiosk.key, _body(citizen, 2), s.token)
    assert r.status_code == 401 and _code(r) == "kiosk_revoked"
    assert _count(registry) == 1


def test_a_new_fee_applies_to_the_very_next_document(
    kiosk: Kiosk, registry: Registry, session: tuple[dict[str, str], CitizenSession]
) -> None:
    citizen, s = session
    issue = kiosk.client.issue
    first = issue(
        s,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=citizen["national_id"],
        payment_reference="FEE-1",
    )
    db = registry.db()
    with db.session() as dbs:
        dbs.execute(
            update(Fee)
            .where(Fee.document_type == int(DocumentType.BIRTH_CERTIFICATE))
            .values(amount=first.fee_amount + 750)
        )
    db.dispose()
    second = issue(
        s,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=citizen["national_id"],
        payment_reference="FEE-2",
    )
    assert second.fee_amount == first.fee_amount + 750
    assert _count(registry, IssuedDocument.fee_amount == second.fee_amount) == 1


def test_a_refusal_writes_nothing(
    kiosk: Kiosk, registry: Registry, session: tuple[dict[str, str], CitizenSession]
) -> None:
    from registry.errors import Refused

    citizen, s = session
    stranger = next(c for c in registry.citizens() if c["national_id"] != citizen["national_id"])
    db = registry.db()
    with db.session() as dbs:
        before = head(dbs)
    with pytest.raises(Refused) as err:
        kiosk.client.issue(
            s,
            document_type=DocumentType.BIRTH_CERTIFICATE,
            subject=stranger["national_id"],
            payment_reference="REFUSED-1",
        )
    assert err.value.code.value == "not_parent"
    with db.session() as dbs:
        assert head(dbs) == before
        assert verify_chain(dbs).ok
    db.dispose()
    assert _count(registry) == 0
    # and the payment reference is still free
    doc = kiosk.client.issue(
        s,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=citizen["national_id"],
        payment_reference="REFUSED-1",
    )
    assert doc.serial and _count(registry, IssuedDocument.serial == doc.serial) == 1


def test_one_set_of_request_and_session_checks_serves_both_paths() -> None:
    """The issue path and the other kiosk endpoints share the pure checks
    (`kiosks.check_request`, `citizens.check_token`, `citizens.check_session`): exercised here
    without a database, each refusal with its code."""
    import datetime as dt

    from registry import citizens as c
    from registry import kiosks as k
    from registry.errors import KioskAuthError, SessionInvalid
    from registry.signing import parse_headers, sign_request
    from tests.support.registry import FAST
    from verifier.keys import SigningKey

    key = SigningKey.generate()
    now = dt.datetime.now(dt.UTC)
    skew = dt.timedelta(seconds=120)
    headers = parse_headers(sign_request(key, "K-1", "POST", "/api/v1/documents", b"{}"))
    info = k.KioskInfo("K-1", key.public.raw, None, "مركز", "Centre")
    assert k.check_request(info, headers, "POST", "/api/v1/documents", b"{}", now, skew) is info
    cases = [
        (None, b"{}", now, "kiosk_unknown"),
        (k.KioskInfo("K-1", key.public.raw, now, "م", None), b"{}", now, "kiosk_revoked"),
        (info, b"{ }", now, "signature_invalid"),
        (info, b"{}", now + dt.timedelta(minutes=5), "timestamp_stale"),
    ]
    for kiosk, body, at, code in cases:
        with pytest.raises(KioskAuthError) as err:
            k.check_request(kiosk, headers, "POST", "/api/v1/documents", body, at, skew)
        assert err.value.code == code
    for token in (None, "", "x" * 129):
        with pytest.raises(SessionInvalid):
            c.check_token(token)
    assert c.check_token("abc") == "abc"
    ttl = FAST.session_ttl
    assert c.check_session(("K-1", now + ttl), "K-1", FAST, now) is False
    assert c.check_session(("K-1", now + ttl / 4), "K-1", FAST, now) is True  # extend
    for found, kiosk_id in (
        (None, "K-1"),
        (("K-1", now), "K-1"),
        (("K-2", now + ttl), "K-1"),
    ):
        with pytest.raises(SessionInvalid):
            c.check_session(found, kiosk_id, FAST, now)
    assert c.token_hash(None) == c.token_hash("") == ""
