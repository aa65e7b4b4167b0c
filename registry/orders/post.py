"""The post: the day's batch of postal orders, and what the postal operator reports after.

    paid (post) ──make_batch: document issued, stamped with the day──> paid, in a batch
    in a batch ──dispatch(tracking)──> dispatched ──delivered──> delivered
                                                  └─returned───> returned (refundable)

`make_batch` issues the document of every paid postal order not yet in a batch, through
`fulfil.issue_for_order` (never a second issuing path), as from the portal channel that
placed it (`IssuedAt(kiosk_id=<portal>)`, that channel's centre), and stamps it with the day
(`orders.postal_batch`); it runs in the caller's Session, one savepoint per order, so an
order refused now (the requester died since, a child came of age) is left out, unbatched and
paid (refund it: `registry.orders.refunds`), and the others go ahead. `run_batch` is the same
with one transaction per order (the audit head is locked only for one document at a time, so
kiosks keep issuing during a long batch), then writes the day's files, AFTER the commits: a
paper never carries a document the registry did not record. Idempotent: run again for the
same day, it adds only orders paid since and rewrites the files with every order of that day
(the documents already batched are read back, never issued again).

Files: DATA/post/YYYY-MM-DD/batch.pdf and manifest.csv (`post_paper`), the directories 0700
and the files 0600: they hold names and addresses.

`dispatch`, `delivered` and `returned` are the operator's reports, validated transitions; the
same report twice is a no-op (the same tracking number), a contradicting one a Conflict.
Dispatch queues the SMS with the tracking number (`notices.dispatched`, once per order).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import issuance, keyring
from registry.codes import ErrorCode
from registry.config import DataDir, Settings
from registry.db import Database
from registry.errors import Conflict, InvalidInput, RegistryError
from registry.issuance import IssuedAt
from registry.models import IssuedDocument, Kiosk, Order
from registry.orders import fulfil, notices, post_paper, store
from registry.orders.post_paper import BatchEntry
from registry.orders.states import Collection, OrderState
from registry.places import PlaceBook
from verifier.documents import Bilingual
from verifier.trust import serial_hash

__all__ = [
    "MANIFEST",
    "PDF",
    "Batch",
    "BatchFiles",
    "add_to_batch",
    "batch_dir",
    "day_entries",
    "delivered",
    "dispatch",
    "make_batch",
    "returned",
    "run_batch",
    "write_batch",
]

log = logging.getLogger(__name__)
PDF = "batch.pdf"
MANIFEST = "manifest.csv"
_TRACKING = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{0,38}[A-Za-z0-9]")


@dataclass(frozen=True)
class Batch:
    """A day's batch: every order in it, which of them this run added, which it left out."""

    day: dt.date
    entries: list[BatchEntry]
    added: list[str] = field(default_factory=list)  # order codes
    refused: list[tuple[str, str]] = field(default_factory=list)  # (order code, error code)


@dataclass(frozen=True)
class BatchFiles:
    batch: Batch
    directory: Path
    pdf: Path | None  # None: nothing in the batch yet
    manifest: Path
    pages: int


def _due(s: Session) -> list[int]:
    return list(
        s.execute(
            select(Order.id)
            .where(
                Order.collection == Collection.POST.value,
                Order.state == OrderState.PAID.value,
                Order.postal_batch.is_(None),
            )
            .order_by(Order.id)
        ).scalars()
    )


def add_to_batch(
    s: Session,
    keys: keyring.KeyCache,
    book: PlaceBook,
    settings: Settings,
    order_id: int,
    day: dt.date,
    now: dt.datetime,
) -> str | None:
    """Issue one paid postal order's document and stamp it with the day, in the caller's
    transaction: its code, or None when it is no longer due (another run took it)."""
    order = s.execute(select(Order).where(Order.id == order_id).with_for_update()).scalar_one()
    if (
        order.collection != Collection.POST.value
        or order.state != OrderState.PAID.value
        or order.postal_batch is not None
    ):
        return None
    channel = s.get_one(Kiosk, order.channel_id)
    issued = fulfil.issue_for_order(
        s,
        keys,
        book,
        settings,
        order,
        where=IssuedAt(kiosk_id=order.channel_id),
        channel_id=order.channel_id,
        centre=Bilingual(channel.centre_ar, channel.centre_latin),
        now=now,
    )
    order.postal_batch = day.isoformat()
    order.updated_at = now.replace(microsecond=0)
    log.info(
        "order %s in the postal batch of %s: serial-hash %s",
        order.id,
        day.isoformat(),
        serial_hash(issued.serial).hex(),
    )
    return order.code


def day_entries(s: Session, book: PlaceBook, day: dt.date) -> list[BatchEntry]:
    """Every order in the day's batch with its document (read back), oldest order first;
    an order refunded since is left out of the files written again."""
    rows = s.execute(
        select(Order, IssuedDocument)
        .join(IssuedDocument, IssuedDocument.id == Order.document_id)
        .where(
            Order.postal_batch == day.isoformat(),
            Order.state.not_in([OrderState.REFUNDED.value, OrderState.CANCELLED.value]),
        )
        .order_by(Order.id)
    ).all()
    return [
        BatchEntry(
            order.code,
            json.loads(order.postal_address) if order.postal_address else {},
            issuance.issued_from_row(doc, book, s),
        )
        for order, doc in rows
    ]


