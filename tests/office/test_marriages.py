"""The marriage event kind on a real register (SQLite and PostgreSQL): every family-law and
register finding, the registration's row, record number and version 1, the form."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pydantic
import pytest
from sqlalchemy import func, select

from registry import issuance
from registry.civil import persons
from registry.civil.marriages import HANDLER, WORDS, MarriageDeclared
from registry.config import Settings
from registry.db_records import Records
from registry.models import Death, Divorce, Marriage, RecordVersion
from registry.office.errors import Refused, Severity
from registry.office.vital_checks import refusing
from registry.office_web.declarations_text import TEXT
from registry.record_history import versions
from tests.office.unions_support import LAW, NOW, TODAY, World, codes, rendered_form, world_for
from verifier import national_id
from verifier.documents import DocumentType, MaritalStatus

INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def shared(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> Iterator[World]:
    """A register the read-only tests share (findings write nothing)."""
    with world_for(request, tmp_path_factory.mktemp("unions"), throwaway_postgres) as w:
        yield w


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    throwaway_postgres: Callable[[str], AbstractContextManager[str]],
) -> Iterator[World]:
    """A register of its own, for a test that registers."""
    with world_for(request, tmp_path, throwaway_postgres) as w:
        yield w


def facts(w: World, husband: str, wife: str, **kw: Any) -> MarriageDeclared:
    body = {
        "husband_national_id": w.nid[husband],
        "wife_national_id": w.nid[wife],
        "date": "2026-05-01",
        "place": "المحكمة الشرعية - عمان",
        "contract_number": "123/2026",
        **kw,
    }
    return MarriageDeclared.model_validate(body)


def findings(w: World, f: MarriageDeclared, declaration_id: int | None = None) -> list[str]:
    with w.session() as s:
        found = HANDLER.findings(s, LAW, f, today=TODAY, declaration_id=declaration_id)
    assert all(x.severity is Severity.REFUSE for x in found)
    assert all(x.ar and x.en for x in found)
    return codes(found)


# ---------------------------------------------------------------------------------------------
# findings


def test_two_unrelated_adults_may_marry(shared: World) -> None:
    assert findings(shared, facts(shared, "son", "stranger")) == []


def test_first_cousins_may_marry(shared: World) -> None:
    assert findings(shared, facts(shared, "son", "cousin")) == []


def test_a_man_may_take_a_second_wife(shared: World) -> None:
    # the father is married to the mother; four wives at once are allowed
    assert findings(shared, facts(shared, "father", "stranger")) == []


def test_below_the_minimum_age_is_refused(shared: World) -> None:
    assert findings(shared, facts(shared, "son", "young")) == ["marriage_under_minimum_age"]
    with shared.session() as s:
        (refusal,) = HANDLER.findings(
            s, LAW, facts(shared, "son", "young"), today=TODAY, declaration_id=None
        )
    assert "الزوجة" in refusal.ar and "تُكمل" in refusal.ar  # written of her
    assert "wife" in refusal.en


def test_under_eighteen_needs_the_courts_permission(shared: World) -> None:
    assert findings(shared, facts(shared, "son", "teen")) == ["marriage_needs_court_permission"]
    allowed = facts(shared, "son", "teen", court_permission="55/2026")
    assert findings(shared, allowed) == []


def test_siblings_may_not_marry(shared: World) -> None:
    assert findings(shared, facts(shared, "son", "daughter")) == ["marriage_prohibited_kinship"]


def test_an_aunt_and_her_nephew_may_not_marry(shared: World) -> None:
    assert findings(shared, facts(shared, "son", "aunt")) == [
        # the aunt is married, and the rules forbid the kinship too
        "marriage_too_many_marriages",
        "marriage_prohibited_kinship",
    ]


def test_a_grandfather_and_granddaughter_may_not_marry(shared: World) -> None:
    assert "marriage_prohibited_kinship" in findings(
        shared, facts(shared, "grandfather", "daughter")
    )


def test_a_fathers_former_wife_may_not_marry_his_son(shared: World) -> None:
    # divorced from the father in 2000: a stepmother, prohibited by affinity for ever
    assert findings(shared, facts(shared, "son", "stepmother")) == ["marriage_prohibited_affinity"]


def test_a_wife_and_her_niece_may_not_be_co_wives(shared: World) -> None:
    # the uncle by marriage is married to the aunt; the daughter is her brother's daughter
    assert findings(shared, facts(shared, "uncle_by_marriage", "daughter")) == [
        "marriage_prohibited_combination"
    ]


def test_a_married_woman_may_not_marry_again(shared: World) -> None:
    assert findings(shared, facts(shared, "son", "married_woman")) == [
        "marriage_too_many_marriages"
    ]


def test_a_waiting_declaration_counts_toward_the_limit(fresh: World) -> None:
    first = facts(fresh, "stranger_man", "stranger")
    declared = fresh.declare(
        "marriage", first.model_dump(mode="json"), subject=fresh.nid["stranger_man"]
    )
    assert findings(fresh, facts(fresh, "son", "stranger")) == ["marriage_declaration_waiting"]
    with fresh.session() as s:
        (refusal,) = HANDLER.findings(
            s, LAW, facts(fresh, "son", "stranger"), today=TODAY, declaration_id=None
        )
    assert declared[1] in refusal.en and declared[1] in refusal.ar
    assert "للزوجة" in refusal.ar
    # the declaration itself, at its own review, is not counted against itself
    assert findings(fresh, first, declaration_id=declared[0]) == []
    # a returned or rejected declaration is not waiting
    fresh.declare(
        "marriage",
        facts(fresh, "stranger_man", "stranger2").model_dump(mode="json"),
        state="rejected",
        subject=fresh.nid["stranger_man"],
    )
    assert findings(fresh, facts(fresh, "son", "stranger2")) == []


def test_a_dead_party_is_refused(shared: World) -> None:
    assert findings(shared, facts(shared, "son", "dead_woman")) == ["party_dead"]


def test_a_divorcee_waits_her_period(shared: World) -> None:
    assert findings(shared, facts(shared, "son", "divorcee")) == ["marriage_waiting_period"]
    later = facts(shared, "son", "divorcee", date=(TODAY - dt.timedelta(days=30 - 90)).isoformat())
    assert "marriage_waiting_period" not in findings(shared, later)


def test_dates_in_order_and_not_in_the_future(shared: World) -> None:
    assert findings(shared, facts(shared, "son", "stranger", date="2026-06-02")) == [
        "event_in_future"
    ]
    assert findings(shared, facts(shared, "son", "stranger", date="1993-01-01")) == [
        "event_before_birth"  # before she was born
    ]


def test_wrong_numbers_a_clerk_types(shared: World) -> None:
    assert findings(shared, facts(shared, "son", "son")) == ["marriage_same_person"]
    swapped = facts(shared, "stranger", "son")
    assert findings(shared, swapped) == ["marriage_parties_swapped"]
    unknown = MarriageDeclared.model_validate(
        {
            **facts(shared, "son", "stranger").model_dump(mode="json"),
            "wife_national_id": national_id.make("200000000"),
        }
    )
    assert findings(shared, unknown) == ["party_not_found"]
    assert findings(shared, facts(shared, "son", "stranger", place="xyz")) == [
        "place_unknown_office"
    ]
    assert findings(shared, facts(shared, "son", "stranger", place="irb")) == []


# ---------------------------------------------------------------------------------------------
# registration


def test_register_writes_the_marriage_its_number_and_version_one(fresh: World) -> None:
    f = facts(fresh, "son", "stranger", place="AMM", contract_number=" 77 / 2026 ")
    assert f.contract_number == "77 / 2026"
    declared = fresh.declare("marriage", f.model_dump(mode="json"), subject=HANDLER.subject(f))
    with fresh.session() as s:
        ref = HANDLER.register(s, f, fresh.registration(s, declared))
    assert ref == "marriage:M2026/AMM/000001"
    with fresh.session() as s:
        row = s.execute(select(Marriage).where(Marriage.record_number == "M2026/AMM/000001")).one()[
            0
        ]
        assert (row.husband_id, row.wife_id) == (fresh.pid["son"], fresh.pid["stranger"])
        assert row.date == dt.date(2026, 5, 1)
        assert row.registered_on == TODAY
        assert row.contract_number == "77 / 2026"
        assert row.place_ar == row.office_ar == "مكتب الأحوال المدنية والجوازات - عمان الغربية"
        assert row.office_latin == "Civil Status Office - West Amman"
        (v1,) = versions(s, ref)
        assert (v1.version, v1.by, v1.declaration_id, v1.at) == (
            1,
            fresh.staff_id,
            declared[0],
            NOW,
        )
        assert v1.data["husband_national_id"] == fresh.nid["son"]
        assert v1.data["record_number"] == "M2026/AMM/000001"
        # she is married now: a second marriage is refused, and a second record numbered on
        wife = persons.person_facts(s, fresh.nid["stranger"])
        assert wife is not None and wife.current_marriages == 1
        again = HANDLER.findings(
            s, LAW, facts(fresh, "stranger_man", "stranger"), today=TODAY, declaration_id=None
        )
        assert codes(again) == ["marriage_too_many_marriages"]
        other = facts(fresh, "stranger_man", "stranger2")
        assert HANDLER.register(s, other, fresh.registration(s, declared)) == (
            "marriage:M2026/AMM/000002"
        )


def test_the_kiosk_offers_follow_the_registered_marriage(fresh: World) -> None:
    f = facts(fresh, "son", "stranger")
    declared = fresh.declare("marriage", f.model_dump(mode="json"), subject=HANDLER.subject(f))
    with fresh.session() as s:
        HANDLER.register(s, f, fresh.registration(s, declared))
    with fresh.session() as s:
        offers = issuance.offers_for(s, fresh.pid["stranger"], Settings(), TODAY)
    mine = {(o.document_type, o.subject) for o in offers}
    assert (DocumentType.MARRIAGE_CERTIFICATE, "M2026/AMM/000001") in mine
    assert (DocumentType.FAMILY_EXTRACT, fresh.nid["son"]) in mine  # her husband's family


def test_register_refuses_a_party_who_died_meanwhile(fresh: World) -> None:
    f = facts(fresh, "son", "stranger")
    declared = fresh.declare("marriage", f.model_dump(mode="json"), subject=HANDLER.subject(f))
    with fresh.session() as s:
        s.add(
            Death(
                person_id=fresh.pid["stranger"],
                date=dt.date(2026, 4, 1),
                place_ar="عمان",
                office_ar="مكتب",
                record_number="D2026/AMM/000001",
                registered_on=TODAY,
            )
        )
    with fresh.session() as s, pytest.raises(Refused) as refused:
        HANDLER.register(s, f, fresh.registration(s, declared))
    assert refused.value.code == "party_dead"
    with fresh.session() as s:
        assert s.execute(select(func.count()).select_from(Marriage)).scalar() == 6
        assert s.execute(select(func.count()).select_from(RecordVersion)).scalar() == 0


# ---------------------------------------------------------------------------------------------
# facts, form and words


def test_facts_refuse_bad_numbers_and_unknown_keys(shared: World) -> None:
    good = facts(shared, "son", "stranger").model_dump(mode="json")
    for bad in (
        {"husband_national_id": "1234567890"},  # wrong check digit
        {"contract_number": "عقد"},
        {"contract_number": "x" * 33},
        {"place": "a\x00b"},
        {"date": "2026-02-30"},
        {"witness": "someone"},
    ):
        with pytest.raises(pydantic.ValidationError):
            MarriageDeclared.model_validate({**good, **bad})


def test_form_round_trip(shared: World) -> None:
    f = facts(shared, "son", "teen", place_latin="Amman Sharia Court", court_permission="9/2026")
    form = HANDLER.to_form(f)
    assert all(isinstance(v, str) for v in form.values())
    assert MarriageDeclared.model_validate(HANDLER.from_form(form)) == f
    # typed as a clerk types: Arabic-Indic digits, spaces, an empty optional field, the
    # page's own fields beside the kind's
    nid = shared.nid["son"]
    typed = {
        **form,
        "husband_national_id": f" {nid[:4]} {nid[4:]} ".translate(
            str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
        ),
        "date": "٢٠٢٦-٠٥-٠١",
        "place_latin": "",
        "court_permission": "  ",
        "csrf": "token",
    }
    parsed = MarriageDeclared.model_validate(HANDLER.from_form(typed))
    assert parsed.husband_national_id == nid
    assert parsed.date == dt.date(2026, 5, 1)
    assert parsed.place_latin is None and parsed.court_permission is None
    assert HANDLER.to_form(parsed)["court_permission"] == ""


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_form_template_holds_every_field_with_its_label(shared: World, lang: str) -> None:
    f = facts(shared, "son", "teen", court_permission="9/2026")
    form = HANDLER.to_form(f)
    page = rendered_form(HANDLER.form_template, TEXT[lang], form)
    assert set(page.inputs) == set(MarriageDeclared.model_fields)
    for name, attrs in page.inputs.items():
        assert attrs["id"] == f"f-{name}"
        assert page.labels[attrs["id"]].strip().startswith(WORDS[lang]["marriage_" + name])
        assert attrs["value"] == form[name]
        assert ("required" in attrs) == MarriageDeclared.model_fields[name].is_required()
    submitted = {name: attrs["value"] for name, attrs in page.inputs.items()}
    assert MarriageDeclared.model_validate(HANDLER.from_form(submitted)) == f
    empty = rendered_form(HANDLER.form_template, TEXT[lang], {})
    assert all(a["value"] == "" for a in empty.inputs.values())


def test_words_in_both_languages() -> None:
    assert WORDS["ar"].keys() == WORDS["en"].keys()
    assert all(WORDS["ar"][k] != WORDS["en"][k] for k in WORDS["ar"])


def test_summary_in_both_languages(shared: World) -> None:
    f = facts(shared, "son", "stranger")
    ar, en = HANDLER.summary(f)
    h, w = shared.nid["son"], shared.nid["stranger"]
    assert ar == f"زواج \u2068{h}\u2069 و\u2068{w}\u2069 بتاريخ \u20682026-05-01\u2069"
    assert en == f"Marriage of {h} and {w} on 2026-05-01"
    assert HANDLER.subject(f) == h


def test_handler_answers_the_protocol() -> None:
    assert HANDLER.kind.value == "marriage"
    assert HANDLER.facts_model is MarriageDeclared
    assert dataclasses.is_dataclass(LAW)


def test_a_husband_whose_latest_marriage_ended_is_married_while_an_earlier_one_stands(
    fresh: World,
) -> None:
    # the father married the mother (1988, standing) and the stepmother (1995, divorced 2000)
    with fresh.session() as s:
        r = Records(s.connection())
        assert issuance._marital_status(r, r.person(fresh.pid["father"])) is MaritalStatus.MARRIED
        assert issuance._marital_status(r, r.person(fresh.pid["stepmother"])) is (
            MaritalStatus.DIVORCED
        )


def test_two_marriages_of_one_woman_registered_at_once_register_one(fresh: World) -> None:
    # two registrars, two declarations naming the same bride: the parties' row locks make the
    # second review see the first marriage once it commits
    grooms = ("son", "stranger_man")
    declared = {
        g: fresh.declare(
            "marriage",
            facts(fresh, g, "stranger").model_dump(mode="json"),
            state="rejected",  # not waiting: only the register decides here
            subject=fresh.nid[g],
        )
        for g in grooms
    }
    barrier = threading.Barrier(len(grooms))
    outcome: dict[str, str] = {}

    def registrar(groom: str) -> None:
        f = facts(fresh, groom, "stranger")
        barrier.wait()
        with fresh.session() as s:
            found = refusing(
                HANDLER.findings(
                    s, LAW, f, today=TODAY, declaration_id=declared[groom][0], lock=True
                )  # as the store registers: the parties locked until commit
            )
            if found:
                outcome[groom] = found[0].code
                return
            outcome[groom] = HANDLER.register(s, f, fresh.registration(s, declared[groom]))

    threads = [threading.Thread(target=registrar, args=(g,)) for g in grooms]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcome.values()) == ["marriage:M2026/AMM/000001", "marriage_too_many_marriages"]
    with fresh.session() as s:
        wife = persons.person_facts(s, fresh.nid["stranger"])
        assert wife is not None and wife.current_marriages == 1


def test_after_three_divorces_the_two_may_not_remarry_until_she_married_another(
    fresh: World,
) -> None:
    def union(husband: str, married: int, divorced: int, number: int) -> None:
        with fresh.session() as s:
            m = Marriage(
                husband_id=fresh.pid[husband],
                wife_id=fresh.pid["stranger2"],
                date=dt.date(married, 1, 1),
                place_ar="عمان",
                office_ar="مكتب",
                record_number=f"M{married}/{number:07d}",
                registered_on=dt.date(married, 1, 1),
            )
            s.add(m)
            s.flush()
            s.add(
                Divorce(
                    marriage_id=m.id,
                    date=dt.date(divorced, 1, 1),
                    place_ar="عمان",
                    office_ar="مكتب",
                    record_number=f"V{divorced}/{number:07d}",
                    registered_on=dt.date(divorced, 1, 1),
                )
            )

    for n, year in enumerate((2017, 2019, 2021), start=50):
        union("stranger_man", year, year + 1, n)
    again = facts(fresh, "stranger_man", "stranger2")
    assert findings(fresh, again) == ["marriage_remarriage_barred"]
    union("son", 2023, 2024, 60)  # she married another man, and that marriage ended
    assert findings(fresh, again) == []
