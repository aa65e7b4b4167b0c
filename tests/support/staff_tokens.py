"""A staff administrator's bearer token for tests that call the office API (the back office
has no shared token: every action names a staff member)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import httpx

from registry import staff as accounts
from registry.config import DataDir
from registry.db import Database
from registry.office.declarations import Role
from registry.office.staff_auth import PasswordPolicy, totp_code

__all__ = ["StaffAccount", "admin_bearer", "new_staff", "staff_bearer"]

# the policy's rules at a cheap Argon2id cost (the stored hash carries its own cost)
CHEAP = PasswordPolicy(opslimit=1, memlimit=8 * 1024)


def admin_bearer(data: DataDir, base_url: str, *, database_url: str | None = None) -> str:
    """An administrator's bearer token (`staff_bearer`)."""
    return staff_bearer(data, base_url, Role.ADMINISTRATOR, database_url=database_url)


@dataclass(frozen=True)
class StaffAccount:
    username: str
    password: str
    totp_secret: str

    def code(self) -> str:
        """The account's TOTP code now."""
        return totp_code(self.totp_secret, dt.datetime.now(dt.UTC))


def new_staff(
    data: DataDir, role: Role, *, office: str | None = None, database_url: str | None = None
) -> StaffAccount:
    """Create a staff member with `registry.staff` (as the CLI does): a fresh account, so no
    TOTP step was used before."""
    username = f"{role.value}.{secrets.token_hex(4)}"
    seal = accounts.SecretSeal(data.staff_secret_key())
    db = Database(data.database_url(database_url), pool_size=1)
    try:
        with db.session() as s:
            creds = accounts.add_staff(
                s,
                CHEAP,
                username=username,
                name_ar="موظف الاختبار",
                name_en="Test Staff",
                role=role,
                office=office,
                password=None,
                by="test",
                at=dt.datetime.now(dt.UTC),
                seal=seal,
                demo=True,
            )
            secret = seal.open(accounts.find(s, username).totp_secret)
    finally:
        db.dispose()
    assert creds.password is not None
    return StaffAccount(username, creds.password, secret)


def staff_bearer(
    data: DataDir,
    base_url: str,
    role: Role,
    *,
    office: str | None = None,
    database_url: str | None = None,
) -> str:
    """A new staff member (`new_staff`) signed in through `POST /api/v1/office/session`: the
    bearer token."""
    account = new_staff(data, role, office=office, database_url=database_url)
    r = httpx.post(
        f"{base_url}/api/v1/office/session",
        json={"username": account.username, "password": account.password, "code": account.code()},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    token: str = r.json()["token"]
    return token
