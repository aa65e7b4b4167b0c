"""The kiosk journey through `step` alone: every transition, error path and timeout."""

from __future__ import annotations

import dataclasses

import pytest
from bookings_support import BOOKED, DAYS, SERVICES, TICKET, TIMES, booking_sessions

from kiosk_app import session as ks
from kiosk_app.session import State
from verifier import national_id

GOOD_ID = national_id.make("198706150")
BAD_ID = GOOD_ID[:9] + str((int(GOOD_ID[9]) + 1) % 10)

BIRTH = ks.Entitlement("e1", 1, "أحمد علي", "Ahmad Ali", "self", 500, "YER")
DEATH = ks.Entitlement("e2", 2, "علي حسن", "Ali Hasan", "parent", 700, "YER")


def run(s: ks.Session, *events: ks.Event) -> tuple[ks.Session, list[ks.Effect]]:
    effects: list[ks.Effect] = []
    for e in events:
        s, out = ks.step(s, e)
        effects.extend(out)
    return s, effects


def of(effects: list[ks.Effect] | tuple[ks.Effect, ...], kind: type) -> list:  # type: ignore[type-arg]
    return [e for e in effects if isinstance(e, kind)]


def one(effects: list[ks.Effect] | tuple[ks.Effect, ...], kind: type) -> ks.Effect:  # type: ignore[type-arg]
    found = of(effects, kind)
    assert len(found) == 1, f"expected one {kind.__name__} in {effects}"
    return found[0]  # type: ignore[no-any-return]


def digits(text: str) -> list[ks.Event]:
    return [ks.KeypadDigit(d) for d in text]


def at_pin(language: str = "ar") -> ks.Session:
    s, _ = run(
        ks.initial(), ks.Begin("n0nce"), ks.ChooseLanguage(language), *digits(GOOD_ID), ks.Submit()
    )
    assert s.state is State.PIN_ENTRY
    return s


def at_authenticating() -> tuple[ks.Session, ks.AuthenticateCitizen]:
    s, fx = run(at_pin(), *digits("1234"), ks.Submit())
    return s, one(fx, ks.AuthenticateCitizen)  # type: ignore[return-value]


def at_choose() -> ks.Session:
    s, auth = at_authenticating()
    s, fx = ks.step(s, ks.Authenticated(auth.ref, "tok"))
    fetch = one(fx, ks.FetchEntitlements)
    s, _ = ks.step(s, ks.EntitlementsLoaded(fetch.ref, (BIRTH, DEATH)))  # type: ignore[attr-defined]
    assert s.state is State.CHOOSE_DOCUMENT
    return s


def at_preview(index: int = 0) -> ks.Session:
    s, fx = ks.step(at_choose(), ks.ChooseEntitlement(index))
    render = one(fx, ks.RenderPreview)
    s, _ = ks.step(s, ks.PreviewReady(render.ref, "/tmp/preview.png"))  # type: ignore[attr-defined]
    assert s.state is State.PREVIEW
    return s


def at_payment() -> ks.Session:
    s, fx = ks.step(at_preview(), ks.Confirm())
    check = one(fx, ks.CheckPrinter)
    s, _ = ks.step(s, ks.PrinterChecked(check.ref, ks.PrinterState.READY))  # type: ignore[attr-defined]
    assert s.state is State.PAYMENT
    return s


def at_issuing() -> tuple[ks.Session, ks.IssueDocument]:
    s, fx = ks.step(at_payment(), ks.Pay())
    auth = one(fx, ks.AuthorisePayment)
    s, fx = ks.step(s, ks.PaymentAuthorised(auth.ref, "auth-1"))  # type: ignore[attr-defined]
    return s, one(fx, ks.IssueDocument)  # type: ignore[return-value]


def at_printing() -> tuple[ks.Session, ks.PrintDocument]:
    s, issue = at_issuing()
    s, fx = ks.step(s, ks.DocumentIssued(issue.ref, "B-2026-000001", "SN1D:QRTEXT"))
    verify = one(fx, ks.VerifyDocument)
    s, fx = ks.step(s, ks.DocumentVerified(verify.ref))  # type: ignore[attr-defined]
    assert s.state is State.PRINTING
    return s, one(fx, ks.PrintDocument)  # type: ignore[return-value]


def assert_wiped(
    s: ks.Session, fx: list[ks.Effect] | tuple[ks.Effect, ...], home: State = State.ATTRACT
) -> None:
    assert s.state is home
    assert of(fx, ks.WipeSession)
    for name in ("national_id", "pin", "nonce", "tech_pin"):
        assert getattr(s, name) == ""
    for name in ("token", "chosen", "preview", "authorisation", "serial", "qr_text", "notice"):
        assert getattr(s, name) is None
    assert s.entitlements == ()
    assert s.tech_jobs == ()
    assert s.language == s.settings.default_language
    assert not s.large_text


# --- the happy journey ---------------------------------------------------------------------


