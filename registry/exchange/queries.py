"""Yes/no queries, answered minimally and signed (detached COSE_Sign1), each one audited.

The COSE_Sign1 is built with cbor2 like the project's own `verifier.cose` (RFC 9052): pycose is
installed but the trust list already uses this code path, so the verifier needs no second
COSE library. The payload is detached (nil in the structure) and travels beside it as CBOR.

Refused queries are audited too, as the same `exchange_query` event: `{agency, legal_basis,
case_reference, query, person, outcome: "refused", reason}`, where `reason` is a `Refusal`
code and `person` the internal id of the person asked about when the number (or serial)
resolves to one, else null; nothing else is recorded (never the number asked for). Answered
queries carry `outcome: "answered"` (entries written before the field existed have none and
were all answered). The agency sees one 403 for every refusal, so the reason never hints at
who exists; it is for the authority's audit and for the person.

The person's access list (`accesses_for`) shows refused attempts as well, marked
`outcome: "refused"` with the reason: an agency asking about someone outside its legal basis
is exactly what that person should be able to see, and the entry says plainly that nothing was
answered, so it never reads as data disclosed. A refusal whose number matched nobody is on no
one's list.

Not audited: requests refused before a query is judged (401 no valid certificate, 404 an
unknown query name, 422 a malformed body, 429 over the agency's rate): they carry no legal
basis to weigh or no person, and auditing them would let a client grow the log at will.
"""

from __future__ import annotations

import collections
import datetime as dt
import enum
import json
import time
from dataclasses import dataclass
from typing import Any

import cbor2
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from registry import audit
from registry.codes import ErrorCode
from registry.errors import InvalidInput
from registry.exchange.agencies import QUERIES, allowed
from registry.models import Agency, AuditEntry, Death, Divorce, IssuedDocument, Marriage, Person
from verifier import national_id
from verifier.cose import ALG_EDDSA, COSE_SIGN1_TAG, HDR_ALG, HDR_KID
from verifier.keys import SigningKey, verify_detached

__all__ = [
    "Answer",
    "RateWindow",
    "Refusal",
    "accesses_for",
    "answer",
    "sign_detached",
    "verify_answer",
]

EXCHANGE_QUERY = audit.AuditEvent.EXCHANGE_QUERY.value


class Refusal(enum.StrEnum):
    """Why a query was refused (the audit log's `reason`; the agency sees only "refused")."""

    NOT_ALLOWED = "not_allowed"  # the legal basis does not allow this query
    NO_SUCH_PERSON = "no_such_person"  # no one holds that national number
    NO_SUCH_CHILD = "no_such_child"  # is_parent_of: no one holds the child's number
    NO_SUCH_DOCUMENT = "no_such_document"  # document_genuine: no document has that serial


ANSWERED, REFUSED = "answered", "refused"


@dataclass(frozen=True)
class Answer:
    payload: bytes  # CBOR map
    cose: bytes  # detached COSE_Sign1


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def sign_detached(payload: bytes, key: SigningKey) -> bytes:
    protected = cbor2.dumps({HDR_ALG: ALG_EDDSA, HDR_KID: key.kid}, canonical=True)
    signature = key.sign(_sig_structure(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, None, signature]))


def verify_answer(cose: bytes, payload: bytes, public_key: bytes) -> bool:
    tag = cbor2.loads(cose)
    protected, _unprotected, detached, signature = tag.value
    return detached is None and verify_detached(
        public_key, _sig_structure(protected, payload), signature
    )


