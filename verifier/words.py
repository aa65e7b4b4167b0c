"""Every word a Sanad document is displayed with, in Arabic and English, in one place.

The paper (`hardware.layout`), the verification page and API (`verifier.presentation`), the
CLI and the kiosk take document names, field labels, sex, marital status, relations, the
roles of a document's subject and place kinds from here, so a reader sees the same word for
the same thing everywhere. `docs/display.md` describes how each value is shown and
`docs/glossary.md` lists the whole vocabulary.

Rules the tables follow:

- Arabic agrees with the person's sex wherever Arabic marks it: marital status
  (أعزب/عزباء, متزوج/متزوجة, مطلق/مطلقة, أرمل/أرملة), the head of a family (رب الأسرة /
  ربة الأسرة) and the kiosk's "your father / your mother". The schemas carry sex next to
  every such value, so no word here is chosen without it.
- Western digits (0-9) everywhere, in Arabic too. Dates are ISO 8601 (2018-10-05) on every
  side: the same digits in the same order whatever the language, and never day/month
  confusion.
- A Latin or numeric value inside an Arabic sentence is wrapped in a first-strong isolate
  (U+2068 FSI … U+2069 PDI: `isolate`, `isolate_values`), so the bidi algorithm keeps its
  characters in their order ("B26-0000001-8" never shows as "8-B26-0000001"). The words and
  values here are plain text without the marks: whoever sets a line isolates it (the paper
  with `isolate_values`, the page with `<bdi>` or the same function).

Pure data and pure functions: no I/O, and no import of the schemas (`verifier.documents`
imports this module, so keys here are the schemas' integer codes and field names).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import NamedTuple

__all__ = [
    "COUNTER_PREFIX",
    "DOCUMENT_TITLES",
    "FIELD_LABELS",
    "FSI",
    "ISSUE_LABELS",
    "MEMBER_LABELS",
    "PDI",
    "PLACE_KINDS",
    "RELATIONS",
    "SEX",
    "SUBJECT_ROLES",
    "THERMAL_ADVICE",
    "Term",
    "document_title",
    "field_label",
    "format_amount",
    "format_date",
    "format_datetime",
    "isolate",
    "isolate_values",
    "marital_status",
    "place_code",
    "relation",
    "sex",
    "subject_role",
    "verify_note",
]


class Term(NamedTuple):
    """One word or phrase in both languages."""

    ar: str
    en: str

    def in_lang(self, lang: str) -> str:
        return self.ar if lang == "ar" else self.en


# ---------------------------------------------------------------------------------------------
# Codes as the schemas number them (verifier.documents: DocumentType, Sex, MaritalStatus,
# Relation). Repeated here as plain ints so this module imports nothing.

_MALE, _FEMALE = 1, 2

DOCUMENT_TITLES: Mapping[int, Term] = {
    1: Term("شهادة ميلاد", "Birth certificate"),
    2: Term("شهادة وفاة", "Death certificate"),
    3: Term("وثيقة زواج", "Marriage certificate"),
    4: Term("وثيقة طلاق", "Divorce certificate"),
    5: Term("بيان قيد فردي", "Individual civil-status extract"),
    6: Term("بيان قيد عائلي", "Family civil-status extract"),
    7: Term("شهادة عدم عمل", "Non-employment certificate"),
}


def document_title(type_code: int) -> Term:
    """A document type's name; a type this code does not know is named by its number."""
    found = DOCUMENT_TITLES.get(int(type_code))
    if found is not None:
        return found
    return Term(f"وثيقة من نوع {int(type_code)}", f"Document of type {int(type_code)}")


