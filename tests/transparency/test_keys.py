"""The checkpoint key file: made once, owner-only, never replaced; its verifier key always the
private key's own, whatever the published copy says."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.config import DataDir, create_private
from registry.errors import ConfigError
from registry.transparency.checkpoint import verifier_key
from registry.transparency.keys import ORIGIN, checkpoint_key, public_key_path, public_key_text
from verifier.keys import SigningKey, load_signing_key


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _key_file(data: DataDir) -> Path:
    return data.keys_dir / "checkpoint.jwk"


def test_key_file_is_owner_only_whatever_the_umask(tmp_path: Path, open_umask: None) -> None:
    data = DataDir(tmp_path / "data")
    key = checkpoint_key(data)
    assert stat.S_IMODE(_key_file(data).stat().st_mode) == 0o600
    assert load_signing_key(_key_file(data)).public.raw == key.public.raw
    assert [p.name for p in data.keys_dir.iterdir() if p.name.endswith(".tmp")] == []


def test_existing_key_is_kept(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "data")
    first = checkpoint_key(data)
    before = _key_file(data).read_bytes()
    assert checkpoint_key(data).public.raw == first.public.raw
    assert _key_file(data).read_bytes() == before


def test_dangling_symlink_is_not_followed(tmp_path: Path) -> None:
    # a key written through a planted link would land wherever the link points
    data = DataDir(tmp_path / "data")
    data.ensure()
    target = tmp_path / "elsewhere.jwk"
    _key_file(data).symlink_to(target)
    with pytest.raises(ConfigError, match="not replaced"):
        checkpoint_key(data)
    assert not target.exists()


def test_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "data")
    data.ensure()
    start = threading.Barrier(8)
    keys: list[bytes] = []

    def make() -> None:
        start.wait()
        keys.append(checkpoint_key(data).public.raw)

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert load_signing_key(_key_file(data)).public.raw == keys[0]


def test_create_private_never_replaces(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("kept")
    with pytest.raises(FileExistsError):
        create_private(path, "new")
    assert path.read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret"]


def test_verifier_key_is_derived_from_the_private_key(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "data")
    key = checkpoint_key(data)
    expected = verifier_key(ORIGIN, key.public.raw) + "\n"
    assert public_key_text(key) == expected
    public_key_path(data).unlink()
    checkpoint_key(data)
    assert public_key_path(data).read_text() == expected  # published again
    public_key_path(data).write_text(verifier_key(ORIGIN, SigningKey.generate().public.raw))
    checkpoint_key(data)
    assert public_key_path(data).read_text() == expected  # a wrong copy is corrected
