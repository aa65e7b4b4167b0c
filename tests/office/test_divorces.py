"""The divorce event kind on a real register (SQLite and PostgreSQL): the marriage found by
record number or by the spouses, every finding, the registration, and what follows from it
(the marriage ended: her waiting period, the kiosk's offers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pydantic
import pytest
from sqlalchemy import func, select

from registry import issuance
from registry.civil import marriages
from registry.civil.divorces import HANDLER, WORDS, DivorceDeclared
from registry.config import Settings
from registry.models import Divorce, Marriage, RecordVersion
from registry.office.errors import Refused, Severity
from registry.office_web.declarations_text import TEXT
from registry.record_history import versions
from tests.office.unions_support import LAW, NOW, TODAY, World, codes, rendered_form, world_for
from verifier.documents import DocumentType


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


def facts(w: World, husband: str, wife: str, **kw: Any) -> DivorceDeclared:
    body = {
        "husband_national_id": w.nid[husband],
        "wife_national_id": w.nid[wife],
        "date": "2026-05-01",
        "court": "المحكمة الشرعية - عمان",
        "contract_number": "V-88/2026",
        **kw,
    }
    return DivorceDeclared.model_validate(body)


def findings(w: World, f: DivorceDeclared, declaration_id: int | None = None) -> list[str]:
    with w.session() as s:
        found = HANDLER.findings(s, LAW, f, today=TODAY, declaration_id=declaration_id)
    assert all(x.severity is Severity.REFUSE for x in found)
    assert all(x.ar and x.en for x in found)
    return codes(found)


def register(w: World, f: DivorceDeclared) -> str:
    declared = w.declare("divorce", f.model_dump(mode="json"), subject=HANDLER.subject(f))
    with w.session() as s:
        ref = HANDLER.register(s, f, w.registration(s, declared))
    w.mark(declared, "registered")
    return ref


# ---------------------------------------------------------------------------------------------
# findings


def test_a_standing_marriage_may_end(shared: World) -> None:
    assert findings(shared, facts(shared, "her_husband", "married_woman")) == []
    by_record = facts(
        shared, "her_husband", "married_woman", marriage_record=shared.marriage["married_woman"]
    )
    assert findings(shared, by_record) == []


def test_a_marriage_already_ended_is_refused(shared: World) -> None:
    # divorced thirty days ago: the same divorce declared again
    assert findings(shared, facts(shared, "her_ex", "divorcee")) == ["divorce_marriage_not_current"]
    step = facts(shared, "father", "stepmother", marriage_record=shared.marriage["step"])
    assert findings(shared, step) == ["divorce_marriage_not_current"]


def test_a_divorce_before_the_marriage_is_refused(shared: World) -> None:
    early = facts(shared, "her_husband", "married_woman", date="2014-12-31")
    assert findings(shared, early) == ["divorce_before_marriage"]


def test_a_divorce_in_the_future_is_refused(shared: World) -> None:
    late = facts(shared, "her_husband", "married_woman", date="2026-06-02")
    assert findings(shared, late) == ["event_in_future"]


def test_the_marriage_must_be_theirs(shared: World) -> None:
    theirs = shared.marriage["parents"]
    other = facts(shared, "her_husband", "married_woman", marriage_record=theirs)
    assert findings(shared, other) == ["divorce_marriage_other_parties"]
    unknown = facts(shared, "her_husband", "married_woman", marriage_record="M2015/9999999")
    assert findings(shared, unknown) == ["divorce_marriage_not_found"]
    never = facts(shared, "son", "stranger")
    assert findings(shared, never) == ["divorce_marriage_not_found"]


def test_a_dead_spouse_cannot_be_divorced(fresh: World) -> None:
    # the dead woman married in 2010 and died in 2020: a divorce dated after her death
    with fresh.session() as s:
        s.add(
            Marriage(
                husband_id=fresh.pid["stranger_man"],
                wife_id=fresh.pid["dead_woman"],
                date=dt.date(2010, 1, 1),
                place_ar="عمان",
                office_ar="مكتب",
                record_number="M2010/0000099",
                registered_on=dt.date(2010, 1, 1),
            )
        )
    assert findings(fresh, facts(fresh, "stranger_man", "dead_woman")) == ["party_dead"]
    before = facts(fresh, "stranger_man", "dead_woman", date="2019-01-01")
    assert findings(fresh, before) == []


def test_a_second_divorce_declared_while_one_waits_is_refused(fresh: World) -> None:
    first = facts(fresh, "her_husband", "married_woman")
    declared = fresh.declare(
        "divorce", first.model_dump(mode="json"), subject=HANDLER.subject(first)
    )
    second = facts(
        fresh, "her_husband", "married_woman", marriage_record=fresh.marriage["married_woman"]
    )
    assert findings(fresh, second) == ["divorce_already_declared"]
    with fresh.session() as s:
        (refusal,) = HANDLER.findings(s, LAW, second, today=TODAY, declaration_id=None)
    assert declared[1] in refusal.ar and declared[1] in refusal.en
    # once the second is declared too, the first is still free to be registered
    fresh.declare("divorce", second.model_dump(mode="json"), subject=HANDLER.subject(second))
    assert findings(fresh, first, declaration_id=declared[0]) == []
    assert findings(fresh, first, declaration_id=declared[0]) == []


def test_wrong_numbers_a_clerk_types(shared: World) -> None:
    swapped = facts(shared, "married_woman", "her_husband")
    assert findings(shared, swapped) == ["divorce_marriage_not_found"]
    assert findings(shared, facts(shared, "her_husband", "married_woman", court="QQQ")) == [
        "place_unknown_office"
    ]


# ---------------------------------------------------------------------------------------------
# registration


def test_register_writes_the_divorce_its_number_and_version_one(fresh: World) -> None:
    f = facts(fresh, "her_husband", "married_woman", court="zrq", contract_number="٤٤/2026")
    assert (f.court, f.contract_number) == ("ZRQ", "44/2026")
    declared = fresh.declare("divorce", f.model_dump(mode="json"), subject=HANDLER.subject(f))
    with fresh.session() as s:
        ref = HANDLER.register(s, f, fresh.registration(s, declared))
    fresh.mark(declared, "registered")
    assert ref == "divorce:V2026/AMM/000001"
    with fresh.session() as s:
        row = s.execute(select(Divorce).where(Divorce.record_number == "V2026/AMM/000001")).scalar()
        assert row is not None
        marriage = s.get(Marriage, row.marriage_id)
        assert marriage is not None and marriage.record_number == fresh.marriage["married_woman"]
        assert (row.date, row.registered_on, row.contract_number) == (
            dt.date(2026, 5, 1),
            TODAY,
            "44/2026",
        )
        assert row.place_ar == "مكتب الأحوال المدنية والجوازات - الزرقاء"
        assert row.place_latin == "Civil Status Office - Zarqa"
        assert row.office_ar == "مكتب الأحوال المدنية والجوازات - عمان الغربية"
        (v1,) = versions(s, ref)
        assert (v1.version, v1.by, v1.declaration_id, v1.at) == (
            1,
            fresh.staff_id,
            declared[0],
            NOW,
        )
        assert v1.data["marriage_record"] == fresh.marriage["married_woman"]
        # the marriage has ended: a second divorce of it is refused, at review and at register
        again = HANDLER.findings(s, LAW, f, today=TODAY, declaration_id=None)
        assert codes(again) == ["divorce_marriage_not_current"]


def test_register_refuses_a_divorce_registered_meanwhile(fresh: World) -> None:
    f = facts(fresh, "her_husband", "married_woman")
    register(fresh, f)
    with pytest.raises(Refused) as refused:
        register(fresh, f)
    assert refused.value.code == "divorce_marriage_not_current"
    with fresh.session() as s:
        assert s.execute(select(func.count()).select_from(Divorce)).scalar() == 3
        assert s.execute(select(func.count()).select_from(RecordVersion)).scalar() == 1


def test_after_the_divorce_she_waits_then_may_remarry(fresh: World) -> None:
    register(fresh, facts(fresh, "her_husband", "married_woman", date="2026-05-20"))
    marry = marriages.MarriageDeclared.model_validate(
        {
            "husband_national_id": fresh.nid["son"],
            "wife_national_id": fresh.nid["married_woman"],
            "date": "2026-06-01",
            "place": "AMM",
            "contract_number": "1/2026",
        }
    )
    with fresh.session() as s:
        soon = marriages.HANDLER.findings(s, LAW, marry, today=TODAY, declaration_id=None)
        assert codes(soon) == ["marriage_waiting_period"]
        assert "2026-08-18" in soon[0].en  # ninety days after the divorce
        later = marry.model_copy(update={"date": dt.date(2026, 8, 18)})
        after = marriages.HANDLER.findings(
            s, LAW, later, today=dt.date(2026, 9, 1), declaration_id=None
        )
    assert codes(after) == []


def test_the_kiosk_offers_follow_the_registered_divorce(fresh: World) -> None:
    with fresh.session() as s:
        before = issuance.offers_for(s, fresh.pid["married_woman"], Settings(), TODAY)
    record = fresh.marriage["married_woman"]
    assert (DocumentType.MARRIAGE_CERTIFICATE, record) in {
        (o.document_type, o.subject) for o in before
    }
    register(fresh, facts(fresh, "her_husband", "married_woman"))
    with fresh.session() as s:
        after = issuance.offers_for(s, fresh.pid["married_woman"], Settings(), TODAY)
    offered = {(o.document_type, o.subject) for o in after}
    assert (DocumentType.DIVORCE_CERTIFICATE, "V2026/AMM/000001") in offered
    assert (DocumentType.MARRIAGE_CERTIFICATE, record) not in offered
    assert (DocumentType.FAMILY_EXTRACT, fresh.nid["her_husband"]) not in offered


# ---------------------------------------------------------------------------------------------
# facts, form and words


def test_facts_refuse_bad_values_and_unknown_keys(shared: World) -> None:
    good = facts(shared, "her_husband", "married_woman").model_dump(mode="json")
    for bad in (
        {"wife_national_id": "2000000000"},
        {"marriage_record": "V2026/AMM/000001"},  # a divorce's number, not a marriage's
        {"marriage_record": "12345"},
        {"contract_number": ""},
        {"court": " "},
        {"reason": "x"},
    ):
        with pytest.raises(pydantic.ValidationError):
            DivorceDeclared.model_validate({**good, **bad})
    lower = DivorceDeclared.model_validate({**good, "marriage_record": " m2015/0000005 "})
    assert lower.marriage_record == "M2015/0000005"


def test_form_round_trip(shared: World) -> None:
    f = facts(
        shared,
        "her_husband",
        "married_woman",
        marriage_record=shared.marriage["married_woman"],
        court_latin="Amman Sharia Court",
    )
    form = HANDLER.to_form(f)
    assert DivorceDeclared.model_validate(HANDLER.from_form(form)) == f
    blank = HANDLER.from_form({**form, "marriage_record": "", "court_latin": " ", "csrf": "t"})
    parsed = DivorceDeclared.model_validate(blank)
    assert parsed.marriage_record is None and parsed.court_latin is None
    assert HANDLER.from_form({})["date"] == ""  # a required field left empty is named


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_form_template_holds_every_field_with_its_label(shared: World, lang: str) -> None:
    f = facts(shared, "her_husband", "married_woman", marriage_record="M2015/0000005")
    form = HANDLER.to_form(f)
    page = rendered_form(HANDLER.form_template, TEXT[lang], form)
    assert set(page.inputs) == set(DivorceDeclared.model_fields)
    for name, attrs in page.inputs.items():
        assert attrs["id"] == f"f-{name}"
        assert page.labels[attrs["id"]].strip().startswith(WORDS[lang]["divorce_" + name])
        assert attrs["value"] == form[name]
        assert ("required" in attrs) == DivorceDeclared.model_fields[name].is_required()
    submitted = {name: attrs["value"] for name, attrs in page.inputs.items()}
    assert DivorceDeclared.model_validate(HANDLER.from_form(submitted)) == f


def test_words_in_both_languages() -> None:
    assert WORDS["ar"].keys() == WORDS["en"].keys()


def test_summary_in_both_languages(shared: World) -> None:
    h, w = shared.nid["her_husband"], shared.nid["married_woman"]
    plain = facts(shared, "her_husband", "married_woman")
    assert HANDLER.summary(plain) == (
        f"طلاق \u2068{h}\u2069 و\u2068{w}\u2069 بتاريخ \u20682026-05-01\u2069",
        f"Divorce of {h} and {w} on 2026-05-01",
    )
    named = facts(shared, "her_husband", "married_woman", marriage_record="M2015/0000005")
    ar, en = HANDLER.summary(named)
    assert ar.endswith("(الزواج \u2068M2015/0000005\u2069)")
    assert en.endswith("(marriage M2015/0000005)")
    assert HANDLER.subject(named) == h