def test_full_journey_issues_verifies_prints_then_captures() -> None:
    s = ks.initial()
    assert s.state is State.ATTRACT
    s, fx = ks.step(s, ks.Begin("abc"))
    assert s.state is State.LANGUAGE
    assert one(fx, ks.StartIdleTimer).seconds == 60  # type: ignore[attr-defined]
    s, _ = ks.step(s, ks.ChooseLanguage("en"))
    assert (s.state, s.language) == (State.ID_ENTRY, "en")
    s, _ = run(s, *digits(GOOD_ID), ks.Submit())
    assert s.state is State.PIN_ENTRY
    s, fx = run(s, *digits("4321"), ks.Submit())
    auth = one(fx, ks.AuthenticateCitizen)
    assert auth == ks.AuthenticateCitizen(s.pending, GOOD_ID, "4321", ks.IdMethod.KEYPAD)  # type: ignore[arg-type]
    assert s.state is State.AUTHENTICATING
    assert s.pin == ""  # the PIN is not kept in the session while the request runs
    assert of(fx, ks.StopIdleTimer)
    s, fx = ks.step(s, ks.Authenticated(auth.ref, "tok"))  # type: ignore[attr-defined]
    assert s.state is State.LOADING_ENTITLEMENTS
    fetch = one(fx, ks.FetchEntitlements)
    assert fetch.token == "tok"  # type: ignore[attr-defined]
    s, _ = ks.step(s, ks.EntitlementsLoaded(fetch.ref, (BIRTH, DEATH)))  # type: ignore[attr-defined]
    assert s.state is State.CHOOSE_DOCUMENT
    s, fx = ks.step(s, ks.ChooseEntitlement(1))
    render = one(fx, ks.RenderPreview)
    assert render.entitlement == DEATH
    assert render.language == "en"
    s, _ = ks.step(s, ks.PreviewReady(render.ref, "/p.png"))  # type: ignore[attr-defined]
    assert (s.state, s.preview) == (State.PREVIEW, "/p.png")
    s, fx = ks.step(s, ks.Confirm())
    assert s.state is State.CHECKING_PRINTER
    check = one(fx, ks.CheckPrinter)
    assert not of(fx, ks.AuthorisePayment)  # the printer is asked before any money
    s, _ = ks.step(s, ks.PrinterChecked(check.ref, ks.PrinterState.PAPER_NEAR_END))  # type: ignore[attr-defined]
    assert s.state is State.PAYMENT
    s, fx = ks.step(s, ks.Pay())
    pay = one(fx, ks.AuthorisePayment)
    assert (pay.amount, pay.currency, pay.reference) == (700, "YER", "abc-1")  # type: ignore[attr-defined]
    s, fx = ks.step(s, ks.PaymentAuthorised(pay.ref, "auth-9"))  # type: ignore[attr-defined]
    issue = one(fx, ks.IssueDocument)
    assert issue.idempotency_key == "abc-1"
    assert issue.payment_reference == "auth-9"
    assert s.state is State.ISSUING
    s, fx = ks.step(s, ks.DocumentIssued(issue.ref, "D-1", "SN1D:X"))  # type: ignore[attr-defined]
    verify = one(fx, ks.VerifyDocument)
    assert verify.qr_text == "SN1D:X"
    assert s.state is State.VERIFYING
    s, fx = ks.step(s, ks.DocumentVerified(verify.ref))  # type: ignore[attr-defined]
    job = one(fx, ks.PrintDocument)
    assert (job.serial, job.qr_text, job.language) == ("D-1", "SN1D:X", "en")  # type: ignore[attr-defined]
    assert job.authorisation == "auth-9"  # type: ignore[attr-defined]  # journaled with the job
    s, fx = ks.step(s, ks.PrintProgress(job.ref, 0.5))  # type: ignore[attr-defined]
    assert s.progress == 0.5
    assert fx == ()
    s, fx = ks.step(s, ks.PrintProgress(job.ref, 0.3))  # type: ignore[attr-defined]
    assert s.progress == 0.5  # never backwards
    assert not of(fx, ks.CapturePayment)
    s, fx = ks.step(s, ks.PrintCompleted(job.ref))  # type: ignore[attr-defined]
    assert s.state is State.DONE
    assert one(fx, ks.CapturePayment) == ks.CapturePayment("auth-9", "D-1")
    assert not of(fx, ks.VoidPayment)
    assert s.serial == "D-1"
    assert one(fx, ks.StartIdleTimer).seconds == s.settings.done_seconds  # type: ignore[attr-defined]
    s, fx = ks.step(s, ks.Finish())
    assert_wiped(s, fx)
    assert not of(fx, ks.VoidPayment)  # captured already: nothing to void


def test_done_screen_times_out_straight_to_attract() -> None:
    s, job = at_printing()
    s, fx = ks.step(s, ks.PrintCompleted(job.ref))
    timer = one(fx, ks.StartIdleTimer)
    s, fx = ks.step(s, ks.IdleTimeout(timer.timer))  # type: ignore[attr-defined]
    assert_wiped(s, fx)


def test_single_language_kiosk_skips_language_screen() -> None:
    s = ks.initial(ks.Settings(languages=("en",), default_language="en"))
    s, _ = ks.step(s, ks.Begin("n"))
    assert s.state is State.ID_ENTRY
    s, fx = ks.step(s, ks.Back())
    assert_wiped(s, fx)


def test_begin_without_nonce_is_refused() -> None:
    with pytest.raises(ValueError, match="nonce"):
        ks.step(ks.initial(), ks.Begin(""))


def test_unknown_language_is_refused() -> None:
    s, _ = ks.step(ks.initial(), ks.Begin("n"))
    with pytest.raises(ValueError, match="not offered"):
        ks.step(s, ks.ChooseLanguage("fr"))


def test_language_back_and_cancel_wipe() -> None:
    for event in (ks.Back(), ks.Cancel()):
        s, _ = ks.step(ks.initial(), ks.Begin("n"))
        s, fx = ks.step(s, event)
        assert_wiped(s, fx)


# --- national ID keypad ----------------------------------------------------------------------


def at_id() -> ks.Session:
    s, _ = run(ks.initial(), ks.Begin("n"), ks.ChooseLanguage("ar"))
    return s


def test_keypad_checks_the_id_as_you_type() -> None:
    s = at_id()
    assert s.id_status is ks.IdStatus.EMPTY
    s, _ = run(s, *digits(GOOD_ID[:5]))
    assert s.id_status is ks.IdStatus.INCOMPLETE
    assert s.notice is None
    s, _ = run(s, *digits(BAD_ID[5:]))
    assert s.id_status is ks.IdStatus.INVALID
    assert s.notice is ks.Notice.ID_INVALID
    s, _ = ks.step(s, ks.KeypadDigit("7"))
    assert s.national_id == BAD_ID  # an eleventh digit is not taken
    s, _ = ks.step(s, ks.KeypadBackspace())
    assert s.national_id == BAD_ID[:9]
    assert s.notice is None
    s, _ = ks.step(s, ks.KeypadDigit(GOOD_ID[9]))
    assert s.id_status is ks.IdStatus.VALID
    s, _ = ks.step(s, ks.KeypadClear())
    assert s.national_id == ""


def test_submit_refuses_incomplete_and_wrong_check_digit() -> None:
    s, fx = run(at_id(), *digits("12345"), ks.Submit())
    assert (s.state, s.notice) == (State.ID_ENTRY, ks.Notice.ID_INCOMPLETE)
    s, fx = run(at_id(), *digits(BAD_ID), ks.Submit())
    assert (s.state, s.notice) == (State.ID_ENTRY, ks.Notice.ID_INVALID)
    assert not of(fx, ks.AuthenticateCitizen)


def test_keypad_rejects_non_digits() -> None:
    with pytest.raises(ValueError, match="digit"):
        ks.step(at_id(), ks.KeypadDigit("x"))


def test_scanned_card_goes_to_pin_with_card_method() -> None:
    arabic_digits = "".join(chr(0x0660 + int(d)) for d in GOOD_ID)
    s, _ = ks.step(at_id(), ks.CardScanned(f" {arabic_digits}\r\n"))
    assert (s.state, s.national_id, s.id_method) == (State.PIN_ENTRY, GOOD_ID, ks.IdMethod.CARD)
    s, fx = run(s, *digits("1111"), ks.Submit())
    assert one(fx, ks.AuthenticateCitizen).method is ks.IdMethod.CARD  # type: ignore[attr-defined]


