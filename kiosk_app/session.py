"""The citizen's journey at the kiosk as a pure state machine, in the manner of h11's `_state.py`.

One function drives everything: ``step(session, event) -> (session, effects)``. The session is a
frozen dataclass, states are a `State` enum, events are small frozen dataclasses and effects are
data describing what should happen next (call the registry, check the printer, start the idle
timer...). `kiosk_app.effects` runs the effects off the UI thread and feeds their outcome back
as events; the Kivy App shows the screen named by ``session.state``.

What this module deliberately does not do: touch widgets, clocks, sockets, files, the printer or
randomness. Time and entropy arrive inside events (``Begin.nonce``, ``TechnicianGesture.at``).

Rules that hold on every path (the tests check each):

- An event that has no transition from the current state raises `InvalidTransition`.
- A result event whose ``ref`` does not match the request the session is waiting for, and an
  `IdleTimeout` for a timer that is no longer current, are stale: they are ignored (the same
  session and no effects), so a late answer can never act on the next citizen's session.
- Money: the payment is authorised before issuing, captured only after the printer confirmed
  the print, and voided on every path that ends without a printed document, with one
  exception: a print that failed after its job was written to the journal hands the open
  authorisation over to that job (`PrintDocument.authorisation`). The technician's reprint of
  the job captures it (`JobReprinted`); cancelling the job voids it (`JobAbandoned`), and so
  does the runner when the journal purges the job after the retention period.
- A kiosk the registry refuses as such (`KioskRefused`: revoked or unknown) is out of service:
  the journey ends (its authorisation voided), and until the registry accepts the kiosk again
  (`KioskStanding`, from the heartbeat or the technician's registry check) every end of a
  session lands on `OUT_OF_SERVICE` instead of the attract screen. Touches do nothing there;
  the technician's gesture still opens technician mode.
- The printer's status is checked before any payment is asked for; a printer that is not ready
  ends the journey before payment and marks the kiosk out of service for printing.
- The idempotency key of an issuance is derived from the journey's nonce and purchase number,
  so every retry of the same purchase carries the same key.
- Leaving a journey (finish, cancel, idle timeout) emits `WipeSession` and returns a session
  holding nothing of the citizen: no ID, PIN, token, names, preview, order code or serial.
- Collecting an order placed online (``Begin(collect=True)``, or an order QR scanned where the
  ID is asked for): the order code's check character is checked as it is typed, so a typo
  never reaches the registry; the code and the PIN go in one request (`CollectOrder`), whose
  document is verified and printed exactly as a purchase's, with nothing to pay. Only once the
  printer confirmed the print is the order marked collected (`MarkOrderCollected`); a print
  that failed leaves it ready, and the same code gives back the same document (the registry
  replays it), here or at any kiosk.
- Appointments (``Begin(purpose=...)``): "I have an appointment" takes the booking's QR
  (``SANAD-BOOKING:<ref>``) or its reference typed on the order-code keypad (the same alphabet
  and check character), "queue ticket" a walk-in service; neither needs a sign-in. The printer
  is checked before the registry is asked for a ticket (a walk-in ticket is not asked twice),
  and the ticket screen shows the number once the printer confirmed the print. "Book an
  appointment" signs the citizen in, then service → day → time (at this kiosk's office) →
  confirm; a time taken meanwhile comes back with the registry's alternatives to choose from.

Exception tree::

    SessionError
     └── InvalidTransition
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
import re
from dataclasses import dataclass, field

from hardware.status import PrinterState  # the one printer-state enum, hardware's
from kiosk_app.errors import KioskError
from registry.orders import codes as order_codes  # the registry's own, pure: one alphabet
from verifier import national_id

__all__ = [
    "BOOKING_QR_PREFIX",
    "ORDER_CODE_KEYS",
    "ORDER_CODE_LENGTH",
    "PIN_MAX",
    "PIN_MIN",
    "TECH_PIN_MAX",
    "AbandonJob",
    "AuthenticateCitizen",
    "Authenticated",
    "AuthorisePayment",
    "Back",
    "Begin",
    "CancelJob",
    "CapturePayment",
    "CardScanned",
    "CheckPrinter",
    "CheckRegistry",
    "CheckScanner",
    "ChooseEntitlement",
    "ChooseLanguage",
    "CitizenLocked",
    "CollectOrder",
    "Collection",
    "Confirm",
    "ContinueSession",
    "DocumentIssued",
    "DocumentRejected",
    "DocumentVerified",
    "Effect",
    "EffectFailed",
    "Entitlement",
    "EntitlementsLoaded",
    "Event",
    "Exit",
    "FaultCode",
    "FetchEntitlements",
    "Finish",
    "IdMethod",
    "IdStatus",
    "IdleTimeout",
    "InvalidTransition",
    "IssueDocument",
    "JobAbandoned",
    "JobReprinted",
    "JobSummary",
    "Journey",
    "KeypadBackspace",
    "KeypadChar",
    "KeypadClear",
    "KeypadDigit",
    "KioskRefused",
    "KioskStanding",
    "LoadTechnicianData",
    "MarkOrderCollected",
    "Notice",
    "OrderIssued",
    "Pay",
    "PaymentAuthorised",
    "PaymentDeclined",
    "PinRejected",
    "PreviewFailed",
    "PreviewReady",
    "PrintCompleted",
    "PrintDocument",
    "PrintFailed",
    "PrintProgress",
    "PrinterChecked",
    "PrinterState",
    "PrinterStatusChanged",
    "RegistryRefused",
    "RegistryUnavailable",
    "RenderPreview",
    "ReportFault",
    "ReprintJob",
    "Retry",
    "Session",
    "SessionError",
    "Settings",
    "StartIdleTimer",
    "State",
    "StopIdleTimer",
    "Submit",
    "TechAction",
    "TechnicianAction",
    "TechnicianActionDone",
    "TechnicianData",
    "TechnicianGesture",
    "TechnicianPinChecked",
    "TestPrint",
    "ToggleLargeText",
    "VerifyDocument",
    "VerifyTechnicianPin",
    "VoidPayment",
    "WipeSession",
    "initial",
    "scanned_order",
    "step",
]

log = logging.getLogger(__name__)

PIN_MIN = 4
PIN_MAX = 8
TECH_PIN_MAX = 12
TECH_FREE_TRIES = 3  # technician PIN failures before the growing lock-out starts
TECH_LOCK_BASE = 30.0  # seconds of the first lock-out; it doubles with every further failure
TECH_LOCK_MAX = 3600.0
# An ID card's own number as its barcode carries it (letters, then digits); the registry looks
# it up. A bare number must be a valid national ID: a misread one is refused here.
_CARD_NUMBER = re.compile(r"[A-Z]{2,4}[0-9]{5,12}")


class SessionError(KioskError):
    """Root of this module's errors."""


class InvalidTransition(SessionError):
    """An event arrived in a state that has no transition for it (a bug in the caller)."""

    def __init__(self, state: State, event: Event) -> None:
        super().__init__(f"no transition from {state.name} on {type(event).__name__}")
        self.state = state
        self.event = event


# ---------------------------------------------------------------------------------------------
# states and small value types


class State(enum.Enum):
    ATTRACT = "attract"
    LANGUAGE = "language"
    ID_ENTRY = "id_entry"
    PIN_ENTRY = "pin_entry"
    AUTHENTICATING = "authenticating"
    ORDER_ENTRY = "order_entry"  # the order code, typed or scanned
    ORDER_PIN = "order_pin"  # the PIN of the citizen who placed the order
    COLLECTING = "collecting"  # the registry looks the order up and gives its document
    LOADING_ENTITLEMENTS = "loading_entitlements"
    CHOOSE_DOCUMENT = "choose_document"
    PREPARING_PREVIEW = "preparing_preview"
    PREVIEW = "preview"
    CHECKING_PRINTER = "checking_printer"
    PRINTER_UNAVAILABLE = "printer_unavailable"
    PAYMENT = "payment"
    AUTHORISING_PAYMENT = "authorising_payment"
    PAYMENT_DECLINED = "payment_declined"
    ISSUING = "issuing"
    VERIFYING = "verifying"
    PRINTING = "printing"
    DONE = "done"
    PRINT_FAILED = "print_failed"
    SERVICE_ERROR = "service_error"  # registry unreachable or slow: retry or cancel
    REFUSED = "refused"  # the registry said no, with a reason
    OUT_OF_SERVICE = "out_of_service"  # the registry refuses this kiosk: no citizen journeys
    LOCKED = "locked"  # the citizen's PIN is locked
    ISSUE_FAILED = "issue_failed"  # the issued document did not verify: nothing printed, no charge
    IDLE_WARNING = "idle_warning"
    TECH_PIN = "tech_pin"
    TECH_VERIFYING = "tech_verifying"
    TECHNICIAN = "technician"
    TECH_BUSY = "tech_busy"
    # appointments and the queue
    CHECKIN_ENTRY = "checkin_entry"  # the booking's QR scanned or its reference typed
    TICKET_PRINTER = "ticket_printer"  # the printer is checked before a ticket is asked for
    CHECKING_IN = "checking_in"
    LOADING_WALK_IN = "loading_walk_in"
    CHOOSE_WALK_IN = "choose_walk_in"
    ISSUING_TICKET = "issuing_ticket"  # a walk-in ticket
    PRINTING_TICKET = "printing_ticket"
    TICKET = "ticket"  # the number, the people ahead, the expected wait
    LOADING_BOOKING = "loading_booking"  # the services, then a service's days, then a day's times
    CHOOSE_SERVICE = "choose_service"
    CHOOSE_DAY = "choose_day"
    CHOOSE_TIME = "choose_time"
    CONFIRM_BOOKING = "confirm_booking"
    BOOKING = "booking"  # hold and confirm
    BOOKED = "booked"

    @property
    def busy(self) -> bool:
        """A state that waits for an effect's result; it runs no idle timer."""
        return self in _BUSY


