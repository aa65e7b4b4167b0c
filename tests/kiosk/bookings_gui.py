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

from kiosk_app.ui.driver import Driver, Step, prepare_offscreen, tap  # noqa: E402


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

    steps = [
        Step(None, _state("ATTRACT"), p + "40-attract-appointments"),
        Step(_tap_choice("appointment"), _state("LANGUAGE")),
        Step(_reply(lambda a: ks.ChooseLanguage(lang)), _state("CHECKIN_ENTRY")),
        Step(chars("K7QM2"), _state("CHECKIN_ENTRY"), p + "41-checkin-code"),
        Step(chars("XA96"), _state("CHECKIN_ENTRY"), p + "42-checkin-code-valid"),
        Step(_reply(lambda a: ks.Submit()), _state("TICKET_PRINTER")),
        Step(_reply(lambda a: ks.PrinterChecked(ref(a), ks.PrinterState.READY)), _state("CHECKING_IN")),
        Step(_reply(lambda a: ks.RegistryRefused(ref(a), "booking_not_today")), _state("REFUSED"), p + "43-checkin-not-today"),
        Step(_reply(lambda a: ks.Finish()), _state("ATTRACT")),
        Step(_tap_choice("appointment"), _state("LANGUAGE")),
        Step(_reply(lambda a: ks.ChooseLanguage(lang)), _state("CHECKIN_ENTRY")),
        Step(_reply(lambda a: ks.CardScanned(BOOKED.qr_text)), _state("TICKET_PRINTER")),
        Step(_reply(lambda a: ks.PrinterChecked(ref(a), ks.PrinterState.READY)), _state("CHECKING_IN")),
        Step(_reply(lambda a: ks.RegistryRefused(ref(a), "booking_not_found")), _state("REFUSED"), p + "44-checkin-not-found"),
        Step(_reply(lambda a: ks.Back()), _state("CHECKIN_ENTRY")),
        Step(_reply(lambda a: ks.Submit()), _state("TICKET_PRINTER")),
        Step(_reply(lambda a: ks.PrinterChecked(ref(a), ks.PrinterState.READY)), _state("CHECKING_IN")),
        Step(_reply(lambda a: ks.TicketIssued(ref(a), TICKET)), _state("PRINTING_TICKET"), p + "45-printing-ticket"),
        Step(_reply(lambda a: ks.PrintCompleted(ref(a))), _state("TICKET"), p + "46-ticket"),
        Step(_reply(lambda a: ks.Finish()), _state("ATTRACT")),
        # a queue ticket
        Step(_tap_choice("queue"), _state("LANGUAGE")),
        Step(_reply(lambda a: ks.ChooseLanguage(lang)), _state("LOADING_WALK_IN")),
        Step(_reply(lambda a: ks.WalkInServicesLoaded(ref(a), SERVICES)), _state("CHOOSE_WALK_IN"), p + "47-walk-in-services"),
        Step(_reply(lambda a: ks.ChooseService(0)), _state("TICKET_PRINTER")),
        Step(_reply(lambda a: ks.PrinterChecked(ref(a), ks.PrinterState.READY)), _state("ISSUING_TICKET")),
        Step(_reply(lambda a: ks.TicketIssued(ref(a), late)), _state("PRINTING_TICKET")),
        Step(_reply(lambda a: ks.PrintFailed(ref(a), "paper_out", kept=False)), _state("PRINT_FAILED"), p + "48-ticket-print-failed"),
        Step(_reply(lambda a: ks.Finish()), _state("ATTRACT")),
        Step(_reply(lambda a: ks.PrinterStatusChanged(ks.PrinterState.READY)), _state("ATTRACT")),
        # booking, signed in
        Step(_tap_choice("book"), _state("LANGUAGE")),
        Step(_reply(lambda a: ks.ChooseLanguage(lang)), _state("ID_ENTRY")),
        Step(_digits_for_id(), _state("PIN_ENTRY")),
        Step(_pin(), _state("AUTHENTICATING")),
        Step(_reply(lambda a: ks.Authenticated(ref(a), "tok")), _state("LOADING_BOOKING")),
        Step(_reply(lambda a: ks.BookingServicesLoaded(ref(a), SERVICES)), _state("CHOOSE_SERVICE"), p + "49-book-services"),
        Step(_reply(lambda a: ks.ChooseService(0)), _state("LOADING_BOOKING")),
        Step(_reply(lambda a: ks.BookingDaysLoaded(ref(a), DAYS)), _state("CHOOSE_DAY"), p + "50-book-days"),
        Step(_reply(lambda a: ks.ChooseDay(1)), _state("LOADING_BOOKING")),
        Step(_reply(lambda a: ks.BookingTimesLoaded(ref(a), TIMES)), _state("CHOOSE_TIME"), p + "51-book-times"),
        Step(_reply(lambda a: ks.ChooseSlot(1)), _state("CONFIRM_BOOKING"), p + "52-book-confirm"),
        Step(_reply(lambda a: ks.Confirm()), _state("BOOKING")),
        Step(_reply(lambda a: ks.SlotTaken(ref(a), alternatives)), _state("CHOOSE_TIME"), p + "53-book-time-taken"),
        Step(_reply(lambda a: ks.ChooseSlot(0)), _state("CONFIRM_BOOKING")),
        Step(_reply(lambda a: ks.Confirm()), _state("BOOKING")),
        Step(_reply(lambda a: ks.AppointmentBooked(ref(a), BOOKED)), _state("BOOKED"), p + "54-booked"),
        Step(_reply(lambda a: ks.Finish()), _state("ATTRACT")),
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
