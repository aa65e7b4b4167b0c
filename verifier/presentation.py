"""How verified documents and verdicts are shown: JSON, field labels, values, reasons in words.

One place for it, so the CLI's `--json`, the verification service, its web page and the
printed layout all show a field the same way. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from verifier.documents import (
    Bilingual,
    Document,
    DocumentType,
    FamilyMember,
    FieldKind,
    FieldSpec,
    MaritalStatus,
    Place,
    Relation,
    Sex,
)

if TYPE_CHECKING:
    from verifier.verify import Verdict

__all__ = [
    "REASONS",
    "DisplayField",
    "display_fields",
    "document_to_json",
    "value_text",
    "verdict_to_json",
]

# The verdict in words, by status: (Arabic, English). The English `Verdict.reason` adds detail.
REASONS: dict[str, tuple[str, str]] = {
    "valid": ("الوثيقة صالحة وأصلية ولم تُعدَّل", "The document is genuine and unaltered"),
    "malformed": ("الرمز تالف أو ليس وثيقة سند", "The code is damaged or not a Sanad document"),
    "unsupported_version": (
        "إصدار الصيغة غير مدعوم؛ حدّث برنامج التحقق",
        "Format version not supported; update the verifier",
    ),
    "unsupported_algorithm": ("خوارزمية توقيع غير مقبولة", "Signature algorithm not accepted"),
    "unknown_signer": ("جهة التوقيع غير معروفة", "Unknown signing key"),
    "bad_signature": (
        "التوقيع لا يطابق الوثيقة: عُدِّلت أو زُوِّرت",
        "The signature does not match: altered or forged",
    ),
    "issuer_mismatch": ("جهة الإصدار لا تطابق مفتاح التوقيع", "Issuer does not match the key"),
    "type_not_allowed": (
        "مفتاح التوقيع غير مخوّل بهذا النوع من الوثائق",
        "The key may not sign this document type",
    ),
    "signer_not_valid_at_issue": (
        "مفتاح التوقيع لم يكن ساري المفعول وقت الإصدار",
        "The signing key was not valid at the issue time",
    ),
    "signer_revoked": ("مفتاح التوقيع مُلغى", "The signing key has been revoked"),
    "issued_in_future": ("تاريخ الإصدار في المستقبل", "Issue time is in the future"),
    "document_revoked": ("الوثيقة مُلغاة من السجل المدني", "The document has been revoked"),
    "not_in_registry": (
        "لا يوجد للوثيقة قيد في السجل المدني: قد تكون موقّعة بمفتاح مسروق",
        "The registry has no record of this document: it may be signed with a stolen key",
    ),
    "trust_list_stale": (
        "التوقيع أصلي، لكن قائمة الثقة قديمة: لا يُعرف ما أُلغي بعدها",
        "Genuine signature, but the trust list is out of date: later revocations are unknown",
    ),
    "trust_list_expired": (
        "قائمة الثقة منتهية: حدّثها قبل التحقق",
        "The trust list has expired: update it before verifying",
    ),
}


@dataclass(frozen=True)
class DisplayField:
    name: str
    label_ar: str
    label_en: str
    ar: str  # the value as the Arabic side prints it
    en: str  # the value as the English side prints it (Latin form where there is one)


def _date(value: dt.date) -> str:
    return value.isoformat()


def _member_text(m: FamilyMember, lang: str) -> str:
    name = m.name.ar if lang == "ar" or not m.name.latin else m.name.latin
    rel = m.relation.ar if lang == "ar" else m.relation.en
    sex = m.sex.ar if lang == "ar" else m.sex.en
    status = m.marital_status.ar if lang == "ar" else m.marital_status.en
    return f"{name} — {rel} — {m.national_id} — {sex} — {_date(m.date_of_birth)} — {status}"


def value_text(value: object, lang: str) -> str:
    """A field value as printed text in "ar" or "en"."""
    if isinstance(value, Bilingual):
        return value.ar if lang == "ar" or not value.latin else value.latin
    if isinstance(value, Place):
        if value.name is not None:
            return value_text(value.name, lang)
        return f"رمز {value.code}" if lang == "ar" else f"code {value.code}"
    if isinstance(value, dt.date):
        return _date(value)
    if isinstance(value, Sex | MaritalStatus | Relation):
        return value.ar if lang == "ar" else value.en
    if isinstance(value, tuple):
        return "\n".join(_member_text(m, lang) for m in value)
    return str(value)


def display_fields(document: Document) -> list[DisplayField]:
    """Every signed field, in schema order, ready to print: label and value in both languages."""
    schema = document.schema
    if schema is None:
        return [
            DisplayField(k, k, k, _raw_text(v), _raw_text(v)) for k, v in document.fields.items()
        ]
    out = []
    for spec in schema.fields:
        if spec.name in document.fields:
            v = document.fields[spec.name]
            out.append(
                DisplayField(
                    spec.name,
                    spec.label_ar,
                    spec.label_en,
                    value_text(v, "ar"),
                    value_text(v, "en"),
                )
            )
    return out


def _raw_text(value: object) -> str:
    import json

    return json.dumps(_raw_json(value), ensure_ascii=False)


def _raw_json(value: object) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [_raw_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _raw_json(v) for k, v in value.items()}
    return value


def _value_json(spec: FieldSpec, value: object) -> Any:
    if spec.kind is FieldKind.BILINGUAL:
        assert isinstance(value, Bilingual)
        return {"ar": value.ar, "latin": value.latin}
    if spec.kind is FieldKind.PLACE:
        return _place_json(value)
    if spec.kind is FieldKind.DATE:
        assert isinstance(value, dt.date)
        return value.isoformat()
    if spec.kind in (FieldKind.SEX, FieldKind.MARITAL_STATUS):
        assert isinstance(value, Sex | MaritalStatus)
        return {"code": int(value), "ar": value.ar, "en": value.en}
    if spec.kind is FieldKind.MEMBERS:
        assert isinstance(value, tuple)
        return [
            {
                "name": {"ar": m.name.ar, "latin": m.name.latin},
                "national_id": m.national_id,
                "relation": {"code": int(m.relation), "ar": m.relation.ar, "en": m.relation.en},
                "sex": {"code": int(m.sex), "ar": m.sex.ar, "en": m.sex.en},
                "date_of_birth": m.date_of_birth.isoformat(),
                "marital_status": {
                    "code": int(m.marital_status),
                    "ar": m.marital_status.ar,
                    "en": m.marital_status.en,
                },
            }
            for m in value
        ]
    return value


def _place_json(value: object) -> dict[str, Any]:
    if isinstance(value, Bilingual):
        value = Place(name=value)
    assert isinstance(value, Place)
    name = value.name
    return {
        "code": value.code,
        "ar": name.ar if name else None,
        "latin": name.latin if name else None,
        "display": {"ar": value_text(value, "ar"), "en": value_text(value, "en")},
    }


def document_to_json(document: Document) -> dict[str, Any]:
    schema = document.schema
    base: dict[str, Any] = {
        "type": document.type.slug if isinstance(document.type, DocumentType) else None,
        "type_code": int(document.type),
        "schema_version": document.schema_version,
        "known": document.known and schema is not None,
        "kiosk": document.kiosk,
        "centre": _place_json(document.centre),
    }
    if schema is None:
        base["title"] = None
        base["fields"] = [
            {"name": k, "label": None, "value": _raw_json(v), "display": None}
            for k, v in document.fields.items()
        ]
        return base
    base["title"] = {"ar": schema.title_ar, "en": schema.title_en}
    fields = []
    for spec in schema.fields:
        if spec.name not in document.fields:
            continue
        v = document.fields[spec.name]
        fields.append(
            {
                "name": spec.name,
                "label": {"ar": spec.label_ar, "en": spec.label_en},
                "value": _value_json(spec, v),
                "display": {"ar": value_text(v, "ar"), "en": value_text(v, "en")},
            }
        )
    base["fields"] = fields
    return base


def verdict_to_json(verdict: Verdict) -> dict[str, Any]:
    """The verdict as the CLI's --json and the service's API print it."""
    ar, en = REASONS[verdict.status.value]
    claims = verdict.claims
    age = verdict.trust_list_age
    document = None
    if claims is not None:
        document = {
            **document_to_json(claims.document),
            "serial": claims.serial,
            "issuer": claims.issuer,
            "issued_at": claims.issued_at.isoformat(),
        }
    return {
        "valid": verdict.valid,
        "outcome": verdict.outcome.value,
        "status": verdict.status.value,
        "reason": verdict.reason,
        "detail": verdict.detail,
        "summary": {"ar": ar, "en": en},
        "malformation": verdict.malformation.value if verdict.malformation else None,
        "document": document,
        "signer": verdict.signer.to_json() if verdict.signer else None,
        "kid": verdict.kid.hex() if verdict.kid else None,
        "trust_list": {
            "sequence": verdict.trust_list_sequence,
            "issued_at": verdict.trust_list_issued_at.isoformat()
            if verdict.trust_list_issued_at
            else None,
            "age_seconds": int(age.total_seconds()) if age is not None else None,
            "next_update": verdict.trust_list_next_update.isoformat()
            if verdict.trust_list_next_update
            else None,
        },
        "revocation_source": "trust_list",
        "checked_at": verdict.checked_at.isoformat() if verdict.checked_at else None,
    }
