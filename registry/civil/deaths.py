"""The death event kind (`HANDLER`), for the declarations store.

A death declares the person (by national number: only a person in the register dies in it),
the date and time, the place, the informant and, optionally, a cause category (never the
medical detail: that stays with the health ministry). Registering writes the death record and
closes the person's record: from that moment the kiosk offers the death certificate to the
spouse, children and parents, offers nothing of the person's own, refuses their PIN, and any
kiosk session they had is ended. A second death of the same person is refused by the checks,
and by the unique key on `deaths.person_id` if two registrations race.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.civil import numbers
from registry.civil.common import (
    Facts,
    Informant,
    NationalId,
    Place,
    drop_empty,
    place_findings,
    place_names,
    str_or_none,
)
from registry.civil.kinds import WAITING, Registration, first_version
from registry.civil.persons import by_national_id, facts_of
from registry.models import CitizenSession, Death, DeclarationRow
from registry.office.declarations import EventKind
from registry.office.errors import Refusal, Refused, isolate
from registry.office.family_law import FamilyLaw
from registry.office.vital_checks import DeathFacts, check_death

__all__ = ["HANDLER", "CauseCategory", "DeathDeclared"]


class CauseCategory(enum.Enum):
    NATURAL = "natural"
    ILLNESS = "illness"
    ACCIDENT = "accident"
    VIOLENCE = "violence"
    UNDETERMINED = "undetermined"


CAUSE_WORDS = {
    CauseCategory.NATURAL: ("وفاة طبيعية", "natural causes"),
    CauseCategory.ILLNESS: ("مرض", "illness"),
    CauseCategory.ACCIDENT: ("حادث", "accident"),
    CauseCategory.VIOLENCE: ("عنف", "violence"),
    CauseCategory.UNDETERMINED: ("غير محدد", "undetermined"),
}


class DeathDeclared(Facts):
    national_id: NationalId
    date_of_death: dt.date
    time_of_death: dt.time | None = None
    place: Place
    cause_category: CauseCategory | None = None
    informant: Informant


LABELS: dict[str, tuple[str, str]] = {
    "national_id": ("الرقم الوطني للمتوفى", "The deceased's national number"),
    "date_of_death": ("تاريخ الوفاة", "The date of death"),
    "time_of_death": ("ساعة الوفاة", "The time of death"),
    "place": ("مكان الوفاة", "The place of death"),
    "cause_category": ("فئة سبب الوفاة", "The cause category"),
    "informant": ("المبلِّغ", "The informant"),
}


def _not_in_register(nid: str) -> Refusal:
    return Refusal(
        "death_person_unknown",
        f"لا يوجد في السجل شخص بالرقم الوطني {isolate(nid)}: تحقّق من الرقم.",
        f"No person in the register holds national number {nid}: check the number.",
    )


def _already_registered(nid: str) -> Refusal:
    return Refusal(
        "death_second",
        f"وفاة صاحب الرقم الوطني {isolate(nid)} مسجّلة من قبل: لا تُسجَّل الوفاة مرتين.",
        f"The death of {nid} is already registered: a death is not registered twice.",
    )


class _Deaths:
    kind = EventKind.DEATH
    facts_model: type[BaseModel] = DeathDeclared
    form_template = "office/declare_death.html"
    labels = LABELS

    def subject(self, facts: BaseModel) -> str | None:
        assert isinstance(facts, DeathDeclared)
        return facts.national_id

    def findings(
        self,
        s: Session,
        law: FamilyLaw,
        facts: BaseModel,
        *,
        today: dt.date,
        declaration_id: int | None,
        lock: bool = False,
    ) -> tuple[Refusal, ...]:
        assert isinstance(facts, DeathDeclared)
        person = by_national_id(s, facts.national_id)
        if person is None:
            return (_not_in_register(facts.national_id),)
        out = list(check_death(DeathFacts(facts_of(s, person), facts.date_of_death), today=today))
        out.extend(place_findings(s, facts.place))
        waiting = select(DeclarationRow.number).where(
            DeclarationRow.kind == EventKind.DEATH.value,
            DeclarationRow.subject == facts.national_id,
            DeclarationRow.state.in_(WAITING),
        )
        if declaration_id is not None:  # the one declared first is the one to register
            waiting = waiting.where(DeclarationRow.id < declaration_id)
        other = s.execute(waiting.limit(1)).scalar()
        if other is not None:
            out.append(
                Refusal(
                    "death_declared_twice",
                    f"وفاة هذا الشخص مقدَّمة من قبل في الطلب {isolate(other)} وهو بانتظار"
                    " التدقيق: لا تُقدَّم الوفاة مرتين.",
                    f"This person's death is already declared in {other}, awaiting review:"
                    " a death is not declared twice.",
                )
            )
        return tuple(out)

    def register(self, s: Session, facts: BaseModel, reg: Registration) -> str:
        assert isinstance(facts, DeathDeclared)
        person = by_national_id(s, facts.national_id, for_update=True)
        if person is None:
            raise Refused(_not_in_register(facts.national_id))
        if s.execute(select(Death.id).where(Death.person_id == person.id)).first():
            raise Refused(_already_registered(facts.national_id))
        place_ar, place_latin = place_names(s, facts.place)
        death = Death(
            person_id=person.id,
            date=facts.date_of_death,
            place_ar=place_ar,
            place_latin=place_latin,
            office_ar=reg.office.name_ar,
            office_latin=reg.office.name_latin,
            record_number=numbers.record_number(s, "death", reg.office.code, reg.today.year),
            registered_on=reg.today,
            cause_category=facts.cause_category.value if facts.cause_category else None,
        )
        try:
            with s.begin_nested():
                s.add(death)
                s.flush()
        except IntegrityError:
            # another registrar's death registration for the same person committed first
            raise Refused(_already_registered(facts.national_id)) from None
        s.execute(delete(CitizenSession).where(CitizenSession.person_id == person.id))
        return first_version(s, death, reg)

    def summary(self, facts: BaseModel) -> tuple[str, str]:
        assert isinstance(facts, DeathDeclared)
        day = facts.date_of_death.isoformat()
        return (
            f"وفاة صاحب الرقم الوطني {isolate(facts.national_id)} بتاريخ {isolate(day)}",
            f"Death of {facts.national_id} on {day}",
        )

    def from_form(self, form: Mapping[str, str]) -> dict[str, Any]:
        def get(key: str) -> str | None:
            return str_or_none(form, key)

        out: dict[str, Any] = {
            "national_id": get("national_id"),
            "date_of_death": get("date_of_death"),
            "time_of_death": get("time_of_death"),
            "cause_category": get("cause_category"),
            "place": {
                "code": get("place_code"),
                "name_ar": get("place_ar"),
                "name_latin": get("place_latin"),
            },
            "informant": {
                "relation": get("informant_relation"),
                "name_ar": get("informant_name_ar"),
                "national_id": get("informant_nid"),
            },
        }
        return drop_empty(out)

    def to_form(self, facts: BaseModel) -> dict[str, str]:
        assert isinstance(facts, DeathDeclared)
        data = json.loads(facts.model_dump_json())
        flat: dict[str, Any] = {
            "national_id": data["national_id"],
            "date_of_death": data["date_of_death"],
            "time_of_death": data.get("time_of_death"),
            "cause_category": data.get("cause_category"),
            "place_code": data["place"].get("code"),
            "place_ar": data["place"].get("name_ar"),
            "place_latin": data["place"].get("name_latin"),
            "informant_relation": data["informant"]["relation"],
            "informant_name_ar": data["informant"]["name_ar"],
            "informant_nid": data["informant"].get("national_id"),
        }
        return {k: str(v) for k, v in flat.items() if v is not None}


HANDLER = _Deaths()
