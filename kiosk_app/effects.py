"""Runs the session's effects off the UI thread and feeds their outcomes back as events.

`Runner.run(effects)` is called on the UI thread with what `session.step` returned. Requests
(registry calls, payment, printer status, printing) go to one worker thread, in order, so a
citizen's journey never races itself; the idle timer is a `threading.Timer`. Every outcome is
handed to `dispatch`, which the Kivy App wraps in `Clock.schedule_once` so the event reaches
`step` on the UI thread; tests pass a queue's `put`.

The runner talks to the outside through small ports, each replaceable for another registry
client, printer or payment provider:

- `RegistryPort` (`kiosk_app.registry_port.ClientRegistry` adapts `registry.client`): its calls
  raise `registry.errors` exceptions, which are translated here, once, into result events.
- `PrinterPort` (`HardwarePrinter` opens `hardware.printer` for each job or status query).
- `kiosk_app.payment.PaymentProvider`, `kiosk_app.journal.Journal`, and a `TrustSource` that
  gives the current verified trust list for `verifier.verify`.

A preview's place codes are named from the same verified trust list (as a verifier names
them), so the specimen on the screen reads like the paper.

Money and paper rules live in the session; what this module guarantees is that nothing is
printed unless `verifier.verify` said VALID for that exact QR text, that a job is in the
journal (with the authorisation it holds) before its first byte goes out, that a capture or
void is recorded against that job (`Journal.settle`), so a reprint never finds a payment to
take twice, and that a failed capture or void is retried and recorded as a fault, never
silently dropped. One money decision is taken here, off the session: `purge` (the retention
period, run by the heartbeat thread) voids the payment of a job it is about to erase (or
captures it, for a printed job whose capture had failed).

A refusal of the kiosk itself (`KioskAuthError` kiosk_revoked or kiosk_unknown) becomes
`KioskRefused` for a journey's request and `KioskStanding` for the heartbeat and the
technician's registry check; a heartbeat the registry accepts reports `KioskStanding(None)`.

Errors: each handler catches its part's own error root, as fits it (`registry.errors.
RegistryError`, `hardware.errors.HardwareError`, `LayoutError`, `JournalError`,
`PaymentError`, `VerifierError` for the trust list, `OSError`), and turns it into that
request's event. Anything else (a `TypeError`, an `AttributeError`) is a bug: `_execute` logs it
with its traceback at ERROR and answers the request with `EffectFailed`, which ends the journey
on the attract screen (a `software_error` fault); it is never shown as "registry unavailable".

What it does not do: decide anything about the journey (that is `session.step`), or touch
Kivy. Logs carry kiosk ids, serial hashes and reasons, never names, PINs, tokens or QR texts.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import enum
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import nacl.exceptions
import nacl.pwhash
import stamina
from PIL import Image

from hardware.errors import HardwareError
from hardware.layout.errors import LayoutError
from kiosk_app import session as ks
from kiosk_app.errors import KioskError
from kiosk_app.files import private_dir
from kiosk_app.journal import Job, JobState, Journal, JournalError
from kiosk_app.payment import (
    PAYMENT_UNREACHABLE,
    PaymentDeclined,
    PaymentError,
    PaymentProvider,
    PaymentState,
)
from registry import client_bookings as cb
from registry import errors as rerr
from registry.codes import ErrorCode
from verifier.documents import Document, Place, resolve_places
from verifier.errors import VerifierError
from verifier.payload import Claims
from verifier.trust import TrustList, serial_hash
from verifier.trust_source import TrustSourceError
from verifier.verify import Status, verify

__all__ = [
    "HANDLERS",
    "INLINE_EFFECTS",
    "Dispatch",
    "DocumentRenderer",
    "OrderDocument",
    "PrintOutcome",
    "PrinterPort",
    "RegistryPort",
    "Runner",
    "ScannerPort",
    "TrustSource",
    "current_trust",
    "hash_technician_pin",
]

log = logging.getLogger(__name__)

Dispatch = Callable[[ks.Event], None]


class RegistryPort(Protocol):
    """What the kiosk asks the registry. Errors are `registry.errors` exceptions."""

    def authenticate(self, national_id: str, pin: str, method: ks.IdMethod) -> str: ...

    def entitlements(self, token: str) -> Sequence[ks.Entitlement]: ...

    def preview(self, token: str, entitlement: ks.Entitlement) -> Document | None:
        """The unsigned document as it would be issued; None when the registry has no preview."""
        ...

    def issue(
        self, token: str, entitlement: ks.Entitlement, idempotency_key: str, payment_reference: str
    ) -> tuple[str, str]:
        """Returns (serial, QR text)."""
        ...

    def end(self, token: str) -> None:
        """Log the citizen out (best effort; the token also expires by itself)."""
        ...

    def collect_order(self, order_code: str, pin: str, idempotency_key: str) -> OrderDocument:
        """The signed document of a paid kiosk order (the same one again on a repeat)."""
        ...

    def order_collected(self, order_code: str) -> None:
        """Record that the order's document was printed here."""
        ...

    def check_in(self, reference: str) -> ks.Ticket:
        """A booked citizen's queue ticket at this kiosk's office (the same again if asked
        twice)."""
        ...

    def walk_in_services(self) -> Sequence[ks.Service]: ...

    def walk_in(self, service: str) -> ks.Ticket: ...

    def booking_services(self) -> Sequence[ks.Service]: ...

    def booking_days(self, token: str, service: str) -> Sequence[ks.BookingDay]:
        """The service's days at this kiosk's office."""
        ...

    def booking_times(self, token: str, service: str, day: dt.date) -> Sequence[dt.time]: ...

    def book(
        self, token: str, service: str, slot: ks.Slot, idempotency_key: str, language: str
    ) -> ks.Booked:
        """Hold the time at this kiosk's office and confirm it. A taken time is `Conflict`
        slot_taken, its alternatives in `registry.client_bookings.alternatives`."""
        ...

    def ping(self) -> str: ...

    def heartbeat(self, report: Mapping[str, object]) -> None: ...

    def trust_list(self) -> bytes: ...