_BUSY = frozenset(
    {
        State.AUTHENTICATING,
        State.COLLECTING,
        State.LOADING_ENTITLEMENTS,
        State.PREPARING_PREVIEW,
        State.CHECKING_PRINTER,
        State.AUTHORISING_PAYMENT,
        State.ISSUING,
        State.VERIFYING,
        State.PRINTING,
        State.TECH_VERIFYING,
        State.TECH_BUSY,
        State.TICKET_PRINTER,
        State.CHECKING_IN,
        State.LOADING_WALK_IN,
        State.ISSUING_TICKET,
        State.PRINTING_TICKET,
        State.LOADING_BOOKING,
        State.BOOKING,
    }
)


# the end of a journey: its timeout goes home without asking "are you still there?"
_DONE = (State.DONE, State.TICKET, State.BOOKED)


class Purpose(enum.Enum):
    """What the citizen came for, as the attract screen's button said."""

    DOCUMENT = "document"  # sign in, choose a document, pay, print (or collect an order)
    CHECK_IN = "check_in"  # "I have an appointment"
    WALK_IN = "walk_in"  # "queue ticket"
    BOOK = "book"  # sign in, book an appointment at this office


class IdMethod(enum.Enum):
    KEYPAD = "keypad"
    CARD = "card"


class IdStatus(enum.Enum):
    """The keypad's check-as-you-type verdict on the national ID typed so far."""

    EMPTY = "empty"
    INCOMPLETE = "incomplete"
    VALID = "valid"
    INVALID = "invalid"  # ten digits whose check digit is wrong


class Notice(enum.Enum):
    """What the current screen has to tell the citizen; the values are catalogue keys."""

    ID_INVALID = "notice.id_invalid"
    ID_INCOMPLETE = "notice.id_incomplete"
    CARD_UNREADABLE = "notice.card_unreadable"
    PIN_TOO_SHORT = "notice.pin_too_short"
    PIN_WRONG = "notice.pin_wrong"  # {tries}
    LOCKED = "notice.locked"  # {minutes}
    REGISTRY_UNAVAILABLE = "notice.registry_unavailable"
    REFUSED = "notice.refused"  # {reason}: the registry's reason code, translated by the UI
    NO_DOCUMENTS = "notice.no_documents"
    PREVIEW_FAILED = "notice.preview_failed"
    PRINTER_UNAVAILABLE = "notice.printer_unavailable"  # {printer}
    PAYMENT_DECLINED = "notice.payment_declined"  # {reason}
    DOCUMENT_REJECTED = "notice.document_rejected"
    PRINT_FAILED = "notice.print_failed"  # {serial}
    ORDER_CODE_INVALID = "notice.order_code_invalid"
    ORDER_CODE_INCOMPLETE = "notice.order_code_incomplete"
    ORDER_SCAN_UNREADABLE = "notice.order_scan_unreadable"
    ORDER_PRINT_FAILED = "notice.order_print_failed"  # {serial}
    TECH_PIN_WRONG = "notice.tech_pin_wrong"
    TECH_LOCKED = "notice.tech_locked"  # {seconds}
    TECH_OK = "notice.tech_ok"  # {detail}
    TECH_FAILED = "notice.tech_failed"  # {detail}
    BOOKING_CODE_INVALID = "notice.booking_code_invalid"
    BOOKING_CODE_INCOMPLETE = "notice.booking_code_incomplete"
    BOOKING_SCAN_UNREADABLE = "notice.booking_scan_unreadable"
    TICKET_PRINT_FAILED = "notice.ticket_print_failed"  # {label}
    NO_SERVICES = "notice.no_services"
    NO_DAYS = "notice.no_days"
    NO_TIMES = "notice.no_times"
    SLOT_TAKEN = "notice.slot_taken"


class FaultCode(enum.Enum):
    PRINTER_NOT_READY = "printer_not_ready"
    PRINT_FAILED = "print_failed"
    DOCUMENT_REJECTED = "document_rejected"
    REGISTRY_UNAVAILABLE = "registry_unavailable"
    TECHNICIAN_PIN_LOCKED = "technician_pin_locked"
    KIOSK_REFUSED = "kiosk_refused"
    SOFTWARE_ERROR = "software_error"  # a bug in the runner or a port: the journey ended


class TechAction(enum.Enum):
    REFRESH_STATUS = "refresh_status"
    TEST_PRINT = "test_print"
    PAPER_REPLACED = "paper_replaced"
    CHECK_REGISTRY = "check_registry"
    CHECK_SCANNER = "check_scanner"
    LOAD_JOURNAL = "load_journal"


@dataclass(frozen=True)
class Entitlement:
    """One document the citizen may obtain, as the registry listed it."""

    key: str  # the registry's identifier of this (document type, subject) pair
    document_type: int  # verifier.documents.DocumentType value
    subject_ar: str
    subject_en: str | None
    relation: str  # "self", "child", "parent", "spouse", "family" ... (a catalogue key suffix)
    fee: int  # minor units (e.g. fils, cents)
    currency: str
    subject_sex: str | None = None  # "m" or "f" when the registry says; words agree with it
    minor_units: int | None = None  # the currency's decimals, when the registry says


@dataclass(frozen=True)
class Collection:
    """The order whose document this journey prints (the done screen names it)."""

    code: str  # normalised, "K7QM2XA9C"
    document_type: int  # verifier.documents.DocumentType value


@dataclass(frozen=True)
class Service:
    """A service the office books or serves without appointment."""

    code: str
    name_ar: str
    name_latin: str | None
    minutes: int


@dataclass(frozen=True)
class BookingDay:
    day: dt.date
    hijri_ar: str  # the registry's Hijri date in words
    hijri_latin: str | None
    has_free: bool


@dataclass(frozen=True)
class Slot:
    """A free time: one of a day's, or one of the alternatives a taken time came back with."""

    day: dt.date
    time: dt.time


@dataclass(frozen=True)
class Ticket:
    """A queue ticket as the registry issued it (no personal data on it)."""

    label: str
    kind: str  # booked | walk_in
    late: bool
    reprint: bool
    office_ar: str
    office_latin: str | None
    service_ar: str
    service_latin: str | None
    ahead: int
    expected_wait_minutes: int
    issued_at: dt.datetime  # aware, the office's clock


@dataclass(frozen=True)
class Booked:
    """An appointment as the booked screen shows it."""

    reference: str
    display_reference: str
    qr_text: str
    office_ar: str
    office_latin: str | None
    service_ar: str
    service_latin: str | None
    day: dt.date
    time: dt.time


@dataclass(frozen=True)
class JobSummary:
    """A journal entry as the technician screen lists it (no personal data)."""

    job_id: int
    serial: str
    state: str
    reason: str | None


@dataclass(frozen=True)
class Settings:
    """The timings and choices the configuration gives the session."""

    languages: tuple[str, ...] = ("ar", "en")
    default_language: str = "ar"
    idle_seconds: int = 60
    warning_seconds: int = 30  # at least 20: a person must have time to read and respond
    done_seconds: int = 20
    message_seconds: int = 45

    def __post_init__(self) -> None:
        if self.warning_seconds < 20:
            raise ValueError("the idle warning must give at least 20 seconds to respond")
        if self.default_language not in self.languages:
            raise ValueError("the default language must be one of the languages")
        if min(self.idle_seconds, self.done_seconds, self.message_seconds) <= 0:
            raise ValueError("timeouts must be positive")


@dataclass(frozen=True)
class Journey:
    """Everything one visit leaves on the kiosk (the citizen's, or the technician's at the
    technician screen): the wipe replaces it whole with a fresh `Journey`, so a field added here
    is cleared without the wipe naming it. Kiosk-level state lives on `Session` itself."""

    language: str = "ar"  # the citizen's chosen language (a wipe sets the default)
    large_text: bool = False
    national_id: str = ""
    id_method: IdMethod = IdMethod.KEYPAD
    pin: str = ""
    tries_remaining: int | None = None
    token: str | None = None
    entitlements: tuple[Entitlement, ...] = ()
    chosen: Entitlement | None = None
    preview: str | None = None
    authorisation: str | None = None
    paid_reference: str | None = None  # the captured payment, for the done screen's receipt
    serial: str | None = None
    qr_text: str | None = None
    progress: float = 0.0
    notice: Notice | None = None
    notice_args: tuple[tuple[str, str], ...] = ()
    nonce: str = ""
    purchase: int = 0
    resume: State | None = None  # the busy state a retry from SERVICE_ERROR goes back to
    paused: State | None = None  # the screen IDLE_WARNING returns to
    retry: Effect | None = None  # the request to send again from SERVICE_ERROR
    pending: int | None = None  # ref of the request this session waits for
    tech_pin: str = ""  # the technician's PIN as typed
    tech_locked: bool = False
    tech_jobs: tuple[JobSummary, ...] = ()
    tech_faults: tuple[str, ...] = ()
    collect: bool = False  # this visit collects an order placed online
    order_code: str = ""  # as typed or scanned, normalised
    order: Collection | None = None  # the order whose document is being printed
    purpose: Purpose = Purpose.DOCUMENT
    booking_code: str = ""  # the appointment's reference, as typed or scanned, normalised
    services: tuple[Service, ...] = ()  # walk-in services, or the bookable ones
    service: Service | None = None
    days: tuple[BookingDay, ...] = ()
    day: BookingDay | None = None
    slots: tuple[Slot, ...] = ()  # a day's free times, or a taken time's alternatives
    slot: Slot | None = None
    ticket: Ticket | None = None
    booked: Booked | None = None


JOURNEY_FIELDS = frozenset(f.name for f in dataclasses.fields(Journey))


