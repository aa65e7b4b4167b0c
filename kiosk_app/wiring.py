"""Build a working kiosk from its configuration: the runner and its background services.

`KioskServices.start(config, dispatch)` opens the journal, loads the device key and the pinned
root key, makes the registry client, the printer, the layout, the payment provider and the
trust list cache, builds the `Runner`, and starts two background threads: the heartbeat
(printer status to the session and to the registry every `heartbeat_seconds`; the journal
purge once a day, which settles the payments of the jobs it erases) and, when a scanner port
is configured, the ID-card scanner feeding `CardScanned` events. `stop()` ends them and closes
everything.

What it does not do: run Kivy (the App takes `services.runner`), or decide anything.

Exception tree: configuration problems surface as `kiosk_app.config.ConfigError`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from kiosk_app import session as ks
from kiosk_app.adapters import HardwarePrinter, LayoutRenderer
from kiosk_app.config import ConfigError, KioskConfig
from kiosk_app.effects import Dispatch, Runner, current_trust
from kiosk_app.files import private_dir
from kiosk_app.journal import Journal
from kiosk_app.payment import PaymentProvider, SimulatedProvider
from kiosk_app.registry_port import ClientRegistry
from verifier.trust_source import TrustSource

__all__ = ["APP_VERSION", "KioskServices", "ScannerCheck"]

log = logging.getLogger(__name__)

APP_VERSION = "0.1.0"
_PURGE_EVERY = 24 * 3600.0


@dataclass
class ScannerCheck:
    """The scanner as the technician's "check scanner" button sees it."""

    scanner: object

    def check(self) -> tuple[bool, str]:
        state = getattr(self.scanner, "state", None)
        value = getattr(state, "value", "unknown")
        return value == "connected", f"scanner {value}"


def _warm(config: KioskConfig) -> None:
    """Imports and data the first journey would otherwise load while a citizen waits."""
    from hardware.layout.fonts import default_fonts
    from hardware.layout.receipt import render_receipt
    from hardware.models import resolve_model

    resolve_model(config.printer_profile, config.printer_width)
    default_fonts()
    del render_receipt


def _payment(config: KioskConfig) -> PaymentProvider:
    if config.payment_provider != "simulated":
        raise ConfigError(f"unknown payment provider {config.payment_provider!r}")
    return SimulatedProvider(decline_over=config.payment_decline_over)


@dataclass
class KioskServices:
    config: KioskConfig
    runner: Runner
    journal: Journal
    payment: PaymentProvider
    client: object
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _scanner: object | None = None

    @classmethod
    def start(
        cls, config: KioskConfig, dispatch: Dispatch, *, background: bool = True
    ) -> KioskServices:
        from registry.client import RegistryClient
        from verifier.errors import VerifierError
        from verifier.keys import load_public_key, load_signing_key

        try:
            key = load_signing_key(config.key_path)
        except (OSError, VerifierError) as exc:
            raise ConfigError(f"kiosk key {config.key_path}: {exc}") from exc
        if config.root_key_path is None:
            raise ConfigError("[registry] root_key (the authority's public key) is required")
        try:
            root = load_public_key(config.root_key_path)
        except (OSError, VerifierError) as exc:
            raise ConfigError(f"root key {config.root_key_path}: {exc}") from exc
        private_dir(config.data_dir)
        journal = Journal(config.journal_path)
        client = RegistryClient(
            config.registry_url, config.kiosk_id, key, timeout=config.registry_timeout
        )
        registry = ClientRegistry(client, office=config.office or None)
        # the verifier's trust source (cache, rollback and same-sequence refusals, the pinned
        # minimum sequence), fetching through the signed registry client
        trust = TrustSource(
            [root],
            url=f"{config.registry_url.rstrip('/')}/api/v1/trust-list",
            cache_dir=config.data_dir,
            min_sequence=config.min_sequence,
            fetch=registry.trust_fetch,
        )
        trust.load_cache()
        payment = _payment(config)
        services = cls(config, None, journal, payment, client)  # type: ignore[arg-type]
        scanner_check = None
        if config.scanner_port:
            scanner_check = services._start_scanner(dispatch)
        services.runner = Runner(
            dispatch=dispatch,
            registry=registry,
            printer=HardwarePrinter(
                config.printer_url,
                width_dots=config.printer_width,
                profile=config.printer_profile,
                timeout=config.printer_timeout,
                job_timeout=config.print_seconds,
            ),
            payment=payment,
            journal=journal,
            trust=trust,
            renderer=LayoutRenderer(
                width_dots=config.printer_width,
                verifier_url=config.verifier_url,
                timezone=config.timezone,
                trust=lambda: current_trust(trust),
            ),
            preview_dir=config.data_dir / "previews",
            kiosk_id=config.kiosk_id,
            technician_pin_hash=config.technician_pin_hash,
            scanner=scanner_check,
        )
        services.runner.warm_up(lambda: _warm(config))
        if background:
            services._spawn(services._heartbeat_loop, "kiosk-heartbeat")
        return services

    def _spawn(self, target: object, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _start_scanner(self, dispatch: Dispatch) -> ScannerCheck:
        from hardware.scanner import Scanner

        def on_scan(scan: object) -> None:
            text = getattr(scan, "text", "")
            dispatch(ks.CardScanned(text))

        scanner = Scanner(
            self.config.scanner_port,
            baudrate=self.config.scanner_baudrate,
            validator=lambda text: bool(text.strip()),  # the session decides what is valid
            on_scan=on_scan,
        )
        scanner.start()
        self._scanner = scanner
        return ScannerCheck(scanner)

    def _heartbeat_loop(self) -> None:
        last_purge = 0.0
        while not self._stop.is_set():
            try:
                self.runner.heartbeat(APP_VERSION)
                if time.monotonic() - last_purge > _PURGE_EVERY:
                    purged = self.runner.purge(dt.timedelta(days=self.config.retention_days))
                    if purged:
                        log.info("journal: personal data purged from %d job(s)", purged)
                    last_purge = time.monotonic()
            except Exception:
                log.exception("heartbeat failed")
            self._stop.wait(self.config.heartbeat_seconds)

    def stop(self) -> None:
        self._stop.set()
        if self._scanner is not None:
            self._scanner.stop()  # type: ignore[attr-defined]
        self.runner.close()
        # the heartbeat is a daemon whose journal writes are transactions: a stop (SIGTERM)
        # gives it a moment to finish a write, not the length of a registry retry
        for thread in self._threads:
            thread.join(timeout=1.0)
        self.client.close()  # type: ignore[attr-defined]


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("sanad")) / "kiosk.toml"
