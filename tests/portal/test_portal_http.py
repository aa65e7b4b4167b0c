"""The portal over real HTTP (httpx against the live portal, itself talking to a live
registry): sign-in with the SMS code, ordering, refusals, CSRF, the security headers."""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx

from portal.app import create_app
from portal.config import PortalConfig
from registry.client import RegistryClient
from tests.portal.portal_support import Site
from tests.support.registry import wrong_pin
from tests.support.servers import closed_port_url, serve_app
from verifier import national_id as nid
from verifier.keys import SigningKey


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the form"
    return found.group(1)


@contextlib.contextmanager
def _signed_in(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, follow_redirects=True, timeout=20) as c:
        _sign_in(c, site)
        yield c


def _sign_in(c: httpx.Client, site: Site) -> None:
    page = c.get("/sign-in")
    r = c.post(
        "/sign-in",
        data={
            "national_id": site.citizen["national_id"],
            "pin": site.citizen["pin"],
            "csrf": _csrf(page.text),
        },
    )
    assert r.status_code == 200 and str(r.url).endswith("/code"), r.text
    r = c.post("/code", data={"code": site.otp(), "csrf": _csrf(r.text)})
    assert r.status_code == 200 and str(r.url).endswith("/home"), r.text


def test_sign_in_with_code_then_order_for_a_kiosk(site: Site) -> None:
    with _signed_in(site) as c:
        home = c.get("/home")
        assert "شهادة ميلاد" in home.text
        link = re.search(r'href="(/order/new\?type=birth_certificate&amp;subject=\d+)"', home.text)
        assert link, home.text
        form = c.get(link.group(1).replace("&amp;", "&"))
        assert form.status_code == 200
        r = c.post(
            "/order/new",
            data={
                "csrf": _csrf(form.text),
                "type": "birth_certificate",
                "subject": site.citizen["national_id"],
                "collection": "kiosk",
                "idempotency_key": "k" * 20,
            },
        )
        assert r.status_code == 200 and "/orders/" in str(r.url), r.text
        assert "بانتظار الدفع" in r.text
        listing = c.get("/orders")
        assert "بانتظار الدفع" in listing.text and "شهادة ميلاد" in listing.text


def test_security_headers(site: Site) -> None:
    r = httpx.get(site.url + "/sign-in")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie


def _sign_in_page(c: httpx.Client) -> str:
    return _csrf(c.get("/sign-in").text)


def test_wrong_pin_says_how_many_tries_remain_tied_to_the_field(site: Site) -> None:
    with httpx.Client(base_url=site.url, follow_redirects=True, timeout=20) as c:
        r = c.post(
            "/sign-in",
            data={
                "national_id": site.citizen["national_id"],
                "pin": wrong_pin(site.citizen["pin"]),
                "csrf": _sign_in_page(c),
            },
        )
    assert r.status_code == 401
    assert "الرقم الوطني أو الرقم السري غير صحيح" in r.text
    assert 'id="pin-error"' in r.text and 'aria-describedby="pin-hint pin-error"' in r.text
    assert 'aria-invalid="true"' in r.text
    assert site.citizen["national_id"] in r.text  # kept for the next try; the PIN never is
    assert site.citizen["pin"] not in r.text


def test_a_mistyped_national_number_never_reaches_the_registry(site: Site) -> None:
    with httpx.Client(base_url=site.url, follow_redirects=True, timeout=20) as c:
        c.cookies.set("sanad-portal-lang", "en")
        r = c.post(
            "/sign-in", data={"national_id": "12345", "pin": "1234", "csrf": _sign_in_page(c)}
        )
    assert r.status_code == 400
    assert "The national number has 10 digits." in r.text
    assert site.otp_count() == 0


def test_wrong_code_then_right_code(site: Site) -> None:
    with httpx.Client(base_url=site.url, follow_redirects=True, timeout=20) as c:
        c.cookies.set("sanad-portal-lang", "en")
        r = c.post(
            "/sign-in",
            data={
                "national_id": site.citizen["national_id"],
                "pin": site.citizen["pin"],
                "csrf": _sign_in_page(c),
            },
        )
        assert "weaker protection than an app" in r.text
        assert "Never give it to anyone" in r.text
        code = site.otp()
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        r = c.post("/code", data={"code": wrong, "csrf": _csrf(r.text)})
        assert r.status_code == 401
        assert "The code is not correct. Tries remaining: 4." in r.text
        assert 'id="code-error"' in r.text
        r = c.post("/code", data={"code": code, "csrf": _csrf(r.text)})
        assert str(r.url).endswith("/home")


def test_missing_csrf_is_refused_with_words(site: Site) -> None:
    with httpx.Client(base_url=site.url, follow_redirects=True, timeout=20) as c:
        c.get("/sign-in")
        r = c.post(
            "/sign-in",
            data={"national_id": site.citizen["national_id"], "pin": site.citizen["pin"]},
        )
        assert r.status_code == 403
        assert "انتهت صلاحية هذه الصفحة" in r.text
        assert site.otp_count() == 0
    with _signed_in(site) as c:
        r = c.post("/sign-out", data={})
        assert r.status_code == 403
        assert c.get("/home").status_code == 200  # still signed in
        r = c.post(
            "/order/new",
            data={"type": "birth_certificate", "subject": site.citizen["national_id"]},
        )
        assert r.status_code == 403


def test_an_expired_session_goes_back_to_sign_in_with_a_notice(site: Site) -> None:
    with _signed_in(site) as c:
        site.expire_sessions()
        r = c.get("/orders")
        assert str(r.url).endswith("/sign-in?notice=session_ended")
        assert "انتهت الجلسة. يرجى تسجيل الدخول من جديد." in r.text