# Field labels as printed on the paper, by field name; a document type may word one its own way.
FIELD_LABELS: Mapping[str, Term] = {
    "name": Term("الاسم", "Name"),
    "national_id": Term("الرقم الوطني", "National number"),
    "sex": Term("الجنس", "Sex"),
    "date_of_birth": Term("تاريخ الولادة", "Date of birth"),
    "place_of_birth": Term("مكان الولادة", "Place of birth"),
    "date_of_death": Term("تاريخ الوفاة", "Date of death"),
    "place_of_death": Term("مكان الوفاة", "Place of death"),
    "father_name": Term("اسم الأب", "Father's name"),
    "mother_name": Term("اسم الأم", "Mother's name"),
    "father_national_id": Term("الرقم الوطني للأب", "Father's national number"),
    "mother_national_id": Term("الرقم الوطني للأم", "Mother's national number"),
    "husband_name": Term("اسم الزوج", "Husband's name"),
    "husband_national_id": Term("الرقم الوطني للزوج", "Husband's national number"),
    "wife_name": Term("اسم الزوجة", "Wife's name"),
    "wife_national_id": Term("الرقم الوطني للزوجة", "Wife's national number"),
    "date_of_marriage": Term("تاريخ الزواج", "Date of marriage"),
    "place_of_marriage": Term("مكان عقد الزواج", "Place of marriage"),
    "date_of_divorce": Term("تاريخ الطلاق", "Date of divorce"),
    "place_of_divorce": Term("مكان الطلاق", "Place of divorce"),
    "marital_status": Term("الحالة الاجتماعية", "Marital status"),
    "members": Term("أفراد الأسرة", "Family members"),
    "as_of": Term("تاريخ إثبات عدم العمل", "Non-employment established on"),
    "registration_office": Term("أمانة السجل المدني", "Civil registry office"),
    "record_number": Term("رقم القيد", "Record number"),
    "registration_date": Term("تاريخ التسجيل", "Registration date"),
}
_FIELD_LABELS_BY_TYPE: Mapping[tuple[int, str], Term] = {
    (2, "name"): Term("اسم المتوفى", "Name of the deceased"),
}


def field_label(type_code: int, name: str) -> Term:
    """The label of a document type's field; KeyError for a field no schema has."""
    return _FIELD_LABELS_BY_TYPE.get((int(type_code), name)) or FIELD_LABELS[name]


# The lines about the issue itself, above the signed fields (paper) or beside them (page).
ISSUE_LABELS: Mapping[str, Term] = {
    "serial": Term("الرقم التسلسلي", "Serial number"),
    "issued_at": Term("تاريخ ووقت الإصدار", "Issued on"),
    "issuer": Term("جهة الإصدار", "Issuer"),
    "centre": Term("مركز الإصدار", "Issuing centre"),
    "kiosk": Term("جهاز الخدمة الذاتية", "Self-service kiosk"),
    "counter": Term("شبّاك الإصدار", "Issuing counter"),  # a kiosk id COUNTER-<office>
}

COUNTER_PREFIX = "COUNTER-"  # what an office counter's documents carry as their kiosk id

# The family extract's per-member values that have labels of their own.
MEMBER_LABELS: Mapping[str, Term] = {
    "name": FIELD_LABELS["name"],
    "relation": Term("صلة القرابة", "Relation"),
    "national_id": FIELD_LABELS["national_id"],
    "sex": FIELD_LABELS["sex"],
    "date_of_birth": FIELD_LABELS["date_of_birth"],
    "marital_status": FIELD_LABELS["marital_status"],
}

SEX: Mapping[int, Term] = {_MALE: Term("ذكر", "Male"), _FEMALE: Term("أنثى", "Female")}


def sex(code: int) -> Term:
    return SEX[int(code)]


_MARITAL: Mapping[tuple[int, int], Term] = {
    (1, _MALE): Term("أعزب", "Single"),
    (1, _FEMALE): Term("عزباء", "Single"),
    (2, _MALE): Term("متزوج", "Married"),
    (2, _FEMALE): Term("متزوجة", "Married"),
    (3, _MALE): Term("مطلق", "Divorced"),
    (3, _FEMALE): Term("مطلقة", "Divorced"),
    (4, _MALE): Term("أرمل", "Widowed"),
    (4, _FEMALE): Term("أرملة", "Widowed"),
}


