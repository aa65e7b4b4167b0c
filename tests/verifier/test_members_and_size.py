"""The compact family-member encoding, and every document type's QR size (ECC Q ≤ version 15)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from verifier import codec, cose
from verifier.documents import (
    Bilingual,
    DocumentType,
    FamilyMember,
    MaritalStatus,
    Relation,
    Sex,
    decode_document,
    encode_document,
)
from verifier.errors import SchemaError
from verifier.fixtures import ISSUER, sample_documents, sample_serial
from verifier.keys import SigningKey
from verifier.national_id import make
from verifier.payload import Claims, encode_claims
from verifier.qr import qr_version

NOW = dt.datetime(2026, 11, 2, 9, 41, tzinfo=dt.UTC)


def _family(members: tuple[FamilyMember, ...]):  # type: ignore[no-untyped-def]
    doc = sample_documents()[DocumentType.FAMILY_EXTRACT]
    return dataclasses.replace(doc, fields={**doc.fields, "members": members})


HEAD = FamilyMember(
    Bilingual("هالة سامي الحسيني"), make("100000001"), Relation.HEAD, Sex.FEMALE,
    dt.date(1970, 1, 2), MaritalStatus.WIDOWED,
)  # fmt: skip
SON = FamilyMember(
    Bilingual("سامي", "Sami"), make("100000002"), Relation.SON, Sex.MALE, dt.date(2001, 5, 6),
    MaritalStatus.SINGLE,
)  # fmt: skip


def test_members_round_trip_with_a_female_head_and_a_missing_latin_name() -> None:
    doc = _family((HEAD, SON))
    wire = encode_document(doc)
    names, records = wire[4][3]
    assert names == "هالة سامي الحسيني\nسامي\n\nSami"
    assert len(records) == 6 and all(0 <= code < 24 for code in records[1::3])
    assert decode_document(wire).fields["members"] == (HEAD, SON)


def test_a_relation_that_contradicts_the_sex_is_refused() -> None:
    with pytest.raises(SchemaError, match="son cannot be female"):
        encode_document(_family((HEAD, dataclasses.replace(SON, sex=Sex.FEMALE))))


def test_a_name_cannot_smuggle_the_line_separator() -> None:
    with pytest.raises(SchemaError):
        encode_document(_family((dataclasses.replace(HEAD, name=Bilingual("a\nb")), SON)))


@pytest.mark.parametrize(
    "members",
    [
        ["a\nb", [1, 0]],  # records not a multiple of three
        ["a\nb\nc", [1, 0, 1]],  # three lines for one member
        ["a\nb", [1, 24, 1]],  # no such member code
        ["\nb", [1, 0, 1]],  # empty Arabic name
        ["a\nb", [1, 8, 1]],  # one member, no head (code 8 = wife, married)
        [["a", "b"], [1, 0, 1]],  # names not one text
        ["a\nb", [10**9, 0, 1]],  # national id body over nine digits
    ],
)
def test_malformed_member_encodings_are_schema_errors(members: list[object]) -> None:
    wire = encode_document(_family((HEAD,)))
    wire[4][3] = members
    with pytest.raises(SchemaError):
        decode_document(wire)


@pytest.mark.parametrize("doc_type", list(DocumentType), ids=lambda t: t.slug)
def test_every_type_fits_qr_version_15_at_ecc_q(doc_type: DocumentType) -> None:
    key = SigningKey.from_seed(bytes(32))
    document = sample_documents()[doc_type]
    payload = encode_claims(Claims(ISSUER, NOW, sample_serial(doc_type), document))
    text = codec.encode_text(cose.sign1(payload, key))
    assert qr_version(text, "Q") <= 15