@dataclass(frozen=True)
class OrderDocument:
    """What `RegistryPort.collect_order` gives: the document and the order it is for."""

    serial: str
    qr_text: str = field(repr=False)
    document_type: int
    order_code: str
    replayed: bool = False


class TrustSource(Protocol):
    """`verifier.trust_source.TrustSource` as the runner uses it (the kiosk's fetches go
    through the signed registry client, its `fetch` seam)."""

    @property
    def trust_list(self) -> TrustList:
        """The list held; `TrustSourceError` when none is."""
        ...

    def refresh_sync(self) -> object:
        """Fetch once; a failed or refused fetch keeps the list held."""
        ...


def current_trust(source: TrustSource) -> TrustList:
    """The list `source` holds, fetching once when it holds none yet (`TrustSourceError` if
    there is still none)."""
    try:
        return source.trust_list
    except TrustSourceError:
        source.refresh_sync()
        return source.trust_list


class PrintOutcome(enum.Enum):
    PRINTED = "printed"
    FAILED = "failed"


class PrinterPort(Protocol):
    def status(self) -> ks.PrinterState: ...

    def print_image(self, image: Image.Image, label: str) -> tuple[PrintOutcome, str]:
        """Print a 1-bit image and cut; returns the outcome and, when failed, the reason."""
        ...


class ScannerPort(Protocol):
    def check(self) -> tuple[bool, str]: ...


class DocumentRenderer(Protocol):
    """The layout: verified claims (or a specimen) → images."""

    def receipt(self, claims: Claims, qr_text: str, language: str) -> Image.Image: ...

    def preview(self, document: Document, language: str, out: Path) -> Path: ...

    def test_page(self) -> Image.Image: ...

    def ticket(self, ticket: ks.Ticket, language: str) -> Image.Image:
        """A queue ticket as it prints."""
        ...


def hash_technician_pin(pin: str) -> str:
    """An Argon2id hash of the technician PIN for the config file."""
    return nacl.pwhash.argon2id.str(pin.encode("ascii")).decode("ascii")


def _check_technician_pin(stored: str, pin: str) -> bool:
    if not stored or not pin:
        return False
    try:
        return bool(nacl.pwhash.verify(stored.encode("ascii"), pin.encode("ascii")))
    except (nacl.exceptions.InvalidkeyError, nacl.exceptions.CryptoError, ValueError):
        return False


# the registry refuses the kiosk itself, not a request: out of service until it accepts it again
_KIOSK_REFUSALS = frozenset({ErrorCode.KIOSK_REVOKED, ErrorCode.KIOSK_UNKNOWN})


def _kiosk_refusal(exc: BaseException) -> str | None:
    if isinstance(exc, rerr.KioskAuthError) and exc.code in _KIOSK_REFUSALS:
        return exc.code.value
    return None


# what a trust source raises when it has no list to give: none verifies (VerifierError), the
# registry cannot give one, or the cache cannot be read
_TRUST_ERRORS = (VerifierError, rerr.RegistryError, OSError)
# what printing and the printer's status raise when the printer is away or faulty
_PRINTER_ERRORS = (HardwareError, OSError)
# what laying out a receipt or a preview raises on a document it cannot draw or a file it
# cannot write
_RENDER_ERRORS = (LayoutError, KioskError, OSError)


