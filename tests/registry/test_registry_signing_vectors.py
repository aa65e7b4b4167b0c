"""The kiosk signature scheme as fixed vectors (for other implementations) and pure rules."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from pathlib import Path

import pytest

from registry.config import ThrottlePolicy
from registry.errors import KioskAuthError
from registry.signing import canonical, is_fresh, parse_headers, sign_request
from verifier.keys import SigningKey

SEED = bytes(range(32))
WHEN = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
BODY = b'{"paper":"ok","printer":"online","app_version":"1.0"}'


def test_canonical_message_is_seven_lines() -> None:
    msg = canonical("post", "/api/v1/kiosk/heartbeat?x=1", 1795262400, "n" * 16, "AMM-001", BODY)
    lines = msg.decode().split("\n")
    assert lines == [
        "SANAD-KIOSK-SIG-V1",
        "POST",
        "/api/v1/kiosk/heartbeat?x=1",
        "1795262400",
        "n" * 16,
        "AMM-001",
        hashlib.sha256(BODY).hexdigest(),
    ]


def test_signature_vector_is_stable() -> None:
    key = SigningKey.from_seed(SEED)
    headers = sign_request(
        key,
        "AMM-001",
        "POST",
        "/api/v1/kiosk/heartbeat",
        BODY,
        now=WHEN,
        nonce="AAAAAAAAAAAAAAAAAAAAAAAA",
    )
    assert headers["X-Sanad-Timestamp"] == "1795262400"
    # computed independently with the `cryptography` package's Ed25519 over the seven lines
    assert headers["X-Sanad-Signature"] == (
        "odtADXWrR7K6NrXIiAgUFeIAzMf4-6IZZW37J9L7W80uqmVs-uWwDJJUHUFi5xpiasDoUtNwMSSr7cTZ09wBBg"
    )
    parsed = parse_headers(headers)
    assert parsed.verify(key.public.raw, "POST", "/api/v1/kiosk/heartbeat", BODY)
    assert not parsed.verify(key.public.raw, "POST", "/api/v1/kiosk/heartbeat", BODY + b" ")
    assert not parsed.verify(key.public.raw, "GET", "/api/v1/kiosk/heartbeat", BODY)
    # Ed25519 is deterministic: the same inputs always give this signature
    again = sign_request(
        key,
        "AMM-001",
        "POST",
        "/api/v1/kiosk/heartbeat",
        BODY,
        now=WHEN,
        nonce="AAAAAAAAAAAAAAAAAAAAAAAA",
    )
    assert again == headers


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "signature_missing"),
        (
            {"X-Sanad-Kiosk": "A", "X-Sanad-Timestamp": "1", "X-Sanad-Nonce": "x" * 16},
            "signature_missing",
        ),
        (
            {
                "X-Sanad-Kiosk": "bad id!",
                "X-Sanad-Timestamp": "1",
                "X-Sanad-Nonce": "x" * 16,
                "X-Sanad-Signature": "A" * 86,
            },
            "signature_invalid",
        ),
        (
            {
                "X-Sanad-Kiosk": "A",
                "X-Sanad-Timestamp": "soon",
                "X-Sanad-Nonce": "x" * 16,
                "X-Sanad-Signature": "A" * 86,
            },
            "signature_invalid",
        ),
        (
            {
                "X-Sanad-Kiosk": "A",
                "X-Sanad-Timestamp": "1",
                "X-Sanad-Nonce": "short",
                "X-Sanad-Signature": "A" * 86,
            },
            "signature_invalid",
        ),
        (
            {
                "X-Sanad-Kiosk": "A",
                "X-Sanad-Timestamp": "1",
                "X-Sanad-Nonce": "x" * 16,
                "X-Sanad-Signature": "A" * 85,
            },
            "signature_invalid",
        ),
    ],
    ids=["none", "no signature", "bad kiosk id", "bad timestamp", "short nonce", "short sig"],
)
def test_malformed_headers_are_refused_with_a_code(headers: dict[str, str], code: str) -> None:
    with pytest.raises(KioskAuthError) as err:
        parse_headers(headers)
    assert err.value.code.value == code


def test_freshness_window_is_symmetric() -> None:
    skew = dt.timedelta(seconds=120)
    now = WHEN
    assert is_fresh(int(now.timestamp()) - 120, now, skew)
    assert is_fresh(int(now.timestamp()) + 120, now, skew)
    assert not is_fresh(int(now.timestamp()) - 121, now, skew)
    assert not is_fresh(int(now.timestamp()) + 121, now, skew)


def test_throttle_delay_grows_and_is_capped() -> None:
    p = ThrottlePolicy(max_failures=10, free_failures=3, base_delay=1.0, max_delay=30.0)
    assert [p.delay_after(n) for n in range(9)] == [0, 0, 0, 1, 2, 4, 8, 16, 30]
    with pytest.raises(Exception, match="between 1 and 100"):
        ThrottlePolicy(max_failures=101)


@pytest.mark.slow
def test_ten_thousand_persons_initialise_well_under_a_minute(tmp_path: Path) -> None:
    from registry.config import DataDir
    from registry.seed import initialise

    start = time.perf_counter()
    result = initialise(DataDir(tmp_path / "big"), demo=10_000, seed=2)
    assert result.persons_added == 10_000
    assert time.perf_counter() - start < 30
