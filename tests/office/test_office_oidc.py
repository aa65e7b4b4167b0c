"""Staff sign-in through a ministry's OpenID provider, end to end over HTTP: a real provider
(tests/support/oidc_provider.py) on its own port, the office on SQLite and PostgreSQL, httpx
following the redirects as a browser does.

Built: the button on the sign-in page, the first sign-in creating the account with the mapped
role and office (audited by "oidc:<issuer>"), the next one reusing it, a group change moving
it, and the password sign-in beside it. Refused, each with words in both languages and no
session: a wrong state, a replayed code, another browser, a wrong nonce, an expired token, a
wrong audience, an unsigned or wrongly signed token, an unknown group, no second factor, a
disabled account, a provider that cannot be reached or announces another issuer. Refused at
start-up: a client secret file others can read.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from registry import staff as accounts
from registry.audit import verify_chain
from registry.config import DataDir, write_private
from registry.db import Database
from registry.errors import ConfigError
from registry.models import AuditEntry, StaffIdentity, StaffMember, StaffSession
from registry.office import oidc
from registry.office.errors import Refusal
from registry.office_web import OfficeOptions
from registry.service import create_app
from registry.staff_sso import DISABLED, begin_attempt, take_attempt
from tests.office.office_support import CHEAP, Site, browser_sign_in, serving
from tests.support.oidc_provider import Provider, serve_provider
from tests.support.servers import closed_port_url

SESSION = "sanad-office"  # on http://127.0.0.1 the cookie drops the __Host- prefix
ATTEMPT = "sanad-office-oidc"
SECRET_FILE = "keys/oidc-client.secret"

USERS = {
    "u-1001": {
        "preferred_username": "layla.haddad",
        "name#ar": "ليلى أحمد الحداد",
        "name#en": "Layla Ahmad Al-Haddad",
        "groups": ["staff", "amman-clerks"],
        "amr": ["pwd", "otp"],
    },
    "u-2002": {"preferred_username": "cook", "groups": ["canteen"], "amr": ["pwd", "otp"]},
    "u-3003": {"preferred_username": "nofactor", "groups": ["amman-clerks"], "amr": ["pwd"]},
    # a provider's user whose name is an existing password account's
    "u-4004": {
        "preferred_username": "amal.clerk",
        "name": "Amal Other",
        "groups": ["registry-admins"],
        "amr": ["mfa"],
    },
}


def oidc_toml(issuer: str) -> str:
    return f"""
[oidc]
issuer = "{issuer}"
client_id = "sanad-office"
client_secret_file = "{SECRET_FILE}"
name_ar = "وزارة الداخلية"
name_en = "the Ministry of Interior"

[[oidc.groups]]
group = "registry-admins"
role = "administrator"

[[oidc.groups]]
group = "amman-registrars"
role = "registrar"
office = "AMM"