def test_scanned_card_number_is_sent_as_card() -> None:
    s, _ = ks.step(at_id(), ks.CardScanned("pwa729633\n"))
    assert (s.state, s.national_id, s.id_method) == (State.PIN_ENTRY, "PWA729633", ks.IdMethod.CARD)


def test_unreadable_card_stays_with_notice() -> None:
    for garbage in (BAD_ID, "", "12", "P@W#1", "A" * 30):
        s, _ = ks.step(at_id(), ks.CardScanned(garbage))
        assert (s.state, s.notice) == (State.ID_ENTRY, ks.Notice.CARD_UNREADABLE)


def test_id_back_goes_to_language_and_forgets_id() -> None:
    s, _ = run(at_id(), *digits("123"), ks.Back())
    assert (s.state, s.national_id) == (State.LANGUAGE, "")
    s, fx = run(at_id(), *digits("123"), ks.Cancel())
    assert_wiped(s, fx)


# --- PIN ---------------------------------------------------------------------------------------


def test_pin_is_bounded_and_needs_minimum_length() -> None:
    s, _ = run(at_pin(), *digits("123456789"))
    assert s.pin == "12345678"
    s, _ = run(s, ks.KeypadBackspace())
    assert s.pin == "1234567"
    s, _ = run(s, ks.KeypadClear(), *digits("12"), ks.Submit())
    assert (s.state, s.notice) == (State.PIN_ENTRY, ks.Notice.PIN_TOO_SHORT)


def test_wrong_pin_says_tries_remaining_then_right_pin_passes() -> None:
    s, auth = at_authenticating()
    s, fx = ks.step(s, ks.PinRejected(auth.ref, 2))
    assert (s.state, s.notice, s.tries_remaining) == (State.PIN_ENTRY, ks.Notice.PIN_WRONG, 2)
    assert s.notice_params == {"tries": "2"}
    assert s.pin == ""
    s, fx = run(s, *digits("9999"), ks.Submit())
    auth2 = one(fx, ks.AuthenticateCitizen)
    assert auth2.ref != auth.ref  # type: ignore[attr-defined]
    s, fx = ks.step(s, ks.Authenticated(auth2.ref, "t"))  # type: ignore[attr-defined]
    assert s.state is State.LOADING_ENTITLEMENTS
    assert s.notice is None


def test_locked_citizen_is_told_what_to_do_and_can_only_leave() -> None:
    s, auth = at_authenticating()
    s, _ = ks.step(s, ks.CitizenLocked(auth.ref, 600))
    assert (s.state, s.notice, s.notice_params) == (
        State.LOCKED,
        ks.Notice.LOCKED,
        {"minutes": "10"},
    )
    with pytest.raises(ks.InvalidTransition):
        ks.step(s, ks.Submit())
    s, fx = ks.step(s, ks.Finish())
    assert_wiped(s, fx)


def test_pin_back_returns_to_id_entry_empty() -> None:
    s, _ = run(at_pin(), *digits("12"), ks.Back())
    assert (s.state, s.pin, s.national_id) == (State.ID_ENTRY, "", "")
    s, fx = ks.step(at_pin(), ks.Cancel())
    assert_wiped(s, fx)


# --- registry unreachable, slow, refusing -------------------------------------------------------


def test_registry_unavailable_then_retry_sends_the_same_request_anew() -> None:
    s, auth = at_authenticating()
    s, fx = ks.step(s, ks.RegistryUnavailable(auth.ref))
    assert (s.state, s.notice) == (State.SERVICE_ERROR, ks.Notice.REGISTRY_UNAVAILABLE)
    assert one(fx, ks.ReportFault).code is ks.FaultCode.REGISTRY_UNAVAILABLE  # type: ignore[attr-defined]
    s, fx = ks.step(s, ks.Retry())
    again = one(fx, ks.AuthenticateCitizen)
    assert dataclasses.replace(again, ref=auth.ref) == auth  # type: ignore[type-var]
    assert again.ref != auth.ref  # type: ignore[attr-defined]
    assert s.state is State.AUTHENTICATING
    # the first request's late answer is stale and ignored
    assert ks.step(s, ks.Authenticated(auth.ref, "late")) == (s, ())


def test_registry_unavailable_cancel_wipes() -> None:
    s, auth = at_authenticating()
    s, _ = ks.step(s, ks.RegistryUnavailable(auth.ref))
    s, fx = ks.step(s, ks.Cancel())
    assert_wiped(s, fx)


def test_entitlements_unavailable_retry() -> None:
    s, auth = at_authenticating()
    s, fx = ks.step(s, ks.Authenticated(auth.ref, "tok"))
    fetch = one(fx, ks.FetchEntitlements)
    s, _ = ks.step(s, ks.RegistryUnavailable(fetch.ref))  # type: ignore[attr-defined]
    s, fx = ks.step(s, ks.Retry())
    assert s.state is State.LOADING_ENTITLEMENTS
    assert one(fx, ks.FetchEntitlements).token == "tok"  # type: ignore[attr-defined]


def test_refusal_carries_reason_code() -> None:
    s, auth = at_authenticating()
    s, _ = ks.step(s, ks.RegistryRefused(auth.ref, "kiosk_revoked"))
    assert (s.state, s.notice_params) == (State.REFUSED, {"reason": "kiosk_revoked"})
    s, fx = ks.step(s, ks.Back())  # nothing to go back to: the journey ends
    assert_wiped(s, fx)


def test_no_entitlements_shows_notice() -> None:
    s, auth = at_authenticating()
    s, fx = ks.step(s, ks.Authenticated(auth.ref, "tok"))
    fetch = one(fx, ks.FetchEntitlements)
    s, _ = ks.step(s, ks.EntitlementsLoaded(fetch.ref, ()))  # type: ignore[attr-defined]
    assert (s.state, s.notice) == (State.CHOOSE_DOCUMENT, ks.Notice.NO_DOCUMENTS)
    with pytest.raises(ValueError, match="no entitlement"):
        ks.step(s, ks.ChooseEntitlement(0))


def test_choose_cancel_wipes() -> None:
    s, fx = ks.step(at_choose(), ks.Cancel())
    assert_wiped(s, fx)


def test_preview_failure_still_shows_preview_screen_with_notice() -> None:
    s, fx = ks.step(at_choose(), ks.ChooseEntitlement(0))
    render = one(fx, ks.RenderPreview)
    s, _ = ks.step(s, ks.PreviewFailed(render.ref))  # type: ignore[attr-defined]
    assert (s.state, s.preview, s.notice) == (State.PREVIEW, None, ks.Notice.PREVIEW_FAILED)


