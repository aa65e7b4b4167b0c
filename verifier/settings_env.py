"""Environment variables that name no setting: the misspellings pydantic-settings ignores.

pydantic-settings reads `PREFIX_FIELD` (and `PREFIX_FIELD__SUBFIELD` for a nested model) and
silently ignores every other variable with the prefix, so `SANAD_VERIFY_MIN_SEQUENCY=42`
would leave the pinned minimum at its default. Each part's loader calls `unknown_variables`
and refuses to start on any it returns, naming them. Pure: the environment is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel

__all__ = ["unknown_variables"]


def _names(model: type[BaseModel], delimiter: str) -> set[str]:
    names: set[str] = set()
    for name, field in model.model_fields.items():
        names.add(name.upper())
        sub = field.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            names.update(f"{name.upper()}{delimiter}{n}" for n in _names(sub, delimiter))
    return names


def unknown_variables(
    prefix: str,
    model: type[BaseModel],
    environ: Mapping[str, str],
    *,
    also: Iterable[str] = (),
    delimiter: str = "__",
) -> list[str]:
    """The variables starting with `prefix` (any case) that are neither a field of `model`
    (nested models through `delimiter`) nor one of `also` (names without the prefix), sorted."""
    known = _names(model, delimiter) | {a.upper() for a in also}
    p = prefix.upper()
    return sorted(
        k for k in environ if k.upper().startswith(p) and k[len(p) :].upper() not in known
    )
