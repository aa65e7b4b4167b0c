"""The kiosk's trust list: `verifier.trust_source.TrustSource` through its fetch seam (the kiosk
fetches through its signed registry client), with the verifier's cache and refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk_app.effects import current_trust
from kiosk_app.registry_port import ClientRegistry
from registry import errors as rerr
from registry.client import TrustListFetch
from verifier.fixtures import sample_trust_list, signer_entry
from verifier.keys import SigningKey
from verifier.trust_source import FetchError, RefreshOutcome, TrustOrigin, TrustSource

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
ROOT = SigningKey.generate()
ENTRY = signer_entry(SigningKey.generate(), not_before=NOW - dt.timedelta(days=1))


def listed(sequence: int, *, issued_at: dt.datetime = NOW) -> bytes:
    return sample_trust_list(ROOT, [ENTRY], sequence=sequence, issued_at=issued_at)


class Registry:
    """What the registry serves, and the ETags the kiosk sent."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.sent: list[str | None] = []
        self.down = False

    def fetch(self, etag: str | None) -> tuple[bytes | None, str | None]:
        self.sent.append(etag)
        if self.down:
            raise FetchError("the registry gave no trust list (registry_unreachable)")
        tag = f'"{hash(self.data)}"'
        return (None, tag) if etag == tag else (self.data, tag)


def source(registry: Registry, tmp_path: Path, **kw: object) -> TrustSource:
    return TrustSource(
        [ROOT.public],
        url="registry",
        cache_dir=tmp_path,
        fetch=registry.fetch,
        **kw,  # type: ignore[arg-type]
    )


def test_fetch_seam_sends_the_held_etag_and_a_304_keeps_the_list(tmp_path: Path) -> None:
    registry = Registry(listed(3))
    trust = source(registry, tmp_path)
    assert current_trust(trust).sequence == 3  # none held: fetched once
    assert trust.refresh_sync() is RefreshOutcome.NOT_MODIFIED
    assert registry.sent[0] is None and registry.sent[1] is not None
    assert trust.state is not None and trust.state.origin is TrustOrigin.ONLINE
    # the cache: a kiosk restarted with the registry away still holds the list
    registry.down = True
    again = source(registry, tmp_path)
    assert again.load_cache() is not None
    assert current_trust(again).sequence == 3
    assert again.refresh_sync() is RefreshOutcome.FAILED
    assert current_trust(again).sequence == 3


def test_a_rollback_or_a_republished_sequence_is_refused_and_reported(tmp_path: Path) -> None:
    registry = Registry(listed(5))
    trust = source(registry, tmp_path)
    current_trust(trust)
    registry.data = listed(4)
    assert trust.refresh_sync() is RefreshOutcome.REFUSED
    assert current_trust(trust).sequence == 5
    kind = trust.problem_kind()
    assert kind is not None and kind[0] == "refused"
    registry.data = listed(5, issued_at=NOW + dt.timedelta(minutes=1))  # same sequence, other list
    assert trust.refresh_sync() is RefreshOutcome.REFUSED
    registry.data = listed(6)
    assert trust.refresh_sync() is RefreshOutcome.UPDATED
    assert trust.problem_kind() is None


def test_the_pinned_min_sequence_refuses_an_older_list(tmp_path: Path) -> None:
    trust = source(Registry(listed(2)), tmp_path, min_sequence=3)
    assert trust.refresh_sync() is RefreshOutcome.REFUSED
    with pytest.raises(Exception, match="no trust list"):
        current_trust(trust)


class _Client:
    def __init__(self, answer: TrustListFetch | Exception) -> None:
        self.answer = answer
        self.etags: list[str | None] = []

    def trust_list(self, etag: str | None = None) -> TrustListFetch:
        self.etags.append(etag)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_the_registry_port_is_the_fetch_seam() -> None:
    client = _Client(TrustListFetch(b"cose", '"e1"', 7))
    port = ClientRegistry(client)  # type: ignore[arg-type]
    assert port.trust_fetch('"e0"') == (b"cose", '"e1"')
    assert client.etags == ['"e0"']
    port = ClientRegistry(_Client(rerr.RegistryUnreachable("connect failed")))  # type: ignore[arg-type]
    with pytest.raises(FetchError, match="no trust list"):
        port.trust_fetch(None)
