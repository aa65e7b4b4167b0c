"""The words on the paper and in every display of a document: one vocabulary (verifier.words),
Arabic that agrees with the person's sex, and fees with all of the currency's minor units."""

from __future__ import annotations

import datetime as dt

import pytest
from layout_support import MASTHEAD, Authority, contains
from PIL import Image, ImageChops

from hardware.layout import TextRole, render_text, render_verdict
from verifier import words
from verifier.documents import (
    Bilingual,
    Document,
    DocumentType,
    FamilyMember,
    MaritalStatus,
    Place,
    Relation,
    Sex,
    schema_for,
)
from verifier.national_id import make
from verifier.presentation import display_fields, document_to_json, member_fields

WIFE = Bilingual("رنا عبد العزيز يوسف الكيلاني", "Rana Abdulaziz Yousef Al-Kilani")
DAUGHTER = Bilingual("ليلى محمد الشوابكة", "Layla Mohammad Al-Shawabkeh")


def _ink(image: Image.Image) -> Image.Image:
    grey = image.convert("L")
    box = ImageChops.invert(grey).getbbox()
    assert box is not None
    return grey.crop(box)


def _woman(status: MaritalStatus) -> Document:
    return Document(
        DocumentType.INDIVIDUAL_EXTRACT,
        {
            "name": WIFE,
            "national_id": make("298803214"),
            "sex": Sex.FEMALE,
            "date_of_birth": dt.date(1988, 4, 17),
            "place_of_birth": Place(3201),
            "marital_status": status,
            "father_name": Bilingual("عبد العزيز يوسف الكيلاني", "Abdulaziz Yousef Al-Kilani"),
            "mother_name": Bilingual("هالة سامي الحسيني", "Hala Sami Al-Husseini"),
            "registration_office": Place(1101),
            "record_number": "B1988/0000417",
            "registration_date": dt.date(1988, 4, 30),
        },
        "K-AMM-0417",
        Place(2101),
    )


def _family(head_sex: Sex) -> Document:
    head = FamilyMember(
        WIFE if head_sex is Sex.FEMALE else Bilingual("محمد الشوابكة", "Mohammad Al-Shawabkeh"),
        make("298803214"),
        Relation.HEAD,
        head_sex,
        dt.date(1988, 4, 17),
        MaritalStatus.WIDOWED,
    )
    daughter = FamilyMember(
        DAUGHTER, make("201809935"), Relation.DAUGHTER, Sex.FEMALE, dt.date(2018, 10, 5),
        MaritalStatus.SINGLE,
    )  # fmt: skip
    return Document(
        DocumentType.FAMILY_EXTRACT,
        {
            "members": (head, daughter),
            "registration_office": Place(1101),
            "record_number": "B2012/0003310",
            "registration_date": dt.date(2012, 6, 28),
        },
        "K-AMM-0417",
        Place(2101),
    )


@pytest.mark.parametrize(
    ("status", "man", "woman"),
    [
        (MaritalStatus.SINGLE, "أعزب", "عزباء"),
        (MaritalStatus.MARRIED, "متزوج", "متزوجة"),
        (MaritalStatus.DIVORCED, "مطلق", "مطلقة"),
        (MaritalStatus.WIDOWED, "أرمل", "أرملة"),
    ],
)
def test_marital_status_agrees_with_sex(status: MaritalStatus, man: str, woman: str) -> None:
    assert status.term(Sex.MALE).ar == man
    assert status.term(Sex.FEMALE).ar == woman
    shown = {f.name: f for f in display_fields(_woman(status))}
    assert shown["marital_status"].ar == woman
    assert shown["sex"].ar == "أنثى"


def test_a_married_womans_extract_prints_mutazawwija(authority: Authority) -> None:
    signed = authority.sign(_woman(MaritalStatus.MARRIED), "IN26-00000417")
    for width in (384, 576):
        receipt = render_verdict(
            signed.verdict, signed.qr_text, width_dots=width, masthead=MASTHEAD
        )
        feminine = _ink(render_text("متزوجة", width_dots=width, role=TextRole.VALUE))
        masculine = _ink(render_text("متزوج", width_dots=width, role=TextRole.VALUE))
        assert contains(receipt.image, feminine)
        assert not contains(receipt.image, masculine)


def test_family_members_are_worded_by_their_own_sex(authority: Authority) -> None:
    document = _family(Sex.FEMALE)
    members = document.fields["members"]
    head, daughter = ({f.name: f.ar for f in member_fields(m)} for m in members)
    assert (head["relation"], head["sex"], head["marital_status"]) == (
        "ربة الأسرة",
        "أنثى",
        "أرملة",
    )
    assert (daughter["relation"], daughter["marital_status"]) == ("ابنة", "عزباء")
    as_json = document_to_json(document)["fields"][0]["value"]
    assert as_json[1]["marital_status"] == {"code": 1, "ar": "عزباء", "en": "Single"}
    assert as_json[0]["relation"]["ar"] == "ربة الأسرة"

    signed = authority.sign(document, "FA26-00000417")
    receipt = render_verdict(signed.verdict, signed.qr_text, width_dots=576, masthead=MASTHEAD)
    line = _ink(render_text("ابنة، أنثى، عزباء", width_dots=576, role=TextRole.LABEL))
    assert contains(receipt.image, line)
    assert not contains(
        receipt.image, _ink(render_text("ابنة، أنثى، أعزب", width_dots=576, role=TextRole.LABEL))
    )


