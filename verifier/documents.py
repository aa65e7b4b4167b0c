"""Document types and their versioned schemas: what each civil document signs, field by field.

A schema is data: an ordered tuple of `FieldSpec`, each with a small integer key (what goes on
the wire), a name (what code uses), a kind (how the value is encoded) and labels in Arabic and
English (what the paper and the verifier page print, taken from `verifier.words`). Encoding
and decoding a document's fields to and from CBOR-ready values lives here too, as pure
functions.

What this module does not do: sign, compress or print. Unknown document types and schema
versions newer than this code are not an error here; `decode_document` returns them raw,
marked `known=False`, so a newer issuer's documents still verify.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias

from verifier import national_id, words
from verifier.errors import SchemaError

__all__ = [
    "SCHEMAS",
    "Bilingual",
    "Document",
    "DocumentType",
    "FamilyMember",
    "FieldKind",
    "FieldSpec",
    "MaritalStatus",
    "Place",
    "PlaceTable",
    "Relation",
    "Schema",
    "Sex",
    "decode_document",
    "encode_document",
    "resolve_places",
    "schema_for",
    "text_fault",
]

_EPOCH = dt.date(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_MIN_DAY, _MAX_DAY = -719162, 2932896  # 0001-01-01 and 9999-12-31 as days since 1970
MAX_TEXT = 160  # characters of one text value: a four-part name with a long family name fits
MAX_MEMBERS = 40


class DocumentType(enum.IntEnum):
    BIRTH_CERTIFICATE = 1
    DEATH_CERTIFICATE = 2
    MARRIAGE_CERTIFICATE = 3
    DIVORCE_CERTIFICATE = 4
    INDIVIDUAL_EXTRACT = 5
    FAMILY_EXTRACT = 6
    NON_EMPLOYMENT = 7

    @property
    def slug(self) -> str:
        return self.name.lower()

    @classmethod
    def from_slug(cls, slug: str) -> DocumentType:
        try:
            return cls[slug.upper().replace("-", "_")]
        except KeyError:
            raise ValueError(f"unknown document type {slug!r}") from None


class Sex(enum.IntEnum):
    MALE = 1
    FEMALE = 2

    def term(self) -> words.Term:
        return words.sex(self)

    @property
    def ar(self) -> str:
        return self.term().ar

    @property
    def en(self) -> str:
        return self.term().en


class MaritalStatus(enum.IntEnum):
    """No word of its own: Arabic says it by sex (`term(sex)`: متزوج or متزوجة)."""

    SINGLE = 1
    MARRIED = 2
    DIVORCED = 3
    WIDOWED = 4

    def term(self, sex: Sex) -> words.Term:
        return words.marital_status(self, sex)


class Relation(enum.IntEnum):
    HEAD = 1
    WIFE = 2
    HUSBAND = 3
    SON = 4
    DAUGHTER = 5

    def term(self, sex: Sex | None = None) -> words.Term:
        """The word for this relation; the head of a family by sex (رب or ربة الأسرة)."""
        return words.relation(self, sex)

    @property
    def ar(self) -> str:
        return self.term().ar

    @property
    def en(self) -> str:
        return self.term().en


class FieldKind(enum.Enum):
    TEXT = "text"  # a short string, printed as is
    BILINGUAL = "bilingual"  # Arabic with an optional Latin form: people's names
    PLACE = "place"  # a place or office: a code from the trust list's table, or a literal name
    DATE = "date"  # a calendar date
    NATIONAL_ID = "national_id"  # ten digits with a Luhn check digit
    SEX = "sex"
    MARITAL_STATUS = "marital_status"
    MEMBERS = "members"  # the family extract's list of family members


@dataclass(frozen=True)
class Bilingual:
    """An Arabic text with its Latin form where the registry has one."""

    ar: str
    latin: str | None = None


@dataclass(frozen=True)
class Place:
    """A place or office: a code the trust list names, or a literal name (or both, once resolved).

    On the wire a code is one small integer instead of two long strings; the root-signed trust
    list maps codes to names, so verifiers print the same name the paper does. Codes are never
    reused for another place.
    """

    code: int | None = None
    name: Bilingual | None = None

    def __post_init__(self) -> None:
        if self.code is None and self.name is None:
            raise ValueError("a Place needs a code or a name")


@dataclass(frozen=True)
class FamilyMember:
    name: Bilingual
    national_id: str
    relation: Relation
    sex: Sex
    date_of_birth: dt.date
    marital_status: MaritalStatus


FieldValue: TypeAlias = (
    str | Bilingual | Place | dt.date | Sex | MaritalStatus | tuple[FamilyMember, ...]
)


@dataclass(frozen=True)
class FieldSpec:
    key: int
    name: str
    kind: FieldKind
    label_ar: str  # from verifier.words, by document type and field name
    label_en: str
    required: bool = True


@dataclass(frozen=True)
class Schema:
    type: DocumentType
    version: int
    fields: tuple[FieldSpec, ...]

    @property
    def title_ar(self) -> str:
        return words.document_title(self.type).ar

    @property
    def title_en(self) -> str:
        return words.document_title(self.type).en

    @functools.cached_property
    def keys(self) -> frozenset[int]:
        return frozenset(s.key for s in self.fields)

    @functools.cached_property
    def decoders(self) -> tuple[tuple[int, str, bool, FieldKind, Callable[..., Any]], ...]:
        """(key, name, required, kind, decoder) per field, in schema order."""
        return tuple((s.key, s.name, s.required, s.kind, _DECODERS[s.kind]) for s in self.fields)

    @functools.cached_property
    def place_fields(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.fields if s.kind is FieldKind.PLACE)

    def by_name(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


@dataclass(frozen=True)
class Document:
    """A civil document: its type, where it was issued, and its fields.

    For a known type and schema, `fields` maps field names to typed values, in schema order.
    For an unknown one (`known=False`), `type` is the bare integer and `fields` maps the wire's
    integer keys (as strings) to the raw CBOR values.
    """

    type: DocumentType | int
    fields: Mapping[str, Any]
    kiosk: str
    centre: Place | Bilingual
    schema_version: int = 1
    known: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def schema(self) -> Schema | None:
        if not self.known or not isinstance(self.type, DocumentType):
            return None
        return SCHEMAS.get((self.type, self.schema_version))


def _f(key: int, name: str, kind: FieldKind, *, required: bool = True) -> FieldSpec:
    return FieldSpec(key, name, kind, "", "", required)  # labelled by `_schema`


def _schema(doc_type: DocumentType, version: int, fields: tuple[FieldSpec, ...]) -> Schema:
    """A schema whose field labels are the words verifier.words gives this type's fields."""
    labelled = []
    for spec in fields:
        label = words.field_label(doc_type, spec.name)
        labelled.append(replace(spec, label_ar=label.ar, label_en=label.en))
    return Schema(doc_type, version, tuple(labelled))