@dataclass(frozen=True)
class Session:
    state: State = State.ATTRACT
    settings: Settings = field(default_factory=Settings)
    # the visit: all of it is dropped by _wipe, which replaces it whole
    journey: Journey = field(default_factory=Journey)
    # kiosk-level state: survives the wipe
    ref: int = 0
    timer: int = 0
    printer: PrinterState = PrinterState.UNKNOWN
    printing_available: bool = True
    tech_failures: int = 0
    tech_locked_until: float = 0.0
    # the registry's reason code for refusing this kiosk (kiosk_revoked, kiosk_unknown); while
    # set, the kiosk is out of service for citizens
    kiosk_refused: str | None = None

    # read-only views of the journey's fields (a change goes through `_set`)
    @property
    def language(self) -> str:
        return self.journey.language

    @property
    def large_text(self) -> bool:
        return self.journey.large_text

    @property
    def national_id(self) -> str:
        return self.journey.national_id

    @property
    def id_method(self) -> IdMethod:
        return self.journey.id_method

    @property
    def pin(self) -> str:
        return self.journey.pin

    @property
    def tries_remaining(self) -> int | None:
        return self.journey.tries_remaining

    @property
    def token(self) -> str | None:
        return self.journey.token

    @property
    def entitlements(self) -> tuple[Entitlement, ...]:
        return self.journey.entitlements

    @property
    def chosen(self) -> Entitlement | None:
        return self.journey.chosen

    @property
    def preview(self) -> str | None:
        return self.journey.preview

    @property
    def authorisation(self) -> str | None:
        return self.journey.authorisation

    @property
    def paid_reference(self) -> str | None:
        return self.journey.paid_reference

    @property
    def serial(self) -> str | None:
        return self.journey.serial

    @property
    def qr_text(self) -> str | None:
        return self.journey.qr_text

    @property
    def progress(self) -> float:
        return self.journey.progress

    @property
    def notice(self) -> Notice | None:
        return self.journey.notice

    @property
    def notice_args(self) -> tuple[tuple[str, str], ...]:
        return self.journey.notice_args

    @property
    def nonce(self) -> str:
        return self.journey.nonce

    @property
    def purchase(self) -> int:
        return self.journey.purchase

    @property
    def resume(self) -> State | None:
        return self.journey.resume

    @property
    def paused(self) -> State | None:
        return self.journey.paused

    @property
    def retry(self) -> Effect | None:
        return self.journey.retry

    @property
    def pending(self) -> int | None:
        return self.journey.pending

    @property
    def tech_pin(self) -> str:
        return self.journey.tech_pin

    @property
    def tech_locked(self) -> bool:
        return self.journey.tech_locked

    @property
    def tech_jobs(self) -> tuple[JobSummary, ...]:
        return self.journey.tech_jobs

    @property
    def tech_faults(self) -> tuple[str, ...]:
        return self.journey.tech_faults

    @property
    def collect(self) -> bool:
        return self.journey.collect

    @property
    def order_code(self) -> str:
        return self.journey.order_code

    @property
    def order(self) -> Collection | None:
        return self.journey.order

    @property
    def purpose(self) -> Purpose:
        return self.journey.purpose

    @property
    def booking_code(self) -> str:
        return self.journey.booking_code

    @property
    def services(self) -> tuple[Service, ...]:
        return self.journey.services

    @property
    def service(self) -> Service | None:
        return self.journey.service

    @property
    def days(self) -> tuple[BookingDay, ...]:
        return self.journey.days

    @property
    def day(self) -> BookingDay | None:
        return self.journey.day

    @property
    def slots(self) -> tuple[Slot, ...]:
        return self.journey.slots

    @property
    def slot(self) -> Slot | None:
        return self.journey.slot

    @property
    def ticket(self) -> Ticket | None:
        return self.journey.ticket

    @property
    def booked(self) -> Booked | None:
        return self.journey.booked

    @property
    def booking_status(self) -> IdStatus:
        """The keypad's check-as-you-type verdict on the appointment's reference."""
        return _order_status(self.booking_code)

    @property
    def booking_display(self) -> str:
        return order_codes.display(self.booking_code)

    @property
    def id_status(self) -> IdStatus:
        return _id_status(self.national_id)

    @property
    def order_status(self) -> IdStatus:
        """The keypad's check-as-you-type verdict on the order code typed so far."""
        return _order_status(self.order_code)

    @property
    def order_display(self) -> str:
        return order_codes.display(self.order_code)

    @property
    def can_go_back(self) -> bool:
        """A refusal the citizen can step back from: to the documents listed, or to the order
        code to type it again (one with a wrong check character, or no order)."""
        if self.state is not State.REFUSED:
            return False
        reason = self.notice_params.get("reason")
        if self.purpose is Purpose.CHECK_IN:
            return reason in _RETYPE_REASONS
        if self.purpose is Purpose.BOOK:
            return self.token is not None and bool(self.services)
        if self.token is not None and bool(self.entitlements):
            return True
        return self.collect and self.notice_params.get("reason") in _RETYPE_REASONS

    @property
    def notice_params(self) -> dict[str, str]:
        return dict(self.notice_args)

    @property
    def idempotency_key(self) -> str:
        return f"{self.nonce}-{self.purchase}"


def initial(settings: Settings | None = None) -> Session:
    """A kiosk that has just started, on the attract screen."""
    s = settings or Settings()
    return Session(settings=s, journey=Journey(language=s.default_language))


_RETYPE_REASONS = frozenset({"order_code_invalid", "order_not_found", "booking_not_found"})


# registry.bookings.store.QR_PREFIX (that module holds the database side: a test checks they
# agree)
BOOKING_QR_PREFIX = "SANAD-BOOKING:"
ORDER_CODE_LENGTH = order_codes.LENGTH
ORDER_CODE_KEYS = order_codes.ALPHABET  # the order-code keypad's keys


def _order_status(text: str) -> IdStatus:
    if not text:
        return IdStatus.EMPTY
    if len(text) < ORDER_CODE_LENGTH:
        return IdStatus.INCOMPLETE
    return IdStatus.VALID if order_codes.parse(text) == text else IdStatus.INVALID


def scanned_order(text: str, *, bare: bool = True) -> str | None:
    """The order code in a scanned QR's text (the code, or ``SANAD-ORDER:<code>``, any case,
    hyphens or not), or None. Where an ID card is expected only the prefixed form counts
    (`bare` False): a card's number could pass for a code."""
    if not bare and not text.strip().upper().startswith(order_codes.QR_PREFIX):
        return None
    return order_codes.parse(text)


def scanned_booking(text: str) -> str | None:
    """The appointment's reference in a scanned QR's text (``SANAD-BOOKING:<ref>``, or the
    bare reference, any case, hyphens or not), or None. The registry's own parser: one
    alphabet, one check character."""
    return order_codes.parse(text, prefix=BOOKING_QR_PREFIX)


def _id_status(text: str) -> IdStatus:
    if not text:
        return IdStatus.EMPTY
    if len(text) < national_id.NATIONAL_ID_LENGTH:
        return IdStatus.INCOMPLETE
    return IdStatus.VALID if national_id.is_valid(text) else IdStatus.INVALID


# ---------------------------------------------------------------------------------------------
# effects


@dataclass(frozen=True)
class Effect:
    """Something for `kiosk_app.effects` to do."""


@dataclass(frozen=True)
class AuthenticateCitizen(Effect):
    ref: int
    national_id: str
    pin: str
    method: IdMethod


@dataclass(frozen=True)
class CollectOrder(Effect):
    """Ask the registry for the document of a paid order (the PIN is its requester's)."""

    ref: int
    order_code: str
    pin: str
    idempotency_key: str


@dataclass(frozen=True)
class MarkOrderCollected(Effect):
    """Tell the registry the order's document was printed here (retried; a fault if not)."""

    order_code: str
    serial: str


@dataclass(frozen=True)
class FetchEntitlements(Effect):
    ref: int
    token: str


@dataclass(frozen=True)
class RenderPreview(Effect):
    ref: int
    token: str
    entitlement: Entitlement
    language: str


@dataclass(frozen=True)
class CheckPrinter(Effect):
    ref: int


@dataclass(frozen=True)
class AuthorisePayment(Effect):
    ref: int
    amount: int
    currency: str
    reference: str  # the idempotency key: one purchase, one authorisation


@dataclass(frozen=True)
class IssueDocument(Effect):
    ref: int
    token: str
    entitlement: Entitlement
    idempotency_key: str
    payment_reference: str


@dataclass(frozen=True)
class VerifyDocument(Effect):
    ref: int
    qr_text: str


@dataclass(frozen=True)
class PrintDocument(Effect):
    ref: int
    serial: str
    qr_text: str
    language: str
    authorisation: str | None = None  # stored with the journal's job: a reprint captures it


@dataclass(frozen=True)
class CapturePayment(Effect):
    authorisation: str
    serial: str


@dataclass(frozen=True)
class VoidPayment(Effect):
    authorisation: str


@dataclass(frozen=True)
class StartIdleTimer(Effect):
    timer: int
    seconds: int
    warning: bool = False  # the UI shows a countdown while this one runs


@dataclass(frozen=True)
class StopIdleTimer(Effect):
    pass


@dataclass(frozen=True)
class WipeSession(Effect):
    pass


@dataclass(frozen=True)
class ReportFault(Effect):
    code: FaultCode
    detail: str


@dataclass(frozen=True)
class VerifyTechnicianPin(Effect):
    ref: int
    pin: str


@dataclass(frozen=True)
class TestPrint(Effect):
    ref: int


@dataclass(frozen=True)
class LoadTechnicianData(Effect):
    ref: int


@dataclass(frozen=True)
class ReprintJob(Effect):
    ref: int
    job_id: int


@dataclass(frozen=True)
class AbandonJob(Effect):
    """Cancel a journal job for good (no reprint); its held payment comes back to be voided."""

    ref: int
    job_id: int


@dataclass(frozen=True)
class CheckIn(Effect):
    """A booked citizen's ticket (the same one again when asked twice)."""

    ref: int
    reference: str


