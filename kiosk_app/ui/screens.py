"""Screen classes: each has a kv file of the same name in `kv/`; Python only builds lists.

A screen's `refresh(app, session)` runs before it is shown and after every event while it
is shown. Most screens bind everything in kv and need nothing here; the ones listing a
variable number of things (documents, languages, failed jobs, the buttons of a message)
build those rows here, still calling nothing but `app.send`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from kivy.factory import Factory
from kivy.metrics import sp
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import Screen

from kiosk_app import session as ks

if TYPE_CHECKING:
    from kiosk_app.ui.app import KioskApp

__all__ = ["SCREENS", "ConfirmCancel", "IdleWarning", "KioskScreen", "fault_line"]

TECH_TAPS = 5  # taps in the top-left corner of the attract screen ...
TECH_WINDOW = 4.0  # ... within this many seconds open the technician's PIN pad
TECH_CORNER = 0.12  # the corner's size, as a fraction of the window's shorter side


class KioskScreen(Screen):  # type: ignore[misc]
    """`s` is the session as this screen shows it: the App sets it only on the screen being
    shown, so hidden screens do not re-lay out and re-render their text on every event."""

    s = ObjectProperty(None, allownone=True)

    def refresh(self, app: KioskApp, session: ks.Session) -> None:
        pass


class _CornerScreen(KioskScreen):
    """A resting screen: five taps in the top-left corner open the technician's PIN pad; any
    other touch is `touched`. (Its own kv rule per subclass: a rule for a base class would
    apply to every subclass too.)"""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._taps: list[float] = []

    def on_touch_down(self, touch: Any) -> bool:
        from kivy.app import App

        app = App.get_running_app()
        corner = min(self.width, self.height) * TECH_CORNER
        if touch.x <= self.x + corner and touch.y >= self.top - corner:
            now = time.monotonic()
            self._taps = [t for t in self._taps if now - t < TECH_WINDOW] + [now]
            if len(self._taps) >= TECH_TAPS:
                self._taps = []
                app.technician_gesture()
            return True
        if super().on_touch_down(touch):
            return True
        self.touched(app)
        return True

    def touched(self, app: KioskApp) -> None:
        pass


class AttractScreen(_CornerScreen):
    def touched(self, app: KioskApp) -> None:
        app.begin()


class OutOfServiceScreen(_CornerScreen):
    """The attract screen's place while the registry refuses this kiosk: a citizen's touch
    does nothing; the technician's corner gesture still works."""


class LanguageScreen(KioskScreen):
    def refresh(self, app: KioskApp, session: ks.Session) -> None:
        box = self.ids.languages
        if len(box.children) == len(session.settings.languages):
            return
        box.clear_widgets()
        for code, name in app.language_names():
            button = Factory.BigButton(raw=name, align="center")
            button.bind(on_release=lambda _b, c=code: app.send(ks.ChooseLanguage(c)))
            box.add_widget(button)


class ChooseScreen(KioskScreen):
    shown = ObjectProperty(None)

    def refresh(self, app: KioskApp, session: ks.Session) -> None:
        key = (session.entitlements, app.lang, app.large)
        if self.shown == key:
            return
        self.shown = key
        box = self.ids.documents
        box.clear_widgets()
        for index, ent in enumerate(session.entitlements):
            row = Factory.DocumentRow()
            row.title = app.document_title(ent.document_type)
            row.detail = app.tr(
                "choose.for",
                name=app.subject_name(ent),
                relation=app.relation(ent.relation, ent.subject_sex),
            )
            row.fee = app.tr("choose.fee", fee=app.fee(ent.fee, ent.currency, ent.minor_units))
            row.bind(on_release=lambda _r, i=index: app.send(ks.ChooseEntitlement(i)))
            box.add_widget(row)


