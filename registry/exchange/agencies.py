"""Agencies: who may ask which question under which legal basis, and their certificates.

`add_agency` checks what it is given against the table's limits before anything reaches the
database: each mistake is an InvalidInput naming the field, never a database error.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import InvalidInput
from registry.exchange.ca import IssuedCertificate
from registry.models import Agency, AgencyCertificate

__all__ = [
    "MAX_CONTACT",
    "MAX_NAME",
    "QUERIES",
    "add_agency",
    "allowed",
    "certificate_agency",
    "disable_agency",
    "record_certificate",
    "revoke_certificate",
]

QUERIES = frozenset({"is_alive", "is_married", "is_over_18", "is_parent_of", "document_genuine"})
# the certificate's CN and the table's key (String(16))
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,15}")
MAX_NAME = 160  # agencies.name_ar, name_latin
MAX_CONTACT = 200  # agencies.contact
MAX_BASIS = 64  # the exchange request's legal_basis
MAX_PER_MINUTE = 100_000


def _text(field: str, value: object, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text")
    text = value.strip()
    if not text:
        raise InvalidInput(f"{field} is empty")
    if len(text) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text):
        raise InvalidInput(f"{field} holds control characters")
    return text


def _bases(bases: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for basis, queries in bases.items():
        name = _text("a legal basis", basis, MAX_BASIS)
        if isinstance(queries, str) or not all(isinstance(q, str) for q in queries):
            raise InvalidInput(f"legal basis {name}: the queries must be a list of names")
        if not queries:
            raise InvalidInput(f"legal basis {name} allows no query")
        unknown = set(queries) - QUERIES
        if unknown:
            raise InvalidInput(
                f"unknown queries: {', '.join(sorted(unknown))} "
                f"(known: {', '.join(sorted(QUERIES))})"
            )
        out[name] = sorted({*out.get(name, []), *queries})
    return out


def add_agency(
    s: Session,
    code: str,
    name_ar: str,
    name_latin: str,
    contact: str,
    bases: Mapping[str, Sequence[str]],
    now: dt.datetime,
    per_minute: int = 60,
) -> Agency:
    """A new, active agency; InvalidInput if a field is malformed or the code is taken."""
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise InvalidInput(
            "the agency code is 1 to 16 letters, digits, - or _, starting with a letter or digit"
        )
    if isinstance(per_minute, bool) or not isinstance(per_minute, int):
        raise InvalidInput("per_minute must be a whole number")
    if not 1 <= per_minute <= MAX_PER_MINUTE:
        raise InvalidInput(f"per_minute must be between 1 and {MAX_PER_MINUTE}")
    agency = Agency(
        code=code,
        name_ar=_text("name_ar", name_ar, MAX_NAME),
        name_latin=_text("name_latin", name_latin, MAX_NAME),
        contact=_text("contact", contact, MAX_CONTACT),
        bases=json.dumps(_bases(bases), sort_keys=True),
        active=True,
        per_minute=per_minute,
        created_at=now,
    )
    if s.get(Agency, code) is not None:
        raise InvalidInput(f"agency {code} already exists")
    s.add(agency)
    return agency


def disable_agency(s: Session, code: str) -> None:
    agency = s.get(Agency, code)
    if agency is None:
        raise LookupError(code)
    agency.active = False


def allowed(agency: Agency, legal_basis: str, query: str) -> bool:
    bases: dict[str, list[str]] = json.loads(agency.bases)
    return query in bases.get(legal_basis, [])


def record_certificate(s: Session, code: str, issued: IssuedCertificate, now: dt.datetime) -> None:
    s.add(
        AgencyCertificate(
            serial=issued.serial,
            agency_code=code,
            fingerprint=issued.fingerprint,
            not_after=issued.not_after,
            issued_at=now,
        )
    )


def revoke_certificate(s: Session, serial: str, now: dt.datetime) -> None:
    cert = s.get(AgencyCertificate, serial)
    if cert is None:
        raise LookupError(serial)
    cert.revoked_at = now


def certificate_agency(s: Session, serial: str, now: dt.datetime) -> Agency | None:
    """The active agency of a current, unrevoked certificate; None otherwise."""
    row = s.execute(
        select(AgencyCertificate, Agency)
        .join(Agency, Agency.code == AgencyCertificate.agency_code)
        .where(AgencyCertificate.serial == serial)
    ).one_or_none()
    if row is None:
        return None
    cert, agency = row
    if cert.revoked_at is not None or cert.not_after <= now or not agency.active:
        return None
    return agency