K = FieldKind
_OFFICE = (
    _f(20, "registration_office", K.PLACE),
    _f(21, "record_number", K.TEXT),
    _f(22, "registration_date", K.DATE),
)
_PARENTS = (
    _f(10, "father_name", K.BILINGUAL),
    _f(11, "mother_name", K.BILINGUAL),
)

_SPOUSES = (
    _f(1, "husband_name", K.BILINGUAL),
    _f(2, "husband_national_id", K.NATIONAL_ID),
    _f(3, "wife_name", K.BILINGUAL),
    _f(4, "wife_national_id", K.NATIONAL_ID),
)

SCHEMAS: dict[tuple[DocumentType, int], Schema] = {
    (s.type, s.version): s
    for s in (
        _schema(
            DocumentType.BIRTH_CERTIFICATE,
            1,
            (
                _f(1, "name", K.BILINGUAL),
                _f(2, "national_id", K.NATIONAL_ID),
                _f(3, "sex", K.SEX),
                _f(4, "date_of_birth", K.DATE),
                _f(5, "place_of_birth", K.PLACE),
                *_PARENTS,
                _f(12, "father_national_id", K.NATIONAL_ID, required=False),
                _f(13, "mother_national_id", K.NATIONAL_ID, required=False),
                *_OFFICE,
            ),
        ),
        _schema(
            DocumentType.DEATH_CERTIFICATE,
            1,
            (
                _f(1, "name", K.BILINGUAL),
                _f(2, "national_id", K.NATIONAL_ID),
                _f(3, "sex", K.SEX),
                _f(4, "date_of_birth", K.DATE),
                _f(5, "place_of_birth", K.PLACE),
                _f(6, "date_of_death", K.DATE),
                _f(7, "place_of_death", K.PLACE),
                *_PARENTS,
                *_OFFICE,
            ),
        ),
        _schema(
            DocumentType.MARRIAGE_CERTIFICATE,
            1,
            (
                *_SPOUSES,
                _f(5, "date_of_marriage", K.DATE),
                _f(6, "place_of_marriage", K.PLACE),
                *_OFFICE,
            ),
        ),
        _schema(
            DocumentType.DIVORCE_CERTIFICATE,
            1,
            (
                *_SPOUSES,
                _f(5, "date_of_marriage", K.DATE),
                _f(6, "date_of_divorce", K.DATE),
                _f(7, "place_of_divorce", K.PLACE),
                *_OFFICE,
            ),
        ),
        _schema(
            DocumentType.INDIVIDUAL_EXTRACT,
            1,
            (
                _f(1, "name", K.BILINGUAL),
                _f(2, "national_id", K.NATIONAL_ID),
                _f(3, "sex", K.SEX),
                _f(4, "date_of_birth", K.DATE),
                _f(5, "place_of_birth", K.PLACE),
                _f(6, "marital_status", K.MARITAL_STATUS),
                *_PARENTS,
                *_OFFICE,
            ),
        ),
        _schema(
            DocumentType.FAMILY_EXTRACT,
            1,
            (
                # The head of the family is the member whose relation is HEAD (exactly one).
                _f(3, "members", K.MEMBERS),
                *_OFFICE,
            ),
        ),
        _schema(
            DocumentType.NON_EMPLOYMENT,
            1,
            (
                _f(1, "name", K.BILINGUAL),
                _f(2, "national_id", K.NATIONAL_ID),
                _f(4, "date_of_birth", K.DATE),
                _f(5, "place_of_birth", K.PLACE),
                *_PARENTS,
                _f(6, "as_of", K.DATE),
                _f(20, "registration_office", K.PLACE),
            ),
        ),
    )
}

