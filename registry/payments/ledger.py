"""The payments ledger: every fee from every channel, and mobile-money requests followed
until the provider settles them.

    record_settled   a fee paid on the spot (kiosk, counter): one captured entry
    open_request     a pending entry with a fresh idempotency key, in the caller's transaction
                     (committed BEFORE the provider is called)
    send_request     request-to-pay, outside any transaction; the reference is stored after
    apply_callback   the provider's signed callback: verified (signature, reference, amount,
                     currency) before anything changes; a duplicate captures once
    poll             the status query for entries still pending: settles lost callbacks
    refund           a refund of a captured payment, with its own idempotency key

Provider calls are never made inside a database transaction (a slow provider must not hold
row locks), so each operation is: a short transaction that reads or claims, the call, a
short transaction that writes what the provider said, re-reading the row under lock
(`FOR UPDATE` on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers anyway) and applying
`states` to the state found then: a callback that overtook the 202 is simply already there.

A timeout is "not confirmed yet" (`problem = not_confirmed_yet`), never "failed, try again":
the same idempotency key makes any later attempt the same request, and the status query
settles it. A provider that cannot be reached leaves the entry pending with
`problem = provider_unreachable`.

Settlements (`Settlement`) are what the caller's orders react to: `on_settlement(session,
settlement, now)` hooks run in the transaction that changed the entry. The payer's number is
stored for the provider and never logged; log lines name the payment id.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.codes import ErrorCode
from registry.db import Database
from registry.errors import Conflict, InvalidInput, NotFound
from registry.models import PaymentRow
from registry.payments import reconcile, states
from registry.payments.errors import (
    CallbackRejected,
    ProviderDeclined,
    ProviderDown,
    ProviderError,
    RefundNotAllowed,
    RejectReason,
)
from registry.payments.provider import PayRequest, Provider, RefundRequest, StatusAnswer
from registry.payments.states import Answer, Channel, State, TransitionConflict
from verifier.documents import Bilingual

__all__ = [
    "NOT_CONFIRMED_YET",
    "PROVIDER_UNREACHABLE",
    "PaymentView",
    "Settlement",
    "SettlementHook",
    "apply_callback",
    "for_order",
    "normalise_msisdn",
    "open_request",
    "poll",
    "problem_message",
    "reconciliation_entries",
    "record_settled",
    "refund",
    "send_request",
    "sign_body",
    "view",
]

log = logging.getLogger(__name__)

PROVIDER_UNREACHABLE = "provider_unreachable"
NOT_CONFIRMED_YET = "not_confirmed_yet"
DEFAULT_PROVIDER = "mobile-money"
EXPIRE_AFTER = dt.timedelta(hours=1)  # a request the provider never heard of, this old, failed
_KEY_NAMESPACE = uuid.UUID("6f1d3c0e-2b7a-4c55-9a41-5e0d8b7c2a90")  # order keys → request ids
_MAX_CALLBACK = 16 * 1024


# What a channel says for each problem (neutral Arabic: the payer may be a man or a woman)
_PROBLEM_TEXT = {
    PROVIDER_UNREACHABLE: Bilingual(
        "تعذّر الوصول إلى مزوّد خدمة الدفع، ولم يُقتطع أي مبلغ. يمكن المحاولة مرة أخرى بعد قليل.",
        "The payment provider could not be reached and nothing was charged. "
        "Please try again shortly.",
    ),
    NOT_CONFIRMED_YET: Bilingual(
        "لم يُؤكَّد الدفع بعد. يُرجى عدم الدفع مرة ثانية؛ ستصل رسالة حين يُؤكَّد.",
        "The payment is not confirmed yet. Please do not pay again: a message will follow "
        "once it is confirmed.",
    ),
}


def problem_message(problem: str | None) -> Bilingual | None:
    """The words for a pending entry's problem (None when there is none to show)."""
    return _PROBLEM_TEXT.get(problem or "")


@dataclass(frozen=True)
class Settlement:
    """A payment reached (or, `changed=False`, was confirmed again in) a final state."""

    payment_id: int
    order_id: int
    state: str  # captured | declined | failed | refunded (a `states.State` value)
    changed: bool
    problem: str | None = None


SettlementHook = Callable[[Session, Settlement, dt.datetime], None]


