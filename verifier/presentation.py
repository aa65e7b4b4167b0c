"""How verified documents and verdicts are shown: JSON, field labels, values, reasons in words.

One place for it, so the CLI's `--json`, the verification service, its web page and the
printed layout all show a field the same way: the words are `verifier.words`', dates are ISO
8601, a marital status and a head of family agree with the person's sex, and a family member
is the same six labelled values everywhere (`member_fields`). `docs/display.md` describes it
for other verifiers. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from verifier import words
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
from verifier.words import Term

if TYPE_CHECKING:
    from verifier.payload import Claims
    from verifier.trust import Identity
    from verifier.verify import Verdict

__all__ = [
    "REASONS",
    "DisplayField",
    "display_fields",
    "document_to_json",
    "format_fee",
    "issue_fields",
    "member_fields",
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


def _lang(value: Term, lang: str) -> str:
    return value.ar if lang == "ar" else value.en


def member_fields(member: FamilyMember) -> list[DisplayField]:
    """One family member's values, each labelled, in the order every side shows them:
    name, relation, national number, sex, date of birth, marital status. The relation and the
    marital status agree with the member's sex (ربة الأسرة, متزوجة, عزباء)."""
    values: list[tuple[str, str, str]] = [
        ("name", value_text(member.name, "ar"), value_text(member.name, "en")),
        ("relation", *member.relation.term(member.sex)),
        ("national_id", member.national_id, member.national_id),
        ("sex", *member.sex.term()),
        ("date_of_birth", *(2 * (words.format_date(member.date_of_birth),))),
        ("marital_status", *member.marital_status.term(member.sex)),
    ]
    return [DisplayField(name, *words.MEMBER_LABELS[name], ar, en) for name, ar, en in values]


def _member_text(m: FamilyMember, lang: str) -> str:
    # name — relation — national number — sex — date of birth — marital status
    return " — ".join(f.ar if lang == "ar" else f.en for f in member_fields(m))


def value_text(value: object, lang: str, *, sex: Sex | None = None) -> str:
    """A field value as printed text in "ar" or "en".

    `sex` is the person's sex, which a marital status agrees with in Arabic; without it a
    marital status takes the masculine form (every schema with a marital status has a sex).
    """
    if isinstance(value, Bilingual):
        return value.ar if lang == "ar" or not value.latin else value.latin
    if isinstance(value, Place):
        if value.name is not None:
            return value_text(value.name, lang)
        assert value.code is not None
        return _lang(words.place_code(value.code), lang)
    if isinstance(value, dt.date):
        return words.format_date(value)
    if isinstance(value, MaritalStatus):
        return _lang(value.term(sex or Sex.MALE), lang)
    if isinstance(value, Relation):
        return _lang(value.term(sex), lang)
    if isinstance(value, Sex):
        return _lang(value.term(), lang)
    if isinstance(value, tuple):
        return "\n".join(_member_text(m, lang) for m in value)
    return str(value)


def _sex_of(document: Document) -> Sex | None:
    sex = document.fields.get("sex") if document.known else None
    return sex if isinstance(sex, Sex) else None


def display_fields(document: Document) -> list[DisplayField]:
    """Every signed field, in schema order, ready to print: label and value in both languages."""
    schema = document.schema
    if schema is None:
        return [
            DisplayField(k, k, k, _raw_text(v), _raw_text(v)) for k, v in document.fields.items()
        ]
    sex = _sex_of(document)
    out = []
    for spec in schema.fields:
        if spec.name in document.fields:
            v = document.fields[spec.name]
            out.append(
                DisplayField(
                    spec.name,
                    spec.label_ar,
                    spec.label_en,
                    value_text(v, "ar", sex=sex),
                    value_text(v, "en", sex=sex),
                )
            )
    return out


def format_fee(amount: int, identity: Identity, lang: str) -> str:
    """A fee in minor units as the jurisdiction prints it: "1.000 دينار" / "JOD 1.000"."""
    name = identity.currency_name
    return words.format_amount(
        amount,
        minor_units=identity.minor_units,
        currency=identity.currency,
        currency_name=Term(name.ar, name.latin or identity.currency),
        lang=lang,
    )


def issue_fields(claims: Claims, tz: dt.tzinfo = dt.UTC) -> list[DisplayField]:
    """The lines about the issue (serial, time, issuer, centre, kiosk or office counter),
    labelled as the paper's header prints them; the time in `tz`, with its offset."""
    document = claims.document
    when = words.format_datetime(claims.issued_at, tz)
    values = [
        ("serial", claims.serial, claims.serial),
        ("issued_at", when, when),
        ("issuer", claims.issuer, claims.issuer),
        ("centre", value_text(document.centre, "ar"), value_text(document.centre, "en")),
        ("kiosk", document.kiosk, document.kiosk),
    ]
    # a document issued at an office's counter carries COUNTER-<office> as its kiosk id
    counter = document.kiosk.startswith(words.COUNTER_PREFIX)
    return [
        DisplayField(
            name, *words.ISSUE_LABELS["counter" if counter and name == "kiosk" else name], ar, en
        )
        for name, ar, en in values
    ]


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


def _term_json(code: int, term: Term) -> dict[str, Any]:
    return {"code": int(code), "ar": term.ar, "en": term.en}


def _value_json(spec: FieldSpec, value: object, sex: Sex | None) -> Any:
    if spec.kind is FieldKind.BILINGUAL:
        assert isinstance(value, Bilingual)
        return {"ar": value.ar, "latin": value.latin}
    if spec.kind is FieldKind.PLACE:
        return _place_json(value)
    if spec.kind is FieldKind.DATE:
        assert isinstance(value, dt.date)
        return value.isoformat()
    if spec.kind is FieldKind.SEX:
        assert isinstance(value, Sex)
        return _term_json(value, value.term())
    if spec.kind is FieldKind.MARITAL_STATUS:
        assert isinstance(value, MaritalStatus)
        return _term_json(value, value.term(sex or Sex.MALE))
    if spec.kind is FieldKind.MEMBERS:
        assert isinstance(value, tuple)
        return [
            {
                "name": {"ar": m.name.ar, "latin": m.name.latin},
                "national_id": m.national_id,
                "relation": _term_json(m.relation, m.relation.term(m.sex)),
                "sex": _term_json(m.sex, m.sex.term()),
                "date_of_birth": m.date_of_birth.isoformat(),
                "marital_status": _term_json(m.marital_status, m.marital_status.term(m.sex)),
                "display": [
                    {
                        "name": f.name,
                        "label": {"ar": f.label_ar, "en": f.label_en},
                        "ar": f.ar,
                        "en": f.en,
                    }
                    for f in member_fields(m)
                ],
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
    sex = _sex_of(document)
    fields = []
    for spec in schema.fields:
        if spec.name not in document.fields:
            continue
        v = document.fields[spec.name]
        fields.append(
            {
                "name": spec.name,
                "label": {"ar": spec.label_ar, "en": spec.label_en},
                "value": _value_json(spec, v, sex),
                "display": {"ar": value_text(v, "ar", sex=sex), "en": value_text(v, "en", sex=sex)},
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
            # The header lines exactly as the paper prints them (labels, UTC time format).
            "issue": [
                {"name": f.name, "label": {"ar": f.label_ar, "en": f.label_en}, "ar": f.ar,
                 "en": f.en}
                for f in issue_fields(claims)
            ],
        }  # fmt: skip
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
