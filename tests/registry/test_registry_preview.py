"""The unsigned preview: the very document issue then signs, the same refusals, nothing written."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from registry.codes import ErrorCode
from registry.errors import InvalidInput, Refused, SessionInvalid
from registry.models import AuditEntry, IssuedDocument
from tests.support.registry import Kiosk, LiveServer, Registry, login
from verifier import codec, cose
from verifier.documents import Document, DocumentType, Place, resolve_places
from verifier.payload import decode_claims
from verifier.presentation import display_fields

T = DocumentType


def _signed_document(qr_text: str) -> Document:
    return decode_claims(cose.parse_sign1(codec.decode_text(qr_text)).payload).document


def _counts(registry: Registry) -> tuple[int, int, int]:
    db = registry.db()
    with db.session() as s:
        rows = s.execute(select(func.count()).select_from(IssuedDocument)).scalar_one()
        last = s.execute(select(func.max(IssuedDocument.id))).scalar_one() or 0
        audit = s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    db.dispose()
    return rows, last, audit


def test_preview_is_the_document_issue_then_signs_field_for_field(
    kiosk: Kiosk, registry: Registry
) -> None:
    citizen = registry.citizens("married", "parent_of_minor", "deceased_parent")[0]
    session = login(kiosk.client, citizen)
    offers = kiosk.client.entitlements(session)
    assert len({o.document_type for o in offers}) >= 4
    coded = 0
    for i, offer in enumerate(offers):
        draft = kiosk.client.preview(
            session, document_type=offer.document_type, subject=offer.subject
        )
        issued = kiosk.client.issue(
            session,
            document_type=offer.document_type,
            subject=offer.subject,
            payment_reference=f"PAY-PV-{i}",
        )
        signed = _signed_document(issued.qr_text)
        assert draft.type is offer.document_type
        assert list(draft.fields) == list(signed.fields)
        for name, value in signed.fields.items():
            assert draft.fields[name] == value, name
        assert (draft.kiosk, draft.centre) == (signed.kiosk, signed.centre)
        assert draft == signed
        coded += sum(
            isinstance(v, Place) and v.code is not None and v.name is None
            for v in [*draft.fields.values(), draft.centre]
        )
        # named from the trust list, the preview shows what the issued document shows
        named = resolve_places(draft, registry.trust().places)
        assert [(f.name, f.ar, f.en) for f in display_fields(named)] == [
            (f.name, f.ar, f.en) for f in issued.display_fields
        ]
    assert coded > 0, "places come as codes, the way they are signed"


def test_preview_refuses_with_the_code_issue_refuses_with(kiosk: Kiosk, registry: Registry) -> None:
    everyone = registry.citizens()
    a, b = everyone[0], everyone[-1]
    session = login(kiosk.client, a)
    cases = [
        (T.BIRTH_CERTIFICATE, b["national_id"], ErrorCode.NOT_ENTITLED),
        (T.NON_EMPLOYMENT, b["national_id"], ErrorCode.NOT_ENTITLED),
        (T.FAMILY_EXTRACT, b["national_id"], ErrorCode.NOT_ENTITLED),
        (T.DEATH_CERTIFICATE, b["national_id"], ErrorCode.NOT_ENTITLED),
    ]
    for doc_type, subject, code in cases:
        with pytest.raises(Refused) as previewed:
            kiosk.client.preview(session, document_type=doc_type, subject=subject)
        with pytest.raises(Refused) as issued:
            kiosk.client.issue(
                session, document_type=doc_type, subject=subject, payment_reference="PAY-NO"
            )
        assert previewed.value.code is issued.value.code is code


def test_preview_writes_nothing_and_uses_up_no_serial(kiosk: Kiosk, registry: Registry) -> None:
    citizen = registry.citizens("married")[0]
    session = login(kiosk.client, citizen)
    offers = kiosk.client.entitlements(session)
    before = _counts(registry)
    for offer in offers:
        for _ in range(2):
            kiosk.client.preview(session, document_type=offer.document_type, subject=offer.subject)
    assert _counts(registry) == before  # no row, no audit entry
    rows, last, audit = before
    issued = kiosk.client.issue(
        session,
        document_type=T.BIRTH_CERTIFICATE,
        subject=citizen["national_id"],
        payment_reference="PAY-AFTER-PREVIEW",
    )
    assert int(issued.serial.split("-")[1]) == last + 1  # the next serial, none skipped
    assert _counts(registry) == (rows + 1, last + 1, audit + 1)


def test_preview_needs_a_signed_request_a_session_and_good_input(
    kiosk: Kiosk, registry: Registry, server: LiveServer
) -> None:
    citizen = registry.citizens()[0]
    session = login(kiosk.client, citizen)
    nid = citizen["national_id"]
    own = kiosk.client.preview(session, document_type=T.BIRTH_CERTIFICATE, subject=nid)
    assert own.fields["national_id"] == nid
    with pytest.raises(InvalidInput):
        kiosk.client.preview(session, document_type="passport", subject=nid)
    with pytest.raises(InvalidInput):
        kiosk.client.preview(session, document_type=T.BIRTH_CERTIFICATE, subject="12")
    with pytest.raises(InvalidInput):
        kiosk.client.preview(session, document_type=T.MARRIAGE_CERTIFICATE, subject="nope")
    unsigned = httpx.post(
        f"{server.url}/api/v1/documents/preview",
        json={"document_type": "birth_certificate", "subject": nid},
        headers={"Authorization": f"Bearer {session.token}"},
        timeout=5,
    )
    assert unsigned.status_code == 401
    kiosk.client.logout(session)
    with pytest.raises(SessionInvalid):
        kiosk.client.preview(session, document_type=T.BIRTH_CERTIFICATE, subject=nid)
