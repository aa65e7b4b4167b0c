"""Agencies: who may ask which question under which legal basis, and their certificates."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.exchange.ca import IssuedCertificate
from registry.models import Agency, AgencyCertificate

__all__ = [
    "QUERIES",
    "add_agency",
    "allowed",
    "certificate_agency",
    "disable_agency",
    "record_certificate",
    "revoke_certificate",
]

QUERIES = frozenset({"is_alive", "is_married", "is_over_18", "is_parent_of", "document_genuine"})


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
    unknown = {q for qs in bases.values() for q in qs} - QUERIES
    if unknown:
        raise ValueError(f"unknown queries: {', '.join(sorted(unknown))}")
    agency = Agency(
        code=code,
        name_ar=name_ar,
        name_latin=name_latin,
        contact=contact,
        bases=json.dumps({k: sorted(set(v)) for k, v in bases.items()}, sort_keys=True),
        active=True,
        per_minute=per_minute,
        created_at=now,
    )
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
