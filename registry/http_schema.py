"""The registry API's request and response bodies (pydantic), as the OpenAPI description shows
them. Request bodies refuse unknown keys; their text fields refuse control characters and lone
surrogates (`Text`). No I/O.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from registry import issuance, kiosks
from verifier.documents import DocumentType

__all__ = [
    "DisplayFieldOut",
    "DocumentSlug",
    "EnrolBody",
    "EntitlementsOut",
    "ErrorDetail",
    "ErrorOut",
    "FeeOut",
    "FeeRowOut",
    "FeesOut",
    "HealthOut",
    "HeartbeatBody",
    "IssueBody",
    "IssuedOut",
    "LoginBody",
    "LoginOut",
    "OfferOut",
    "OkOut",
    "PhoneBody",
    "PinResetBody",
    "PreviewBody",
    "PreviewOut",
    "RevokeBody",
    "StatusOut",
    "Text",
    "Text2",
    "Title",
    "errors_for",
]

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# Request and response bodies

DocumentSlug = enum.StrEnum(  # type: ignore[misc]
    "DocumentSlug", {t.name: t.slug for t in DocumentType}
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _plain_text(value: str) -> str:
    """Text a database and a JSON encoder take: no NUL or other control character (tab and
    line breaks aside) and no lone surrogate (JSON's \\ud800 escapes decode to one)."""
    if _CONTROL.search(value):
        raise ValueError("control characters and lone surrogates are not allowed")
    return value


Text = Annotated[str, AfterValidator(_plain_text)]


class LoginBody(_Strict):
    national_id: Text | None = Field(
        default=None, max_length=32, description="typed national number"
    )
    card: Text | None = Field(default=None, max_length=64, description="the ID card's scanned text")
    pin: Text = Field(max_length=16)


class IssueBody(_Strict):
    document_type: DocumentSlug
    subject: Text = Field(max_length=32, description="national number, or M…/T… record number")
    payment_reference: Text = Field(max_length=64)
    idempotency_key: Text = Field(max_length=64, description="same key → same document, one charge")


class PreviewBody(_Strict):
    document_type: DocumentSlug
    subject: Text = Field(max_length=32, description="national number, or M…/T… record number")


class HeartbeatBody(_Strict):
    printer: kiosks.PrinterState
    paper: kiosks.PaperState
    cover_open: bool = False
    app_version: Text = Field(max_length=40)
    last_error: Text | None = Field(default=None, max_length=200)
    journal_backlog: int = Field(default=0, ge=0, le=1_000_000)
    failed_jobs: int = Field(default=0, ge=0, le=1_000_000)


class RevokeBody(_Strict):
    reason: Text = Field(min_length=1, max_length=200)


class EnrolBody(_Strict):
    """Enrol a citizen (`registry.enrolment`): the PIN is printed, or answered once."""

    identity_checked: bool = Field(description="the clerk checked the identity card")
    delivery: Literal["print", "show"] = "print"
    phone: Text | None = Field(default=None, max_length=40)


class PinResetBody(_Strict):
    identity_checked: bool = Field(description="the clerk checked the identity card")
    delivery: Literal["print", "show"] = "print"


class PhoneBody(_Strict):
    phone: Text | None = Field(default=None, max_length=40, description="null or empty: remove")
    identity_checked: bool = Field(description="the clerk checked the identity card")


class Text2(BaseModel):
    ar: str
    latin: str | None


class Title(BaseModel):
    ar: str
    en: str


class FeeOut(BaseModel):
    amount: int = Field(description="in the currency's minor unit")
    currency: str = Field(description="ISO 4217, the configured identity's currency")
    minor_units: int = Field(description="digits after the decimal point: amount / 10**minor")


class LoginOut(BaseModel):
    token: str
    expires_at: dt.datetime
    name: Text2


class OfferOut(BaseModel):
    document_type: str
    type_code: int
    title: Title
    subject: str
    subject_name: Text2
    relation: str
    subject_sex: Literal["m", "f"] = Field(
        description="the sex of the person the document names (the other spouse for a "
        "marriage or divorce), so that a channel's words agree with them"
    )
    fee: FeeOut


class EntitlementsOut(BaseModel):
    documents: list[OfferOut]


class DisplayFieldOut(BaseModel):
    name: str
    label_ar: str
    label_en: str
    ar: str
    en: str


class IssuedOut(BaseModel):
    serial: str
    document_type: str
    type_code: int
    title: Title
    subject: str
    issued_at: dt.datetime
    fee: FeeOut
    payment_reference: str
    qr_text: str
    signer_kid: str
    replayed: bool
    display_fields: list[DisplayFieldOut]
    document: dict[str, Any]


class PreviewOut(BaseModel):
    document_type: str
    type_code: int
    title: Title
    subject: str
    fee: FeeOut
    document_claim: str = Field(
        description="base64 of the CBOR document claim issue would sign (docs/format.md): "
        "places as codes"
    )
    display_fields: list[DisplayFieldOut]
    document: dict[str, Any]


class StatusOut(BaseModel):
    serial: str
    status: issuance.DocumentState
    reason: str | None
    since: dt.datetime | None
    document_type: str
    issued_at: dt.datetime
    payload_sha256: str | None = Field(
        description="hex SHA-256 of the COSE_Sign1 payload bytes exactly as signed (in "
        "administrators' answers; the public status answer omits it: its caller sent it)"
    )


class FeeRowOut(BaseModel):
    document_type: str
    type_code: int
    title: Title
    fee: FeeOut


class FeesOut(BaseModel):
    fees: list[FeeRowOut]


class HealthOut(BaseModel):
    status: str
    database: str


class OkOut(BaseModel):
    ok: bool


class ErrorDetail(BaseModel):
    code: str
    message: str
    tries_remaining: int | None = None
    retry_after: float | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


def errors_for(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ErrorOut} for c in codes}