@dataclass(frozen=True)
class LoadWalkInServices(Effect):
    ref: int


@dataclass(frozen=True)
class WalkIn(Effect):
    ref: int
    service: str


@dataclass(frozen=True)
class PrintTicket(Effect):
    ref: int
    ticket: Ticket
    language: str


@dataclass(frozen=True)
class LoadBookingServices(Effect):
    ref: int


@dataclass(frozen=True)
class LoadBookingDays(Effect):
    """The service's open days at this kiosk's office."""

    ref: int
    token: str
    service: str


@dataclass(frozen=True)
class LoadBookingTimes(Effect):
    ref: int
    token: str
    service: str
    day: dt.date


@dataclass(frozen=True)
class BookAppointment(Effect):
    """Hold the time and confirm it, at this kiosk's office (the same key: the same hold)."""

    ref: int
    token: str
    service: str
    slot: Slot
    idempotency_key: str
    language: str


@dataclass(frozen=True)
class CheckRegistry(Effect):
    ref: int


@dataclass(frozen=True)
class CheckScanner(Effect):
    ref: int


# ---------------------------------------------------------------------------------------------
# events: from the citizen (through the UI)


@dataclass(frozen=True)
class Event:
    """Something that happened: a touch, a timer, or the outcome of an effect."""


@dataclass(frozen=True)
class Begin(Event):
    """A touch on the attract screen; the UI supplies fresh randomness for this journey.
    `collect`: the touch was on "collect an order"; `purpose`: on an appointment's button."""

    nonce: str
    collect: bool = False
    purpose: Purpose = Purpose.DOCUMENT


@dataclass(frozen=True)
class ChooseLanguage(Event):
    language: str


@dataclass(frozen=True)
class KeypadDigit(Event):
    digit: str


@dataclass(frozen=True)
class KeypadChar(Event):
    """A key of the order-code keypad (a digit or a letter of `order_code.ALPHABET`)."""

    char: str


@dataclass(frozen=True)
class KeypadBackspace(Event):
    pass


@dataclass(frozen=True)
class KeypadClear(Event):
    pass


@dataclass(frozen=True)
class Submit(Event):
    """The keypad's OK key (national ID, PIN or technician PIN)."""


@dataclass(frozen=True)
class CardScanned(Event):
    text: str


@dataclass(frozen=True)
class ChooseEntitlement(Event):
    index: int


@dataclass(frozen=True)
class ChooseService(Event):
    index: int


@dataclass(frozen=True)
class ChooseDay(Event):
    index: int


@dataclass(frozen=True)
class ChooseSlot(Event):
    index: int


@dataclass(frozen=True)
class Back(Event):
    pass


@dataclass(frozen=True)
class Confirm(Event):
    """ "Print this" on the preview screen."""


@dataclass(frozen=True)
class Pay(Event):
    pass


@dataclass(frozen=True)
class Retry(Event):
    pass


@dataclass(frozen=True)
class Cancel(Event):
    pass


@dataclass(frozen=True)
class Finish(Event):
    pass


@dataclass(frozen=True)
class ContinueSession(Event):
    pass


@dataclass(frozen=True)
class ToggleLargeText(Event):
    pass


@dataclass(frozen=True)
class IdleTimeout(Event):
    timer: int


@dataclass(frozen=True)
class TechnicianGesture(Event):
    at: float  # monotonic seconds, for the PIN throttle


@dataclass(frozen=True)
class TechnicianAction(Event):
    action: TechAction


@dataclass(frozen=True)
class Reprint(Event):
    job_id: int


@dataclass(frozen=True)
class CancelJob(Event):
    """The technician gives a failed job up: it will not be printed, its payment is voided."""

    job_id: int


@dataclass(frozen=True)
class Exit(Event):
    """Leave technician mode."""


@dataclass(frozen=True)
class PrinterStatusChanged(Event):
    """The heartbeat's periodic printer check (no request of this session asked for it)."""

    status: PrinterState


@dataclass(frozen=True)
class KioskStanding(Event):
    """What the registry said of this kiosk outside any journey (heartbeat, technician check):
    `refused` is its reason code (kiosk_revoked, kiosk_unknown), None when it accepted."""

    refused: str | None


# events: results of effects (each carries the ref of the request it answers)


@dataclass(frozen=True)
class Result(Event):
    ref: int


@dataclass(frozen=True)
class Authenticated(Result):
    token: str


@dataclass(frozen=True)
class PinRejected(Result):
    tries_remaining: int | None


@dataclass(frozen=True)
class CitizenLocked(Result):
    retry_after: int | None  # seconds, when the registry says


@dataclass(frozen=True)
class RegistryUnavailable(Result):
    """Unreachable, timed out or answered 5xx: nothing was done, the request may be retried."""


@dataclass(frozen=True)
class EffectFailed(Result):
    """The request failed on a bug (a programming error in the runner or a port, logged there
    with its traceback), not on an outage: the journey ends, and nothing says "registry
    unavailable" to the citizen."""

    effect: str  # the effect's class name, for the fault log


@dataclass(frozen=True)
class RegistryRefused(Result):
    reason: str  # the registry's reason code


@dataclass(frozen=True)
class KioskRefused(Result):
    """The registry refused the kiosk itself (revoked or unknown), not the citizen's request."""

    reason: str


@dataclass(frozen=True)
class OrderIssued(Result):
    """The registry's document for the order (new, or replayed for a repeat collection)."""

    serial: str
    qr_text: str
    document_type: int
    order_code: str


@dataclass(frozen=True)
class EntitlementsLoaded(Result):
    entitlements: tuple[Entitlement, ...]


@dataclass(frozen=True)
class PreviewReady(Result):
    image: str | None  # a path the UI can show; None: this registry offers no preview


@dataclass(frozen=True)
class PreviewFailed(Result):
    pass


@dataclass(frozen=True)
class PrinterChecked(Result):
    status: PrinterState


@dataclass(frozen=True)
class PaymentAuthorised(Result):
    authorisation: str


@dataclass(frozen=True)
class PaymentDeclined(Result):
    reason: str


@dataclass(frozen=True)
class DocumentIssued(Result):
    serial: str
    qr_text: str


@dataclass(frozen=True)
class DocumentVerified(Result):
    pass


@dataclass(frozen=True)
class DocumentRejected(Result):
    reason: str


@dataclass(frozen=True)
class PrintProgress(Result):
    fraction: float


@dataclass(frozen=True)
class PrintCompleted(Result):
    pass


@dataclass(frozen=True)
class PrintFailed(Result):
    reason: str
    kept: bool = True  # the job (and the payment it holds) is in the journal for a reprint


@dataclass(frozen=True)
class TechnicianPinChecked(Result):
    ok: bool
    at: float


@dataclass(frozen=True)
class TechnicianData(Result):
    jobs: tuple[JobSummary, ...]
    faults: tuple[str, ...]


@dataclass(frozen=True)
class TechnicianActionDone(Result):
    ok: bool
    detail: str
    printer: PrinterState | None = None


@dataclass(frozen=True)
class JobReprinted(Result):
    """A journal job printed on the technician's reprint; `authorisation` is the payment it
    still held (None: nothing to capture, e.g. captured already)."""

    serial: str
    authorisation: str | None
    printer: PrinterState | None = None


@dataclass(frozen=True)
class JobAbandoned(Result):
    """A journal job cancelled; `authorisation` is the payment it held, to be voided."""

    serial: str
    authorisation: str | None


@dataclass(frozen=True)
class TicketIssued(Result):
    ticket: Ticket


@dataclass(frozen=True)
class WalkInServicesLoaded(Result):
    services: tuple[Service, ...]


@dataclass(frozen=True)
class BookingServicesLoaded(Result):
    services: tuple[Service, ...]


@dataclass(frozen=True)
class BookingDaysLoaded(Result):
    days: tuple[BookingDay, ...]


@dataclass(frozen=True)
class BookingTimesLoaded(Result):
    times: tuple[dt.time, ...]


@dataclass(frozen=True)
class AppointmentBooked(Result):
    booked: Booked


@dataclass(frozen=True)
class SlotTaken(Result):
    """The time was taken meanwhile; the registry offered these instead (maybe none)."""

    alternatives: tuple[Slot, ...]


__all__ += [
    "AppointmentBooked",
    "BookAppointment",
    "Booked",
    "BookingDay",
    "BookingDaysLoaded",
    "BookingServicesLoaded",
    "BookingTimesLoaded",
    "Cancel",
    "CheckIn",
    "ChooseDay",
    "ChooseService",
    "ChooseSlot",
    "LoadBookingDays",
    "LoadBookingServices",
    "LoadBookingTimes",
    "LoadWalkInServices",
    "PrintTicket",
    "Purpose",
    "Reprint",
    "Result",
    "Service",
    "Slot",
    "SlotTaken",
    "Ticket",
    "TicketIssued",
    "WalkIn",
    "WalkInServicesLoaded",
    "scanned_booking",
]

Step = tuple[Session, tuple[Effect, ...]]


# ---------------------------------------------------------------------------------------------
# helpers


def _set(s: Session, **changes: object) -> Session:
    """`dataclasses.replace` for a session: a journey field's change goes into the journey."""
    visit = {k: v for k, v in changes.items() if k in JOURNEY_FIELDS}
    own = {k: v for k, v in changes.items() if k not in JOURNEY_FIELDS}
    if visit:
        own["journey"] = dataclasses.replace(s.journey, **visit)  # type: ignore[arg-type]
    return dataclasses.replace(s, **own)  # type: ignore[arg-type]