LATEST_VERSION: dict[DocumentType, int] = {}
for _t, _v in SCHEMAS:
    LATEST_VERSION[_t] = max(_v, LATEST_VERSION.get(_t, 0))


def schema_for(doc_type: DocumentType, version: int | None = None) -> Schema:
    """The schema of a document type: the given version, or the newest this code knows."""
    return SCHEMAS[(doc_type, LATEST_VERSION[doc_type] if version is None else version)]


# ---------------------------------------------------------------------------------------------
# Encoding: typed values -> CBOR-ready values (ints, strings, lists), and back.


_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_JOINERS = "\u200c\u200d"  # ZWNJ, ZWJ: Arabic (and Persian) spelling needs them between letters
_ARABIC_BLOCKS = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)


def _arabic_letter(ch: str) -> bool:
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in _ARABIC_BLOCKS) and unicodedata.category(ch)[0] in "LM"


def text_fault(value: str) -> str | None:
    """Why a signed text is refused, or None: no character of Unicode category Cc (controls,
    C1 included), Cf (format: bidi overrides, zero-width characters), Zl, Zp or Cs (lone
    surrogates), except ZWNJ and ZWJ between two Arabic letters."""
    if value.isprintable():  # the fast path: isprintable is False for every refused category
        return None
    for i, ch in enumerate(value):
        if unicodedata.category(ch) not in _REFUSED_CATEGORIES:
            continue
        if (
            ch in _JOINERS
            and 0 < i < len(value) - 1
            and _arabic_letter(value[i - 1])
            and _arabic_letter(value[i + 1])
        ):
            continue
        return f"character U+{ord(ch):04X} (category {unicodedata.category(ch)}) is not allowed"
    return None


