"""Scripted citizen and technician journeys through the real app, for tests, demo and bench.

    python -m sanad.kiosk_scenarios --config kiosk.toml --scenario birth_ar \\
        --params '{"national_id": "...", "pin": "..."}' --shots DIR --result result.json

Each scenario is a list of `driver.Step`s that tap the real widgets (found by their label in
the journey's language) of a `KioskApp` wired to real services from the config file. Kivy
allows one window per process, so every scenario runs in a process of its own; the result
(ok, error, final state, serial, per-step timings, screenshots) is written as JSON. Each
preview image the kiosk showed is copied next to the screenshots (`specimen-N.png`, listed
under "previews") before the session wipes it, so a test can check that it never verifies.

This is a tool of the self-test, the GUI tests and the benchmark (it drives the printer emulator),
not of the product: nothing in kiosk_app imports it.

Scenarios: birth_ar (an Arabic birth certificate for oneself), death_parent_en (an English
death certificate for a deceased parent), wrong_pin_then_right, print_fails_then_reprint
(uses the emulator's control socket), registry_down, attract_only (cold start).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk_app.ui.driver import Driver, Step, find_text, prepare_offscreen, tap, tap_at, tap_text

__all__ = ["SCENARIOS", "main", "preview_shown", "run_scenario"]

Params = dict[str, Any]


def _steps_common(lang: str, params: Params) -> tuple[Callable[..., Any], ...]:
    from kiosk_app import session as ks
    from kiosk_app.i18n import Catalogues

    cat = Catalogues.load()[lang]

    def tr(key: str, **kw: object) -> str:
        return cat.get(key, **kw)

    def state(*states: ks.State) -> Callable[[Any], bool]:
        return lambda app: app.session.state in states

    def keys(text: str) -> Callable[[Any], None]:
        def act(app: Any) -> None:
            for ch in text:
                widget = find_text(app, ch)
                if widget is None:
                    raise LookupError(f"no key {ch!r}")
                tap(widget)

        return act

    return tr, state, keys


def _login(lang: str, params: Params, pin: str | None = None) -> list[Step]:
    from kiosk_app import session as ks

    tr, state, keys = _steps_common(lang, params)
    from kiosk_app.i18n import Catalogues

    lang_name = Catalogues.load()[lang].name
    return [
        Step(None, state(ks.State.ATTRACT), "attract", label="cold start"),
        # a kiosk waits on attract: let the one-time warm-up finish before the citizen taps
        Step(None, lambda app: not getattr(app.runner, "busy", False), label="warm", timeout=60),
        Step(lambda app: tap_at(640, 400), state(ks.State.LANGUAGE), label="touch attract"),
        Step(tap_text(lang_name), state(ks.State.ID_ENTRY), label="choose language"),
        Step(
            keys(params["national_id"]),
            lambda a: a.session.id_status is ks.IdStatus.VALID,
            label="type id",
        ),
        Step(tap_text(tr("button.continue")), state(ks.State.PIN_ENTRY), label="id continue"),
        Step(keys(pin or params["pin"]), lambda a: len(a.session.pin) >= 4, label="type pin"),
        Step(
            tap_text(tr("button.ok")),
            state(
                ks.State.CHOOSE_DOCUMENT,
                ks.State.PIN_ENTRY,
                ks.State.SERVICE_ERROR,
                ks.State.LOCKED,
            ),
            label="pin ok",
        ),
    ]


def _relation_words(app: Any, document_type: int, relation: str | None) -> str | None:
    """The words the choose screen shows for `relation` (they agree with the subject's sex)."""
    if not relation:
        return None
    for ent in app.session.entitlements:
        if ent.document_type == document_type and ent.relation == relation:
            return str(app.relation(relation, ent.subject_sex))
    return str(app.relation(relation))


def _tap_document(document_type: int, relation: str | None) -> Callable[[Any], None]:
    def act(app: Any) -> None:
        from kivy.core.window import Window

        title = app.document_title(document_type)
        wanted = _relation_words(app, document_type, relation)
        for root in Window.children:
            for widget in root.walk(restrict=True):
                if getattr(widget, "title", None) != title:
                    continue
                if wanted is not None and wanted not in getattr(widget, "detail", ""):
                    continue
                _scroll_then_tap(widget)
                return
        raise LookupError(f"no document row {title!r} ({relation})")

    return act


def _scroll_then_tap(widget: Any) -> None:
    """Bring a row of a ScrollView into view (as a finger would) and tap it a frame later."""
    from kivy.clock import Clock
    from kivy.uix.scrollview import ScrollView

    parent = widget.parent
    while parent is not None and not isinstance(parent, ScrollView):
        parent = parent.parent
    if parent is not None:
        parent.scroll_to(widget, padding=10, animate=False)
    Clock.schedule_once(lambda _dt: tap(widget), 0.15)


def preview_shown(app: Any) -> bool:
    """The preview screen shows the session's preview image (loaded, not hidden)."""
    from kivy.core.window import Window
    from kivy.uix.image import Image

    wanted = app.session.preview
    if not wanted:
        return False
    for root in Window.children:
        for widget in root.walk(restrict=True):
            if isinstance(widget, Image) and widget.source == wanted:
                return widget.texture is not None and widget.parent.opacity == 1
    return False


def _buy(lang: str, params: Params, document_type: int, relation: str | None) -> list[Step]:
    from kiosk_app import session as ks

    tr, state, _ = _steps_common(lang, params)
    return [
        Step(None, state(ks.State.CHOOSE_DOCUMENT), "choose", label="documents listed"),
        Step(_tap_document(document_type, relation), state(ks.State.PREVIEW), label="choose"),
        Step(None, preview_shown, "preview", label="preview shown"),
        Step(
            tap_text(tr("button.print")),
            state(ks.State.PAYMENT, ks.State.PRINTER_UNAVAILABLE),
            "payment",
            label="print",
        ),
        Step(
            lambda app: tap(
                find_text(
                    app,
                    app.tr(
                        "button.pay",
                        fee=app.chosen_fee(app.session),
                    ),
                )
            ),
            state(
                ks.State.PRINTING,
                ks.State.DONE,
                ks.State.PRINT_FAILED,
                ks.State.SERVICE_ERROR,
                ks.State.ISSUE_FAILED,
            ),
            label="tap pay",
            timeout=30,
        ),
        Step(
            None,
            state(
                ks.State.DONE, ks.State.PRINT_FAILED, ks.State.SERVICE_ERROR, ks.State.ISSUE_FAILED
            ),
            "after-print",
            label="printed",
            timeout=60,
        ),
    ]


def birth_ar(params: Params) -> list[Step]:
    from kiosk_app import session as ks

    tr, state, _ = _steps_common("ar", params)
    return [
        *_login("ar", params),
        *_buy("ar", params, 1, "self"),
        Step(
            tap_text(tr("button.finish")),
            state(ks.State.ATTRACT),
            "back-to-attract",
            label="finish",
        ),
    ]


def death_parent_en(params: Params) -> list[Step]:
    from kiosk_app import session as ks

    tr, state, _ = _steps_common("en", params)
    return [
        *_login("en", params),
        *_buy("en", params, 2, "parent"),
        Step(tap_text(tr("button.finish")), state(ks.State.ATTRACT), None, label="finish"),
    ]


def wrong_pin_then_right(params: Params) -> list[Step]:
    from kiosk_app import session as ks

    tr, state, keys = _steps_common("en", params)
    wrong = "0000" if params["pin"] != "0000" else "1111"
    return [
        *_login("en", params, pin=wrong),
        Step(None, lambda a: a.session.notice is ks.Notice.PIN_WRONG, "pin-wrong", label="told"),
        Step(keys(params["pin"]), lambda a: len(a.session.pin) >= 4, label="retype"),
        Step(
            tap_text(tr("button.ok")), state(ks.State.CHOOSE_DOCUMENT), "choose", label="right pin"
        ),
        Step(
            tap_text(tr("button.cancel")),
            lambda a: bool(a.confirm_view.parent),
            "cancel-asks",
            label="cancel asks",
        ),
        Step(tap_text(tr("cancel.yes")), state(ks.State.ATTRACT), None, label="cancel"),
    ]


def print_fails_then_reprint(params: Params) -> list[Step]:
    from kiosk_app import session as ks

    tr, state, keys = _steps_common("ar", params)

    def emulator(command: str) -> Callable[[Any], None]:
        def act(app: Any) -> None:
            from hardware.emulator.server import control

            reply = control(params["emulator_control"], command)
            if not reply.startswith("ok"):
                raise RuntimeError(f"emulator: {reply}")

        return act

    def corner(app: Any) -> None:
        from kivy.core.window import Window

        for _ in range(5):
            tap_at(8, Window.height - 8)

    def reprint(app: Any) -> None:
        job = app.session.tech_jobs[0]
        tap(find_text(app, app.tr("tech.reprint")))
        del job

    return [
        Step(emulator("paper-out-after 300"), label="paper will run out"),
        *_login("ar", params),
        *_buy("ar", params, 1, "self"),
        Step(None, state(ks.State.PRINT_FAILED), "print-failed", label="failed"),
        Step(tap_text(tr("button.finish")), state(ks.State.ATTRACT), None, label="finish"),
        Step(emulator("clear"), label="paper replaced"),
        Step(corner, state(ks.State.TECH_PIN), "tech-pin", label="gesture"),
        Step(
            keys(params["tech_pin"]), lambda a: len(a.session.tech_pin) == len(params["tech_pin"])
        ),
        Step(
            tap_text(tr("button.ok")),
            lambda a: a.session.state is ks.State.TECHNICIAN and bool(a.session.tech_jobs),
            "technician",
            label="tech login",
            timeout=30,
        ),
        Step(
            reprint,
            lambda a: (
                a.session.state is ks.State.TECHNICIAN and a.session.notice is ks.Notice.TECH_OK
            ),
            "reprinted",
            label="reprint",
            timeout=60,
        ),
        Step(tap_text(tr("tech.exit")), state(ks.State.ATTRACT), None, label="exit"),
    ]


def registry_down(params: Params) -> list[Step]:
    from kiosk_app import session as ks

    tr, state, _ = _steps_common("en", params)
    return [
        *_login("en", params),
        Step(None, state(ks.State.SERVICE_ERROR), "registry-down", label="told"),
        Step(
            tap_text(tr("button.retry")),
            state(ks.State.SERVICE_ERROR),
            None,
            label="retry",
            timeout=30,
        ),
        Step(tap_text(tr("button.cancel")), state(ks.State.ATTRACT), None, label="cancel"),
    ]


def attract_only(params: Params) -> list[Step]:
    """Cold start, then the keys that close an ordinary app: the kiosk must stay up."""
    from kiosk_app import session as ks

    def escape(app: Any) -> None:
        from kivy.core.window import Window

        Window.dispatch("on_keyboard", 27, 9, None, [])  # Escape
        Window.dispatch("on_request_close")  # the window manager's close request

    return [
        Step(None, lambda a: a.session.state is ks.State.ATTRACT, None, label="cold start"),
        Step(escape, lambda a: a.session.state is ks.State.ATTRACT, None, label="escape"),
        Step(None, lambda a: a.session.state is ks.State.ATTRACT, None, label="still up"),
    ]


SCENARIOS: dict[str, Callable[[Params], list[Step]]] = {
    "birth_ar": birth_ar,
    "death_parent_en": death_parent_en,
    "wrong_pin_then_right": wrong_pin_then_right,
    "print_fails_then_reprint": print_fails_then_reprint,
    "registry_down": registry_down,
    "attract_only": attract_only,
}


def run_scenario(
    config_path: Path, name: str, params: Params, shots: Path | None
) -> dict[str, Any]:
    started = time.perf_counter()
    prepare_offscreen()
    from kivy.clock import Clock

    from kiosk_app.config import load_config
    from kiosk_app.i18n import Catalogues
    from kiosk_app.ui.app import KioskApp
    from kiosk_app.wiring import KioskServices

    config = load_config(config_path)
    holder: dict[str, KioskServices] = {}
    shown: dict[str, float] = {}

    def factory(dispatch: Any) -> Any:
        holder["services"] = KioskServices.start(config, dispatch, background=False)
        return holder["services"].runner

    app = KioskApp(
        settings=config.settings(),
        catalogues=Catalogues.load(),
        runner_factory=factory,
        fullscreen=False,
    )
    serials: list[str] = []
    previews: list[str] = []
    copied: set[str] = set()
    transitions: list[tuple[str, float]] = []

    def on_shown(state: Any) -> None:
        if "attract" not in shown:
            shown["attract"] = time.perf_counter() - started

            def drawn(_dt: float) -> None:  # the next frame: the attract screen is on glass
                shown["attract_drawn_wall"] = time.time()

            Clock.schedule_once(drawn, 0)
        if app.session.serial and app.session.serial not in serials:
            serials.append(app.session.serial)
        source = app.session.preview
        if source and shots is not None and source not in copied:  # before the wipe takes it
            import shutil

            copied.add(source)
            shots.mkdir(parents=True, exist_ok=True)
            kept = shots / f"specimen-{len(previews) + 1}.png"
            shutil.copyfile(source, kept)
            previews.append(str(kept))
        if app.last_transition is not None:
            sent, done = app.last_transition
            transitions.append((state.value, done - sent))

    app.on_shown = on_shown
    driver = Driver(app, SCENARIOS[name](params), shots=shots, total_timeout=240)
    Clock.schedule_once(lambda _dt: driver.start(), 0)
    try:
        app.run()
    finally:
        if "services" in holder:
            holder["services"].stop()
    return {
        "ok": driver.error is None and driver.completed,
        "error": driver.error or (None if driver.completed else "the app stopped early"),
        "state": app.session.state.value,
        "serials": serials,
        "previews": previews,
        "cold_start_seconds": shown.get("attract"),
        "attract_drawn_wall": shown.get("attract_drawn_wall"),
        "timings": driver.timings,
        "transitions": transitions,
        "drawn": app.drawn,
        "actions": driver.actions,
        "screenshots": [str(p) for p in driver.screenshots],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one scripted kiosk journey offscreen.")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), required=True)
    parser.add_argument("--params", default="{}")
    parser.add_argument("--shots", type=Path)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    result = run_scenario(args.config, args.scenario, json.loads(args.params), args.shots)
    args.result.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
