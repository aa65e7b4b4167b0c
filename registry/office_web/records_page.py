"""A person's record: every field, family, events, versions, documents issued and their status.

GET  /office/record/{nid}          the page (clerks, registrars, supervisors)
GET  /api/v1/office/persons/{nid}  the same as JSON
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import records
from registry.models import Death, Person
from registry.office.declarations import Permission
from registry.office_web.context import OfficeContext

__all__ = ["install", "record_json", "record_of"]


def install(router: APIRouter, ctx: OfficeContext) -> None:
    @router.get(
        "/office/record/{national_id}", response_class=HTMLResponse, include_in_schema=False
    )
    def record_page(request: Request, national_id: str) -> Response:
        me = ctx.page(request, Permission.SEARCH)
        if isinstance(me, Response):
            return me
        with ctx.reg.db.session() as s:
            rec = record_of(s, national_id[:32])
        if rec is None:
            return ctx.refused_page(request, me, 404, ctx.t(request)["not_found"])
        return ctx.render(request, "record", me, **rec)

    @router.get(
        "/api/v1/office/persons/{national_id}",
        responses={401: {}, 403: {}, 404: {}},
        tags=["office"],
    )
    def api_record(request: Request, national_id: str) -> Response:
        me = ctx.api(request, Permission.SEARCH)
        if isinstance(me, Response):
            return me
        with ctx.reg.db.session() as s:
            rec = record_of(s, national_id[:32])
        if rec is None:
            return ctx.api_error(404, "not_found", "no record has that national number")
        return JSONResponse(record_json(rec))


def record_of(s: Session, national_id: str) -> dict[str, Any] | None:
    """A person's record for the record page: the row, parents in the registry, death."""
    person = records.find_by_national_id(s, national_id)
    if person is None:
        return None
    father = s.get(Person, person.father_id) if person.father_id else None
    mother = s.get(Person, person.mother_id) if person.mother_id else None
    death = s.execute(select(Death).where(Death.person_id == person.id)).scalar_one_or_none()
    return {"p": person, "father": father, "mother": mother, "death": death}


def record_json(rec: dict[str, Any]) -> dict[str, Any]:
    p: Person = rec["p"]
    death: Death | None = rec["death"]
    return {
        "national_id": p.national_id,
        "name": {"ar": p.name_ar, "latin": p.name_latin},
        "sex": "male" if p.sex == 1 else "female",
        "date_of_birth": p.date_of_birth.isoformat(),
        "place_of_birth": {"ar": p.place_of_birth_ar, "latin": p.place_of_birth_latin},
        "birth_office": {"ar": p.birth_office_ar, "latin": p.birth_office_latin},
        "birth_record": p.birth_record,
        "birth_registered_on": p.birth_registered_on.isoformat(),
        "father": {
            "name": {"ar": p.father_name_ar, "latin": p.father_name_latin},
            "national_id": rec["father"].national_id if rec["father"] else None,
        },
        "mother": {
            "name": {"ar": p.mother_name_ar, "latin": p.mother_name_latin},
            "national_id": rec["mother"].national_id if rec["mother"] else None,
        },
        "deceased": death is not None,
        "date_of_death": death.date.isoformat() if death else None,
    }
