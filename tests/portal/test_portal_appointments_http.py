"""The appointment pages over real HTTP (httpx against the live portal in front of a live
registry): a booking made step by step, the SMS link's page, and the pages a citizen sees
when something is wrong (a bad token, an unknown reference, the registry gone), never a
traceback."""

from __future__ import annotations

import re

import httpx

from tests.portal.portal_support import Site, fill_day
from tests.portal.test_portal_http import _csrf, _signed_in


def _book(c: httpx.Client) -> tuple[str, httpx.Response]:
    """Service, office, the first free day, its first time, confirmed: (reference, page)."""
    services = c.get("/appointments/new")
    assert services.status_code == 200 and "يُرجى اختيار الخدمة" in services.text
    assert "دفتر العائلة" in services.text  # what to bring, with the service
    offices = c.get("/appointments/new", params={"service": "EVENT_REG", "governorate": "Zarqa"})
    names = re.findall(r'<p class="title">([^<]+)</p>', offices.text)
    assert names[0].endswith("الزرقاء"), names  # the governorate's own office first
    days = c.get("/appointments/new", params={"service": "EVENT_REG", "office": "AMM"})
    assert "هـ" in days.text  # each day with its Hijri date
    link = re.search(
        r'href="(/appointments/new\?service=EVENT_REG&amp;office=AMM&amp;day=[^"]+)"', days.text
    )
    assert link, days.text
    times = c.get(link.group(1).replace("&amp;", "&"))
    slot = re.search(r'name="slot" value="([^"]+)"', times.text)
    assert slot, times.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', times.text)
    assert key
    held = c.post(
        "/appointments/new",
        data={
            "csrf": _csrf(times.text),
            "service": "EVENT_REG",
            "office": "AMM",
            "slot": slot.group(1),
            "idempotency_key": key.group(1),
        },
    )
    assert held.status_code == 200 and str(held.url).endswith("/confirm"), held.text
    assert re.search(r"يُحتفظ بهذا الموعد حتى الساعة \u2068\d\d:\d\d\u2069", held.text)
    ref = str(held.url).split("/")[-2]
    done = c.post(f"/appointments/{ref}/confirm", data={"csrf": _csrf(held.text)})
    assert done.status_code == 200 and "done=booked" in str(done.url)
    return ref, done


def test_a_booking_step_by_step_ends_with_its_reference_and_qr(site: Site) -> None:
    with _signed_in(site) as c:
        ref, done = _book(c)
        assert "تم حجز الموعد" in done.text
        display = f"{ref[:3]}-{ref[3:6]}-{ref[6:]}"
        assert display in done.text
        assert f'aria-label="رمز QR لرقم الحجز \u2068{display}\u2069"' in done.text
        mine = c.get("/appointments")
        assert display in mine.text and "محجوز" in mine.text


def test_the_sms_link_shows_the_appointment_and_a_bad_token_a_clear_page(site: Site) -> None:
    with _signed_in(site) as c:
        ref, _ = _book(c)
    body = site.reg.last_sms(site.citizen["phone"]) or ""
    token = re.search(rf"/b/{ref}\?t=([a-z]+)", body)
    assert token, body
    with httpx.Client(base_url=site.url, follow_redirects=True, timeout=20) as anon:
        seen = anon.get(f"/b/{ref}", params={"t": token.group(1)})
        assert seen.status_code == 200 and "إلغاء الموعد" in seen.text
        wrong = anon.get(f"/b/{ref}", params={"t": "a" * 22})
        assert wrong.status_code == 404 and "الرابط غير صالح" in wrong.text
        unknown = anon.get("/b/K7QM2XA9C", params={"t": token.group(1)})
        assert unknown.status_code == 404 and "الرابط غير صالح" in unknown.text
        garbled = anon.get("/b/nonsense", params={"t": "1234"})
        assert garbled.status_code == 404 and "الرابط غير صالح" in garbled.text
        # cancelling needs the page's own form token, not only the link's
        forged = anon.post(f"/b/{ref}/cancel", data={"t": token.group(1)})
        assert forged.status_code == 403
        for r in (wrong, unknown, garbled, forged):
            assert "Traceback" not in r.text


