"""Issuing: every offered document verifies, idempotency, serials, revocation and status."""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.parse

import httpx
import pytest
from sqlalchemy import func, select

from registry.codes import ErrorCode
from registry.errors import Conflict, InvalidInput, NotFound
from registry.issuance import make_serial, payload_sha256, valid_serial_check
from registry.models import Divorce, IssuedDocument, Marriage, Person
from tests.support.registry import Kiosk, LiveServer, Registry, login
from tests.support.staff_tokens import admin_bearer
from verifier import codec, cose
from verifier.documents import DocumentType, Place
from verifier.trust import load_trust_list
from verifier.verify import Status, verify


def _fetch_trust(kiosk: Kiosk, registry: Registry):  # type: ignore[no-untyped-def]
    fetched = kiosk.client.trust_list()
    assert fetched.data is not None
    return load_trust_list(fetched.data, [registry.root()])


def test_every_offered_document_is_issued_signed_and_verifies(
    kiosk: Kiosk, registry: Registry
) -> None:
    citizen = registry.citizens("married", "parent_of_minor", "deceased_parent")[0]
    session = login(kiosk.client, citizen)
    offers = kiosk.client.entitlements(session)
    kinds = {o.document_type for o in offers}
    assert {
        DocumentType.BIRTH_CERTIFICATE,
        DocumentType.MARRIAGE_CERTIFICATE,
        DocumentType.DEATH_CERTIFICATE,
        DocumentType.FAMILY_EXTRACT,
    } <= kinds
    trust = _fetch_trust(kiosk, registry)
    for i, offer in enumerate(offers):
        doc = kiosk.client.issue(
            session,
            document_type=offer.document_type,
            subject=offer.subject,
            payment_reference=f"PAY-{i}",
        )
        assert not doc.replayed and valid_serial_check(doc.serial)
        assert doc.fee_amount == offer.fee_amount > 0
        verdict = verify(doc.qr_text, trust)
        assert verdict.status is Status.VALID, verdict.reason
        assert verdict.claims is not None and verdict.claims.serial == doc.serial
        # names in the QR are the names shown, and coded places resolve from the trust list
        shown = {f.name: f for f in doc.display_fields}
        for name, value in verdict.claims.document.fields.items():
            if isinstance(value, Place):
                assert value.name is not None, f"{name} has a code the trust list does not name"
                assert shown[name].ar == value.name.ar
        assert verdict.claims.document.kiosk == kiosk.id
        if offer.relation == "self" and "name" in shown:
            assert shown["name"].ar == citizen["name_ar"]


def test_same_idempotency_key_returns_the_same_document_and_charges_once(
    kiosk: Kiosk, registry: Registry
) -> None:
    citizen = registry.citizens()[0]
    session = login(kiosk.client, citizen)
    args = {
        "document_type": DocumentType.BIRTH_CERTIFICATE,
        "subject": citizen["national_id"],
        "payment_reference": "PAY-IDEM-1",
        "idempotency_key": "idem-0001-abcdef",
    }
    first = kiosk.client.issue(session, **args)  # type: ignore[arg-type]
    again = kiosk.client.issue(session, **args)  # type: ignore[arg-type]
    assert again.replayed and not first.replayed
    assert again.serial == first.serial and again.qr_text == first.qr_text
    with pytest.raises(Conflict) as err:  # same key, another request
        kiosk.client.issue(session, **{**args, "document_type": DocumentType.INDIVIDUAL_EXTRACT})  # type: ignore[arg-type]
    assert err.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
    with pytest.raises(Conflict) as err:  # same payment, another key
        kiosk.client.issue(session, **{**args, "idempotency_key": "idem-0002-abcdef"})  # type: ignore[arg-type]
    assert err.value.code is ErrorCode.PAYMENT_REFERENCE_USED
    db = registry.db()
    with db.session() as s:
        rows = s.execute(
            select(func.count())
            .select_from(IssuedDocument)
            .where(IssuedDocument.payment_reference == "PAY-IDEM-1")
        ).scalar_one()
    db.dispose()
    assert rows == 1


