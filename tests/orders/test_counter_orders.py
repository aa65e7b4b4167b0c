"""Online orders collected at an office's counter (registry.orders.at_counter and
registry/office_web/counter_orders.py), on SQLite and PostgreSQL.

A citizen orders on the portal (signed channel requests, the SMS code read from the outbox)
for collection at AMM's counter; once paid it is on AMM's list (not before, and not on
IRB's); AMM's clerk prints it by its code: one document, whose QR read off the PDF rendered by
poppler verifies VALID, the order collected by AMM in the same transaction, the audit naming
the clerk. The same code again gives the same document; another office's clerk, a
supervisor, a typo, an unknown code and a kiosk order are refused and change nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hardware.emulator import Emulator, EmulatorState
from registry import staff as accounts
from registry.client import RegistryClient
from registry.models import AuditEntry, IssuedDocument, Order
from registry.office.declarations import Role
from registry.orders import codes
from tests.office.office_support import CHEAP, Site, serving
from tests.orders.orders_support import (
    PORTAL,
    enroll_portal,
    pay,
    pdf_pages,
    place,
    qr_codes,
    signed_in,
    with_db,
)
from verifier.keys import load_public_key
from verifier.trust import TrustList, load_trust_list
from verifier.verify import Status, verify

LIST = "/api/v1/office/counter/orders"


def print_path(code: str) -> str:
    return f"/api/v1/office/counter/orders/{code}/print"


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(tmp_path / "printer", 576, EmulatorState.OK, tcp="127.0.0.1:0") as emu:
        yield emu


def add_irb_clerk(site: Site) -> None:
    def add(s: Any) -> None:
        creds = accounts.add_staff(
            s,
            CHEAP,
            username="rana.clerk",
            name_ar="رنا محمود العلي",
            name_en="Rana Mahmoud Al-Ali",
            role=Role.CLERK,
            office="IRB",
            password=None,
            by="test",
            at=dt.datetime.now(dt.UTC),
            seal=accounts.SecretSeal(site.data.staff_secret_key()),
            demo=True,
        )
        assert creds.password is not None
        site.passwords["rana.clerk"] = creds.password

    with_db(site.database_url, add)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def counter_site(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> Iterator[Site]:
    monkeypatch.setenv("SANAD_REGISTRY_COUNTER_PRINTER__URL", emulator.url)
    if request.param == "sqlite":
        with serving(tmp_path, None, demo=30) as s:
            add_irb_clerk(s)
            yield s
        return
    with throwaway_postgres("sanad_counter_orders") as url, serving(tmp_path, url, demo=30) as s:
        add_irb_clerk(s)
        yield s


@pytest.fixture
def portal(counter_site: Site) -> Iterator[RegistryClient]:
    key = enroll_portal(counter_site.data, counter_site.database_url)
    with RegistryClient(counter_site.url, PORTAL, key, retries=0) as c:
        yield c


def citizens_with_phone(site: Site) -> list[dict[str, str]]:
    import csv

    with site.data.demo_citizens_path.open(encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if r["phone"]]


def bearer(site: Site, username: str) -> dict[str, str]:
    r = httpx.post(
        f"{site.url}/api/v1/office/session",
        json={
            "username": username,
            "password": site.passwords[username],
            "code": site.code(username),
        },
    )
    assert r.status_code == 201, r.text
    site.next_step()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def trust(site: Site) -> TrustList:
    raw = httpx.get(f"{site.url}/api/v1/trust-list").content
    return load_trust_list(raw, [load_public_key(site.data.root_public_key_path)])


def order_row(site: Site, code: str) -> Order:
    def get(s: Any) -> Order:
        row = s.execute(select(Order).where(Order.code == code)).scalar_one()
        s.expunge(row)
        return row  # type: ignore[no-any-return]

    return with_db(site.database_url, get)  # type: ignore[no-any-return]


def audit_of(site: Site, kind: str) -> list[dict[str, Any]]:
    return with_db(  # type: ignore[no-any-return]
        site.database_url,
        lambda s: [
            json.loads(e.data)
            for e in s.execute(
                select(AuditEntry).where(AuditEntry.kind == kind).order_by(AuditEntry.seq)
            ).scalars()
        ],
    )


def documents_for(site: Site, code: str) -> list[str]:
    return with_db(  # type: ignore[no-any-return]
        site.database_url,
        lambda s: list(
            s.execute(
                select(IssuedDocument.serial).where(
                    IssuedDocument.payment_reference == f"ORDER-{code}"
                )
            ).scalars()
        ),
    )


def counter_order(site: Site, portal: RegistryClient, citizen: dict[str, str]) -> str:
    session = signed_in(portal, site.database_url, citizen)
    return place(portal, session, citizen, "counter", office="AMM").code


def test_a_paid_counter_order_is_listed_printed_once_and_verifies(
    counter_site: Site, portal: RegistryClient, tmp_path: Path
) -> None:
    site = counter_site
    citizen = citizens_with_phone(site)[0]
    code = counter_order(site, portal, citizen)
    clerk = bearer(site, "amal.clerk")

    unpaid = httpx.get(site.url + LIST, headers=clerk)
    assert unpaid.status_code == 200 and unpaid.json() == {"office": "AMM", "orders": []}
    early = httpx.post(site.url + print_path(code), headers=clerk)
    assert early.status_code == 409 and early.json()["error"]["code"] == "order_not_ready"

    pay(site.database_url, code)
    listed = httpx.get(site.url + LIST, headers=clerk).json()
    (entry,) = listed["orders"]
    assert entry["code"] == code and entry["code_display"] == codes.display(code)
    assert entry["document_type"] == "birth_certificate"
    assert entry["document_name"]["ar"] == "شهادة ميلاد"
    assert entry["requester_name"]["ar"]
    assert "national_id" not in json.dumps(entry)

    other = bearer(site, "rana.clerk")  # IRB's clerk: not on IRB's list, not printed there
    assert httpx.get(site.url + LIST, headers=other).json() == {"office": "IRB", "orders": []}
    elsewhere = httpx.post(site.url + print_path(code), headers=other)
    assert elsewhere.status_code == 409
    assert elsewhere.json()["error"]["code"] == "order_elsewhere"
    supervisor = httpx.post(site.url + print_path(code), headers=bearer(site, "huda.supervisor"))
    assert supervisor.status_code == 403
    assert documents_for(site, code) == []

    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    bad = httpx.post(site.url + print_path(typo), headers=clerk)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "order_code_invalid"
    assert "رمز طلب" in bad.json()["error"]["words"]["ar"]
    unknown = codes.new_code()
    assert httpx.post(site.url + print_path(unknown), headers=clerk).status_code == 404

    printed = httpx.post(
        site.url + print_path(codes.display(code).lower()), json={"output": "pdf"}, headers=clerk
    )
    assert printed.status_code == 201, printed.text
    out = printed.json()
    assert out["order_code"] == code and out["office"] == "AMM" and out["replayed"] is False
    pdf = httpx.get(site.url + out["pdf"], headers=clerk)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    (page,) = pdf_pages(pdf.content, tmp_path / "pdf")
    assert qr_codes(page) == [out["qr_text"]]
    verdict = verify(out["qr_text"], trust(site))
    assert verdict.status is Status.VALID, verdict.reason
    assert verdict.claims is not None and verdict.claims.document.kiosk == "COUNTER-AMM"

    row = order_row(site, code)
    assert (row.state, row.collected_by) == ("collected", "AMM")
    assert documents_for(site, code) == [out["serial"]]
    issued = [e for e in audit_of(site, "document_issued") if e["serial"] == out["serial"]]
    assert [(e["by"], e["office"]) for e in issued] == [("amal.clerk", "AMM")]
    assert audit_of(site, "order_collected") == [
        {"order": code, "office": "AMM", "by": "amal.clerk", "serial": out["serial"]}
    ]
    assert httpx.get(site.url + LIST, headers=clerk).json()["orders"] == []

    # the printer jammed: the same code prints the same document, never a second one
    again = httpx.post(site.url + print_path(code), headers=bearer(site, "omar.registrar"))
    assert again.status_code == 200, again.text
    assert again.json()["serial"] == out["serial"] and again.json()["replayed"] is True
    assert again.json()["qr_text"] == out["qr_text"]
    assert documents_for(site, code) == [out["serial"]]
    assert len(audit_of(site, "order_collected")) == 1
    still = httpx.post(site.url + print_path(code), headers=other)
    assert still.status_code == 409 and still.json()["error"]["code"] == "order_elsewhere"


def test_the_receipt_printer_prints_an_order_and_kiosk_orders_stay_at_kiosks(
    counter_site: Site, portal: RegistryClient, emulator: Emulator
) -> None:
    site = counter_site
    first, second = citizens_with_phone(site)[:2]
    code = counter_order(site, portal, first)
    pay(site.database_url, code)
    clerk = bearer(site, "amal.clerk")
    r = httpx.post(site.url + print_path(code), json={"output": "receipt"}, headers=clerk)
    assert r.status_code == 201, r.text
    assert r.json()["printed"] is True
    assert len(emulator.wait_for_receipts(1)) == 1
    assert order_row(site, code).state == "collected"

    session = signed_in(portal, site.database_url, second)
    kiosk_code = place(portal, session, second, "kiosk").code
    pay(site.database_url, kiosk_code)
    refused = httpx.post(site.url + print_path(kiosk_code), headers=clerk)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "order_elsewhere"
    assert order_row(site, kiosk_code).state == "ready"


def test_two_clerks_printing_one_order_at_once_get_one_document(
    counter_site: Site, portal: RegistryClient
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    site = counter_site
    code = counter_order(site, portal, citizens_with_phone(site)[0])
    pay(site.database_url, code)
    tokens = [bearer(site, "amal.clerk"), bearer(site, "omar.registrar")]
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                lambda h: httpx.post(site.url + print_path(code), headers=h, timeout=30), tokens
            )
        )
    assert sorted(a.status_code for a in answers) == [200, 201], [a.text for a in answers]
    assert len({a.json()["serial"] for a in answers}) == 1
    assert len(documents_for(site, code)) == 1
    assert len(audit_of(site, "order_collected")) == 1
