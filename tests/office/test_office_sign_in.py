"""Staff sign-in over HTTP, on SQLite and PostgreSQL: both factors, one uniform refusal, TOTP
replay, throttling and lockout, CSRF, session fixation and rotation, timeouts, and no page or
office API path that answers anything but a redirect or a 401 without a session."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from registry import staff as accounts
from registry.audit import verify_chain
from registry.models import AuditEntry, StaffSession
from tests.office.office_support import CHEAP, Site, browser_sign_in, csrf_of

COOKIE = "sanad-office"  # on http://127.0.0.1 the demo's cookie drops the __Host- prefix
UNIFORM_EN = accounts.BAD_CREDENTIALS.en
UNIFORM_AR = accounts.BAD_CREDENTIALS.ar


def client(site: Site, lang: str = "ar") -> httpx.Client:
    c = httpx.Client(base_url=site.url, timeout=10)
    if lang == "en":
        c.cookies.set("sanad-office-lang", "en", domain="127.0.0.1")
    return c


def failures(site: Site, username: str) -> tuple[int, bool]:
    db = site.db()
    try:
        with db.session() as s:
            row = accounts.find(s, username)
            return row.failures, row.locked_at is not None
    finally:
        db.dispose()


def test_sign_in_shows_today_with_name_role_and_office_then_sign_out(site: Site) -> None:
    with client(site) as c:
        r = browser_sign_in(c, site, "amal.clerk")
        assert r.status_code == 303 and r.headers["location"] == "/office/today"
        cookie = r.headers.get_list("set-cookie")
        session = next(h for h in cookie if h.startswith(f"{COOKIE}="))
        assert "HttpOnly" in session and "SameSite=strict" in session and "Path=/" in session
        today = c.get("/office/today")
        assert today.status_code == 200
        assert "أمل خالد العمري" in today.text and "موظف تسجيل" in today.text
        assert "AMM" in today.text
        csp = today.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp  # no script at all
        assert "<script" not in today.text and "style=" not in today.text
        assert today.headers["cache-control"] == "no-store"
        out = c.post("/office/sign-out", data={"csrf": csrf_of(today.text)})
        assert out.status_code == 303 and out.headers["location"].startswith("/office/sign-in")
        again = c.get("/office/today")
        assert again.status_code == 303 and again.headers["location"] == "/office/sign-in"
    db = site.db()
    try:
        with db.session() as s:
            kinds = [k for (k,) in s.execute(select(AuditEntry.kind).order_by(AuditEntry.seq))]
            assert kinds[-2:] == ["staff_signed_in", "staff_signed_out"]
            assert s.scalar(select(func.count()).select_from(StaffSession)) == 0
            assert verify_chain(s).ok
    finally:
        db.dispose()


def test_english_page_and_role(site: Site) -> None:
    with client(site, "en") as c:
        assert browser_sign_in(c, site, "omar.registrar").status_code == 303
        today = c.get("/office/today")
        assert 'lang="en"' in today.text and 'dir="ltr"' in today.text
        assert "Omar Yousef Al-Khasawneh" in today.text and "Registrar" in today.text


@pytest.mark.parametrize("wrong", ["password", "code", "username"])
def test_every_wrong_factor_gets_the_same_answer_and_counts(site: Site, wrong: str) -> None:
    with client(site, "en") as c:
        kw: dict[str, str] = {}
        user = "amal.clerk"
        if wrong == "password":
            kw["password"] = "not the password at all, really"
        elif wrong == "code":
            right = site.code(user)
            kw["code"] = f"{(int(right) + 1) % 1_000_000:06d}"
        else:
            user = "nobody.here"
            site.passwords[user] = "whatever it may be, wrong"
            kw["code"] = "123456"
        r = browser_sign_in(c, site, user, **kw)
        assert r.status_code == 401
        assert UNIFORM_EN in r.text
        assert c.get("/office/today").status_code == 303
    if wrong != "username":
        assert failures(site, user) == (1, False)


def test_arabic_refusal_is_the_same_sentence_in_arabic(site: Site) -> None:
    with client(site) as c:
        r = browser_sign_in(c, site, "amal.clerk", password="not the password at all, really")
        assert r.status_code == 401 and UNIFORM_AR in r.text and 'role="alert"' in r.text


def test_a_totp_code_cannot_be_used_twice(site: Site) -> None:
    code = site.code("amal.clerk")
    with client(site) as c:
        assert browser_sign_in(c, site, "amal.clerk", code=code).status_code == 303
    with client(site) as c:  # someone who saw the code over the shoulder, same 30 s
        r = browser_sign_in(c, site, "amal.clerk", code=code)
        assert r.status_code == 401 and UNIFORM_AR in r.text
    assert failures(site, "amal.clerk") == (1, False)
    site.next_step()
    with client(site) as c:  # the next code is fine, and clears the count
        assert browser_sign_in(c, site, "amal.clerk").status_code == 303
    assert failures(site, "amal.clerk") == (0, False)


def test_throttled_then_locked_at_the_tenth_failure_even_with_the_right_factors(
    site: Site,
) -> None:
    bad = "not the password at all, really"
    with client(site, "en") as c:
        for n in range(1, 10):
            r = browser_sign_in(c, site, "amal.clerk", password=bad)
            assert r.status_code == 401, n
            if n >= 3:  # three free failures, then a wait: trying inside it is refused
                early = browser_sign_in(c, site, "amal.clerk")
                assert early.status_code == 429 and "Retry-After" in early.headers
            site.clock.advance(301)
        assert failures(site, "amal.clerk") == (9, False)
        assert browser_sign_in(c, site, "amal.clerk", password=bad).status_code == 401
        assert failures(site, "amal.clerk") == (10, True)
        site.clock.advance(3600)
        r = browser_sign_in(c, site, "amal.clerk")  # the right password and code
        assert r.status_code == 423 and "locked" in r.text
        assert c.get("/office/today").status_code == 303
    db = site.db()
    try:
        with db.session() as s:
            kinds = list(s.scalars(select(AuditEntry.kind)))
            assert kinds.count("staff_locked") == 1
            accounts.reset_staff(
                s,
                CHEAP,
                "amal.clerk",
                password=None,
                by="sami.admin",
                at=site.clock.now(),
                seal=accounts.SecretSeal(site.data.staff_secret_key()),
            )
    finally:
        db.dispose()
    assert failures(site, "amal.clerk") == (0, False)


def test_sign_in_form_without_or_with_a_wrong_csrf_token_is_refused(site: Site) -> None:
    with client(site, "en") as c:
        c.get("/office/sign-in")
        data = {
            "username": "amal.clerk",
            "password": site.passwords["amal.clerk"],
            "code": site.code("amal.clerk"),
        }
        for token in (None, "", "0" * 64):
            body = dict(data) if token is None else {**data, "csrf": token}
            r = c.post("/office/sign-in", data=body)
            assert r.status_code == 403 and "expired" in r.text
        assert COOKIE not in c.cookies
    assert failures(site, "amal.clerk") == (0, False)  # not even tried


def test_sign_out_needs_the_csrf_token(site: Site) -> None:
    with client(site, "en") as c:
        assert browser_sign_in(c, site, "amal.clerk").status_code == 303
        for body in ({}, {"csrf": "f" * 64}):
            r = c.post("/office/sign-out", data=body)
            assert r.status_code == 403
            assert c.get("/office/today").status_code == 200  # still signed in


def test_session_fixation_a_planted_id_is_never_the_session(site: Site) -> None:
    planted = "attacker-chosen-session-id-1234567890abcdef"
    with client(site) as c:
        c.cookies.set(COOKIE, planted, domain="127.0.0.1")
        c.cookies.set(f"{COOKIE}-pre", planted, domain="127.0.0.1")
        form = c.get("/office/sign-in")
        r = c.post(
            "/office/sign-in",
            data={
                "username": "amal.clerk",
                "password": site.passwords["amal.clerk"],
                "code": site.code("amal.clerk"),
                "csrf": csrf_of(form.text),
            },
        )
        assert r.status_code == 303
        issued = r.cookies.get(COOKIE)
        assert issued and issued != planted
    # the planted id opens nothing
    with client(site) as other:
        other.cookies.set(COOKIE, planted, domain="127.0.0.1")
        assert other.get("/office/today").status_code == 303


def test_idle_and_absolute_timeouts(site: Site) -> None:
    with client(site) as c:
        assert browser_sign_in(c, site, "amal.clerk").status_code == 303
        site.clock.advance(14 * 60)
        assert c.get("/office/today").status_code == 200  # and moves last-seen on
        site.clock.advance(14 * 60)
        assert c.get("/office/today").status_code == 200
        site.clock.advance(15 * 60 + 1)
        assert c.get("/office/today").status_code == 303  # idle
    site.next_step()
    with client(site) as c:
        assert browser_sign_in(c, site, "amal.clerk").status_code == 303
        for _ in range(40):  # busy all shift, never idle
            site.clock.advance(15 * 60 - 1)
            if c.get("/office/today").status_code != 200:
                break
        assert c.get("/office/today").status_code == 303  # absolute: 8 hours


def test_a_sign_in_forgets_sessions_left_idle(site: Site) -> None:
    with client(site) as c:
        assert browser_sign_in(c, site, "amal.clerk").status_code == 303
    site.clock.advance(15 * 60)
    with client(site) as c:
        assert browser_sign_in(c, site, "omar.registrar").status_code == 303
    db = site.db()
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(StaffSession)) == 1
    finally:
        db.dispose()


OFFICE_PAGES = [
    "/office",
    "/office/",
    "/office/today",
    "/office/fleet",
    "/office/search",
    "/office/search?q=9985556340",
    "/office/record/9985556340",
]


def test_every_page_without_a_session_redirects_to_sign_in(site: Site) -> None:
    with client(site) as c:
        for path in OFFICE_PAGES:
            r = c.get(path)
            assert r.status_code == 303, path
            assert r.headers["location"] in ("/office/sign-in", "/office/today")
            if r.headers["location"] == "/office/today":
                assert c.get("/office/today").headers["location"] == "/office/sign-in"
        r = c.post("/office/sign-out", data={"csrf": "x"})
        assert r.status_code == 303 and r.headers["location"] == "/office/sign-in"


def office_api_operations(site: Site) -> list[tuple[str, str]]:
    spec = httpx.get(f"{site.url}/openapi.json").json()
    ops = [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1/office/")
        for method in item
    ]
    assert ("GET", "/api/v1/office/session") in ops
    return ops


def test_every_office_api_path_without_a_session_is_401(site: Site) -> None:
    ops = [op for op in office_api_operations(site) if op != ("POST", "/api/v1/office/session")]
    assert len(ops) >= 3
    with client(site) as c:
        # a browser session cookie is not a bearer token: the API ignores cookies
        assert browser_sign_in(c, site, "sami.admin").status_code == 303
        for method, path in ops:
            for headers in ({}, {"Authorization": "Bearer not-a-token"}):
                r = c.request(method, path, headers=headers)
                assert r.status_code == 401, (method, path)
                assert set(r.json()) == {"error"}
                assert r.json()["error"]["code"] == "staff_session_invalid"


def test_a_user_name_no_account_could_have_is_the_uniform_refusal(site: Site) -> None:
    # found by schemathesis: a NUL in the user name made PostgreSQL refuse the query (400)
    for username in ("amal\x00clerk", "أمل", "x" * 64 + "y"):
        r = httpx.post(
            f"{site.url}/api/v1/office/session",
            json={"username": username[:64], "password": "whatever it is", "code": "123456"},
        )
        assert r.status_code == 401, username
        assert r.json()["error"]["code"] == "staff_bad_credentials"
    with client(site, "en") as c:
        r = browser_sign_in(c, site, "amal.clerk", password="x")
        assert r.status_code == 401
        form = c.get("/office/sign-in")
        r = c.post(
            "/office/sign-in",
            data={"username": "a\x00b", "password": "p", "code": "1", "csrf": csrf_of(form.text)},
        )
        assert r.status_code == 401 and UNIFORM_EN in r.text


def test_api_sign_in_who_am_i_and_sign_out(site: Site) -> None:
    with client(site) as c:
        body = {
            "username": "omar.registrar",
            "password": site.passwords["omar.registrar"],
            "code": site.code("omar.registrar"),
        }
        r = c.post("/api/v1/office/session", json=body)
        assert r.status_code == 201, r.text
        token = r.json()["token"]
        assert r.json()["staff"] == {
            "username": "omar.registrar",
            "name": {"ar": "عمر يوسف الخصاونة", "en": "Omar Yousef Al-Khasawneh"},
            "role": "registrar",
            "office": "AMM",
        }
        auth = {"Authorization": f"Bearer {token}"}
        assert c.get("/api/v1/office/session", headers=auth).json()["staff"]["role"] == "registrar"
        # a registrar may not see the fleet
        assert c.get("/api/v1/office/fleet", headers=auth).status_code == 403
        # the same code again: a replay, the uniform answer
        again = c.post("/api/v1/office/session", json=body)
        assert again.status_code == 401
        assert again.json()["error"]["code"] == "staff_bad_credentials"
        assert c.delete("/api/v1/office/session", headers=auth).json() == {"ok": True}
        assert c.get("/api/v1/office/session", headers=auth).status_code == 401