class MessageScreen(KioskScreen):
    title_key = StringProperty("service_error.title")

    def refresh(self, app: KioskApp, session: ks.Session) -> None:
        # a collection's refusal is about the order ("cannot be collected"), an appointment's
        # about the check-in, the ticket or the booking, not an issuance
        cat = app.catalogues[app.lang]
        collect_key = f"collect.{session.state.value}.title"
        purpose_key = f"{session.purpose.value}.{session.state.value}.title"
        if session.collect and cat.has(collect_key):
            self.title_key = collect_key
        elif session.purpose is not ks.Purpose.DOCUMENT and cat.has(purpose_key):
            self.title_key = purpose_key
        else:
            self.title_key = f"{session.state.value}.title"
        box = self.ids.buttons
        box.clear_widgets()
        # the secondary action first, the primary last: the bottom row's end, as on every screen
        buttons: list[tuple[str, ks.Event, str]] = []
        if session.state in (ks.State.SERVICE_ERROR, ks.State.PAYMENT_DECLINED):
            buttons.append(("button.cancel", ks.Cancel(), "PlainButton"))
            buttons.append(("button.retry", ks.Retry(), "AccentButton"))
        elif session.can_go_back:
            buttons.append(("button.finish", ks.Finish(), "PlainButton"))
            buttons.append(("button.back", ks.Back(), "AccentButton"))
        else:
            box.add_widget(Factory.Widget(size_hint_x=0.4))
            buttons.append(("button.finish", ks.Finish(), "AccentButton"))
        for key, event, style in buttons:
            button = getattr(Factory, style)(raw=app.tr(key), align="center")
            button.bind(on_release=lambda _b, e=event: app.send(e))
            box.add_widget(button)


class TechnicianScreen(KioskScreen):
    shown = ObjectProperty(None)

    def refresh(self, app: KioskApp, session: ks.Session) -> None:
        key = (session.tech_jobs, session.tech_faults, app.lang)
        if self.shown == key:
            return
        self.shown = key
        jobs = self.ids.jobs
        jobs.clear_widgets()
        if not session.tech_jobs:
            jobs.add_widget(Factory.InfoLabel(raw=app.tr("tech.no_jobs")))
        for job in session.tech_jobs:
            row = Factory.JobRow()
            row.text_raw = app.tr(
                "tech.job", serial=job.serial, advice=_advice(app, job.reason or job.state)
            )
            row.ids.reprint.bind(on_release=lambda _b, j=job.job_id: app.send(ks.Reprint(j)))
            row.ids.cancel.bind(on_release=lambda _b, j=job.job_id: app.send(ks.CancelJob(j)))
            jobs.add_widget(row)
        faults = self.ids.faults
        faults.clear_widgets()
        if not session.tech_faults:
            faults.add_widget(Factory.InfoLabel(raw=app.tr("tech.no_faults")))
        for fault in session.tech_faults:
            faults.add_widget(Factory.InfoLabel(raw=fault_line(app, fault), base_size=sp(20)))


class IdleWarning(ModalView):  # type: ignore[misc]
    """The "are you still there?" overlay on top of whatever screen was showing."""


class ConfirmCancel(ModalView):  # type: ignore[misc]
    """ "Cancel your request?": asked once before a journey is thrown away."""


def _advice(app: KioskApp, reason: str) -> str:
    """What the technician should do about `reason` (a printer state or failure reason)."""
    slug = reason.split(":")[0].strip().replace("-", "_")
    key = f"tech.do.{slug}"
    return app.tr(key) if app.catalogues[app.lang].has(key) else app.tr("tech.do.failed")


def fault_line(app: KioskApp, fault: str) -> str:
    """A journal fault ("2026-11-21 09:14 printer_not_ready: paper_out") in words, with what
    to do about it."""
    when, _, rest = fault.partition(" ")
    clock, _, rest = rest.partition(" ")
    code, _, detail = rest.partition(": ")
    what_key = f"tech.fault.{code}"
    cat = app.catalogues[app.lang]
    what = app.tr(what_key) if cat.has(what_key) else code
    if code == "registry_unavailable":
        detail = "registry"
    elif code == "technician_pin_locked":
        detail = "pin_locked"
    return app.tr("tech.fault_line", when=f"{when} {clock}", what=what, advice=_advice(app, detail))


class IdEntryScreen(KioskScreen):
    pass


class OrderEntryScreen(KioskScreen):
    """The order code's keypad: the 32 characters of the code's alphabet, in reading order
    (digits, then letters), left to right in either language like the code itself."""

    def refresh(self, app: KioskApp, session: ks.Session) -> None:
        _code_keys(app, self.ids.code_keys)


class CheckinEntryScreen(KioskScreen):
    """The appointment's reference: the booking's QR at the scanner, or typed on the order
    code's keypad (the same alphabet and check character)."""

    def refresh(self, app: KioskApp, session: ks.Session) -> None:
        _code_keys(app, self.ids.code_keys)