def _goto(s: Session, state: State, *effects: Effect, **changes: object) -> Step:
    """Enter `state`; an interactive state (re)starts the idle timer, a busy one stops it."""
    timer = s.timer + 1  # any earlier timer is stale from here on
    s = _set(s, state=state, timer=timer, **changes)
    if state in (State.ATTRACT, State.OUT_OF_SERVICE):
        extra: tuple[Effect, ...] = (StopIdleTimer(),)
    elif state.busy:
        extra = (StopIdleTimer(),)
    else:
        extra = (StartIdleTimer(timer, _idle_seconds(state, s.settings)),)
    log.debug("session → %s", state.name)
    return s, (*effects, *extra)


def _idle_seconds(state: State, settings: Settings) -> int:
    if state in _DONE:
        return settings.done_seconds
    if state in (
        State.SERVICE_ERROR,
        State.REFUSED,
        State.LOCKED,
        State.PRINTER_UNAVAILABLE,
        State.PRINT_FAILED,
        State.ISSUE_FAILED,
        State.PAYMENT_DECLINED,
    ):
        return settings.message_seconds
    return settings.idle_seconds


def _request(s: Session, state: State, make: type[Effect], **fields: object) -> Step:
    """Enter a busy state and send one request, remembering its ref."""
    ref = s.ref + 1
    effect = make(ref=ref, **fields)  # type: ignore[call-arg]
    return _goto(s, state, effect, ref=ref, pending=ref, retry=effect, resume=state)


def _resend(s: Session) -> Step:
    assert s.retry is not None
    assert s.resume is not None
    ref = s.ref + 1
    effect = dataclasses.replace(s.retry, ref=ref)  # type: ignore[call-arg]
    return _goto(s, s.resume, effect, ref=ref, pending=ref, retry=effect, notice=None)


def _notice(notice: Notice, **args: object) -> dict[str, object]:
    return {"notice": notice, "notice_args": tuple((k, str(v)) for k, v in args.items())}


def _wipe(s: Session, *effects: Effect) -> Step:
    """End the journey: void a held authorisation, forget the citizen, back to attract (or to
    out of service while the registry refuses this kiosk)."""
    voids: tuple[Effect, ...] = ()
    if s.authorisation is not None:
        voids = (VoidPayment(s.authorisation),)
    fresh = dataclasses.replace(s, journey=Journey(language=s.settings.default_language))
    home = State.ATTRACT if s.kiosk_refused is None else State.OUT_OF_SERVICE
    return _goto(fresh, home, *effects, *voids, WipeSession())


def _typed(text: str, digit: str, limit: int) -> str:
    if len(digit) != 1 or not ("0" <= digit <= "9"):
        raise ValueError(f"not a keypad digit: {digit!r}")
    return text if len(text) >= limit else text + digit


def _printer_fault(status: PrinterState) -> ReportFault:
    return ReportFault(FaultCode.PRINTER_NOT_READY, status.value)


def _tech_lock_seconds(failures: int) -> float:
    if failures < TECH_FREE_TRIES:
        return 0.0
    return min(TECH_LOCK_BASE * float(2 ** (failures - TECH_FREE_TRIES)), TECH_LOCK_MAX)


# ---------------------------------------------------------------------------------------------
# the transition function


def step(s: Session, e: Event) -> Step:
    """The session after `e`, and the effects to run. Raises `InvalidTransition`."""
    # Stale results and timers: a late answer must never act on a later state.
    if isinstance(e, Result) and e.ref != s.pending:
        log.debug("ignored stale %s (ref %d, waiting for %s)", type(e).__name__, e.ref, s.pending)
        return s, ()
    if isinstance(e, IdleTimeout) and (
        e.timer != s.timer or s.state.busy or s.state in (State.ATTRACT, State.OUT_OF_SERVICE)
    ):
        return s, ()
    if isinstance(e, EffectFailed):
        log.error("the journey ends on a software error in %s", e.effect)
        return _wipe(s, ReportFault(FaultCode.SOFTWARE_ERROR, e.effect))
    if isinstance(e, PrinterStatusChanged):
        return _set(s, printer=e.status, printing_available=e.status.can_print), ()
    if isinstance(e, KioskStanding):
        return _standing(s, e)
    if isinstance(e, ToggleLargeText) and not s.state.busy:
        return _set(s, large_text=not s.large_text), ()
    if isinstance(e, IdleTimeout):
        if s.state in (State.IDLE_WARNING, *_DONE):
            return _wipe(s)
        s2, effects = _goto(s, State.IDLE_WARNING, paused=s.state)
        timer = s2.timer
        return s2, (*effects[:-1], StartIdleTimer(timer, s.settings.warning_seconds, warning=True))
    if isinstance(e, Result):
        s = _set(s, pending=None)
    handler = _HANDLERS.get(s.state)
    if handler is not None:
        out = handler(s, e)
        if out is not None:
            return out
    raise InvalidTransition(s.state, e)


def _standing(s: Session, e: KioskStanding) -> Step:
    """The registry's word on this kiosk, outside any journey. A refusal takes an idle kiosk
    out of service at once; a journey under way ends at its next request (refused too) or at
    its wipe. Acceptance puts an out-of-service kiosk back on the attract screen."""
    if e.refused == s.kiosk_refused:
        return s, ()
    s = _set(s, kiosk_refused=e.refused)
    if e.refused is not None:
        if s.state is State.ATTRACT:
            return _goto(s, State.OUT_OF_SERVICE, _kiosk_fault(e.refused))
        return s, (_kiosk_fault(e.refused),)
    if s.state is State.OUT_OF_SERVICE:
        return _goto(s, State.ATTRACT)
    return s, ()


def _kiosk_fault(reason: str) -> ReportFault:
    return ReportFault(FaultCode.KIOSK_REFUSED, reason)


def _attract(s: Session, e: Event) -> Step | None:
    if isinstance(e, Begin):
        if not e.nonce:
            raise ValueError("Begin needs a fresh nonce")
        s = _set(s, nonce=e.nonce, collect=e.collect, purpose=e.purpose)
        if len(s.settings.languages) == 1:
            return _enter(s)
        return _goto(s, State.LANGUAGE)
    return _technician_gesture(s, e)


def _enter(s: Session) -> Step:
    """The journey's first screen, once the language is known."""
    if s.purpose is Purpose.CHECK_IN:
        return _goto(s, State.CHECKIN_ENTRY, booking_code="", notice=None)
    if s.purpose is Purpose.WALK_IN:
        return _request(s, State.LOADING_WALK_IN, LoadWalkInServices)
    return _goto(s, State.ORDER_ENTRY if s.collect else State.ID_ENTRY)


def _leave_first(s: Session, **changes: object) -> Step:
    """Back from a journey's first screen: to the languages, or out when there is one."""
    if len(s.settings.languages) == 1:
        return _wipe(s)
    return _goto(s, State.LANGUAGE, notice=None, **changes)


def _out_of_service(s: Session, e: Event) -> Step | None:
    if isinstance(e, Begin):
        return s, ()  # a citizen's touch starts nothing here
    return _technician_gesture(s, e)


def _technician_gesture(s: Session, e: Event) -> Step | None:
    if isinstance(e, TechnicianGesture):
        locked = e.at < s.tech_locked_until
        args = (
            _notice(Notice.TECH_LOCKED, seconds=int(s.tech_locked_until - e.at) + 1)
            if locked
            else {}
        )
        return _goto(s, State.TECH_PIN, tech_pin="", tech_locked=locked, **args)
    return None


def _language(s: Session, e: Event) -> Step | None:
    if isinstance(e, ChooseLanguage):
        if e.language not in s.settings.languages:
            raise ValueError(f"language {e.language!r} is not offered at this kiosk")
        return _enter(_set(s, language=e.language))
    if isinstance(e, Cancel | Back):
        return _wipe(s)
    return None


def _id_entry(s: Session, e: Event) -> Step | None:
    if isinstance(e, KeypadDigit):
        text = _typed(s.national_id, e.digit, national_id.NATIONAL_ID_LENGTH)
        status = _id_status(text)
        args = _notice(Notice.ID_INVALID) if status is IdStatus.INVALID else {"notice": None}
        return _goto(s, State.ID_ENTRY, national_id=text, id_method=IdMethod.KEYPAD, **args)
    if isinstance(e, KeypadBackspace):
        return _goto(s, State.ID_ENTRY, national_id=s.national_id[:-1], notice=None)
    if isinstance(e, KeypadClear):
        return _goto(s, State.ID_ENTRY, national_id="", notice=None)
    if isinstance(e, Submit):
        status = _id_status(s.national_id)
        if status is IdStatus.VALID:
            return _goto(s, State.PIN_ENTRY, pin="", notice=None, tries_remaining=None)
        notice = Notice.ID_INVALID if status is IdStatus.INVALID else Notice.ID_INCOMPLETE
        return _goto(s, State.ID_ENTRY, **_notice(notice))
    if isinstance(e, CardScanned):
        code = scanned_order(e.text, bare=False)
        if code is not None:  # the QR of an order on the citizen's phone: collect it
            return _goto(
                s,
                State.ORDER_PIN,
                collect=True,
                order_code=code,
                national_id="",
                pin="",
                notice=None,
            )
        text = national_id.normalise(e.text.strip()).upper()
        if national_id.is_valid(text) or _CARD_NUMBER.fullmatch(text):
            return _goto(
                s, State.PIN_ENTRY, national_id=text, id_method=IdMethod.CARD, pin="", notice=None
            )
        return _goto(s, State.ID_ENTRY, **_notice(Notice.CARD_UNREADABLE))
    if isinstance(e, Back):
        if len(s.settings.languages) == 1:
            return _wipe(s)
        return _goto(s, State.LANGUAGE, national_id="", notice=None)
    if isinstance(e, Cancel):
        return _wipe(s)
    return None


