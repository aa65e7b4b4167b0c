"""Trust list refresh from a real (tiny) HTTP server: updates, ETag, offline cache, refusals."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_support import Material, base_config, fake_registry

from tests.support.servers import closed_port_url, wait_for
from verifier.documents import DocumentType
from verifier.errors import TrustListError
from verifier.fixtures import sample_serial, signer_entry
from verifier.keys import SigningKey
from verifier.trust_source import CACHE_FILE, RefreshOutcome, TrustOrigin, TrustSource


def source(material: Material, url: str | None, cache: Path | None) -> TrustSource:
    return TrustSource([material.root.public], url=url, cache_dir=cache, refresh_seconds=60)


def verdict(url: str, text: str) -> dict[str, Any]:
    r = httpx.post(f"{url}/api/v1/verify", json={"qr_text": text}, timeout=10)
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


def test_fetch_caches_and_then_uses_etag(material: Material, tmp_path: Path) -> None:
    with fake_registry(material.trust_list(3)) as registry:
        src = source(material, registry.trust_url, tmp_path)
        assert src.refresh_sync() is RefreshOutcome.UPDATED
        assert src.state is not None
        assert src.state.origin is TrustOrigin.ONLINE
        assert src.trust_list.sequence == 3
        assert (tmp_path / CACHE_FILE).read_bytes() == registry.trust_list
        assert src.refresh_sync() is RefreshOutcome.NOT_MODIFIED
        assert registry.requests[-1] == ("/api/v1/trust-list", registry.etag)
        assert src.state.last_error is None


def test_async_refresh_and_cache_reload(material: Material, tmp_path: Path) -> None:
    with fake_registry(material.trust_list(4)) as registry:
        src = source(material, registry.trust_url, tmp_path)
        assert asyncio.run(src.refresh()) is RefreshOutcome.UPDATED
    again = source(material, registry.trust_url, tmp_path)
    state = again.load_cache()
    assert state is not None
    assert state.origin is TrustOrigin.CACHE
    assert state.trust_list.sequence == 4
    assert state.etag == registry.etag  # the next fetch can be conditional


def test_rollback_is_refused_and_the_newer_list_kept(material: Material, tmp_path: Path) -> None:
    with fake_registry(material.trust_list(5)) as registry:
        src = source(material, registry.trust_url, tmp_path)
        assert src.refresh_sync() is RefreshOutcome.UPDATED
        registry.trust_list = material.trust_list(4)
        assert src.refresh_sync() is RefreshOutcome.REFUSED
    assert src.trust_list.sequence == 5
    assert src.state is not None
    assert "rollback" in (src.state.last_error or "")
    assert src.state.to_json()["last_refresh_error"].startswith("refused")
    cached = source(material, None, tmp_path).load_cache()
    assert cached is not None
    assert cached.trust_list.sequence == 5  # the cache was not overwritten


def test_badly_signed_list_is_refused_and_the_old_one_kept(
    material: Material, tmp_path: Path
) -> None:
    impostor = SigningKey.generate()
    with fake_registry(material.trust_list(2)) as registry:
        src = source(material, registry.trust_url, tmp_path)
        src.refresh_sync()
        registry.trust_list = material.trust_list(9, root=impostor)
        assert src.refresh_sync() is RefreshOutcome.REFUSED
        registry.trust_list = b"\xd2\x84garbage"
        assert src.refresh_sync() is RefreshOutcome.REFUSED
    assert src.trust_list.sequence == 2
    assert src.state is not None
    assert (src.state.last_error or "").startswith("refused: not a signed trust list")
    assert (tmp_path / CACHE_FILE).read_bytes() == material.trust_list(2)


def test_a_cache_that_does_not_verify_is_ignored(material: Material, tmp_path: Path) -> None:
    (tmp_path / CACHE_FILE).write_bytes(material.trust_list(7, root=SigningKey.generate()))
    assert source(material, None, tmp_path).load_cache() is None


def test_file_older_than_the_cache_is_refused(material: Material, tmp_path: Path) -> None:
    old = tmp_path / "old.cose"
    old.write_bytes(material.trust_list(1))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / CACHE_FILE).write_bytes(material.trust_list(6))
    src = source(material, None, tmp_path / "cache")
    src.load_cache()
    with pytest.raises(TrustListError, match="rollback"):
        src.load_file(old)
    assert src.trust_list.sequence == 6


def test_registry_errors_keep_the_list(material: Material, tmp_path: Path) -> None:
    with fake_registry(material.trust_list(2)) as registry:
        src = source(material, registry.trust_url, tmp_path)
        src.refresh_sync()
        registry.fail_with = 500
        assert src.refresh_sync() is RefreshOutcome.FAILED
        assert src.refresh_sync() is RefreshOutcome.FAILED
    assert src.trust_list.sequence == 2
    assert src.state is not None
    assert src.state.last_error == "the trust list URL answered HTTP 500"


def test_new_signer_appears_after_refresh(
    material: Material, serve_app: Callable[..., Any], tmp_path: Path
) -> None:
    new_key = SigningKey.generate()
    new_entry = signer_entry(new_key, not_before=material.entry.not_before)
    text = material.sign(DocumentType.DEATH_CERTIFICATE, key=new_key)
    with fake_registry(material.trust_list(2)) as registry:
        config = base_config(
            material,
            trust_file=None,
            trust_url=registry.trust_url,
            cache_dir=str(tmp_path),
            refresh_seconds=0.2,
        )
        with serve_app(config) as url:
            first = verdict(url, text)
            assert first["status"] == "unknown_signer"
            assert first["trust_list"]["source"] == "online"
            registry.trust_list = material.trust_list(3, signers=[material.entry, new_entry])
            wait_for(lambda: verdict(url, text)["status"] == "valid")
            assert verdict(url, text)["trust_list"]["sequence"] == 3
            assert verdict(url, material.birth)["status"] == "valid"  # the old signer stays


def test_revoked_document_turns_not_valid_after_refresh(
    material: Material, serve_app: Callable[..., Any], tmp_path: Path
) -> None:
    serial = sample_serial(DocumentType.BIRTH_CERTIFICATE)
    with fake_registry(material.trust_list(2)) as registry:
        config = base_config(
            material,
            trust_file=None,
            trust_url=registry.trust_url,
            cache_dir=str(tmp_path),
            refresh_seconds=0.2,
        )
        with serve_app(config) as url:
            assert verdict(url, material.birth)["status"] == "valid"
            registry.trust_list = material.trust_list(3, revoked=(serial,))
            wait_for(lambda: verdict(url, material.birth)["status"] == "document_revoked")
            v = verdict(url, material.birth)
            assert v["valid"] is False
            assert v["revocation_source"] == "trust_list"
            assert v["summary"]["en"] == "The document has been revoked"
            # ETag: once the list is current, refreshes are conditional
            wait_for(lambda: registry.requests[-1][1] == registry.etag)


def test_registry_down_uses_the_cache_and_shows_its_age(
    material: Material, serve_app: Callable[..., Any], tmp_path: Path
) -> None:
    with fake_registry(material.trust_list(8)) as registry:
        assert source(material, registry.trust_url, tmp_path).refresh_sync() is (
            RefreshOutcome.UPDATED
        )
    down = closed_port_url("/api/v1/trust-list")
    config = base_config(
        material, trust_file=None, trust_url=down, cache_dir=str(tmp_path), refresh_seconds=0.2
    )
    with serve_app(config) as url:
        assert httpx.get(f"{url}/readyz").status_code == 200
        v = verdict(url, material.birth)
        assert v["status"] == "valid"
        tl = v["trust_list"]
        assert tl["source"] == "cache"
        assert tl["sequence"] == 8
        expected = (dt.datetime.now(dt.UTC) - material.issued_at).total_seconds()
        assert abs(tl["age_seconds"] - expected) < 60
        assert tl["last_refresh_error"] == "cannot connect to the trust list URL"
        assert tl["online"] is False
        metrics = httpx.get(f"{url}/metrics").text
        assert 'sanad_verifier_trust_list_refreshes_total{outcome="failed"}' in metrics


def test_not_ready_without_any_trust_list(
    material: Material, serve_app: Callable[..., Any], tmp_path: Path
) -> None:
    config = base_config(
        material,
        trust_file=None,
        trust_url=closed_port_url("/api/v1/trust-list"),
        cache_dir=str(tmp_path),
    )
    with serve_app(config) as url:
        assert httpx.get(f"{url}/healthz").status_code == 200
        r = httpx.get(f"{url}/readyz")
        assert r.status_code == 503
        assert "not ready" in r.json()["detail"]