def make_batch(
    s: Session,
    keys: keyring.KeyCache,
    book: PlaceBook,
    settings: Settings,
    day: dt.date,
    now: dt.datetime,
) -> Batch:
    """Batch every due postal order in the caller's Session (a savepoint each: a refusal
    leaves that order out); the day's whole batch."""
    added: list[str] = []
    refused: list[tuple[str, str]] = []
    for order_id in _due(s):
        try:
            with s.begin_nested():
                code = add_to_batch(s, keys, book, settings, order_id, day, now)
        except RegistryError as exc:
            refused.append((s.get_one(Order, order_id).code, exc.code.value))
            log.warning("order %s left out of the postal batch: %s", order_id, exc.code.value)
            continue
        if code is not None:
            added.append(code)
    return Batch(day, day_entries(s, book, day), added, refused)


def batch_dir(data: DataDir, day: dt.date) -> Path:
    return data.root / "post" / day.isoformat()


def write_batch(batch: Batch, settings: Settings, data: DataDir) -> BatchFiles:
    """The day's PDF and manifest, replaced whole (see the module docstring)."""
    directory = batch_dir(data, batch.day)
    for d in (directory.parent, directory):
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(d, 0o700)
    manifest = directory / MANIFEST
    post_paper.write_manifest(batch.entries, manifest)
    pdf, pages = None, 0
    if batch.entries:
        pdf = directory / PDF
        pages = post_paper.write_pdf(batch.entries, settings, batch.day, pdf)
    return BatchFiles(batch, directory, pdf, manifest, pages)


def run_batch(
    db: Database,
    keys: keyring.KeyCache,
    book: PlaceBook,
    settings: Settings,
    data: DataDir,
    day: dt.date,
    now: dt.datetime,
) -> BatchFiles:
    """`make_batch` with one transaction per order, then the files (after the commits)."""
    with db.session() as s:
        due = _due(s)
    added: list[str] = []
    refused: list[tuple[str, str]] = []
    for order_id in due:
        try:
            with db.session() as s:
                code = add_to_batch(s, keys, book, settings, order_id, day, now)
        except RegistryError as exc:
            with db.session() as s:
                refused.append((s.get_one(Order, order_id).code, exc.code.value))
            log.warning("order %s left out of the postal batch: %s", order_id, exc.code.value)
            continue
        if code is not None:
            added.append(code)
    with db.session() as s:
        entries = day_entries(s, book, day)
    return write_batch(Batch(day, entries, added, refused), settings, data)


# -- the postal operator's reports ------------------------------------------------------------


def _postal(s: Session, code: str) -> Order:
    order = store.find(s, code, lock=True)
    if order.collection != Collection.POST.value:
        raise Conflict("this order is not sent by post", code=ErrorCode.ORDER_ELSEWHERE)
    return order


def _move(order: Order, to: OrderState, now: dt.datetime) -> None:
    log.debug("order %s: %s -> %s", order.id, order.state, to.value)
    order.state = to.value
    order.updated_at = now.replace(microsecond=0)


def dispatch(s: Session, code: str, tracking: str, now: dt.datetime) -> Order:
    """The order's envelope is with the operator under this tracking number: dispatched, and
    the SMS with the tracking number queued. The same report again changes nothing."""
    tracking = " ".join(tracking.split())
    if not _TRACKING.fullmatch(tracking):
        raise InvalidInput("a tracking number is 2-40 letters, digits, spaces or hyphens")
    order = _postal(s, code)
    if order.state == OrderState.DISPATCHED.value and order.tracking_number == tracking:
        return order
    if order.state != OrderState.PAID.value or order.postal_batch is None:
        raise Conflict(
            f"only an order in a postal batch is dispatched (this one is {order.state}"
            f"{'' if order.postal_batch else ', in no batch'})",
            code=ErrorCode.ORDER_NOT_READY,
        )
    order.tracking_number = tracking
    _move(order, OrderState.DISPATCHED, now)
    notices.dispatched(s, order, now)
    return order


def _after_dispatch(s: Session, code: str, to: OrderState, now: dt.datetime) -> Order:
    order = _postal(s, code)
    if order.state == to.value:
        return order
    if order.state != OrderState.DISPATCHED.value:
        raise Conflict(
            f"only a dispatched order is {to.value} (this one is {order.state})",
            code=ErrorCode.ORDER_NOT_READY,
        )
    _move(order, to, now)
    return order


def delivered(s: Session, code: str, now: dt.datetime) -> Order:
    return _after_dispatch(s, code, OrderState.DELIVERED, now)


def returned(s: Session, code: str, now: dt.datetime) -> Order:
    """Returned to the sender (wrong address, not collected): refundable, or sent again
    after the citizen corrects the address (a new order)."""
    return _after_dispatch(s, code, OrderState.RETURNED, now)
