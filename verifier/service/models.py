"""The API's pydantic models: the request parser and the OpenAPI description of the answers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from verifier.verify import Status

__all__ = [
    "ERRORS",
    "MAX_QR_TEXT",
    "ImageVerdicts",
    "OnlineStatus",
    "Problem",
    "TrustListInfo",
    "VerdictOut",
    "VerifyRequest",
]

MAX_QR_TEXT = 8192  # a version-40 QR holds 4,296 alphanumeric characters


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    qr_text: str = Field(
        min_length=1, max_length=MAX_QR_TEXT, description="The QR text as scanned (SN1D:...)."
    )
    online: bool = Field(
        default=True,
        description="Ask the registry for the document's status too, if the service is "
        "configured for it.",
    )


class TrustListInfo(BaseModel):
    sequence: int | None
    issued_at: str | None
    age_seconds: int | None
    next_update: str | None = None
    stale: bool | None = None
    source: Literal["file", "cache", "online"] | None = None
    obtained_at: str | None = None
    last_contact: str | None = None
    last_refresh_error: str | None = None
    online: bool | None = None
    problem: str | None = Field(
        default=None,
        description="Set when the operator must act: a list was refused (same sequence with "
        "different content, a rollback, a bad signature) or the list held is past its "
        "next update.",
    )
    problem_kind: Literal["none_held", "expired", "refused", "stale"] | None = None
    refused_at: str | None = None
    min_sequence: int | None = Field(
        default=None, description="The pinned minimum sequence in force (0: none pinned)."
    )


class OnlineStatus(BaseModel):
    checked: bool = Field(description="True if the registry's answer was used.")
    asked: bool = Field(description="False when the serial was refused without asking.")
    revoked: bool | None
    registry_status: str | None = Field(
        description="valid, revoked or superseded; not_found (404), bad_serial (not a "
        "serial the registry issues) or mismatch (the registry holds another document "
        "under this serial)."
    )
    issued: bool | None
    reason: str | None
    since: str | None
    mismatch: list[str] | None
    error: str | None


class Words(BaseModel):
    ar: str
    en: str


class OfficerMessage(BaseModel):
    """What the verdict means to the officer and what to do, one message per family."""

    outcome: Literal["valid", "unconfirmed", "not_valid"]
    family: Literal[
        "valid",
        "unconfirmed",
        "unreadable",
        "forged",
        "unknown_signer",
        "revoked",
        "trust_list_expired",
        "unsupported",
    ]
    headline: Words
    meaning: Words
    action: Words
    note: Words | None


class VerdictOut(BaseModel):
    valid: bool = Field(description="True only for VALID (unconfirmed is not valid).")
    outcome: Literal["valid", "unconfirmed", "not_valid"]
    status: Literal[tuple(s.value for s in Status)]  # type: ignore[valid-type]
    reason: str = Field(description="A fixed English sentence chosen by the status.")
    detail: str | None = Field(
        default=None, description="What exactly failed, for logs and developers; not for display."
    )
    summary: dict[str, str]
    malformation: str | None
    document: dict[str, Any] | None
    signer: dict[str, Any] | None
    kid: str | None
    trust_list: TrustListInfo
    revocation_source: Literal["trust_list", "online"] = Field(
        description="trust_list: the revoked serials in the trust list held (offline); "
        "online: the registry was asked as well and answered."
    )
    online_status: OnlineStatus | None
    officer: OfficerMessage
    input: Literal["upper_cased", "lower_case"] | None = Field(
        default=None,
        description="upper_cased: the text held lower-case letters (Caps Lock) and was read "
        "upper-cased; lower_case: it held lower-case letters and did not read either way.",
    )
    checked_at: str | None


class ImageVerdicts(BaseModel):
    found: int = Field(description="How many QR codes were found in the image.")
    verdicts: list[VerdictOut]


class Problem(BaseModel):
    detail: Any


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (400, 408, 413, 415, 422, 429)
}