def marital_status(status: int, sex_code: int) -> Term:
    """Marital status in the form that agrees with the person's sex."""
    return _MARITAL[(int(status), int(sex_code))]


# A family member's place in the family, by (relation code, sex code). Wife, husband, son and
# daughter carry their sex in the word itself; the head of the family is رب or ربة الأسرة.
RELATIONS: Mapping[tuple[int, int], Term] = {
    (1, _MALE): Term("رب الأسرة", "Head of family"),
    (1, _FEMALE): Term("ربة الأسرة", "Head of family"),
    (2, _FEMALE): Term("زوجة", "Wife"),
    (3, _MALE): Term("زوج", "Husband"),
    (4, _MALE): Term("ابن", "Son"),
    (5, _FEMALE): Term("ابنة", "Daughter"),
}


def relation(code: int, sex_code: int | None = None) -> Term:
    """A family member's relation to the head, agreeing with sex where the word varies.

    Without sex (or with a sex the relation's word does not have), the relation's own form.
    """
    if sex_code is not None and (int(code), int(sex_code)) in RELATIONS:
        return RELATIONS[(int(code), int(sex_code))]
    return next(t for (c, _), t in RELATIONS.items() if c == int(code))


# Who a document is about, seen from the citizen at the kiosk ("the document's holder: NAME
# (you / your father)"), by the registry's relation of requester to subject and the subject's
# sex (None: not known, both forms).
SUBJECT_ROLES: Mapping[tuple[str, int | None], Term] = {
    ("self", None): Term("أنت", "you"),
    ("self", _MALE): Term("أنت", "you"),
    ("self", _FEMALE): Term("أنتِ", "you"),
    ("parent", _MALE): Term("والدك", "your father"),
    ("parent", _FEMALE): Term("والدتك", "your mother"),
    ("parent", None): Term("والدك أو والدتك", "your father or mother"),
    ("child", _MALE): Term("ابنك", "your son"),
    ("child", _FEMALE): Term("ابنتك", "your daughter"),
    ("child", None): Term("ابنك أو ابنتك", "your son or daughter"),
    ("spouse", _MALE): Term("زوجك", "your husband"),
    ("spouse", _FEMALE): Term("زوجتك", "your wife"),
    ("spouse", None): Term("زوجك أو زوجتك", "your husband or wife"),
    ("former_spouse", _MALE): Term("طليقك", "your former husband"),
    ("former_spouse", _FEMALE): Term("طليقتك", "your former wife"),
    ("former_spouse", None): Term("طليقك أو طليقتك", "your former husband or wife"),
    ("family", None): Term("أسرتك", "your family"),
}


def subject_role(role: str, sex_code: int | None = None) -> Term:
    """The subject of a document as seen by the requester, by its role and sex."""
    key = (role, None if sex_code is None else int(sex_code))
    if key in SUBJECT_ROLES:
        return SUBJECT_ROLES[key]
    return SUBJECT_ROLES[(role, None)]


# What kind of place a trust-list place code names (registry.places.PlaceKind and the kinds
# of the sample places). The code's thousands digit is its kind for four-digit codes.
PLACE_KINDS: Mapping[int, Term] = {
    1: Term("أمانة سجل مدني", "Civil registry office"),
    2: Term("مركز خدمة", "Service centre"),
    3: Term("مستشفى", "Hospital"),
    4: Term("محكمة", "Court"),
    5: Term("مدينة أو بلدة", "Town"),
}


def place_code(code: int) -> Term:
    """A place the trust list does not name (an out-of-date list): shown by its code."""
    return Term(f"مكان رمزه {code}", f"place code {code}")


# ---------------------------------------------------------------------------------------------
# Sentences printed on the paper.

THERMAL_ADVICE = Term(
    "ورقة حرارية: احفظها بعيدًا عن الحرارة والشمس",
    "Thermal paper: keep it away from heat and sunlight",
)