@dataclass(frozen=True)
class PaymentView:
    """What a channel shows about one entry."""

    payment_id: int
    order_id: int
    state: str
    problem: str | None
    provider_reference: str | None
    confirmed: bool  # the provider acknowledged the request (or it is settled)
    amount: int
    currency: str


def _view(row: PaymentRow) -> PaymentView:
    return PaymentView(
        payment_id=row.id,
        order_id=row.order_id,
        state=row.state,
        problem=row.problem,
        provider_reference=row.provider_reference,
        confirmed=row.provider_reference is not None or row.state != State.PENDING,
        amount=row.amount,
        currency=row.currency,
    )


def view(session: Session, payment_id: int) -> PaymentView:
    return _view(_get(session, payment_id))


def for_order(session: Session, order_id: int) -> list[PaymentRow]:
    """The order's entries, oldest first."""
    return list(
        session.scalars(
            select(PaymentRow).where(PaymentRow.order_id == order_id).order_by(PaymentRow.id)
        )
    )


def _get(session: Session, payment_id: int, *, lock: bool = False) -> PaymentRow:
    query = select(PaymentRow).where(PaymentRow.id == payment_id)
    row = session.scalars(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("no such payment")
    return row


def _settle(
    session: Session,
    row: PaymentRow,
    transition: states.Transition,
    now: dt.datetime,
    hook: SettlementHook | None,
) -> Settlement | None:
    """Apply a transition to the row; the settlement (and the hook) when it reached a final
    state, or confirmed one again."""
    before = row.state
    if transition.changed:
        row.state = transition.state
        row.problem = transition.problem
        row.updated_at = now
        if transition.state is State.CAPTURED and row.captured_at is None:
            row.captured_at = now
        if transition.state is State.REFUNDED:
            row.refunded_at = now
        log.debug("payment %d: %s -> %s", row.id, before, transition.state)
        if transition.problem == "late_success":
            log.warning("payment %d: captured after it was %s (late success)", row.id, before)
    state = State(row.state)
    if state in (State.PENDING, State.REFUND_PENDING):
        return None
    # a refund that failed leaves the payment captured: the order must not be paid twice
    changed = transition.changed and transition.problem != "refund_failed"
    settlement = Settlement(row.id, row.order_id, state.value, changed, row.problem)
    if hook is not None:
        hook(session, settlement, now)
    return settlement


# ---------------------------------------------------------------------------------------------
# Entries


def normalise_msisdn(text: str) -> str:
    """A payer's mobile number as E.164, or InvalidInput (the number is never in the message)."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise InvalidInput("the payer's number is not a phone number in +CC... form") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("the payer's number is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _check_amount(amount: int, currency: str) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount < 10**12:
        raise InvalidInput("an amount is a positive whole number of minor units")
    if len(currency) != 3 or not currency.isascii() or not currency.isupper():
        raise InvalidInput("a currency is an ISO 4217 code")


def record_settled(
    session: Session,
    *,
    order_id: int,
    channel: str,
    amount: int,
    currency: str,
    provider: str,
    provider_reference: str,
    now: dt.datetime,
) -> int:
    """A fee paid on the spot at a kiosk or a counter, as one captured entry; its id. The same
    reference for the same order and amount again is the same entry; for anything else it is
    Conflict(payment_reference_used)."""
    if Channel(channel) is Channel.PORTAL:
        raise InvalidInput("portal fees are requests to the provider (open_request)")
    _check_amount(amount, currency)
    if not 0 < len(provider_reference) <= 64 or not 0 < len(provider) <= 40:
        raise InvalidInput("a provider and its reference are 1-64 characters")
    existing = session.scalars(
        select(PaymentRow).where(PaymentRow.provider_reference == provider_reference)
    ).first()
    if existing is None:
        row = PaymentRow(
            order_id=order_id,
            channel=channel,
            amount=amount,
            currency=currency,
            provider=provider,
            provider_reference=provider_reference,
            idempotency_key=_settled_key(provider, provider_reference),
            state=State.CAPTURED,
            created_at=now,
            updated_at=now,
            captured_at=now,
            callbacks_seen=0,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return row.id
        except IntegrityError:  # the same reference recorded at the same moment elsewhere
            existing = session.scalars(
                select(PaymentRow).where(PaymentRow.provider_reference == provider_reference)
            ).one()
    if (existing.order_id, existing.amount, existing.currency) != (order_id, amount, currency):
        raise Conflict(
            "this payment reference is already in the ledger for another fee",
            code=ErrorCode.PAYMENT_REFERENCE_USED,
        )
    return existing.id


def _settled_key(provider: str, reference: str) -> str:
    return "s:" + hashlib.sha256(f"{provider}\0{reference}".encode()).hexdigest()[:48]


def open_request(
    session: Session,
    *,
    order_id: int,
    amount: int,
    currency: str,
    msisdn: str,
    now: dt.datetime,
    provider: str = DEFAULT_PROVIDER,
    channel: str = Channel.PORTAL,
    idempotency_key: str | None = None,
) -> PaymentRow:
    """A pending entry for a request-to-pay, flushed in the caller's transaction, which must
    commit before `send_request`. With `idempotency_key` (the channel's, e.g. the citizen's
    pay request), the same key for the same order returns the entry opened before."""
    _check_amount(amount, currency)
    number = normalise_msisdn(msisdn)
    if idempotency_key is not None:
        key = str(uuid.uuid5(_KEY_NAMESPACE, f"{order_id}\0{idempotency_key}"))
        existing = session.scalars(
            select(PaymentRow).where(PaymentRow.idempotency_key == key)
        ).first()
        if existing is not None:
            if (existing.amount, existing.currency, existing.msisdn) != (amount, currency, number):
                raise Conflict("this idempotency key was used for another payment request")
            return existing
    else:
        key = str(uuid.uuid4())
    row = PaymentRow(
        order_id=order_id,
        channel=Channel(channel).value,
        amount=amount,
        currency=currency,
        provider=provider,
        idempotency_key=key,
        msisdn=number,
        state=State.PENDING,
        created_at=now,
        updated_at=now,
        callbacks_seen=0,
    )
    session.add(row)
    session.flush()
    log.info("payment %d opened for order %d", row.id, order_id)
    return row


# ---------------------------------------------------------------------------------------------
# Request-to-pay


def send_request(
    db: Database,
    provider: Provider,
    payment_id: int,
    *,
    callback_url: str | None,
    now: dt.datetime,
    on_settlement: SettlementHook | None = None,
) -> PaymentView:
    """Ask the provider to collect a pending entry (again, with the same key, if an earlier
    attempt was not confirmed). Outside any transaction; the reference is stored after."""
    with db.session() as s:
        row = _get(s, payment_id)
        if row.state != State.PENDING or row.provider_reference is not None or row.msisdn is None:
            return _view(row)
        req = PayRequest(row.idempotency_key, row.amount, row.currency, row.msisdn, callback_url)
    reference: str | None = None
    problem: str | None = None
    declined: ProviderDeclined | None = None
    try:
        reference = provider.request_to_pay(req).reference
    except ProviderDeclined as exc:
        declined = exc
    except ProviderDown:
        problem = PROVIDER_UNREACHABLE
    except ProviderError:  # a timeout or an answer we do not understand: it may have arrived
        problem = NOT_CONFIRMED_YET

    def write(s: Session) -> PaymentView:
        row = _get(s, payment_id, lock=True)
        if declined is not None:
            transition = states.on_payment_answer(State(row.state), Answer.FAILED, declined.reason)
            _settle(s, row, transition, now, on_settlement)
        elif reference is not None:
            if row.provider_reference is None:
                row.provider_reference = reference
            if row.state == State.PENDING:
                row.problem = None
            row.updated_at = now
        elif row.state == State.PENDING and row.provider_reference is None:
            row.problem = problem
            row.updated_at = now
        return _view(row)

    result = db.transact(write)
    log.info("payment %d sent: %s", payment_id, result.problem or result.state)
    return result


# ---------------------------------------------------------------------------------------------
# Callbacks


def sign_body(body: bytes, secret: bytes) -> str:
    """The X-Signature of a callback body: HMAC-SHA256, lowercase hex."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def _reject(reason: RejectReason, payment_id: int | None, detail: str = "") -> CallbackRejected:
    log.warning(
        "payment callback refused: %s%s%s",
        reason.value,
        f" (payment {payment_id})" if payment_id is not None else "",
        f": {detail}" if detail else "",
    )
    return CallbackRejected(reason, detail or reason.value)


@dataclass(frozen=True)
class _Callback:
    kind: str  # payment | refund
    reference: str
    external_id: str | None
    amount: int
    currency: str
    answer: Answer
    reason: str | None


def _parse_callback(body: bytes) -> _Callback:
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        kind = str(data.get("type", "payment"))
        if kind not in ("payment", "refund"):
            raise ValueError("unknown type")
        amount = data["amount"]
        if isinstance(amount, bool) or not isinstance(amount, int | str):
            raise ValueError("amount")
        reference = data["reference"]
        if not isinstance(reference, str) or not 0 < len(reference) <= 64:
            raise ValueError("reference")
        external = data.get("externalId")
        reason = data.get("reason")
        return _Callback(
            kind=kind,
            reference=reference,
            external_id=str(external)[:64] if external is not None else None,
            amount=int(amount),
            currency=str(data["currency"])[:3],
            answer=Answer(str(data["status"]).upper()),
            reason=str(reason)[:40] if reason is not None else None,
        )
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise _reject(RejectReason.MALFORMED, None, type(exc).__name__) from None


def apply_callback(
    session: Session,
    body: bytes,
    headers: Mapping[str, str],
    *,
    secret: bytes,
    now: dt.datetime,
) -> Settlement | None:
    """Verify a provider callback and apply it in the caller's transaction.

    The X-Signature header must be HMAC-SHA256(secret, body) in hex (compared in constant
    time), then the entry found by the provider's reference (or our reference id, when the
    202 has not been stored yet) must agree on reference, amount and currency. Anything else
    raises `CallbackRejected` (logged, without the body) and changes nothing. A callback that
    repeats what the ledger already knows returns Settlement(changed=False); one that says
    "still pending" returns None."""
    lowered = {k.lower(): v for k, v in headers.items()}
    signature = lowered.get("x-signature", "").strip().lower()
    if (
        len(body) > _MAX_CALLBACK
        or not signature.isascii()
        or not hmac.compare_digest(sign_body(body, secret), signature)
    ):
        raise _reject(RejectReason.BAD_SIGNATURE, None)
    cb = _parse_callback(body)
    refund = cb.kind == "refund"
    ref_col = PaymentRow.refund_reference if refund else PaymentRow.provider_reference
    key_col = PaymentRow.refund_idempotency_key if refund else PaymentRow.idempotency_key
    match = [ref_col == cb.reference]
    if cb.external_id is not None:
        match.append(key_col == cb.external_id)
    rows = list(session.scalars(select(PaymentRow).where(or_(*match)).with_for_update()))
    if not rows:
        raise _reject(RejectReason.UNKNOWN_REFERENCE, None)
    if len(rows) > 1:
        raise _reject(RejectReason.REFERENCE_MISMATCH, rows[0].id, "reference and id disagree")
    row = rows[0]
    known_ref = row.refund_reference if refund else row.provider_reference
    known_key = row.refund_idempotency_key if refund else row.idempotency_key
    if known_ref is not None and known_ref != cb.reference:
        raise _reject(RejectReason.REFERENCE_MISMATCH, row.id)
    if cb.external_id is not None and cb.external_id != known_key:
        raise _reject(RejectReason.REFERENCE_MISMATCH, row.id)
    if cb.amount != row.amount:
        raise _reject(RejectReason.AMOUNT_MISMATCH, row.id)
    if cb.currency != row.currency:
        raise _reject(RejectReason.CURRENCY_MISMATCH, row.id)
    try:
        if refund:
            transition = states.on_refund_answer(State(row.state), cb.answer, cb.reason)
        else:
            transition = states.on_payment_answer(State(row.state), cb.answer, cb.reason)
    except TransitionConflict as exc:
        raise _reject(RejectReason.STATE_CONFLICT, row.id, str(exc)) from None
    row.callbacks_seen += 1
    if known_ref is None:
        if refund:
            row.refund_reference = cb.reference
        else:
            row.provider_reference = cb.reference
    if row.state == State.PENDING and not transition.changed:
        row.problem = None  # the provider has it: no longer "not confirmed"
    row.updated_at = now
    settlement = _settle(session, row, transition, now, None)
    log.info(
        "payment %d callback: %s%s",
        row.id,
        row.state,
        "" if settlement is None or settlement.changed else " (again)",
    )
    return settlement


# ---------------------------------------------------------------------------------------------
# Polling


@dataclass(frozen=True)
class _Due:
    id: int
    state: State
    reference: str
    refund_key: str | None
    provider_reference: str | None
    amount: int
    currency: str
    refund_reason: str
    created_at: dt.datetime


def _claim(
    db: Database, provider: str, cutoff: dt.datetime, now: dt.datetime, limit: int
) -> list[_Due]:
    def claim(s: Session) -> list[_Due]:
        query = (
            select(PaymentRow)
            .where(
                PaymentRow.provider == provider,
                PaymentRow.state.in_([State.PENDING, State.REFUND_PENDING]),
                PaymentRow.updated_at <= cutoff,
                or_(PaymentRow.last_polled_at.is_(None), PaymentRow.last_polled_at <= cutoff),
            )
            .order_by(PaymentRow.id)
            .limit(limit)
        )
        if not db.is_sqlite:
            # several pollers on several machines: each takes rows nobody else holds
            query = query.with_for_update(skip_locked=True)
        due = []
        for row in s.scalars(query):
            row.last_polled_at = now
            state = State(row.state)
            if state is State.PENDING:
                reference = row.provider_reference or row.idempotency_key
            else:
                reference = row.refund_reference or row.refund_idempotency_key or ""
            due.append(
                _Due(
                    row.id,
                    state,
                    reference,
                    row.refund_idempotency_key,
                    row.provider_reference,
                    row.amount,
                    row.currency,
                    row.refund_reason or "",
                    row.created_at,
                )
            )
        return due

    return db.transact(claim)


def poll(
    db: Database,
    provider: Provider,
    *,
    older_than: dt.timedelta,
    now: dt.datetime,
    limit: int = 100,
    expire_after: dt.timedelta = EXPIRE_AFTER,
    on_settlement: SettlementHook | None = None,
) -> list[Settlement]:
    """Ask the provider about every entry still pending (or refund pending) that has not
    changed, nor been asked about, for `older_than`; apply what it says. A request it never
    heard of fails after `expire_after`; a refund it never heard of is sent again (same key).
    The settlements that changed an entry are returned."""
    settled: list[Settlement] = []
    for due in _claim(db, provider.name, now - older_than, now, limit):
        if not due.reference:
            continue
        refund_call = due.state is State.REFUND_PENDING
        try:
            if refund_call:
                answer = provider.refund_status(due.reference)
                if answer is None and due.refund_key and due.provider_reference:
                    accepted = provider.refund(
                        RefundRequest(
                            due.refund_key,
                            due.provider_reference,
                            due.amount,
                            due.currency,
                            due.refund_reason,
                            None,
                        )
                    )
                    _store_refund_reference(db, due.id, accepted.reference, now)
                    continue
            else:
                answer = provider.payment_status(due.reference)
        except ProviderError as exc:
            log.info("payment %d: status not known yet (%s)", due.id, type(exc).__name__)
            continue
        if answer is None:
            if refund_call or due.created_at > now - expire_after:
                continue
            answer = StatusAnswer(
                due.reference, None, due.amount, due.currency, Answer.FAILED, "NOT_AT_PROVIDER"
            )
        result = db.transact(
            functools.partial(_apply_status, due=due, answer=answer, now=now, hook=on_settlement)
        )
        if result is not None and result.changed:
            settled.append(result)
    return settled


def _store_refund_reference(
    db: Database, payment_id: int, reference: str, now: dt.datetime
) -> None:
    with db.session() as s:
        row = _get(s, payment_id, lock=True)
        if row.refund_reference is None:
            row.refund_reference = reference
            row.problem = None
            row.updated_at = now


def _apply_status(
    s: Session, due: _Due, answer: StatusAnswer, now: dt.datetime, hook: SettlementHook | None
) -> Settlement | None:
    row = _get(s, due.id, lock=True)
    if (answer.amount, answer.currency) != (row.amount, row.currency):
        log.error("payment %d: the provider's status names another amount or currency", row.id)
        row.problem = "provider_mismatch"
        return None
    try:
        if due.state is State.REFUND_PENDING:
            transition = states.on_refund_answer(State(row.state), answer.answer, answer.reason)
            if row.refund_reference is None and answer.reason != "NOT_AT_PROVIDER":
                row.refund_reference = answer.reference
        else:
            transition = states.on_payment_answer(State(row.state), answer.answer, answer.reason)
            if row.provider_reference is None and answer.reason != "NOT_AT_PROVIDER":
                row.provider_reference = answer.reference
    except TransitionConflict as exc:
        log.error("payment %d: %s", row.id, exc)
        return None
    if answer.answer is Answer.PENDING and row.state == State.PENDING:
        row.problem = None
    return _settle(s, row, transition, now, hook)


# ---------------------------------------------------------------------------------------------
# Refunds


def refund(
    db: Database,
    provider: Provider,
    payment_id: int,
    *,
    reason: str,
    now: dt.datetime,
    callback_url: str | None = None,
    on_settlement: SettlementHook | None = None,
) -> PaymentView:
    """Refund a captured payment: refund_pending at once (committed before the call), refunded
    when the provider confirms (callback or poll). Asking again sends the same refund."""

    def start(s: Session) -> RefundRequest | PaymentView:
        row = _get(s, payment_id, lock=True)
        if row.provider != provider.name or row.channel != Channel.PORTAL:
            raise RefundNotAllowed(f"this fee was paid through {row.provider}: refund it there")
        try:
            transition = states.start_refund(State(row.state))
        except TransitionConflict as exc:
            raise RefundNotAllowed(str(exc)) from None
        if transition.changed:
            row.state = State.REFUND_PENDING
            row.refund_idempotency_key = row.refund_idempotency_key or str(uuid.uuid4())
            row.refund_reason = reason[:200]
            row.problem = None
            row.updated_at = now
            log.info("payment %d: refund asked", row.id)
        if row.refund_reference is not None or row.provider_reference is None:
            return _view(row)
        assert row.refund_idempotency_key is not None
        return RefundRequest(
            row.refund_idempotency_key,
            row.provider_reference,
            row.amount,
            row.currency,
            row.refund_reason or reason,
            callback_url,
        )

    req = db.transact(start)
    if isinstance(req, PaymentView):
        return req
    reference: str | None = None
    problem: str | None = None
    declined: ProviderDeclined | None = None
    try:
        reference = provider.refund(req).reference
    except ProviderDeclined as exc:
        declined = exc
    except ProviderDown:
        problem = PROVIDER_UNREACHABLE
    except ProviderError:
        problem = NOT_CONFIRMED_YET

    def write(s: Session) -> PaymentView:
        row = _get(s, payment_id, lock=True)
        if declined is not None and row.state == State.REFUND_PENDING:
            transition = states.on_refund_answer(State(row.state), Answer.FAILED, declined.reason)
            _settle(s, row, transition, now, on_settlement)
        elif reference is not None:
            row.refund_reference = row.refund_reference or reference
            if row.state == State.REFUND_PENDING:
                row.problem = None
        elif row.state == State.REFUND_PENDING and row.refund_reference is None:
            row.problem = problem
        row.updated_at = now
        return _view(row)

    return db.transact(write)


# ---------------------------------------------------------------------------------------------
# For reconciliation


def reconciliation_entries(
    session: Session, *, provider: str, dates: Iterable[dt.date], keys: Iterable[str]
) -> list[reconcile.LedgerEntry]:
    """The provider's entries captured on `dates` (UTC) or named by `keys` (provider
    references or idempotency keys from a statement), for `reconcile.reconcile`."""
    conditions: list[ColumnElement[bool]] = []
    for day in sorted(set(dates)):
        start = dt.datetime.combine(day, dt.time(), dt.UTC)
        conditions.append(
            (PaymentRow.captured_at >= start)
            & (PaymentRow.captured_at < start + dt.timedelta(days=1))
        )
    wanted = sorted(set(keys))
    rows: dict[int, PaymentRow] = {}
    for i in range(0, max(len(wanted), 1), 500):
        chunk = wanted[i : i + 500]
        clause: list[ColumnElement[bool]] = [*conditions] if i == 0 else []
        if chunk:
            clause += [
                PaymentRow.provider_reference.in_(chunk),
                PaymentRow.idempotency_key.in_(chunk),
            ]
        if not clause:
            continue
        query = select(PaymentRow).where(PaymentRow.provider == provider, or_(*clause))
        for row in session.scalars(query):
            rows[row.id] = row
    return [
        reconcile.LedgerEntry(
            r.id,
            r.order_id,
            r.provider_reference,
            r.idempotency_key,
            r.amount,
            r.currency,
            r.state,
            r.captured_at,
        )
        for r in sorted(rows.values(), key=lambda r: r.id)
    ]
