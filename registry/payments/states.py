"""The ledger's states and what each provider answer does to them: pure, no I/O (h11-style).

    pending ──SUCCESSFUL──> captured ──refund asked──> refund_pending ──SUCCESSFUL──> refunded
       │                       ^                          │
       ├──FAILED (payer)──> declined                      └──FAILED──> captured (problem
       └──FAILED (technical)──> failed                                  refund_failed)

- A captured payment never goes back to declined or failed: a FAILED answer for it is a
  conflict (`TransitionConflict`), and the ledger changes nothing.
- A SUCCESSFUL answer after declined or failed captures: the money moved, so the ledger must
  say so (the order then pays or is refunded); it is logged as a late success.
- Repeating an answer (a duplicated callback, a poll after the callback) changes nothing.
- A refund starts only from captured.

A FAILED answer is "declined" when the payer or their account refused (the operator's reason
codes such as APPROVAL_REJECTED, NOT_ENOUGH_FUNDS) and "failed" when the operator could not
do it (EXPIRED, INTERNAL_PROCESSING_ERROR, ...): the first is the citizen's to act on.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "Answer",
    "Channel",
    "State",
    "Transition",
    "TransitionConflict",
    "can_refund",
    "on_payment_answer",
    "on_refund_answer",
    "outcome_of",
    "start_refund",
]


class State(enum.StrEnum):
    PENDING = "pending"
    CAPTURED = "captured"
    DECLINED = "declined"
    FAILED = "failed"
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"


class Channel(enum.StrEnum):
    KIOSK = "kiosk"
    COUNTER = "counter"
    PORTAL = "portal"


class Answer(enum.StrEnum):
    """The provider's status of a request (its own words)."""

    PENDING = "PENDING"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"


# operator reason codes that mean "the provider could not do it", not "the payer said no"
TECHNICAL_REASONS = frozenset(
    {
        "EXPIRED",
        "INTERNAL_PROCESSING_ERROR",
        "SERVICE_UNAVAILABLE",
        "COULD_NOT_PERFORM_TRANSACTION",
        "NOT_AT_PROVIDER",
    }
)


class TransitionConflict(Exception):
    """An answer that contradicts the ledger (a FAILED answer for a captured payment)."""


@dataclass(frozen=True)
class Transition:
    state: State
    changed: bool
    problem: str | None = None


def outcome_of(answer: Answer, reason: str | None) -> State:
    """The state a final answer means: captured, declined or failed."""
    if answer is Answer.SUCCESSFUL:
        return State.CAPTURED
    if answer is Answer.FAILED:
        return State.FAILED if (reason or "").upper() in TECHNICAL_REASONS else State.DECLINED
    return State.PENDING


def on_payment_answer(state: State, answer: Answer, reason: str | None = None) -> Transition:
    """What the provider's status of the payment itself does in `state`."""
    target = outcome_of(answer, reason)
    if answer is Answer.PENDING:
        return Transition(state, False)
    if state is State.PENDING:
        return Transition(target, True, None if target is State.CAPTURED else reason)
    if state in (State.DECLINED, State.FAILED):
        if target is State.CAPTURED:
            return Transition(State.CAPTURED, True, "late_success")
        return Transition(state, False)
    # captured, refund_pending, refunded: the money arrived
    if target is State.CAPTURED:
        return Transition(state, False)
    raise TransitionConflict(f"the provider says {answer.value} for a payment that is {state}")


def can_refund(state: State) -> bool:
    return state is State.CAPTURED


def start_refund(state: State) -> Transition:
    """Asking for a refund: only from captured (again from refund_pending: the same request)."""
    if state is State.REFUND_PENDING:
        return Transition(state, False)
    if not can_refund(state):
        raise TransitionConflict(f"only a captured payment can be refunded, not a {state} one")
    return Transition(State.REFUND_PENDING, True)


def on_refund_answer(state: State, answer: Answer, reason: str | None = None) -> Transition:
    """What the provider's status of the refund does in `state`."""
    if answer is Answer.PENDING:
        return Transition(state, False)
    if state is State.REFUND_PENDING:
        if answer is Answer.SUCCESSFUL:
            return Transition(State.REFUNDED, True)
        return Transition(State.CAPTURED, True, "refund_failed")
    if state is State.REFUNDED and answer is Answer.SUCCESSFUL:
        return Transition(state, False)
    raise TransitionConflict(f"the provider says the refund {answer.value} for a {state} payment")
