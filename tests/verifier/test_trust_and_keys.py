"""Trust list signing, verification and rollback; key files."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from verifier.errors import KeyFileError, TrustListError
from verifier.fixtures import ISSUER, PLACES, sample_trust_list, signer_entry
from verifier.keys import (
    SigningKey,
    load_public_key,
    load_signing_key,
    save_public_key,
    save_signing_key,
)
from verifier.trust import SignerStatus, TrustStore, load_trust_list, serial_hash

from .verifier_support import NOW


def _list(root: SigningKey, seq: int, **kw: object) -> bytes:
    entry = signer_entry(SigningKey.generate(), not_before=NOW)
    return sample_trust_list(root, [entry], sequence=seq, issued_at=NOW, **kw)  # type: ignore[arg-type]


def test_trust_list_round_trips_with_places_and_revocations() -> None:
    root = SigningKey.generate()
    data = _list(root, 7, revoked_serials=frozenset({serial_hash("BI26-1")}))
    tl = load_trust_list(data, [root.public])
    assert tl.sequence == 7
    assert tl.is_revoked("BI26-1") and not tl.is_revoked("BI26-2")
    assert tl.places == PLACES
    assert tl.signers[0].status is SignerStatus.ACTIVE


def test_trust_list_signed_by_another_root_is_refused() -> None:
    with pytest.raises(TrustListError, match="not signed by a pinned root"):
        load_trust_list(_list(SigningKey.generate(), 1), [SigningKey.generate().public])


def test_tampered_trust_list_is_refused() -> None:
    root = SigningKey.generate()
    data = bytearray(_list(root, 1))
    data[-80] ^= 1  # inside the payload
    with pytest.raises(TrustListError):
        load_trust_list(bytes(data), [root.public])


def test_a_document_is_not_accepted_as_a_trust_list() -> None:
    from verifier import codec
    from verifier.fixtures import sample_documents
    from verifier.sign import sign_document

    root = SigningKey.generate()
    doc = next(iter(sample_documents().values()))
    text = sign_document(doc, serial="X-1", issuer=ISSUER, issued_at=NOW, key=root)
    with pytest.raises(TrustListError, match="content type"):
        load_trust_list(codec.decode_text(text), [root.public])


def test_store_refuses_rollback_and_keeps_the_newer_list() -> None:
    root = SigningKey.generate()
    store = TrustStore([root.public])
    store.accept(_list(root, 5))
    with pytest.raises(TrustListError, match="rollback"):
        store.accept(_list(root, 4))
    assert store.current is not None and store.current.sequence == 5
    assert store.accept(_list(root, 6)).sequence == 6


def test_private_key_file_is_owner_only_and_round_trips(tmp_path: Path) -> None:
    key = SigningKey.generate()
    path = tmp_path / "keys" / "signer.jwk"
    save_signing_key(key, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_signing_key(path).public == key.public
    assert load_public_key(path) == key.public
    pub = tmp_path / "signer.pub.jwk"
    save_public_key(key.public, pub)
    assert "d" not in json.loads(pub.read_text())
    assert load_public_key(pub) == key.public


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a JSON key file"),
        ('{"kty": "RSA"}', "not an Ed25519 JWK"),
        ('{"kty": "OKP", "crv": "Ed25519"}', "no 'x'"),
        ('{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}', "32 bytes"),
    ],
)
def test_bad_key_files_say_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "k.jwk"
    path.write_text(content)
    with pytest.raises(KeyFileError, match=message):
        load_public_key(path)
    with pytest.raises(KeyFileError, match="cannot read"):
        load_public_key(tmp_path / "missing.jwk")


def test_signer_revocation_window_logic() -> None:
    key = SigningKey.generate()
    at = NOW + dt.timedelta(days=3)
    entry = signer_entry(key, not_before=NOW, status=SignerStatus.REVOKED, revoked_at=at)
    assert not entry.revoked_for(at - dt.timedelta(seconds=1))
    assert entry.revoked_for(at)
    assert entry.window_contains(NOW) and not entry.window_contains(NOW - dt.timedelta(seconds=1))
