"""Lean reads and writes for the issue path: statements built once, run in the caller's transaction.

The issue path runs for every document a kiosk prints, so it does not go through the ORM's
unit of work (identity map, attribute instrumentation, statements constructed on every call:
about three times the Python cost of a prebuilt statement). Every statement here is a
SQLAlchemy Core statement built once (`Statement`) and run on the caller's connection inside
the caller's transaction (`Database.session()`, through `Session.connection()`). On
PostgreSQL (psycopg) its SQL is compiled once and sent straight to the driver, which cuts the
Python cost per statement by about two thirds again; on SQLite it is an ordinary Core
execution. Both give rows with the same attribute names and aware UTC datetimes, and the same
SQLAlchemy exceptions, while the rest of the registry keeps its ORM models.

* `Records`: the civil records the entitlement rules and the document builder read (persons as
  `PersonRec`, deaths, marriages, divorces as rows), with a per-transaction memo of the facts
  the issue context already fetched.
* `IssueContext` / `issue_context`: one round trip that fetches everything an issue request
  needs before any rule runs: the kiosk (key, revocation, centre), the citizen's session and
  person, whether a document was already issued under the same idempotency key, the current
  document signer and the fee. The current signer and the fee are read in the transaction,
  never cached, so a rotation, a revocation or a new fee applies to the very next document.
* `record_nonce`, `extend_session`, `next_document_id`, `insert_document`: the writes.

No rules here (those are in `registry.issuance`, `registry.entitlements`, `registry.kiosks`).
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import psycopg
from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, NoResultFound
from sqlalchemy.sql import Insert, Select, TextClause, Update

from registry.models import (
    Base,
    CitizenSession,
    Death,
    Divorce,
    DocumentStatusCode,
    Fee,
    IssuedDocument,
    Kiosk,
    KioskNonce,
    Marriage,
    Person,
    Signer,
    UTCDateTime,
    latin_name,
)
from verifier.trust import SignerStatus

__all__ = [
    "IssueContext",
    "NewDocument",
    "PersonRec",
    "Records",
    "Statement",
    "document",
    "extend_session",
    "insert_document",
    "issue_context",
    "next_document_id",
    "record_nonce",
]


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_P = _table(Person)
_DEATH = _table(Death)
_MAR = _table(Marriage)
_DIV = _table(Divorce)
_K = _table(Kiosk)
_CS = _table(CitizenSession)
_DOC = _table(IssuedDocument)
_SIG = _table(Signer)
_FEE = _table(Fee)
_NONCE = _table(KioskNonce)


# ---------------------------------------------------------------------------------------------
# Execution: on PostgreSQL straight on the driver, in the caller's transaction

Rec = Any  # a result row: attribute access by column name, and a tuple (SQLAlchemy's Row, or
# on PostgreSQL a named tuple with aware datetimes)


def _row_factory(
    make: Callable[[list[Any]], Any],
) -> Callable[[Any], Callable[[Sequence[Any]], Any]]:
    """A psycopg row factory that never builds the cursor's description: `make` gets the
    values, timestamps read back as UTC as `UTCDateTime` reads them."""

    def row(values: Sequence[Any]) -> Any:
        return make(
            [
                v.replace(tzinfo=dt.UTC) if type(v) is dt.datetime and v.tzinfo is None else v
                for v in values
            ]
        )

    def factory(_cursor: Any) -> Callable[[Sequence[Any]], Any]:
        return row

    return factory


def _bind(value: Any) -> Any:
    if type(value) is dt.datetime and value.tzinfo is not None:  # as UTCDateTime stores it
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


class Statement:
    """A Core statement built once. On PostgreSQL its SQL is compiled once and run on the
    psycopg connection under SQLAlchemy's transaction (a third of the Python cost of
    `Connection.execute`: no execution context, no result object); elsewhere it is the Core
    statement. Driver errors are raised as SQLAlchemy's (`IntegrityError`, `OperationalError`,
    ...), so callers and `Database.session` treat both paths alike."""

    __slots__ = ("_defaults", "_row", "_sql", "stmt")

    def __init__(self, stmt: Select[Any] | Insert | Update | TextClause) -> None:
        self.stmt = stmt
        self._sql: str | None = None
        self._defaults: dict[str, Any] = {}
        # rows are named tuples of the selected columns (plain tuples for text); no row maker
        # at all for INSERT and UPDATE, which return nothing here
        self._row: Callable[[Any], Callable[[Sequence[Any]], Any]] | None = None
        if isinstance(stmt, Select):
            fields_ = namedtuple("Rec", stmt.selected_columns.keys(), rename=True)  # type: ignore[misc]
            self._row = _row_factory(fields_._make)
        elif isinstance(stmt, TextClause):
            self._row = _row_factory(tuple)

    def rows(self, conn: Connection, params: Mapping[str, Any] | None = None) -> list[Rec]:
        if conn.dialect.driver != "psycopg":
            result = conn.execute(self.stmt, dict(params or {}))
            return list(result) if result.returns_rows else []
        if self._sql is None:
            compiled = self.stmt.compile(dialect=conn.dialect)
            self._defaults = {k: _bind(v) for k, v in compiled.params.items()}
            self._sql = str(compiled)
        values = self._defaults | {k: _bind(v) for k, v in (params or {}).items()}
        driver = conn.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        try:
            if self._row is None:
                with driver.cursor() as cur:
                    cur.execute(self._sql, values)
                return []
            with driver.cursor(row_factory=self._row) as cur:
                cur.execute(self._sql, values)
                return cur.fetchall()
        except psycopg.Error as exc:
            raise DBAPIError.instance(self._sql, values, exc, psycopg.Error) from exc

    def first(self, conn: Connection, params: Mapping[str, Any] | None = None) -> Rec | None:
        found = self.rows(conn, params)
        return found[0] if found else None

    def one(self, conn: Connection, params: Mapping[str, Any] | None = None) -> Rec:
        found = self.rows(conn, params)
        if len(found) != 1:
            raise NoResultFound("expected exactly one row")
        return found[0]


@dataclass(frozen=True, slots=True)
class PersonRec:
    """A person's row as the issue path reads it (the attributes of `models.Person`)."""

    id: int
    national_id: str
    card_number: str | None
    sex: int
    given_ar: str
    given_latin: str | None
    father_given_ar: str
    father_given_latin: str | None
    grandfather_given_ar: str
    grandfather_given_latin: str | None
    family_ar: str
    family_latin: str | None
    father_name_ar: str
    father_name_latin: str | None
    mother_name_ar: str
    mother_name_latin: str | None
    father_id: int | None
    mother_id: int | None
    date_of_birth: dt.date
    place_of_birth_ar: str
    place_of_birth_latin: str | None
    birth_office_ar: str
    birth_office_latin: str | None
    birth_record: str
    birth_registered_on: dt.date
    employed: bool

    @property
    def name_ar(self) -> str:
        return " ".join(
            (self.given_ar, self.father_given_ar, self.grandfather_given_ar, self.family_ar)
        )

    @property
    def name_latin(self) -> str | None:
        return latin_name(
            (
                self.given_latin,
                self.father_given_latin,
                self.grandfather_given_latin,
                self.family_latin,
            )
        )


