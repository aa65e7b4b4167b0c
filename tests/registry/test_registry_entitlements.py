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
from tests.registry.conftest import Kiosk, Registry, login
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
        ErrorCode.NOT_PARENT,
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
        ErrorCode.NOT_CLOSE_RELATIVE,
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
        ErrorCode.NOT_FAMILY_MEMBER,
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
        ErrorCode.NOT_SPOUSE,
    ),
    (
        "marriage certificate after divorce",
        T.MARRIAGE_CERTIFICATE,
        True,
        True,
        ErrorCode.MARRIAGE_DISSOLVED,
    ),
    ("former spouse's divorce certificate", T.DIVORCE_CERTIFICATE, True, True, OK),
    ("a stranger's divorce certificate", T.DIVORCE_CERTIFICATE, False, True, ErrorCode.NOT_SPOUSE),
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
    assert _refusal(kiosk, a, T.BIRTH_CERTIFICATE, b["national_id"]) is ErrorCode.NOT_PARENT
    assert _refusal(kiosk, a, T.NON_EMPLOYMENT, b["national_id"]) is ErrorCode.ONLY_FOR_SELF
    assert _refusal(kiosk, a, T.FAMILY_EXTRACT, b["national_id"]) is ErrorCode.NOT_FAMILY_MEMBER
    assert (
        _refusal(kiosk, a, T.DEATH_CERTIFICATE, b["national_id"]) is ErrorCode.SUBJECT_NOT_DECEASED
    )
    stranger_dead = next(
        people[d]
        for d in dead
        if people[d].id not in (pa.father_id, pa.mother_id)
        and pa.id not in (people[d].father_id, people[d].mother_id)
        and not any({pa.id, d} == {m.husband_id, m.wife_id} for m in marriages)
    )
    assert (
        _refusal(kiosk, a, T.DEATH_CERTIFICATE, stranger_dead.national_id)
        is ErrorCode.NOT_CLOSE_RELATIVE
    )
    foreign = next(m for m in marriages if pa.id not in (m.husband_id, m.wife_id))
    assert _refusal(kiosk, a, T.MARRIAGE_CERTIFICATE, foreign.record_number) is ErrorCode.NOT_SPOUSE
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
        is ErrorCode.UNKNOWN_SUBJECT
    )