def test_preview_refused_returns_to_choice() -> None:
    s, fx = ks.step(at_choose(), ks.ChooseEntitlement(0))
    render = one(fx, ks.RenderPreview)
    s, _ = ks.step(s, ks.RegistryRefused(render.ref, "not_entitled"))  # type: ignore[attr-defined]
    assert s.state is State.REFUSED
    s, _ = ks.step(s, ks.Back())
    assert s.state is State.CHOOSE_DOCUMENT
    assert s.chosen is None


def test_preview_back_and_cancel() -> None:
    s, _ = ks.step(at_preview(), ks.Back())
    assert (s.state, s.chosen, s.preview) == (State.CHOOSE_DOCUMENT, None, None)
    s, fx = ks.step(at_preview(), ks.Cancel())
    assert_wiped(s, fx)


# --- printer before payment ------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [ks.PrinterState.PAPER_OUT, ks.PrinterState.COVER_OPEN, ks.PrinterState.OFFLINE,
     ks.PrinterState.ERROR, ks.PrinterState.UNKNOWN],
)  # fmt: skip
def test_printer_not_ready_means_no_payment_and_out_of_service(status: ks.PrinterState) -> None:
    s, fx = ks.step(at_preview(), ks.Confirm())
    check = one(fx, ks.CheckPrinter)
    s, fx = ks.step(s, ks.PrinterChecked(check.ref, status))  # type: ignore[attr-defined]
    assert s.state is State.PRINTER_UNAVAILABLE
    assert not of(fx, ks.AuthorisePayment)
    assert one(fx, ks.ReportFault).code is ks.FaultCode.PRINTER_NOT_READY  # type: ignore[attr-defined]
    assert not s.printing_available
    s, fx = ks.step(s, ks.Finish())
    assert_wiped(s, fx)
    assert not s.printing_available  # the kiosk stays out of service for printing
    s, _ = ks.step(s, ks.PrinterStatusChanged(ks.PrinterState.READY))
    assert s.printing_available


def test_payment_back_and_cancel_take_no_money() -> None:
    s, fx = ks.step(at_payment(), ks.Back())
    assert s.state is State.PREVIEW
    s, fx = ks.step(at_payment(), ks.Cancel())
    assert_wiped(s, fx)
    assert not of(fx, ks.VoidPayment)


def test_payment_declined_retry_uses_a_new_purchase_number() -> None:
    s, fx = ks.step(at_payment(), ks.Pay())
    pay = one(fx, ks.AuthorisePayment)
    s, _ = ks.step(s, ks.PaymentDeclined(pay.ref, "insufficient"))  # type: ignore[attr-defined]
    assert (s.state, s.notice_params) == (State.PAYMENT_DECLINED, {"reason": "insufficient"})
    s, _ = ks.step(s, ks.Retry())
    assert s.state is State.PAYMENT
    s, fx = ks.step(s, ks.Pay())
    assert one(fx, ks.AuthorisePayment).reference == "n0nce-2"  # type: ignore[attr-defined]
    s, fx = ks.step(at_payment(), ks.Pay())
    s, fx = ks.step(s, ks.PaymentDeclined(one(fx, ks.AuthorisePayment).ref, "x"))  # type: ignore[attr-defined]
    s, fx = ks.step(s, ks.Cancel())
    assert_wiped(s, fx)


# --- issuance ----------------------------------------------------------------------------------


def test_issue_retry_carries_the_same_idempotency_key() -> None:
    s, issue = at_issuing()
    s, _ = ks.step(s, ks.RegistryUnavailable(issue.ref))
    assert s.state is State.SERVICE_ERROR
    assert s.authorisation == "auth-1"
    s, fx = ks.step(s, ks.Retry())
    again = one(fx, ks.IssueDocument)
    assert again.idempotency_key == issue.idempotency_key == "n0nce-1"  # type: ignore[attr-defined]
    assert again.payment_reference == "auth-1"  # type: ignore[attr-defined]
    assert s.state is State.ISSUING
    s, fx = ks.step(s, ks.RegistryUnavailable(again.ref))  # type: ignore[attr-defined]
    s, fx = ks.step(s, ks.Cancel())  # giving up voids the held authorisation
    assert one(fx, ks.VoidPayment) == ks.VoidPayment("auth-1")
    assert_wiped(s, fx)


def test_issue_refused_voids_payment() -> None:
    s, issue = at_issuing()
    s, fx = ks.step(s, ks.RegistryRefused(issue.ref, "not_entitled"))
    assert s.state is State.REFUSED
    assert one(fx, ks.VoidPayment) == ks.VoidPayment("auth-1")
    assert s.authorisation is None
    s, fx = ks.step(s, ks.Finish())
    assert not of(fx, ks.VoidPayment)  # voided once, not twice


def test_expired_token_refusal_drops_token() -> None:
    s, issue = at_issuing()
    s, _ = ks.step(s, ks.RegistryRefused(issue.ref, "session_invalid"))
    assert s.token is None
    s, fx = ks.step(s, ks.Back())
    assert_wiped(s, fx)


def test_document_that_fails_verification_is_never_printed() -> None:
    s, issue = at_issuing()
    s, fx = ks.step(s, ks.DocumentIssued(issue.ref, "S1", "SN1D:BAD"))
    verify = one(fx, ks.VerifyDocument)
    s, fx = ks.step(s, ks.DocumentRejected(verify.ref, "bad_signature"))  # type: ignore[attr-defined]
    assert s.state is State.ISSUE_FAILED
    assert not of(fx, ks.PrintDocument)
    assert one(fx, ks.VoidPayment) == ks.VoidPayment("auth-1")
    assert one(fx, ks.ReportFault).code is ks.FaultCode.DOCUMENT_REJECTED  # type: ignore[attr-defined]
    s, fx = ks.step(s, ks.Finish())
    assert_wiped(s, fx)


# --- printing ----------------------------------------------------------------------------------


def test_print_failure_leaves_the_payment_with_the_job_tells_serial_and_stops_printing() -> None:
    s, job = at_printing()
    assert job.authorisation == "auth-1"
    s, _ = ks.step(s, ks.PrintProgress(job.ref, 0.4))
    s, fx = ks.step(s, ks.PrintFailed(job.ref, "paper_out"))
    assert s.state is State.PRINT_FAILED
    assert s.notice_params == {"serial": "B-2026-000001"}
    # neither taken nor released: the journal's job holds it for the technician's reprint
    assert not of(fx, ks.VoidPayment)
    assert not of(fx, ks.CapturePayment)
    assert s.authorisation is None
    assert one(fx, ks.ReportFault).detail == "paper_out"  # type: ignore[attr-defined]
    assert not s.printing_available
    s, fx = ks.step(s, ks.Finish())
    assert_wiped(s, fx)
    assert not of(fx, ks.VoidPayment) and not of(fx, ks.CapturePayment)


