"""A registry with the office app on a real socket, staff accounts and a clock the test moves."""

from __future__ import annotations

import datetime as dt
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn

from registry import staff as accounts
from registry.config import DataDir, Settings
from registry.db import Database
from registry.office.declarations import Role
from registry.office.staff_auth import PasswordPolicy, totp_code
from registry.office_web import OfficeOptions
from registry.seed import initialise
from registry.service import create_app

# the policy's rules, at a cheap Argon2id cost (the tests check behaviour, not cost)
CHEAP = PasswordPolicy(opslimit=1, memlimit=8 * 1024)

ACCOUNTS = {
    "amal.clerk": (Role.CLERK, "AMM", "أمل خالد العمري", "Amal Khaled Al-Omari"),
    "omar.registrar": (Role.REGISTRAR, "AMM", "عمر يوسف الخصاونة", "Omar Yousef Al-Khasawneh"),
    "huda.supervisor": (Role.SUPERVISOR, None, "هدى سامي الزعبي", "Huda Sami Al-Zoubi"),
    "sami.admin": (Role.ADMINISTRATOR, None, "سامي نادر الحوراني", "Sami Nader Al-Hourani"),
}


@dataclass
class Clock:
    """Real time plus an offset the test moves (TOTP steps, throttle waits, timeouts)."""

    offset: dt.timedelta = dt.timedelta(0)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += dt.timedelta(seconds=seconds)


@dataclass
class Site:
    url: str
    data: DataDir
    database_url: str
    clock: Clock
    passwords: dict[str, str] = field(default_factory=dict)

    def db(self) -> Database:
        return Database(self.database_url, pool_size=1)

    def code(self, username: str, *, steps: int = 0) -> str:
        """The account's TOTP code now (or `steps` steps later)."""
        db = self.db()
        try:
            with db.session() as s:
                stored = accounts.find(s, username).totp_secret
                secret = accounts.SecretSeal(self.data.staff_secret_key()).open(stored)
        finally:
            db.dispose()
        return totp_code(secret, self.clock.now() + dt.timedelta(seconds=30 * steps))

    def next_step(self) -> None:
        """Move the clock into the next TOTP step (a fresh code)."""
        self.clock.advance(30)


def make_site(
    root: Path, database_url: str | None, demo: int = 0
) -> tuple[DataDir, str, dict[str, str]]:
    data = DataDir(root / "registry")
    result = initialise(data, database_url=database_url, demo=demo, seed=5, settings=Settings())
    url = result.database_url
    db = Database(url, pool_size=1)
    passwords: dict[str, str] = {}
    try:
        with db.session() as s:
            for username, (role, office, ar, en) in ACCOUNTS.items():
                creds = accounts.add_staff(
                    s,
                    CHEAP,
                    username=username,
                    name_ar=ar,
                    name_en=en,
                    role=role,
                    office=office,
                    password=None,
                    by="test",
                    at=dt.datetime.now(dt.UTC),
                    seal=accounts.SecretSeal(data.staff_secret_key()),
                    demo=True,
                )
                assert creds.password is not None
                passwords[username] = creds.password
    finally:
        db.dispose()
    return data, url, passwords


@contextmanager
def serving(
    root: Path,
    database_url: str | None,
    demo: int = 0,
    prepare: Callable[[DataDir], None] | None = None,
) -> Iterator[Site]:
    """The office on a real socket; `prepare` may write to the data directory first (its
    registry.toml, a secret file) before the app reads its settings."""
    data, url, passwords = make_site(root, database_url, demo)
    if prepare is not None:
        prepare(data)
    clock = Clock()
    app = create_app(data, database_url=url, office=OfficeOptions(password=CHEAP, clock=clock.now))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, ws="none", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the registry did not start")
        time.sleep(0.02)
    try:
        yield Site(f"http://127.0.0.1:{port}", data, url, clock, passwords)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def browser_sign_in(
    client: httpx.Client,
    site: Site,
    username: str,
    *,
    password: str | None = None,
    code: str | None = None,
) -> httpx.Response:
    """Fetch the sign-in form and post it, as a browser would (no redirects followed)."""
    form = client.get("/office/sign-in")
    return client.post(
        "/office/sign-in",
        data={
            "username": username,
            "password": site.passwords[username] if password is None else password,
            "code": site.code(username) if code is None else code,
            "csrf": csrf_of(form.text),
        },
    )
