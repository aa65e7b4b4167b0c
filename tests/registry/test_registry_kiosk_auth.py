"""Kiosk request signatures: unsigned, forged, tampered, replayed, stale, unknown, revoked."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys

import httpx
import pytest

from registry.codes import ErrorCode
from registry.errors import KioskAuthError
from registry.signing import HEADER_SIGNATURE, HEADER_TIMESTAMP, sign_request
from tests.support.registry import Kiosk, LiveServer, Registry
from verifier.keys import SigningKey

BEAT = {"printer": "online", "paper": "ok", "app_version": "1.0"}


def _post(server: LiveServer, headers: dict[str, str], body: bytes) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v1/kiosk/heartbeat",
        content=body,
        headers={**headers, "Content-Type": "application/json"},
    )


def _signed(kiosk_id: str, key: SigningKey, body: bytes, **kw: object) -> dict[str, str]:
    return sign_request(key, kiosk_id, "POST", "/api/v1/kiosk/heartbeat", body, **kw)  # type: ignore[arg-type]


def _code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def test_a_signed_request_is_accepted(server: LiveServer, kiosk: Kiosk) -> None:
    body = json.dumps(BEAT).encode()
    assert _post(server, _signed(kiosk.id, kiosk.key, body), body).status_code == 200


def test_unsigned_request_is_refused(server: LiveServer, kiosk: Kiosk) -> None:
    r = _post(server, {}, json.dumps(BEAT).encode())
    assert r.status_code == 401 and _code(r) == ErrorCode.SIGNATURE_MISSING


def test_tampered_body_is_refused(server: LiveServer, kiosk: Kiosk) -> None:
    body = json.dumps(BEAT).encode()
    tampered = json.dumps({**BEAT, "paper": "out"}).encode()
    r = _post(server, _signed(kiosk.id, kiosk.key, body), tampered)
    assert r.status_code == 401 and _code(r) == ErrorCode.SIGNATURE_INVALID


def test_signature_by_another_key_is_refused(server: LiveServer, kiosk: Kiosk) -> None:
    body = json.dumps(BEAT).encode()
    r = _post(server, _signed(kiosk.id, SigningKey.generate(), body), body)
    assert r.status_code == 401 and _code(r) == ErrorCode.SIGNATURE_INVALID


def test_path_is_signed(server: LiveServer, kiosk: Kiosk) -> None:
    body = b""
    headers = sign_request(kiosk.key, kiosk.id, "GET", "/api/v1/fees", body)
    r = httpx.get(f"{server.url}/api/v1/entitlements", headers=headers)
    assert r.status_code == 401 and _code(r) == ErrorCode.SIGNATURE_INVALID


def test_replayed_request_is_refused_and_logged(
    server: LiveServer, kiosk: Kiosk, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(BEAT).encode()
    headers = _signed(kiosk.id, kiosk.key, body)
    assert _post(server, headers, body).status_code == 200
    with caplog.at_level(logging.WARNING, logger="registry"):
        r = _post(server, headers, body)
    assert r.status_code == 401 and _code(r) == ErrorCode.NONCE_REPLAYED
    assert any("replayed" in m and kiosk.id in m for m in caplog.messages)


def test_stale_timestamp_is_refused(server: LiveServer, kiosk: Kiosk) -> None:
    body = json.dumps(BEAT).encode()
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    r = _post(server, _signed(kiosk.id, kiosk.key, body, now=old), body)
    assert r.status_code == 401 and _code(r) == ErrorCode.TIMESTAMP_STALE
    future = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    r = _post(server, _signed(kiosk.id, kiosk.key, body, now=future), body)
    assert r.status_code == 401 and _code(r) == ErrorCode.TIMESTAMP_STALE


def test_timestamp_cannot_be_swapped_after_signing(server: LiveServer, kiosk: Kiosk) -> None:
    body = json.dumps(BEAT).encode()
    headers = _signed(kiosk.id, kiosk.key, body)
    headers[HEADER_TIMESTAMP] = str(int(headers[HEADER_TIMESTAMP]) + 1)
    r = _post(server, headers, body)
    assert r.status_code == 401 and _code(r) == ErrorCode.SIGNATURE_INVALID


def test_malformed_signature_header_is_a_clear_401(server: LiveServer, kiosk: Kiosk) -> None:
    body = json.dumps(BEAT).encode()
    headers = _signed(kiosk.id, kiosk.key, body)
    headers[HEADER_SIGNATURE] = "not-a-signature"
    r = _post(server, headers, body)
    assert r.status_code == 401 and _code(r) == ErrorCode.SIGNATURE_INVALID


def test_unknown_kiosk_is_refused_and_logged(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(BEAT).encode()
    with caplog.at_level(logging.WARNING, logger="registry"):
        r = _post(server, _signed("NOBODY-1", SigningKey.generate(), body), body)
    assert r.status_code == 401 and _code(r) == ErrorCode.KIOSK_UNKNOWN
    assert any("unknown kiosk NOBODY-1" in m for m in caplog.messages)


def test_revoked_kiosk_is_locked_out_at_once(
    server: LiveServer, kiosk: Kiosk, registry: Registry
) -> None:
    kiosk.client.heartbeat(printer="online", paper="ok", app_version="1.0")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sanad",
            "registry",
            "kiosk",
            "revoke",
            "--data",
            str(registry.data.root),
            "--id",
            kiosk.id,
            "--reason",
            "stolen",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with pytest.raises(KioskAuthError) as err:
        kiosk.client.heartbeat(printer="online", paper="ok", app_version="1.0")
    assert err.value.code is ErrorCode.KIOSK_REVOKED


def test_a_revoked_kiosk_can_be_re_enrolled_with_a_new_key(
    server: LiveServer, kiosk: Kiosk, registry: Registry
) -> None:
    from click.testing import CliRunner

    from sanad.cli import main
    from verifier.keys import save_public_key

    kiosk.client.heartbeat(printer="online", paper="ok", app_version="1.0")
    root = str(registry.data.root)
    runner = CliRunner()
    assert (
        runner.invoke(
            main, ["registry", "kiosk", "revoke", "--data", root, "--id", kiosk.id]
        ).exit_code
        == 0
    )
    new_key = SigningKey.generate()
    pub = registry.data.root / "new-kiosk.pub.jwk"
    save_public_key(new_key.public, pub)
    result = runner.invoke(
        main,
        ["registry", "kiosk", "enroll", "--data", root, "--id", kiosk.id, "--public-key", str(pub)],
    )
    assert result.exit_code == 0, result.output
    with pytest.raises(KioskAuthError):  # the old key is gone
        kiosk.client.heartbeat(printer="online", paper="ok", app_version="1.0")
    with server.client(kiosk.id, new_key) as fresh:
        fresh.heartbeat(printer="online", paper="ok", app_version="1.1")
