"""A tour of every kiosk screen, offscreen, for the gallery and the layout test.

    python -m sanad.kiosk_tour --size 800x600 [--lang ar,en] [--large] [--shots DIR]
                               [--check problems.json]

The real Kivy app is driven with simulated touches through the journey and its error screens.
The registry, printer and payment are not needed: a recording runner stands in for the effect
runner and the tour answers each request with a plausible result event (the GUI tests in
tests/kiosk/ run the same screens against the real registry and printer emulator). The preview
image is a real layout of a sample document. Kivy has one window per process, so one process
tours one window size (in every language asked for).

`layout_problems(app)` is the layout test's eye: on the screen shown, any label whose text
(its texture) is wider or taller than its widget, any widget that leaves the window, and any
two children of a box that overlap. `--check FILE` writes what it found at every screen.

This is a tool of the self-test, the gallery and the tests, not of the product: nothing in
kiosk_app imports it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kiosk_app.ui.driver import Driver, Step, prepare_offscreen, tap_at, tap_text

__all__ = ["SIZES", "RecordingRunner", "layout_problems", "main", "steps_for"]

# common kiosk panels: the demo's window, 4:3, 16:10, full HD and a portrait totem
SIZES = ((800, 600), (1024, 768), (1280, 800), (1920, 1080), (1080, 1920))


class RecordingRunner:
    """Keeps the effects instead of running them; the tour plays the outside world."""

    def __init__(self) -> None:
        self.effects: list[Any] = []
        self.idle_deadline: float | None = None

    def run(self, effects: Iterable[Any]) -> None:
        self.effects.extend(effects)

    def close(self) -> None:
        pass


def steps_for(lang: str, preview: Path) -> list[Step]:
    """The whole journey and its error screens, each screen a step with a shot name."""
    from kiosk_app import session as ks
    from verifier import national_id

    good = national_id.make("198706150")
    bad = good[:9] + str((int(good[9]) + 1) % 10)
    ents = (
        ks.Entitlement(
            "1:P1",
            1,
            "عبد الله محمد عبد الرحمن الشوابكة",
            "Abdullah Mohammad Al-Shawabkeh",
            "self",
            1000,
            "JOD",
            "m",
            3,
        ),
        ks.Entitlement(
            "2:P2",
            2,
            "محمد عبد الرحمن محمود الشوابكة",
            "Mohammad Abdulrahman Al-Shawabkeh",
            "parent",
            1000,
            "JOD",
            "m",
            3,
        ),
        ks.Entitlement(
            "3:M1",
            3,
            "سارة خالد الكيلاني",
            "Sara Khaled Al-Kilani",
            "spouse",
            1500,
            "JOD",
            "f",
            3,
        ),
        ks.Entitlement(
            "6:F1",
            6,
            "أسرة عبد الله محمد الشوابكة",
            "Family of Abdullah Al-Shawabkeh",
            "family",
            2000,
            "JOD",
            None,
            3,
        ),
    )

    from kivy.core.window import Window

    def state(st: ks.State) -> Callable[[Any], bool]:
        return lambda app: app.session.state is st

    def send(make: Callable[[Any], ks.Event]) -> Callable[[Any], None]:
        return lambda app: app.send(make(app))

    def digits(text: str) -> Callable[[Any], None]:
        def act(app: Any) -> None:
            for d in text:
                app.send(ks.KeypadDigit(d))

        return act

    def tr(key: str, **params: object) -> str:
        from kiosk_app.i18n import Catalogues

        return Catalogues.load()[lang].get(key, **params)

    def corner(app: Any) -> None:
        for _ in range(5):
            tap_at(10, Window.height - 10)

    p = f"{lang}-"

    def chars(text: str) -> Callable[[Any], None]:
        def act(app: Any) -> None:
            for c in text:
                app.send(ks.KeypadChar(c))

        return act

    def collected() -> list[Step]:
        """The "collect an order" path: the code (a typo, then right), the PIN, a refusal to
        type the code again from, then the document printed and the done screen."""
        code = "K7QM2XA96"
        return [
            Step(lambda app: app.begin(collect=True), state(ks.State.LANGUAGE), None),
            Step(send(lambda a: ks.ChooseLanguage(lang)), state(ks.State.ORDER_ENTRY), None),
            Step(chars(code[:5]), state(ks.State.ORDER_ENTRY), p + "30-order-code"),
            Step(chars("XA9C"), state(ks.State.ORDER_ENTRY), p + "31-order-code-typo"),
            Step(
                lambda a: a.ask_cancel(),
                lambda a: bool(a.confirm_view.parent),
                p + "31-order-cancel-asks",
            ),
            Step(lambda a: a.confirm_cancel(False), state(ks.State.ORDER_ENTRY), None),
            Step(send(lambda a: ks.KeypadBackspace()), state(ks.State.ORDER_ENTRY), None),
            Step(chars("6"), state(ks.State.ORDER_ENTRY), p + "32-order-code-valid"),
            Step(tap_text(tr("button.continue")), state(ks.State.ORDER_PIN), None),
            Step(digits("2468"), state(ks.State.ORDER_PIN), p + "33-order-pin"),
            Step(send(lambda a: ks.Submit()), state(ks.State.COLLECTING), p + "34-collecting"),
            Step(
                send(lambda a: ks.RegistryRefused(a.session.pending, "order_not_found")),
                state(ks.State.REFUSED),
                p + "35-order-not-found",
            ),
            Step(send(lambda a: ks.Back()), state(ks.State.ORDER_ENTRY), None),
            Step(send(lambda a: ks.Submit()), state(ks.State.ORDER_PIN), None),
            Step(digits("2468"), state(ks.State.ORDER_PIN), None),
            Step(send(lambda a: ks.Submit()), state(ks.State.COLLECTING), None),
            Step(
                send(lambda a: ks.RegistryRefused(a.session.pending, "order_not_ready")),
                state(ks.State.REFUSED),
                p + "36-order-not-ready",
            ),
            Step(send(lambda a: ks.Finish()), state(ks.State.ATTRACT), None),
            Step(lambda app: app.begin(collect=True), state(ks.State.LANGUAGE), None),
            Step(send(lambda a: ks.ChooseLanguage(lang)), state(ks.State.ORDER_ENTRY), None),
            Step(
                send(lambda a: ks.CardScanned(f"SANAD-ORDER:{code}")),
                state(ks.State.ORDER_PIN),
                None,
            ),
            Step(digits("2468"), state(ks.State.ORDER_PIN), None),
            Step(send(lambda a: ks.Submit()), state(ks.State.COLLECTING), None),
            Step(
                send(
                    lambda a: ks.OrderIssued(a.session.pending, "B26-0000003-4", "SN1D:Q", 1, code)
                ),
                state(ks.State.VERIFYING),
                None,
            ),
            Step(
                send(lambda a: ks.DocumentVerified(a.session.pending)),
                state(ks.State.PRINTING),
                None,
            ),
            Step(
                send(lambda a: ks.PrintFailed(a.session.pending, "paper-out")),
                state(ks.State.PRINT_FAILED),
                p + "37-order-print-failed",
            ),
            Step(send(lambda a: ks.Finish()), state(ks.State.ATTRACT), None),
            Step(lambda app: app.begin(collect=True), state(ks.State.LANGUAGE), None),
            Step(send(lambda a: ks.ChooseLanguage(lang)), state(ks.State.ORDER_ENTRY), None),
            Step(chars(code), state(ks.State.ORDER_ENTRY), None),
            Step(send(lambda a: ks.Submit()), state(ks.State.ORDER_PIN), None),
            Step(digits("2468"), state(ks.State.ORDER_PIN), None),
            Step(send(lambda a: ks.Submit()), state(ks.State.COLLECTING), None),
            Step(
                send(
                    lambda a: ks.OrderIssued(a.session.pending, "B26-0000003-4", "SN1D:Q", 1, code)
                ),
                state(ks.State.VERIFYING),
                None,
            ),
            Step(
                send(lambda a: ks.DocumentVerified(a.session.pending)),
                state(ks.State.PRINTING),
                None,
            ),
            Step(
                send(lambda a: ks.PrintCompleted(a.session.pending)),
                state(ks.State.DONE),
                p + "38-order-done",
            ),
            Step(send(lambda a: ks.Finish()), state(ks.State.ATTRACT), None),
        ]

    def signed_in() -> list[Step]:
        """From the attract screen to the list of documents, signed in (fresh steps each time:
        `run` adjusts a step's conditions in place)."""
        return [
            Step(lambda app: app.begin(), state(ks.State.LANGUAGE), None),
            Step(send(lambda a: ks.ChooseLanguage(lang)), state(ks.State.ID_ENTRY), None),
            Step(digits(good), state(ks.State.ID_ENTRY), None),
            Step(send(lambda a: ks.Submit()), state(ks.State.PIN_ENTRY), None),
            Step(digits("1234"), state(ks.State.PIN_ENTRY), None),
            Step(send(lambda a: ks.Submit()), state(ks.State.AUTHENTICATING), None),
            Step(
                send(lambda a: ks.Authenticated(a.session.pending, "tok")),
                state(ks.State.LOADING_ENTITLEMENTS),
            ),
            Step(
                send(lambda a: ks.EntitlementsLoaded(a.session.pending, ents)),
                state(ks.State.CHOOSE_DOCUMENT),
                None,
            ),
        ]

    def paid_and_issued(reference: str, serial: str) -> list[Step]:
        """From Pay to printing: authorised, issued and verified."""
        return [
            Step(send(lambda a: ks.Pay()), state(ks.State.AUTHORISING_PAYMENT), None),
            Step(
                send(lambda a: ks.PaymentAuthorised(a.session.pending, reference)),
                state(ks.State.ISSUING),
                None,
            ),
            Step(
                send(lambda a: ks.DocumentIssued(a.session.pending, serial, "SN1D:X")),
                state(ks.State.VERIFYING),
                None,
            ),
            Step(
                send(lambda a: ks.DocumentVerified(a.session.pending)),
                state(ks.State.PRINTING),
                None,
            ),
        ]

    return [
        Step(None, state(ks.State.ATTRACT), p + "00-attract", label="attract"),
        Step(
            lambda app: tap_at(Window.width / 2, Window.height / 2),
            state(ks.State.LANGUAGE),
            p + "01-language",
            label="begin",
        ),
        Step(
            send(lambda a: ks.ChooseLanguage(lang)),
            state(ks.State.ID_ENTRY),
            None,
            label="language",
        ),
        Step(digits(bad), state(ks.State.ID_ENTRY), p + "02-id-invalid", label="id bad"),
        Step(send(lambda a: ks.KeypadBackspace()), state(ks.State.ID_ENTRY), None, label="bs"),
        Step(
            digits(good[9]), lambda a: a.session.id_status is ks.IdStatus.VALID, p + "03-id-valid"
        ),
        Step(
            lambda a: a.ask_cancel(),
            lambda a: bool(a.confirm_view.parent),
            p + "03-cancel-asks",
            label="cancel asks",
        ),
        Step(lambda a: a.confirm_cancel(False), state(ks.State.ID_ENTRY), None),
        Step(tap_text(tr("button.continue")), state(ks.State.PIN_ENTRY), None, label="to pin"),
        Step(digits("123"), state(ks.State.PIN_ENTRY), p + "04-pin", label="pin"),
        Step(digits("4"), state(ks.State.PIN_ENTRY), None),
        Step(
            tap_text(tr("button.ok")), state(ks.State.AUTHENTICATING), p + "05-busy", label="submit"
        ),
        Step(
            send(lambda a: ks.PinRejected(a.session.pending, 2)),
            state(ks.State.PIN_ENTRY),
            p + "06-pin-wrong",
        ),
        Step(digits("1234"), state(ks.State.PIN_ENTRY), None),
        Step(send(lambda a: ks.Submit()), state(ks.State.AUTHENTICATING), None),
        Step(
            send(lambda a: ks.Authenticated(a.session.pending, "tok")),
            state(ks.State.LOADING_ENTITLEMENTS),
        ),
        Step(
            send(lambda a: ks.EntitlementsLoaded(a.session.pending, ents)),
            state(ks.State.CHOOSE_DOCUMENT),
            p + "07-choose",
        ),
        Step(send(lambda a: ks.ChooseEntitlement(0)), state(ks.State.PREPARING_PREVIEW), None),
        Step(
            send(lambda a: ks.PreviewReady(a.session.pending, str(preview))),
            state(ks.State.PREVIEW),
            p + "08-preview",
        ),
        Step(tap_text(tr("button.print")), state(ks.State.CHECKING_PRINTER), None, label="print"),
        Step(
            send(lambda a: ks.PrinterChecked(a.session.pending, ks.PrinterState.READY)),
            state(ks.State.PAYMENT),
            p + "09-payment",
        ),
        *paid_and_issued("SIM-3F2A9C11D0E4-1", "B26-0000001-8"),
        Step(
            send(lambda a: ks.PrintProgress(a.session.pending, 0.62)),
            lambda a: a.session.progress > 0.6,
            p + "10-printing",
        ),
        Step(
            send(lambda a: ks.PrintCompleted(a.session.pending)),
            state(ks.State.DONE),
            p + "11-done",
        ),
        Step(send(lambda a: ks.IdleTimeout(a.session.timer)), state(ks.State.ATTRACT), None),
        # error screens
        Step(lambda app: app.begin(), state(ks.State.LANGUAGE), None),
        Step(send(lambda a: ks.ChooseLanguage(lang)), state(ks.State.ID_ENTRY), None),
        Step(send(lambda a: ks.ToggleLargeText()), lambda a: a.large, None),
        Step(digits(good), state(ks.State.ID_ENTRY), p + "12-id-large-text"),
        Step(
            send(lambda a: ks.IdleTimeout(a.session.timer)),
            state(ks.State.IDLE_WARNING),
            p + "13-idle-warning",
        ),
        Step(send(lambda a: ks.ContinueSession()), state(ks.State.ID_ENTRY), None),
        Step(send(lambda a: ks.ToggleLargeText()), lambda a: not a.large, None),
        Step(send(lambda a: ks.Submit()), state(ks.State.PIN_ENTRY), None),
        Step(digits("1234"), state(ks.State.PIN_ENTRY), None),
        Step(send(lambda a: ks.Submit()), state(ks.State.AUTHENTICATING), None),
        Step(
            send(lambda a: ks.RegistryUnavailable(a.session.pending)),
            state(ks.State.SERVICE_ERROR),
            p + "14-registry-down",
        ),
        Step(send(lambda a: ks.Retry()), state(ks.State.AUTHENTICATING), None),
        Step(
            send(lambda a: ks.CitizenLocked(a.session.pending, 1800)),
            state(ks.State.LOCKED),
            p + "15-locked",
        ),
        Step(send(lambda a: ks.Finish()), state(ks.State.ATTRACT), None),
        *signed_in(),
        Step(send(lambda a: ks.ChooseEntitlement(1)), state(ks.State.PREPARING_PREVIEW), None),
        Step(
            send(lambda a: ks.RegistryRefused(a.session.pending, "not_close_relative")),
            state(ks.State.REFUSED),
            p + "16-refused",
        ),
        Step(send(lambda a: ks.Back()), state(ks.State.CHOOSE_DOCUMENT), None),
        Step(send(lambda a: ks.ChooseEntitlement(0)), state(ks.State.PREPARING_PREVIEW), None),
        Step(
            send(lambda a: ks.PreviewFailed(a.session.pending)),
            state(ks.State.PREVIEW),
            p + "17-preview-words",
        ),
        Step(send(lambda a: ks.Confirm()), state(ks.State.CHECKING_PRINTER), None),
        Step(
            send(lambda a: ks.PrinterChecked(a.session.pending, ks.PrinterState.PAPER_OUT)),
            state(ks.State.PRINTER_UNAVAILABLE),
            p + "18-printer-unavailable",
        ),
        Step(send(lambda a: ks.Finish()), state(ks.State.ATTRACT), p + "19-attract-out-of-service"),
        Step(
            send(lambda a: ks.PrinterStatusChanged(ks.PrinterState.READY)),
            lambda a: a.session.printing_available,
            None,
        ),
        Step(
            send(lambda a: ks.KioskStanding("kiosk_revoked")),
            state(ks.State.OUT_OF_SERVICE),
            p + "23-kiosk-revoked",
        ),
        Step(send(lambda a: ks.KioskStanding(None)), state(ks.State.ATTRACT), None),
        *signed_in(),
        Step(send(lambda a: ks.ChooseEntitlement(0)), state(ks.State.PREPARING_PREVIEW), None),
        Step(
            send(lambda a: ks.PreviewReady(a.session.pending, str(preview))),
            state(ks.State.PREVIEW),
            None,
        ),
        Step(send(lambda a: ks.Confirm()), state(ks.State.CHECKING_PRINTER), None),
        Step(
            send(lambda a: ks.PrinterChecked(a.session.pending, ks.PrinterState.READY)),
            state(ks.State.PAYMENT),
            None,
        ),
        *paid_and_issued("SIM-3F2A9C11D0E4-2", "B26-0000002-6"),
        Step(
            send(lambda a: ks.PrintFailed(a.session.pending, "paper-out")),
            state(ks.State.PRINT_FAILED),
            p + "20-print-failed",
        ),
        Step(send(lambda a: ks.Finish()), state(ks.State.ATTRACT), None),
        # collecting an order placed online
        *collected(),
        # technician
        Step(corner, state(ks.State.TECH_PIN), None, label="gesture"),
        Step(digits("2468"), state(ks.State.TECH_PIN), p + "21-tech-pin"),
        Step(send(lambda a: ks.Submit()), state(ks.State.TECH_VERIFYING), None),
        Step(
            send(lambda a: ks.TechnicianPinChecked(a.session.pending, True, 0.0)),
            state(ks.State.TECH_BUSY),
            None,
        ),
        Step(
            send(
                lambda a: ks.TechnicianData(
                    a.session.pending,
                    (ks.JobSummary(7, "B26-0000002-6", "failed", "paper-out"),),
                    (
                        "2026-11-21 09:14 printer_not_ready: paper_out",
                        "2026-11-21 09:15 print_failed: paper-out",
                    ),
                )
            ),
            state(ks.State.TECHNICIAN),
            p + "22-technician",
        ),
        Step(
            lambda a: a.toggle_technician_language(),
            lambda a: a.lang != lang,
            p + "22-technician-other-language",
        ),
        Step(send(lambda a: ks.Exit()), state(ks.State.ATTRACT), None),
        # the paper replaced: the next language's tour starts on a kiosk that can print
        Step(
            send(lambda a: ks.PrinterStatusChanged(ks.PrinterState.READY)),
            lambda a: a.session.printing_available,
            None,
        ),
    ]


_TOLERANCE = 1.0  # pixels of rounding


def _visible(widget: Any) -> bool:
    return float(getattr(widget, "opacity", 1)) > 0 and widget.width > 1 and widget.height > 1


def _describe(widget: Any) -> str:
    text = getattr(widget, "raw", None) or getattr(widget, "text", "") or ""
    return f"{type(widget).__name__}({text[:40]!r})"


def layout_problems(app: Any) -> list[str]:
    """What does not hold on the screen shown now (and the idle warning, when open)."""
    from kivy.core.window import Window
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView

    roots = [app.manager.current_screen]
    roots += [view for view in (app.idle_view, app.confirm_view) if view.parent]
    width, height = Window.size
    found: list[str] = []

    def visit(widget: Any, scrolled: bool) -> None:
        if not _visible(widget):
            return
        if not scrolled:
            x, y = widget.to_window(widget.x, widget.y)
            if (
                x < -_TOLERANCE
                or y < -_TOLERANCE
                or x + widget.width > width + _TOLERANCE
                or y + widget.height > height + _TOLERANCE
            ):
                found.append(
                    f"{_describe(widget)} leaves the window: "
                    f"({x:.0f},{y:.0f}) {widget.width:.0f}x{widget.height:.0f}"
                )
        if isinstance(widget, Label) and widget.text.strip():
            tw, th = widget.texture_size
            if tw > widget.width + _TOLERANCE or th > widget.height + _TOLERANCE:
                found.append(
                    f"{_describe(widget)} text {tw:.0f}x{th:.0f} in "
                    f"{widget.width:.0f}x{widget.height:.0f}"
                )
        if isinstance(widget, BoxLayout):
            shown = [c for c in widget.children if _visible(c)]
            for i, a in enumerate(shown):
                for b in shown[i + 1 :]:
                    if (
                        min(a.right, b.right) - max(a.x, b.x) > _TOLERANCE
                        and min(a.top, b.top) - max(a.y, b.y) > _TOLERANCE
                    ):
                        found.append(f"{_describe(a)} overlaps {_describe(b)}")
        for child in widget.children:
            visit(child, scrolled or isinstance(widget, ScrollView))

    for root in roots:
        visit(root, False)
    return found


def _large_ready(app: Any) -> bool:
    """Larger text on the screen shown (it is the citizen's choice, and a wipe resets it)."""
    from kiosk_app import session as ks

    if app.large or app.session.state.busy:
        return True
    app.send(ks.ToggleLargeText())
    return False


def run(
    size: tuple[int, int],
    languages: tuple[str, ...],
    *,
    large: bool = False,
    shots: Path | None = None,
    check: Path | None = None,
) -> int:
    prepare_offscreen(*size)
    import tempfile

    from kivy.clock import Clock

    from kiosk_app import session as ks
    from kiosk_app.adapters import LayoutRenderer
    from kiosk_app.i18n import Catalogues
    from kiosk_app.ui.app import KioskApp
    from verifier.documents import DocumentType, resolve_places
    from verifier.fixtures import PLACES, sample_documents

    tmp = Path(tempfile.mkdtemp(prefix="sanad-tour-"))
    document = resolve_places(sample_documents()[DocumentType.BIRTH_CERTIFICATE], PLACES)
    renderer = LayoutRenderer(width_dots=576, verifier_url="https://verify.example")
    steps: list[Step] = []
    for lang in languages:
        preview = renderer.preview(document, lang, tmp / f"preview-{lang}.png")
        steps += steps_for(lang, preview)
    problems: dict[str, list[str]] = {}
    for step in steps:
        if step.shot is None:
            continue
        name = step.shot
        met = step.until
        if large:
            step.until = lambda a, met=met: bool(met(a)) and _large_ready(a)  # type: ignore[misc]
        if check is not None:
            step.inspect = lambda a, name=name: problems.__setitem__(name, layout_problems(a))
    app = KioskApp(
        settings=ks.Settings(),
        catalogues=Catalogues.load(),
        runner_factory=lambda dispatch: RecordingRunner(),
        fullscreen=False,
    )
    # Screenshots want the screen to stand a moment; the layout eye only needs the frames in
    # which Kivy lays out what changed.
    settle = 0.3 if shots is not None else 0.0
    driver = Driver(app, steps, shots=shots, settle=settle, settle_frames=4, total_timeout=600.0)
    Clock.schedule_once(lambda _dt: driver.start(), 0.5)
    app.run()
    if check is not None:
        check.write_text(json.dumps(problems, ensure_ascii=False, indent=1), encoding="utf-8")
    if driver.error:
        print(f"{size}: {driver.error}", file=sys.__stderr__)
        return 1
    for path in driver.screenshots:
        print(path, file=sys.__stdout__)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1280x800", help="WIDTHxHEIGHT in pixels")
    parser.add_argument("--lang", default="ar,en")
    parser.add_argument("--large", action="store_true", help="larger text on every screen")
    parser.add_argument("--shots", type=Path, help="save a screenshot of each screen here")
    parser.add_argument("--check", type=Path, help="write the layout problems found here")
    args = parser.parse_args(argv)
    width, _, height = args.size.partition("x")
    return run(
        (int(width), int(height)),
        tuple(args.lang.split(",")),
        large=args.large,
        shots=args.shots,
        check=args.check,
    )


if __name__ == "__main__":
    sys.exit(main())