def _check_text(value: object, what: str) -> str:
    # The common case first, in one expression: a short printable text (isprintable is False
    # for every refused category, so what passes here text_fault would pass too).
    if type(value) is str and 0 < len(value) <= MAX_TEXT and value.isprintable():
        return value
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise SchemaError(f"{what}: expected a text of 1 to {MAX_TEXT} characters")
    fault = text_fault(value)
    if fault is not None:
        raise SchemaError(f"{what}: {fault}")
    return value


def _enc_bilingual(value: Bilingual, what: str) -> list[str]:
    _check_text(value.ar, what)
    if value.latin is None:
        return [value.ar]
    return [value.ar, _check_text(value.latin, what)]


def _dec_bilingual(raw: object, what: str) -> Bilingual:
    if not isinstance(raw, list) or len(raw) not in (1, 2):
        raise SchemaError(f"{what}: expected [arabic] or [arabic, latin]")
    ar = raw[0]
    if not (type(ar) is str and 0 < len(ar) <= MAX_TEXT and ar.isprintable()):
        ar = _check_text(ar, what)
    if len(raw) == 1:
        return Bilingual(ar)
    latin = raw[1]
    if not (type(latin) is str and 0 < len(latin) <= MAX_TEXT and latin.isprintable()):
        latin = _check_text(latin, what)
    return Bilingual(ar, latin)


MAX_PLACE_CODE = 2**32 - 1


def _enc_place(value: object, what: str) -> int | list[str]:
    if isinstance(value, Bilingual):
        return _enc_bilingual(value, what)
    if not isinstance(value, Place):
        raise SchemaError(f"{what}: expected a Place or a Bilingual name")
    if value.code is not None:
        if not 0 < value.code <= MAX_PLACE_CODE:
            raise SchemaError(f"{what}: place code out of range")
        return value.code
    assert value.name is not None
    return _enc_bilingual(value.name, what)


_NO_NAMES: Mapping[int, Bilingual] = {}


class PlaceTable(Mapping[int, Bilingual]):
    """A place table (code -> name) that also holds each code's named `Place`, made once.

    Decoding with one hands out that frozen Place instead of building a new one per field
    per document (verification decodes with the trust list's, `TrustList.place_table`)."""

    def __init__(self, names: Mapping[int, Bilingual]):
        self._names = dict(names)
        self.places = {code: Place(code, name) for code, name in self._names.items()}

    def __getitem__(self, code: int) -> Bilingual:
        return self._names[code]

    def __iter__(self) -> Iterator[int]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _coded_place(code: int, names: Mapping[int, Bilingual]) -> Place:
    if type(names) is PlaceTable:
        found = names.places.get(code)
        if found is not None:
            return found
    return Place(code, names.get(code))


def _dec_place(raw: object, what: str, names: Mapping[int, Bilingual] = _NO_NAMES) -> Place:
    # names: the trust list's place table; a code it names comes back with its name, as
    # `resolve_places` would give it.
    if isinstance(raw, int) and not isinstance(raw, bool):
        if not 0 < raw <= MAX_PLACE_CODE:
            raise SchemaError(f"{what}: place code out of range")
        return _coded_place(raw, names)
    return Place(name=_dec_bilingual(raw, what))


def _enc_date(value: dt.date, what: str) -> int:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise SchemaError(f"{what}: expected a date")
    return (value - _EPOCH).days


def _dec_date(raw: object, what: str) -> dt.date:
    # Days since 1970-01-01 (RFC 8943's epoch, without the tag: the schema says it is a date).
    if not isinstance(raw, int) or isinstance(raw, bool) or not _MIN_DAY <= raw <= _MAX_DAY:
        raise SchemaError(f"{what}: expected a day number")
    return dt.date.fromordinal(_EPOCH_ORDINAL + raw)


def _enc_nid(value: str, what: str) -> int:
    # Sent as the integer of its first nine digits (five bytes of CBOR, not eleven): the check
    # digit is derived, so the verifier recomputes it and prints all ten digits.
    if not isinstance(value, str) or not national_id.is_valid(value):
        raise SchemaError(f"{what}: not a valid national number")
    return int(value[:-1])


def _dec_nid(raw: object, what: str) -> str:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw < 10**9:
        raise SchemaError(f"{what}: expected the nine-digit body of a national number")
    return national_id.from_body(raw)


