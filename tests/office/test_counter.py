"""Issuing a document at the office counter (registry.counter, registry/office_web/counter.py),
on SQLite and PostgreSQL, with the ESC/POS emulator as the office's receipt printer.

What a clerk prints verifies VALID with the verifier library against the registry's trust list,
from the QR decoded off the PDF's rendered page (poppler's pdftoppm, zxing-cpp) and off the
emulator's receipt PNG. Refusals (role, office, unknown citizen, not entitled) and a printer out
of paper write nothing; the same idempotency key gives the same document, never two.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select, update

from hardware.emulator import Emulator, EmulatorState
from registry.models import AuditEntry, IssuedDocument
from tests.office.office_support import Site, browser_sign_in, csrf_of, serving
from verifier import codec, cose
from verifier.keys import load_public_key
from verifier.national_id import make
from verifier.payload import decode_claims
from verifier.trust import TrustList, load_trust_list
from verifier.verify import Status, verify

ISSUE = "/api/v1/office/counter/documents"
OFFERS = "/api/v1/office/counter/offers"


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(tmp_path / "printer", 576, EmulatorState.OK, tcp="127.0.0.1:0") as emu:
        yield emu


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def counter_site(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> Iterator[Site]:
    # the office's receipt printer is the emulator (the registry reads [counter_printer] at start)
    monkeypatch.setenv("SANAD_REGISTRY_COUNTER_PRINTER__URL", emulator.url)
    if request.param == "sqlite":
        with serving(tmp_path, None, demo=20) as s:
            yield s
        return
    with throwaway_postgres("sanad_counter") as url, serving(tmp_path, url, demo=20) as s:
        yield s


def citizens(site: Site) -> list[dict[str, str]]:
    with site.data.demo_citizens_path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


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


def documents(site: Site) -> list[IssuedDocument]:
    db = site.db()
    try:
        with db.session() as s:
            rows = list(s.execute(select(IssuedDocument).order_by(IssuedDocument.id)).scalars())
            s.expunge_all()
            return rows
    finally:
        db.dispose()


def issued_entries(site: Site) -> list[dict[str, Any]]:
    db = site.db()
    try:
        with db.session() as s:
            rows = s.execute(select(AuditEntry).where(AuditEntry.kind == "document_issued"))
            return [json.loads(e.data) for e in rows.scalars()]
    finally:
        db.dispose()


def counter_value(site: Site, office: str) -> int:
    db = site.db()
    try:
        with db.session() as s:
            from registry.counters import peek

            return peek(s, f"counter-payment:{office}") or 0
    finally:
        db.dispose()


def qr_of(image: Image.Image) -> str:
    found = zxingcpp.read_barcodes(image.convert("L"))
    assert len(found) == 1, f"{len(found)} barcodes"
    return str(found[0].text)


def pdf_page(pdf: bytes, tmp_path: Path) -> Image.Image:
    """The PDF's first page as an image, rendered by poppler (as a printer driver would)."""
    assert shutil.which("pdftoppm"), "poppler-utils (scripts/setup installs it)"
    src = tmp_path / "doc.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(src), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    (png,) = sorted(tmp_path.glob("page*.png"))
    return Image.open(png)


def body(citizen: str, kind: str, subject: str, key: str, **more: str) -> dict[str, str]:
    return {
        "national_id": citizen,
        "document_type": kind,
        "subject": subject,
        "idempotency_key": key,
        **more,
    }