def _pin_entry(s: Session, e: Event) -> Step | None:
    if isinstance(e, KeypadDigit):
        return _goto(s, State.PIN_ENTRY, pin=_typed(s.pin, e.digit, PIN_MAX), notice=None)
    if isinstance(e, KeypadBackspace):
        return _goto(s, State.PIN_ENTRY, pin=s.pin[:-1])
    if isinstance(e, KeypadClear):
        return _goto(s, State.PIN_ENTRY, pin="")
    if isinstance(e, Submit):
        if len(s.pin) < PIN_MIN:
            return _goto(s, State.PIN_ENTRY, **_notice(Notice.PIN_TOO_SHORT, min=PIN_MIN))
        pin = s.pin
        s = _set(s, pin="")  # the PIN lives only inside the request from here
        return _request(
            s,
            State.AUTHENTICATING,
            AuthenticateCitizen,
            national_id=s.national_id,
            pin=pin,
            method=s.id_method,
        )
    if isinstance(e, Back):
        return _goto(s, State.ID_ENTRY, pin="", notice=None, national_id="")
    if isinstance(e, Cancel):
        return _wipe(s)
    return None


def _order_entry(s: Session, e: Event) -> Step | None:
    if isinstance(e, KeypadChar):
        if len(e.char) != 1 or e.char not in ORDER_CODE_KEYS:
            raise ValueError(f"not an order-code key: {e.char!r}")
        text = s.order_code
        if len(text) < ORDER_CODE_LENGTH:
            text += e.char
        bad = _order_status(text) is IdStatus.INVALID
        args = _notice(Notice.ORDER_CODE_INVALID) if bad else {"notice": None}
        return _goto(s, State.ORDER_ENTRY, order_code=text, **args)
    if isinstance(e, KeypadBackspace):
        return _goto(s, State.ORDER_ENTRY, order_code=s.order_code[:-1], notice=None)
    if isinstance(e, KeypadClear):
        return _goto(s, State.ORDER_ENTRY, order_code="", notice=None)
    if isinstance(e, Submit):
        status = _order_status(s.order_code)
        if status is IdStatus.VALID:
            return _goto(s, State.ORDER_PIN, pin="", notice=None, tries_remaining=None)
        bad = status is IdStatus.INVALID
        return _goto(
            s,
            State.ORDER_ENTRY,
            **_notice(Notice.ORDER_CODE_INVALID if bad else Notice.ORDER_CODE_INCOMPLETE),
        )
    if isinstance(e, CardScanned):
        code = scanned_order(e.text)
        if code is None:
            return _goto(s, State.ORDER_ENTRY, **_notice(Notice.ORDER_SCAN_UNREADABLE))
        return _goto(s, State.ORDER_PIN, order_code=code, pin="", notice=None)
    if isinstance(e, Back):
        if len(s.settings.languages) == 1:
            return _wipe(s)
        return _goto(s, State.LANGUAGE, order_code="", notice=None)
    if isinstance(e, Cancel):
        return _wipe(s)
    return None


def _order_pin(s: Session, e: Event) -> Step | None:
    if isinstance(e, KeypadDigit):
        return _goto(s, State.ORDER_PIN, pin=_typed(s.pin, e.digit, PIN_MAX), notice=None)
    if isinstance(e, KeypadBackspace):
        return _goto(s, State.ORDER_PIN, pin=s.pin[:-1])
    if isinstance(e, KeypadClear):
        return _goto(s, State.ORDER_PIN, pin="")
    if isinstance(e, Submit):
        if len(s.pin) < PIN_MIN:
            return _goto(s, State.ORDER_PIN, **_notice(Notice.PIN_TOO_SHORT, min=PIN_MIN))
        pin = s.pin
        # a new request, a new key; a retry from SERVICE_ERROR resends this one with its key
        s = _set(s, pin="", purchase=s.purchase + 1)
        return _request(
            s,
            State.COLLECTING,
            CollectOrder,
            order_code=s.order_code,
            pin=pin,
            idempotency_key=s.idempotency_key,
        )
    if isinstance(e, Back):
        return _goto(s, State.ORDER_ENTRY, pin="", notice=None)
    if isinstance(e, Cancel):
        return _wipe(s)
    return None


