"""The request bodies of the administrators' API (pydantic, in the OpenAPI document).

Lengths here are generous bounds against abuse; the rules themselves (a user name's letters,
an office code's shape, a fee's range) are the domain's (`registry.staff`, `registry.offices`,
`registry.fees`, `registry.kiosks`), so the API and the pages refuse with the same words.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from registry.http_schema import Text

__all__ = ["FeeBody", "KioskEnrolBody", "KioskRevokeBody", "OfficeBody", "StaffAddBody"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StaffAddBody(_Strict):
    username: Text = Field(max_length=200)
    name_ar: Text = Field(max_length=400)
    name_en: Text = Field(max_length=400)
    role: Literal["clerk", "registrar", "supervisor", "administrator"]
    office: Text | None = Field(default=None, max_length=40, description="for clerks, registrars")


class FeeBody(_Strict):
    amount: int = Field(strict=True, description="in the configured currency's minor unit")


class OfficeBody(_Strict):
    code: Text = Field(max_length=40, description="3 capital Latin letters, never reused")
    name_ar: Text = Field(max_length=400)
    name_latin: Text = Field(max_length=400)


class KioskEnrolBody(_Strict):
    id: Text = Field(max_length=200, description="e.g. AMM-001")
    public_key: Text = Field(max_length=4000, description="the kiosk's public JWK, as text")
    centre_ar: Text = Field(max_length=400)
    centre_latin: Text | None = Field(default=None, max_length=400)


class KioskRevokeBody(_Strict):
    reason: Text = Field(max_length=400)
