"""Regenerate docs/gallery/kiosk/: every kiosk screen in Arabic and English, offscreen.

    .venv/bin/python scripts/make_kiosk_gallery.py [--out docs/gallery/kiosk] [--lang ar,en]

The real Kivy app is driven with simulated touches through the journey and its error screens.
The registry, printer and payment are not needed here: a recording runner stands in for the
effect runner and the script answers each request with a plausible result event (the GUI tests
in tests/kiosk/ run the same screens against the real registry and printer emulator). The
preview image is a real layout of a sample document. Run one language per process (Kivy
has one window per process); without --lang the script runs itself once per language.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk_app.ui.driver import Driver, Step, prepare_offscreen, tap_at, tap_text  # noqa: E402


class RecordingRunner:
    """Keeps the effects instead of running them; the script plays the outside world."""

    def __init__(self) -> None:
        self.effects: list[Any] = []
        self.idle_deadline = None

    def run(self, effects: Iterable[Any]) -> None:
        self.effects.extend(effects)

    def close(self) -> None:
        pass


def steps_for(lang: str, preview: Path) -> list[Step]:
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
            50000,
            "YER",
        ),
        ks.Entitlement(
            "2:P2",
            2,
            "محمد عبد الرحمن محمود الشوابكة",
            "Mohammad Abdulrahman Al-Shawabkeh",
            "parent",
            50000,
            "YER",
        ),
        ks.Entitlement(
            "3:M1",
            3,
            "عبد الله الشوابكة وسارة الكيلاني",
            "Abdullah Al-Shawabkeh and Sara Al-Kilani",
            "spouse",
            75000,
            "YER",
        ),
        ks.Entitlement(
            "6:F1",
            6,
            "أسرة عبد الله محمد الشوابكة",
            "Family of Abdullah Al-Shawabkeh",
            "family",
            100000,
            "YER",
        ),
    )

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
        from kivy.core.window import Window

        for _ in range(5):
            tap_at(10, Window.height - 10)

    p = f"{lang}-"
    return [
        Step(None, state(ks.State.ATTRACT), "attract", label="attract"),
        Step(
            lambda app: tap_at(640, 300), state(ks.State.LANGUAGE), p + "01-language", label="begin"
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
        Step(send(lambda a: ks.Pay()), state(ks.State.AUTHORISING_PAYMENT), None),
        Step(
            send(lambda a: ks.PaymentAuthorised(a.session.pending, "SIM-1")),
            state(ks.State.ISSUING),
            None,
        ),
        Step(
            send(lambda a: ks.DocumentIssued(a.session.pending, "BI26-00001234", "SN1D:X")),
            state(ks.State.VERIFYING),
            None,
        ),
        Step(
            send(lambda a: ks.DocumentVerified(a.session.pending)), state(ks.State.PRINTING), None
        ),
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
        Step(send(lambda a: ks.Pay()), state(ks.State.AUTHORISING_PAYMENT), None),
        Step(
            send(lambda a: ks.PaymentAuthorised(a.session.pending, "SIM-2")),
            state(ks.State.ISSUING),
            None,
        ),
        Step(
            send(lambda a: ks.DocumentIssued(a.session.pending, "BI26-00001235", "SN1D:X")),
            state(ks.State.VERIFYING),
            None,
        ),
        Step(
            send(lambda a: ks.DocumentVerified(a.session.pending)), state(ks.State.PRINTING), None
        ),
        Step(
            send(lambda a: ks.PrintFailed(a.session.pending, "paper-out")),
            state(ks.State.PRINT_FAILED),
            p + "20-print-failed",
        ),
        Step(send(lambda a: ks.Finish()), state(ks.State.ATTRACT), None),
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
                    (ks.JobSummary(7, "BI26-00001235", "failed", "paper-out"),),
                    (
                        "2026-11-21 09:14 printer_not_ready: paper_out",
                        "2026-11-21 09:15 print_failed: paper-out",
                    ),
                )
            ),
            state(ks.State.TECHNICIAN),
            p + "22-technician",
        ),
        Step(send(lambda a: ks.Exit()), state(ks.State.ATTRACT), None),
    ]


def run_language(lang: str, out: Path) -> int:
    prepare_offscreen()
    import tempfile

    from kiosk_app import session as ks
    from kiosk_app.adapters import LayoutRenderer
    from kiosk_app.i18n import Catalogues
    from kiosk_app.ui.app import KioskApp
    from verifier.documents import DocumentType, resolve_places
    from verifier.fixtures import PLACES, sample_documents

    tmp = Path(tempfile.mkdtemp(prefix="sanad-gallery-"))
    # As the kiosk shows it: place codes named from the trust list's table.
    document = resolve_places(sample_documents()[DocumentType.BIRTH_CERTIFICATE], PLACES)
    preview = LayoutRenderer(width_dots=576, verifier_url="https://verify.example").preview(
        document, lang, tmp / "preview.png"
    )
    runner = RecordingRunner()
    app = KioskApp(
        settings=ks.Settings(),
        catalogues=Catalogues.load(),
        runner_factory=lambda dispatch: runner,
        fullscreen=False,
    )
    driver = Driver(app, steps_for(lang, preview), shots=out)
    from kivy.clock import Clock

    Clock.schedule_once(lambda _dt: driver.start(), 0.5)
    app.run()
    if driver.error:
        print(f"{lang}: {driver.error}", file=sys.__stderr__)
        return 1
    for path in driver.screenshots:
        print(path, file=sys.__stdout__)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "gallery" / "kiosk")
    parser.add_argument("--lang", default="")
    args = parser.parse_args()
    if args.lang:
        return run_language(args.lang, args.out)
    status = 0
    for lang in ("ar", "en"):
        status |= subprocess.call(
            [sys.executable, __file__, "--out", str(args.out), "--lang", lang]
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
