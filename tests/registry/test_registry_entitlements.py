"""Who may obtain which document for whom: the pure rules, then refusals over HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.codes import ErrorCode
from registry.entitlements import (
    EventSubject,
    PersonSubject,
    Relation,
    check_event_document,
    check_person_document,
)
from registry.errors import Refused
from registry.models import Death, Divorce, Marriage, Person
from tests.support.registry import Kiosk, Registry, login
from verifier.documents import DocumentType as T

R = Relation
OK = None

PERSON_CASES = [
    # (description, type, relations, age, deceased, employed, expected refusal or None)
    ("own birth certificate", T.BIRTH_CERTIFICATE, {R.SELF}, 40, False, False, OK),
    ("minor child's birth certificate", T.BIRTH_CERTIFICATE, {R.PARENT}, 9, False, False, OK),
    (
        "adult child's birth certificate",
        T.BIRTH_CERTIFICATE,
        {R.PARENT},
        25,
        False,
        False,
        ErrorCode.CHILD_NOT_MINOR,
    ),
    (
        "a stranger's birth certificate",
        T.BIRTH_CERTIFICATE,
        set(),
        30,
        False,
        False,
        ErrorCode.NOT_ENTITLED,
    ),
    (
        "a spouse's birth certificate",
        T.BIRTH_CERTIFICATE,
        {R.SPOUSE},
        30,
        False,
        False,
        ErrorCode.NOT_PARENT,
    ),
    (
        "deceased person's birth certificate",
        T.BIRTH_CERTIFICATE,
        {R.CHILD},
        70,
        True,
        False,
        ErrorCode.SUBJECT_DECEASED,
    ),
    ("minor child's individual extract", T.INDIVIDUAL_EXTRACT, {R.PARENT}, 17, False, False, OK),
    ("own non-employment statement", T.NON_EMPLOYMENT, {R.SELF}, 30, False, False, OK),
    (
        "non-employment while employed",
        T.NON_EMPLOYMENT,
        {R.SELF},
        30,
        False,
        True,
        ErrorCode.EMPLOYED,
    ),
    (
        "non-employment for a minor",
        T.NON_EMPLOYMENT,
        {R.SELF},
        16,
        False,
        False,
        ErrorCode.NOT_ADULT,
    ),
    (
        "non-employment for a child",
        T.NON_EMPLOYMENT,
        {R.PARENT},
        10,
        False,
        False,
        ErrorCode.ONLY_FOR_SELF,
    ),
    ("deceased parent's death certificate", T.DEATH_CERTIFICATE, {R.CHILD}, 80, True, False, OK),
    ("deceased spouse's death certificate", T.DEATH_CERTIFICATE, {R.SPOUSE}, 60, True, False, OK),
    ("deceased child's death certificate", T.DEATH_CERTIFICATE, {R.PARENT}, 5, True, False, OK),
    (
        "death certificate of a living parent",
        T.DEATH_CERTIFICATE,
        {R.CHILD},
        60,
        False,
        False,
        ErrorCode.SUBJECT_NOT_DECEASED,
    ),
    (
        "a stranger's death certificate",
        T.DEATH_CERTIFICATE,
        set(),
        60,
        True,
        False,
        ErrorCode.NOT_ENTITLED,
    ),
    ("own family extract", T.FAMILY_EXTRACT, {R.SELF}, 45, False, False, OK),
    ("father's family extract", T.FAMILY_EXTRACT, {R.CHILD}, 45, False, False, OK),
    ("husband's family extract", T.FAMILY_EXTRACT, {R.SPOUSE}, 45, False, False, OK),
    (
        "a stranger's family extract",
        T.FAMILY_EXTRACT,
        set(),
        45,
        False,
        False,
        ErrorCode.NOT_ENTITLED,
    ),
    (
        "a deceased head's family extract",
        T.FAMILY_EXTRACT,
        {R.CHILD},
        80,
        True,
        False,
        ErrorCode.SUBJECT_DECEASED,
    ),
]


@pytest.mark.parametrize(
    ("doc_type", "relations", "age", "deceased", "employed", "expected"),
    [c[1:] for c in PERSON_CASES],
    ids=[c[0] for c in PERSON_CASES],
)
def test_person_document_rules(
    doc_type: T,
    relations: set[Relation],
    age: int,
    deceased: bool,
    employed: bool,
    expected: ErrorCode | None,
) -> None:
    subject = PersonSubject(frozenset(relations), age, deceased, employed)
    if expected is None:
        check_person_document(doc_type, subject, 18)
    else:
        with pytest.raises(Refused) as err:
            check_person_document(doc_type, subject, 18)
        assert err.value.code is expected


EVENT_CASES = [
    ("party's marriage certificate", T.MARRIAGE_CERTIFICATE, True, False, OK),
    (
        "a stranger's marriage certificate",
        T.MARRIAGE_CERTIFICATE,
        False,
        False,
        ErrorCode.NOT_ENTITLED,
    ),
    (
        "marriage certificate after divorce",
        T.MARRIAGE_CERTIFICATE,
        True,
        True,
        ErrorCode.MARRIAGE_DISSOLVED,
    ),
    ("former spouse's divorce certificate", T.DIVORCE_CERTIFICATE, True, True, OK),
    (
        "a stranger's divorce certificate",
        T.DIVORCE_CERTIFICATE,
        False,
        True,
        ErrorCode.NOT_ENTITLED,
    ),
]


@pytest.mark.parametrize(
    ("doc_type", "party", "dissolved", "expected"),
    [c[1:] for c in EVENT_CASES],
    ids=[c[0] for c in EVENT_CASES],
)
def test_marriage_document_rules(
    doc_type: T, party: bool, dissolved: bool, expected: ErrorCode | None
) -> None:
    if expected is None:
        check_event_document(doc_type, EventSubject(party, dissolved))
    else:
        with pytest.raises(Refused) as err:
            check_event_document(doc_type, EventSubject(party, dissolved))
        assert err.value.code is expected


# --- over HTTP, against the demo population -----------------------------------------------


def _refusal(kiosk: Kiosk, citizen: dict[str, str], doc_type: T, subject: str) -> ErrorCode:
    session = login(kiosk.client, citizen)
    with pytest.raises(Refused) as err:
        kiosk.client.issue(
            session, document_type=doc_type, subject=subject, payment_reference=f"P-{subject}"
        )
    return err.value.code


def test_refusals_over_http_say_why(kiosk: Kiosk, registry: Registry) -> None:
    citizens = {c["national_id"]: c for c in registry.citizens()}
    db = registry.db()
    with db.session() as s:
        people = {p.id: p for p in s.execute(select(Person)).scalars()}
        by_nid = {p.national_id: p for p in people.values()}
        dead = {d.person_id for d in s.execute(select(Death)).scalars()}
        marriages = list(s.execute(select(Marriage)).scalars())
        divorced = {d.marriage_id: d for d in s.execute(select(Divorce)).scalars()}
    db.dispose()
    # a parent asking for an adult child's birth certificate
    parent_adult = next(
        (citizens[people[p.father_id].national_id], p)
        for p in people.values()
        if p.father_id
        and people[p.father_id].national_id in citizens
        and p.date_of_birth.year < 2000
        and p.id not in dead
    )
    assert (
        _refusal(kiosk, parent_adult[0], T.BIRTH_CERTIFICATE, parent_adult[1].national_id)
        is ErrorCode.CHILD_NOT_MINOR
    )
    # a stranger: someone's unrelated neighbour
    everyone = list(citizens.values())
    a, b = everyone[0], everyone[-1]
    pa, pb = by_nid[a["national_id"]], by_nid[b["national_id"]]
    assert pb.father_id != pa.id and pb.mother_id != pa.id
    # a stranger learns nothing about the subject: one refusal for every type
    for doc_type in (T.BIRTH_CERTIFICATE, T.NON_EMPLOYMENT, T.FAMILY_EXTRACT, T.DEATH_CERTIFICATE):
        assert _refusal(kiosk, a, doc_type, b["national_id"]) is ErrorCode.NOT_ENTITLED
    stranger_dead = next(
        people[d]
        for d in dead
        if people[d].id not in (pa.father_id, pa.mother_id)
        and pa.id not in (people[d].father_id, people[d].mother_id)
        and not any({pa.id, d} == {m.husband_id, m.wife_id} for m in marriages)
    )
    assert (
        _refusal(kiosk, a, T.DEATH_CERTIFICATE, stranger_dead.national_id) is ErrorCode.NOT_ENTITLED
    )
    foreign = next(m for m in marriages if pa.id not in (m.husband_id, m.wife_id))
    assert (
        _refusal(kiosk, a, T.MARRIAGE_CERTIFICATE, foreign.record_number) is ErrorCode.NOT_ENTITLED
    )
    # a divorced party asking for the dissolved marriage's certificate
    m = next(
        m for m in marriages if m.id in divorced and people[m.husband_id].national_id in citizens
    )
    husband = citizens[people[m.husband_id].national_id]
    assert (
        _refusal(kiosk, husband, T.MARRIAGE_CERTIFICATE, m.record_number)
        is ErrorCode.MARRIAGE_DISSOLVED
    )
    from verifier import national_id

    assert (
        _refusal(kiosk, a, T.BIRTH_CERTIFICATE, national_id.make("123456789"))
        is ErrorCode.NOT_ENTITLED
    )


def test_a_refusal_tells_a_stranger_nothing_about_the_subject(
    kiosk: Kiosk, registry: Registry
) -> None:
    """Whether a national number or a record number exists, and whether its holder has died,
    cannot be learnt from refusals: for a stranger every answer is the same, byte for byte."""
    import httpx

    from verifier import national_id

    db = registry.db()
    with db.session() as s:
        people = {p.id: p for p in s.execute(select(Person)).scalars()}
        dead = {d.person_id for d in s.execute(select(Death)).scalars()}
        marriages = list(s.execute(select(Marriage)).scalars())
        divorces = list(s.execute(select(Divorce)).scalars())
    db.dispose()
    citizen = registry.citizens()[0]
    me = next(p for p in people.values() if p.national_id == citizen["national_id"])
    family = {me.id, me.father_id, me.mother_id} | {
        p.id for p in people.values() if me.id in (p.father_id, p.mother_id)
    }
    for m in marriages:
        if me.id in (m.husband_id, m.wife_id):
            family |= {m.husband_id, m.wife_id}
    living = next(p for p in people.values() if p.id not in family and p.id not in dead)
    deceased = next(p for p in people.values() if p.id not in family and p.id in dead)
    taken = {p.national_id for p in people.values()}
    nobody = next(
        n
        for n in (national_id.make(f"{i:09d}") for i in range(100_000_000, 100_000_999))
        if n not in taken
    )
    foreign_marriage = next(m for m in marriages if me.id not in (m.husband_id, m.wife_id))
    foreign_divorce = next(
        d
        for d in divorces
        if d.marriage_id != foreign_marriage.id
        and me.id
        not in (
            next(m for m in marriages if m.id == d.marriage_id).husband_id,
            next(m for m in marriages if m.id == d.marriage_id).wife_id,
        )
    )
    session = login(kiosk.client, citizen)

    def answer(path: str, body: dict[str, str]) -> tuple[int, bytes]:
        # the raw answer, not the client's exception
        r: httpx.Response = kiosk.client._send("POST", path, body, session.token, False, {})
        return r.status_code, r.content

    person_types = [
        T.BIRTH_CERTIFICATE,
        T.INDIVIDUAL_EXTRACT,
        T.NON_EMPLOYMENT,
        T.DEATH_CERTIFICATE,
        T.FAMILY_EXTRACT,
    ]
    for doc_type in person_types:
        for path, extra in (
            ("/api/v1/documents/preview", {}),
            ("/api/v1/documents", {"payment_reference": "P-1", "idempotency_key": "oracle-key-1"}),
        ):
            answers = {
                answer(path, {"document_type": doc_type.slug, "subject": nid, **extra})
                for nid in (living.national_id, deceased.national_id, nobody)
            }
            assert len(answers) == 1, (doc_type, path, answers)
            status, content = answers.pop()
            assert status == 403 and b'"not_entitled"' in content
    unknown_marriage = "M1999/9999999"
    for doc_type, known in (
        (T.MARRIAGE_CERTIFICATE, foreign_marriage.record_number),
        (T.DIVORCE_CERTIFICATE, foreign_divorce.record_number),
    ):
        answers = {
            answer("/api/v1/documents/preview", {"document_type": doc_type.slug, "subject": ref})
            for ref in (
                known,
                unknown_marriage.replace("M", "T" if doc_type is T.DIVORCE_CERTIFICATE else "M"),
            )
        }
        assert len(answers) == 1, answers


def test_each_offer_says_the_sex_of_the_person_it_names(kiosk: Kiosk, registry: Registry) -> None:
    """So that a channel can say "زوجتك" or "زوجك", "والدك" or "والدتك" (issue 12)."""
    db = registry.db()
    with db.session() as s:
        sex_of = {p.national_id: int(p.sex) for p in s.execute(select(Person)).scalars()}
        wives = {
            m.record_number: int(s.get(Person, m.wife_id).sex)  # type: ignore[union-attr]
            for m in s.execute(select(Marriage)).scalars()
        }
    db.dispose()
    seen = set()
    for citizen in registry.citizens("married"):
        session = login(kiosk.client, citizen)
        for offer in kiosk.client.entitlements(session):
            if offer.relation == "spouse" and offer.document_type is T.MARRIAGE_CERTIFICATE:
                named = wives[offer.subject]
                if sex_of[citizen["national_id"]] == 2:  # a wife's offer names her husband
                    named = 1
            elif offer.subject in sex_of:
                named = sex_of[offer.subject]
            else:
                continue
            assert offer.subject_sex == {1: "m", 2: "f"}[named], offer
            seen.add((offer.relation, offer.subject_sex))
        kiosk.client.logout(session)
    assert {("self", "m"), ("spouse", "f")} <= seen or {("self", "f"), ("spouse", "m")} <= seen