def _registry_event(ref: int, exc: rerr.RegistryError) -> ks.Event:
    """The one place where registry errors become session events."""
    refusal = _kiosk_refusal(exc)
    if refusal is not None:
        return ks.KioskRefused(ref, refusal)
    if isinstance(exc, rerr.InvalidCredentials):
        return ks.PinRejected(ref, exc.tries_remaining)
    if isinstance(exc, rerr.Locked):
        return ks.CitizenLocked(ref, None)
    if isinstance(exc, rerr.Throttled):
        if exc.code.value == "throttled":
            return ks.CitizenLocked(ref, max(1, round(exc.retry_after)))
        return ks.RegistryRefused(ref, exc.code.value)
    if isinstance(exc, rerr.RegistryUnreachable):
        return ks.RegistryUnavailable(ref)
    return ks.RegistryRefused(ref, exc.code.value)


def _unnamed_codes(document: Document) -> list[int]:
    values = [*document.fields.values(), document.centre]
    return [v.code for v in values if isinstance(v, Place) and v.code is not None and not v.name]


@dataclass
class _Verified:
    qr_text: str
    claims: Claims


class Runner:
    """Executes effects; call `run` from the UI thread, `close` on shutdown."""

    def __init__(
        self,
        *,
        dispatch: Dispatch,
        registry: RegistryPort,
        printer: PrinterPort,
        payment: PaymentProvider,
        journal: Journal,
        trust: TrustSource,
        renderer: DocumentRenderer,
        preview_dir: Path,
        kiosk_id: str,
        technician_pin_hash: str = "",
        scanner: ScannerPort | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.dispatch = dispatch
        self.registry = registry
        self.printer = printer
        self.payment = payment
        self.journal = journal
        self.trust = trust
        self.renderer = renderer
        self.preview_dir = preview_dir
        self.kiosk_id = kiosk_id
        self.technician_pin_hash = technician_pin_hash
        self.scanner = scanner
        self.clock = clock
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="kiosk-effects")
        self._timer: threading.Timer | None = None
        self._timer_lock = threading.Lock()
        self._verified: _Verified | None = None
        self._previews: list[Path] = []
        self._tokens: list[str] = []
        self.idle_deadline: float | None = None  # monotonic time the running idle timer fires
        self.last_error = ""
        self.app_version = ""  # reported with every heartbeat
        self._closed = False
        self._count_lock = threading.Lock()
        self._outstanding = 0
        self._remove_stale_previews()

    def _remove_stale_previews(self) -> None:
        # A kiosk killed mid-session never ran its wipe: the previous citizen's preview image
        # may still be on disk. Nothing in the preview directory outlives a session.
        if self.preview_dir.is_dir():
            for path in self.preview_dir.iterdir():
                if path.is_file():
                    path.unlink(missing_ok=True)

    # -- public ----------------------------------------------------------------------------

    def run(self, effects: Iterable[ks.Effect]) -> None:
        for effect in effects:
            if isinstance(effect, ks.StartIdleTimer):
                self._start_timer(effect)
            elif isinstance(effect, ks.StopIdleTimer):
                self._stop_timer()
            elif isinstance(effect, ks.WipeSession):
                self._submit(self._wipe)
            else:
                self._submit(self._execute, effect)

    def warm_up(self, *steps: Callable[[], object]) -> None:
        """Run one-time costs (imports, font and printer-profile loading) on the worker now,
        while the attract screen waits, instead of during a citizen's first journey.

        On a daemon thread of its own, not the effect workers: a kiosk stopped (SIGTERM) while
        it warms up must not wait for imports it will never use. A first journey that needs
        one meanwhile just waits on Python's import lock."""
        if self._closed or not steps:
            return
        with self._count_lock:
            self._outstanding += 1

        def warm() -> None:
            with self._count_lock:
                self._outstanding += len(steps) - 1
            for fn in steps:
                self._guarded(fn)

        threading.Thread(target=warm, name="kiosk-warm-up", daemon=True).start()

    def close(self) -> None:
        self._closed = True
        self._stop_timer()
        self._pool.shutdown(wait=True, cancel_futures=False)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every effect submitted so far has run (tests, shutdown)."""
        self._pool.submit(lambda: None).result(timeout)

    # -- plumbing --------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True while submitted effects (or the warm-up) have not finished."""
        with self._count_lock:
            return self._outstanding > 0

    def _submit(self, fn: Callable[..., object], *args: object) -> None:
        if self._closed:
            return
        with self._count_lock:
            self._outstanding += 1
        self._pool.submit(self._guarded, fn, *args)

    def _guarded(self, fn: Callable[..., object], *args: object) -> None:
        try:
            fn(*args)
        except Exception:  # a worker must never die: the next citizen still needs it
            log.exception("effect runner: %s failed", getattr(fn, "__name__", fn))
        finally:
            with self._count_lock:
                self._outstanding -= 1

    def _start_timer(self, effect: ks.StartIdleTimer) -> None:
        with self._timer_lock:
            if self._timer is not None:
                self._timer.cancel()
            timer = threading.Timer(effect.seconds, self.dispatch, (ks.IdleTimeout(effect.timer),))
            timer.daemon = True
            self._timer = timer
            self.idle_deadline = self.clock() + effect.seconds
            timer.start()

    def _stop_timer(self) -> None:
        with self._timer_lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self.idle_deadline = None

    def _wipe(self) -> None:
        self._verified = None
        tokens, self._tokens = self._tokens, []
        for token in tokens:
            try:
                self.registry.end(token)
            except rerr.RegistryError as exc:
                log.info("logout at wipe failed: %s", type(exc).__name__)
            except Exception as exc:  # a bug: logged as one, and the wipe still completes
                log.error("logout at wipe failed on a bug", exc_info=exc)
        for path in self._previews:
            path.unlink(missing_ok=True)
        self._previews.clear()

    def _fault(self, code: str, detail: str) -> None:
        self.last_error = f"{code}: {detail}"
        log.warning("kiosk %s fault %s: %s", self.kiosk_id, code, detail)
        try:
            self.journal.record_fault(code, detail)
        except (JournalError, sqlite3.Error, OSError):
            log.exception("could not record a fault in the journal")

    # -- effects ---------------------------------------------------------------------------

    def _execute(self, effect: ks.Effect) -> None:
        handler = HANDLERS.get(type(effect))
        if handler is None:
            raise TypeError(f"no handler for effect {type(effect).__name__}")
        try:
            handler(self, effect)
        except Exception as exc:
            # Every outage a handler expects is caught inside it and becomes its own event;
            # what reaches here is a bug. It is logged as one and ends the journey (the session
            # goes home), never shown as "registry unavailable".
            name = type(effect).__name__
            log.error("bug in the effect runner running %s", name, exc_info=exc)
            self.last_error = f"software_error: {name}"
            ref = getattr(effect, "ref", None)
            if isinstance(ref, int):
                self.dispatch(ks.EffectFailed(ref, name))

    def _do_AuthenticateCitizen(self, e: ks.AuthenticateCitizen) -> None:
        try:
            token = self.registry.authenticate(e.national_id, e.pin, e.method)
        except rerr.RegistryError as exc:
            self.dispatch(_registry_event(e.ref, exc))
            return
        self._tokens.append(token)
        self.dispatch(ks.Authenticated(e.ref, token))

    def _do_FetchEntitlements(self, e: ks.FetchEntitlements) -> None:
        try:
            found = tuple(self.registry.entitlements(e.token))
        except rerr.RegistryError as exc:
            self.dispatch(_registry_event(e.ref, exc))
            return
        self.dispatch(ks.EntitlementsLoaded(e.ref, found))

    def _do_RenderPreview(self, e: ks.RenderPreview) -> None:
        try:
            document = self.registry.preview(e.token, e.entitlement)
        except rerr.RegistryError as exc:
            self.dispatch(_registry_event(e.ref, exc))
            return
        if document is None:
            self.dispatch(ks.PreviewReady(e.ref, None))
            return
        document = self._named(document)
        try:
            private_dir(self.preview_dir)
            path = self.renderer.preview(
                document, e.language, self.preview_dir / f"preview-{e.ref}.png"
            )
        except _RENDER_ERRORS as exc:
            log.warning("preview could not be rendered: %s", type(exc).__name__)
            self.dispatch(ks.PreviewFailed(e.ref))
            return
        self._previews.append(path)
        self.dispatch(ks.PreviewReady(e.ref, str(path)))

    def _trust_current(self) -> TrustList:
        return current_trust(self.trust)

    def _trust_refreshed(self) -> TrustList:
        """Fetch now (an unknown signer may be a rotation not seen yet); the list held if the
        fetch fails or is refused."""
        self.trust.refresh_sync()
        return self.trust.trust_list

    def _named(self, document: Document) -> Document:
        """Place codes named from the verified trust list, as a verifier names them; a code the
        held list lacks may be newly published, so that costs one refresh."""
        try:
            named = resolve_places(document, self._trust_current().places)
            if _unnamed_codes(named):
                named = resolve_places(document, self._trust_refreshed().places)
        except _TRUST_ERRORS as exc:  # the preview still shows, with codes
            log.warning("no trust list to name the preview's places: %s", type(exc).__name__)
            return document
        return named

    def _do_CheckPrinter(self, e: ks.CheckPrinter) -> None:
        self.dispatch(ks.PrinterChecked(e.ref, self._printer_status()))

    def _printer_status(self) -> ks.PrinterState:
        try:
            return self.printer.status()
        except _PRINTER_ERRORS as exc:
            log.warning("printer status failed: %s", type(exc).__name__)
            return ks.PrinterState.UNKNOWN

    def _do_AuthorisePayment(self, e: ks.AuthorisePayment) -> None:
        try:
            auth = self.payment.authorise(e.amount, e.currency, e.reference)
        except PaymentDeclined as exc:
            self.dispatch(ks.PaymentDeclined(e.ref, exc.reason))
            return
        except PaymentError as exc:
            self._fault("payment_error", type(exc).__name__)
            self.dispatch(ks.PaymentDeclined(e.ref, "provider_error"))
            return
        self.dispatch(ks.PaymentAuthorised(e.ref, auth.id))

    def _do_IssueDocument(self, e: ks.IssueDocument) -> None:
        try:
            serial, qr_text = self.registry.issue(
                e.token, e.entitlement, e.idempotency_key, e.payment_reference
            )
        except rerr.RegistryError as exc:
            self.dispatch(_registry_event(e.ref, exc))
            return
        log.info(
            "kiosk %s: document issued, serial hash %s",
            self.kiosk_id,
            serial_hash(serial).hex()[:16],
        )
        self.dispatch(ks.DocumentIssued(e.ref, serial, qr_text))

    def _do_CollectOrder(self, e: ks.CollectOrder) -> None:
        try:
            got = self.registry.collect_order(e.order_code, e.pin, e.idempotency_key)
        except rerr.RegistryError as exc:
            self.dispatch(_registry_event(e.ref, exc))
            return
        log.info(
            "kiosk %s: order document %s, serial hash %s",
            self.kiosk_id,
            "replayed" if got.replayed else "issued",
            serial_hash(got.serial).hex()[:16],
        )
        self.dispatch(
            ks.OrderIssued(e.ref, got.serial, got.qr_text, got.document_type, got.order_code)
        )

    def _do_MarkOrderCollected(self, e: ks.MarkOrderCollected) -> None:
        """Retried while the registry cannot be reached (marking twice is harmless); an order
        left unmarked stays ready, and its code gives the same document again."""
        try:
            for attempt in stamina.retry_context(
                on=rerr.RegistryUnreachable,
                attempts=3,
                wait_initial=0.2,
                wait_max=1.0,
                timeout=15.0,
            ):
                with attempt:
                    self.registry.order_collected(e.order_code)
        except rerr.RegistryError as exc:
            if exc.code is ErrorCode.ORDER_COLLECTED:  # marked already (a repeat): done
                return
            self._fault(
                "order_not_marked", f"{serial_hash(e.serial).hex()[:16]} {type(exc).__name__}"
            )
            return
        log.info("kiosk %s: order marked collected", self.kiosk_id)

    def _verify(self, qr_text: str) -> tuple[Claims | None, str]:
        """Verify against the current trust list, refreshing it once for an unknown signer."""
        try:
            verdict = verify(qr_text, self._trust_current())
            if verdict.status is Status.UNKNOWN_SIGNER:
                verdict = verify(qr_text, self._trust_refreshed())
        except _TRUST_ERRORS as exc:  # no trust list at all, or the registry cannot give one
            log.warning("verification impossible: %s", exc)
            return None, "no_trust_list"
        if not verdict.valid or verdict.claims is None:
            return None, verdict.status.value
        return verdict.claims, ""

    def _do_VerifyDocument(self, e: ks.VerifyDocument) -> None:
        claims, reason = self._verify(e.qr_text)
        if claims is None:
            self.dispatch(ks.DocumentRejected(e.ref, reason))
            return
        self._verified = _Verified(e.qr_text, claims)
        self.dispatch(ks.DocumentVerified(e.ref))

    def _print(
        self,
        job_id: int,
        claims: Claims,
        qr_text: str,
        language: str,
        progress: Callable[[float], None],
    ) -> tuple[bool, str]:
        try:
            image = self.renderer.receipt(claims, qr_text, language)
        except _RENDER_ERRORS as exc:
            log.error("receipt layout failed: %s", exc)
            self.journal.mark(job_id, JobState.FAILED, "layout")
            return False, "layout"
        progress(0.3)
        self.journal.mark(job_id, JobState.PRINTING)
        try:
            outcome, reason = self.printer.print_image(image, label=f"job-{job_id}")
        except _PRINTER_ERRORS as exc:
            outcome, reason = PrintOutcome.FAILED, type(exc).__name__
        if outcome is PrintOutcome.PRINTED:
            self.journal.mark(job_id, JobState.PRINTED)
            progress(1.0)
            return True, ""
        self.journal.mark(job_id, JobState.FAILED, reason)
        return False, reason

    def _do_PrintDocument(self, e: ks.PrintDocument) -> None:
        verified = self._verified
        if verified is None or verified.qr_text != e.qr_text:
            # the session only prints after DocumentVerified; this guards the runner itself
            self.dispatch(ks.PrintFailed(e.ref, "not_verified", kept=False))
            return
        job_id = self.journal.add(e.serial, e.qr_text, e.language, payment=e.authorisation)
        self.dispatch(ks.PrintProgress(e.ref, 0.1))
        ok, reason = self._print(
            job_id,
            verified.claims,
            e.qr_text,
            e.language,
            lambda f: self.dispatch(ks.PrintProgress(e.ref, f)),
        )
        if ok:
            self.dispatch(ks.PrintCompleted(e.ref))
        else:
            self.dispatch(ks.PrintFailed(e.ref, reason))

    # -- appointments and the queue ---------------------------------------------------------

    def _ask(self, ref: int, fn: Callable[[], object], done: Callable[[Any], ks.Event]) -> None:
        """One registry request: its answer as `done` makes it an event, or its error's."""
        try:
            answer = fn()
        except rerr.RegistryError as exc:
            self.dispatch(_registry_event(ref, exc))
            return
        self.dispatch(done(answer))

    def _do_CheckIn(self, e: ks.CheckIn) -> None:
        self._ask(
            e.ref, lambda: self.registry.check_in(e.reference), lambda t: ks.TicketIssued(e.ref, t)
        )

    def _do_LoadWalkInServices(self, e: ks.LoadWalkInServices) -> None:
        self._ask(
            e.ref,
            lambda: tuple(self.registry.walk_in_services()),
            lambda found: ks.WalkInServicesLoaded(e.ref, found),
        )

    def _do_WalkIn(self, e: ks.WalkIn) -> None:
        self._ask(
            e.ref, lambda: self.registry.walk_in(e.service), lambda t: ks.TicketIssued(e.ref, t)
        )

    def _do_LoadBookingServices(self, e: ks.LoadBookingServices) -> None:
        self._ask(
            e.ref,
            lambda: tuple(self.registry.booking_services()),
            lambda found: ks.BookingServicesLoaded(e.ref, found),
        )

    def _do_LoadBookingDays(self, e: ks.LoadBookingDays) -> None:
        self._ask(
            e.ref,
            lambda: tuple(self.registry.booking_days(e.token, e.service)),
            lambda found: ks.BookingDaysLoaded(e.ref, found),
        )

    def _do_LoadBookingTimes(self, e: ks.LoadBookingTimes) -> None:
        self._ask(
            e.ref,
            lambda: tuple(self.registry.booking_times(e.token, e.service, e.day)),
            lambda found: ks.BookingTimesLoaded(e.ref, found),
        )

    def _do_BookAppointment(self, e: ks.BookAppointment) -> None:
        try:
            booked = self.registry.book(e.token, e.service, e.slot, e.idempotency_key, e.language)
        except rerr.RegistryError as exc:
            if exc.code is ErrorCode.SLOT_TAKEN:
                offered = tuple(ks.Slot(d, t) for d, t in cb.alternatives(exc))
                self.dispatch(ks.SlotTaken(e.ref, offered))
                return
            self.dispatch(_registry_event(e.ref, exc))
            return
        log.info("kiosk %s: an appointment was booked", self.kiosk_id)
        self.dispatch(ks.AppointmentBooked(e.ref, booked))

    def _do_PrintTicket(self, e: ks.PrintTicket) -> None:
        """A queue ticket goes straight to the printer: it holds no personal data and is not a
        document, so the journal keeps no job for it (checking in again prints it again)."""
        try:
            image = self.renderer.ticket(e.ticket, e.language)
        except _RENDER_ERRORS as exc:
            log.error("ticket layout failed: %s", exc)
            self.dispatch(ks.PrintFailed(e.ref, "layout", kept=False))
            return
        self.dispatch(ks.PrintProgress(e.ref, 0.3))
        try:
            outcome, reason = self.printer.print_image(image, label=f"ticket-{e.ticket.label}")
        except _PRINTER_ERRORS as exc:
            outcome, reason = PrintOutcome.FAILED, type(exc).__name__
        if outcome is PrintOutcome.PRINTED:
            log.info("kiosk %s: ticket %s printed", self.kiosk_id, e.ticket.label)
            self.dispatch(ks.PrintCompleted(e.ref))
        else:
            self.dispatch(ks.PrintFailed(e.ref, reason, kept=False))

    def _money(self, to: PaymentState, authorisation: str) -> bool:
        """Capture or void, retried on a provider that does not answer; the journal's job
        holding the authorisation records the outcome. True when it is done."""
        action = "capture" if to is PaymentState.CAPTURED else "void"
        fn = self.payment.capture if to is PaymentState.CAPTURED else self.payment.void
        try:
            # capture and void are idempotent: repeating one the provider did not answer is safe
            for attempt in stamina.retry_context(
                on=PAYMENT_UNREACHABLE, attempts=3, wait_initial=0.1, wait_max=0.5, timeout=10.0
            ):
                with attempt:
                    fn(authorisation)
        except PAYMENT_UNREACHABLE as exc:
            log.warning("payment %s failed after retries: %s", action, type(exc).__name__)
            self._fault(f"payment_{action}_failed", authorisation)
            return False
        except PaymentError as exc:
            self._fault(f"payment_{action}_refused", str(exc))
            return False
        try:
            self.journal.settle(authorisation, to)
        except (JournalError, sqlite3.Error):
            log.exception("could not record a payment %s in the journal", action)
        return True

    def _do_CapturePayment(self, e: ks.CapturePayment) -> None:
        self._money(PaymentState.CAPTURED, e.authorisation)

    def _do_VoidPayment(self, e: ks.VoidPayment) -> None:
        self._money(PaymentState.VOIDED, e.authorisation)

    def purge(self, older_than: dt.timedelta) -> int:
        """The retention period: settle the payments of the jobs about to be erased (a job
        never printed is given up: voided; a printed one whose capture failed: captured), then
        erase their personal data. Call from a background thread; returns how many jobs were
        purged."""
        for job in self.journal.expiring_payments(older_than):
            held = job.held_payment
            assert held is not None
            printed = job.state is JobState.PRINTED
            log.info("kiosk %s: job %d expires holding a payment", self.kiosk_id, job.id)
            self._money(PaymentState.CAPTURED if printed else PaymentState.VOIDED, held)
        return self.journal.purge(older_than)

    def _do_ReportFault(self, e: ks.ReportFault) -> None:
        self._fault(e.code.value, e.detail)

    # -- technician ------------------------------------------------------------------------

    def _do_VerifyTechnicianPin(self, e: ks.VerifyTechnicianPin) -> None:
        ok = _check_technician_pin(self.technician_pin_hash, e.pin)
        if not ok:
            log.warning("kiosk %s: wrong technician PIN", self.kiosk_id)
        self.dispatch(ks.TechnicianPinChecked(e.ref, ok, self.clock()))

    def _do_LoadTechnicianData(self, e: ks.LoadTechnicianData) -> None:
        jobs = tuple(
            ks.JobSummary(j.id, j.serial, j.state.value, j.reason)
            for j in self.journal.jobs(JobState.FAILED, JobState.QUEUED)
            if j.qr_text is not None
        )
        faults = tuple(
            f"{at.astimezone(dt.UTC):%Y-%m-%d %H:%M} {code}: {detail}"
            for at, code, detail in self.journal.recent_faults()
        )
        self.dispatch(ks.TechnicianData(e.ref, jobs, faults))

    def _do_TestPrint(self, e: ks.TestPrint) -> None:
        try:
            outcome, reason = self.printer.print_image(self.renderer.test_page(), label="test")
        except _PRINTER_ERRORS as exc:
            outcome, reason = PrintOutcome.FAILED, type(exc).__name__
        status = self._printer_status()
        ok = outcome is PrintOutcome.PRINTED
        self.dispatch(ks.TechnicianActionDone(e.ref, ok, "test print" if ok else reason, status))

    def _do_ReprintJob(self, e: ks.ReprintJob) -> None:
        try:
            job = self.journal.get(e.job_id)
        except JournalError:
            self.dispatch(ks.TechnicianActionDone(e.ref, False, f"no job {e.job_id}"))
            return
        if job.qr_text is None:
            self.dispatch(ks.TechnicianActionDone(e.ref, False, "purged"))
            return
        claims, reason = self._verify(job.qr_text)
        if claims is None:
            self.dispatch(ks.TechnicianActionDone(e.ref, False, reason))
            return
        ok, reason = self._print(job.id, claims, job.qr_text, job.language, lambda f: None)
        status = self._printer_status()
        if not ok:
            self.dispatch(ks.TechnicianActionDone(e.ref, False, reason, status))
            return
        # the payment the job still holds (re-read: never one captured or voided meanwhile)
        self.dispatch(ks.JobReprinted(e.ref, job.serial, self._held(job), status))

    def _held(self, job: Job) -> str | None:
        try:
            return self.journal.get(job.id).held_payment
        except JournalError:
            return None

    def _do_AbandonJob(self, e: ks.AbandonJob) -> None:
        try:
            job = self.journal.cancel(e.job_id)
        except JournalError as exc:
            self.dispatch(ks.TechnicianActionDone(e.ref, False, str(exc)))
            return
        log.info("kiosk %s: job %d cancelled by the technician", self.kiosk_id, job.id)
        self.dispatch(ks.JobAbandoned(e.ref, job.serial, job.held_payment))

    def _do_CheckRegistry(self, e: ks.CheckRegistry) -> None:
        started = time.monotonic()
        try:
            detail = self.registry.ping()
        except rerr.RegistryError as exc:
            self.dispatch(ks.TechnicianActionDone(e.ref, False, type(exc).__name__))
            return
        ms = (time.monotonic() - started) * 1000
        # the health check is anonymous: a signed heartbeat says whether this kiosk is accepted
        refused = self._beat(self._printer_status())
        if refused is not None:
            self.dispatch(ks.TechnicianActionDone(e.ref, False, f"{detail}; {refused}"))
            return
        self.dispatch(ks.TechnicianActionDone(e.ref, True, f"{detail} ({ms:.0f} ms)"))

    def _do_CheckScanner(self, e: ks.CheckScanner) -> None:
        if self.scanner is None:
            self.dispatch(ks.TechnicianActionDone(e.ref, False, "no scanner configured"))
            return
        ok, detail = self.scanner.check()
        self.dispatch(ks.TechnicianActionDone(e.ref, ok, detail))

    # -- heartbeat -------------------------------------------------------------------------

    def heartbeat(self, app_version: str) -> ks.PrinterState:
        """One heartbeat (call from a background thread): printer status to the session and
        the registry, with the journal backlog and the last error; the registry's answer says
        whether it still accepts this kiosk (`KioskStanding`)."""
        self.app_version = app_version
        status = self._printer_status()
        self.dispatch(ks.PrinterStatusChanged(status))
        self._beat(status)
        return status

    def _beat(self, status: ks.PrinterState) -> str | None:
        """Send one heartbeat; tell the session the kiosk's standing when the registry answered.
        Returns the refusal code when the registry refuses this kiosk."""
        report = {
            "printer_state": status,
            "app_version": self.app_version,
            "last_error": self.last_error,
            "journal_backlog": self.journal.backlog(),
            "failed_jobs": len(self.journal.jobs(JobState.FAILED)),
        }
        try:
            self.registry.heartbeat(report)
        except rerr.RegistryError as exc:
            refused = _kiosk_refusal(exc)
            if refused is None:
                log.warning("heartbeat to the registry failed: %s", type(exc).__name__)
                return None
            log.warning("kiosk %s: the registry refuses this kiosk (%s)", self.kiosk_id, refused)
            self.dispatch(ks.KioskStanding(refused))
            return refused
        self.dispatch(ks.KioskStanding(None))
        return None


