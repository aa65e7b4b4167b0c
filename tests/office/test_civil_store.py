"""The declarations store on real SQLite and PostgreSQL: declare, amend, return, reject and
register births and deaths, with the four-eyes rule, office scope, findings, versions and the
audit chain."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import audit, records
from registry.civil import store
from registry.civil.births import HANDLER as BIRTHS
from registry.civil.common import InvalidFacts
from registry.civil.persons import facts_of
from registry.models import AuditEntry, CitizenSession, Death, DeclarationRow, Person
from registry.office.declarations import EventKind, State
from registry.office.errors import NoTransition, Refused
from registry.record_history import versions
from tests.office.civil_support import LAW, NOW, TODAY, Civil, Databases, birth_facts
from verifier import national_id

LATER = NOW + dt.timedelta(minutes=5)


@pytest.fixture(params=["sqlite", "postgresql"])
def civil(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Civil]:
    yield from Databases(tmp_path).open(request.param)


def _declare_birth(c: Civil, **over: object) -> tuple[str, Person, Person]:
    with c.db.session() as s:
        mother = c.mother(s)
        father = c.husband_of(s, mother)
        view = store.declare(
            s, EventKind.BIRTH, birth_facts(mother, father, **over), by=c.staff["clerk"], at=NOW
        )
    return view.number, mother, father


def test_a_birth_is_declared_then_registered_by_another(civil: Civil) -> None:
    number, mother, father = _declare_birth(civil)
    assert number == "AMM-2026-000001"
    with civil.db.session() as s:
        view = store.register(s, number, by=civil.staff["registrar"], at=LATER, law=LAW)
    assert view.state is State.REGISTERED
    assert view.registered_ref and view.registered_ref.startswith("person:")
    nid = view.registered_ref.removeprefix("person:")
    assert national_id.is_valid(nid) and nid.startswith("2026")
    with civil.db.session() as s:
        child = s.execute(select(Person).where(Person.national_id == nid)).scalar_one()
        assert child.mother_id == mother.id and child.father_id == father.id
        assert (
            child.name_ar == f"ليان {father.given_ar} {father.father_given_ar} {father.family_ar}"
        )
        assert child.given_latin  # suggested by the transliteration
        assert child.birth_record == "B2026/AMM/000001"
        assert child.birth_time == dt.time(4, 15)
        assert child.birth_registered_on == TODAY
        assert child.registered_by == civil.staff["registrar"]
        assert [v.version for v in versions(s, view.registered_ref)] == [1]
        # the name search finds the child at once
        found = records.search(s, child.name_ar)
        assert child.national_id in [f.national_id for f in found]
        assert audit.verify_chain(s).ok
        kinds = [e.kind for e in s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()]
        assert kinds[-2:] == ["declaration_declared", "declaration_registered"]
    assert [h.action for h in view.history] == ["declare", "register"]
    assert view.history[-1].by == "registrar"


def test_the_declarer_cannot_register_their_own_declaration(civil: Civil) -> None:
    with civil.db.session() as s:
        persons_before = s.execute(select(func.count()).select_from(Person)).scalar()
        mother = civil.mother(s)
        view = store.declare(
            s,
            EventKind.BIRTH,
            birth_facts(mother, civil.husband_of(s, mother)),
            by=civil.staff["registrar"],
            at=NOW,
        )
    with pytest.raises(Refused) as caught, civil.db.session() as s:
        store.register(s, view.number, by=civil.staff["registrar"], at=LATER, law=LAW)
    assert caught.value.code == "own_declaration"
    assert "أمين سجل آخر" in caught.value.refusal.ar
    with civil.db.session() as s:
        assert store.get(s, view.number).state is State.DECLARED
        assert s.execute(select(func.count()).select_from(Person)).scalar() == persons_before


def test_a_registrar_of_another_office_cannot_register(civil: Civil) -> None:
    number, _, _ = _declare_birth(civil)
    with pytest.raises(Refused) as caught, civil.db.session() as s:
        store.register(s, number, by=civil.staff["irbid.registrar"], at=LATER, law=LAW)
    assert caught.value.code == "other_office"
    with civil.db.session() as s:
        assert store.get(s, number).state is State.DECLARED


def test_a_clerk_cannot_register(civil: Civil) -> None:
    number, _, _ = _declare_birth(civil)
    with pytest.raises(Refused) as caught, civil.db.session() as s:
        store.register(s, number, by=civil.staff["clerk2"], at=LATER, law=LAW)
    assert caught.value.code == "not_permitted"


def test_return_amend_register(civil: Civil) -> None:
    number, mother, father = _declare_birth(civil, given_ar="لين")
    with civil.db.session() as s:
        view = store.return_declaration(
            s,
            number,
            "اسم المولود كما في تبليغ المستشفى: ليان",
            by=civil.staff["registrar"],
            at=LATER,
        )
        assert view.state is State.RETURNED and view.reason
    with civil.db.session() as s:
        view = store.amend(
            s, number, birth_facts(mother, father), by=civil.staff["clerk"], at=LATER
        )
        assert view.state is State.AMENDED and view.revision == 2
    with civil.db.session() as s:
        view = store.register(s, number, by=civil.staff["registrar"], at=LATER, law=LAW)
        revs = store.revisions(s, number)
    assert [r[0] for r in revs] == [1, 2]
    assert [r[1].given_ar for r in revs] == ["لين", "ليان"]
    assert [h.action for h in view.history] == ["declare", "return", "amend", "register"]


def test_an_amender_cannot_register(civil: Civil) -> None:
    number, mother, father = _declare_birth(civil)
    with civil.db.session() as s:
        store.amend(s, number, birth_facts(mother, father), by=civil.staff["registrar"], at=LATER)
    with pytest.raises(Refused), civil.db.session() as s:
        store.register(s, number, by=civil.staff["registrar"], at=LATER, law=LAW)
    with civil.db.session() as s:
        assert (
            store.register(s, number, by=civil.staff["registrar2"], at=LATER, law=LAW).state
            is State.REGISTERED
        )


def test_reject_needs_a_reason_and_ends_it(civil: Civil) -> None:
    number, _, _ = _declare_birth(civil)
    with pytest.raises(Refused), civil.db.session() as s:
        store.reject(s, number, "  ", by=civil.staff["registrar"], at=LATER)
    with civil.db.session() as s:
        assert (
            store.reject(s, number, "مقدَّم مرتين", by=civil.staff["registrar"], at=LATER).state
            is State.REJECTED
        )
    with pytest.raises(NoTransition), civil.db.session() as s:
        store.register(s, number, by=civil.staff["registrar"], at=LATER, law=LAW)


def test_invalid_facts_are_refused_with_each_field_named(civil: Civil) -> None:
    with civil.db.session() as s:
        mother = civil.mother(s)
        facts = birth_facts(mother, None, date_of_birth="2026-13-40", sex=7)
        del facts["given_ar"]
        facts["mother"] = {"national_id": "1234567890"}
        with pytest.raises(InvalidFacts) as caught:
            store.declare(s, EventKind.BIRTH, facts, by=civil.staff["clerk"], at=NOW)
    fields = {f for f, _ in caught.value.problems}
    assert {"given_ar", "date_of_birth", "sex", "mother.national_id"} <= fields
    texts = dict(caught.value.problems)
    assert texts["given_ar"].ar == "الحقل «اسم المولود» مطلوب."
    assert "رقم التحقق" in texts["mother.national_id"].ar
    with civil.db.session() as s:
        assert s.execute(select(func.count()).select_from(DeclarationRow)).scalar() == 0


def test_a_duplicate_birth_warns_and_needs_confirmation(civil: Civil) -> None:
    first, _mother, _father = _declare_birth(civil)
    second, _, _ = _declare_birth(civil, given_ar="ليانا")
    with civil.db.session() as s:
        found = store.findings(s, second, LAW, today=TODAY)
    assert "birth_duplicate" in [f.code for f in found]
    with pytest.raises(Refused) as caught, civil.db.session() as s:
        store.register(s, second, by=civil.staff["registrar"], at=LATER, law=LAW)
    assert caught.value.code == "warnings_unacknowledged"
    with civil.db.session() as s:
        store.reject(s, second, "الولادة نفسها مقدَّمة مرتين", by=civil.staff["registrar"], at=LATER)
        store.register(s, first, by=civil.staff["registrar"], at=LATER, law=LAW)


def test_a_mother_not_in_the_register_is_refused_at_registration(civil: Civil) -> None:
    with civil.db.session() as s:
        mother = civil.mother(s)
        facts = birth_facts(mother, civil.husband_of(s, mother))
        facts["mother"] = {"national_id": national_id.make("299912345")}
        view = store.declare(s, EventKind.BIRTH, facts, by=civil.staff["clerk"], at=NOW)
    with pytest.raises(Refused) as caught, civil.db.session() as s:
        store.register(s, view.number, by=civil.staff["registrar"], at=LATER, law=LAW)
    assert caught.value.code == "findings_refuse"
    assert "(الأم)" in caught.value.refusal.ar and "إن لم تكن مسجَّلة" in caught.value.refusal.ar


def test_a_child_without_a_registered_father_needs_the_whole_name(civil: Civil) -> None:
    with civil.db.session() as s:
        mother = civil.mother(s)
        facts = birth_facts(mother, None)
        view = store.declare(s, EventKind.BIRTH, facts, by=civil.staff["clerk"], at=NOW)
        assert "birth_name_incomplete" in [
            f.code for f in store.findings(s, view.number, LAW, today=TODAY)
        ]
        facts.update(father_given_ar="سالم", grandfather_given_ar="محمود", family_ar="العمري")
        facts["father"] = {"name_ar": "سالم محمود أحمد العمري"}
        store.amend(s, view.number, facts, by=civil.staff["clerk"], at=NOW)
    with civil.db.session() as s:
        done = store.register(s, view.number, by=civil.staff["registrar"], at=LATER, law=LAW)
        assert done.registered_ref
        child = records.find_by_national_id(s, done.registered_ref.removeprefix("person:"))
        assert child is not None and child.father_id is None
        assert child.father_name_ar == "سالم محمود أحمد العمري"
        assert child.name_ar == "ليان سالم محمود العمري"


def _declare_death(c: Civil, person: Person, by: str = "clerk") -> str:
    with c.db.session() as s:
        view = store.declare(
            s,
            EventKind.DEATH,
            {
                "national_id": person.national_id,
                "date_of_death": (TODAY - dt.timedelta(days=1)).isoformat(),
                "place": {"name_ar": "عمّان"},
                "cause_category": "natural",
                "informant": {"relation": "relative", "name_ar": "ابن المتوفى"},
            },
            by=c.staff[by],
            at=NOW,
        )
    return view.number


def test_a_death_closes_the_record_and_a_second_is_refused(civil: Civil) -> None:
    with civil.db.session() as s:
        person = civil.living_adult(s)
    first = _declare_death(civil, person)
    # a second declaration while the first waits is flagged at once
    second = _declare_death(civil, person, by="clerk2")
    with civil.db.session() as s:
        assert "death_declared_twice" in [
            f.code for f in store.findings(s, second, LAW, today=TODAY)
        ]
    with civil.db.session() as s:
        view = store.register(s, first, by=civil.staff["registrar"], at=LATER, law=LAW)
        assert view.registered_ref == "death:D2026/AMM/000001"
        death = s.execute(select(Death).where(Death.person_id == person.id)).scalar_one()
        assert death.cause_category == "natural"
        assert (
            s.execute(select(CitizenSession).where(CitizenSession.person_id == person.id)).first()
            is None
        )
    with pytest.raises(Refused) as caught, civil.db.session() as s:
        store.register(s, second, by=civil.staff["registrar"], at=LATER, law=LAW)
    assert caught.value.code == "findings_refuse"
    assert "مرتين" in caught.value.refusal.ar
    with civil.db.session() as s:
        assert (
            s.execute(
                select(func.count()).select_from(Death).where(Death.person_id == person.id)
            ).scalar()
            == 1
        )


def test_the_queue_and_counts(civil: Civil) -> None:
    a, _, _ = _declare_birth(civil)
    with civil.db.session() as s:
        person = civil.living_adult(s, skip=3)
    b = _declare_death(civil, person)
    with civil.db.session() as s:
        store.register(s, a, by=civil.staff["registrar"], at=LATER, law=LAW)
    with civil.db.session() as s:
        waiting = store.queue(s, office="AMM", states=store.WAITING)
        assert [v.number for v in waiting] == [b]
        assert store.queue(s, office="IRB", states=store.WAITING) == []
        assert store.counts(s, office="AMM") == {State.REGISTERED: 1, State.DECLARED: 1}
        assert json.loads(json.dumps(waiting[0].as_json()))["kind"] == "death"


def test_the_form_round_trips(civil: Civil) -> None:
    with civil.db.session() as s:
        mother = civil.mother(s)
        parsed = store.parse(EventKind.BIRTH, birth_facts(mother, civil.husband_of(s, mother)))
    form = BIRTHS.to_form(parsed)
    assert store.parse(EventKind.BIRTH, BIRTHS.from_form(form)) == parsed


def _single(s: Session, sex: int, skip: int = 0) -> Person:
    found = 0
    for p in s.execute(select(Person).where(Person.sex == sex).order_by(Person.id)).scalars():
        f = facts_of(s, p)
        single = f.date_of_death is None and f.current_marriages == 0 and f.last_ended is None
        if single and 25 <= (TODAY - p.date_of_birth).days // 365 <= 45:
            if found == skip:
                return p
            found += 1
    raise LookupError("no single adult")


def test_a_marriage_then_its_divorce_through_the_store(civil: Civil) -> None:
    with civil.db.session() as s:
        husband, wife = _single(s, 1), _single(s, 2, skip=1)
        married = store.declare(
            s,
            EventKind.MARRIAGE,
            {
                "husband_national_id": husband.national_id,
                "wife_national_id": wife.national_id,
                "date": (TODAY - dt.timedelta(days=10)).isoformat(),
                "place": "AMM",
                "contract_number": "2026/5512",
            },
            by=civil.staff["clerk"],
            at=NOW,
        )
    with civil.db.session() as s:
        done = store.register(s, married.number, by=civil.staff["registrar"], at=LATER, law=LAW)
    assert done.registered_ref == "marriage:M2026/AMM/000001"
    with civil.db.session() as s:
        divorce = store.declare(
            s,
            EventKind.DIVORCE,
            {
                "husband_national_id": husband.national_id,
                "wife_national_id": wife.national_id,
                "date": TODAY.isoformat(),
                "court": "محكمة عمّان الشرعية",
                "contract_number": "2026/77",
            },
            by=civil.staff["clerk"],
            at=LATER,
        )
        done = store.register(s, divorce.number, by=civil.staff["registrar2"], at=LATER, law=LAW)
    assert done.registered_ref == "divorce:V2026/AMM/000001"
    with civil.db.session() as s:
        assert facts_of(s, husband).current_marriages == 0
        assert audit.verify_chain(s).ok


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("given_ar", "Layan", "بالحروف العربية"),
        ("given_ar", "ليان\u202e", "غير مرئية"),
        ("given_latin", "Lay\x00an", "غير مرئية"),
    ],
)
def test_names_must_be_written_in_their_script_without_hidden_characters(
    field: str, value: str, words: str
) -> None:
    facts = birth_facts(_Nobody(), None, **{field: value})
    with pytest.raises(InvalidFacts) as caught:
        store.parse(EventKind.BIRTH, facts)
    problems = dict(caught.value.problems)
    assert words in problems[field].ar


def test_a_place_code_out_of_range_is_refused() -> None:
    facts = birth_facts(_Nobody(), None, place={"code": 2**70})
    with pytest.raises(InvalidFacts) as caught:
        store.parse(EventKind.BIRTH, facts)
    assert "place.code" in dict(caught.value.problems)


class _Nobody:
    national_id = national_id.make("299900001")
