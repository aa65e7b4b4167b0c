"""The event kinds' handlers, by kind (each module's `HANDLER`)."""

from __future__ import annotations

import importlib

from registry.civil.kinds import EventHandler
from registry.office.declarations import EventKind

__all__ = ["handler_of", "kinds_available"]

_MODULES = {
    EventKind.BIRTH: "registry.civil.births",
    EventKind.DEATH: "registry.civil.deaths",
    EventKind.MARRIAGE: "registry.civil.marriages",
    EventKind.DIVORCE: "registry.civil.divorces",
}


def kinds_available() -> tuple[EventKind, ...]:
    return tuple(_MODULES)


def handler_of(kind: EventKind) -> EventHandler:
    if kind not in _MODULES:
        raise KeyError(f"no handler for {kind.value} declarations yet")
    handler: EventHandler = importlib.import_module(_MODULES[kind]).HANDLER
    return handler