def test_print_failure_the_journal_did_not_keep_voids_at_once() -> None:
    s, job = at_printing()
    s, fx = ks.step(s, ks.PrintFailed(job.ref, "not_verified", kept=False))
    assert s.state is State.PRINT_FAILED
    assert one(fx, ks.VoidPayment) == ks.VoidPayment("auth-1")
    s, fx = ks.step(s, ks.Finish())
    assert not of(fx, ks.VoidPayment)  # voided once, not twice


def test_busy_states_ignore_touch_events() -> None:
    s, _job = at_printing()
    for event in (ks.Cancel(), ks.Back(), ks.Pay(), ks.Submit()):
        with pytest.raises(ks.InvalidTransition, match="PRINTING"):
            ks.step(s, event)
    # and the larger-text toggle is not taken while busy either
    with pytest.raises(ks.InvalidTransition):
        ks.step(s, ks.ToggleLargeText())


# --- idle timeout on every screen ---------------------------------------------------------------


def interactive_sessions() -> dict[State, ks.Session]:
    out: dict[State, ks.Session] = {}
    s, _ = ks.step(ks.initial(), ks.Begin("n"))
    out[State.LANGUAGE] = s
    out[State.ID_ENTRY] = at_id()
    out[State.PIN_ENTRY] = at_pin()
    out[State.CHOOSE_DOCUMENT] = at_choose()
    out[State.PREVIEW] = at_preview()
    out[State.PAYMENT] = at_payment()
    s, auth = at_authenticating()
    out[State.SERVICE_ERROR] = ks.step(s, ks.RegistryUnavailable(auth.ref))[0]
    out[State.REFUSED] = ks.step(s, ks.RegistryRefused(auth.ref, "x"))[0]
    out[State.LOCKED] = ks.step(s, ks.CitizenLocked(auth.ref, None))[0]
    s, fx = ks.step(at_preview(), ks.Confirm())
    out[State.PRINTER_UNAVAILABLE] = ks.step(
        s,
        ks.PrinterChecked(one(fx, ks.CheckPrinter).ref, ks.PrinterState.PAPER_OUT),  # type: ignore[attr-defined]
    )[0]
    s, fx = ks.step(at_payment(), ks.Pay())
    out[State.PAYMENT_DECLINED] = ks.step(
        s, ks.PaymentDeclined(one(fx, ks.AuthorisePayment).ref, "x")
    )[0]  # type: ignore[attr-defined]
    s, issue = at_issuing()
    s, fx = ks.step(s, ks.DocumentIssued(issue.ref, "S", "Q"))
    out[State.ISSUE_FAILED] = ks.step(s, ks.DocumentRejected(one(fx, ks.VerifyDocument).ref, "x"))[
        0
    ]  # type: ignore[attr-defined]
    s, job = at_printing()
    out[State.PRINT_FAILED] = ks.step(s, ks.PrintFailed(job.ref, "x"))[0]
    s, _ = run(ks.initial(), ks.Begin("n", collect=True), ks.ChooseLanguage("ar"))
    out[State.ORDER_ENTRY] = s
    s, _ = run(s, *[ks.KeypadChar(c) for c in "K7QM2XA9"], ks.KeypadChar("6"), ks.Submit())
    out[State.ORDER_PIN] = s
    out[State.TECH_PIN] = ks.step(ks.initial(), ks.TechnicianGesture(0.0))[0]
    out[State.TECHNICIAN] = at_technician()
    out.update(booking_sessions())
    return out


# the kiosk's resting screens have no idle timer; the ends of a journey (DONE, the ticket, the
# booked appointment) end it without a warning
_RESTING = {
    State.ATTRACT,
    State.OUT_OF_SERVICE,
    State.IDLE_WARNING,
    State.DONE,
    State.TICKET,
    State.BOOKED,
}
INTERACTIVE = sorted(({st for st in State if not st.busy} - _RESTING), key=lambda st: st.value)


def test_every_interactive_state_is_covered_by_the_timeout_test() -> None:
    interactive = {st for st in State if not st.busy} - _RESTING
    assert set(interactive_sessions()) == interactive


@pytest.mark.parametrize("state", INTERACTIVE, ids=lambda st: st.value)
def test_idle_timeout_warns_then_continue_resumes(state: State) -> None:
    s = interactive_sessions()[state]
    assert s.state is state
    s2, fx = ks.step(s, ks.IdleTimeout(s.timer))
    assert s2.state is State.IDLE_WARNING
    warn = one(fx, ks.StartIdleTimer)
    assert warn.warning
    assert warn.seconds >= 20
    s3, fx = ks.step(s2, ks.ContinueSession())
    assert s3.state is state
    assert one(fx, ks.StartIdleTimer).timer == s3.timer  # type: ignore[attr-defined]
    # the warning's timer is stale now
    assert ks.step(s3, ks.IdleTimeout(warn.timer)) == (s3, ())  # type: ignore[attr-defined]


@pytest.mark.parametrize("state", INTERACTIVE, ids=lambda st: st.value)
def test_idle_timeout_unanswered_wipes_everything(state: State) -> None:
    s = interactive_sessions()[state]
    held = s.authorisation
    s, fx = ks.step(s, ks.IdleTimeout(s.timer))
    s, fx = ks.step(s, ks.IdleTimeout(one(fx, ks.StartIdleTimer).timer))  # type: ignore[attr-defined]
    assert_wiped(s, fx)
    if held is not None:
        assert one(fx, ks.VoidPayment) == ks.VoidPayment(held)


def test_idle_warning_cancel_wipes() -> None:
    s = at_pin()
    s, _ = ks.step(s, ks.IdleTimeout(s.timer))
    s, fx = ks.step(s, ks.Cancel())
    assert_wiped(s, fx)


def test_any_input_restarts_the_idle_timer() -> None:
    s = at_id()
    old = s.timer
    s, fx = ks.step(s, ks.KeypadDigit("1"))
    assert one(fx, ks.StartIdleTimer).timer == s.timer != old  # type: ignore[attr-defined]
    assert ks.step(s, ks.IdleTimeout(old)) == (s, ())