class RateWindow:
    """Per agency, requests in the current minute (in memory, per worker process)."""

    def __init__(self) -> None:
        self._counts: collections.Counter[tuple[str, int]] = collections.Counter()

    def take(self, code: str, limit: int, now: float | None = None) -> bool:
        minute = int((now if now is not None else time.time()) // 60)
        key = (code, minute)
        if self._counts[key] >= limit:
            return False
        if len(self._counts) > 10000:
            self._counts = collections.Counter(
                {k: v for k, v in self._counts.items() if k[1] == minute}
            )
        self._counts[key] += 1
        return True


def _person(s: Session, nid: str) -> Person | None:
    return s.execute(select(Person).where(Person.national_id == nid)).scalar_one_or_none()


def _text_param(params: dict[str, Any], field: str, query: str) -> str:
    """The request's `field` as non-empty text; InvalidInput (never a lookup of "None")."""
    value = params.get(field)
    if value is None:
        raise InvalidInput(f"{query} needs {field}")
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be a non-empty string")
    return value.strip()


def _national_id_param(params: dict[str, Any], field: str, query: str) -> str:
    nid = national_id.normalise(_text_param(params, field, query))
    if not national_id.is_valid(nid):
        raise InvalidInput(
            f"{field} is not a valid national number (ten digits, the last a check digit)",
            code=ErrorCode.INVALID_NATIONAL_ID,
        )
    return nid


def _checked_params(query: str, params: dict[str, Any]) -> dict[str, str]:
    """The fields `query` needs, checked: InvalidInput for a missing, null, non-string or
    malformed one. A well-formed number nobody holds is not an input error (it is refused
    like a query outside the legal basis, so an answer never hints at who exists)."""
    if query == "document_genuine":
        return {"serial": _text_param(params, "serial", query)}
    out = {"national_id": _national_id_param(params, "national_id", query)}
    if query == "is_parent_of":
        out["child_national_id"] = _national_id_param(params, "child_national_id", query)
    return out


def _is_married(s: Session, p: Person) -> bool:
    rows = s.execute(
        select(Marriage.id)
        .outerjoin(Divorce, Divorce.marriage_id == Marriage.id)
        .where(or_(Marriage.husband_id == p.id, Marriage.wife_id == p.id))
        .where(Divorce.id.is_(None))
    ).all()
    return bool(rows)


def _years(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def answer(
    s: Session,
    agency: Agency,
    query: str,
    params: dict[str, Any],
    legal_basis: str,
    case_reference: str,
    key: SigningKey,
    now: dt.datetime,
) -> Answer | None:
    """The signed answer, or None (refused: not allowed, or no such person: the same shape);
    InvalidInput if a field the query needs is missing, not a string or malformed."""
    if query not in QUERIES:
        raise InvalidInput(f"unknown query {query}")
    fields = _checked_params(query, params)
    refusal: Refusal | None = None
    person_id: int | None = None
    # the subject is looked up even for a query the basis does not allow, so that the refused
    # attempt is on that person's access list
    doc: IssuedDocument | None = None
    p = child = None
    if query == "document_genuine":
        doc = s.execute(
            select(IssuedDocument).where(IssuedDocument.serial == fields["serial"])
        ).scalar_one_or_none()
        if doc is None:
            refusal = Refusal.NO_SUCH_DOCUMENT
        else:
            person_id = doc.subject_person_id
    else:
        p = _person(s, fields["national_id"])
        if p is None:
            refusal = Refusal.NO_SUCH_PERSON
        else:
            person_id = p.id
            if query == "is_parent_of":
                child = _person(s, fields["child_national_id"])
                if child is None:
                    refusal = Refusal.NO_SUCH_CHILD
    if not allowed(agency, legal_basis, query):
        refusal = Refusal.NOT_ALLOWED  # the agency's to answer for, whoever it asked about
    record = {
        "agency": agency.code,
        "legal_basis": legal_basis,
        "case_reference": case_reference,
        "query": query,
        "person": person_id,
    }
    if refusal is not None:
        record |= {"outcome": REFUSED, "reason": refusal.value}
        audit.append(s, audit.AuditEvent.EXCHANGE_QUERY, record, now)
        return None
    result: bool
    if doc is not None:
        result = doc.revoked_at is None and doc.superseded_at is None and doc.status == 0
    else:
        assert p is not None  # refused above otherwise
        if query == "is_alive":
            result = s.execute(select(Death.id).where(Death.person_id == p.id)).first() is None
        elif query == "is_married":
            result = _is_married(s, p)
        elif query == "is_over_18":
            result = _years(p.date_of_birth, now.date()) >= 18
        else:
            assert query == "is_parent_of" and child is not None  # refused above otherwise
            result = p.id in (child.father_id, child.mother_id)
    payload = cbor2.dumps(
        {
            "query": query,
            "answer": result,
            "legal_basis": legal_basis,
            "case_reference": case_reference,
            "agency": agency.code,
            "at": now.astimezone(dt.UTC).isoformat(),
        },
        canonical=True,
    )
    audit.append(s, audit.AuditEvent.EXCHANGE_QUERY, record | {"outcome": ANSWERED}, now)
    return Answer(payload, sign_detached(payload, key))


def accesses_for(s: Session, person_id: int) -> list[dict[str, Any]]:
    """The exchange requests about a person, newest first, with the agency's names: answered
    ones and refused attempts (`outcome` "answered" or "refused", `reason` the `Refusal` code
    of a refused one, else None). A refused attempt disclosed nothing."""
    rows = s.execute(
        select(AuditEntry)
        .where(AuditEntry.kind == EXCHANGE_QUERY)
        .where(AuditEntry.data.contains(f'"person":{person_id},'))
        .order_by(AuditEntry.seq.desc())
    ).scalars()
    out: list[dict[str, Any]] = []
    for e in rows:
        data = json.loads(e.data)
        if data.get("person") != person_id:
            continue
        agency = s.get(Agency, data["agency"])
        refused = data.get("outcome") == REFUSED
        out.append(
            {
                "at": e.at,
                "agency": data["agency"],
                "agency_name_ar": agency.name_ar if agency else data["agency"],
                "agency_name_latin": agency.name_latin if agency else data["agency"],
                "legal_basis": data["legal_basis"],
                "case_reference": data["case_reference"],
                "query": data["query"],
                "outcome": REFUSED if refused else ANSWERED,
                "reason": data.get("reason") if refused else None,
            }
        )
    return out
