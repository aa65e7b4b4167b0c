"""Input no handler should ever see: NaN and Infinity, lone surrogates, bytes that are not
UTF-8, NUL and other control characters. Every one is a 4xx in the API's error shape, never a
500 or a "database unavailable", and nothing of the input reaches the logs."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.support.registry import Kiosk, LiveServer, Registry, login

MARK = "9941510936"  # stands for personal data in the input: must never be logged

RAW_BODIES = [
    b'{"document_type":"birth_certificate","subject":NaN,"payment_reference":"P-9941510936",'
    b'"idempotency_key":"key-9941510936"}',
    b'{"document_type":"birth_certificate","subject":"9941510936","payment_reference":Infinity,'
    b'"idempotency_key":"key-9941510936"}',
    b'{"document_type":"birth_certificate","subject":"\\ud800 9941510936",'
    b'"payment_reference":"P-1","idempotency_key":"key-9941510936"}',
    b'{"document_type":"birth_certificate","subject":"\xff\xfe 9941510936",'
    b'"payment_reference":"P-1","idempotency_key":"key-9941510936"}',
    b'{"document_type":"birth_certificate","subject":"9941510936\\u0000",'
    b'"payment_reference":"P-1","idempotency_key":"key-9941510936"}',
    b'{"\\ud800 9941510936": 1}',
    b"\xff\xfe\xfd 9941510936",
    b'{"document_type": -Infinity}',
    b"[" * 5000 + b"9941510936" + b"]" * 5000,
]


def _assert_error_shape(r: httpx.Response) -> None:
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
    assert MARK not in r.text


def _assert_clean_logs(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert record.levelno < logging.ERROR, record.getMessage()
        assert MARK not in record.getMessage()
        assert MARK not in (record.exc_text or "")
        assert record.exc_info is None


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "badly-signed"])
def test_hostile_json_is_a_4xx_and_never_logged(
    server: LiveServer, caplog: pytest.LogCaptureFixture, signed: bool
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = {"Content-Type": "application/json"}
    if signed:
        headers |= {
            "X-Sanad-Kiosk": "IRB-001",
            "X-Sanad-Timestamp": "1795262400",
            "X-Sanad-Nonce": "AAAAAAAAAAAAAAAAAAAAAAAA",
            "X-Sanad-Signature": "A" * 86,
        }
    for path in ("/api/v1/documents", "/api/v1/auth/login", "/api/v1/kiosk/heartbeat"):
        for raw in RAW_BODIES:
            r = httpx.post(f"{server.url}{path}", content=raw, headers=headers, timeout=10)
            _assert_error_shape(r)
    _assert_clean_logs(caplog)


def _signed(kiosk: Kiosk, path: str, body: Any, token: str | None = None) -> httpx.Response:
    # the client signs whatever JSON it is given (json.dumps writes NaN as NaN)
    return kiosk.client._send("POST", path, body, token, False, {})


HOSTILE_TEXT = ["\x00" + MARK, MARK + "\x00", "\ud800" + MARK, "\x1b[31m" + MARK, "\x9b" + MARK]


def _hostile_requests(kiosk: Kiosk, registry: Registry) -> list[httpx.Response]:
    citizen = registry.citizens()[0]
    session = login(kiosk.client, citizen)
    answers = []
    for bad in HOSTILE_TEXT:
        beat = {"printer": "online", "paper": "ok", "app_version": "1.0"}
        answers += [
            _signed(kiosk, "/api/v1/kiosk/heartbeat", {**beat, "app_version": bad}),
            _signed(kiosk, "/api/v1/kiosk/heartbeat", {**beat, "last_error": bad}),
            _signed(kiosk, "/api/v1/auth/login", {"card": bad, "pin": "123456"}),
            _signed(kiosk, "/api/v1/auth/login", {"national_id": bad, "pin": "123456"}),
            _signed(kiosk, "/api/v1/auth/login", {"national_id": MARK, "pin": bad}),
            _signed(
                kiosk,
                "/api/v1/documents",
                {
                    "document_type": "birth_certificate",
                    "subject": citizen["national_id"],
                    "payment_reference": bad,
                    "idempotency_key": "hostile-key-1",
                },
                session.token,
            ),
            _signed(
                kiosk,
                "/api/v1/documents/preview",
                {"document_type": "birth_certificate", "subject": bad},
                session.token,
            ),
        ]
    answers.append(
        _signed(
            kiosk,
            "/api/v1/kiosk/heartbeat",
            {
                "printer": "online",
                "paper": "ok",
                "app_version": "1",
                "journal_backlog": float("nan"),
            },
        )
    )
    return answers


def test_hostile_text_from_a_signed_kiosk_on_sqlite(
    kiosk: Kiosk, registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for r in _hostile_requests(kiosk, registry):
        _assert_error_shape(r)
    _assert_clean_logs(caplog)


@pytest.mark.postgres
def test_nul_and_control_text_on_postgresql_is_a_4xx_not_database_unavailable(
    pg_registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = pg_registry.enroll("IRB-001")
    with LiveServer(pg_registry) as live, live.client("IRB-001", key, retries=0) as client:
        kiosk = Kiosk("IRB-001", key, client)
        for r in _hostile_requests(kiosk, pg_registry):
            _assert_error_shape(r)
            assert "database_unavailable" not in r.text
    _assert_clean_logs(caplog)


@pytest.mark.postgres
def test_a_value_postgresql_refuses_is_a_400(pg_registry: Registry) -> None:
    """Whatever still reaches the database and is refused there as data (a DataError) is the
    client's fault: 400 in the error shape, not 503."""
    with LiveServer(pg_registry) as live:
        app: FastAPI = live.app

        @app.get("/test/data-error")
        def data_error() -> None:
            with live.app.state.registry.db.session() as s:
                s.execute(text("SELECT CAST(:v AS integer)"), {"v": "not a number"})

        r = httpx.get(f"{live.url}/test/data-error")
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid_request"


def test_unknown_routes_and_methods_answer_in_the_error_shape(server: LiveServer) -> None:
    r = httpx.get(f"{server.url}/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = httpx.delete(f"{server.url}/api/v1/fees")
    assert r.status_code == 405 and r.json()["error"]["code"] == "invalid_request"


def test_no_page_loads_an_external_resource(server: LiveServer, registry: Registry) -> None:
    assert httpx.get(f"{server.url}/docs").status_code == 404  # Swagger UI came from a CDN
    assert httpx.get(f"{server.url}/redoc").status_code == 404
    r = httpx.get(f"{server.url}/openapi.json")
    assert r.status_code == 200 and r.json()["info"]["title"] == "Sanad registry"
    page = httpx.get(f"{server.url}/office/sign-in")  # the registry's one page without a session
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for needle in ("http://", "https://", "//cdn", "src=", "@import", "url("):
        assert needle not in page.text.lower(), needle
