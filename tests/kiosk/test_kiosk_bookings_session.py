"""The appointment journeys through `step` alone: what each screen asks for, in what order, and
that nothing is asked of the registry or the printer that should not be (a ticket no printer can
print, a typo in a reference), and that every end of a journey forgets the visit."""

from __future__ import annotations

import dataclasses

import pytest
from bookings_support import (
    BOOKED,
    DAYS,
    SERVICES,
    TICKET,
    TIMES,
    at_checkin,
    at_confirm,
    at_days,
    at_services,
    at_ticket,
    at_times,
    at_walk_in,
    pending,
    run,
)

from kiosk_app import session as ks
from kiosk_app.session import State
from registry.orders import codes

CODE = "K7QM2XA96"


def test_the_reference_is_checked_as_it_is_typed_and_only_a_whole_one_goes_on() -> None:
    assert codes.parse(CODE) == CODE
    s, fx = run(at_checkin(), *[ks.KeypadChar(c) for c in CODE[:5]], ks.Submit())
    assert (s.state, s.notice, s.booking_status) == (
        State.CHECKIN_ENTRY,
        ks.Notice.BOOKING_CODE_INCOMPLETE,
        ks.IdStatus.INCOMPLETE,
    )
    typo = CODE[:-1] + "7"
    s, fx = run(s, ks.KeypadClear(), *[ks.KeypadChar(c) for c in typo])
    assert (s.notice, s.booking_status) == (ks.Notice.BOOKING_CODE_INVALID, ks.IdStatus.INVALID)
    s, fx = run(s, ks.Submit())
    assert s.state is State.CHECKIN_ENTRY and not [e for e in fx if hasattr(e, "ref")]
    s, fx = run(s, ks.KeypadBackspace(), ks.KeypadChar("6"), ks.Submit())
    assert s.state is State.TICKET_PRINTER and s.booking_display == "K7Q-M2X-A96"
    # the printer first; the registry only once it can print
    s, fx = ks.step(s, ks.PrinterChecked(pending(fx, ks.CheckPrinter), ks.PrinterState.READY))
    (check_in,) = [e for e in fx if isinstance(e, ks.CheckIn)]
    assert (s.state, check_in.reference) == (State.CHECKING_IN, CODE)


@pytest.mark.parametrize(
    "text",
    ["SANAD-BOOKING:" + CODE, "sanad-booking:k7q-m2x-a96", CODE],
    ids=["qr", "lower-case-hyphens", "bare"],
)
def test_a_scanned_booking_qr_goes_straight_to_the_printer_check(text: str) -> None:
    s, fx = ks.step(at_checkin(), ks.CardScanned(text))
    assert (s.state, s.booking_code) == (State.TICKET_PRINTER, CODE)
    assert [type(e) for e in fx if hasattr(e, "ref")] == [ks.CheckPrinter]


@pytest.mark.parametrize("text", ["SANAD-ORDER:" + CODE, "SANAD-BOOKING:" + CODE[:-1] + "7", "x"])
def test_a_scan_that_is_no_booking_is_told_and_asks_nothing(text: str) -> None:
    s, fx = ks.step(at_checkin(), ks.CardScanned(text))
    assert (s.state, s.notice, s.booking_code) == (
        State.CHECKIN_ENTRY,
        ks.Notice.BOOKING_SCAN_UNREADABLE,
        "",
    )
    assert not [e for e in fx if hasattr(e, "ref")]


def test_a_printer_out_of_paper_ends_the_check_in_before_the_registry_is_asked() -> None:
    s, fx = ks.step(at_checkin(), ks.CardScanned("SANAD-BOOKING:" + CODE))
    s, fx = ks.step(s, ks.PrinterChecked(pending(fx, ks.CheckPrinter), ks.PrinterState.PAPER_OUT))
    assert (s.state, s.notice_params) == (State.PRINTER_UNAVAILABLE, {"printer": "paper_out"})
    assert not s.printing_available
    assert not [e for e in fx if isinstance(e, ks.CheckIn)]
    faults = [e for e in fx if isinstance(e, ks.ReportFault)]
    assert faults == [ks.ReportFault(ks.FaultCode.PRINTER_NOT_READY, "paper_out")]


