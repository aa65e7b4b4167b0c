"""`sanad registry staff add|list|disable|reset|totp`: bootstrapping accounts from the shell,
every change audited with who made it, and the demo-only code printer."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pyotp
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from registry.audit import verify_chain
from registry.cli import group
from registry.config import DataDir, Settings
from registry.db import Database
from registry.models import AuditEntry, StaffMember
from registry.office import staff_auth
from registry.seed import initialise
from registry.staff import SecretSeal


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def data(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "registry"
    if request.param == "sqlite":
        result = initialise(DataDir(root), settings=Settings())
        yield root, result.database_url
        return
    with throwaway_postgres("sanad_staff_cli") as url:
        initialise(DataDir(root), database_url=url, settings=Settings())
        yield root, url


def run(data: tuple[Path, str], *args: str) -> tuple[int, str]:
    root, url = data
    r = CliRunner().invoke(group, [*args[:2], "--data", str(root), "--db", url, *args[2:]])
    return r.exit_code, r.output


def add(data: tuple[Path, str], username: str, *extra: str) -> dict[str, str]:
    code, out = run(
        data,
        "staff",
        "add",
        username,
        "--role",
        "administrator",
        "--name-ar",
        "سامي نادر الحوراني",
        "--name-en",
        "Sami Nader Al-Hourani",
        "--json",
        *extra,
    )
    assert code == 0, out
    answer: dict[str, str] = json.loads(out)
    return answer


def row(data: tuple[Path, str], username: str) -> StaffMember:
    db = Database(data[1], pool_size=1)
    try:
        with db.session() as s:
            return s.execute(
                select(StaffMember).where(StaffMember.username == username)
            ).scalar_one()
    finally:
        db.dispose()


def test_add_prints_a_one_time_password_and_totp_uri_that_sign_in(data: tuple[Path, str]) -> None:
    first = add(data, "sami.admin")
    assert first["role"] == "administrator" and first["office"] is None
    password = first["password"]
    assert password and not staff_auth.check_password(staff_auth.PasswordPolicy(), password)
    totp = pyotp.parse_uri(first["totp_uri"])
    stored = row(data, "sami.admin")
    assert staff_auth.verify_password(stored.password_hash, password)
    seal = SecretSeal(DataDir(data[0]).staff_secret_key())
    assert totp.secret == seal.open(stored.totp_secret)
    assert totp.secret not in stored.totp_secret  # sealed
    assert stored.created_by == "cli" and not stored.demo
    # the code printer refuses a real account: its code is on its owner's phone
    code, out = run(data, "staff", "totp", "sami.admin")
    assert code == 2 and "not a demo account" in out
    # listing shows no secret
    code, out = run(data, "staff", "list")
    assert code == 0 and "sami.admin" in out and password not in out and totp.secret not in out


def test_password_file_clerk_office_and_refusals(data: tuple[Path, str], tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("correct horse battery staple in amman\n", encoding="utf-8")
    code, out = run(
        data,
        "staff",
        "add",
        "amal.clerk",
        "--role",
        "clerk",
        "--office",
        "amm",
        "--name-ar",
        "أمل",
        "--name-en",
        "Amal",
        "--password-file",
        str(secret),
        "--demo",
        "--by",
        "sami.admin",
    )
    assert code == 0, out
    assert "one-time" not in out  # the password was the caller's
    r = row(data, "amal.clerk")
    assert r.office == "AMM" and r.demo
    assert staff_auth.verify_password(r.password_hash, "correct horse battery staple in amman")
    # a clerk without an office, a taken name, a weak password
    code, out = run(
        data, "staff", "add", "x.clerk", "--role", "clerk", "--name-ar", "س", "--name-en", "X"
    )
    assert code == 2 and "office" in out
    code, out = run(
        data,
        "staff",
        "add",
        "amal.clerk",
        "--role",
        "supervisor",
        "--name-ar",
        "أمل",
        "--name-en",
        "Amal",
    )
    assert code == 2 and "taken" in out
    secret.write_text("password1234567890", encoding="utf-8")
    code, out = run(
        data,
        "staff",
        "add",
        "weak.one",
        "--role",
        "supervisor",
        "--name-ar",
        "س",
        "--name-en",
        "W",
        "--password-file",
        str(secret),
    )
    assert code == 2 and "common" in out
    # the demo account's code is the one an authenticator shows now
    code, out = run(data, "staff", "totp", "amal.clerk")
    assert code == 0
    totp_secret = SecretSeal(DataDir(data[0]).staff_secret_key()).open(r.totp_secret)
    now = dt.datetime.now(dt.UTC)
    assert out.strip() in {
        staff_auth.totp_code(totp_secret, now),
        staff_auth.totp_code(totp_secret, now - dt.timedelta(seconds=30)),
    }


def test_disable_and_reset_audited_with_who(data: tuple[Path, str]) -> None:
    add(data, "sami.admin")
    first = add(data, "huda.admin", "--by", "sami.admin")
    code, out = run(data, "staff", "disable", "huda.admin", "--by", "sami.admin")
    assert code == 0 and "disabled" in out
    assert row(data, "huda.admin").disabled_at is not None
    code, out = run(data, "staff", "list")
    assert "huda.admin  administrator  all offices  disabled" in out
    code, out = run(data, "staff", "reset", "huda.admin", "--by", "sami.admin", "--json")
    assert code == 0, out
    again = json.loads(out)
    assert again["password"] != first["password"] and again["totp_uri"] != first["totp_uri"]
    r = row(data, "huda.admin")
    assert r.disabled_at is None and r.locked_at is None and r.failures == 0
    assert staff_auth.verify_password(r.password_hash, again["password"])
    code, out = run(data, "staff", "disable", "no.such")
    assert code == 2 and "no staff account" in out
    db = Database(data[1], pool_size=1)
    try:
        with db.session() as s:
            entries = [
                (e.kind, json.loads(e.data))
                for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
                if e.kind.startswith("staff_")
            ]
            assert verify_chain(s).ok
    finally:
        db.dispose()
    assert [(k, d["by"], d["staff"]) for k, d in entries] == [
        ("staff_added", "cli", "sami.admin"),
        ("staff_added", "sami.admin", "huda.admin"),
        ("staff_disabled", "sami.admin", "huda.admin"),
        ("staff_reset", "sami.admin", "huda.admin"),
    ]
    assert all("password" not in d and "secret" not in d for _, d in entries)
