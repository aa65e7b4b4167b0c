"""The root of every error the kiosk package raises on purpose.

    KioskError
     ├── ConfigError            kiosk_app.config: the configuration is missing or wrong
     ├── CatalogueError         kiosk_app.i18n: a translation catalogue is missing or wrong
     ├── SessionError           kiosk_app.session
     │    └── InvalidTransition an event the current state has no transition for
     ├── JournalError           kiosk_app.journal
     │    └── UnknownJob
     ├── PaymentError           kiosk_app.payment
     │    ├── PaymentDeclined   the provider said no (reason code for the citizen)
     │    ├── PaymentStateError capture after void, void after capture, unknown authorisation
     │    └── PaymentUnavailable the provider did not answer (retried)
     └── ScriptError            kiosk_app.ui.script: a scripted step cannot be read or done

`hardware.layout` (the paper stream's) keeps its own root, `LayoutError`. Errors of the parts
the kiosk drives keep theirs too: `registry.errors.RegistryError` (the registry client),
`hardware.errors.HardwareError` (printer, scanner), `verifier.errors.VerifierError`.

What this module does not do: catch anything.
"""

from __future__ import annotations

__all__ = ["KioskError"]


class KioskError(Exception):
    """Root of the kiosk's own errors."""
