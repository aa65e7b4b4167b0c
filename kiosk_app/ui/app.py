"""The Kivy App: shows the screen for `session.state`, turns touches into events, nothing more.

`KioskApp.send(event)` runs `session.step`, keeps the new session (a Kivy property the kv
files bind to) and hands the effects to the runner. Effects' outcomes come back on the
runner's threads and are posted to the UI thread with `Clock.schedule_once`. An event the
session has no transition for (a double tap racing a screen change, a card scanned on the
wrong screen) is logged and dropped: the kiosk never crashes on a touch.

Screens are kv files, one per screen, in `kiosk_app/ui/kv/`; they bind to `app.session`,
`app.rtl`, `app.large` and call `app.send(...)`. All text comes from the catalogues through
`app.tr`. The window is fullscreen, `exit_on_escape` is off and the keyboard cannot close it.

SIGTERM (`systemctl stop`) and SIGINT stop the app cleanly: `kiosk_app.cli.run_kiosk` puts a
Python handler in place before SDL starts (SDL leaves a handler it did not install alone, and
`SDL_NO_SIGNAL_HANDLERS` tells it not to install its own, which would turn the signal into a
window-close request that the kiosk refuses). The handler calls `request_stop`, which only
marks the app as stopping and schedules `stop()` on the UI thread; `on_stop` closes the
runner, and the caller closes the journal and the other services.

What this module does not do: any journey logic (the session), any I/O (the runner).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import signal
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk_app import session as ks
from kiosk_app.i18n import Catalogues, format_fee
from kiosk_app.i18n.text import isolate, shape_line
from kiosk_app.ui import screens
from kiosk_app.ui.widgets import register_fonts

__all__ = ["SCREEN_FOR", "EffectRunner", "KioskApp"]

log = logging.getLogger(__name__)

KV_DIR = Path(__file__).resolve().parent / "kv"

_MESSAGE_STATES = (
    ks.State.PRINTER_UNAVAILABLE,
    ks.State.SERVICE_ERROR,
    ks.State.REFUSED,
    ks.State.LOCKED,
    ks.State.ISSUE_FAILED,
    ks.State.PAYMENT_DECLINED,
    ks.State.PRINT_FAILED,
)

SCREEN_FOR: dict[ks.State, str] = {
    ks.State.ATTRACT: "attract",
    ks.State.OUT_OF_SERVICE: "out_of_service",
    ks.State.LANGUAGE: "language",
    ks.State.ID_ENTRY: "id_entry",
    ks.State.PIN_ENTRY: "pin_entry",
    ks.State.ORDER_ENTRY: "order_entry",
    ks.State.ORDER_PIN: "pin_entry",  # the same PIN pad, worded for the order
    ks.State.CHOOSE_DOCUMENT: "choose",
    ks.State.PREVIEW: "preview",
    ks.State.PAYMENT: "payment",
    ks.State.PRINTING: "printing",
    ks.State.DONE: "done",
    ks.State.TECH_PIN: "tech_pin",
    ks.State.TECHNICIAN: "technician",
    ks.State.TECH_BUSY: "technician",
    ks.State.CHECKIN_ENTRY: "checkin_entry",
    ks.State.CHOOSE_WALK_IN: "services",
    ks.State.CHOOSE_SERVICE: "services",
    ks.State.CHOOSE_DAY: "days",
    ks.State.CHOOSE_TIME: "times",
    ks.State.CONFIRM_BOOKING: "confirm_booking",
    ks.State.TICKET: "ticket",
    ks.State.BOOKED: "booked",
    **dict.fromkeys(_MESSAGE_STATES, "message"),
    **{
        st: "busy"
        for st in ks.State
        if st.busy and st not in (ks.State.PRINTING, ks.State.TECH_BUSY)
    },
}


# The screens are drawn for a panel of at least this many dp; a window of any other size scales
# every dp and sp so that the design fits (an 800x600 panel is 0.625 of it, full HD 1.35).
DESIGN_SIZE = (1280, 800)


def scale_to_window() -> float:
    """Set Kivy's density from the window's size, before any screen is built; the factor."""
    from kivy.metrics import Metrics

    width, height = Window.size
    factor = max(0.5, min(float(width) / DESIGN_SIZE[0], float(height) / DESIGN_SIZE[1]))
    Metrics.density = factor
    return factor


# the technician's screens, in the technician's own language (not the last citizen's)
TECHNICIAN_STATES = frozenset(
    {ks.State.TECH_PIN, ks.State.TECH_VERIFYING, ks.State.TECHNICIAN, ks.State.TECH_BUSY}
)
# a Cancel from these screens throws away what the citizen entered: it asks once first
_ASK_BEFORE_CANCEL = frozenset(
    {
        ks.State.ID_ENTRY,
        ks.State.PIN_ENTRY,
        ks.State.ORDER_ENTRY,
        ks.State.ORDER_PIN,
        ks.State.CHOOSE_DOCUMENT,
        ks.State.PREVIEW,
        ks.State.PAYMENT,
    }
)


class EffectRunner(Protocol):
    idle_deadline: float | None

    def run(self, effects: Iterable[ks.Effect]) -> None: ...

    def close(self) -> None: ...


class KioskApp(App):  # type: ignore[misc]
    session = ObjectProperty(None)
    rtl = BooleanProperty(True)
    lang = StringProperty("ar")
    large = BooleanProperty(False)
    countdown = NumericProperty(0)

    def __init__(
        self,
        *,
        settings: ks.Settings,
        catalogues: Catalogues,
        runner_factory: Callable[[Callable[[ks.Event], None]], EffectRunner],
        fullscreen: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.title = "Sanad"
        self.catalogues = catalogues
        self.runner_factory = runner_factory
        self.fullscreen = fullscreen
        self.session = ks.initial(settings)
        self.lang = self.session.language
        self.rtl = catalogues[self.lang].rtl
        self.runner: EffectRunner | None = None
        self.last_transition: tuple[float, float] | None = None  # (sent at, shown at)
        # (state, seconds from the event to the first frame drawn after it): the benchmark's
        # tap-to-screen latency
        self.drawn: list[tuple[str, float]] = []
        self.on_shown: Callable[[ks.State], None] | None = None
        self._countdown_event: Any = None
        self.stopping = False
        self.tech_lang = self.session.settings.default_language
        self.confirm_view: Any = None

    # -- Kivy lifecycle --------------------------------------------------------------------

    def build(self) -> ScreenManager:
        register_fonts()
        scale_to_window()
        Window.clearcolor = (0.04, 0.12, 0.23, 1)
        # no way out but the technician's, or a signal (request_stop)
        Window.bind(on_request_close=lambda *_: not self.stopping)
        self.config_window()
        Builder.load_file(str(KV_DIR / "widgets.kv"))
        manager = ScreenManager(transition=NoTransition())
        for name, cls in screens.SCREENS.items():
            Builder.load_file(str(KV_DIR / f"{name}.kv"))
            manager.add_widget(cls(name=name))
        self.idle_view = screens.IdleWarning()
        self.confirm_view = screens.ConfirmCancel()
        self.runner = self.runner_factory(self.post)
        self.manager = manager
        Clock.schedule_once(lambda _dt: self._show(), 0)
        return manager

    def config_window(self) -> None:
        from kivy.config import Config

        Config.set("kivy", "exit_on_escape", "0")
        Window.exit_on_escape = False
        if self.fullscreen:
            Window.fullscreen = "auto"
            Window.show_cursor = False

    def request_stop(self, signum: int = signal.SIGTERM) -> None:
        """Stop the app on the UI thread (safe to call from a signal handler, and twice)."""
        if self.stopping:
            return
        self.stopping = True
        log.warning("stopping on %s", signal.Signals(signum).name)
        Clock.schedule_once(lambda _dt: self.stop(), 0)

    def on_stop(self) -> None:
        if self.runner is not None:
            self.runner.close()

    # -- events ----------------------------------------------------------------------------

    def post(self, event: ks.Event) -> None:
        """Thread-safe: deliver `event` to `send` on the UI thread."""
        Clock.schedule_once(lambda _dt: self.send(event), 0)

    def send(self, event: ks.Event) -> None:
        sent = time.perf_counter()
        try:
            new, effects = ks.step(self.session, event)
        except ks.InvalidTransition as exc:
            log.debug("dropped: %s", exc)
            return
        except ValueError as exc:  # a bad digit or index from a widget: a bug, not a crash
            log.warning("refused event %s: %s", type(event).__name__, exc)
            return
        if new is self.session and not effects:
            return  # nothing happened (a heartbeat's "still accepted", a touch out of service)
        old_state = self.session.state
        self.session = new
        self._follow_language()
        self.large = new.large_text
        for effect in effects:
            if isinstance(effect, ks.StartIdleTimer):
                self._start_countdown(effect)
        if self.runner is not None:
            self.runner.run(effects)
        self._show()
        if new.state is not old_state:
            self.last_transition = (sent, time.perf_counter())
            name = new.state.value
            # a 0 timeout runs on the next frame, after this frame's canvas was drawn
            Clock.schedule_once(
                lambda _dt: self.drawn.append((name, time.perf_counter() - sent)), 0
            )

    def _follow_language(self) -> None:
        lang = self.tech_lang if self.session.state in TECHNICIAN_STATES else self.session.language
        if lang != self.lang:
            self.lang = lang
            self.rtl = self.catalogues[lang].rtl

    def toggle_technician_language(self) -> None:
        """The technician's screens switch between the kiosk's languages (kept for next time)."""
        codes = list(self.session.settings.languages)
        self.tech_lang = codes[(codes.index(self.tech_lang) + 1) % len(codes)]
        self._follow_language()
        self._show()

    def ask_cancel(self) -> None:
        """Cancel, after asking once when it would throw away what the citizen entered."""
        if self.session.state in _ASK_BEFORE_CANCEL and self.confirm_view is not None:
            if not self.confirm_view.parent:
                self.confirm_view.open(animation=False)
            return
        self.send(ks.Cancel())

    def confirm_cancel(self, confirmed: bool) -> None:
        if self.confirm_view is not None and self.confirm_view.parent:
            self.confirm_view.dismiss(animation=False)
        if confirmed:
            self.send(ks.Cancel())

    @property
    def payment_method(self) -> str:
        """How the citizen pays here: the provider's method ("card"), a catalogue key suffix."""
        payment = getattr(self.runner, "payment", None)
        return str(getattr(payment, "method", "card"))

    def begin(self, collect: bool = False, purpose: str = "document") -> None:
        self.send(ks.Begin(secrets.token_hex(16), collect=collect, purpose=ks.Purpose(purpose)))

    def technician_gesture(self) -> None:
        self.send(ks.TechnicianGesture(time.monotonic()))

    def _show(self) -> None:
        state = self.session.state
        if state is ks.State.IDLE_WARNING:
            if not self.idle_view.parent:
                self.idle_view.open(animation=False)
            return
        if self.idle_view.parent:
            self.idle_view.dismiss(animation=False)
        moved_on = state not in _ASK_BEFORE_CANCEL  # the journey moved on (or ended) meanwhile
        if self.confirm_view is not None and self.confirm_view.parent and moved_on:
            self.confirm_view.dismiss(animation=False)
        self._follow_language()
        name = SCREEN_FOR[state]
        screen = self.manager.get_screen(name)
        screen.s = self.session
        screen.refresh(self, self.session)
        if self.manager.current != name:
            self.manager.current = name
        if self.on_shown is not None:
            self.on_shown(state)

    def _start_countdown(self, effect: ks.StartIdleTimer) -> None:
        if self._countdown_event is not None:
            self._countdown_event.cancel()
            self._countdown_event = None
        if not effect.warning:
            return
        deadline = time.monotonic() + effect.seconds
        self.countdown = effect.seconds

        def tick(_dt: float) -> bool:
            left = max(0, round(deadline - time.monotonic()))
            self.countdown = left
            return left > 0

        self._countdown_event = Clock.schedule_interval(tick, 0.5)

    # -- text for the kv files -------------------------------------------------------------

    def tr(self, key: str, *_deps: object, **params: object) -> str:
        """The current language's text for `key` (deps only make kv re-evaluate)."""
        return self.catalogues[self.lang].get(key, **params)

    def sv(self, name: str, session: ks.Session | None = None) -> Any:
        """A session field for kv: pass `app.session` so kv re-evaluates when it changes."""
        return getattr(session or self.session, name)

    def tx(self, key: str, *_deps: object, **params: object) -> str:
        """`tr`, shaped for a plain one-line Kivy label or button (the keypad's keys)."""
        return shape_line(self.tr(key, **params), self.rtl)

    def fs(self, size: float, *_deps: object) -> float:
        """A font size, larger when the citizen asked for larger text."""
        return size * (1.3 if self.large else 1.0)

    def fee(self, amount: int, currency: str, minor_units: int | None = None) -> str:
        return format_fee(amount, currency, self.catalogues[self.lang], minor_units)

    def chosen_fee(self, session: ks.Session | None = None, *_deps: object) -> str:
        """The chosen document's fee, formatted ("" before a choice)."""
        chosen = (session or self.session).chosen
        if chosen is None:
            return ""
        return self.fee(chosen.fee, chosen.currency, chosen.minor_units)

    def document_title(self, document_type: int) -> str:
        """The document's name from `verifier.words`, the one vocabulary the paper, the page and
        the kiosk share (English for a language it has no words for)."""
        from verifier.words import document_title

        return document_title(document_type).in_lang(self.lang)

    def relation(self, relation: str, sex: str | None = None) -> str:
        """Who the document is for, as the citizen is addressed: "والدك" when the registry
        gave the subject's sex, "والدك أو والدتك" when it did not."""
        cat = self.catalogues[self.lang]
        for key in (f"relation.{relation}.{sex}", f"relation.{relation}"):
            if cat.has(key):
                return cat.get(key)
        return cat.get("relation.other")

    def subject_name(self, entitlement: ks.Entitlement) -> str:
        if self.lang == "ar" or not entitlement.subject_en:
            return entitlement.subject_ar
        return entitlement.subject_en

    def reason(self, code: str) -> str:
        """A registry refusal code in the citizen's language: the registry answers codes, and
        this catalogue is the one place that words them."""
        cat = self.catalogues[self.lang]
        key = f"refusal.{code}"
        return cat.get(key) if cat.has(key) else cat.get("refusal.unknown")

    def notice(self, session: ks.Session | None = None, *_deps: object) -> str:
        s = session or self.session
        if s is None or s.notice is None:
            return ""
        params = dict(s.notice_args)
        if s.notice is ks.Notice.REFUSED:
            params["reason"] = self.reason(params.get("reason", ""))
        if "printer" in params:
            params["printer"] = self.tr(f"printer.{params['printer']}")
        return self.tr(s.notice.value, **params)

    def busy_text(self, session: ks.Session | None = None, *_deps: object) -> str:
        key = f"busy.{(session or self.session).state.value}"
        cat = self.catalogues[self.lang]
        return cat.get(key) if cat.has(key) else ""

    def order_slots(self, session: ks.Session | None = None, *_deps: object) -> str:
        """The order code typed so far in its three groups, the rest as blanks
        ("K 7 Q - M 2 _ - _ _ _")."""
        typed = (session or self.session).order_code
        slots = (typed + "_" * ks.ORDER_CODE_LENGTH)[: ks.ORDER_CODE_LENGTH]
        return "  -  ".join(" ".join(slots[i : i + 3]) for i in range(0, len(slots), 3))

    # -- appointments and the queue ---------------------------------------------------------

    def named(self, ar: str, latin: str | None) -> str:
        """A name the registry gives in Arabic and Latin letters, in the citizen's language."""
        return ar if self.lang == "ar" or not latin else latin

    def day_name(self, day: dt.date) -> str:
        """The weekday and the date ("الاثنين 2026-12-07"): Western digits, as everywhere, the
        date isolated so that it reads the same inside an Arabic line."""
        return self.tr(f"weekday.{day.weekday()}") + "  " + isolate(day.isoformat())

    def day_line(self, day: ks.BookingDay | None, *_deps: object) -> str:
        """The day and its Hijri date, each isolated ("الاثنين 2026-12-07 · 16 جمادى ...")."""
        if day is None:
            return ""
        return self.day_name(day.day) + "  ·  " + isolate(self.named(day.hijri_ar, day.hijri_latin))

    def when(self, day: dt.date, time: dt.time) -> dict[str, str]:
        """A sentence's weekday, date and time, each its own value (one isolate each: values
        nested in one another would not read right inside an Arabic line)."""
        weekday = self.tr(f"weekday.{day.weekday()}")
        return {"weekday": weekday, "date": day.isoformat(), "time": time.strftime("%H:%M")}

    def slot_text(self, slot: ks.Slot, same_day: bool) -> str:
        if same_day:
            return isolate(slot.time.strftime("%H:%M"))
        return self.tr("book.slot", **self.when(slot.day, slot.time))

    def ticket_lines(self, session: ks.Session | None = None, *_deps: object) -> str:
        """People ahead and the expected wait, in the paper's own words (one vocabulary for
        the ticket and the screen), then a late or repeated check-in said so."""
        from hardware.layout.ticket import expected_wait, people_ahead

        ticket = (session or self.session).ticket
        if ticket is None:
            return ""
        ar = self.lang == "ar"
        if ticket.ahead:
            term = people_ahead(ticket.ahead)
            lines = [term.ar if ar else term.en]
        else:
            lines = [self.tr("ticket.next")]
        wait = expected_wait(ticket.expected_wait_minutes)
        lines.append(wait.ar if ar else wait.en)
        if ticket.late:
            lines.append(self.tr("ticket.late"))
        if ticket.reprint:
            lines.append(self.tr("ticket.reprint"))
        return "\n".join(lines)

    def booking_summary(self, session: ks.Session | None = None, *_deps: object) -> str:
        """The appointment about to be booked, line by line."""
        s = session or self.session
        if s.service is None or s.slot is None:
            return ""
        lines = [
            self.tr(
                "book.confirm.service",
                service=self.named(s.service.name_ar, s.service.name_latin),
            ),
            self.tr("book.here"),
            self.tr("book.confirm.when", **self.when(s.slot.day, s.slot.time)),
        ]
        return "\n".join(lines)

    def booked_when(self, session: ks.Session | None = None, *_deps: object) -> str:
        booked = (session or self.session).booked
        if booked is None:
            return ""
        return self.tr(
            "booked.when",
            service=self.named(booked.service_ar, booked.service_latin),
            office=self.named(booked.office_ar, booked.office_latin),
            **self.when(booked.day, booked.time),
        )

    def booking_slots(self, session: ks.Session | None = None, *_deps: object) -> str:
        """The reference typed so far in its three groups, the rest as blanks."""
        typed = (session or self.session).booking_code
        slots = (typed + "_" * ks.ORDER_CODE_LENGTH)[: ks.ORDER_CODE_LENGTH]
        return "  -  ".join(" ".join(slots[i : i + 3]) for i in range(0, len(slots), 3))

    def language_names(self) -> list[tuple[str, str]]:
        return [(c, self.catalogues[c].name) for c in self.session.settings.languages]