def test_a_clerk_issues_an_a4_pdf_whose_qr_verifies_valid(
    counter_site: Site, tmp_path: Path
) -> None:
    site = counter_site
    me = citizens(site)[0]["national_id"]
    clerk = bearer(site, "amal.clerk")
    offers = httpx.get(site.url + OFFERS, params={"national_id": me}, headers=clerk)
    assert offers.status_code == 200, offers.text
    mine = {(o["document_type"], o["subject"]) for o in offers.json()["offers"]}
    assert ("individual_extract", me) in mine

    r = httpx.post(
        site.url + ISSUE, json=body(me, "individual_extract", me, "dbl-click-0001"), headers=clerk
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["office"] == "AMM" and out["payment_reference"] == "COUNTER-AMM-1"
    assert out["replayed"] is False and out["printed"] is False

    pdf = httpx.get(site.url + out["pdf"], headers=clerk)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'attachment; filename="{out["serial"]}.pdf"'
    assert pdf.content.startswith(b"%PDF")
    text = qr_of(pdf_page(pdf.content, tmp_path))
    assert text == out["qr_text"]
    verdict = verify(text, trust(site))
    assert verdict.status is Status.VALID, verdict.reason
    assert verdict.claims is not None and verdict.claims.serial == out["serial"]
    assert verdict.claims.document.kiosk == "COUNTER-AMM"

    (row,) = documents(site)
    assert (row.kiosk_id, row.office, row.serial) == (None, "AMM", out["serial"])
    assert row.staff_id is not None and row.payment_reference == "COUNTER-AMM-1"
    (entry,) = issued_entries(site)
    assert entry["by"] == "amal.clerk" and entry["office"] == "AMM" and "kiosk" not in entry

    # the office's registrar fetches it too (any PRINT_AT_COUNTER staff of that office)
    assert (
        httpx.get(site.url + out["pdf"], headers=bearer(site, "omar.registrar")).status_code == 200
    )


def test_the_same_key_gives_the_same_document_never_two(counter_site: Site) -> None:
    site = counter_site
    me = citizens(site)[0]["national_id"]
    clerk = bearer(site, "amal.clerk")
    request = body(me, "individual_extract", me, "dbl-click-0002")
    first = httpx.post(site.url + ISSUE, json=request, headers=clerk)
    again = httpx.post(site.url + ISSUE, json=request, headers=clerk)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["serial"] == first.json()["serial"]
    assert again.json()["qr_text"] == first.json()["qr_text"] and again.json()["replayed"] is True
    assert len(documents(site)) == 1 and len(issued_entries(site)) == 1
    assert counter_value(site, "AMM") == 1  # one fee taken

    other = httpx.post(
        site.url + ISSUE, json=body(me, "non_employment", me, "dbl-click-0002"), headers=clerk
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    assert len(documents(site)) == 1


def test_a_superseded_document_is_not_reprinted_but_issued_anew(counter_site: Site) -> None:
    """After a correction (here: its mark, as `civil.corrections.approve` sets it) the same
    request at the counter gets a new document with the record as it is now."""
    site = counter_site
    me = citizens(site)[0]["national_id"]
    clerk = bearer(site, "amal.clerk")
    request = body(me, "individual_extract", me, "after-correction-1")
    first = httpx.post(site.url + ISSUE, json=request, headers=clerk)
    assert first.status_code == 201, first.text
    db = site.db()
    try:
        with db.session() as s:
            s.execute(
                update(IssuedDocument)
                .where(IssuedDocument.serial == first.json()["serial"])
                .values(superseded_at=dt.datetime.now(dt.UTC), superseded_reason="corrected")
            )
    finally:
        db.dispose()
    again = httpx.post(site.url + ISSUE, json=request, headers=clerk)
    assert again.status_code == 201, again.text
    assert again.json()["serial"] != first.json()["serial"]
    assert again.json()["replayed"] is False
    assert issued_entries(site)[-1]["replaces"] == first.json()["serial"]
    # and the new one is what a further retry gets back
    third = httpx.post(site.url + ISSUE, json=request, headers=clerk)
    assert third.json()["serial"] == again.json()["serial"] and third.json()["replayed"] is True


def test_refusals_write_nothing(counter_site: Site) -> None:
    site = counter_site
    people = citizens(site)
    me = people[0]["national_id"]
    request = body(me, "individual_extract", me, "refused-0001")
    for user in ("huda.supervisor", "sami.admin"):
        r = httpx.post(site.url + ISSUE, json=request, headers=bearer(site, user))
        assert r.status_code == 403, user
        assert r.json()["error"]["code"] == "not_permitted"
    clerk = bearer(site, "amal.clerk")
    elsewhere = httpx.post(site.url + ISSUE, json={**request, "office": "IRB"}, headers=clerk)
    assert elsewhere.status_code == 403
    assert elsewhere.json()["error"]["code"] == "wrong_office"
    assert "مكتبك" in elsewhere.json()["error"]["words"]["ar"]

    known = {p["national_id"] for p in people}
    stranger = next(
        n for n in (make(f"{9_000_000_00 + i:09d}") for i in range(100)) if n not in known
    )
    unknown = httpx.post(
        site.url + ISSUE,
        json=body(stranger, "individual_extract", stranger, "refused-0002"),
        headers=clerk,
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["words"]["ar"] == "لا يوجد في السجل شخص بهذا الرقم الوطني."

    offered = {
        o["subject"]
        for o in httpx.get(site.url + OFFERS, params={"national_id": me}, headers=clerk).json()[
            "offers"
        ]
        if o["document_type"] == "birth_certificate"
    }
    other = next(p["national_id"] for p in people[1:] if p["national_id"] not in offered)
    r = httpx.post(
        site.url + ISSUE, json=body(me, "birth_certificate", other, "refused-0003"), headers=clerk
    )
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] in {"not_parent", "child_not_minor", "not_entitled"}
    assert documents(site) == [] and issued_entries(site) == []
    assert counter_value(site, "AMM") == 0


def test_the_receipt_printer_prints_a_valid_document(
    counter_site: Site, emulator: Emulator
) -> None:
    site = counter_site
    me = citizens(site)[0]["national_id"]
    clerk = bearer(site, "amal.clerk")
    r = httpx.post(
        site.url + ISSUE,
        json=body(me, "individual_extract", me, "receipt-0001", output="receipt"),
        headers=clerk,
        timeout=60,
    )
    assert r.status_code == 201, r.text
    assert r.json()["printed"] is True
    (receipt,) = emulator.wait_for_receipts(1)
    assert receipt.complete and receipt.width == 576
    text = qr_of(Image.open(receipt.path))
    assert text == r.json()["qr_text"]
    assert verify(text, trust(site)).status is Status.VALID


def test_a_printer_out_of_paper_leaves_no_half_state(
    counter_site: Site, emulator: Emulator
) -> None:
    site = counter_site
    me = citizens(site)[0]["national_id"]
    clerk = bearer(site, "amal.clerk")
    emulator.set_state(EmulatorState.PAPER_OUT)
    request = body(me, "individual_extract", me, "no-paper-0001", output="receipt")
    r = httpx.post(site.url + ISSUE, json=request, headers=clerk, timeout=60)
    assert r.status_code == 503, r.text
    error = r.json()["error"]
    assert error["code"] == "printer_paper_out" and "serial" not in error
    assert error["words"]["ar"].startswith("نفد الورق من طابعة المكتب، فلم تصدر أي وثيقة")
    assert documents(site) == [] and issued_entries(site) == []
    assert counter_value(site, "AMM") == 0 and emulator.receipts() == []

    emulator.set_state(EmulatorState.OK)  # paper loaded: the same request now prints
    r = httpx.post(site.url + ISSUE, json=request, headers=clerk, timeout=60)
    assert r.status_code == 201, r.text
    assert r.json()["payment_reference"] == "COUNTER-AMM-1"
    assert len(emulator.wait_for_receipts(1)) == 1


def test_the_page_downloads_the_pdf_with_csrf(counter_site: Site, tmp_path: Path) -> None:
    site = counter_site
    me = citizens(site)[0]["national_id"]
    with httpx.Client(base_url=site.url, timeout=60) as client:
        assert browser_sign_in(client, site, "amal.clerk").status_code == 303
        site.next_step()
        form = client.get("/office/counter", params={"nid": me})
        assert form.status_code == 200
        assert "بيان قيد فردي" in form.text and 'name="key"' in form.text
        key = form.text.split('name="key" value="')[1].split('"')[0]
        fields = {
            "nid": me,
            "offer": f"individual_extract|{me}",
            "output": "pdf",
            "key": key,
        }
        assert client.post("/office/counter", data={**fields, "csrf": "x"}).status_code == 403
        assert documents(site) == []
        got = client.post("/office/counter", data={**fields, "csrf": csrf_of(form.text)})
        assert got.status_code == 200, got.text[:500]
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"].startswith("attachment;")
        (row,) = documents(site)
        text = qr_of(pdf_page(got.content, tmp_path))
        assert text == row.qr_text
        claims = decode_claims(cose.parse_sign1(codec.decode_text(text)).payload)
        assert claims.serial == row.serial
        # a double click posts the same form again: the same document
        twice = client.post("/office/counter", data={**fields, "csrf": csrf_of(form.text)})
        assert twice.status_code == 200 and len(documents(site)) == 1
    with httpx.Client(base_url=site.url) as other:
        browser_sign_in(other, site, "huda.supervisor")
        site.next_step()
        assert other.get("/office/counter", params={"nid": me}).status_code == 403


def test_documents_issued_counts_stay_one_per_key_under_concurrency(counter_site: Site) -> None:
    """Two clicks at once: one document, one fee, on either database."""
    import concurrent.futures

    site = counter_site
    me = citizens(site)[0]["national_id"]
    clerk = bearer(site, "amal.clerk")
    request = body(me, "individual_extract", me, "race-000001")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(
                lambda _: httpx.post(site.url + ISSUE, json=request, headers=clerk, timeout=60),
                range(4),
            )
        )
    assert sorted(a.status_code for a in answers).count(201) == 1, [a.text for a in answers]
    assert {a.json()["serial"] for a in answers} == {documents(site)[0].serial}
    db = site.db()
    try:
        with db.session() as s:
            assert s.execute(select(func.count()).select_from(IssuedDocument)).scalar_one() == 1
    finally:
        db.dispose()


def test_kiosks_may_not_use_the_counters_payment_references() -> None:
    from registry.errors import InvalidInput
    from registry.issuance import IssueRequest
    from verifier.documents import DocumentType

    request = IssueRequest(DocumentType.BIRTH_CERTIFICATE, "9988411105", "counter-AMM-1", "k" * 12)
    with pytest.raises(InvalidInput, match="counters"):
        request.validate()


def test_paper_running_out_mid_print_is_reprinted_by_the_same_request(
    counter_site: Site, emulator: Emulator
) -> None:
    site = counter_site
    me = citizens(site)[0]["national_id"]
    clerk = bearer(site, "amal.clerk")
    emulator.paper_out_after(200)  # ready when asked, out of paper 200 rows into the job
    request = body(me, "individual_extract", me, "mid-print-01", output="receipt")
    r = httpx.post(site.url + ISSUE, json=request, headers=clerk, timeout=60)
    assert r.status_code == 503, r.text
    error = r.json()["error"]
    (row,) = documents(site)
    assert error["code"] == "not_printed" and error["serial"] == row.serial
    assert "دون رسم جديد" in error["words"]["ar"]
    assert [p.complete for p in emulator.wait_for_receipts(1)] == [False]

    emulator.clear()  # paper loaded: the same request prints the same document, no new fee
    again = httpx.post(site.url + ISSUE, json=request, headers=clerk, timeout=60)
    assert again.status_code == 200, again.text
    assert again.json()["serial"] == row.serial and again.json()["replayed"] is True
    assert len(documents(site)) == 1 and counter_value(site, "AMM") == 1
    receipts = emulator.wait_for_receipts(2)
    assert receipts[-1].complete
    assert verify(qr_of(Image.open(receipts[-1].path)), trust(site)).status is Status.VALID


def test_the_default_printer_is_the_emulator_writing_pngs_owner_only(counter_site: Site) -> None:
    from registry.config import CounterPrinterConfig, load_settings
    from registry.counter import counter_document
    from registry.counter_paper import CounterPrinter
    from registry.places import PlaceBook

    site = counter_site
    me = citizens(site)[0]["national_id"]
    r = httpx.post(
        site.url + ISSUE,
        json=body(me, "individual_extract", me, "emulated-01"),
        headers=bearer(site, "amal.clerk"),
    )
    assert r.status_code == 201, r.text
    db = site.db()
    try:
        with db.session() as s:
            issued = counter_document(s, PlaceBook(db), r.json()["serial"], "AMM")
    finally:
        db.dispose()
    printer = CounterPrinter(CounterPrinterConfig(), site.data)  # url = "emulator"
    printer.check()
    printer.print_document(issued, load_settings(site.data))
    out = site.data.counter_printer_dir
    assert out.stat().st_mode & 0o777 == 0o700
    (png,) = out.glob("receipt-*.png")
    assert qr_of(Image.open(png)) == issued.qr_text
