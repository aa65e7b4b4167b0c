"""The agency CA's files: made once, the key owner-only whatever the umask, never replaced."""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.errors import ConfigError
from registry.exchange.ca import CA_CERT, CA_KEY, create_ca, load_ca

NOW = dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_is_owner_only_in_an_owner_only_directory(tmp_path: Path, open_umask: None) -> None:
    ca_dir = tmp_path / "agency-ca"
    ca_dir.mkdir(mode=0o777)  # an existing, open directory is tightened
    ca = create_ca(ca_dir, NOW)
    assert _mode(ca_dir / CA_KEY) == 0o600
    assert _mode(ca_dir) == 0o700
    assert sorted(p.name for p in ca_dir.iterdir()) == sorted([CA_CERT, CA_KEY])
    assert load_ca(ca_dir).cert == ca.cert


def test_second_ca_is_refused_and_the_first_kept(tmp_path: Path) -> None:
    first = create_ca(tmp_path, NOW)
    key_pem, cert_pem = (tmp_path / CA_KEY).read_bytes(), (tmp_path / CA_CERT).read_bytes()
    with pytest.raises(ConfigError, match="not made again"):
        create_ca(tmp_path, NOW)
    assert (tmp_path / CA_KEY).read_bytes() == key_pem
    assert (tmp_path / CA_CERT).read_bytes() == cert_pem
    assert load_ca(tmp_path).cert == first.cert


@pytest.mark.parametrize("left", [CA_KEY, CA_CERT])
def test_one_file_left_is_not_replaced(tmp_path: Path, left: str) -> None:
    create_ca(tmp_path, NOW)
    kept = (tmp_path / left).read_bytes()
    for p in tmp_path.iterdir():
        if p.name != left:
            p.unlink()
    os.chmod(tmp_path / left, 0o644)  # as a careless copy left it
    with pytest.raises(ConfigError, match="restore"):
        create_ca(tmp_path, NOW)
    assert (tmp_path / left).read_bytes() == kept
    assert sorted(p.name for p in tmp_path.iterdir()) == [left]


def test_planted_symlink_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.pem"
    (tmp_path / "ca").mkdir()
    (tmp_path / "ca" / CA_KEY).symlink_to(target)
    with pytest.raises(ConfigError):
        create_ca(tmp_path / "ca", NOW)
    assert not target.exists()
