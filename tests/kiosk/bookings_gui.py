"""The appointment screens in the real Kivy window, offscreen, one process per run (Kivy has one
window per process); `test_kiosk_bookings_gui.py` starts it.

    python tests/kiosk/bookings_gui.py tour --shots DIR --check problems.json [--size WxH]
    python tests/kiosk/bookings_gui.py live --config run.json --out result.json [--shots DIR]

`tour`: every new screen in Arabic and English, the outside world played by the script (a
recording runner, as `sanad.kiosk_tour` does), each screen's layout looked at by
`sanad.kiosk_tour.layout_problems` and photographed. `live`: "I have an appointment" tapped on
the attract screen, the booking's QR text delivered as the scanner delivers it (posted to the
App from another thread), against the real registry and the ESC/POS emulator through the real
effect runner; the ticket the session printed is written to `--out` for the test to compare
with the emulator's picture.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kiosk_app.ui.driver import Driver, Step, prepare_offscreen, tap


def _state(name: str) -> Callable[[Any], bool]:
    from kiosk_app import session as ks

    return lambda app: app.session.state is ks.State[name]


def _reply(make: Callable[[Any], Any]) -> Callable[[Any], None]:
    return lambda app: app.send(make(app))


def _tap_choice(name: str) -> Callable[[Any], None]:
    def act(app: Any) -> None:
        tap(app.manager.get_screen("attract").ids[name])

    return act


def tour_steps(lang: str) -> list[Step]:
    from bookings_support import BOOKED, DAYS, SERVICES, TICKET, TIMES

    from kiosk_app import session as ks

    p = f"{lang}-"
    late = ks.Ticket(**{**TICKET.__dict__, "label": "W-012", "kind": "walk_in", "ahead": 0})
    alternatives = (ks.Slot(DAYS[1].day, dt.time(11, 30)), ks.Slot(dt.date(2026, 12, 8), TIMES[1]))

    def chars(text: str) -> Callable[[Any], None]:
        def act(app: Any) -> None:
            for c in text:
                app.send(ks.KeypadChar(c))

        return act

    def ref(app: Any) -> int:
        assert app.session.pending is not None
        return int(app.session.pending)

    do, at, touch, READY = _reply, _state, _tap_choice, ks.PrinterState.READY
    steps = [
        Step(None, at("ATTRACT"), p + "40-attract-appointments"),
        Step(touch("appointment"), at("LANGUAGE")),
        Step(do(lambda a: ks.ChooseLanguage(lang)), at("CHECKIN_ENTRY")),
        Step(chars("K7QM2"), at("CHECKIN_ENTRY"), p + "41-checkin-code"),
        Step(chars("XA96"), at("CHECKIN_ENTRY"), p + "42-checkin-code-valid"),
        Step(do(lambda a: ks.Submit()), at("TICKET_PRINTER")),
        Step(do(lambda a: ks.PrinterChecked(ref(a), READY)), at("CHECKING_IN")),
        Step(do(lambda a: ks.RegistryRefused(ref(a), "booking_not_today")), at("REFUSED"),
             p + "43-checkin-not-today"),
        Step(do(lambda a: ks.Finish()), at("ATTRACT")),
        Step(touch("appointment"), at("LANGUAGE")),
        Step(do(lambda a: ks.ChooseLanguage(lang)), at("CHECKIN_ENTRY")),
        Step(do(lambda a: ks.CardScanned(BOOKED.qr_text)), at("TICKET_PRINTER")),
        Step(do(lambda a: ks.PrinterChecked(ref(a), READY)), at("CHECKING_IN")),
        Step(do(lambda a: ks.RegistryRefused(ref(a), "booking_not_found")), at("REFUSED"),
             p + "44-checkin-not-found"),
        Step(do(lambda a: ks.Back()), at("CHECKIN_ENTRY")),
        Step(do(lambda a: ks.Submit()), at("TICKET_PRINTER")),
        Step(do(lambda a: ks.PrinterChecked(ref(a), READY)), at("CHECKING_IN")),
        Step(do(lambda a: ks.TicketIssued(ref(a), TICKET)), at("PRINTING_TICKET"),
             p + "45-printing-ticket"),
        Step(do(lambda a: ks.PrintCompleted(ref(a))), at("TICKET"), p + "46-ticket"),
        Step(do(lambda a: ks.Finish()), at("ATTRACT")),
        # a queue ticket
        Step(touch("queue"), at("LANGUAGE")),
        Step(do(lambda a: ks.ChooseLanguage(lang)), at("LOADING_WALK_IN")),
        Step(do(lambda a: ks.WalkInServicesLoaded(ref(a), SERVICES)), at("CHOOSE_WALK_IN"),
             p + "47-walk-in-services"),
        Step(do(lambda a: ks.ChooseService(0)), at("TICKET_PRINTER")),
        Step(do(lambda a: ks.PrinterChecked(ref(a), READY)), at("ISSUING_TICKET")),
        Step(do(lambda a: ks.TicketIssued(ref(a), late)), at("PRINTING_TICKET")),
        Step(do(lambda a: ks.PrintFailed(ref(a), "paper_out", kept=False)), at("PRINT_FAILED"),
             p + "48-ticket-print-failed"),
        Step(do(lambda a: ks.Finish()), at("ATTRACT")),
        Step(do(lambda a: ks.PrinterStatusChanged(READY)), at("ATTRACT")),
        # booking, signed in
        Step(touch("book"), at("LANGUAGE")),
        Step(do(lambda a: ks.ChooseLanguage(lang)), at("ID_ENTRY")),
        Step(_digits_for_id(), at("PIN_ENTRY")),
        Step(_pin(), at("AUTHENTICATING")),
        Step(do(lambda a: ks.Authenticated(ref(a), "tok")), at("LOADING_BOOKING")),
        Step(do(lambda a: ks.BookingServicesLoaded(ref(a), SERVICES)), at("CHOOSE_SERVICE"),
             p + "49-book-services"),
        Step(do(lambda a: ks.ChooseService(0)), at("LOADING_BOOKING")),
        Step(do(lambda a: ks.BookingDaysLoaded(ref(a), DAYS)), at("CHOOSE_DAY"),
             p + "50-book-days"),
        Step(do(lambda a: ks.ChooseDay(1)), at("LOADING_BOOKING")),
        Step(do(lambda a: ks.BookingTimesLoaded(ref(a), TIMES)), at("CHOOSE_TIME"),
             p + "51-book-times"),
        Step(do(lambda a: ks.ChooseSlot(1)), at("CONFIRM_BOOKING"), p + "52-book-confirm"),
        Step(do(lambda a: ks.Confirm()), at("BOOKING")),
        Step(do(lambda a: ks.SlotTaken(ref(a), alternatives)), at("CHOOSE_TIME"),
             p + "53-book-time-taken"),
        Step(do(lambda a: ks.ChooseSlot(0)), at("CONFIRM_BOOKING")),
        Step(do(lambda a: ks.Confirm()), at("BOOKING")),
        Step(do(lambda a: ks.AppointmentBooked(ref(a), BOOKED)), at("BOOKED"), p + "54-booked"),
        Step(do(lambda a: ks.Finish()), at("ATTRACT")),
    ]  # fmt: skip
    for step in steps:
        step.label = step.shot or step.label
    return steps


def _digits_for_id() -> Callable[[Any], None]:
    from kiosk_app import session as ks
    from verifier import national_id

    def act(app: Any) -> None:
        for d in national_id.make("198706150"):
            app.send(ks.KeypadDigit(d))
        app.send(ks.Submit())

    return act


def _pin() -> Callable[[Any], None]:
    from kiosk_app import session as ks

    def act(app: Any) -> None:
        for d in "2468":
            app.send(ks.KeypadDigit(d))
        app.send(ks.Submit())

    return act


def _app(runner_factory: Callable[[Callable[[Any], None]], Any]) -> Any:
    from kiosk_app import session as ks
    from kiosk_app.i18n import Catalogues
    from kiosk_app.ui.app import KioskApp

    return KioskApp(
        settings=ks.Settings(),
        catalogues=Catalogues.load(),
        runner_factory=runner_factory,
        fullscreen=False,
    )


def tour(size: tuple[int, int], shots: Path | None, check: Path | None) -> int:
    prepare_offscreen(*size)
    from kivy.clock import Clock

    from sanad.kiosk_tour import RecordingRunner, layout_problems

    steps = tour_steps("ar") + tour_steps("en")
    problems: dict[str, list[str]] = {}
    for step in steps:
        if step.shot is not None:
            step.inspect = lambda a, n=step.shot: problems.__setitem__(n, layout_problems(a))
    app = _app(lambda dispatch: RecordingRunner())
    driver = Driver(app, steps, shots=shots, settle=0.2, settle_frames=4, total_timeout=300.0)
    Clock.schedule_once(lambda _dt: driver.start(), 0.5)
    app.run()
    if check is not None:
        check.write_text(json.dumps(problems, ensure_ascii=False, indent=1), encoding="utf-8")
    if driver.error:
        print(driver.error, file=sys.__stderr__)
        return 1
    return 0


def live(config: dict[str, Any], out: Path, shots: Path | None) -> int:
    prepare_offscreen(1280, 800)
    from kivy.clock import Clock

    from kiosk_app import session as ks
    from kiosk_app.adapters import HardwarePrinter, LayoutRenderer
    from kiosk_app.effects import Runner
    from kiosk_app.journal import Journal
    from kiosk_app.payment import SimulatedProvider
    from kiosk_app.registry_port import ClientRegistry
    from registry.client import RegistryClient
    from verifier.keys import load_public_key, load_signing_key
    from verifier.trust_source import TrustSource

    tmp = Path(config["tmp"])
    client = RegistryClient(
        config["url"], config["kiosk_id"], load_signing_key(Path(config["key"])), retries=0
    )
    port = ClientRegistry(client, office=config["office"])

    def runner(dispatch: Callable[[ks.Event], None]) -> Runner:
        return Runner(
            dispatch=dispatch,
            registry=port,
            printer=HardwarePrinter(config["printer"], width_dots=576, timeout=1.0),
            payment=SimulatedProvider(),
            journal=Journal(tmp / "journal.sqlite3"),
            trust=TrustSource(
                [load_public_key(Path(config["root"]))],
                url=f"{config['url']}/api/v1/trust-list",
                cache_dir=tmp / "trust",
                fetch=port.trust_fetch,
            ),
            renderer=LayoutRenderer(width_dots=576, verifier_url="https://verify.example"),
            preview_dir=tmp / "previews",
            kiosk_id=config["kiosk_id"],
        )

    app = _app(runner)
    seen: dict[str, Any] = {}

    def scan(app: Any) -> None:
        # the scanner's reader thread posts what it read, exactly so
        threading.Thread(target=app.post, args=(ks.CardScanned(config["qr"]),)).start()

    def keep(app: Any) -> bool:
        ticket = app.session.ticket
        if app.session.state is ks.State.TICKET and ticket is not None:
            seen["ticket"] = {
                **ticket.__dict__,
                "issued_at": ticket.issued_at.isoformat(),
            }
            seen["shown"] = app.manager.current
            return True
        return False

    steps = [
        Step(None, _state("ATTRACT")),
        Step(_tap_choice("appointment"), _state("LANGUAGE"), label="appointment"),
        Step(_reply(lambda a: ks.ChooseLanguage("ar")), _state("CHECKIN_ENTRY"), label="ar"),
        Step(scan, keep, "ar-46-ticket-live", timeout=60.0, label="scanned"),
        Step(_reply(lambda a: ks.Finish()), _state("ATTRACT"), label="finish"),
    ]
    driver = Driver(app, steps, shots=shots, settle=0.2, settle_frames=4, total_timeout=120.0)
    Clock.schedule_once(lambda _dt: driver.start(), 0.5)
    app.run()
    seen["error"] = driver.error
    out.write_text(json.dumps(seen, ensure_ascii=False), encoding="utf-8")
    client.close()
    return 1 if driver.error else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("tour", "live"))
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--shots", type=Path)
    parser.add_argument("--check", type=Path)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.mode == "tour":
        width, _, height = args.size.partition("x")
        return tour((int(width), int(height)), args.shots, args.check)
    assert args.config is not None and args.out is not None
    return live(json.loads(args.config.read_text(encoding="utf-8")), args.out, args.shots)


if __name__ == "__main__":
    sys.exit(main())
