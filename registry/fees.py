"""The fee per document type, as an administrator sees and changes it.

A fee is a whole number of the configured currency's minor unit (fils for the pilot's JOD),
from 0 to `MAX_MAJOR_UNITS` major units; changing it writes the currency the identity names
now and an audit entry naming the administrator with the old and new amounts. Once the change
is committed the caller drops this process's cached fee table (`issuance.forget_cached_fees`);
other workers re-read it within `issuance.FEE_CACHE_SECONDS`. Reading the table for issuance
stays in `issuance`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import admin_refusals as no
from registry import audit
from registry.admin_refusals import AdminInvalid, AdminNotFound
from registry.audit import AuditEvent
from registry.models import Fee
from verifier.documents import DocumentType, schema_for

__all__ = [
    "MAX_MAJOR_UNITS",
    "FeeRow",
    "document_type",
    "list_fees",
    "maximum",
    "parse_amount",
    "set_fee",
]

MAX_MAJOR_UNITS = 1000  # a fee above a thousand dinars is a typing mistake, not a decree


@dataclass(frozen=True)
class FeeRow:
    document_type: DocumentType
    title_ar: str
    title_en: str
    amount: int | None  # None: no fee set, the kiosk does not offer the document
    currency: str | None


def maximum(minor_units: int) -> int:
    """The largest fee accepted, in minor units."""
    return int(MAX_MAJOR_UNITS * 10**minor_units)


def parse_amount(text: str | int, *, minor_units: int, currency: str) -> int:
    """A fee typed in a form or sent as JSON: a whole number of minor units in range."""
    refusal = no.fee_invalid(maximum(minor_units), currency)
    if isinstance(text, bool):
        raise AdminInvalid(refusal)
    if isinstance(text, str):
        digits = text.strip()
        if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
            raise AdminInvalid(refusal)
        text = int(digits)
    if not 0 <= text <= maximum(minor_units):
        raise AdminInvalid(refusal)
    return text


def document_type(slug: str) -> DocumentType:
    try:
        return DocumentType.from_slug(slug.strip()[:40])
    except ValueError:
        raise AdminNotFound(no.NO_SUCH_DOCUMENT_TYPE) from None


def list_fees(s: Session) -> list[FeeRow]:
    rows = {f.document_type: f for f in s.execute(select(Fee)).scalars()}
    out = []
    for t in DocumentType:
        schema = schema_for(t)
        f = rows.get(int(t))
        amount, currency = (f.amount, f.currency) if f else (None, None)
        out.append(FeeRow(t, schema.title_ar, schema.title_en, amount, currency))
    return out


def set_fee(
    s: Session,
    doc_type: DocumentType,
    amount: int,
    *,
    currency: str,
    minor_units: int,
    by: str,
    at: dt.datetime,
) -> FeeRow:
    """Set one document type's fee (validated again here: the one place the rule lives)."""
    amount = parse_amount(amount, minor_units=minor_units, currency=currency)
    row = s.get(Fee, int(doc_type))
    old = (row.amount, row.currency) if row else None
    if row is None:
        row = Fee(document_type=int(doc_type), amount=amount, currency=currency)
        s.add(row)
    else:
        row.amount, row.currency = amount, currency
    audit.append(
        s,
        AuditEvent.FEE_CHANGED,
        {
            "by": by,
            "document_type": doc_type.slug,
            "old": {"amount": old[0], "currency": old[1]} if old else None,
            "new": {"amount": amount, "currency": currency},
        },
        at,
    )
    schema = schema_for(doc_type)
    return FeeRow(doc_type, schema.title_ar, schema.title_en, amount, currency)
