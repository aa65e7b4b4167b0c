"""The registry API's JSON views of what it answers (fees, offers, previews, statuses, issued
documents): one shape for every route that answers them, the kiosk's and the portal's."""

from __future__ import annotations

import base64
from typing import Any

import cbor2

from registry import issuance
from verifier.documents import DocumentType, encode_document, schema_for
from verifier.presentation import display_fields, document_to_json

__all__ = ["fee_json", "issued_json", "offer_json", "preview_json", "status_json"]


def fee_json(amount: int, currency: str, minor_units: int) -> dict[str, Any]:
    # the configured identity's minor units: fees are charged in its currency
    return {"amount": amount, "currency": currency, "minor_units": minor_units}


def offer_json(doc_type: DocumentType, amount: int, currency: str, minor: int) -> dict[str, Any]:
    schema = schema_for(doc_type)
    return {
        "document_type": doc_type.slug,
        "type_code": int(doc_type),
        "title": {"ar": schema.title_ar, "en": schema.title_en},
        "fee": fee_json(amount, currency, minor),
    }


def preview_json(pv: issuance.Preview, minor: int) -> dict[str, Any]:
    schema = schema_for(pv.document_type)
    claim = cbor2.dumps(encode_document(pv.document), canonical=True)
    return {
        "document_type": pv.document_type.slug,
        "type_code": int(pv.document_type),
        "title": {"ar": schema.title_ar, "en": schema.title_en},
        "subject": pv.subject,
        "fee": fee_json(pv.fee_amount, pv.fee_currency, minor),
        "document_claim": base64.b64encode(claim).decode("ascii"),
        "display_fields": [
            {"name": f.name, "label_ar": f.label_ar, "label_en": f.label_en, "ar": f.ar, "en": f.en}
            for f in display_fields(pv.document)
        ],
        "document": document_to_json(pv.document),
    }


def status_json(st: issuance.StatusReport, *, with_digest: bool = True) -> dict[str, Any]:
    return {
        "serial": st.serial,
        "status": st.state,
        "reason": st.reason,
        "since": st.since,
        "document_type": st.document_type.slug,
        "issued_at": st.issued_at,
        "payload_sha256": st.payload_sha256 if with_digest else None,
    }


def issued_json(issued: issuance.Issued, minor: int) -> dict[str, Any]:
    schema = schema_for(issued.document_type)
    return {
        "serial": issued.serial,
        "document_type": issued.document_type.slug,
        "type_code": int(issued.document_type),
        "title": {"ar": schema.title_ar, "en": schema.title_en},
        "subject": issued.subject,
        "issued_at": issued.issued_at.isoformat(),
        "fee": fee_json(issued.fee_amount, issued.fee_currency, minor),
        "payment_reference": issued.payment_reference,
        "qr_text": issued.qr_text,
        "signer_kid": issued.signer_kid,
        "replayed": issued.replayed,
        "display_fields": issuance.display(issued),
        "document": document_to_json(issued.document),
    }
