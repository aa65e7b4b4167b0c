"""Search by national number or name (Arabic normalisation, the blocking-key index) and the
read-only record page, for clerks, registrars and supervisors; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from registry.models import Death, Person
from tests.office.office_support import Site, browser_sign_in


@pytest.fixture(scope="module")
def someone(populated_site: Site) -> Person:
    db = populated_site.db()
    try:
        with db.session() as s:
            dead = select(Death.person_id)
            return s.scalars(
                select(Person)
                .where(Person.father_id.is_not(None), Person.id.not_in(dead))
                .order_by(Person.id)
                .limit(1)
            ).one()
    finally:
        db.dispose()


@pytest.fixture
def clerk(populated_site: Site) -> Iterator[httpx.Client]:
    site = populated_site
    site.next_step()  # a fresh code for each sign-in of the shared site
    with httpx.Client(base_url=site.url, timeout=10) as c:
        assert browser_sign_in(c, site, "amal.clerk").status_code == 303
        yield c


def misspell(name: str) -> str:
    """A clerk's habits: hamza dropped, ة typed as ه, ى as ي."""
    return name.replace("أ", "ا").replace("إ", "ا").replace("ة", "ه").replace("ى", "ي")


def test_search_by_national_number_then_the_record(
    populated_site: Site, clerk: httpx.Client, someone: Person
) -> None:
    page = clerk.get("/office/search", params={"q": someone.national_id})
    assert page.status_code == 200
    assert f'href="/office/record/{someone.national_id}"' in page.text
    assert someone.name_ar in page.text
    record = clerk.get(f"/office/record/{someone.national_id}")
    assert record.status_code == 200
    for value in (someone.name_ar, someone.birth_record, someone.date_of_birth.isoformat()):
        assert value in record.text
    assert someone.father_name_ar in record.text
    missing = clerk.get("/office/record/0000000000")
    assert missing.status_code == 404


def test_search_by_a_misspelt_name_or_without_the_grandfather(
    clerk: httpx.Client, someone: Person
) -> None:
    for q in (
        misspell(someone.name_ar),
        f"{someone.given_ar} {someone.father_given_ar} {someone.family_ar}",
        f"{someone.given_ar}  {someone.father_given_ar} {someone.grandfather_given_ar}"
        f" {someone.family_ar}\u064e",
    ):
        page = clerk.get("/office/search", params={"q": q})
        assert page.status_code == 200
        first = page.text.index("/office/record/")
        assert page.text[first:].startswith(f"/office/record/{someone.national_id}"), q
    nothing = clerk.get("/office/search", params={"q": "زززز ققق ثثثث غغغغ"})
    assert "/office/record/" not in nothing.text


def test_api_twin_and_who_may_search(populated_site: Site, someone: Person) -> None:
    site = populated_site
    tokens = {}
    for user in ("huda.supervisor", "sami.admin"):
        site.next_step()
        r = httpx.post(
            f"{site.url}/api/v1/office/session",
            json={"username": user, "password": site.passwords[user], "code": site.code(user)},
        )
        tokens[user] = {"Authorization": f"Bearer {r.json()['token']}"}
    q = {"q": misspell(someone.name_ar)}
    found = httpx.get(
        f"{site.url}/api/v1/office/search", params=q, headers=tokens["huda.supervisor"]
    )
    assert found.status_code == 200
    assert found.json()["results"][0]["national_id"] == someone.national_id
    record = httpx.get(
        f"{site.url}/api/v1/office/persons/{someone.national_id}",
        headers=tokens["huda.supervisor"],
    ).json()
    assert (
        record["name"]["ar"] == someone.name_ar and record["birth_record"] == someone.birth_record
    )
    # an administrator manages accounts and kiosks, and reads no one's record
    for path in ("/api/v1/office/search", f"/api/v1/office/persons/{someone.national_id}"):
        r = httpx.get(f"{site.url}{path}", params=q, headers=tokens["sami.admin"])
        assert r.status_code == 403 and someone.name_ar not in r.text
    with httpx.Client(base_url=site.url, timeout=10) as c:
        site.next_step()
        assert browser_sign_in(c, site, "sami.admin").status_code == 303
        page = c.get("/office/search", params=q)
        assert page.status_code == 403 and someone.name_ar not in page.text
        assert 'href="/office/search"' not in c.get("/office/today").text


def test_two_parts_misspelt_found_by_the_fallback(clerk: httpx.Client, someone: Person) -> None:
    """The blocking keys miss a name with two parts misspelt; the fallback still lists it."""

    def drop(word: str) -> str:
        return word[:1] + word[2:] if len(word) > 3 else word + "ي"

    parts = [someone.given_ar, someone.father_given_ar, someone.grandfather_given_ar]
    q = " ".join([drop(parts[0]), parts[1], drop(parts[2]), someone.family_ar])
    page = clerk.get("/office/search", params={"q": q})
    assert page.status_code == 200
    assert f"/office/record/{someone.national_id}" in page.text