[[oidc.groups]]
group = "amman-clerks"
role = "clerk"
office = "AMM"
"""


def configure(issuer: str, secret: str) -> Callable[[DataDir], None]:
    def prepare(data: DataDir) -> None:
        with data.config_path.open("a", encoding="utf-8") as f:
            f.write(oidc_toml(issuer))
        write_private(data.root / SECRET_FILE, secret + "\n")

    return prepare


@pytest.fixture
def provider() -> Iterator[Provider]:
    with serve_provider(Provider(users=dict(USERS), user="u-1001")) as p:
        yield p


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    provider: Provider,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> Iterator[Site]:
    prepare = configure(provider.issuer, provider.client_secret)
    if request.param == "sqlite":
        with serving(tmp_path, None, prepare=prepare) as s:
            yield s
        return
    with throwaway_postgres("sanad_oidc") as url, serving(tmp_path, url, prepare=prepare) as s:
        yield s


def client(site: Site, lang: str = "ar") -> httpx.Client:
    c = httpx.Client(base_url=site.url, timeout=15)
    if lang == "en":
        c.cookies.set("sanad-office-lang", "en", domain="127.0.0.1")
    return c


def sso_sign_in(c: httpx.Client) -> httpx.Response:
    """Click "sign in with": through the provider and back, as a browser follows it."""
    return c.get("/office/sign-in/oidc", follow_redirects=True)


def to_callback(c: httpx.Client) -> str:
    """Start a sign-in and let the provider answer; the callback URL, not yet visited."""
    start = c.get("/office/sign-in/oidc")
    assert start.status_code == 303
    auth = c.get(start.headers["location"])
    assert auth.status_code == 303, auth.text
    return auth.headers["location"]


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    q.update(changes)
    return parts._replace(query=urlencode(q)).geturl()


def db_facts(site: Site) -> tuple[list[str], int, list[tuple[str, str, str | None]]]:
    """The audit kinds, the number of sessions, and the accounts (name, role, office)."""
    db = site.db()
    try:
        with db.session() as s:
            kinds = [k for (k,) in s.execute(select(AuditEntry.kind).order_by(AuditEntry.seq))]
            sessions = s.scalar(select(func.count()).select_from(StaffSession)) or 0
            staff = [
                (r.username, r.role, r.office)
                for r in s.execute(select(StaffMember).order_by(StaffMember.id)).scalars()
            ]
            assert verify_chain(s).ok
            return kinds, sessions, staff
    finally:
        db.dispose()


def audit_data(site: Site, kind: str) -> list[dict[str, object]]:
    db = site.db()
    try:
        with db.session() as s:
            rows = s.execute(
                select(AuditEntry).where(AuditEntry.kind == kind).order_by(AuditEntry.seq)
            ).scalars()
            return [json.loads(r.data) for r in rows]
    finally:
        db.dispose()


def assert_refused(site: Site, r: httpx.Response, status: int, refusal: Refusal) -> None:
    assert r.status_code == status, r.text
    assert refusal.ar in r.text  # the page is Arabic first
    assert "Traceback" not in r.text
    assert f"{SESSION}=" not in " ".join(
        h for h in r.headers.get_list("set-cookie") if not h.startswith(f"{SESSION}-")
    )
    assert db_facts(site)[1] == 0


# ---------------------------------------------------------------------------------------------
# signing in


def test_sign_in_page_offers_the_ministry_beside_the_password_form(site: Site) -> None:
    with client(site) as c:
        page = c.get("/office/sign-in")
        assert 'href="/office/sign-in/oidc"' in page.text
        assert "الدخول عبر وزارة الداخلية" in page.text
        assert 'name="password"' in page.text
    with client(site, "en") as c:
        assert "Sign in with the Ministry of Interior" in c.get("/office/sign-in").text


def test_first_sign_in_creates_the_mapped_account_then_reuses_it(
    site: Site, provider: Provider
) -> None:
    with client(site) as c:
        pre = c.get("/office/sign-in").cookies.get(f"{SESSION}-pre")
        done = sso_sign_in(c)
        assert done.status_code == 200, done.text
        assert 'http-equiv="refresh" content="0;url=/office/today"' in done.text
        session = c.cookies.get(SESSION)
        assert session and session != pre  # a new id, never one set before sign-in
        set_cookies = done.headers.get_list("set-cookie")
        assert any(h.startswith(f"{SESSION}=") and "SameSite=strict" in h for h in set_cookies)
        assert any(h.startswith(f"{ATTEMPT}=") and "Max-Age=0" in h for h in set_cookies)
        today = c.get("/office/today")
        assert today.status_code == 200
        assert "ليلى أحمد الحداد" in today.text and "AMM" in today.text
    kinds, sessions, staff = db_facts(site)
    assert ("layla.haddad", "clerk", "AMM") in staff
    assert kinds[-2:] == ["staff_added", "staff_signed_in"] and sessions == 1
    added = audit_data(site, "staff_added")[-1]
    assert added["by"] == f"oidc:{provider.issuer}"
    assert (added["staff"], added["role"], added["office"]) == ("layla.haddad", "clerk", "AMM")
    assert audit_data(site, "staff_signed_in")[-1]["via"] == f"oidc:{provider.issuer}"

    with client(site, "en") as c:  # again, from another browser: the same account
        assert sso_sign_in(c).status_code == 200
        assert "Layla Ahmad Al-Haddad" in c.get("/office/today").text
    kinds, sessions, staff = db_facts(site)
    assert kinds.count("staff_added") == len(staff) and sessions == 2
    assert [u for u, _, _ in staff].count("layla.haddad") == 1


def test_the_password_sign_in_still_works(site: Site) -> None:
    with client(site) as c:
        r = browser_sign_in(c, site, "amal.clerk")
        assert r.status_code == 303 and r.headers["location"] == "/office/today"
        assert c.get("/office/today").status_code == 200


def test_a_provider_user_named_like_a_password_account_gets_an_account_of_their_own(
    site: Site, provider: Provider
) -> None:
    provider.user = "u-4004"
    with client(site) as c:
        assert sso_sign_in(c).status_code == 200
        assert "Amal Other" in c.get("/office/today").text
    staff = db_facts(site)[2]
    assert ("amal.clerk", "clerk", "AMM") in staff
    assert ("amal.clerk-2", "administrator", None) in staff


def test_a_group_change_at_the_provider_moves_the_account(site: Site, provider: Provider) -> None:
    with client(site) as c:
        assert sso_sign_in(c).status_code == 200
    provider.users["u-1001"] = {**USERS["u-1001"], "groups": ["amman-registrars"]}
    with client(site) as c:
        assert sso_sign_in(c).status_code == 200
    assert ("layla.haddad", "registrar", "AMM") in db_facts(site)[2]
    changed = audit_data(site, "staff_role_changed")
    assert changed == [
        {
            "by": f"oidc:{provider.issuer}",
            "staff": "layla.haddad",
            "role": "registrar",
            "office": "AMM",
        }
    ]


# ---------------------------------------------------------------------------------------------
# refusals


def test_wrong_state_is_refused(site: Site) -> None:
    with client(site) as c:
        callback = to_callback(c)
        r = c.get(with_query(callback, state="forged-state"))
        assert_refused(site, r, 400, oidc.EXPIRED_ATTEMPT)
    with client(site, "en") as c:
        r = c.get(with_query(to_callback(c), state="x"))
        assert r.status_code == 400 and oidc.EXPIRED_ATTEMPT.en in r.text


def test_a_callback_from_another_browser_is_refused(site: Site) -> None:
    with client(site) as attacker:
        callback = to_callback(attacker)  # the attacker's own code and state
    with client(site) as victim:
        victim.get("/office/sign-in")
        r = victim.get(callback)
        assert_refused(site, r, 400, oidc.EXPIRED_ATTEMPT)


def test_replayed_code_is_refused(site: Site, provider: Provider) -> None:
    with client(site) as c:
        first = to_callback(c)
        assert c.get(first).status_code == 200
        again = c.get(first)  # the same callback: the attempt is gone
        assert again.status_code == 400 and oidc.EXPIRED_ATTEMPT.ar in again.text
    with client(site) as c:
        fresh = to_callback(c)  # a new attempt, with the used code in it
        old_code = parse_qs(urlsplit(first).query)["code"][0]
        calls = provider.token_calls
        r = c.get(with_query(fresh, code=old_code))
        assert provider.token_calls == calls + 1  # the provider said no, not the office
        assert r.status_code == 400 and oidc.BAD_ANSWER.ar in r.text
        assert not c.cookies.get(SESSION)
    assert db_facts(site)[1] == 1  # only the first sign-in's session


@pytest.mark.parametrize(
    ("tamper", "sign", "refusal"),
    [
        ({"nonce": "not-the-nonce"}, "RS256", oidc.BAD_ANSWER),
        ({"nonce": None}, "RS256", oidc.BAD_ANSWER),
        (
            {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 3900},
            "RS256",
            oidc.TOKEN_EXPIRED,
        ),
        ({"iat": int(time.time()) + 3600}, "RS256", oidc.BAD_ANSWER),
        ({"aud": "someone-else"}, "RS256", oidc.BAD_ANSWER),
        ({"aud": ["sanad-office", "someone-else"]}, "RS256", oidc.BAD_ANSWER),
        ({"iss": "https://idp.example.org"}, "RS256", oidc.BAD_ANSWER),
        ({}, "none", oidc.BAD_ANSWER),
        ({}, "other-key", oidc.BAD_ANSWER),
    ],
    ids=[
        "wrong-nonce",
        "no-nonce",
        "expired",
        "issued-in-future",
        "wrong-audience",
        "several-audiences-no-azp",
        "wrong-issuer",
        "alg-none",
        "signed-by-another-key",
    ],
)
def test_a_bad_id_token_is_refused(
    site: Site, provider: Provider, tamper: dict[str, object], sign: str, refusal: Refusal
) -> None:
    provider.tamper, provider.sign = tamper, sign
    with client(site) as c:
        r = sso_sign_in(c)
        assert_refused(site, r, 400, refusal)
    assert "layla.haddad" not in [u for u, _, _ in db_facts(site)[2]]


def test_unknown_group_is_refused_in_both_languages(site: Site, provider: Provider) -> None:
    provider.user = "u-2002"
    with client(site) as c:
        r = sso_sign_in(c)
        assert r.status_code == 403
        assert "لا يمنحك مزوّد الهوية أي دور في السجل المدني" in r.text
    with client(site, "en") as c:
        r = sso_sign_in(c)
        assert r.status_code == 403 and "grants you no role in the civil registry" in r.text
    _, sessions, staff = db_facts(site)
    assert sessions == 0 and "cook" not in [u for u, _, _ in staff]


def test_no_second_factor_at_the_provider_is_refused(site: Site, provider: Provider) -> None:
    provider.user = "u-3003"
    with client(site) as c:
        r = sso_sign_in(c)
        assert r.status_code == 403 and "عامل تحقق ثانٍ" in r.text
    assert db_facts(site)[1] == 0


def test_the_provider_cancelling_is_refused(site: Site, provider: Provider) -> None:
    provider.deny = "access_denied"
    with client(site) as c:
        assert_refused(site, sso_sign_in(c), 400, oidc.DENIED)


def test_a_disabled_account_stays_refused(site: Site) -> None:
    with client(site) as c:
        assert sso_sign_in(c).status_code == 200
    db = site.db()
    try:
        with db.session() as s:
            accounts.disable_staff(s, "layla.haddad", by="sami.admin", at=site.clock.now())
    finally:
        db.dispose()
    with client(site) as c:
        r = sso_sign_in(c)
        assert_refused(site, r, 403, DISABLED)


# ---------------------------------------------------------------------------------------------
# the provider and the configuration


def serve_with(tmp_path: Path, issuer: str, secret: str = "s") -> AbstractContextManager[Site]:
    return serving(tmp_path, None, prepare=configure(issuer, secret))


def test_a_provider_that_cannot_be_reached_is_refused_not_crashed(tmp_path: Path) -> None:
    with serve_with(tmp_path, closed_port_url()) as site, client(site) as c:
        assert "الدخول عبر" in c.get("/office/sign-in").text  # starting does not need it
        r = c.get("/office/sign-in/oidc")
        assert_refused(site, r, 502, oidc.UNREACHABLE)


@pytest.mark.parametrize("where", ["another-issuer", "no-such-path"])
def test_a_provider_that_is_not_the_configured_issuer_is_refused(
    tmp_path: Path, provider: Provider, where: str
) -> None:
    # discovery answers at localhost, but announces 127.0.0.1; or answers 404
    issuer = provider.issuer.replace("127.0.0.1", "localhost")
    if where == "no-such-path":
        issuer = provider.issuer + "/realms/other"
    with serve_with(tmp_path, issuer) as site, client(site) as c:
        assert_refused(site, c.get("/office/sign-in/oidc"), 502, oidc.MISCONFIGURED)


def test_without_the_table_nothing_changes(sqlite_site: Site) -> None:
    with client(sqlite_site) as c:
        assert "/office/sign-in/oidc" not in c.get("/office/sign-in").text
        assert c.get("/office/sign-in/oidc").status_code == 404


def test_a_secret_file_others_can_read_stops_the_start(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "registry")
    data.ensure()
    data.config_path.write_text(oidc_toml("https://idp.example.org"), encoding="utf-8")
    secret = data.root / SECRET_FILE
    secret.write_text("s\n", encoding="utf-8")
    secret.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        create_app(data, office=OfficeOptions(password=CHEAP))
    secret.chmod(0o600)
    create_app(data, office=OfficeOptions(password=CHEAP))


def test_the_link_is_kept_by_issuer_and_subject(site: Site, provider: Provider) -> None:
    with client(site) as c:
        assert sso_sign_in(c).status_code == 200
    db = site.db()
    try:
        with db.session() as s:
            links = [(i.issuer, i.subject) for i in s.execute(select(StaffIdentity)).scalars()]
    finally:
        db.dispose()
    assert links == [(provider.issuer, "u-1001")]


@pytest.mark.postgres
def test_two_callbacks_racing_with_one_cookie_get_the_attempt_once(
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> None:
    now = dt.datetime.now(dt.UTC)
    with throwaway_postgres("sanad_oidc_race") as url:
        db = Database(url, pool_size=2)
        try:
            db.migrate()
            with db.session() as s:
                attempt_id, attempt = begin_attempt(s, now)
            second: list[object] = []
            with db.session() as first:
                assert take_attempt(first, attempt_id, now) == attempt
                # the other callback's DELETE waits for this transaction, then finds nothing
                other = threading.Thread(
                    target=lambda: second.append(
                        db.transact(lambda s: take_attempt(s, attempt_id, now))
                    )
                )
                other.start()
                other.join(0.5)
                assert other.is_alive()  # blocked on the row
            other.join(10)
            assert second == [None]
        finally:
            db.dispose()