def _code_keys(app: KioskApp, keys: Any) -> None:
    if keys.children:
        return
    for char in ks.ORDER_CODE_KEYS[1:10] + "0" + ks.ORDER_CODE_KEYS[10:]:
        key = Factory.KeyButton(text=char, font_size=sp(34))
        key.bind(on_release=lambda _k, c=char: app.send(ks.KeypadChar(c)))
        keys.add_widget(key)
    clear = Factory.KeyButton(text=app.tx("button.clear"), font_size=sp(22))
    clear.bind(on_release=lambda _k: app.send(ks.KeypadClear()))
    keys.add_widget(clear)
    back = Factory.KeyButton(text="⌫")
    back.bind(on_release=lambda _k: app.send(ks.KeypadBackspace()))
    keys.add_widget(back)


class ServicesScreen(KioskScreen):
    """The walk-in services (a queue ticket) or the bookable ones (an appointment)."""

    shown = ObjectProperty(None)

    def refresh(self, app: KioskApp, session: ks.Session) -> None:
        key = (session.services, session.state, app.lang, app.large)
        if self.shown == key:
            return
        self.shown = key
        box = self.ids.services
        box.clear_widgets()
        for index, service in enumerate(session.services):
            row = Factory.DocumentRow()
            row.title = app.named(service.name_ar, service.name_latin)
            row.detail = app.tr("book.minutes", minutes=service.minutes)
            row.bind(on_release=lambda _r, i=index: app.send(ks.ChooseService(i)))
            box.add_widget(row)


class DaysScreen(KioskScreen):
    """The service's days at this office, with their Hijri dates; a full day cannot be
    chosen."""

    shown = ObjectProperty(None)

    def refresh(self, app: KioskApp, session: ks.Session) -> None:
        key = (session.days, app.lang, app.large)
        if self.shown == key:
            return
        self.shown = key
        box = self.ids.days
        box.clear_widgets()
        for index, day in enumerate(session.days):
            row = Factory.DocumentRow()
            row.title = app.day_name(day.day)
            row.detail = app.named(day.hijri_ar, day.hijri_latin)
            if day.has_free:
                row.bind(on_release=lambda _r, i=index: app.send(ks.ChooseDay(i)))
            else:
                row.fee = app.tr("book.day.full")
                row.disabled = True
                row.opacity = 0.55
            box.add_widget(row)


class TimesScreen(KioskScreen):
    """A day's free times, or the alternatives a taken time came back with (which may be on
    other days: those buttons name their day)."""

    shown = ObjectProperty(None)

    def refresh(self, app: KioskApp, session: ks.Session) -> None:
        key = (session.slots, app.lang, app.large)
        if self.shown == key:
            return
        self.shown = key
        box = self.ids.times
        box.clear_widgets()
        chosen = session.day.day if session.day is not None else None
        for index, slot in enumerate(session.slots):
            text = app.slot_text(slot, same_day=slot.day == chosen)
            button = Factory.AccentButton(raw=text, align="center")
            button.bind(on_release=lambda _b, i=index: app.send(ks.ChooseSlot(i)))
            box.add_widget(button)


class ConfirmBookingScreen(KioskScreen):
    pass


class TicketScreen(KioskScreen):
    pass


class BookedScreen(KioskScreen):
    pass


class PinEntryScreen(KioskScreen):
    pass


class BusyScreen(KioskScreen):
    pass


class PreviewScreen(KioskScreen):
    pass


class PaymentScreen(KioskScreen):
    pass


class PrintingScreen(KioskScreen):
    pass


class DoneScreen(KioskScreen):
    pass


class TechPinScreen(KioskScreen):
    pass


SCREENS: dict[str, type[KioskScreen]] = {
    "attract": AttractScreen,
    "out_of_service": OutOfServiceScreen,
    "language": LanguageScreen,
    "id_entry": IdEntryScreen,
    "order_entry": OrderEntryScreen,
    "pin_entry": PinEntryScreen,
    "busy": BusyScreen,
    "choose": ChooseScreen,
    "preview": PreviewScreen,
    "payment": PaymentScreen,
    "printing": PrintingScreen,
    "done": DoneScreen,
    "message": MessageScreen,
    "tech_pin": TechPinScreen,
    "technician": TechnicianScreen,
    "checkin_entry": CheckinEntryScreen,
    "services": ServicesScreen,
    "days": DaysScreen,
    "times": TimesScreen,
    "confirm_booking": ConfirmBookingScreen,
    "ticket": TicketScreen,
    "booked": BookedScreen,
}