def test_sign_out_ends_the_session_at_the_registry(site: Site) -> None:
    with _signed_in(site) as c:
        sealed = c.cookies.get("sanad-portal")
        home = c.get("/home")
        r = c.post("/sign-out", data={"csrf": _csrf(home.text)})
        assert str(r.url).endswith("/sign-in?notice=signed_out")
        assert "تم تسجيل الخروج." in r.text
    # the old cookie, replayed: the registry has ended that session
    with httpx.Client(base_url=site.url, follow_redirects=True, timeout=20) as c:
        assert sealed is not None
        c.cookies.set("sanad-portal", sealed)
        r = c.get("/home")
        assert str(r.url).endswith("/sign-in?notice=session_ended")


def test_a_forged_cookie_is_not_a_session(site: Site) -> None:
    with httpx.Client(base_url=site.url, follow_redirects=False, timeout=20) as c:
        c.cookies.set("sanad-portal", "A" * 200)
        r = c.get("/home")
        assert r.status_code == 303 and r.headers["location"] == "/sign-in"


def test_registry_down_is_a_clear_503(site: Site) -> None:
    with _signed_in(site) as c:
        site.revoke_portal()  # the registry refuses the portal's channel from now on
        r = c.get("/orders")
        assert r.status_code == 503
        assert "تعذر الوصول إلى السجل المدني" in r.text
        assert "Traceback" not in r.text


def test_unknown_page_and_bad_order_code(site: Site) -> None:
    with _signed_in(site) as c:
        r = c.get("/nowhere")
        assert r.status_code == 404 and "الصفحة غير موجودة" in r.text
        r = c.get("/orders/not-a-code")
        assert r.status_code == 404 and "رمز الطلب غير صحيح" in r.text
        r = c.get("/orders/K7QM2XA9C")
        assert r.status_code in (400, 404)
        assert "Traceback" not in r.text


def test_post_order_needs_a_valid_address_each_field_marked(site: Site) -> None:
    with _signed_in(site) as c:
        form = c.get(
            "/order/new",
            params={"type": "birth_certificate", "subject": site.citizen["national_id"]},
        )
        r = c.post(
            "/order/new",
            data={
                "csrf": _csrf(form.text),
                "type": "birth_certificate",
                "subject": site.citizen["national_id"],
                "collection": "post",
                "idempotency_key": "p" * 20,
                "addr_name": "",
                "addr_line1": "",
                "addr_city": "",
                "addr_postcode": "!!",
            },
        )
        assert r.status_code == 400
        for field in ("addr_name", "addr_line1", "addr_city", "addr_postcode"):
            assert f'id="{field}-error"' in r.text
        assert 'href="#addr_name"' in r.text  # the summary links to the field
        r = c.post(
            "/order/new",
            data={
                "csrf": _csrf(form.text),
                "type": "birth_certificate",
                "subject": site.citizen["national_id"],
                "collection": "post",
                "idempotency_key": "p" * 20,
                "addr_name": "سلمى",
                "addr_line1": "شارع الجامعة 12",
                "addr_city": "إربد",
            },
        )
        assert r.status_code == 200 and "/orders/" in str(r.url)
        assert "بالبريد" in r.text


def test_a_repeated_order_form_makes_one_order(site: Site) -> None:
    with _signed_in(site) as c:
        form = c.get(
            "/order/new",
            params={"type": "birth_certificate", "subject": site.citizen["national_id"]},
        )
        data = {
            "csrf": _csrf(form.text),
            "type": "birth_certificate",
            "subject": site.citizen["national_id"],
            "collection": "kiosk",
            "idempotency_key": "same" * 5,
        }
        first = c.post("/order/new", data=data)
        second = c.post("/order/new", data=data)
        assert first.url == second.url
        listing = c.get("/orders")
        assert listing.text.count('class="order-item"') == 1


def test_a_registry_that_does_not_answer_is_a_503_page_not_a_traceback(tmp_path: Path) -> None:
    config = PortalConfig(
        channel_id="PORTAL-1",
        key_path=tmp_path / "unused",
        cookie_key_path=tmp_path / "unused",
        registry_url=closed_port_url(),
    )
    key = SigningKey.generate()
    app = create_app(
        config,
        client_factory=lambda c: RegistryClient(c.registry_url, "PORTAL-1", key, retries=0),
        cookie_key=secrets.token_bytes(32),
    )
    with serve_app(app, health="/health") as url, httpx.Client(base_url=url) as c:
        c.cookies.set("sanad-portal-lang", "en")
        page = c.get("/sign-in")
        assert page.status_code == 200  # the form itself needs no registry
        r = c.post(
            "/sign-in",
            data={"national_id": nid.make("994151093"), "pin": "1234", "csrf": _csrf(page.text)},
        )
    assert r.status_code == 503
    assert "We could not reach the civil registry. Nothing was done" in r.text
    assert r.headers["retry-after"] == "30"
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_resend_too_soon_says_when(site: Site) -> None:
    with httpx.Client(base_url=site.url, follow_redirects=True, timeout=20) as c:
        c.cookies.set("sanad-portal-lang", "en")
        r = c.post(
            "/sign-in",
            data={
                "national_id": site.citizen["national_id"],
                "pin": site.citizen["pin"],
                "csrf": _sign_in_page(c),
            },
        )
        r = c.post("/code/resend", data={"csrf": _csrf(r.text)})
        assert r.status_code == 429
        assert re.search(r"You can ask for a new code in \d+ seconds", r.text)
        assert site.otp_count() == 1