def test_a_male_head_of_family_is_rabb_al_usra() -> None:
    head = document_head = _family(Sex.MALE).fields["members"][0]
    assert {f.name: f.ar for f in member_fields(document_head)}["relation"] == "رب الأسرة"
    assert head.relation.term(Sex.MALE).en == head.relation.term(Sex.FEMALE).en == "Head of family"


def test_document_names_are_the_agreed_ones() -> None:
    assert {t.slug: schema_for(t).title_ar for t in DocumentType} == {
        "birth_certificate": "شهادة ميلاد",
        "death_certificate": "شهادة وفاة",
        "marriage_certificate": "وثيقة زواج",
        "divorce_certificate": "وثيقة طلاق",
        "individual_extract": "بيان قيد فردي",
        "family_extract": "بيان قيد عائلي",
        "non_employment": "شهادة عدم عمل",
    }
    assert schema_for(DocumentType.NON_EMPLOYMENT).title_en == "Non-employment certificate"
    as_of = schema_for(DocumentType.NON_EMPLOYMENT).by_name("as_of")
    assert (as_of.label_ar, as_of.label_en) == (
        "تاريخ إثبات عدم العمل",
        "Non-employment established on",
    )
    assert words.document_title(99) == ("وثيقة من نوع 99", "Document of type 99")


def test_every_schema_label_comes_from_the_words_module() -> None:
    for doc_type in DocumentType:
        for spec in schema_for(doc_type).fields:
            assert (spec.label_ar, spec.label_en) == words.field_label(doc_type, spec.name)


@pytest.mark.parametrize(
    ("amount", "units", "ar", "en"),
    [
        (1000, 3, "1.000 دينار", "JOD 1.000"),
        (500, 3, "0.500 دينار", "JOD 0.500"),
        (12345, 3, "12.345 دينار", "JOD 12.345"),
        (7, 0, "7 دينار", "JOD 7"),
        (5, 2, "0.05 دينار", "JOD 0.05"),
    ],
)
def test_fees_print_every_minor_unit(amount: int, units: int, ar: str, en: str) -> None:
    name = words.Term("دينار", "dinar")
    kw = {"minor_units": units, "currency": "JOD", "currency_name": name}
    assert words.format_amount(amount, lang="ar", **kw) == ar  # type: ignore[arg-type]
    assert words.format_amount(amount, lang="en", **kw) == en  # type: ignore[arg-type]


def test_dates_and_times_read_the_same_on_every_side() -> None:
    assert words.format_date(dt.date(2018, 10, 5)) == "2018-10-05"
    moment = dt.datetime(2026, 11, 2, 9, 41, 7, tzinfo=dt.UTC)
    assert words.format_datetime(moment) == "2026-11-02 09:41:07 UTC"
    amman = dt.timezone(dt.timedelta(hours=3))
    assert words.format_datetime(moment, amman) == "2026-11-02 12:41:07 UTC+03:00"


def test_the_paper_advises_keeping_thermal_paper_from_heat_and_sun(authority: Authority) -> None:
    assert "احفظها بعيدًا عن الحرارة والشمس" in words.THERMAL_ADVICE.ar
    signed = authority.sign(_woman(MaritalStatus.SINGLE), "IN26-00000418")
    receipt = render_verdict(signed.verdict, signed.qr_text, width_dots=576, masthead=MASTHEAD)
    advice = _ink(render_text(words.THERMAL_ADVICE.ar, width_dots=576, role=TextRole.NOTE))
    assert contains(receipt.image, advice)


def test_a_fee_is_printed_with_the_trust_lists_currency() -> None:
    from verifier.fixtures import IDENTITY
    from verifier.presentation import format_fee

    assert format_fee(1000, IDENTITY, "ar") == "1.000 دينار"
    assert format_fee(500, IDENTITY, "ar") == "0.500 دينار"
    assert format_fee(500, IDENTITY, "en") == "JOD 0.500"


def test_the_verdict_json_carries_the_papers_header_lines(authority: Authority) -> None:
    signed = authority.sign(_woman(MaritalStatus.MARRIED), "IN26-00000419")
    issue = signed.verdict.to_json()["document"]["issue"]
    assert [line["name"] for line in issue] == ["serial", "issued_at", "issuer", "centre", "kiosk"]
    assert issue[1]["label"] == {"ar": "تاريخ ووقت الإصدار", "en": "Issued on"}
    assert issue[1]["ar"] == issue[1]["en"] == "2026-11-02 09:41:07 UTC"
    assert issue[3]["ar"] == "مركز خدمة المواطن - وادي السير - عمان"
