"""The ledger's state rules (`registry.payments.states`), one case per row."""

from __future__ import annotations

import pytest

from registry.payments.states import (
    Answer,
    State,
    TransitionConflict,
    on_payment_answer,
    on_refund_answer,
    start_refund,
)

P, C, D, F, RP, R = (
    State.PENDING,
    State.CAPTURED,
    State.DECLINED,
    State.FAILED,
    State.REFUND_PENDING,
    State.REFUNDED,
)
OK, NO, WAIT = Answer.SUCCESSFUL, Answer.FAILED, Answer.PENDING

PAYMENT = [
    # (state, answer, reason) -> (state, changed) or None for a conflict
    ("pending paid", P, OK, None, (C, True)),
    ("pending declined by the payer", P, NO, "APPROVAL_REJECTED", (D, True)),
    ("pending without funds", P, NO, "NOT_ENOUGH_FUNDS", (D, True)),
    ("pending expired at the provider", P, NO, "EXPIRED", (F, True)),
    ("pending still pending", P, WAIT, None, (P, False)),
    ("captured again (duplicate)", C, OK, None, (C, False)),
    ("captured never goes back to declined", C, NO, "APPROVAL_REJECTED", None),
    ("captured never goes back to failed", C, NO, "EXPIRED", None),
    ("declined, then a late success captures", D, OK, None, (C, True)),
    ("failed, then a late success captures", F, OK, None, (C, True)),
    ("declined again", D, NO, "APPROVAL_REJECTED", (D, False)),
    ("refund pending: the payment's success again", RP, OK, None, (RP, False)),
    ("refunded: the payment's success again", R, OK, None, (R, False)),
    ("refunded: a payment failure contradicts", R, NO, None, None),
]


@pytest.mark.parametrize(
    ("state", "answer", "reason", "expected"),
    [c[1:] for c in PAYMENT],
    ids=[c[0] for c in PAYMENT],
)
def test_payment_answers(
    state: State, answer: Answer, reason: str | None, expected: tuple[State, bool] | None
) -> None:
    if expected is None:
        with pytest.raises(TransitionConflict):
            on_payment_answer(state, answer, reason)
    else:
        t = on_payment_answer(state, answer, reason)
        assert (t.state, t.changed) == expected


def test_a_late_success_says_so() -> None:
    assert on_payment_answer(D, OK).problem == "late_success"
    assert on_payment_answer(P, NO, "APPROVAL_REJECTED").problem == "APPROVAL_REJECTED"


@pytest.mark.parametrize("state", [P, D, F, R], ids=str)
def test_a_refund_only_from_captured(state: State) -> None:
    with pytest.raises(TransitionConflict):
        start_refund(state)


def test_refund_rules() -> None:
    assert start_refund(C).state is RP and start_refund(C).changed
    assert not start_refund(RP).changed  # the same request again
    assert on_refund_answer(RP, OK).state is R
    failed = on_refund_answer(RP, NO, "INTERNAL_PROCESSING_ERROR")
    assert (failed.state, failed.problem) == (C, "refund_failed")
    assert not on_refund_answer(R, OK).changed
    assert not on_refund_answer(RP, WAIT).changed
    with pytest.raises(TransitionConflict):
        on_refund_answer(C, OK)  # no refund was asked