_PERSON_FIELDS = tuple(f.name for f in fields(PersonRec))
_PERSON_COLUMNS = [_P.c[name] for name in _PERSON_FIELDS]


def _person(row: Iterable[Any]) -> PersonRec:
    values = list(row)
    values[-1] = bool(values[-1])  # SQLite gives 0/1
    return PersonRec(*values)


_BY_ID = Statement(select(*_PERSON_COLUMNS).where(_P.c.id == bindparam("id")))
_BY_NID = Statement(select(*_PERSON_COLUMNS).where(_P.c.national_id == bindparam("nid")))
_CHILDREN = Statement(
    select(*_PERSON_COLUMNS)
    .where(or_(_P.c.father_id == bindparam("id"), _P.c.mother_id == bindparam("id")))
    .order_by(_P.c.date_of_birth, _P.c.id)
)
_NIDS = Statement(
    select(_P.c.id, _P.c.national_id).where(_P.c.id.in_([bindparam("a"), bindparam("b")]))
)
_DEATH_OF = Statement(select(_DEATH).where(_DEATH.c.person_id == bindparam("id")))
_DEAD = Statement(select(_DEATH.c.id).where(_DEATH.c.person_id == bindparam("id")))
_MARRIAGES = Statement(
    select(_MAR)
    .where(or_(_MAR.c.husband_id == bindparam("id"), _MAR.c.wife_id == bindparam("id")))
    .order_by(_MAR.c.date, _MAR.c.id)
)
_MARRIAGE = Statement(select(_MAR).where(_MAR.c.id == bindparam("id")))
_MARRIAGE_BY_RECORD = Statement(select(_MAR).where(_MAR.c.record_number == bindparam("ref")))
_DIVORCE_OF = Statement(select(_DIV).where(_DIV.c.marriage_id == bindparam("id")))
_DIVORCE_BY_RECORD = Statement(select(_DIV).where(_DIV.c.record_number == bindparam("ref")))


