"""Collecting an order placed online: the order code (typed, scanned), the PIN, the document
verified and printed with nothing to pay, every refusal, through `step` alone; then the
runner's side of it (the registry cut off, a replayed document printed and marked collected)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from kiosk_support import RunnerHarness

from hardware.emulator.server import Emulator
from kiosk_app import session as ks
from kiosk_app.journal import JobState
from kiosk_app.session import State
from verifier.documents import DocumentType
from verifier.fixtures import DevFixtures

CODE = "K7QM2XA96"  # Luhn mod 32 over Crockford's alphabet: 6 is its check character
TYPO = "K7QM2XA9C"  # one character off: the check fails
OTHER = "H4RT9Z2BT"


def run(s: ks.Session, *events: ks.Event) -> tuple[ks.Session, Sequence[ks.Effect]]:
    effects: list[ks.Effect] = []
    for e in events:
        s, out = ks.step(s, e)
        effects.extend(out)
    return s, effects


def one(effects: Sequence[ks.Effect], kind: type[ks.Effect]) -> ks.Effect:
    found = [e for e in effects if isinstance(e, kind)]
    assert len(found) == 1, f"expected one {kind.__name__} in {effects}"
    return found[0]


def none_of(effects: Sequence[ks.Effect], *kinds: type[ks.Effect]) -> bool:
    return not [e for e in effects if isinstance(e, kinds)]


def keys(text: str) -> list[ks.Event]:
    return [ks.KeypadChar(c) for c in text]


def at_order_entry(language: str = "ar") -> ks.Session:
    s, _ = run(ks.initial(), ks.Begin("n0nce", collect=True), ks.ChooseLanguage(language))
    assert (s.state, s.collect, s.language) == (State.ORDER_ENTRY, True, language)
    return s


def at_order_pin() -> ks.Session:
    s, _ = run(at_order_entry(), *keys(CODE), ks.Submit())
    assert (s.state, s.order_code) == (State.ORDER_PIN, CODE)
    return s


def at_collecting(pin: str = "2468") -> tuple[ks.Session, ks.CollectOrder]:
    s, fx = run(at_order_pin(), *[ks.KeypadDigit(d) for d in pin], ks.Submit())
    assert s.state is State.COLLECTING
    request = one(fx, ks.CollectOrder)
    assert isinstance(request, ks.CollectOrder)
    return s, request


def at_printing() -> tuple[ks.Session, ks.PrintDocument]:
    s, request = at_collecting()
    s, fx = ks.step(s, ks.OrderIssued(request.ref, "BI26-0000042-3", "SN1D:QR", 1, CODE))
    verify = one(list(fx), ks.VerifyDocument)
    assert isinstance(verify, ks.VerifyDocument) and verify.qr_text == "SN1D:QR"
    s, fx = ks.step(s, ks.DocumentVerified(verify.ref))
    job = one(list(fx), ks.PrintDocument)
    assert isinstance(job, ks.PrintDocument)
    return s, job


# --- the order code ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (CODE, CODE),
        ("K7Q-M2X-A96", CODE),  # the display form
        ("k7q-m2x-a96", CODE),  # lower case
        (" k7qm2xa96\r\n", CODE),  # as a scanner ends its line
        ("SANAD-ORDER:K7QM2XA96", CODE),  # the phone's QR
        ("sanad-order:K7Q-M2X-A96", CODE),
        (TYPO, None),  # the check character does not hold
        ("K7QM2XA9", None),  # too short
        ("K7QM2XA961", None),  # too long
        ("K7QM2XAU6", None),  # U is not in the alphabet
        ("SANAD-ORDER:", None),
        ("PCH095119", None),  # an ID card's number
    ],
)
def test_a_scanned_code_is_read_in_every_form_the_phone_and_the_citizen_give(
    text: str, code: str | None
) -> None:
    assert ks.scanned_order(text) == code


def test_where_an_id_is_expected_only_the_prefixed_qr_counts_as_an_order() -> None:
    assert ks.scanned_order(CODE, bare=False) is None
    assert ks.scanned_order(f"sanad-order:{CODE}", bare=False) == CODE


def test_every_single_character_typo_on_the_keypad_is_caught_before_any_request() -> None:
    for i, original in enumerate(CODE):
        for other in ks.ORDER_CODE_KEYS.replace(original, ""):
            typo = CODE[:i] + other + CODE[i + 1 :]
            s, fx = run(at_order_entry(), *keys(typo), ks.Submit())
            assert (s.state, s.order_status) == (State.ORDER_ENTRY, ks.IdStatus.INVALID), typo
            assert none_of(fx, ks.CollectOrder)


def test_the_code_shows_in_groups_of_three_as_it_is_typed() -> None:
    s, _ = run(at_order_entry(), *keys(CODE))
    assert s.order_display == "K7Q-M2X-A96"
    s, _ = run(at_order_entry(), *keys("K7QM"))
    assert s.order_display == "K7Q-M"


# --- the journey -------------------------------------------------------------------------------


def test_collect_from_the_welcome_screen_asks_the_language_then_the_code() -> None:
    s, _ = ks.step(ks.initial(), ks.Begin("n", collect=True))
    assert (s.state, s.collect) == (State.LANGUAGE, True)
    s, _ = ks.step(s, ks.ChooseLanguage("en"))
    assert s.state is State.ORDER_ENTRY
    single = ks.initial(ks.Settings(languages=("ar",)))
    s, _ = ks.step(single, ks.Begin("n", collect=True))
    assert s.state is State.ORDER_ENTRY
    s, fx = ks.step(s, ks.Back())  # nothing to go back to: the journey ends
    assert s.state is State.ATTRACT and one(fx, ks.WipeSession)


def test_the_code_is_checked_as_it_is_typed() -> None:
    s = at_order_entry()
    s, _ = run(s, *keys(CODE[:5]))
    assert (s.order_status, s.order_display, s.notice) == (ks.IdStatus.INCOMPLETE, "K7Q-M2", None)
    s, _ = ks.step(s, ks.Submit())
    assert (s.state, s.notice) == (State.ORDER_ENTRY, ks.Notice.ORDER_CODE_INCOMPLETE)
    s, _ = run(s, *keys(TYPO[5:]))
    assert (s.order_status, s.notice) == (ks.IdStatus.INVALID, ks.Notice.ORDER_CODE_INVALID)
    s, fx = ks.step(s, ks.Submit())  # a typo never reaches the registry
    assert (s.state, s.notice) == (State.ORDER_ENTRY, ks.Notice.ORDER_CODE_INVALID)
    assert none_of(fx, ks.CollectOrder)
    s, _ = run(s, ks.KeypadBackspace(), ks.KeypadChar("6"))
    assert (s.order_status, s.notice) == (ks.IdStatus.VALID, None)
    s, _ = run(s, ks.KeypadChar("7"))  # the ninth is the last
    assert s.order_code == CODE
    s, _ = ks.step(s, ks.KeypadClear())
    assert s.order_code == ""


def test_the_code_keypad_takes_only_the_alphabet() -> None:
    s = at_order_entry()
    for bad in ("I", "L", "O", "U", "a", "-", "", "AB"):
        with pytest.raises(ValueError, match="not an order-code key"):
            ks.step(s, ks.KeypadChar(bad))
    with pytest.raises(ks.InvalidTransition):  # the ID keypad's digits are not this keypad's
        ks.step(s, ks.KeypadDigit("1"))


def test_a_scanned_order_qr_goes_straight_to_the_pin() -> None:
    s, _ = ks.step(at_order_entry(), ks.CardScanned(f"SANAD-ORDER:{CODE}\r\n"))
    assert (s.state, s.order_code) == (State.ORDER_PIN, CODE)
    s, _ = ks.step(at_order_entry(), ks.CardScanned("k7q-m2x-a96"))
    assert (s.state, s.order_code) == (State.ORDER_PIN, CODE)
    s, _ = ks.step(at_order_entry(), ks.CardScanned("SANAD-ORDER:K7QM2XA9C"))
    assert (s.state, s.notice) == (State.ORDER_ENTRY, ks.Notice.ORDER_SCAN_UNREADABLE)


def test_an_order_qr_scanned_where_the_id_is_asked_for_collects_the_order() -> None:
    s, _ = run(ks.initial(), ks.Begin("n"), ks.ChooseLanguage("en"))
    assert s.state is State.ID_ENTRY
    s, _ = ks.step(s, ks.CardScanned(f"SANAD-ORDER:{CODE}"))
    assert (s.state, s.collect, s.order_code) == (State.ORDER_PIN, True, CODE)
    # a bare code there is not taken for an order (an ID card's number could pass for one)
    s, _ = run(ks.initial(), ks.Begin("n"), ks.ChooseLanguage("en"), ks.CardScanned(CODE))
    assert (s.state, s.collect, s.order_code) == (State.ID_ENTRY, False, "")


def test_code_and_pin_go_in_one_request_and_the_pin_is_not_kept() -> None:
    s, request = at_collecting("246801")
    assert (request.order_code, request.pin) == (CODE, "246801")
    assert s.pin == ""
    assert request.idempotency_key == "n0nce-1"


def test_the_whole_collection_prints_with_nothing_to_pay_then_marks_the_order() -> None:
    s, job = at_printing()
    assert (job.serial, job.qr_text, job.authorisation) == ("BI26-0000042-3", "SN1D:QR", None)
    assert s.order == ks.Collection(CODE, 1)
    s, fx = run(s, ks.PrintProgress(job.ref, 0.5), ks.PrintCompleted(job.ref))
    assert s.state is State.DONE
    assert one(fx, ks.MarkOrderCollected) == ks.MarkOrderCollected(CODE, "BI26-0000042-3")
    assert none_of(fx, ks.CapturePayment, ks.VoidPayment, ks.AuthorisePayment)
    s, fx = ks.step(s, ks.Finish())
    assert s.state is State.ATTRACT and one(fx, ks.WipeSession)
    assert (s.order_code, s.order, s.collect, s.serial) == ("", None, False, None)


def test_a_print_failure_leaves_the_order_ready_to_collect_again() -> None:
    s, job = at_printing()
    s, fx = ks.step(s, ks.PrintFailed(job.ref, "paper-out"))
    assert (s.state, s.notice) == (State.PRINT_FAILED, ks.Notice.ORDER_PRINT_FAILED)
    assert s.notice_params == {"serial": "BI26-0000042-3"}
    assert none_of(list(fx), ks.MarkOrderCollected, ks.VoidPayment, ks.CapturePayment)
    assert one(list(fx), ks.ReportFault) == ks.ReportFault(ks.FaultCode.PRINT_FAILED, "paper-out")
    assert not s.printing_available


def test_a_document_that_fails_verification_is_never_printed_nor_marked() -> None:
    s, request = at_collecting()
    s, fx = ks.step(s, ks.OrderIssued(request.ref, "S", "SN1D:BAD", 1, CODE))
    verify = one(list(fx), ks.VerifyDocument)
    s, fx = ks.step(s, ks.DocumentRejected(verify.ref, "bad_signature"))  # type: ignore[attr-defined]
    assert s.state is State.ISSUE_FAILED
    assert none_of(list(fx), ks.PrintDocument, ks.MarkOrderCollected)


def test_a_wrong_pin_says_the_tries_left_and_the_next_try_is_a_new_request() -> None:
    s, first = at_collecting("1111")
    s, _ = ks.step(s, ks.PinRejected(first.ref, 2))
    assert (s.state, s.notice, s.notice_params) == (
        State.ORDER_PIN,
        ks.Notice.PIN_WRONG,
        {"tries": "2"},
    )
    assert (s.pin, s.order_code) == ("", CODE)
    s, fx = run(s, *[ks.KeypadDigit(d) for d in "2468"], ks.Submit())
    second = one(fx, ks.CollectOrder)
    assert isinstance(second, ks.CollectOrder)
    assert second.idempotency_key != first.idempotency_key


@pytest.mark.parametrize("retry_after", [None, 90])
def test_locked_and_throttled_end_at_the_locked_screen(retry_after: int | None) -> None:
    s, request = at_collecting()
    s, _ = ks.step(s, ks.CitizenLocked(request.ref, retry_after))
    assert (s.state, s.notice) == (State.LOCKED, ks.Notice.LOCKED)
    assert s.notice_params == {"minutes": "" if retry_after is None else "2"}
    s, fx = ks.step(s, ks.Finish())
    assert s.state is State.ATTRACT and one(fx, ks.WipeSession)


def test_registry_unreachable_then_retry_resends_the_same_request() -> None:
    s, request = at_collecting()
    s, fx = ks.step(s, ks.RegistryUnavailable(request.ref))
    assert (s.state, s.notice) == (State.SERVICE_ERROR, ks.Notice.REGISTRY_UNAVAILABLE)
    s, fx = ks.step(s, ks.Retry())
    again = one(fx, ks.CollectOrder)
    assert isinstance(again, ks.CollectOrder)
    assert s.state is State.COLLECTING
    assert (again.order_code, again.pin, again.idempotency_key) == (
        request.order_code,
        request.pin,
        request.idempotency_key,
    )
    assert again.ref != request.ref


@pytest.mark.parametrize(
    ("reason", "can_retype"),
    [
        ("order_code_invalid", True),
        ("order_not_found", True),
        ("order_not_ready", False),
        ("order_collected", False),
        ("order_elsewhere", False),
        ("channel_not_allowed", False),
    ],
)
def test_each_refusal_is_told_and_a_wrong_code_can_be_typed_again(
    reason: str, can_retype: bool
) -> None:
    s, request = at_collecting()
    s, _ = ks.step(s, ks.RegistryRefused(request.ref, reason))
    assert (s.state, s.notice, s.notice_params) == (
        State.REFUSED,
        ks.Notice.REFUSED,
        {"reason": reason},
    )
    assert s.can_go_back is can_retype
    s, fx = ks.step(s, ks.Back())
    if can_retype:
        assert (s.state, s.order_code, s.notice) == (State.ORDER_ENTRY, CODE, None)
    else:
        assert s.state is State.ATTRACT and one(fx, ks.WipeSession)


def test_a_refused_kiosk_ends_the_collection_out_of_service() -> None:
    s, request = at_collecting()
    s, fx = ks.step(s, ks.KioskRefused(request.ref, "kiosk_revoked"))
    assert (s.state, s.order_code) == (State.OUT_OF_SERVICE, "")
    assert one(fx, ks.WipeSession)


def test_back_from_the_pin_keeps_the_code_to_correct_it() -> None:
    s, _ = run(at_order_pin(), ks.KeypadDigit("1"), ks.Back())
    assert (s.state, s.order_code, s.pin) == (State.ORDER_ENTRY, CODE, "")
    s, _ = ks.step(s, ks.Back())
    assert (s.state, s.order_code, s.collect) == (State.LANGUAGE, "", True)
    s, _ = ks.step(s, ks.ChooseLanguage("en"))  # still collecting
    assert s.state is State.ORDER_ENTRY


def test_the_collecting_wait_ignores_touches_and_stale_answers() -> None:
    s, request = at_collecting()
    for event in (ks.Cancel(), ks.Back(), ks.Submit(), ks.KeypadChar("A")):
        with pytest.raises(ks.InvalidTransition, match="COLLECTING"):
            ks.step(s, event)
    assert ks.step(s, ks.OrderIssued(request.ref + 5, "S", "Q", 1, CODE)) == (s, ())


# --- the runner --------------------------------------------------------------------------------


def test_the_registry_cut_off_is_registry_unavailable(harness: RunnerHarness) -> None:
    harness.runner.run([ks.CollectOrder(1, CODE, "2468", "n-1")])
    assert harness.next() == ks.RegistryUnavailable(1)
    harness.runner.run([ks.MarkOrderCollected(CODE, "BI26-1")])
    harness.runner.drain()
    (fault,) = [f for f in harness.journal.recent_faults() if f[1] == "order_not_marked"]
    assert "RegistryUnreachable" in fault[2] and "BI26-1" not in fault[2]


def test_an_order_document_prints_through_the_journal_with_no_payment(
    harness: RunnerHarness, emulator: Emulator, dev: DevFixtures
) -> None:
    qr = dev.samples[DocumentType.BIRTH_CERTIFICATE.slug].read_text(encoding="ascii").strip()
    harness.runner.run([ks.VerifyDocument(1, qr)])
    assert harness.next() == ks.DocumentVerified(1)
    harness.runner.run([ks.PrintDocument(2, "BI26-7", qr, "en", authorisation=None)])
    assert harness.next(ks.PrintCompleted) == ks.PrintCompleted(2)
    (job,) = harness.journal.jobs()
    assert (job.state, job.held_payment) == (JobState.PRINTED, None)
    assert list(harness.payment.ledger) == []  # nothing authorised, nothing taken
