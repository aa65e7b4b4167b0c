"""Translation catalogues: one JSON file per language here; adding a language is adding a file.

A catalogue maps a key (``"pin.title"``) to a text with ``{named}`` placeholders, plus a
``_meta`` entry: the language's own name, its direction (``rtl`` or ``ltr``) and its place in
the language menu. `Catalogues.load()` reads every ``*.json`` here (or in a given folder) and
checks them against the reference catalogue (English): a missing key or a placeholder that does
not match is an error at start-up, not a hole on a citizen's screen.

What this module does not do: shape Arabic or lay out text for Kivy (that is `kiosk_app.i18n.text`).

Exception tree::

    CatalogueError
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kiosk_app.errors import KioskError

__all__ = [
    "REFERENCE",
    "Catalogue",
    "CatalogueError",
    "Catalogues",
    "format_fee",
]

REFERENCE = "en"  # every catalogue must have exactly this one's keys and placeholders
_HERE = Path(__file__).resolve().parent


class CatalogueError(KioskError):
    """A catalogue file is missing, malformed, or disagrees with the reference."""


def _placeholders(text: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


@dataclass(frozen=True)
class Catalogue:
    code: str
    name: str
    direction: str  # "rtl" or "ltr"
    order: int
    texts: Mapping[str, str]

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    def get(self, key: str, **params: object) -> str:
        """The text for `key` with its placeholders filled; an unknown key raises KeyError.

        In a right-to-left language each value is isolated (FSI…PDI), so a serial, a fee or
        a Latin name keeps its own order inside the sentence."""
        from kiosk_app.i18n.text import isolate

        wrap = isolate if self.rtl else str
        return self.texts[key].format_map({k: wrap(str(v)) for k, v in params.items()})

    def has(self, key: str) -> bool:
        return key in self.texts


class Catalogues:
    """Every language found, checked against the reference."""

    def __init__(self, catalogues: Mapping[str, Catalogue]) -> None:
        if REFERENCE not in catalogues:
            raise CatalogueError(f"the reference catalogue {REFERENCE}.json is missing")
        self._by_code = dict(catalogues)
        ref = catalogues[REFERENCE]
        for code, cat in catalogues.items():
            missing = sorted(set(ref.texts) - set(cat.texts))
            extra = sorted(set(cat.texts) - set(ref.texts))
            if missing or extra:
                raise CatalogueError(f"{code}.json: missing keys {missing}, unknown keys {extra}")
            for key, text in cat.texts.items():
                if _placeholders(text) != _placeholders(ref.texts[key]):
                    raise CatalogueError(
                        f"{code}.json: {key!r} has placeholders unlike {REFERENCE}.json"
                    )

    @classmethod
    def load(cls, folder: Path | None = None) -> Catalogues:
        folder = folder or _HERE
        found: dict[str, Catalogue] = {}
        for path in sorted(folder.glob("*.json")):
            found[path.stem] = _read(path)
        return cls(found)

    @property
    def codes(self) -> tuple[str, ...]:
        """Language codes in menu order."""
        return tuple(sorted(self._by_code, key=lambda c: (self._by_code[c].order, c)))

    def __getitem__(self, code: str) -> Catalogue:
        try:
            return self._by_code[code]
        except KeyError:
            raise CatalogueError(f"no catalogue for language {code!r}") from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code


def _read(path: Path) -> Catalogue:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueError(f"{path.name}: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("_meta"), dict):
        raise CatalogueError(f"{path.name}: expected an object with a _meta entry")
    meta = raw.pop("_meta")
    direction = meta.get("direction")
    if direction not in ("rtl", "ltr"):
        raise CatalogueError(f"{path.name}: _meta.direction must be 'rtl' or 'ltr'")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise CatalogueError(f"{path.name}: every entry must be a string")
    try:
        order = int(meta.get("order", 99))
    except (TypeError, ValueError) as exc:
        raise CatalogueError(f"{path.name}: _meta.order must be a number") from exc
    return Catalogue(path.stem, str(meta.get("name", path.stem)), direction, order, raw)


# ISO 4217 minor units where they are not 2 (the dinars count fils in thousands); the registry's
# fee objects carry them ("minor_units"), this is for a fee that came without
_EXPONENT = {"JOD": 3, "KWD": 3, "BHD": 3, "OMR": 3, "TND": 3, "LYD": 3, "IQD": 3, "JPY": 0}


def format_fee(
    amount: int, currency: str, catalogue: Catalogue, minor_units: int | None = None
) -> str:
    """A fee in minor units as the citizen reads it, every minor digit shown (contract
    "Fees"): ``"1.000 دينار"``, ``"0.500 دينار"``, English ``"JOD 1.000"``."""
    exponent = _EXPONENT.get(currency, 2) if minor_units is None else minor_units
    major, minor = divmod(amount, 10**exponent)
    number = f"{major}" if exponent == 0 else f"{major}.{minor:0{exponent}d}"
    key = f"currency.{currency}"
    unit = catalogue.texts[key] if catalogue.has(key) else currency
    return catalogue.texts["fee.format"].format(amount=number, unit=unit)