def _dec_enum(raw: object, cls: type[enum.IntEnum], what: str) -> Any:
    if type(raw) is not int:
        raise SchemaError(f"{what}: expected a code")
    found = cls._value2member_map_.get(raw)
    if found is None:
        raise SchemaError(f"{what}: unknown code {raw}")
    return found


def _enc_enum(value: object, cls: type[enum.IntEnum], what: str) -> int:
    if not isinstance(value, cls):
        raise SchemaError(f"{what}: expected a {cls.__name__}")
    return int(value)


# Members travel compactly (what keeps a four-member family extract within QR version 15 at
# ECC Q): [names, records]. names is one text: every member's Arabic name, then every member's
# Latin name ("" for none), joined by LF; no name can hold an LF (§ text rules), so it splits
# unambiguously. records holds three integers per member: the national id body, a code
# (`_MEMBER_KINDS` index * 4 + marital status - 1, below 24 so one CBOR byte) and the date of
# birth. The relation implies the sex except for the head, whose two kinds carry it.
_MEMBER_KINDS: tuple[tuple[Relation, Sex], ...] = (
    (Relation.HEAD, Sex.MALE),
    (Relation.HEAD, Sex.FEMALE),
    (Relation.WIFE, Sex.FEMALE),
    (Relation.HUSBAND, Sex.MALE),
    (Relation.SON, Sex.MALE),
    (Relation.DAUGHTER, Sex.FEMALE),
)
_SEPARATOR = "\n"


def _enc_members(value: object, what: str) -> list[Any]:
    if not isinstance(value, tuple | list) or not 1 <= len(value) <= MAX_MEMBERS:
        raise SchemaError(f"{what}: expected 1 to {MAX_MEMBERS} family members")
    arabic: list[str] = []
    latin: list[str] = []
    records: list[int] = []
    for i, m in enumerate(value):
        w = f"{what}[{i}]"
        if not isinstance(m, FamilyMember):
            raise SchemaError(f"{w}: expected a FamilyMember")
        name = m.name
        if not isinstance(name, Bilingual):
            raise SchemaError(f"{w}: expected a Bilingual name")
        arabic.append(_check_text(name.ar, w))
        latin.append("" if name.latin is None else _check_text(name.latin, w))
        relation = _enc_enum(m.relation, Relation, w)
        sex = _enc_enum(m.sex, Sex, w)
        marital = _enc_enum(m.marital_status, MaritalStatus, w)
        try:
            kind = _MEMBER_KINDS.index((Relation(relation), Sex(sex)))
        except ValueError:
            raise SchemaError(
                f"{w}: a {m.relation.name.lower()} cannot be {m.sex.name.lower()}"
            ) from None
        records += [
            _enc_nid(m.national_id, w),
            kind * 4 + marital - 1,
            _enc_date(m.date_of_birth, w),
        ]
    _check_one_head(list(value), what)
    return [_SEPARATOR.join(arabic + latin), records]