def test_bad_issuance_input_is_a_clear_4xx(kiosk: Kiosk, registry: Registry) -> None:
    citizen = registry.citizens()[0]
    session = login(kiosk.client, citizen)
    with pytest.raises(InvalidInput):
        kiosk.client.issue(
            session, document_type="birth_certificate", subject="12", payment_reference="P-1"
        )
    with pytest.raises(InvalidInput):
        kiosk.client.issue(
            session,
            document_type="passport",
            subject=citizen["national_id"],
            payment_reference="P-1",
        )
    with pytest.raises(InvalidInput):
        kiosk.client.issue(
            session,
            document_type="birth_certificate",
            subject=citizen["national_id"],
            payment_reference="bad ref with spaces",
        )
    with pytest.raises(InvalidInput):
        kiosk.client.issue(
            session,
            document_type="marriage_certificate",
            subject="nonsense",
            payment_reference="P-2",
        )


def test_serials_carry_type_year_and_a_check_digit() -> None:
    serial = make_serial(DocumentType.DIVORCE_CERTIFICATE, 2026, 1234)
    assert serial.startswith("T26-0001234-")
    assert valid_serial_check(serial)
    wrong = serial[:-1] + str((int(serial[-1]) + 1) % 10)
    assert not valid_serial_check(wrong)


