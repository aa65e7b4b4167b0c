"""Who may obtain which document for whom: the rules, as pure functions.

The database adapter (`registry.issuance`) works out how the requester relates to the
subject (`Relation` flags) and a few facts about the subject; these functions decide. A
refusal is a `Refused` with a machine code (`ErrorCode`) the kiosk can translate.

| document | subject | who may obtain it |
|---|---|---|
| birth certificate, individual extract | a person | that person; a parent of a minor |
| non-employment statement | a person | that person, an adult not recorded as employed |
| death certificate | a deceased person | their spouse, child or parent |
| marriage certificate | a marriage | either party, while the marriage stands |
| divorce certificate | a divorce | either former spouse |
| family extract | the head of a family | the head, their spouse, their child |

Nothing is said about a stranger: for a subject the requester is not related to (no
`Relation` at all, not a party to the marriage), and for a subject that does not exist, the
refusal is the one `unrelated()` (`not_entitled`, always the same words), checked before any
fact about the subject, so a refusal never tells whether a national number exists or whether
its holder has died. The specific codes (deceased, adult child, ...) answer relatives only.

No I/O here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from registry.codes import ErrorCode
from registry.errors import Refused
from verifier.documents import DocumentType

__all__ = [
    "EventSubject",
    "PersonSubject",
    "Relation",
    "SubjectKind",
    "check_event_document",
    "check_person_document",
    "subject_kind",
    "unrelated",
]


class Relation(enum.Enum):
    SELF = "self"
    PARENT = "parent"  # the requester is a parent of the subject
    CHILD = "child"  # the requester is a child of the subject
    SPOUSE = "spouse"  # the requester is the subject's spouse (marriage not dissolved)


class SubjectKind(enum.Enum):
    PERSON = "person"
    MARRIAGE = "marriage"
    DIVORCE = "divorce"


_KIND = {
    DocumentType.MARRIAGE_CERTIFICATE: SubjectKind.MARRIAGE,
    DocumentType.DIVORCE_CERTIFICATE: SubjectKind.DIVORCE,
}


def subject_kind(doc_type: DocumentType) -> SubjectKind:
    return _KIND.get(doc_type, SubjectKind.PERSON)


@dataclass(frozen=True)
class PersonSubject:
    relations: frozenset[Relation]
    age: int
    deceased: bool
    employed: bool


@dataclass(frozen=True)
class EventSubject:
    """A marriage or a divorce: is the requester a party, and has the marriage been dissolved."""

    party: bool
    dissolved: bool


def _refuse(code: ErrorCode, message: str) -> Refused:
    return Refused(message, code=code)


def unrelated() -> Refused:
    """The one refusal for a subject that is unknown or not related to the requester."""
    return Refused(
        "no document about this subject may be issued to you", code=ErrorCode.NOT_ENTITLED
    )


def check_person_document(doc_type: DocumentType, subject: PersonSubject, minor_age: int) -> None:
    """Return if the requester may obtain doc_type about this person; raise Refused if not."""
    rel = subject.relations
    if not rel:
        raise unrelated()  # before any fact about the subject (existence, death, age)
    if doc_type in (DocumentType.BIRTH_CERTIFICATE, DocumentType.INDIVIDUAL_EXTRACT):
        if subject.deceased:
            raise _refuse(ErrorCode.SUBJECT_DECEASED, "the person is deceased")
        if Relation.SELF in rel:
            return
        if Relation.PARENT in rel:
            if subject.age < minor_age:
                return
            raise _refuse(ErrorCode.CHILD_NOT_MINOR, "the child is an adult")
        raise _refuse(ErrorCode.NOT_PARENT, "only the person or a parent of a minor")
    if doc_type is DocumentType.NON_EMPLOYMENT:
        if Relation.SELF not in rel:
            raise _refuse(ErrorCode.ONLY_FOR_SELF, "only the person concerned")
        if subject.age < minor_age:
            raise _refuse(ErrorCode.NOT_ADULT, "only for adults")
        if subject.employed:
            raise _refuse(ErrorCode.EMPLOYED, "the registry records this person as employed")
        return
    if doc_type is DocumentType.DEATH_CERTIFICATE:
        if not subject.deceased:
            raise _refuse(ErrorCode.SUBJECT_NOT_DECEASED, "no death is registered")
        if rel & {Relation.SPOUSE, Relation.CHILD, Relation.PARENT}:
            return
        raise _refuse(ErrorCode.NOT_CLOSE_RELATIVE, "only a spouse, child or parent")
    if doc_type is DocumentType.FAMILY_EXTRACT:
        if subject.deceased:
            raise _refuse(ErrorCode.SUBJECT_DECEASED, "the head of the family is deceased")
        if rel & {Relation.SELF, Relation.SPOUSE, Relation.CHILD}:
            return
        raise _refuse(ErrorCode.NOT_FAMILY_MEMBER, "only a member of the family")
    raise _refuse(ErrorCode.NOT_ENTITLED, f"a {doc_type.slug} is not about a person")


def check_event_document(doc_type: DocumentType, subject: EventSubject) -> None:
    if not subject.party:
        raise unrelated()
    if doc_type is DocumentType.MARRIAGE_CERTIFICATE:
        if subject.dissolved:
            raise _refuse(ErrorCode.MARRIAGE_DISSOLVED, "the marriage ended in divorce")
        return
    if doc_type is DocumentType.DIVORCE_CERTIFICATE:
        return
    raise _refuse(ErrorCode.NOT_ENTITLED, f"a {doc_type.slug} is not about a marriage")
