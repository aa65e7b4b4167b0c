"""What a verdict means to the officer holding the paper, and what to do: one message per family
of reasons, in Arabic and English, for the verification page, the API and the CLI.

`officer_message(verdict_json)` takes the verdict as the API answers it (`Verdict.to_json()`,
plus the service's `online_status`) and returns

    {"outcome": "valid" | "unconfirmed" | "not_valid", "family": ...,
     "headline": {"ar", "en"}, "meaning": {"ar", "en"}, "action": {"ar", "en"},
     "note": {"ar", "en"} | None}

Families (the status codes in each are listed in `FAMILY`): valid; unconfirmed (genuine
signature, trust list past its next update); unreadable (scan again); forged (keep the
document, follow procedure); unknown_signer (update the trust list); revoked (the date and
the reason, when the registry gave them); trust_list_expired (update the trust list);
unsupported (update the software). No text comes from an exception or from the document
except the dates and the registry's reason, which are isolated (FSI … PDI) in Arabic.

Pure and light: no FastAPI, no I/O, so the CLI imports it too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from verifier.words import Term, isolate

__all__ = ["CHECK_DIGIT_OK", "FAMILY", "HEADLINES", "officer_message"]

FAMILY: dict[str, str] = {
    "valid": "valid",
    "trust_list_stale": "unconfirmed",
    "malformed": "unreadable",
    "unsupported_version": "unsupported",
    "unsupported_algorithm": "forged",
    "bad_signature": "forged",
    "issuer_mismatch": "forged",
    "type_not_allowed": "forged",
    "signer_not_valid_at_issue": "forged",
    "signer_revoked": "forged",
    "issued_in_future": "forged",
    "not_in_registry": "forged",
    "unknown_signer": "unknown_signer",
    "document_revoked": "revoked",
    "trust_list_expired": "trust_list_expired",
}

HEADLINES: dict[str, Term] = {
    "valid": Term("صالحة", "VALID"),
    "unconfirmed": Term("غير مؤكَّدة", "NOT CONFIRMED"),
    "not_valid": Term("غير صالحة", "NOT VALID"),
}

# Shown beside a national number: the check digit is all that was checked.
CHECK_DIGIT_OK = Term("صيغة الرقم الوطني صحيحة", "National number format is correct")

_MEANING: dict[str, Term] = {
    "valid": Term(
        "الوثيقة أصلية ولم يُعدَّل فيها شيء، وليست مُلغاة.",
        "The document is genuine, unaltered and not revoked.",
    ),
    "unreadable": Term(
        "تعذّرت قراءة الرمز: فهو تالف أو ناقص أو ليس رمز وثيقة من سند.",
        "The code could not be read: it is damaged, incomplete or not a Sanad code.",
    ),
    "forged": Term(
        "هذه الوثيقة غير أصلية: عُدِّل فيها بعد توقيعها، أو وُقِّعت دون إذن الجهة المُصدِرة.",
        "This document is not genuine: it was altered after signing, or signed without the "
        "issuing authority's permission.",
    ),
    "unknown_signer": Term(
        "المفتاح الذي وُقِّعت به هذه الوثيقة غير موجود في قائمة الثقة لدى هذا الجهاز.",
        "The key that signed this document is not in this verifier's trust list.",
    ),
    "unsupported": Term(
        "هذه الوثيقة بصيغة لا يعرفها برنامج التحقق هذا.",
        "This document uses a format this verifier does not know.",
    ),
}

_ACTION: dict[str, Term] = {
    "valid": Term(
        "قارن البيانات أدناه بما هو مطبوع على الوثيقة.",
        "Compare the details below with what is printed on the document.",
    ),
    "unconfirmed": Term(
        "حدّث قائمة الثقة ثم أعد التحقق قبل الاعتماد على هذه الوثيقة.",
        "Update the trust list, then check again before relying on this document.",
    ),
    "unreadable": Term(
        "امسح الرمز مرة أخرى أو اكتبه كاملًا. إن تكرّر ذلك فاطلب نسخة جديدة من الوثيقة.",
        "Scan the code again, or type it in full. If it still fails, ask for a new copy of "
        "the document.",
    ),
    "forged": Term(
        "لا تقبلها. احتفظ بالوثيقة واتبع الإجراء المعتمد لديك عند الاشتباه بالتزوير.",
        "Do not accept it. Keep the document and follow your procedure for suspected forgery.",
    ),
    "unknown_signer": Term(
        "حدّث قائمة الثقة ثم أعد التحقق. إن بقي المفتاح غير معروف فاعتبر الوثيقة غير أصلية.",
        "Update the trust list and check again. If the key is still unknown, treat the "
        "document as not genuine.",
    ),
    "revoked": Term(
        "لا تقبلها. يستطيع صاحبها طلب وثيقة سارية من السجل المدني.",
        "Do not accept it. Its holder can ask the civil registry for a current document.",
    ),
    "trust_list_expired": Term(
        "حدّث قائمة الثقة ثم أعد التحقق.",
        "Update the trust list, then check again.",
    ),
    "unsupported": Term(
        "حدّث برنامج التحقق ثم أعد التحقق.",
        "Update the verification software, then check again.",
    ),
}


def _date(iso: object) -> str | None:
    """The date part of an ISO 8601 text, as every side prints dates (2026-11-02)."""
    if not isinstance(iso, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        try:
            return dt.date.fromisoformat(iso[:10]).isoformat()
        except ValueError:
            return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.date().isoformat()


def _clean(text: object, limit: int = 200) -> str | None:
    """The registry's reason as one line of plain text, or None."""
    if not isinstance(text, str):
        return None
    line = " ".join(text.split())[:limit]
    line = "".join(c for c in line if c.isprintable() and not "\u2066" <= c <= "\u2069")
    return line or None