def test_revoked_document_is_revoked_everywhere(
    server: LiveServer, kiosk: Kiosk, registry: Registry
) -> None:
    citizen = registry.citizens()[1]
    session = login(kiosk.client, citizen)
    doc = kiosk.client.issue(
        session,
        document_type=DocumentType.INDIVIDUAL_EXTRACT,
        subject=citizen["national_id"],
        payment_reference="PAY-REV",
    )
    digest = payload_sha256(doc.qr_text)
    assert kiosk.client.document_status(doc.serial, digest).status == "valid"
    before = kiosk.client.trust_list()
    token = admin_bearer(registry.data, server.url, database_url=registry.url)
    r = httpx.post(
        f"{server.url}/api/v1/office/documents/{doc.serial}/revoke",
        json={"reason": "issued to the wrong person"},
    )
    assert r.status_code == 401
    r = httpx.post(
        f"{server.url}/api/v1/office/documents/{doc.serial}/revoke",
        json={"reason": "issued to the wrong person"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    status = kiosk.client.document_status(doc.serial, digest)
    assert status.status == "revoked" and status.reason == "issued to the wrong person"
    after = kiosk.client.trust_list(etag=before.etag)
    assert after.data is not None and after.sequence is not None
    assert before.sequence is not None and after.sequence > before.sequence
    trust = load_trust_list(after.data, [registry.root()])
    assert verify(doc.qr_text, trust).status is Status.DOCUMENT_REVOKED
    r = httpx.post(
        f"{server.url}/api/v1/office/documents/{doc.serial}/revoke",
        json={"reason": "again"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 409


def test_every_serial_not_issued_is_404_not_issued(server: LiveServer, kiosk: Kiosk) -> None:
    never = make_serial(DocumentType.BIRTH_CERTIFICATE, 2026, 999999)
    with pytest.raises(NotFound) as err:
        kiosk.client.document_status(never, "00" * 32)
    assert err.value.code == "not_issued"
    for serial in [
        never,
        "B26-0000001-0",  # wrong check digit
        "b26-0000001-8",  # lower case
        "B26-0000001-8" + "9" * 40,  # too long
        "X",
        "SN1D:ABC",
        "B26/0000001/8",
        "%00",
        "\u0628\u0662\u0666",
        "a" * 300,
    ]:
        quoted = urllib.parse.quote(serial, safe="/")
        r = httpx.get(f"{server.url}/api/v1/documents/{quoted}/status")
        assert r.status_code == 404, (serial, r.status_code, r.text)
        assert r.json()["error"]["code"] == "not_issued", serial


def test_status_goes_only_to_whoever_holds_the_document(
    kiosk: Kiosk, registry: Registry, server: LiveServer
) -> None:
    citizen = registry.citizens()[0]
    session = login(kiosk.client, citizen)
    doc = kiosk.client.issue(
        session,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=citizen["national_id"],
        payment_reference="PAY-DIGEST",
    )
    payload = cose.parse_sign1(codec.decode_text(doc.qr_text)).payload
    digest = hashlib.sha256(payload).hexdigest()
    assert payload_sha256(doc.qr_text) == digest
    url = f"{server.url}/api/v1/documents/{doc.serial}/status"
    # Status goes only to whoever holds the document: without its digest, or with another
    # document's, the answer is the same 404 as for a serial never issued.
    for params in ({}, {"payload_sha256": "00" * 32}, {"payload_sha256": digest[:-1] + "x"}):
        r = httpx.get(url, params=params)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_issued", params
    r = httpx.get(url, params={"payload_sha256": digest.upper()})
    assert r.status_code == 200
    body = r.json()
    assert body["payload_sha256"] is None  # the caller sent it; nothing to learn from it
    assert body["document_type"] == "birth_certificate"
    issued_at = dt.datetime.fromisoformat(body["issued_at"])
    assert issued_at.utcoffset() == dt.timedelta(0)
    assert issued_at == doc.issued_at
    # the verifier's own reading of the document gives the same time
    verdict = verify(doc.qr_text, registry.trust())
    assert verdict.claims is not None and issued_at == verdict.claims.issued_at
    assert kiosk.client.document_status(doc.serial, digest).issued_at == issued_at


def test_marriage_certificate_is_superseded_by_a_later_divorce(
    kiosk: Kiosk, registry: Registry
) -> None:
    citizens = {c["national_id"]: c for c in registry.citizens("married")}
    db = registry.db()
    with db.session() as s:
        divorced = set(s.execute(select(Divorce.marriage_id)).scalars())
        m = next(
            m
            for m in s.execute(select(Marriage)).scalars()
            if m.id not in divorced and s.get_one(Person, m.husband_id).national_id in citizens
        )
        husband = citizens[s.get_one(Person, m.husband_id).national_id]
        record, marriage_id = m.record_number, m.id
    session = login(kiosk.client, husband)
    doc = kiosk.client.issue(
        session,
        document_type=DocumentType.MARRIAGE_CERTIFICATE,
        subject=record,
        payment_reference="PAY-MAR",
    )
    with db.session() as s:
        s.add(
            Divorce(
                marriage_id=marriage_id,
                date=dt.date.today(),
                place_ar="عمان",
                place_latin="Amman",
                office_ar="مكتب",
                office_latin="Office",
                record_number="V2026/9999999",
                registered_on=dt.date.today(),
            )
        )
    db.dispose()
    status = kiosk.client.document_status(doc.serial, payload_sha256(doc.qr_text))
    assert status.status == "superseded" and "V2026/9999999" in (status.reason or "")
    offers = {o.document_type for o in kiosk.client.entitlements(session)}
    assert DocumentType.DIVORCE_CERTIFICATE in offers


def test_fleet_heartbeat_and_technician_page(
    server: LiveServer, kiosk: Kiosk, registry: Registry
) -> None:
    registry.enroll("IRB-SILENT")
    kiosk.client.heartbeat(
        printer="online",
        paper="near_end",
        app_version="1.2.3",
        journal_backlog=2,
        failed_jobs=1,
        last_error="cutter jam",
    )
    token = admin_bearer(registry.data, server.url, database_url=registry.url)
    r = httpx.get(f"{server.url}/api/v1/office/fleet", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    fleet = {k["id"]: k for k in r.json()["kiosks"]}
    assert fleet[kiosk.id]["attention"] == ["paper_near_end", "failed_jobs"]
    assert fleet["IRB-SILENT"]["attention"] == ["never_seen"]
    assert fleet[kiosk.id]["last_error"] == "cutter jam"
    assert httpx.get(f"{server.url}/api/v1/office/fleet").status_code == 401
    # the token-in-the-URL page is gone: the office app's /office/fleet needs a session
    assert httpx.get(f"{server.url}/fleet", params={"token": token}).status_code == 404


def test_revocation_with_the_root_key_offline_changes_nothing_and_says_why(
    server: LiveServer, kiosk: Kiosk, registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    citizen = registry.citizens()[1]
    session = login(kiosk.client, citizen)
    doc = kiosk.client.issue(
        session,
        document_type=DocumentType.INDIVIDUAL_EXTRACT,
        subject=citizen["national_id"],
        payment_reference="PAY-OFFLINE-ROOT",
    )
    root_file = registry.data.root_key_path
    token = admin_bearer(registry.data, server.url, database_url=registry.url)
    root_file.rename(root_file.with_suffix(".away"))  # kept offline, as docs/operations.md allows
    try:
        r = httpx.post(
            f"{server.url}/api/v1/office/documents/{doc.serial}/revoke",
            json={"reason": "issued to the wrong person"},
            headers={"Authorization": f"Bearer {token}"},
        )
    finally:
        root_file.with_suffix(".away").rename(root_file)
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "root_key_offline"
    assert kiosk.client.document_status(doc.serial, payload_sha256(doc.qr_text)).status == "valid"
    assert not any("revoked" in rec.getMessage() for rec in caplog.records)
