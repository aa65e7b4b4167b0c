"""The effect runner against the real ESC/POS emulator, real layout, journal and verifier."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from kiosk_support import TECH_PIN, RunnerHarness, closed_port

from hardware.emulator.machine import EmulatorState
from hardware.emulator.server import Emulator
from hardware.status import parse_status
from kiosk_app import session as ks
from kiosk_app.adapters import HardwarePrinter, printer_state
from kiosk_app.effects import _registry_event
from kiosk_app.journal import JobState
from kiosk_app.payment import PaymentState
from registry import errors as rerr
from registry.codes import ErrorCode
from verifier.documents import DocumentType
from verifier.fixtures import DevFixtures, sample_documents
from verifier.keys import load_public_key
from verifier.qr import decode_image
from verifier.trust import load_trust_list
from verifier.verify import verify


def qr_of(dev: DevFixtures, doc: DocumentType = DocumentType.BIRTH_CERTIFICATE) -> str:
    return dev.samples[doc.slug].read_text(encoding="ascii").strip()


def verifies(dev: DevFixtures, png: Path) -> bool:
    trust = load_trust_list(dev.trust_list.read_bytes(), [load_public_key(dev.root_key)])
    texts = decode_image(png)
    return len(texts) == 1 and verify(texts[0], trust).valid


def test_verified_document_prints_and_the_paper_verifies(
    harness: RunnerHarness, emulator: Emulator, dev: DevFixtures
) -> None:
    qr = qr_of(dev)
    harness.runner.run([ks.VerifyDocument(1, qr)])
    assert harness.next() == ks.DocumentVerified(1)
    harness.runner.run([ks.PrintDocument(2, "BI26-1", qr, "ar")])
    progress = harness.next()
    assert isinstance(progress, ks.PrintProgress)
    assert harness.next(ks.PrintCompleted) == ks.PrintCompleted(2)
    (receipt,) = emulator.wait_for_receipts(1)
    assert receipt.complete
    assert verifies(dev, receipt.path)
    (job,) = harness.journal.jobs()
    assert (job.state, job.serial, job.attempts) == (JobState.PRINTED, "BI26-1", 1)


def test_tampered_document_is_rejected_and_never_printed(
    harness: RunnerHarness, emulator: Emulator, dev: DevFixtures
) -> None:
    qr = qr_of(dev)
    tampered = qr[:-6] + ("A" if qr[-6] != "A" else "B") + qr[-5:]
    harness.runner.run([ks.VerifyDocument(1, tampered)])
    rejected = harness.next()
    assert isinstance(rejected, ks.DocumentRejected)
    assert rejected.reason in ("bad_signature", "malformed")
    # even if asked, the runner refuses to print what it has not verified
    harness.runner.run([ks.PrintDocument(2, "X", tampered, "ar")])
    assert harness.next() == ks.PrintFailed(2, "not_verified", kept=False)  # nothing kept
    harness.runner.drain()
    assert emulator.receipts() == []
    assert harness.journal.jobs() == []


def _authorised(harness: RunnerHarness, reference: str) -> str:
    harness.runner.run([ks.AuthorisePayment(90, 500, "YER", reference)])
    auth = harness.next(ks.PaymentAuthorised)
    return auth.authorisation  # type: ignore[attr-defined,no-any-return]


def _failed_print(
    harness: RunnerHarness, emulator: Emulator, dev: DevFixtures, serial: str
) -> tuple[str, str, int]:
    """A verified document whose print runs out of paper; (QR text, authorisation, job id)."""
    qr = qr_of(dev, DocumentType.DEATH_CERTIFICATE)
    auth = _authorised(harness, f"nonce-{serial}")
    harness.runner.run([ks.VerifyDocument(1, qr)])
    harness.next(ks.DocumentVerified)
    emulator.paper_out_after(200)
    harness.runner.run([ks.PrintDocument(2, serial, qr, "en", auth)])
    failed = harness.next(ks.PrintFailed)
    assert failed == ks.PrintFailed(2, "paper-out", kept=True)
    (job,) = harness.journal.jobs(JobState.FAILED)
    assert job.qr_text == qr  # kept for the reprint ...
    assert job.held_payment == auth  # ... with the payment, still only authorised
    assert harness.payment.get(auth).state is PaymentState.AUTHORISED
    return qr, auth, job.id


def test_paper_out_mid_print_fails_then_technician_reprints_and_it_is_paid_once(
    harness: RunnerHarness, emulator: Emulator, dev: DevFixtures
) -> None:
    _qr, auth, job_id = _failed_print(harness, emulator, dev, "DE26-1")
    harness.runner.run([ks.LoadTechnicianData(3)])
    data = harness.next(ks.TechnicianData)
    assert [j.serial for j in data.jobs] == ["DE26-1"]  # type: ignore[attr-defined]
    emulator.clear()  # paper replaced
    harness.runner.run([ks.ReprintJob(4, job_id)])
    done = harness.next(ks.JobReprinted)
    # printed: the session is handed the payment the job held, to capture it now
    assert done == ks.JobReprinted(4, "DE26-1", auth, ks.PrinterState.READY)
    receipts = emulator.wait_for_receipts(2)
    assert receipts[-1].complete
    assert verifies(dev, receipts[-1].path)
    assert harness.journal.get(job_id).state is JobState.PRINTED
    harness.runner.run([ks.CapturePayment(auth, "DE26-1")])
    harness.runner.drain()
    assert harness.payment.get(auth).state is PaymentState.CAPTURED
    job = harness.journal.get(job_id)
    assert (job.payment, job.payment_state, job.held_payment) == (
        auth,
        PaymentState.CAPTURED,
        None,
    )
    # a second reprint of the same job prints, and has nothing left to capture
    harness.runner.run([ks.ReprintJob(5, job_id)])
    assert harness.next(ks.JobReprinted) == ks.JobReprinted(
        5, "DE26-1", None, ks.PrinterState.READY
    )
    assert [a.state for a in harness.payment.ledger] == [PaymentState.CAPTURED]


def test_a_cancelled_job_is_never_printed_and_its_payment_is_voided(
    harness: RunnerHarness, emulator: Emulator, dev: DevFixtures
) -> None:
    _qr, auth, job_id = _failed_print(harness, emulator, dev, "DE26-2")
    harness.runner.run([ks.AbandonJob(3, job_id)])
    assert harness.next(ks.JobAbandoned) == ks.JobAbandoned(3, "DE26-2", auth)
    harness.runner.run([ks.VoidPayment(auth)])
    harness.runner.drain()
    assert harness.payment.get(auth).state is PaymentState.VOIDED
    job = harness.journal.get(job_id)
    assert (job.state, job.qr_text, job.payment_state) == (
        JobState.CANCELLED,
        None,
        PaymentState.VOIDED,
    )
    harness.runner.run([ks.LoadTechnicianData(4)])
    assert harness.next(ks.TechnicianData).jobs == ()  # type: ignore[attr-defined]
    emulator.clear()
    harness.runner.run([ks.ReprintJob(5, job_id)])  # a stale list cannot bring it back
    assert harness.next(ks.TechnicianActionDone) == ks.TechnicianActionDone(5, False, "purged")
    harness.runner.run([ks.AbandonJob(6, job_id + 1)])
    refused = harness.next(ks.TechnicianActionDone)
    assert not refused.ok  # type: ignore[attr-defined]
    assert len(emulator.receipts()) == 1  # only the torn one


def test_the_retention_purge_voids_a_job_that_was_never_reprinted(
    harness: RunnerHarness, emulator: Emulator, dev: DevFixtures
) -> None:
    _qr, auth, job_id = _failed_print(harness, emulator, dev, "DE26-3")
    assert harness.runner.purge(dt.timedelta(days=30)) == 0  # too recent: kept
    assert harness.payment.get(auth).state is PaymentState.AUTHORISED
    time.sleep(0.01)
    assert harness.runner.purge(dt.timedelta(0)) == 1
    assert harness.payment.get(auth).state is PaymentState.VOIDED
    job = harness.journal.get(job_id)
    assert (job.qr_text, job.payment_state) == (None, PaymentState.VOIDED)
    assert harness.runner.purge(dt.timedelta(0)) == 0  # voided once, not again
    assert [a.state for a in harness.payment.ledger] == [PaymentState.VOIDED]


def test_kiosk_refusals_become_out_of_service_events() -> None:
    revoked = rerr.KioskAuthError("revoked", code=ErrorCode.KIOSK_REVOKED)
    unknown = rerr.KioskAuthError("unknown", code=ErrorCode.KIOSK_UNKNOWN)
    stale = rerr.KioskAuthError("stale", code=ErrorCode.TIMESTAMP_STALE)
    assert _registry_event(4, revoked) == ks.KioskRefused(4, "kiosk_revoked")
    assert _registry_event(4, unknown) == ks.KioskRefused(4, "kiosk_unknown")
    # a clock that drifted is no reason to take the kiosk out of service
    assert _registry_event(4, stale) == ks.RegistryRefused(4, "timestamp_stale")


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (EmulatorState.OK, ks.PrinterState.READY),
        (EmulatorState.NEAR_END, ks.PrinterState.PAPER_NEAR_END),
        (EmulatorState.PAPER_OUT, ks.PrinterState.PAPER_OUT),
        (EmulatorState.COVER_OPEN, ks.PrinterState.COVER_OPEN),
        (EmulatorState.OFFLINE, ks.PrinterState.OFFLINE),
        (EmulatorState.CUTTER_ERROR, ks.PrinterState.ERROR),
        (EmulatorState.SILENT, ks.PrinterState.UNKNOWN),
    ],
)
def test_printer_status_through_the_emulator(
    harness: RunnerHarness, emulator: Emulator, state: EmulatorState, expected: ks.PrinterState
) -> None:
    emulator.set_state(state)
    harness.runner.run([ks.CheckPrinter(7)])
    assert harness.next() == ks.PrinterChecked(7, expected)


def test_unreachable_printer_is_offline() -> None:
    printer = HardwarePrinter(f"tcp://127.0.0.1:{closed_port()}", width_dots=576, timeout=0.5)
    assert printer.status() is ks.PrinterState.OFFLINE


def test_garbled_status_is_unknown() -> None:
    assert printer_state(parse_status(None, None, None, None)) is ks.PrinterState.UNKNOWN


def test_registry_down_maps_to_unavailable(harness: RunnerHarness) -> None:
    harness.runner.run([ks.AuthenticateCitizen(1, "1234567897", "1234", ks.IdMethod.KEYPAD)])
    assert harness.next() == ks.RegistryUnavailable(1)
    harness.runner.run([ks.CheckRegistry(2)])
    done = harness.next()
    assert done == ks.TechnicianActionDone(2, False, "RegistryUnreachable")
    harness.runner.run([ks.FetchEntitlements(3, "no-such-token")])
    assert harness.next() == ks.RegistryRefused(3, "session_invalid")


def test_payment_effects_follow_the_ledger(harness: RunnerHarness) -> None:
    harness.runner.run([ks.AuthorisePayment(1, 500, "YER", "nonce-1")])
    auth = harness.next()
    assert isinstance(auth, ks.PaymentAuthorised)
    harness.runner.run([ks.CapturePayment(auth.authorisation, "S1")])
    harness.runner.drain()
    assert harness.payment.get(auth.authorisation).state.value == "captured"
    harness.runner.run([ks.VoidPayment(auth.authorisation)])  # refused: already captured
    harness.runner.drain()
    faults = harness.journal.recent_faults()
    assert faults[0][1] == "payment_void_refused"


def test_technician_pin_check(harness: RunnerHarness) -> None:
    harness.runner.run([ks.VerifyTechnicianPin(1, "00000"), ks.VerifyTechnicianPin(2, TECH_PIN)])
    first, second = harness.next(), harness.next()
    assert isinstance(first, ks.TechnicianPinChecked)
    assert not first.ok
    assert isinstance(second, ks.TechnicianPinChecked)
    assert second.ok


def test_idle_timer_fires_once_and_can_be_replaced(harness: RunnerHarness) -> None:
    harness.runner.run([ks.StartIdleTimer(1, 60), ks.StartIdleTimer(2, 0)])
    assert harness.next(timeout=2) == ks.IdleTimeout(2)
    harness.runner.run([ks.StartIdleTimer(3, 1), ks.StopIdleTimer()])
    time.sleep(1.3)
    assert harness.events.empty()  # stopped before it fired


def test_preview_of_a_document_is_marked_and_wiped(
    harness: RunnerHarness, tmp_path: Path, dev: DevFixtures
) -> None:
    document = sample_documents()[DocumentType.BIRTH_CERTIFICATE]
    out = tmp_path / "p.png"
    path = harness.runner.renderer.preview(document, "ar", out)
    assert path.exists()
    trust = load_trust_list(dev.trust_list.read_bytes(), [load_public_key(dev.root_key)])
    (text,) = decode_image(path)  # a photo of the screen cannot pass for the document
    assert verify(text, trust).status.value == "unknown_signer"
    harness.runner._previews.append(path)
    harness.runner.run([ks.WipeSession()])
    harness.runner.drain()
    assert not path.exists()  # and it leaves with the citizen


def test_technician_test_print_reaches_the_printer(
    harness: RunnerHarness, emulator: Emulator
) -> None:
    harness.runner.run([ks.TestPrint(5)])
    done = harness.next(ks.TechnicianActionDone)
    assert done == ks.TechnicianActionDone(5, True, "test print", ks.PrinterState.READY)
    (receipt,) = emulator.wait_for_receipts(1)
    assert receipt.complete
    assert receipt.width == 576
    emulator.set_state(EmulatorState.COVER_OPEN)
    harness.runner.run([ks.TestPrint(6)])
    failed = harness.next(ks.TechnicianActionDone)
    assert failed == ks.TechnicianActionDone(6, False, "cover-open", ks.PrinterState.COVER_OPEN)


def test_capture_is_retried_when_the_provider_does_not_answer(harness: RunnerHarness) -> None:
    """stamina repeats a capture the provider did not answer (it is idempotent), once done
    it is captured exactly once; a programming error is not mistaken for an outage."""
    auth = harness.payment.authorise(1000, "JOD", "purchase-1")
    real = harness.payment.capture
    calls: list[str] = []

    def flaky(authorisation_id: str) -> Any:
        calls.append(authorisation_id)
        if len(calls) < 3:
            raise ConnectionResetError("terminal unreachable")
        return real(authorisation_id)

    harness.payment.capture = flaky  # type: ignore[method-assign]
    harness.runner.run([ks.CapturePayment(auth.id, "B26-0000001-8")])
    harness.runner.drain()
    assert len(calls) == 3
    assert harness.payment.get(auth.id).state is PaymentState.CAPTURED

    other = harness.payment.authorise(500, "JOD", "purchase-2")
    bugs: list[str] = []

    def buggy(authorisation_id: str) -> Any:
        bugs.append(authorisation_id)
        raise KeyError("a bug, not an outage")

    harness.payment.void = buggy  # type: ignore[method-assign]
    harness.runner.run([ks.VoidPayment(other.id)])
    harness.runner.drain()
    assert bugs == [other.id]  # not retried
    assert harness.payment.get(other.id).state is PaymentState.AUTHORISED


class _BuggyRegistry:
    """A registry port with a programming error in it, beside one that is simply away."""

    def __init__(self, bug: bool) -> None:
        self.bug = bug

    def authenticate(self, national_id: str, pin: str, method: ks.IdMethod) -> str:
        if self.bug:
            raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")
        raise rerr.RegistryUnreachable("connect failed")

    def end(self, token: str) -> None:
        pass


def test_an_outage_is_registry_unavailable_but_a_bug_is_a_bug(
    harness: RunnerHarness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.runner.registry = _BuggyRegistry(bug=False)  # type: ignore[assignment]
    harness.runner.run([ks.AuthenticateCitizen(1, "1234567897", "1234", ks.IdMethod.KEYPAD)])
    assert harness.next() == ks.RegistryUnavailable(1)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]

    harness.runner.registry = _BuggyRegistry(bug=True)  # type: ignore[assignment]
    with caplog.at_level("ERROR", logger="kiosk_app.effects"):
        harness.runner.run([ks.AuthenticateCitizen(2, "1234567897", "1234", ks.IdMethod.KEYPAD)])
        event = harness.next()
    assert event == ks.EffectFailed(2, "AuthenticateCitizen")
    bug = [r for r in caplog.records if r.levelname == "ERROR" and r.exc_info]
    assert bug and bug[0].exc_info is not None and bug[0].exc_info[0] is TypeError
    assert "Traceback" in caplog.text and "unsupported operand" in caplog.text


def test_a_bug_in_a_printer_port_is_not_a_printer_fault(harness: RunnerHarness) -> None:
    class Buggy:
        def status(self) -> ks.PrinterState:
            raise AttributeError("'NoneType' object has no attribute 'read'")

    harness.runner.printer = Buggy()  # type: ignore[assignment]
    harness.runner.run([ks.CheckPrinter(5)])
    assert harness.next() == ks.EffectFailed(5, "CheckPrinter")


def test_one_printer_state_enum_hardwares() -> None:
    import hardware.status
    from kiosk_app import adapters, effects, registry_port

    assert ks.PrinterState is hardware.status.PrinterState
    for module in (adapters, effects, registry_port, ks):
        assert not [
            v
            for v in vars(module).values()
            if isinstance(v, type) and v.__name__ == "PrinterState" and v is not ks.PrinterState
        ]
    # the hardware status says it itself: silence is UNKNOWN, never READY
    assert parse_status(None, None, None, None).state is hardware.status.PrinterState.UNKNOWN
    assert not hardware.status.PrinterState.UNKNOWN.can_print