class Records:
    """The civil records on one connection, inside the caller's transaction.

    Facts the issue context already read (`remember_*`) are answered without a query; they are
    only kept for the lifetime of this object (one transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._dead: dict[int, bool] = {}
        self._nid: dict[int, str] = {}

    def remember_dead(self, person_id: int, dead: bool) -> None:
        self._dead[person_id] = dead

    def remember_nid(self, person_id: int | None, nid: str | None) -> None:
        if person_id is not None and nid is not None:
            self._nid[person_id] = nid

    def person(self, person_id: int) -> PersonRec:
        return _person(_BY_ID.one(self.conn, {"id": person_id}))

    def person_by_nid(self, nid: str) -> PersonRec | None:
        row = _BY_NID.first(self.conn, {"nid": nid})
        return _person(row) if row is not None else None

    def children(self, person_id: int) -> list[PersonRec]:
        return [_person(r) for r in _CHILDREN.rows(self.conn, {"id": person_id})]

    def nids_of(self, *person_ids: int | None) -> list[str | None]:
        wanted = [p for p in person_ids if p is not None and p not in self._nid]
        for a, b in zip(wanted[::2], [*wanted[1::2], None], strict=False):
            for row in _NIDS.rows(self.conn, {"a": a, "b": b}):
                self._nid[row.id] = row.national_id
        return [self._nid.get(p) if p is not None else None for p in person_ids]

    def death(self, person_id: int) -> Rec | None:
        if self._dead.get(person_id) is False:
            return None
        row = _DEATH_OF.first(self.conn, {"id": person_id})
        self._dead[person_id] = row is not None
        return row

    def is_dead(self, person_id: int) -> bool:
        known = self._dead.get(person_id)
        if known is None:
            known = _DEAD.first(self.conn, {"id": person_id}) is not None
            self._dead[person_id] = known
        return known

    def marriages_of(self, person_id: int) -> list[Rec]:
        return _MARRIAGES.rows(self.conn, {"id": person_id})

    def marriage(self, marriage_id: int) -> Rec:
        return _MARRIAGE.one(self.conn, {"id": marriage_id})

    def marriage_by_record(self, ref: str) -> Rec | None:
        return _MARRIAGE_BY_RECORD.first(self.conn, {"ref": ref})

    def divorce_of(self, marriage_id: int) -> Rec | None:
        return _DIVORCE_OF.first(self.conn, {"id": marriage_id})

    def divorce_by_record(self, ref: str) -> Rec | None:
        return _DIVORCE_BY_RECORD.first(self.conn, {"ref": ref})


# ---------------------------------------------------------------------------------------------
# The issue context: one round trip before any rule runs

_NOW = bindparam("now", type_=UTCDateTime())
_CURRENT_KID = (
    select(_SIG.c.kid)
    .where(
        _SIG.c.status == int(SignerStatus.ACTIVE),
        _SIG.c.not_before <= _NOW,
        _SIG.c.not_after >= _NOW,
    )
    .order_by(_SIG.c.not_before.desc(), _SIG.c.created_at.desc())
    .limit(1)
    .scalar_subquery()
)  # as keyring.current_signer
_FATHER = _P.alias("father")
_MOTHER = _P.alias("mother")
_CONTEXT_QUERY: Select[Any] = (
    select(
        _K.c.public_key.label("k_public_key"),
        _K.c.revoked_at.label("k_revoked_at"),
        _K.c.centre_ar.label("k_centre_ar"),
        _K.c.centre_latin.label("k_centre_latin"),
        _K.c.kind.label("k_kind"),
        _CS.c.person_id.label("s_person_id"),
        _CS.c.kiosk_id.label("s_kiosk_id"),
        _CS.c.expires_at.label("s_expires_at"),
        _DOC.c.id.label("d_id"),
        _DOC.c.request_fingerprint.label("d_request_fingerprint"),
        _SIG.c.kid.label("signer_kid"),
        _SIG.c.issuer.label("signer_issuer"),
        _FEE.c.amount.label("fee_amount"),
        _FEE.c.currency.label("fee_currency"),
        exists(select(_DEATH.c.id).where(_DEATH.c.person_id == _CS.c.person_id)).label("p_dead"),
        _FATHER.c.national_id.label("p_father_nid"),
        _MOTHER.c.national_id.label("p_mother_nid"),
        *(c.label(f"p_{c.name}") for c in _PERSON_COLUMNS),
    )
    .select_from(_K)
    .outerjoin(_CS, _CS.c.token_hash == bindparam("token_hash"))
    .outerjoin(_P, _P.c.id == _CS.c.person_id)
    .outerjoin(_FATHER, _FATHER.c.id == _P.c.father_id)
    .outerjoin(_MOTHER, _MOTHER.c.id == _P.c.mother_id)
    .outerjoin(_DOC, and_(_DOC.c.kiosk_id == _K.c.id, _DOC.c.idempotency_key == bindparam("idem")))
    .outerjoin(_SIG, _SIG.c.kid == _CURRENT_KID)
    .outerjoin(_FEE, _FEE.c.document_type == bindparam("doc_type"))
    .where(_K.c.id == bindparam("kiosk_id"))
)
_PERSON_AT = len(_CONTEXT_QUERY.selected_columns) - len(_PERSON_COLUMNS)
_CONTEXT = Statement(_CONTEXT_QUERY)
_DOCUMENT = Statement(select(_DOC).where(_DOC.c.id == bindparam("id")))


@dataclass(frozen=True, slots=True)
class IssueContext:
    """What one issue request needs to know before the rules run (None where absent)."""

    kiosk_public_key: bytes
    kiosk_revoked_at: dt.datetime | None
    kiosk_centre_ar: str
    kiosk_centre_latin: str | None
    kiosk_kind: str
    session_person_id: int | None
    session_kiosk_id: str | None
    session_expires_at: dt.datetime | None
    requester: PersonRec | None
    requester_dead: bool
    requester_parent_nids: tuple[str | None, str | None]
    existing_id: int | None  # the document already issued under this idempotency key
    existing_fingerprint: str | None
    signer_kid: str | None
    signer_issuer: str | None
    fee: tuple[int, str] | None


def issue_context(
    conn: Connection,
    *,
    kiosk_id: str,
    token_hash: str,
    idempotency_key: str,
    document_type: int,
    now: dt.datetime,
) -> IssueContext | None:
    """The context of an issue request, or None if no kiosk has that id."""
    row = _CONTEXT.first(
        conn,
        {
            "kiosk_id": kiosk_id,
            "token_hash": token_hash,
            "idem": idempotency_key,
            "doc_type": document_type,
            "now": now,
        },
    )
    if row is None:
        return None
    person = _person(tuple(row)[_PERSON_AT:]) if row.s_person_id is not None else None
    return IssueContext(
        kiosk_public_key=row.k_public_key,
        kiosk_revoked_at=row.k_revoked_at,
        kiosk_centre_ar=row.k_centre_ar,
        kiosk_centre_latin=row.k_centre_latin,
        kiosk_kind=row.k_kind,
        session_person_id=row.s_person_id,
        session_kiosk_id=row.s_kiosk_id,
        session_expires_at=row.s_expires_at,
        requester=person,
        requester_dead=bool(row.p_dead),
        requester_parent_nids=(row.p_father_nid, row.p_mother_nid),
        existing_id=row.d_id,
        existing_fingerprint=row.d_request_fingerprint,
        signer_kid=row.signer_kid,
        signer_issuer=row.signer_issuer,
        fee=(row.fee_amount, row.fee_currency) if row.fee_amount is not None else None,
    )


def document(conn: Connection, doc_id: int) -> Rec:
    """An issued document's row."""
    return _DOCUMENT.one(conn, {"id": doc_id})