# Every effect the workers run, and its handler (the session's effects are a closed set: a test
# checks that each is here, or is one of the three `run` handles on the spot)
HANDLERS: dict[type[ks.Effect], Callable[[Runner, Any], None]] = {
    ks.AuthenticateCitizen: Runner._do_AuthenticateCitizen,
    ks.FetchEntitlements: Runner._do_FetchEntitlements,
    ks.RenderPreview: Runner._do_RenderPreview,
    ks.CheckPrinter: Runner._do_CheckPrinter,
    ks.AuthorisePayment: Runner._do_AuthorisePayment,
    ks.IssueDocument: Runner._do_IssueDocument,
    ks.CollectOrder: Runner._do_CollectOrder,
    ks.MarkOrderCollected: Runner._do_MarkOrderCollected,
    ks.VerifyDocument: Runner._do_VerifyDocument,
    ks.PrintDocument: Runner._do_PrintDocument,
    ks.CapturePayment: Runner._do_CapturePayment,
    ks.VoidPayment: Runner._do_VoidPayment,
    ks.ReportFault: Runner._do_ReportFault,
    ks.VerifyTechnicianPin: Runner._do_VerifyTechnicianPin,
    ks.LoadTechnicianData: Runner._do_LoadTechnicianData,
    ks.TestPrint: Runner._do_TestPrint,
    ks.ReprintJob: Runner._do_ReprintJob,
    ks.AbandonJob: Runner._do_AbandonJob,
    ks.CheckRegistry: Runner._do_CheckRegistry,
    ks.CheckScanner: Runner._do_CheckScanner,
    ks.CheckIn: Runner._do_CheckIn,
    ks.LoadWalkInServices: Runner._do_LoadWalkInServices,
    ks.WalkIn: Runner._do_WalkIn,
    ks.PrintTicket: Runner._do_PrintTicket,
    ks.LoadBookingServices: Runner._do_LoadBookingServices,
    ks.LoadBookingDays: Runner._do_LoadBookingDays,
    ks.LoadBookingTimes: Runner._do_LoadBookingTimes,
    ks.BookAppointment: Runner._do_BookAppointment,
}
# handled by `run` itself, on the UI thread
INLINE_EFFECTS: frozenset[type[ks.Effect]] = frozenset(
    {ks.StartIdleTimer, ks.StopIdleTimer, ks.WipeSession}
)
