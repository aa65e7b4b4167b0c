"""What each event kind provides to the declarations store (`registry.civil.store`).

The store is generic: it numbers declarations, keeps every revision of the facts and each
step's history, runs the state machine of `registry.office.declarations`, and appends the
audit records. What differs by kind is here, one module per kind (`births`, `deaths`,
`marriages`, `divorces`), each exposing `HANDLER: EventHandler`:

* `facts_model`: the pydantic model of the declared facts (the API body's `facts` and the
  form's fields parse into it; extra keys refused). Stored as its `model_dump(mode="json")`.
* `subject(facts)`: the national number the declaration is about, if it names one (a death's
  person, a birth's mother, a marriage's husband, a divorce's husband), for the store's
  `subject` index (duplicate and second-death checks find waiting declarations by it).
* `findings(s, law, facts, today=, declaration_id=, lock=)`: `vital_checks` findings on the facts,
  with the register's facts fetched (parents, other births, marriages…); waiting declarations
  other than `declaration_id` count as well as registered records.
* `register(s, facts, reg)`: write the records (rows, family links, version 1 in
  `record_history`), under the locks it needs; answers the record reference
  (`record_history.ref`) the declaration keeps as `registered_ref`. Raises
  `registry.office.errors.Refused` if the register changed so that the facts no longer hold
  (a second death committed a moment before): the store rolls back.
* `summary(facts)`: one line for queues and lists, Arabic and English.
* `form_template`: the template (`templates/office/<name>.html`) holding the kind's form
  fields, included by the generic declare and amend pages; `from_form(form)` turns the
  submitted fields (str → str) into the dict `facts_model` validates; `to_form(facts)` the
  reverse, to fill the form for an amendment or after a refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy.orm import Session

from registry.models import Death, Divorce, Marriage, Office, Person
from registry.office.declarations import EventKind, State
from registry.office.errors import Refusal
from registry.office.family_law import FamilyLaw
from registry.record_history import add_version, record_ref, snapshot

__all__ = ["WAITING", "EventHandler", "Registration", "first_version"]


# the states in which a declaration still waits to be registered (the checks count these with
# the registered records: a second death, a duplicate birth, a concurrent marriage)
WAITING = (State.DECLARED.value, State.RETURNED.value, State.AMENDED.value)


@dataclass(frozen=True)
class Registration:
    """The registration a handler writes: which declaration, by whom, when, where."""

    declaration_id: int
    declaration_number: str
    office: Office
    by: int  # staff id of the registrar
    at: dt.datetime
    today: dt.date  # the registration's date in the authority's time zone


class EventHandler(Protocol):
    kind: EventKind
    facts_model: type[BaseModel]

    @property
    def labels(self) -> Mapping[str, tuple[str, str]]:
        """Each field's label (Arabic, English), for the messages of `common.invalid_facts`."""
        ...

    def subject(self, facts: BaseModel) -> str | None: ...

    def findings(
        self,
        s: Session,
        law: FamilyLaw,
        facts: BaseModel,
        *,
        today: dt.date,
        declaration_id: int | None,
        lock: bool = False,
    ) -> tuple[Refusal, ...]: ...

    def register(self, s: Session, facts: BaseModel, reg: Registration) -> str: ...

    def summary(self, facts: BaseModel) -> tuple[str, str]: ...

    form_template: str

    def from_form(self, form: Mapping[str, str]) -> dict[str, Any]: ...

    def to_form(self, facts: BaseModel) -> dict[str, str]: ...


def first_version(s: Session, row: Person | Death | Marriage | Divorce, reg: Registration) -> str:
    """Version 1 of a record a registration wrote (flushed): its reference, which the
    declaration keeps as `registered_ref`."""
    reference = record_ref(row)
    add_version(
        s,
        reference,
        snapshot(s, row),
        at=reg.at,
        by=reg.by,
        reason=f"registration of declaration {reg.declaration_number}",
        declaration_id=reg.declaration_id,
    )
    return reference