# ---------------------------------------------------------------------------------------------
# Writes

_INSERT_NONCE = Statement(
    insert(_NONCE).values(
        kiosk_id=bindparam("kiosk_id"), nonce=bindparam("nonce"), seen_at=bindparam("now")
    )
)
_EXTEND_SESSION = Statement(
    update(_CS)
    .where(_CS.c.token_hash == bindparam("token_hash"))
    .values(expires_at=bindparam("expires_at"))
)


def record_nonce(conn: Connection, kiosk_id: str, nonce: str, now: dt.datetime) -> bool:
    """Record a request nonce; False if this kiosk used it already (a replay).

    On PostgreSQL a refused insert aborts the transaction: the caller must refuse the request.
    """
    try:
        _INSERT_NONCE.rows(conn, {"kiosk_id": kiosk_id, "nonce": nonce, "now": now})
    except IntegrityError:
        return False
    return True


def extend_session(conn: Connection, token_hash: str, expires_at: dt.datetime) -> None:
    _EXTEND_SESSION.rows(conn, {"token_hash": token_hash, "expires_at": expires_at})


_PG_NEXT_ID = Statement(text("SELECT nextval(pg_get_serial_sequence('documents', 'id'))"))
_SQLITE_NEXT_ID = Statement(select((func.coalesce(func.max(_DOC.c.id), 0) + 1).label("id")))