def _outcome(status: str) -> str:
    return {"valid": "valid", "trust_list_stale": "unconfirmed"}.get(status, "not_valid")


def officer_message(verdict: dict[str, Any]) -> dict[str, Any]:
    """The officer's words for a verdict in its JSON form (see the module docstring)."""
    status = str(verdict.get("status"))
    family = FAMILY.get(status, "forged")
    outcome = _outcome(status)
    trust = verdict.get("trust_list") or {}
    online = verdict.get("online_status") or {}
    next_update = _date(trust.get("next_update"))
    meaning = _MEANING.get(family)
    note = None
    if family == "unconfirmed":
        since = next_update or "?"
        meaning = Term(
            f"التوقيع أصلي، لكن ما أُلغي من وثائق منذ {isolate(since)} غير معروف: حدّث قائمة الثقة.",
            f"Genuine signature, but revocations since {since} are unknown: update the trust list.",
        )
    elif family == "trust_list_expired":
        due = next_update or "?"
        meaning = Term(
            f"قائمة الثقة لدى هذا الجهاز قديمة جدًا (كان موعد تحديثها {isolate(due)})، "
            "فلا يمكنه التحقق من الوثائق.",
            f"This verifier's trust list is too old to check documents (its update was due on "
            f"{due}).",
        )
    elif family == "revoked":
        revoked_on = _date(online.get("since")) if online.get("checked") else None
        reason = _clean(online.get("reason")) if online.get("checked") else None
        if revoked_on or reason:
            ar = "ألغى السجل المدني هذه الوثيقة"
            en = "The civil registry revoked this document"
            if revoked_on:
                ar += f" بتاريخ {isolate(revoked_on)}"
                en += f" on {revoked_on}"
            ar += "."
            en += "."
            if reason:
                ar += f" السبب: {isolate(reason)}."
                en += f" Reason: {reason}."
            meaning = Term(ar, en)
        else:
            meaning = Term(
                "ألغى السجل المدني هذه الوثيقة (واردة في قائمة الثقة؛ تاريخ الإلغاء وسببه لدى "
                "السجل).",
                "The civil registry has revoked this document (it is listed in the trust list; "
                "the registry holds the date and the reason).",
            )
    if (
        outcome == "valid"
        and online.get("checked")
        and online.get("registry_status") == ("superseded")
    ):
        changed = _date(online.get("since"))
        when_ar = f" بتاريخ {isolate(changed)}" if changed else ""
        when_en = f" on {changed}" if changed else ""
        note = Term(
            f"طرأ على هذا القيد تغيير لاحق{when_ar} (تصحيح للقيد، أو طلاق بعد هذا الزواج): "
            "لم تعد بيانات هذه الوثيقة هي المسجَّلة؛ اطلب من صاحبها وثيقة حديثة أو تحقّق من "
            "الحالة الحالية لدى السجل المدني.",
            f"A later event changed this record{when_en} (a correction of the record, or a "
            "divorce after this marriage): this document no longer shows what is recorded; ask "
            "for a newly issued one or check the current state with the civil registry.",
        )
    typed = verdict.get("input")
    if typed == "upper_cased" and note is None:
        note = Term(
            "كُتب الرمز بأحرف صغيرة (مفتاح الأحرف الكبيرة Caps Lock؟) فقُرئ بأحرف كبيرة كما طُبع.",
            "The code was typed in lower case (Caps Lock?) and was read in capitals, as printed.",
        )
    elif typed == "lower_case":
        note = Term(
            "في الرمز أحرف صغيرة، والرمز المطبوع لا يحوي إلا أحرفًا كبيرة: تأكّد أن مفتاح Caps Lock "
            "غير مفعّل ثم امسح الرمز مرة أخرى.",
            "The code holds lower-case letters, and a printed code has none: check that Caps "
            "Lock is off, then scan again.",
        )
    assert meaning is not None
    headline = HEADLINES[outcome]
    return {
        "outcome": outcome,
        "family": family,
        "headline": headline._asdict(),
        "meaning": meaning._asdict(),
        "action": _ACTION[family]._asdict(),
        "note": note._asdict() if note else None,
    }