def test_the_ticket_is_printed_then_shown_and_the_end_forgets_it() -> None:
    s, fx = ks.step(at_checkin("en"), ks.CardScanned("SANAD-BOOKING:" + CODE))
    s, fx = ks.step(s, ks.PrinterChecked(pending(fx, ks.CheckPrinter), ks.PrinterState.READY))
    s, fx = ks.step(s, ks.TicketIssued(pending(list(fx), ks.CheckIn), TICKET))
    (job,) = [e for e in fx if isinstance(e, ks.PrintTicket)]
    assert (s.state, job.ticket, job.language) == (State.PRINTING_TICKET, TICKET, "en")
    with pytest.raises(ks.InvalidTransition):
        ks.step(s, ks.Cancel())  # printing: no touch acts
    s, fx = ks.step(s, ks.PrintProgress(job.ref, 0.3))
    s, fx = ks.step(s, ks.PrintCompleted(job.ref))
    assert (s.state, s.ticket) == (State.TICKET, TICKET)
    assert (
        next(e for e in fx if isinstance(e, ks.StartIdleTimer)).seconds == s.settings.done_seconds
    )
    s, fx = ks.step(s, ks.IdleTimeout(s.timer))  # the end: home without "are you there?"
    assert (s.state, s.ticket, s.booking_code, s.purpose) == (
        State.ATTRACT,
        None,
        "",
        ks.Purpose.DOCUMENT,
    )
    assert ks.WipeSession() in fx


def test_a_ticket_that_did_not_print_names_its_number_and_stops_printing_here() -> None:
    s, fx = ks.step(at_walk_in(), ks.ChooseService(1))
    s, fx = ks.step(s, ks.PrinterChecked(pending(fx, ks.CheckPrinter), ks.PrinterState.READY))
    (walk_in,) = [e for e in fx if isinstance(e, ks.WalkIn)]
    assert walk_in.service == "ID_CARD"
    s, fx = ks.step(s, ks.TicketIssued(walk_in.ref, TICKET))
    s, fx = ks.step(s, ks.PrintFailed(pending(list(fx), ks.PrintTicket), "paper_out", kept=False))
    assert (s.state, s.notice, s.notice_params) == (
        State.PRINT_FAILED,
        ks.Notice.TICKET_PRINT_FAILED,
        {"label": "B-007"},
    )
    assert not s.printing_available
    assert ks.ReportFault(ks.FaultCode.PRINT_FAILED, "paper_out") in fx


@pytest.mark.parametrize(
    ("reason", "back"),
    [
        ("booking_not_today", False),
        ("booking_other_office", False),
        ("booking_not_active", False),
        ("booking_not_found", True),
    ],
)
def test_a_refused_check_in_says_why_and_only_a_wrong_number_is_typed_again(
    reason: str, back: bool
) -> None:
    s, fx = run(at_checkin(), *[ks.KeypadChar(c) for c in CODE], ks.Submit())
    s, fx = ks.step(s, ks.PrinterChecked(pending(fx, ks.CheckPrinter), ks.PrinterState.READY))
    s, _ = ks.step(s, ks.RegistryRefused(pending(list(fx), ks.CheckIn), reason))
    assert (s.state, s.notice_params, s.can_go_back) == (State.REFUSED, {"reason": reason}, back)
    if back:
        s, _ = ks.step(s, ks.Back())
        assert (s.state, s.booking_code) == (State.CHECKIN_ENTRY, CODE)
    else:
        with pytest.raises(ks.InvalidTransition):
            ks.step(s, ks.Retry())
        s, fx = ks.step(s, ks.Back())
        assert s.state is State.ATTRACT


def test_a_registry_out_of_reach_at_check_in_is_retried_with_the_same_reference() -> None:
    s, fx = ks.step(at_checkin(), ks.CardScanned(CODE))
    s, fx = ks.step(s, ks.PrinterChecked(pending(fx, ks.CheckPrinter), ks.PrinterState.READY))
    s, _ = ks.step(s, ks.RegistryUnavailable(pending(list(fx), ks.CheckIn)))
    assert s.state is State.SERVICE_ERROR
    s, fx = ks.step(s, ks.Retry())
    (again,) = [e for e in fx if isinstance(e, ks.CheckIn)]
    assert (s.state, again.reference) == (State.CHECKING_IN, CODE)


def test_booking_goes_service_day_time_confirm_at_this_office() -> None:
    s = at_services()
    assert (s.state, s.services, s.token) == (State.CHOOSE_SERVICE, SERVICES, "tok")
    s, fx = ks.step(s, ks.ChooseService(0))
    (days,) = [e for e in fx if isinstance(e, ks.LoadBookingDays)]
    assert (days.token, days.service) == ("tok", "EXTRACT")
    s = at_days()
    with pytest.raises(ValueError, match="no free day"):
        ks.step(s, ks.ChooseDay(0))  # a full day cannot be chosen
    s, fx = ks.step(s, ks.ChooseDay(1))
    (times,) = [e for e in fx if isinstance(e, ks.LoadBookingTimes)]
    assert (times.service, times.day) == ("EXTRACT", DAYS[1].day)
    s = at_times()
    assert s.slots == tuple(ks.Slot(DAYS[1].day, t) for t in TIMES)
    s, _ = ks.step(s, ks.ChooseSlot(2))
    assert (s.state, s.slot) == (State.CONFIRM_BOOKING, ks.Slot(DAYS[1].day, TIMES[2]))
    s, fx = ks.step(s, ks.Confirm())
    (book,) = [e for e in fx if isinstance(e, ks.BookAppointment)]
    assert (book.service, book.slot, book.language) == ("EXTRACT", s.slot, "ar")
    assert book.idempotency_key == s.idempotency_key
    s, fx = ks.step(s, ks.AppointmentBooked(book.ref, BOOKED))
    assert (s.state, s.booked) == (State.BOOKED, BOOKED)
    s, fx = ks.step(s, ks.Finish())
    assert (s.state, s.token, s.booked, s.services, s.slot) == (
        State.ATTRACT,
        None,
        None,
        (),
        None,
    )