def next_document_id(conn: Connection) -> int:
    """The id (and so the serial number) of the document about to be inserted.

    PostgreSQL: the column's sequence (never handed out twice, whatever the concurrency).
    SQLite: one more than the largest id; safe because the transaction began with BEGIN
    IMMEDIATE, which excludes every other writer until it ends, and documents are never deleted.
    """
    statement = _PG_NEXT_ID if conn.dialect.name == "postgresql" else _SQLITE_NEXT_ID
    return int(statement.one(conn)[0])


@dataclass(frozen=True, slots=True)
class NewDocument:
    id: int
    serial: str
    document_type: int
    subject_ref: str
    subject_person_id: int | None
    marriage_id: int | None
    requester_id: int
    kiosk_id: str | None  # None at an office's counter (office and staff_id instead)
    idempotency_key: str
    request_fingerprint: str
    fee_amount: int
    fee_currency: str
    payment_reference: str
    signer_kid: str
    issued_at: dt.datetime
    qr_text: str
    office: str | None = None
    staff_id: int | None = None


_INSERT_DOCUMENT = Statement(
    insert(_DOC).values(
        {name: bindparam(name) for name in (f.name for f in fields(NewDocument))}
        | {"status": int(DocumentStatusCode.VALID)}
    )
)
_DOCUMENT_FIELDS = tuple(f.name for f in fields(NewDocument))


def insert_document(conn: Connection, doc: NewDocument) -> None:
    """Insert an issued document (a duplicate idempotency key or payment reference raises
    IntegrityError, and on PostgreSQL aborts the transaction)."""
    _INSERT_DOCUMENT.rows(conn, {name: getattr(doc, name) for name in _DOCUMENT_FIELDS})


_RETIRE_KEY = Statement(
    update(_DOC)
    .where(_DOC.c.id == bindparam("doc_id"))
    .values(idempotency_key=bindparam("retired"), payment_reference=bindparam("retired"))
)


def retire_document_key(conn: Connection, doc_id: int) -> None:
    """Free a superseded document's idempotency key and payment reference for the document
    that replaces it (a retry of the same purchase after a correction). Both become
    `#<id>`, which no request can carry ('#' is outside both patterns); the audit log's
    `document_issued` entry keeps what they were."""
    _RETIRE_KEY.rows(conn, {"doc_id": doc_id, "retired": f"#{doc_id}"})