def verify_note(url: str) -> Term:
    """How to check the document, printed under its QR."""
    url = " ".join(url.split())  # no line breaks or tabs from configuration
    if not url:
        return Term(
            "للتحقق من صحة هذه الوثيقة امسح رمز QR", "To verify this document, scan the QR code"
        )
    return Term(
        f"للتحقق من صحة هذه الوثيقة امسح رمز QR أو افتح {url}",
        f"To verify this document, scan the QR code or open {url}",
    )


# ---------------------------------------------------------------------------------------------
# Numbers, dates and amounts.


def format_date(value: dt.date) -> str:
    """A calendar date as every side prints it: 2018-10-05."""
    return value.isoformat()


def format_datetime(moment: dt.datetime, tz: dt.tzinfo = dt.UTC) -> str:
    """An instant in a time zone, with its offset: "2026-11-02 12:41:07 UTC+03:00"."""
    local = moment.astimezone(tz)
    offset = local.utcoffset() or dt.timedelta(0)
    if not offset:
        return local.strftime("%Y-%m-%d %H:%M:%S UTC")
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return local.strftime("%Y-%m-%d %H:%M:%S") + f" UTC{sign}{hours:02d}:{mins:02d}"


def format_amount(
    amount: int, *, minor_units: int, currency: str, currency_name: Term, lang: str
) -> str:
    """An amount of money in minor units, with all of the currency's decimals.

    Arabic: "1.000 دينار" (the currency's Arabic name after the number); English:
    "JOD 1.000" (the ISO 4217 code before it). A point separates the decimals on both sides.
    """
    if not 0 <= minor_units <= 4:
        raise ValueError("minor units must be 0 to 4")
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(amount), 10**minor_units)
    number = f"{sign}{whole}" + (f".{part:0{minor_units}d}" if minor_units else "")
    if lang == "ar":
        return f"{number} {currency_name.ar}"
    return f"{currency} {number}"


# ---------------------------------------------------------------------------------------------
# Direction: keeping Latin and numeric values in order inside Arabic text.

FSI, PDI = "\u2068", "\u2069"
_ISOLATES = re.compile("[\u2066-\u2069]")
_ARABIC_LETTER = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
# A value: starts with a Latin letter or a digit (or a sign before a digit), ends with one (or
# "/" or "%"), and holds no space, no Arabic and no isolate mark. Values separated only by
# spaces ("JOD 1.000", "Al-Bashir Hospital") make one run, isolated whole, so their words
# keep their order too.
_TOKEN = (
    rf"(?:[+-](?=[0-9]))?[A-Za-z0-9\u00c0-\u024f]"
    rf"(?:[^\s{_ARABIC_LETTER}\u2066-\u2069]*[A-Za-z0-9\u00c0-\u024f/%])?"
)
_VALUE = re.compile(rf"{_TOKEN}(?:[ ]+{_TOKEN})*")
_HAS_ARABIC = re.compile(f"[{_ARABIC_LETTER}]")


def isolate(value: str) -> str:
    """One value wrapped in FSI … PDI, for putting inside a sentence of either direction."""
    return f"{FSI}{value}{PDI}"


def isolate_values(text: str) -> str:
    """Arabic text with every Latin or numeric run in it wrapped in FSI … PDI.

    In a right-to-left paragraph the bidi algorithm orders a mixed run by its parts: digits
    after Arabic become Arabic numbers (rule W2) and separators between them resolve to the
    paragraph's direction, so "2018-10-05" can show as 05-10-2018 and "B26-0000001-8" as
    8-B26-0000001. Isolated, each value is ordered on its own, exactly as it reads alone.
    Text without Arabic is returned as is; runs already isolated are left alone.
    """
    if not _HAS_ARABIC.search(text):
        return text
    out: list[str] = []
    depth = 0
    last = 0
    for m in re.finditer(rf"[\u2066-\u2069]|{_VALUE.pattern}", text):
        piece = m.group(0)
        if _ISOLATES.fullmatch(piece):
            depth = max(0, depth + (-1 if piece == PDI else 1))
            continue
        if depth:
            continue
        out += [text[last : m.start()], FSI, piece, PDI]
        last = m.end()
    out.append(text[last:])
    return "".join(out)
