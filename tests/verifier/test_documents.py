"""Document schemas: every type round-trips, and invalid fields are refused before signing."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn

from verifier import national_id
from verifier.documents import (
    SCHEMAS,
    Bilingual,
    Document,
    DocumentType,
    FamilyMember,
    MaritalStatus,
    Place,
    PlaceTable,
    Relation,
    Sex,
    decode_document,
    encode_document,
    resolve_places,
)
from verifier.errors import SchemaError
from verifier.presentation import display_fields


def test_every_document_type_has_a_schema_with_arabic_and_english_labels() -> None:
    assert {t for t, _ in SCHEMAS} == set(DocumentType)
    for schema in SCHEMAS.values():
        keys = [f.key for f in schema.fields]
        assert len(keys) == len(set(keys)), schema.type
        assert all(f.label_ar and f.label_en for f in schema.fields)


@pytest.mark.parametrize("doc_type", list(DocumentType), ids=lambda t: t.slug)
def test_samples_round_trip_through_the_wire_form(doc_type: DocumentType, samples: dict) -> None:
    doc = samples[doc_type]
    back = decode_document(encode_document(doc))
    assert back.type is doc_type
    assert back.fields == {
        k: (Place(v.code) if isinstance(v, Place) and v.code else v) for k, v in doc.fields.items()
    }
    assert display_fields(back)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_check_digit_agrees_with_python_stdnum(body: str) -> None:
    assert national_id.make(body) == body + luhn.calc_check_digit(body)
    assert national_id.is_valid(body + luhn.calc_check_digit(body))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_the_general_luhn_agrees_with_python_stdnum(digits: str) -> None:
    # registry serials use it: the one Luhn, so the registry needs no dev-only stdnum
    assert national_id.luhn_check_digit(digits) == luhn.calc_check_digit(digits)
    full = digits + luhn.calc_check_digit(digits)
    assert national_id.luhn_valid(full) is True
    assert national_id.luhn_valid(digits) is bool(len(digits) >= 2 and luhn.is_valid(digits))


@pytest.mark.parametrize("bad", ["", "12a4", "١٢٣", "1²3"])
def test_luhn_takes_ascii_digits_only(bad: str) -> None:
    assert not national_id.luhn_valid(bad)
    with pytest.raises(ValueError, match="ASCII"):
        national_id.luhn_check_digit(bad)


def test_national_id_check_digit() -> None:
    nid = national_id.make("198512345")
    assert national_id.is_valid(nid)
    wrong = nid[:-1] + str((int(nid[-1]) + 1) % 10)
    assert not national_id.is_valid(wrong)
    assert not national_id.is_valid(nid[:-1])
    assert national_id.normalise("١٩٨٥ ١٢٣-٤٥") == "198512345"


def test_a_national_id_with_a_wrong_check_digit_is_refused(samples: dict) -> None:
    doc = samples[DocumentType.BIRTH_CERTIFICATE]
    nid = doc.fields["national_id"]
    bad = dataclasses.replace(
        doc, fields={**doc.fields, "national_id": nid[:-1] + str((int(nid[-1]) + 1) % 10)}
    )
    with pytest.raises(SchemaError, match="national_id"):
        encode_document(bad)


def test_missing_required_field_and_stray_field_are_refused(samples: dict) -> None:
    doc = samples[DocumentType.DEATH_CERTIFICATE]
    fields = dict(doc.fields)
    del fields["date_of_death"]
    with pytest.raises(SchemaError, match="date_of_death"):
        encode_document(dataclasses.replace(doc, fields=fields))
    with pytest.raises(SchemaError, match="not in the"):
        encode_document(dataclasses.replace(doc, fields={**doc.fields, "eye_colour": "brown"}))


def test_family_extract_needs_exactly_one_head(samples: dict) -> None:
    doc = samples[DocumentType.FAMILY_EXTRACT]
    members = doc.fields["members"]
    no_head = tuple(
        dataclasses.replace(m, relation=Relation.SON) if m.relation is Relation.HEAD else m
        for m in members
    )
    with pytest.raises(SchemaError, match="head"):
        encode_document(dataclasses.replace(doc, fields={**doc.fields, "members": no_head}))


def test_text_limits_and_control_characters_are_refused() -> None:
    base = {
        "name": Bilingual("اسم"),
        "national_id": national_id.make("100000001"),
        "date_of_birth": dt.date(2000, 1, 1),
        "place_of_birth": Place(1),
        "father_name": Bilingual("أب"),
        "mother_name": Bilingual("أم"),
        "as_of": dt.date(2026, 1, 1),
        "registration_office": Place(2),
    }
    ok = Document(DocumentType.NON_EMPLOYMENT, base, "K-1", Place(3))
    assert decode_document(encode_document(ok)).fields["name"] == Bilingual("اسم")
    for bad in (Bilingual("x" * 161), Bilingual("a\nb"), Bilingual("")):
        with pytest.raises(SchemaError):
            encode_document(dataclasses.replace(ok, fields={**base, "name": bad}))


def test_unknown_type_and_newer_schema_version_decode_raw() -> None:
    raw = decode_document([99, 1, "K-1", 5, {1: "x", 2: 7}])
    assert not raw.known and raw.type == 99 and raw.fields == {"1": "x", "2": 7}
    newer = decode_document([1, 9, "K-1", 5, {40: "new field"}])
    assert not newer.known and newer.schema is None


def test_member_enum_labels_are_bilingual() -> None:
    m = FamilyMember(
        Bilingual("ليلى"),
        national_id.make("201809935"),
        Relation.DAUGHTER,
        Sex.FEMALE,
        dt.date(2018, 10, 5),
        MaritalStatus.SINGLE,
    )
    assert (m.relation.ar, m.relation.en) == ("ابنة", "Daughter")
    assert Sex.FEMALE.ar == "أنثى"


@pytest.mark.parametrize("doc_type", list(DocumentType), ids=lambda t: t.slug)
def test_decoding_with_the_place_table_is_resolve_places_in_one_pass(
    doc_type: DocumentType, samples: dict
) -> None:
    # verify names place codes while decoding (decode_document(raw, places)); it must give
    # exactly what decoding and then resolve_places gives, known types and unknown alike.
    from verifier.fixtures import PLACES

    wire = encode_document(samples[doc_type])
    partial = dict(list(PLACES.items())[::2])  # some codes named, some not
    for table in (PLACES, partial, {}):
        expected = resolve_places(decode_document(wire), table)
        assert decode_document(wire, table) == expected
        assert decode_document(wire, PlaceTable(table)) == expected  # verify's cached form
        assert dict(PlaceTable(table)) == table
    unknown = [99, 1, wire[2], wire[3], {1: 1101}]
    assert decode_document(unknown, PLACES) == resolve_places(decode_document(unknown), PLACES)
    assert decode_document(unknown, PLACES).centre == Place(code=wire[3])  # left as it was


@given(st.integers(min_value=0, max_value=10**9 - 1))
def test_national_id_from_body_agrees_with_make_and_python_stdnum(body: int) -> None:
    # from_body (the verifier's table-driven Luhn) against the digit-by-digit one and stdnum
    digits = f"{body:09d}"
    assert national_id.from_body(body) == national_id.make(digits)
    assert national_id.from_body(body) == digits + luhn.calc_check_digit(digits)


def test_national_id_from_body_edges() -> None:
    for body in (0, 7, 999, 1000, 999999, 1000000, 201511298, 999999999):
        assert national_id.from_body(body) == national_id.make(f"{body:09d}")
    for bad in (-1, 10**9, True):
        with pytest.raises(ValueError, match="national ID body"):
            national_id.from_body(bad)