def _dec_members(raw: object, what: str) -> tuple[FamilyMember, ...]:
    if not (isinstance(raw, list) and len(raw) == 2 and isinstance(raw[0], str)):
        raise SchemaError(f"{what}: expected [names, records]")
    names, records = raw
    if (
        not isinstance(records, list)
        or len(records) % 3
        or not 1 <= len(records) // 3 <= MAX_MEMBERS
    ):
        raise SchemaError(f"{what}: expected three values for each of 1 to {MAX_MEMBERS} members")
    n = len(records) // 3
    if len(names) > 2 * n * (MAX_TEXT + 1):
        raise SchemaError(f"{what}: the names are too long")
    lines = names.split(_SEPARATOR)
    if len(lines) != 2 * n:
        raise SchemaError(f"{what}: expected an Arabic and a Latin name line for each member")
    out = []
    for i in range(n):
        w = f"{what}[{i}]"
        nid, code, dob = records[3 * i : 3 * i + 3]
        if type(code) is not int or not 0 <= code < 4 * len(_MEMBER_KINDS):
            raise SchemaError(f"{w}: unknown member code")
        relation, sex = _MEMBER_KINDS[code // 4]
        out.append(
            FamilyMember(
                name=Bilingual(
                    _check_text(lines[i], w), _check_text(lines[n + i], w) if lines[n + i] else None
                ),
                national_id=_dec_nid(nid, w),
                relation=relation,
                sex=sex,
                date_of_birth=_dec_date(dob, w),
                marital_status=MaritalStatus(code % 4 + 1),
            )
        )
    _check_one_head(out, what)
    return tuple(out)


def _check_one_head(members: list[FamilyMember], what: str) -> None:
    if sum(1 for m in members if m.relation is Relation.HEAD) != 1:
        raise SchemaError(f"{what}: exactly one member must be the head of the family")


def _encode_value(spec: FieldSpec, value: object) -> Any:
    what = spec.name
    match spec.kind:
        case FieldKind.TEXT:
            return _check_text(value, what)
        case FieldKind.BILINGUAL:
            if not isinstance(value, Bilingual):
                raise SchemaError(f"{what}: expected a Bilingual")
            return _enc_bilingual(value, what)
        case FieldKind.PLACE:
            return _enc_place(value, what)
        case FieldKind.DATE:
            return _enc_date(value, what)  # type: ignore[arg-type]
        case FieldKind.NATIONAL_ID:
            return _enc_nid(value, what)  # type: ignore[arg-type]
        case FieldKind.SEX:
            return _enc_enum(value, Sex, what)
        case FieldKind.MARITAL_STATUS:
            return _enc_enum(value, MaritalStatus, what)
        case FieldKind.MEMBERS:
            return _enc_members(value, what)
    raise AssertionError(spec.kind)  # pragma: no cover


def _dec_sex(raw: object, what: str) -> Sex:
    return _dec_enum(raw, Sex, what)  # type: ignore[no-any-return]


def _dec_marital(raw: object, what: str) -> MaritalStatus:
    return _dec_enum(raw, MaritalStatus, what)  # type: ignore[no-any-return]


# One decoder per kind, looked up rather than matched: decoding sits on the verification path.
_DECODERS: dict[FieldKind, Callable[[object, str], FieldValue]] = {
    FieldKind.TEXT: _check_text,
    FieldKind.BILINGUAL: _dec_bilingual,
    FieldKind.PLACE: _dec_place,
    FieldKind.DATE: _dec_date,
    FieldKind.NATIONAL_ID: _dec_nid,
    FieldKind.SEX: _dec_sex,
    FieldKind.MARITAL_STATUS: _dec_marital,
    FieldKind.MEMBERS: _dec_members,
}


def _decode_value(spec: FieldSpec, raw: object) -> FieldValue:
    return _DECODERS[spec.kind](raw, spec.name)


_ABSENT = object()
_SCHEMA_BY_CODE: dict[tuple[int, int], Schema] = {
    (int(t), v): schema for (t, v), schema in SCHEMAS.items()
}

# The document claim on the wire: [type, schema version, kiosk id, issuing centre, {key: value}]


def encode_document(doc: Document) -> list[Any]:
    """The document claim as CBOR-ready values; raises SchemaError on any invalid field."""
    schema = doc.schema
    if schema is None:
        raise SchemaError("only documents of a known type and schema version can be signed")
    unknown = set(doc.fields) - {s.name for s in schema.fields}
    if unknown:
        raise SchemaError(f"fields not in the {schema.type.slug} schema: {sorted(unknown)}")
    fields: dict[int, Any] = {}
    for spec in schema.fields:
        if spec.name in doc.fields and doc.fields[spec.name] is not None:
            fields[spec.key] = _encode_value(spec, doc.fields[spec.name])
        elif spec.required:
            raise SchemaError(f"{spec.name}: required")
    kiosk = _check_text(doc.kiosk, "kiosk")
    return [int(schema.type), schema.version, kiosk, _enc_place(doc.centre, "centre"), fields]


def decode_document(raw: object, places: Mapping[int, Bilingual] | None = None) -> Document:
    """The document claim back to a `Document`; raises SchemaError if it does not fit.

    An unknown type, or a schema version newer than this code knows, is returned raw with
    `known=False`: the signature covers it, only this code cannot name its fields.
    places: a place table (the trust list's); given, the result is what `resolve_places`
    would make of it, in one pass.
    """
    if not isinstance(raw, list) or len(raw) != 5:
        raise SchemaError("document claim: expected [type, version, kiosk, centre, fields]")
    type_code, version, kiosk, centre, fields = raw
    if type(type_code) is not int or not 0 < type_code < 2**16:
        raise SchemaError("document claim: bad type")
    if type(version) is not int or not 0 < version < 2**16:
        raise SchemaError("document claim: bad version")
    kiosk = _check_text(kiosk, "kiosk")
    names = _NO_NAMES if places is None else places
    schema = _SCHEMA_BY_CODE.get((type_code, version))
    # Only a known document's places are named (an unknown one is shown as it came).
    centre_value = _dec_place(centre, "centre", _NO_NAMES if schema is None else names)
    if not isinstance(fields, dict):
        raise SchemaError("document claim: fields must be a map with integer keys")
    if schema is None:
        if not all(type(k) is int for k in fields):
            raise SchemaError("document claim: fields must be a map with integer keys")
        _check_raw_texts(fields)
        return Document(
            type=type_code,
            fields={str(k): v for k, v in sorted(fields.items())},
            kiosk=kiosk,
            centre=centre_value,
            schema_version=version,
            known=False,
        )
    doc_type = schema.type
    stray = fields.keys() - schema.keys  # text keys (the only other kind cbor_guard lets by)
    if stray:
        raise SchemaError(f"{doc_type.slug}: unknown field keys {sorted(stray, key=str)}")
    if not _INT_ONLY.issuperset(map(type, fields)):  # true or 1.0 as a key equals 1
        raise SchemaError("document claim: fields must be a map with integer keys")
    values: dict[str, FieldValue] = {}
    get = fields.get
    for key, name, required, kind, decode in schema.decoders:
        value = get(key, _ABSENT)
        if value is _ABSENT:
            if required:
                raise SchemaError(f"{name}: required field missing")
            continue
        # Inline, for the integers most fields are, exactly what their decoder returns when
        # the value is in range; anything else goes to the decoder (which says what is wrong).
        if type(value) is int:
            if kind is FieldKind.NATIONAL_ID and 0 <= value < _NID_BODIES:
                values[name] = national_id.from_body(value)
                continue
            if kind is FieldKind.DATE and _MIN_DAY <= value <= _MAX_DAY:
                values[name] = _date_from_ordinal(_EPOCH_ORDINAL + value)
                continue
            if kind is FieldKind.PLACE and 0 < value <= MAX_PLACE_CODE:
                values[name] = _coded_place(value, names)
                continue
        values[name] = (
            decode(value, name, names) if kind is FieldKind.PLACE else decode(value, name)
        )
    return Document(doc_type, values, kiosk, centre_value, version)


_NID_BODIES = 10**9
_INT_ONLY = frozenset({int})
_date_from_ordinal = dt.date.fromordinal


def _check_raw_texts(value: object) -> None:
    # Fields this code cannot name are shown raw: their texts follow the same character rules.
    # (cbor_guard has already refused floats and simple values; depth is bounded by it too.)
    stack = [value]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            fault = text_fault(x)
            if fault is not None:
                raise SchemaError(f"a field of the unknown document: {fault}")
        elif isinstance(x, list | tuple):
            stack.extend(x)
        elif isinstance(x, Mapping):
            stack.extend(x)
            stack.extend(x.values())


def resolve_places(doc: Document, names: Mapping[int, Bilingual]) -> Document:
    """The document with every place code named from the trust list's table (where it has one)."""

    def named(value: object) -> object:
        if isinstance(value, Place) and value.code is not None and value.name is None:
            found = names.get(value.code)
            return Place(value.code, found) if found is not None else value
        return value

    schema = doc.schema
    if schema is None:
        return doc
    fields = dict(doc.fields)
    for name in schema.place_fields:
        if name in fields:
            fields[name] = named(fields[name])
    centre = named(doc.centre)
    assert isinstance(centre, Place | Bilingual)
    return Document(doc.type, fields, doc.kiosk, centre, doc.schema_version, doc.known, doc.extra)
