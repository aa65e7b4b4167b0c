"""What the operator sees when the trust list goes wrong: a republished sequence with other
content, a file older than the cache, a list below the pinned minimum, a stale or expired list;
and the refresh's back-off. Real uvicorn, a real HTTP server standing in for the registry."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_support import Material, base_config, fake_registry

from tests.support.servers import wait_for
from verifier.documents import DocumentType
from verifier.errors import TrustListError
from verifier.fixtures import sample_serial, sample_trust_list, signer_entry
from verifier.service import check_config
from verifier.service.config import ConfigError, load_config


def status(url: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{url}/api/v1/trust-list/status").json()
    return body


def verdict(url: str, text: str) -> dict[str, Any]:
    r = httpx.post(f"{url}/api/v1/verify", json={"qr_text": text}, timeout=10)
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


def test_same_sequence_with_other_content_is_refused_and_shown(
    material: Material,
    serve_app: Callable[..., Any],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    serial = sample_serial(DocumentType.BIRTH_CERTIFICATE)
    with fake_registry(material.trust_list(5)) as registry:
        config = base_config(
            material,
            trust_file=None,
            trust_url=registry.trust_url,
            cache_dir=str(tmp_path),
            refresh_seconds=0.3,
        )
        with caplog.at_level(logging.ERROR), serve_app(config) as url:
            assert status(url)["problem"] is None
            assert httpx.get(f"{url}/readyz").json()["status"] == "ready"
            # The registry republishes #5 with a new revocation: an error the operator must see.
            registry.trust_list = material.trust_list(5, revoked=(serial,))
            wait_for(lambda: status(url)["problem_kind"] == "refused")
            st = status(url)
            assert "different content" in st["problem"]
            assert st["sequence"] == 5
            ready = httpx.get(f"{url}/readyz")
            assert ready.status_code == 200  # the list held still verifies...
            assert ready.json()["status"] == "attention"  # ...but someone must look
            assert "different content" in ready.json()["problem"]
            metrics = httpx.get(f"{url}/metrics").text
            assert 'sanad_verifier_trust_list_problem{kind="refused"} 1.0' in metrics
            # A higher sequence clears it.
            registry.trust_list = material.trust_list(6, revoked=(serial,))
            wait_for(lambda: status(url)["sequence"] == 6)
            assert status(url)["problem"] is None
            assert verdict(url, material.birth)["status"] == "document_revoked"
    assert any("different content" in r.getMessage() for r in caplog.records)


def test_a_file_older_than_the_cache_is_shown_not_silently_replaced(
    material: Material, serve_app: Callable[..., Any], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    newer = tmp_path / "newer.cose"
    newer.write_bytes(material.trust_list(9))
    check_config(base_config(material, trust_file=str(newer), cache_dir=str(cache)))
    # The operator now points the service at an older file; the cache (#9) is newer.
    older = tmp_path / "older.cose"
    older.write_bytes(material.trust_list(3))
    with serve_app(base_config(material, trust_file=str(older), cache_dir=str(cache))) as url:
        st = status(url)
        assert st["sequence"] == 9
        assert st["source"] == "cache"
        assert st["problem_kind"] == "refused"
        assert "rollback" in st["problem"]


def test_min_sequence_refuses_an_old_genuine_list(material: Material, tmp_path: Path) -> None:
    old = tmp_path / "old.cose"
    old.write_bytes(material.trust_list(2))
    with pytest.raises(TrustListError, match="minimum sequence 3"):
        check_config(base_config(material, trust_file=str(old), min_sequence=3))
    check_config(base_config(material, trust_file=str(old), min_sequence=2))


def test_the_pin_in_force_is_reported(
    material: Material, serve_app: Callable[..., Any], tmp_path: Path
) -> None:
    listed = tmp_path / "list.cose"
    listed.write_bytes(material.trust_list(5))
    with serve_app(base_config(material, trust_file=str(listed), min_sequence=4)) as url:
        assert status(url)["min_sequence"] == 4
    with serve_app(base_config(material, trust_file=str(listed))) as url:
        assert status(url)["min_sequence"] == 0


def test_stale_then_expired_trust_list(
    material: Material, serve_app: Callable[..., Any], tmp_path: Path
) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    entry = signer_entry(material.signer, not_before=now - dt.timedelta(days=20))
    stale = tmp_path / "stale.cose"
    # Issued 3 days ago: its next update (a day later) passed 2 days ago.
    stale.write_bytes(
        sample_trust_list(material.root, [entry], issued_at=now - dt.timedelta(days=3))
    )
    from verifier.fixtures import ISSUER, sample_documents
    from verifier.sign import sign_document

    text = sign_document(
        sample_documents()[DocumentType.BIRTH_CERTIFICATE],
        serial=sample_serial(DocumentType.BIRTH_CERTIFICATE),
        issuer=ISSUER,
        issued_at=now - dt.timedelta(days=5),
        key=material.signer,
    )
    due = (now - dt.timedelta(days=2)).date().isoformat()
    with serve_app(base_config(material, trust_file=str(stale))) as url:
        v = verdict(url, text)
        assert (v["status"], v["outcome"], v["valid"]) == ("trust_list_stale", "unconfirmed", False)
        assert v["document"] is not None  # the signature was genuine: the fields are shown
        officer = v["officer"]
        assert officer["headline"]["en"] == "NOT CONFIRMED"
        assert officer["meaning"]["en"] == (
            f"Genuine signature, but revocations since {due} are unknown: update the trust list."
        )
        assert f"\u2068{due}\u2069" in officer["meaning"]["ar"]
        assert status(url)["problem_kind"] == "stale"
        assert httpx.get(f"{url}/readyz").status_code == 200
    with serve_app(base_config(material, trust_file=str(stale), stale_grace_days=1)) as url:
        v = verdict(url, text)
        assert (v["status"], v["outcome"]) == ("trust_list_expired", "not_valid")
        assert v["officer"]["family"] == "trust_list_expired"
        assert v["officer"]["action"]["en"] == "Update the trust list, then check again."
        assert status(url)["problem_kind"] == "expired"
        assert httpx.get(f"{url}/readyz").status_code == 503


def test_refresh_backs_off_while_the_registry_fails(
    material: Material, serve_app: Callable[..., Any], tmp_path: Path
) -> None:
    with fake_registry(material.trust_list(2)) as registry:
        registry.fail_with = 500
        config = base_config(
            material,
            trust_url=registry.trust_url,
            cache_dir=str(tmp_path),
            refresh_seconds=4,
        )
        with serve_app(config) as url:
            # The back-off is stamina's, in real time: wait for the start-up try and three more
            # (the refresh loop's first at once, then at least 0.5 and 1 s apart, plus jitter)
            # instead of sleeping a guessed time.
            wait_for(lambda: len(registry.times) >= 4, 15, "four tries at the trust list")
            times = list(registry.times)[:4]
            assert times[3] - times[0] >= 1.5, times  # backing off, not a hot loop
            gaps = [b - a for a, b in itertools.pairwise(times)]
            assert gaps[-1] > gaps[0], gaps  # exponential, not a fixed rate
            assert status(url)["last_refresh_error"] == "the trust list URL answered HTTP 500"
            registry.fail_with = None
            wait_for(lambda: status(url)["sequence"] == 2, timeout=10)
            assert status(url)["last_refresh_error"] is None


def test_config_file_env_and_unknown_keys(
    material: Material, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "verifier.toml"
    toml.write_text(
        f'root_keys = ["{material.root_key_path}"]\n'
        f'trust_file = "{material.trust_list_path}"\n'
        "min_sequence = 1\nstale_grace_days = 7\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SANAD_VERIFY_STALE_GRACE_DAYS", "3")
    config = load_config(toml, rate_per_minute=5)
    assert (config.min_sequence, config.stale_grace_days, config.rate_per_minute) == (1, 3.0, 5)
    assert config.root_keys == (str(material.root_key_path),)
    toml.write_text(toml.read_text() + "min_sequnce = 4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="min_sequnce: unknown key"):
        load_config(toml)
    with pytest.raises(ConfigError, match=r"trust_url: .*http"):
        load_config(None, root_keys=["k"], trust_url="ftp://x")
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.toml")
    # a misspelt variable is refused, not silently ignored (the pin would stay at 0)
    monkeypatch.setenv("SANAD_VERIFY_MIN_SEQUENCY", "42")
    with pytest.raises(ConfigError, match="SANAD_VERIFY_MIN_SEQUENCY: no such setting"):
        load_config(None, root_keys=["k"])