def test_stale_timeout_in_busy_state_and_attract_is_ignored() -> None:
    s, _ = at_authenticating()
    assert ks.step(s, ks.IdleTimeout(s.timer)) == (s, ())
    a = ks.initial()
    assert ks.step(a, ks.IdleTimeout(a.timer)) == (a, ())


def test_large_text_toggle_anywhere_interactive_and_reset_by_wipe() -> None:
    s, fx = ks.step(at_pin(), ks.ToggleLargeText())
    assert s.large_text
    assert s.state is State.PIN_ENTRY
    assert fx == ()
    s, fx = ks.step(s, ks.Cancel())
    assert not s.large_text


def test_stale_result_after_wipe_is_ignored() -> None:
    s, auth = at_authenticating()
    s, _ = ks.step(s, ks.RegistryUnavailable(auth.ref))
    s, _ = ks.step(s, ks.Cancel())
    assert ks.step(s, ks.Authenticated(auth.ref, "tok")) == (s, ())


def test_invalid_transition_names_state_and_event() -> None:
    with pytest.raises(ks.InvalidTransition, match="no transition from ATTRACT on Pay") as info:
        ks.step(ks.initial(), ks.Pay())
    assert info.value.state is State.ATTRACT


def test_settings_refuse_short_warning() -> None:
    with pytest.raises(ValueError, match="20 seconds"):
        ks.Settings(warning_seconds=10)
    with pytest.raises(ValueError, match="default language"):
        ks.Settings(languages=("en",), default_language="ar")


# --- technician mode ---------------------------------------------------------------------------


def at_technician() -> ks.Session:
    s, fx = run(ks.initial(), ks.TechnicianGesture(100.0), *digits("246810"), ks.Submit())
    check = one(fx, ks.VerifyTechnicianPin)
    assert check.pin == "246810"  # type: ignore[attr-defined]
    assert s.tech_pin == ""
    s, fx = ks.step(s, ks.TechnicianPinChecked(check.ref, True, 101.0))  # type: ignore[attr-defined]
    load = one(fx, ks.LoadTechnicianData)
    jobs = (ks.JobSummary(3, "B-1", "failed", "paper_out"),)
    s, _ = ks.step(s, ks.TechnicianData(load.ref, jobs, ("printer_not_ready",)))  # type: ignore[attr-defined]
    assert s.state is State.TECHNICIAN
    assert s.tech_jobs == jobs
    return s


def test_technician_pin_is_throttled_with_growing_lockout() -> None:
    s = ks.initial()
    now = 0.0
    for attempt in range(1, 6):
        s, _ = run(s, ks.TechnicianGesture(now), *digits("0000"), ks.Submit())
        assert s.state is State.TECH_VERIFYING
        s, fx = ks.step(s, ks.TechnicianPinChecked(s.pending, False, now))  # type: ignore[arg-type]
        assert s.state is State.TECH_PIN
        lock = ks._tech_lock_seconds(attempt)
        if attempt < ks.TECH_FREE_TRIES:
            assert s.notice is ks.Notice.TECH_PIN_WRONG
            assert not s.tech_locked
        else:
            assert s.notice is ks.Notice.TECH_LOCKED
            assert s.tech_locked
            assert one(fx, ks.ReportFault).code is ks.FaultCode.TECHNICIAN_PIN_LOCKED  # type: ignore[attr-defined]
            # while locked, the PIN is not even sent
            _s2, fx2 = run(s, *digits("1"), ks.Submit())
            assert not of(fx2, ks.VerifyTechnicianPin)
        s, _ = ks.step(s, ks.Exit())
        assert s.tech_failures == attempt  # survives the wipe
        if lock:
            s3, _ = ks.step(s, ks.TechnicianGesture(now + lock - 1))
            assert s3.tech_locked
            assert s3.notice is ks.Notice.TECH_LOCKED
            assert s3.notice_params == {"seconds": "2"}
        now += lock + 1
    assert ks._tech_lock_seconds(4) == 2 * ks._tech_lock_seconds(3)
    assert ks._tech_lock_seconds(100) == ks.TECH_LOCK_MAX


def test_technician_actions_and_exit() -> None:
    s = at_technician()
    s, fx = ks.step(s, ks.TechnicianAction(ks.TechAction.REFRESH_STATUS))
    assert s.state is State.TECH_BUSY
    check = one(fx, ks.CheckPrinter)
    s, _ = ks.step(s, ks.PrinterChecked(check.ref, ks.PrinterState.PAPER_OUT))  # type: ignore[attr-defined]
    assert (s.state, s.notice, s.printer) == (
        State.TECHNICIAN,
        ks.Notice.TECH_FAILED,
        ks.PrinterState.PAPER_OUT,
    )
    assert not s.printing_available
    s, fx = ks.step(s, ks.TechnicianAction(ks.TechAction.PAPER_REPLACED))
    s, _ = ks.step(s, ks.PrinterChecked(one(fx, ks.CheckPrinter).ref, ks.PrinterState.READY))  # type: ignore[attr-defined]
    assert s.printing_available
    assert s.notice is ks.Notice.TECH_OK
    for action, kind in [
        (ks.TechAction.TEST_PRINT, ks.TestPrint),
        (ks.TechAction.CHECK_REGISTRY, ks.CheckRegistry),
        (ks.TechAction.CHECK_SCANNER, ks.CheckScanner),
    ]:
        s, fx = ks.step(s, ks.TechnicianAction(action))
        ref = one(fx, kind).ref  # type: ignore[attr-defined]
        s, _ = ks.step(s, ks.TechnicianActionDone(ref, False, "no answer"))
        assert (s.state, s.notice, s.notice_params) == (
            State.TECHNICIAN,
            ks.Notice.TECH_FAILED,
            {"detail": "no answer"},
        )
    s, fx = ks.step(s, ks.Reprint(3))
    assert one(fx, ks.ReprintJob).job_id == 3  # type: ignore[attr-defined]
    s, fx = ks.step(s, ks.TechnicianActionDone(s.pending, False, "paper-out"))  # type: ignore[arg-type]
    assert s.notice is ks.Notice.TECH_FAILED
    assert not of(fx, ks.CapturePayment)  # not printed: nothing taken
    s, fx = ks.step(s, ks.TechnicianAction(ks.TechAction.LOAD_JOURNAL))
    s, _ = ks.step(s, ks.TechnicianData(one(fx, ks.LoadTechnicianData).ref, (), ()))  # type: ignore[attr-defined]
    assert s.tech_jobs == ()
    s, fx = ks.step(s, ks.Exit())
    assert_wiped(s, fx)


