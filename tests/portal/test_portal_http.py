"""The portal over real HTTP (httpx against the live portal, itself talking to a live
registry): sign-in with the SMS code, ordering, refusals, CSRF, the security headers."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import httpx

from tests.portal.portal_support import Site
from tests.support.registry import wrong_pin


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
