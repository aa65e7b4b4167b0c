"""Owner-only files and directories wherever the registry writes personal data or secrets, set
by the code itself (here under umask 000, so nothing is left to the caller's umask)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from registry.config import DataDir
from registry.db import Database
from registry.seed import initialise
from tests.support.registry import FAST


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_init_writes_personal_data_and_secrets_owner_only(tmp_path: Path, open_umask: None) -> None:
    data = DataDir(tmp_path / "data")
    data.root.mkdir(mode=0o777)  # an existing, open directory is tightened too
    (data.root / "demo-citizens.csv").write_text("old")
    os.chmod(data.root / "demo-citizens.csv", 0o666)
    initialise(data, demo=30, seed=1, settings=FAST)
    for d in (data.root, data.keys_dir, data.keys_dir / "signers"):
        assert _mode(d) == 0o700, d
    private = [
        data.root / "registry.sqlite3",
        data.demo_citizens_path,
        data.root_key_path,
        *sorted((data.keys_dir / "signers").iterdir()),
    ]
    if data.config_path.exists():
        private.append(data.config_path)
    for f in private:
        assert _mode(f) == 0o600, f
    # the database's write-ahead log is created later, by whoever writes: owner-only as well
    db = Database(data.sqlite_url)
    try:
        with db.session() as s:
            s.execute(text("UPDATE kiosks SET fail_window_count = 0"))
        for suffix in ("-wal", "-shm"):
            side = data.root / f"registry.sqlite3{suffix}"
            if side.exists():
                assert _mode(side) == 0o600, side
    finally:
        db.dispose()


def test_a_new_sqlite_database_is_owner_only_from_the_start(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "fresh.sqlite3"
    db = Database(f"sqlite:///{path}")
    try:
        db.migrate()
        assert _mode(path) == 0o600
        for side in tmp_path.glob("fresh.sqlite3-*"):
            assert _mode(side) == 0o600, side
    finally:
        db.dispose()


def test_init_with_a_database_url_writes_the_config_owner_only(
    tmp_path: Path, open_umask: None
) -> None:
    data = DataDir(tmp_path / "data")
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    initialise(data, database_url=url, settings=FAST)
    assert _mode(data.config_path) == 0o600
    assert _mode(tmp_path / "elsewhere.sqlite3") == 0o600