def test_tech_pin_keypad_and_cancel() -> None:
    s, _ = run(ks.initial(), ks.TechnicianGesture(0.0), *digits("12345678901234"))
    assert s.tech_pin == "1" * 0 + "123456789012"
    s, _ = run(s, ks.KeypadBackspace())
    assert s.tech_pin == "12345678901"
    s, _ = run(s, ks.KeypadClear())
    assert s.tech_pin == ""
    s, fx = ks.step(s, ks.Cancel())
    assert_wiped(s, fx)


def test_successful_tech_login_resets_failures() -> None:
    s, _ = run(ks.initial(), ks.TechnicianGesture(0.0), *digits("1"), ks.Submit())
    s, _ = ks.step(s, ks.TechnicianPinChecked(s.pending, False, 0.0))  # type: ignore[arg-type]
    s, _ = run(s, *digits("2"), ks.Submit())
    s, _ = ks.step(s, ks.TechnicianPinChecked(s.pending, True, 1.0))  # type: ignore[arg-type]
    assert s.tech_failures == 0


def test_heartbeat_status_updates_any_state_without_effects() -> None:
    s, _job = at_printing()
    s2, fx = ks.step(s, ks.PrinterStatusChanged(ks.PrinterState.COVER_OPEN))
    assert fx == ()
    assert s2.state is State.PRINTING
    assert not s2.printing_available


def test_registry_without_preview_shows_the_choice_in_words() -> None:
    s, fx = ks.step(at_choose(), ks.ChooseEntitlement(1))
    render = one(fx, ks.RenderPreview)
    s, _ = ks.step(s, ks.PreviewReady(render.ref, None))  # type: ignore[attr-defined]
    assert (s.state, s.preview, s.notice, s.chosen) == (State.PREVIEW, None, None, DEATH)


# --- a failed print's payment: captured on the reprint, voided when the job is given up -------


def test_a_confirmed_reprint_captures_the_payment_the_job_held() -> None:
    s = at_technician()
    s, fx = ks.step(s, ks.Reprint(3))
    reprint = one(fx, ks.ReprintJob)
    s, fx = ks.step(s, ks.JobReprinted(reprint.ref, "B-1", "auth-7", ks.PrinterState.READY))  # type: ignore[attr-defined]
    assert (s.state, s.notice, s.notice_params) == (
        State.TECHNICIAN,
        ks.Notice.TECH_OK,
        {"detail": "B-1"},
    )
    assert one(fx, ks.CapturePayment) == ks.CapturePayment("auth-7", "B-1")
    assert not of(fx, ks.VoidPayment)
    # a reprint of a job whose payment was taken already captures nothing
    s, fx = ks.step(s, ks.Reprint(3))
    s, fx = ks.step(s, ks.JobReprinted(one(fx, ks.ReprintJob).ref, "B-1", None))  # type: ignore[attr-defined]
    assert not of(fx, ks.CapturePayment)
    s, fx = ks.step(s, ks.Exit())
    assert_wiped(s, fx)
    assert not of(fx, ks.VoidPayment)


def test_cancelling_a_job_voids_its_payment_and_drops_it_from_the_list() -> None:
    s = at_technician()
    s, fx = ks.step(s, ks.CancelJob(3))
    assert s.state is State.TECH_BUSY
    abandon = one(fx, ks.AbandonJob)
    assert abandon.job_id == 3  # type: ignore[attr-defined]
    s, fx = ks.step(s, ks.JobAbandoned(abandon.ref, "B-1", "auth-7"))  # type: ignore[attr-defined]
    assert (s.state, s.notice, s.tech_jobs) == (State.TECHNICIAN, ks.Notice.TECH_OK, ())
    assert one(fx, ks.VoidPayment) == ks.VoidPayment("auth-7")
    assert not of(fx, ks.CapturePayment)


# --- a kiosk the registry refuses is out of service ------------------------------------------


def at_out_of_service() -> tuple[ks.Session, list[ks.Effect]]:
    s, auth = at_authenticating()
    s, fx = ks.step(s, ks.KioskRefused(auth.ref, "kiosk_revoked"))
    return s, list(fx)


def test_a_refused_kiosk_ends_the_journey_and_goes_out_of_service() -> None:
    s, fx = at_out_of_service()
    assert_wiped(s, fx, State.OUT_OF_SERVICE)
    assert s.kiosk_refused == "kiosk_revoked"
    assert one(fx, ks.ReportFault) == ks.ReportFault(ks.FaultCode.KIOSK_REFUSED, "kiosk_revoked")
    assert of(fx, ks.StopIdleTimer) and not of(fx, ks.StartIdleTimer)  # a resting screen


def test_a_refusal_at_issuing_voids_the_authorisation() -> None:
    s, issue = at_issuing()
    s, fx = ks.step(s, ks.KioskRefused(issue.ref, "kiosk_unknown"))
    assert_wiped(s, fx, State.OUT_OF_SERVICE)
    assert one(fx, ks.VoidPayment) == ks.VoidPayment("auth-1")


def test_out_of_service_touches_start_nothing_and_timers_do_nothing() -> None:
    s, _ = at_out_of_service()
    assert ks.step(s, ks.Begin("n2")) == (s, ())
    assert ks.step(s, ks.IdleTimeout(s.timer)) == (s, ())
    for event in (ks.Cancel(), ks.Finish(), ks.Pay(), ks.Submit(), ks.KeypadDigit("1")):
        with pytest.raises(ks.InvalidTransition, match="OUT_OF_SERVICE"):
            ks.step(s, event)
    # the heartbeat's printer news and further refusals change nothing on screen
    s2, fx = ks.step(s, ks.PrinterStatusChanged(ks.PrinterState.READY))
    assert (s2.state, fx) == (State.OUT_OF_SERVICE, ())
    assert ks.step(s2, ks.KioskStanding("kiosk_revoked")) == (s2, ())


