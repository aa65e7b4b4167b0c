"""Place codes: the registry's side of the trust list's place table.

Documents name offices, service centres and towns by a small integer code instead of two long
strings (a few bytes against a hundred: a smaller QR code); the root-signed trust list maps each
code to its Arabic and Latin names, so a verifier prints the same words as the paper. Codes are
allocated by kind (1xxx offices, 2xxx service centres, 5xxx towns) and never reused.

A code is used in a document only once a published trust list names it (`PlaceBook` only knows
published codes); an unpublished place is written out in full, so every document can always be
read by a verifier holding the current list.
"""

from __future__ import annotations

import enum
import threading
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.db import Database
from registry.models import PlaceName
from registry.names import OFFICES, PLACES
from verifier.documents import Bilingual, Place

__all__ = ["PlaceBook", "PlaceKind", "ensure_place", "register_defaults"]


class PlaceKind(enum.IntEnum):
    OFFICE = 1
    CENTRE = 2
    TOWN = 5


def _code_for(kind: PlaceKind, n: int) -> int:
    # four digits (a 3-byte CBOR integer) while there is room, then a wider range
    return int(kind) * 1000 + 100 + n if n < 900 else int(kind) * 1_000_000 + n


def ensure_place(session: Session, name: Bilingual, kind: PlaceKind) -> int:
    """The code of a place, allocating one if it is new (published with the next trust list)."""
    row = session.execute(
        select(PlaceName).where(PlaceName.name_ar == name.ar, PlaceName.name_latin == name.latin)
    ).scalar_one_or_none()
    if row is not None:
        return row.code
    count = session.execute(
        select(func.count()).select_from(PlaceName).where(PlaceName.kind == int(kind))
    ).scalar_one()
    code = _code_for(kind, count + 1)
    session.add(PlaceName(code=code, kind=int(kind), name_ar=name.ar, name_latin=name.latin))
    session.flush()
    return code


def register_defaults(session: Session) -> None:
    """The towns and registration offices the demo population uses."""
    for ar, latin, _ in PLACES:
        ensure_place(session, Bilingual(ar, latin), PlaceKind.TOWN)
    for ar, latin in OFFICES.values():
        ensure_place(session, Bilingual(ar, latin), PlaceKind.OFFICE)


class PlaceBook:
    """Published place codes, cached for `ttl` seconds."""

    def __init__(self, db: Database, ttl: float = 30.0) -> None:
        self._db = db
        self._ttl = ttl
        self._lock = threading.Lock()
        self._loaded = -1e9
        self._codes: dict[tuple[str, str | None], int] = {}
        self._names: dict[int, Bilingual] = {}

    def _refresh(self, session: Session | None) -> None:
        with self._lock:
            if time.monotonic() - self._loaded < self._ttl:
                return
            query = select(PlaceName).where(PlaceName.published_in.is_not(None))
            if session is not None:
                rows = list(session.execute(query).scalars())
            else:
                with self._db.session() as s:
                    rows = list(s.execute(query).scalars())
            self._codes = {(r.name_ar, r.name_latin): r.code for r in rows}
            self._names = {r.code: Bilingual(r.name_ar, r.name_latin) for r in rows}
            self._loaded = time.monotonic()

    def place(self, name: Bilingual, session: Session | None = None) -> Place:
        """A coded Place if the trust list names it, else the name written out."""
        self._refresh(session)
        code = self._codes.get((name.ar, name.latin))
        return Place(code=code, name=name) if code is not None else Place(name=name)

    def names(self, session: Session | None = None) -> dict[int, Bilingual]:
        self._refresh(session)
        return dict(self._names)
