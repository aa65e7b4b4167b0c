"""The daily postal batch (registry.orders.post, `sanad registry post ...`).

Two postal orders placed on the portal (Arabic addresses) and paid go into the day's batch:
one PDF whose pages, rendered by poppler's pdftoppm, carry the address pages and the
documents, each document's QR decoding and verifying VALID; a manifest with the order code,
document type, address and serial and no national number; owner-only files. A second run
adds nothing and issues nothing; an order paid since is added. Dispatch queues the SMS with
the tracking number, once; delivered and returned are validated transitions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from registry.cli import group as registry_cli
from registry.client import RegistryClient
from registry.codes import ErrorCode
from registry.errors import Conflict, InvalidInput
from registry.models import IssuedDocument, Order, SmsMessage
from registry.orders import codes, post
from tests.orders.orders_support import pay, pdf_pages, place, qr_codes, signed_in, with_db
from tests.support.registry import Registry
from verifier.verify import Status, verify

ADDRESSES = [
    {
        "name": "سلمى أحمد الخطيب",
        "line1": "شارع الجامعة، عمارة ١٢",
        "line2": "الطابق الثالث",
        "city": "إربد",
        "postcode": "21110",
    },
    {"name": "Omar Haddad", "line1": "14 Rainbow Street", "city": "Amman", "postcode": "11181"},
]
DAY = dt.date(2026, 3, 14)


def postal_order(
    registry: Registry, portal: RegistryClient, citizen: dict[str, str], address: dict[str, str]
) -> str:
    session = signed_in(portal, registry.url, citizen)
    code = place(portal, session, citizen, "post", address=address).code
    pay(registry.url, code)
    return code


def run(registry: Registry, *args: str) -> Any:
    return CliRunner().invoke(
        registry_cli, [*args, "--data", str(registry.data.root), "--db", registry.url]
    )


def count(registry: Registry, model: type, *where: Any) -> int:
    return int(
        with_db(
            registry.url,
            lambda s: s.execute(select(func.count()).select_from(model).where(*where)).scalar_one(),
        )
    )


def order_state(registry: Registry, code: str) -> tuple[str, str | None, str | None]:
    return with_db(  # type: ignore[no-any-return]
        registry.url,
        lambda s: tuple(
            s.execute(
                select(Order.state, Order.postal_batch, Order.tracking_number).where(
                    Order.code == code
                )
            ).one()
        ),
    )


@pytest.fixture
def people(registry: Registry) -> list[dict[str, str]]:
    return [c for c in registry.citizens() if c["phone"]][:3]


def test_a_batch_of_two_verifies_after_printing_and_a_second_run_adds_nothing(
    registry: Registry, portal: RegistryClient, people: list[dict[str, str]], tmp_path: Path
) -> None:
    first = postal_order(registry, portal, people[0], ADDRESSES[0])
    second = postal_order(registry, portal, people[1], ADDRESSES[1])
    unpaid_session = signed_in(portal, registry.url, people[2])
    unpaid = place(portal, unpaid_session, people[2], "post", address=ADDRESSES[1]).code

    result = run(registry, "post", "batch", "--day", DAY.isoformat())
    assert result.exit_code == 0, result.output
    folder = registry.data.root / "post" / DAY.isoformat()
    pdf, manifest = folder / "batch.pdf", folder / "manifest.csv"
    assert "2 orders (2 added now), 4 pages" in result.output
    for path, mode in ((folder.parent, 0o700), (folder, 0o700), (pdf, 0o600), (manifest, 0o600)):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path

    pages = pdf_pages(pdf, tmp_path / "pages")
    assert len(pages) == 4  # address page, document; address page, document
    assert qr_codes(pages[0]) == [] and qr_codes(pages[2]) == []
    rows = list(csv.DictReader(io.StringIO(manifest.read_text(encoding="utf-8"))))
    assert [r["order_code"] for r in rows] == [first, second]
    for row, address, page in zip(rows, ADDRESSES, (pages[1], pages[3]), strict=True):
        assert row["document_type"] == "birth_certificate"
        assert (row["addressee"], row["line1"], row["city"], row["postcode"]) == (
            address["name"],
            address["line1"],
            address["city"],
            address["postcode"],
        )
        (text,) = qr_codes(page)
        verdict = verify(text, registry.trust())
        assert verdict.status is Status.VALID, verdict.reason
        assert verdict.claims is not None and verdict.claims.serial == row["serial"]
        assert verdict.claims.document.kiosk == "PORTAL-1"
    text = manifest.read_text(encoding="utf-8")
    assert all(p["national_id"] not in text for p in people)
    assert order_state(registry, first) == ("paid", DAY.isoformat(), None)
    assert order_state(registry, unpaid) == ("unpaid", None, None)

    documents = count(registry, IssuedDocument)
    again = run(registry, "post", "batch", "--day", DAY.isoformat(), "--json")
    assert again.exit_code == 0, again.output
    assert '"added": []' in again.output
    assert count(registry, IssuedDocument) == documents
    assert list(csv.DictReader(io.StringIO(manifest.read_text(encoding="utf-8")))) == rows

    pay(registry.url, unpaid)  # paid since: the same day's batch gains it
    third = run(registry, "post", "batch", "--day", DAY.isoformat())
    assert third.exit_code == 0 and "3 orders (1 added now), 6 pages" in third.output
    rewritten = list(csv.DictReader(io.StringIO(manifest.read_text(encoding="utf-8"))))
    assert [r["order_code"] for r in rewritten] == [first, second, unpaid]
    assert rewritten[:2] == rows


def test_dispatch_sends_the_tracking_number_then_delivered_or_returned(
    registry: Registry, portal: RegistryClient, people: list[dict[str, str]]
) -> None:
    first = postal_order(registry, portal, people[0], ADDRESSES[0])
    second = postal_order(registry, portal, people[1], ADDRESSES[1])
    db = registry.db()
    now = dt.datetime.now(dt.UTC)
    try:
        with db.session() as s:  # not in a batch yet: not dispatched
            with pytest.raises(Conflict) as early:
                post.dispatch(s, first, "RR123456789JO", now)
            assert early.value.code is ErrorCode.ORDER_NOT_READY
    finally:
        db.dispose()
    assert run(registry, "post", "batch", "--day", DAY.isoformat()).exit_code == 0

    sent = run(registry, "post", "dispatch", codes.display(first), "--tracking", "RR123456789JO")
    assert sent.exit_code == 0, sent.output
    assert order_state(registry, first) == ("dispatched", DAY.isoformat(), "RR123456789JO")
    sms = registry.last_sms(people[0]["phone"])
    assert "RR123456789JO" in sms and codes.display(first) in sms
    assert people[0]["national_id"] not in sms
    again = run(registry, "post", "dispatch", first, "--tracking", "RR123456789JO")
    assert again.exit_code == 0
    assert count(registry, SmsMessage, SmsMessage.template == "order_dispatched") == 1
    other = run(registry, "post", "dispatch", first, "--tracking", "RR999999999JO")
    assert other.exit_code == 2 and "only an order in a postal batch" in other.output

    assert run(registry, "post", "delivered", first).exit_code == 0
    assert order_state(registry, first)[0] == "delivered"
    assert run(registry, "post", "returned", first).exit_code == 2  # delivered

    assert run(registry, "post", "returned", second).exit_code == 2  # not sent
    assert run(registry, "post", "dispatch", second, "--tracking", "RR2JO").exit_code == 0
    assert run(registry, "post", "returned", second).exit_code == 0
    assert order_state(registry, second)[0] == "returned"

    db = registry.db()
    try:
        with db.session() as s, pytest.raises(InvalidInput):
            post.dispatch(s, second, "<script>", now)
        kiosk_session = signed_in(portal, registry.url, people[2])
        kiosk_code = place(portal, kiosk_session, people[2], "kiosk").code
        with db.session() as s:
            with pytest.raises(Conflict) as not_post:
                post.delivered(s, kiosk_code, now)
            assert not_post.value.code is ErrorCode.ORDER_ELSEWHERE
    finally:
        db.dispose()


def test_an_order_the_rules_refuse_now_is_left_out_and_can_be_refunded_later(
    registry: Registry, portal: RegistryClient, people: list[dict[str, str]]
) -> None:
    from registry.models import Death, Person

    kept = postal_order(registry, portal, people[0], ADDRESSES[0])
    orphan = postal_order(registry, portal, people[1], ADDRESSES[1])

    def died(s: Any) -> None:  # the requester's death registered after they ordered
        person = s.execute(
            select(Person).where(Person.national_id == people[1]["national_id"])
        ).scalar_one()
        s.add(
            Death(
                person_id=person.id,
                date=DAY,
                place_ar="عمّان",
                place_latin="Amman",
                office_ar="أمانة السجل المدني - عمّان",
                office_latin="Amman",
                record_number="D2026/TEST/000001",
                registered_on=DAY,
            )
        )

    with_db(registry.url, died)
    result = run(registry, "post", "batch", "--day", DAY.isoformat())
    assert result.exit_code == 1, result.output
    assert f"left out: {orphan}" in result.output
    assert "1 orders (1 added now)" in result.output
    assert order_state(registry, kept)[1] == DAY.isoformat()
    assert order_state(registry, orphan) == ("paid", None, None)
    assert (
        count(registry, IssuedDocument, IssuedDocument.payment_reference == f"ORDER-{orphan}") == 0
    )