def test_out_of_service_technician_mode_works_and_leads_back_out_of_service() -> None:
    s, _ = at_out_of_service()
    s, fx = run(s, ks.TechnicianGesture(10.0), *digits("2468"), ks.Submit())
    assert s.state is State.TECH_VERIFYING
    s, fx = ks.step(s, ks.TechnicianPinChecked(s.pending, True, 11.0))  # type: ignore[arg-type]
    s, _ = ks.step(s, ks.TechnicianData(one(fx, ks.LoadTechnicianData).ref, (), ()))  # type: ignore[attr-defined]
    assert (s.state, s.kiosk_refused) == (State.TECHNICIAN, "kiosk_revoked")  # the why, shown
    s, fx = ks.step(s, ks.Exit())
    assert_wiped(s, fx, State.OUT_OF_SERVICE)
    # the technician's registry check finds the kiosk accepted again (re-enrolled)
    s, _ = run(s, ks.TechnicianGesture(20.0), *digits("2468"), ks.Submit())
    s, fx = ks.step(s, ks.TechnicianPinChecked(s.pending, True, 21.0))  # type: ignore[arg-type]
    s, _ = ks.step(s, ks.TechnicianData(one(fx, ks.LoadTechnicianData).ref, (), ()))  # type: ignore[attr-defined]
    s, fx = ks.step(s, ks.TechnicianAction(ks.TechAction.CHECK_REGISTRY))
    ref = one(fx, ks.CheckRegistry).ref  # type: ignore[attr-defined]
    s, fx = ks.step(s, ks.KioskStanding(None))  # sent by the runner before its answer
    assert (s.state, s.kiosk_refused, fx) == (State.TECH_BUSY, None, ())
    s, _ = ks.step(s, ks.TechnicianActionDone(ref, True, "registry ok"))
    s, fx = ks.step(s, ks.Exit())
    assert_wiped(s, fx)  # back in service: the attract screen


def test_the_heartbeat_takes_an_idle_kiosk_out_of_service_and_back() -> None:
    s = ks.initial()
    s, fx = ks.step(s, ks.KioskStanding("kiosk_revoked"))
    assert (s.state, s.kiosk_refused) == (State.OUT_OF_SERVICE, "kiosk_revoked")
    assert one(fx, ks.ReportFault).code is ks.FaultCode.KIOSK_REFUSED  # type: ignore[attr-defined]
    s, fx = ks.step(s, ks.KioskStanding(None))  # re-enrolled: the next heartbeat is accepted
    assert (s.state, s.kiosk_refused) == (State.ATTRACT, None)
    assert of(fx, ks.StopIdleTimer)
    assert ks.step(s, ks.KioskStanding(None)) == (s, ())  # accepted again: nothing new
    s2, _ = ks.step(s, ks.Begin("n3"))
    assert s2.state is State.LANGUAGE


def test_a_refusal_by_heartbeat_mid_journey_ends_it_out_of_service_at_the_wipe() -> None:
    s = at_choose()
    s, fx = ks.step(s, ks.KioskStanding("kiosk_revoked"))
    assert (s.state, s.kiosk_refused) == (State.CHOOSE_DOCUMENT, "kiosk_revoked")
    assert not of(fx, ks.WipeSession)  # the citizen's screen is not pulled from under them
    s, fx = ks.step(s, ks.Cancel())
    assert_wiped(s, fx, State.OUT_OF_SERVICE)


# a value unlike the default for each type a journey field has; a field of a new type fails the
# test below until a value is added here
_VISIT_VALUES: dict[str, object] = {
    "str": "VISIT-TRACE-0",
    "bool": True,
    "int": 7,
    "float": 0.5,
    "int | None": 3,
    "str | None": "VISIT-TRACE-1",
    "IdMethod": ks.IdMethod.CARD,
    "tuple[Entitlement, ...]": (BIRTH, DEATH),
    "Entitlement | None": DEATH,
    "Notice | None": next(iter(ks.Notice)),
    "tuple[tuple[str, str], ...]": (("name", "VISIT-TRACE-2"),),
    "State | None": State.PREVIEW,
    "Effect | None": ks.FetchEntitlements(9, "VISIT-TRACE-3"),
    "tuple[JobSummary, ...]": (ks.JobSummary(1, "VISIT-TRACE-4", "failed", "paper_out"),),
    "tuple[str, ...]": ("VISIT-TRACE-5",),
    "Collection | None": ks.Collection("VISIT-TRACE-6", 1),
    "Purpose": ks.Purpose.BOOK,
    "tuple[Service, ...]": SERVICES,
    "Service | None": SERVICES[1],
    "tuple[BookingDay, ...]": DAYS,
    "BookingDay | None": DAYS[1],
    "tuple[Slot, ...]": (ks.Slot(DAYS[1].day, TIMES[0]),),
    "Slot | None": ks.Slot(DAYS[1].day, TIMES[2]),
    "Ticket | None": TICKET,
    "Booked | None": BOOKED,
}


def test_a_wipe_leaves_nothing_of_the_visit_in_any_journey_field() -> None:
    fields = dataclasses.fields(ks.Journey)
    missing = {str(f.type) for f in fields} - set(_VISIT_VALUES)
    assert not missing, f"add a visit value for journey field types {missing}"
    visit = ks.Journey(**{f.name: _VISIT_VALUES[str(f.type)] for f in fields})  # type: ignore[arg-type]
    for f in fields:  # every field really differs from what a fresh journey holds
        assert getattr(visit, f.name) != getattr(ks.Journey(), f.name), f.name
    s = dataclasses.replace(at_choose(), journey=visit)
    for f in fields:  # the session's read-only views show the journey
        assert getattr(s, f.name) == getattr(visit, f.name), f.name
    s, fx = ks.step(s, ks.Cancel())
    assert s.state is State.ATTRACT
    assert one(fx, ks.WipeSession)
    fresh = ks.Journey(language=s.settings.default_language)
    for f in fields:
        assert getattr(s.journey, f.name) == getattr(fresh, f.name), f.name
    assert "VISIT-TRACE" not in repr(s)
    assert BIRTH.subject_ar not in repr(s) and DEATH.subject_ar not in repr(s)


def test_a_software_error_ends_the_journey_at_attract_not_registry_unavailable() -> None:
    s, auth = at_authenticating()
    s, fx = ks.step(s, ks.EffectFailed(auth.ref, "AuthenticateCitizen"))
    assert s.state is State.ATTRACT
    assert s.notice is None
    assert one(fx, ks.ReportFault) == ks.ReportFault(
        ks.FaultCode.SOFTWARE_ERROR, "AuthenticateCitizen"
    )
    assert_wiped(s, fx)
    # a stale one (for a request no longer awaited) does nothing
    assert ks.step(s, ks.EffectFailed(auth.ref, "AuthenticateCitizen")) == (s, ())


def test_a_software_error_mid_payment_voids_the_authorisation() -> None:
    s = interactive_sessions()[State.PAYMENT]
    s, fx = run(s, ks.Pay())
    request = one(fx, ks.AuthorisePayment)
    s, fx = ks.step(s, ks.PaymentAuthorised(request.ref, "AUTH-1"))  # type: ignore[attr-defined]
    issue = one(fx, ks.IssueDocument)
    s, fx = ks.step(s, ks.EffectFailed(issue.ref, "IssueDocument"))  # type: ignore[attr-defined]
    assert s.state is State.ATTRACT
    assert one(fx, ks.VoidPayment) == ks.VoidPayment("AUTH-1")
