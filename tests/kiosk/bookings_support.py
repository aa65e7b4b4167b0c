"""Sessions resting on each appointment screen, built through `step` alone (no registry)."""

from __future__ import annotations

import datetime as dt

from kiosk_app import session as ks
from verifier import national_id

TICKET = ks.Ticket(
    label="B-007",
    kind="booked",
    late=False,
    reprint=False,
    office_ar="مكتب الأحوال المدنية في عمّان",
    office_latin="Amman Civil Status Office",
    service_ar="تسجيل واقعة",
    service_latin="Registering an event",
    ahead=3,
    expected_wait_minutes=12,
    issued_at=dt.datetime(2026, 12, 3, 9, 41, tzinfo=dt.timezone(dt.timedelta(hours=3))),
)
SERVICES = (
    ks.Service("EXTRACT", "مستخرج قيد", "Civil register extract", 10),
    ks.Service("ID_CARD", "البطاقة الشخصية", "Identity card", 15),
)
DAYS = (
    ks.BookingDay(dt.date(2026, 12, 6), "15 جمادى الآخرة 1448 هـ", "15 Jumada II 1448 AH", False),
    ks.BookingDay(dt.date(2026, 12, 7), "16 جمادى الآخرة 1448 هـ", "16 Jumada II 1448 AH", True),
)
TIMES = (dt.time(9, 0), dt.time(9, 30), dt.time(10, 0))
BOOKED = ks.Booked(
    reference="K7QM2XA96",
    display_reference="K7Q-M2X-A96",
    qr_text="SANAD-BOOKING:K7QM2XA96",
    office_ar=TICKET.office_ar,
    office_latin=TICKET.office_latin,
    service_ar=SERVICES[0].name_ar,
    service_latin=SERVICES[0].name_latin,
    day=DAYS[1].day,
    time=TIMES[1],
)


def run(s: ks.Session, *events: ks.Event) -> tuple[ks.Session, list[ks.Effect]]:
    effects: list[ks.Effect] = []
    for e in events:
        s, out = ks.step(s, e)
        effects.extend(out)
    return s, effects


def pending(effects: list[ks.Effect], kind: type[ks.Effect]) -> int:
    (found,) = [e for e in effects if isinstance(e, kind)]
    ref = getattr(found, "ref", None)
    assert isinstance(ref, int)
    return ref


def at_checkin(language: str = "ar") -> ks.Session:
    s, _ = run(
        ks.initial(), ks.Begin("n", purpose=ks.Purpose.CHECK_IN), ks.ChooseLanguage(language)
    )
    return s


def at_ticket(language: str = "ar") -> ks.Session:
    s, fx = run(at_checkin(language), ks.CardScanned("SANAD-BOOKING:" + BOOKED.reference))
    s, fx = ks.step(s, ks.PrinterChecked(pending(fx, ks.CheckPrinter), ks.PrinterState.READY))
    s, fx = ks.step(s, ks.TicketIssued(pending(list(fx), ks.CheckIn), TICKET))
    s, _ = ks.step(s, ks.PrintCompleted(pending(list(fx), ks.PrintTicket)))
    return s


def at_walk_in(language: str = "ar") -> ks.Session:
    s, fx = run(
        ks.initial(), ks.Begin("n", purpose=ks.Purpose.WALK_IN), ks.ChooseLanguage(language)
    )
    s, _ = ks.step(s, ks.WalkInServicesLoaded(pending(fx, ks.LoadWalkInServices), SERVICES))
    return s


def at_services(language: str = "ar") -> ks.Session:
    s, fx = run(ks.initial(), ks.Begin("n", purpose=ks.Purpose.BOOK), ks.ChooseLanguage(language))
    s, _ = run(s, *[ks.KeypadDigit(d) for d in national_id.make("198706150")], ks.Submit())
    s, fx = run(s, *[ks.KeypadDigit(d) for d in "1234"], ks.Submit())
    s, fx = ks.step(s, ks.Authenticated(pending(list(fx), ks.AuthenticateCitizen), "tok"))
    s, _ = ks.step(s, ks.BookingServicesLoaded(pending(list(fx), ks.LoadBookingServices), SERVICES))
    return s


def at_days(language: str = "ar") -> ks.Session:
    s, fx = ks.step(at_services(language), ks.ChooseService(0))
    s, _ = ks.step(s, ks.BookingDaysLoaded(pending(list(fx), ks.LoadBookingDays), DAYS))
    return s


def at_times(language: str = "ar") -> ks.Session:
    s, fx = ks.step(at_days(language), ks.ChooseDay(1))
    s, _ = ks.step(s, ks.BookingTimesLoaded(pending(list(fx), ks.LoadBookingTimes), TIMES))
    return s


def at_confirm(language: str = "ar") -> ks.Session:
    return ks.step(at_times(language), ks.ChooseSlot(1))[0]


def at_booked(language: str = "ar") -> ks.Session:
    s, fx = ks.step(at_confirm(language), ks.Confirm())
    return ks.step(s, ks.AppointmentBooked(pending(list(fx), ks.BookAppointment), BOOKED))[0]


def booking_sessions() -> dict[ks.State, ks.Session]:
    """One session resting on each interactive appointment screen (the timeout tests)."""
    return {
        ks.State.CHECKIN_ENTRY: at_checkin(),
        ks.State.CHOOSE_WALK_IN: at_walk_in(),
        ks.State.CHOOSE_SERVICE: at_services(),
        ks.State.CHOOSE_DAY: at_days(),
        ks.State.CHOOSE_TIME: at_times(),
        ks.State.CONFIRM_BOOKING: at_confirm(),
    }