def test_an_unknown_or_malformed_reference_is_a_page_not_a_fault(site: Site) -> None:
    with _signed_in(site) as c:
        r = c.get("/appointments/not-a-ref")
        assert r.status_code == 404 and "رقم الحجز غير صحيح" in r.text
        r = c.get("/appointments/K7QM2XA9C")
        assert r.status_code == 404 and "لا يوجد موعد بهذا الرقم" in r.text
        r = c.get("/appointments/new", params={"service": "NOPE"})
        assert r.status_code == 404
        r = c.get("/appointments/new", params={"service": "EVENT_REG", "office": "AMM", "day": "x"})
        assert r.status_code == 404
        assert "Traceback" not in r.text


def test_registry_down_is_a_friendly_503_on_the_appointment_pages(site: Site) -> None:
    with _signed_in(site) as c:
        ref, _ = _book(c)
        site.revoke_portal()
        for path in ("/appointments", "/appointments/new", f"/appointments/{ref}"):
            r = c.get(path)
            assert r.status_code == 503, path
            assert "تعذر الوصول إلى السجل المدني" in r.text and "Traceback" not in r.text
    with httpx.Client(base_url=site.url, follow_redirects=True, timeout=20) as anon:
        r = anon.get(f"/b/{ref}", params={"t": "a" * 22})
        assert r.status_code == 503 and "تعذر الوصول إلى السجل المدني" in r.text


def test_an_sms_link_to_book_survives_signing_in(site: Site) -> None:
    with httpx.Client(base_url=site.url, follow_redirects=True, timeout=20) as c:
        first = c.get("/appointments/new", params={"service": "ID_CARD"})
        assert str(first.url).endswith("/sign-in")
        from tests.portal.test_portal_http import _sign_in_page

        r = c.post(
            "/sign-in",
            data={
                "national_id": site.citizen["national_id"],
                "pin": site.citizen["pin"],
                "csrf": _sign_in_page(c),
            },
        )
        r = c.post("/code", data={"code": site.otp(), "csrf": _csrf(r.text)})
        assert str(r.url).endswith("/appointments/new?service=ID_CARD"), r.url
        assert "يُرجى اختيار المكتب" in r.text


def test_move_to_another_day_at_the_same_office(site: Site) -> None:
    with _signed_in(site) as c:
        ref, done = _book(c)
        before = re.search(r'class="hijri">([^<]+)<', done.text)
        assert before
        days = c.get(f"/appointments/{ref}/move")
        assert days.status_code == 200 and "الموعد الحالي" in days.text
        links = re.findall(rf'href="(/appointments/{ref}/move\?day=[^"]+)"', days.text)
        assert len(links) >= 2, days.text
        times = c.get(links[1])
        slot = re.search(r'name="slot" value="([^"]+)"', times.text)
        assert slot
        assert f'action="/appointments/{ref}/move"' in times.text
        moved = c.post(
            f"/appointments/{ref}/move", data={"csrf": _csrf(times.text), "slot": slot.group(1)}
        )
        assert moved.status_code == 200 and "done=moved" in str(moved.url), moved.text
        assert "نُقل الموعد إلى الوقت الجديد" in moved.text
        after = re.search(r'class="hijri">([^<]+)<', moved.text)
        assert after and after.group(1) != before.group(1)  # another day, the same reference
        assert f"{ref[:3]}-{ref[3:6]}-{ref[6:]}" in moved.text


def test_joining_a_days_waiting_list_says_the_place_and_twice_is_refused(site: Site) -> None:
    with _signed_in(site) as c:
        days = c.get("/appointments/new", params={"service": "EVENT_REG", "office": "AMM"})
        day = re.search(r"day=(\d{4}-\d{2}-\d{2})", days.text)
        assert day
        fill_day(site, day.group(1), "EVENT_REG")
        data = {
            "csrf": _csrf(days.text),
            "service": "EVENT_REG",
            "office": "AMM",
            "day": day.group(1),
        }
        joined = c.post("/appointments/waitlist", data=data)
        assert joined.status_code == 201 and "والترتيب فيها \u20681\u2069" in joined.text, (
            joined.text
        )
        again = c.post("/appointments/waitlist", data=data)
        assert again.status_code == 409 and "سبق التسجيل في قائمة الانتظار" in again.text
        no_token = c.post("/appointments/waitlist", data={**data, "csrf": ""})
        assert no_token.status_code == 403