def _collecting(s: Session, e: Event) -> Step | None:
    if isinstance(e, OrderIssued):
        order = Collection(e.order_code, e.document_type)
        s = _set(s, serial=e.serial, qr_text=e.qr_text, order=order, tries_remaining=None)
        return _request(s, State.VERIFYING, VerifyDocument, qr_text=e.qr_text)
    if isinstance(e, PinRejected):
        args = _notice(
            Notice.PIN_WRONG, tries="" if e.tries_remaining is None else e.tries_remaining
        )
        return _goto(s, State.ORDER_PIN, pin="", tries_remaining=e.tries_remaining, **args)
    if isinstance(e, CitizenLocked):
        minutes = "" if e.retry_after is None else str(max(1, (e.retry_after + 59) // 60))
        return _goto(s, State.LOCKED, pin="", **_notice(Notice.LOCKED, minutes=minutes))
    return _registry_trouble(s, e)


def _registry_trouble(s: Session, e: Event) -> Step | None:
    """The outcomes every registry request shares: unavailable (retry) and refused (reason)."""
    if isinstance(e, RegistryUnavailable):
        retry_state = s.resume
        return _goto(
            s,
            State.SERVICE_ERROR,
            ReportFault(FaultCode.REGISTRY_UNAVAILABLE, type(s.retry).__name__),
            resume=retry_state,
            **_notice(Notice.REGISTRY_UNAVAILABLE),
        )
    if isinstance(e, KioskRefused):
        # the journey cannot go on anywhere on this kiosk: end it (voiding any authorisation)
        return _wipe(_set(s, kiosk_refused=e.reason), _kiosk_fault(e.reason))
    if isinstance(e, RegistryRefused):
        voids: tuple[Effect, ...] = ()
        auth = s.authorisation
        if auth is not None:
            voids = (VoidPayment(auth),)
        return _goto(
            s,
            State.REFUSED,
            *voids,
            authorisation=None,
            token=None if e.reason == "session_invalid" else s.token,
            **_notice(Notice.REFUSED, reason=e.reason),
        )
    return None


def _authenticating(s: Session, e: Event) -> Step | None:
    if isinstance(e, Authenticated):
        s = _set(s, token=e.token, tries_remaining=None, notice=None)
        if s.purpose is Purpose.BOOK:
            return _request(s, State.LOADING_BOOKING, LoadBookingServices)
        return _request(s, State.LOADING_ENTITLEMENTS, FetchEntitlements, token=e.token)
    if isinstance(e, PinRejected):
        args = _notice(
            Notice.PIN_WRONG, tries="" if e.tries_remaining is None else e.tries_remaining
        )
        return _goto(s, State.PIN_ENTRY, pin="", tries_remaining=e.tries_remaining, **args)
    if isinstance(e, CitizenLocked):
        minutes = "" if e.retry_after is None else str(max(1, (e.retry_after + 59) // 60))
        return _goto(s, State.LOCKED, pin="", **_notice(Notice.LOCKED, minutes=minutes))
    return _registry_trouble(s, e)


def _loading_entitlements(s: Session, e: Event) -> Step | None:
    if isinstance(e, EntitlementsLoaded):
        args = _notice(Notice.NO_DOCUMENTS) if not e.entitlements else {"notice": None}
        return _goto(s, State.CHOOSE_DOCUMENT, entitlements=e.entitlements, **args)
    return _registry_trouble(s, e)


def _choose_document(s: Session, e: Event) -> Step | None:
    if isinstance(e, ChooseEntitlement):
        if not 0 <= e.index < len(s.entitlements):
            raise ValueError(f"no entitlement number {e.index}")
        chosen = s.entitlements[e.index]
        assert s.token is not None
        s = _set(s, chosen=chosen, preview=None)
        return _request(
            s,
            State.PREPARING_PREVIEW,
            RenderPreview,
            token=s.token,
            entitlement=chosen,
            language=s.language,
        )
    if isinstance(e, Cancel | Back | Finish):
        return _wipe(s)
    return None


def _preparing_preview(s: Session, e: Event) -> Step | None:
    if isinstance(e, PreviewReady):
        return _goto(s, State.PREVIEW, preview=e.image, notice=None)
    if isinstance(e, PreviewFailed):
        # No picture is no reason to stop: the preview screen shows the choice in words.
        return _goto(s, State.PREVIEW, preview=None, **_notice(Notice.PREVIEW_FAILED))
    return _registry_trouble(s, e)


def _preview(s: Session, e: Event) -> Step | None:
    if isinstance(e, Confirm):
        return _request(s, State.CHECKING_PRINTER, CheckPrinter)
    if isinstance(e, Back):
        return _goto(s, State.CHOOSE_DOCUMENT, chosen=None, preview=None, notice=None)
    if isinstance(e, Cancel):
        return _wipe(s)
    return None


def _checking_printer(s: Session, e: Event) -> Step | None:
    if isinstance(e, PrinterChecked):
        s = _set(s, printer=e.status, printing_available=e.status.can_print)
        if e.status.can_print:
            return _goto(s, State.PAYMENT, notice=None)
        return _goto(
            s,
            State.PRINTER_UNAVAILABLE,
            _printer_fault(e.status),
            **_notice(Notice.PRINTER_UNAVAILABLE, printer=e.status.value),
        )
    return None


def _payment(s: Session, e: Event) -> Step | None:
    if isinstance(e, Pay):
        chosen = s.chosen
        assert chosen is not None
        s = _set(s, purchase=s.purchase + 1)
        return _request(
            s,
            State.AUTHORISING_PAYMENT,
            AuthorisePayment,
            amount=chosen.fee,
            currency=chosen.currency,
            reference=s.idempotency_key,
        )
    if isinstance(e, Back):
        return _goto(s, State.PREVIEW, notice=None)
    if isinstance(e, Cancel):
        return _wipe(s)
    return None


def _authorising_payment(s: Session, e: Event) -> Step | None:
    if isinstance(e, PaymentAuthorised):
        assert s.chosen is not None
        assert s.token is not None
        s = _set(s, authorisation=e.authorisation)
        return _request(
            s,
            State.ISSUING,
            IssueDocument,
            token=s.token,
            entitlement=s.chosen,
            idempotency_key=s.idempotency_key,
            payment_reference=e.authorisation,
        )
    if isinstance(e, PaymentDeclined):
        return _goto(s, State.PAYMENT_DECLINED, **_notice(Notice.PAYMENT_DECLINED, reason=e.reason))
    return None


def _payment_declined(s: Session, e: Event) -> Step | None:
    if isinstance(e, Retry):
        return _goto(s, State.PAYMENT, notice=None)
    if isinstance(e, Cancel | Finish):
        return _wipe(s)
    return None


def _issuing(s: Session, e: Event) -> Step | None:
    if isinstance(e, DocumentIssued):
        s = _set(s, serial=e.serial, qr_text=e.qr_text)
        return _request(s, State.VERIFYING, VerifyDocument, qr_text=e.qr_text)
    return _registry_trouble(s, e)


def _verifying(s: Session, e: Event) -> Step | None:
    if isinstance(e, DocumentVerified):
        assert s.serial is not None
        assert s.qr_text is not None
        return _request(
            s,
            State.PRINTING,
            PrintDocument,
            serial=s.serial,
            qr_text=s.qr_text,
            language=s.language,
            authorisation=s.authorisation,
        )
    if isinstance(e, DocumentRejected):
        auth = s.authorisation
        voids = (VoidPayment(auth),) if auth is not None else ()
        return _goto(
            s,
            State.ISSUE_FAILED,
            *voids,
            ReportFault(FaultCode.DOCUMENT_REJECTED, e.reason),
            authorisation=None,
            qr_text=None,
            **_notice(Notice.DOCUMENT_REJECTED),
        )
    return None


def _printing(s: Session, e: Event) -> Step | None:
    if isinstance(e, PrintProgress):
        fraction = min(max(e.fraction, s.progress), 1.0)  # progress never runs backwards
        return _set(s, progress=fraction, pending=s.ref), ()
    if isinstance(e, PrintCompleted):
        assert s.serial is not None
        if s.order is not None:  # nothing to pay: the order is marked collected, now
            done: Effect = MarkOrderCollected(s.order.code, s.serial)
        else:
            assert s.authorisation is not None
            done = CapturePayment(s.authorisation, s.serial)
        return _goto(
            s,
            State.DONE,
            done,
            authorisation=None,
            paid_reference=s.authorisation,
            progress=1.0,
            qr_text=None,
        )
    if isinstance(e, PrintFailed):
        assert s.serial is not None
        auth = s.authorisation
        # A job the journal kept holds the authorisation for the technician's reprint (captured
        # then, voided if the job is cancelled or purged); one it did not keep is voided now.
        voids = (VoidPayment(auth),) if auth is not None and not e.kept else ()
        # an order is not marked collected: its code gives the same document again
        notice = Notice.PRINT_FAILED if s.order is None else Notice.ORDER_PRINT_FAILED
        return _goto(
            s,
            State.PRINT_FAILED,
            *voids,
            ReportFault(FaultCode.PRINT_FAILED, e.reason),
            authorisation=None,
            qr_text=None,
            printing_available=False,
            **_notice(notice, serial=s.serial),
        )
    return None


def _ending(s: Session, e: Event) -> Step | None:
    """Screens whose only way on is the end of the journey."""
    if isinstance(e, Finish | Cancel | Back):
        return _wipe(s)
    return None


def _service_error(s: Session, e: Event) -> Step | None:
    if isinstance(e, Retry):
        return _resend(s)
    if isinstance(e, Cancel | Finish):
        return _wipe(s)
    return None


def _refused(s: Session, e: Event) -> Step | None:
    if isinstance(e, Back) and s.can_go_back:
        if s.purpose is Purpose.CHECK_IN:
            return _goto(s, State.CHECKIN_ENTRY, notice=None)
        if s.purpose is Purpose.BOOK:
            changes = {"service": None, "days": (), "day": None, "slots": (), "slot": None}
            return _goto(s, State.CHOOSE_SERVICE, notice=None, **changes)
        if s.collect:
            return _goto(s, State.ORDER_ENTRY, pin="", notice=None)
        return _goto(s, State.CHOOSE_DOCUMENT, chosen=None, preview=None, notice=None)
    return _ending(s, e)


def _idle_warning(s: Session, e: Event) -> Step | None:
    if isinstance(e, ContinueSession):
        assert s.paused is not None
        return _goto(s, s.paused, paused=None)
    if isinstance(e, Cancel):
        return _wipe(s)
    return None


def _tech_pin(s: Session, e: Event) -> Step | None:
    if isinstance(e, KeypadDigit):
        return _goto(s, State.TECH_PIN, tech_pin=_typed(s.tech_pin, e.digit, TECH_PIN_MAX))
    if isinstance(e, KeypadBackspace):
        return _goto(s, State.TECH_PIN, tech_pin=s.tech_pin[:-1])
    if isinstance(e, KeypadClear):
        return _goto(s, State.TECH_PIN, tech_pin="")
    if isinstance(e, Submit):
        if s.tech_locked:
            return _goto(s, State.TECH_PIN, tech_pin="")
        pin = s.tech_pin
        s = _set(s, tech_pin="")
        return _request(s, State.TECH_VERIFYING, VerifyTechnicianPin, pin=pin)
    if isinstance(e, Cancel | Back | Exit):
        return _wipe(s)
    return None


def _tech_verifying(s: Session, e: Event) -> Step | None:
    if isinstance(e, TechnicianPinChecked):
        if e.ok:
            return _request(
                _set(s, tech_failures=0, tech_locked_until=0.0, notice=None),
                State.TECH_BUSY,
                LoadTechnicianData,
            )
        failures = s.tech_failures + 1
        lock = _tech_lock_seconds(failures)
        faults: tuple[Effect, ...] = ()
        if lock:
            faults = (ReportFault(FaultCode.TECHNICIAN_PIN_LOCKED, f"{failures} failures"),)
            args = _notice(Notice.TECH_LOCKED, seconds=int(lock))
        else:
            args = _notice(Notice.TECH_PIN_WRONG)
        return _goto(
            s,
            State.TECH_PIN,
            *faults,
            tech_failures=failures,
            tech_locked_until=e.at + lock,
            tech_locked=bool(lock),
            **args,
        )
    return None


_TECH_EFFECTS: dict[TechAction, type[Effect]] = {
    TechAction.REFRESH_STATUS: CheckPrinter,
    TechAction.PAPER_REPLACED: CheckPrinter,
    TechAction.TEST_PRINT: TestPrint,
    TechAction.CHECK_REGISTRY: CheckRegistry,
    TechAction.CHECK_SCANNER: CheckScanner,
    TechAction.LOAD_JOURNAL: LoadTechnicianData,
}


def _technician(s: Session, e: Event) -> Step | None:
    if isinstance(e, TechnicianAction):
        return _request(s, State.TECH_BUSY, _TECH_EFFECTS[e.action])
    if isinstance(e, Reprint):
        return _request(s, State.TECH_BUSY, ReprintJob, job_id=e.job_id)
    if isinstance(e, CancelJob):
        return _request(s, State.TECH_BUSY, AbandonJob, job_id=e.job_id)
    if isinstance(e, Exit | Cancel | Back):
        return _wipe(s)
    return None


def _tech_busy(s: Session, e: Event) -> Step | None:
    if isinstance(e, PrinterChecked):
        s = _set(s, printer=e.status, printing_available=e.status.can_print)
        notice = Notice.TECH_OK if e.status.can_print else Notice.TECH_FAILED
        return _goto(s, State.TECHNICIAN, **_notice(notice, detail=e.status.value))
    if isinstance(e, TechnicianData):
        return _goto(s, State.TECHNICIAN, tech_jobs=e.jobs, tech_faults=e.faults)
    if isinstance(e, TechnicianActionDone):
        changes: dict[str, object] = {}
        if e.printer is not None:
            changes = {"printer": e.printer, "printing_available": e.printer.can_print}
        notice = Notice.TECH_OK if e.ok else Notice.TECH_FAILED
        return _goto(s, State.TECHNICIAN, **changes, **_notice(notice, detail=e.detail))
    if isinstance(e, JobReprinted):
        # confirmed printed: now, and only now, the payment the job held is taken
        captures = (CapturePayment(e.authorisation, e.serial),) if e.authorisation else ()
        changes = {}
        if e.printer is not None:
            changes = {"printer": e.printer, "printing_available": e.printer.can_print}
        return _goto(
            s, State.TECHNICIAN, *captures, **changes, **_notice(Notice.TECH_OK, detail=e.serial)
        )
    if isinstance(e, JobAbandoned):
        voids = (VoidPayment(e.authorisation),) if e.authorisation else ()
        jobs = tuple(j for j in s.tech_jobs if j.serial != e.serial)
        return _goto(
            s, State.TECHNICIAN, *voids, tech_jobs=jobs, **_notice(Notice.TECH_OK, detail=e.serial)
        )
    return None


# -- appointments and the queue ---------------------------------------------------------------


def _checkin_entry(s: Session, e: Event) -> Step | None:
    if isinstance(e, KeypadChar):
        if len(e.char) != 1 or e.char not in ORDER_CODE_KEYS:
            raise ValueError(f"not a reference key: {e.char!r}")
        text = s.booking_code
        if len(text) < ORDER_CODE_LENGTH:
            text += e.char
        bad = _order_status(text) is IdStatus.INVALID
        args = _notice(Notice.BOOKING_CODE_INVALID) if bad else {"notice": None}
        return _goto(s, State.CHECKIN_ENTRY, booking_code=text, **args)
    if isinstance(e, KeypadBackspace):
        return _goto(s, State.CHECKIN_ENTRY, booking_code=s.booking_code[:-1], notice=None)
    if isinstance(e, KeypadClear):
        return _goto(s, State.CHECKIN_ENTRY, booking_code="", notice=None)
    if isinstance(e, Submit):
        status = _order_status(s.booking_code)
        if status is IdStatus.VALID:
            return _request(_set(s, notice=None), State.TICKET_PRINTER, CheckPrinter)
        bad = status is IdStatus.INVALID
        notice = Notice.BOOKING_CODE_INVALID if bad else Notice.BOOKING_CODE_INCOMPLETE
        return _goto(s, State.CHECKIN_ENTRY, **_notice(notice))
    if isinstance(e, CardScanned):
        code = scanned_booking(e.text)
        if code is None:
            return _goto(s, State.CHECKIN_ENTRY, **_notice(Notice.BOOKING_SCAN_UNREADABLE))
        return _request(_set(s, booking_code=code, notice=None), State.TICKET_PRINTER, CheckPrinter)
    if isinstance(e, Back):
        return _leave_first(s, booking_code="")
    if isinstance(e, Cancel):
        return _wipe(s)
    return None


def _loading_walk_in(s: Session, e: Event) -> Step | None:
    if isinstance(e, WalkInServicesLoaded):
        args = _notice(Notice.NO_SERVICES) if not e.services else {"notice": None}
        return _goto(s, State.CHOOSE_WALK_IN, services=e.services, **args)
    return _registry_trouble(s, e)


def _choose_walk_in(s: Session, e: Event) -> Step | None:
    if isinstance(e, ChooseService):
        if not 0 <= e.index < len(s.services):
            raise ValueError(f"no service number {e.index}")
        s = _set(s, service=s.services[e.index], notice=None)
        return _request(s, State.TICKET_PRINTER, CheckPrinter)
    if isinstance(e, Back):
        return _leave_first(s, services=())
    if isinstance(e, Cancel | Finish):
        return _wipe(s)
    return None


def _ticket_printer(s: Session, e: Event) -> Step | None:
    """The printer checked before the registry is asked for a ticket: a ticket no printer can
    print is never asked for (a walk-in ticket would hold a place in the queue for no one)."""
    if isinstance(e, PrinterChecked):
        s = _set(s, printer=e.status, printing_available=e.status.can_print)
        if not e.status.can_print:
            return _goto(
                s,
                State.PRINTER_UNAVAILABLE,
                _printer_fault(e.status),
                **_notice(Notice.PRINTER_UNAVAILABLE, printer=e.status.value),
            )
        if s.purpose is Purpose.CHECK_IN:
            return _request(s, State.CHECKING_IN, CheckIn, reference=s.booking_code)
        assert s.service is not None
        return _request(s, State.ISSUING_TICKET, WalkIn, service=s.service.code)
    return None


def _ticket_issuing(s: Session, e: Event) -> Step | None:
    """Checking in, or a walk-in ticket: the registry's ticket goes to the printer."""
    if isinstance(e, TicketIssued):
        s = _set(s, ticket=e.ticket)
        return _request(s, State.PRINTING_TICKET, PrintTicket, ticket=e.ticket, language=s.language)
    return _registry_trouble(s, e)


def _printing_ticket(s: Session, e: Event) -> Step | None:
    if isinstance(e, PrintProgress):
        return _set(s, pending=s.ref), ()
    if isinstance(e, PrintCompleted):
        return _goto(s, State.TICKET, notice=None)
    if isinstance(e, PrintFailed):
        assert s.ticket is not None
        return _goto(
            s,
            State.PRINT_FAILED,
            ReportFault(FaultCode.PRINT_FAILED, e.reason),
            printing_available=False,
            **_notice(Notice.TICKET_PRINT_FAILED, label=s.ticket.label),
        )
    return None


def _loading_booking(s: Session, e: Event) -> Step | None:
    if isinstance(e, BookingServicesLoaded):
        args = _notice(Notice.NO_SERVICES) if not e.services else {"notice": None}
        return _goto(s, State.CHOOSE_SERVICE, services=e.services, **args)
    if isinstance(e, BookingDaysLoaded):
        free = any(d.has_free for d in e.days)
        args = _notice(Notice.NO_DAYS) if not free else {"notice": None}
        return _goto(s, State.CHOOSE_DAY, days=e.days, **args)
    if isinstance(e, BookingTimesLoaded):
        assert s.day is not None
        slots = tuple(Slot(s.day.day, t) for t in e.times)
        args = _notice(Notice.NO_TIMES) if not slots else {"notice": None}
        return _goto(s, State.CHOOSE_TIME, slots=slots, **args)
    return _registry_trouble(s, e)


def _choose_service(s: Session, e: Event) -> Step | None:
    if isinstance(e, ChooseService):
        if not 0 <= e.index < len(s.services):
            raise ValueError(f"no service number {e.index}")
        service = s.services[e.index]
        assert s.token is not None
        s = _set(s, service=service, days=(), day=None, slots=(), slot=None)
        return _request(
            s, State.LOADING_BOOKING, LoadBookingDays, token=s.token, service=service.code
        )
    if isinstance(e, Cancel | Back | Finish):
        return _wipe(s)
    return None


def _choose_day(s: Session, e: Event) -> Step | None:
    if isinstance(e, ChooseDay):
        if not 0 <= e.index < len(s.days) or not s.days[e.index].has_free:
            raise ValueError(f"no free day number {e.index}")
        day, token, service = s.days[e.index], s.token, s.service
        assert token is not None and service is not None
        s = _set(s, day=day, slots=(), slot=None)
        return _request(
            s,
            State.LOADING_BOOKING,
            LoadBookingTimes,
            token=token,
            service=service.code,
            day=day.day,
        )
    if isinstance(e, Back):
        return _goto(s, State.CHOOSE_SERVICE, service=None, days=(), day=None, notice=None)
    if isinstance(e, Cancel):
        return _wipe(s)
    return None


def _choose_time(s: Session, e: Event) -> Step | None:
    if isinstance(e, ChooseSlot):
        if not 0 <= e.index < len(s.slots):
            raise ValueError(f"no time number {e.index}")
        return _goto(s, State.CONFIRM_BOOKING, slot=s.slots[e.index], notice=None)
    if isinstance(e, Back):
        return _goto(s, State.CHOOSE_DAY, day=None, slots=(), notice=None)
    if isinstance(e, Cancel):
        return _wipe(s)
    return None


def _confirm_booking(s: Session, e: Event) -> Step | None:
    if isinstance(e, Confirm):
        token, service, slot = s.token, s.service, s.slot
        assert token is not None and service is not None and slot is not None
        # one confirmation, one key: a retry from SERVICE_ERROR resends it, the same hold
        s = _set(s, purchase=s.purchase + 1)
        return _request(
            s,
            State.BOOKING,
            BookAppointment,
            token=token,
            service=service.code,
            slot=slot,
            idempotency_key=s.idempotency_key,
            language=s.language,
        )
    if isinstance(e, Back):
        return _goto(s, State.CHOOSE_TIME, slot=None, notice=None)
    if isinstance(e, Cancel):
        return _wipe(s)
    return None


def _booking(s: Session, e: Event) -> Step | None:
    if isinstance(e, AppointmentBooked):
        return _goto(s, State.BOOKED, booked=e.booked, notice=None)
    if isinstance(e, SlotTaken):
        return _goto(
            s, State.CHOOSE_TIME, slots=e.alternatives, slot=None, **_notice(Notice.SLOT_TAKEN)
        )
    return _registry_trouble(s, e)


_HANDLERS = {
    State.ATTRACT: _attract,
    State.OUT_OF_SERVICE: _out_of_service,
    State.LANGUAGE: _language,
    State.ID_ENTRY: _id_entry,
    State.PIN_ENTRY: _pin_entry,
    State.AUTHENTICATING: _authenticating,
    State.ORDER_ENTRY: _order_entry,
    State.ORDER_PIN: _order_pin,
    State.COLLECTING: _collecting,
    State.LOADING_ENTITLEMENTS: _loading_entitlements,
    State.CHOOSE_DOCUMENT: _choose_document,
    State.PREPARING_PREVIEW: _preparing_preview,
    State.PREVIEW: _preview,
    State.CHECKING_PRINTER: _checking_printer,
    State.PRINTER_UNAVAILABLE: _ending,
    State.PAYMENT: _payment,
    State.AUTHORISING_PAYMENT: _authorising_payment,
    State.PAYMENT_DECLINED: _payment_declined,
    State.ISSUING: _issuing,
    State.VERIFYING: _verifying,
    State.PRINTING: _printing,
    State.DONE: _ending,
    State.PRINT_FAILED: _ending,
    State.SERVICE_ERROR: _service_error,
    State.REFUSED: _refused,
    State.LOCKED: _ending,
    State.ISSUE_FAILED: _ending,
    State.IDLE_WARNING: _idle_warning,
    State.TECH_PIN: _tech_pin,
    State.TECH_VERIFYING: _tech_verifying,
    State.TECHNICIAN: _technician,
    State.TECH_BUSY: _tech_busy,
    State.CHECKIN_ENTRY: _checkin_entry,
    State.TICKET_PRINTER: _ticket_printer,
    State.CHECKING_IN: _ticket_issuing,
    State.LOADING_WALK_IN: _loading_walk_in,
    State.CHOOSE_WALK_IN: _choose_walk_in,
    State.ISSUING_TICKET: _ticket_issuing,
    State.PRINTING_TICKET: _printing_ticket,
    State.TICKET: _ending,
    State.LOADING_BOOKING: _loading_booking,
    State.CHOOSE_SERVICE: _choose_service,
    State.CHOOSE_DAY: _choose_day,
    State.CHOOSE_TIME: _choose_time,
    State.CONFIRM_BOOKING: _confirm_booking,
    State.BOOKING: _booking,
    State.BOOKED: _ending,
}