def test_a_taken_time_offers_the_alternatives_and_a_retry_keeps_its_key() -> None:
    s, fx = ks.step(at_confirm(), ks.Confirm())
    first = next(e for e in fx if isinstance(e, ks.BookAppointment))
    s, _ = ks.step(s, ks.RegistryUnavailable(first.ref))
    s, fx = ks.step(s, ks.Retry())
    again = next(e for e in fx if isinstance(e, ks.BookAppointment))
    assert again.idempotency_key == first.idempotency_key  # the same hold, not a second one
    offered = (ks.Slot(DAYS[1].day, TIMES[2]), ks.Slot(DAYS[0].day, TIMES[0]))
    s, _ = ks.step(s, ks.SlotTaken(again.ref, offered))
    assert (s.state, s.slots, s.slot, s.notice) == (
        State.CHOOSE_TIME,
        offered,
        None,
        ks.Notice.SLOT_TAKEN,
    )
    s, fx = run(s, ks.ChooseSlot(1), ks.Confirm())
    other = next(e for e in fx if isinstance(e, ks.BookAppointment))
    assert other.slot == offered[1] and other.idempotency_key != first.idempotency_key


def test_back_steps_through_the_booking_and_a_refusal_goes_back_to_the_services() -> None:
    s, _ = run(at_confirm(), ks.Back())
    assert (s.state, s.slot) == (State.CHOOSE_TIME, None)
    s, _ = run(s, ks.Back())
    assert (s.state, s.day, s.slots) == (State.CHOOSE_DAY, None, ())
    s, _ = run(s, ks.Back())
    assert (s.state, s.service, s.days) == (State.CHOOSE_SERVICE, None, ())
    s, fx = ks.step(at_confirm(), ks.Confirm())
    s, _ = ks.step(s, ks.RegistryRefused(pending(list(fx), ks.BookAppointment), "booking_limit"))
    assert (s.state, s.can_go_back) == (State.REFUSED, True)
    s, _ = ks.step(s, ks.Back())
    assert (s.state, s.services, s.slot) == (State.CHOOSE_SERVICE, SERVICES, None)


def test_a_booking_sign_in_lists_services_not_documents() -> None:
    s = at_services()
    assert s.entitlements == () and s.purpose is ks.Purpose.BOOK


def test_one_language_goes_straight_to_the_first_screen_of_each_purpose() -> None:
    one = dataclasses.replace(ks.initial(), settings=ks.Settings(languages=("ar",)))
    s, _ = ks.step(one, ks.Begin("n", purpose=ks.Purpose.CHECK_IN))
    assert s.state is State.CHECKIN_ENTRY
    s, _ = ks.step(s, ks.Back())
    assert s.state is State.ATTRACT
    s, fx = ks.step(one, ks.Begin("n", purpose=ks.Purpose.WALK_IN))
    assert s.state is State.LOADING_WALK_IN
    assert [type(e) for e in fx if hasattr(e, "ref")] == [ks.LoadWalkInServices]
    s, _ = ks.step(one, ks.Begin("n", purpose=ks.Purpose.BOOK))
    assert s.state is State.ID_ENTRY


def test_no_walk_in_services_is_said_so() -> None:
    s, fx = run(ks.initial(), ks.Begin("n", purpose=ks.Purpose.WALK_IN), ks.ChooseLanguage("en"))
    s, _ = ks.step(s, ks.WalkInServicesLoaded(pending(fx, ks.LoadWalkInServices), ()))
    assert (s.state, s.notice) == (State.CHOOSE_WALK_IN, ks.Notice.NO_SERVICES)
    with pytest.raises(ValueError, match="no service"):
        ks.step(s, ks.ChooseService(0))


def test_a_late_answer_to_a_check_in_never_reaches_the_next_citizen() -> None:
    s, fx = ks.step(at_checkin(), ks.CardScanned(CODE))
    stale = pending(fx, ks.CheckPrinter)
    s, _ = ks.step(s, ks.PrinterChecked(stale, ks.PrinterState.READY))
    s, _ = ks.step(at_ticket(), ks.Finish())
    assert ks.step(s, ks.TicketIssued(stale + 1, TICKET)) == (s, ())
