"""The effect runner against the real ESC/POS emulator, real layout, journal and verifier."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from kiosk_support import TECH_PIN, RunnerHarness, closed_port

from hardware.emulator.machine import EmulatorState
from hardware.emulator.server import Emulator
from hardware.status import parse_status
from kiosk_app import session as ks
from kiosk_app.adapters import HardwarePrinter, printer_state
from kiosk_app.journal import JobState
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
    assert harness.next() == ks.PrintFailed(2, "not_verified")
    harness.runner.drain()
    assert emulator.receipts() == []
    assert harness.journal.jobs() == []


def test_paper_out_mid_print_fails_then_technician_reprints(
    harness: RunnerHarness, emulator: Emulator, dev: DevFixtures
) -> None:
    qr = qr_of(dev, DocumentType.DEATH_CERTIFICATE)
    harness.runner.run([ks.VerifyDocument(1, qr)])
    harness.next(ks.DocumentVerified)
    emulator.paper_out_after(200)
    harness.runner.run([ks.PrintDocument(2, "DE26-1", qr, "en")])
    failed = harness.next(ks.PrintFailed)
    assert failed.ref == 2  # type: ignore[attr-defined]
    assert failed.reason == "paper-out"  # type: ignore[attr-defined]
    (job,) = harness.journal.jobs(JobState.FAILED)
    assert job.qr_text == qr  # kept for the reprint
    harness.runner.run([ks.LoadTechnicianData(3)])
    data = harness.next(ks.TechnicianData)
    assert [j.serial for j in data.jobs] == ["DE26-1"]  # type: ignore[attr-defined]
    emulator.clear()  # paper replaced
    harness.runner.run([ks.ReprintJob(4, job.id)])
    done = harness.next(ks.TechnicianActionDone)
    assert done == ks.TechnicianActionDone(4, True, "DE26-1", ks.PrinterState.READY)
    receipts = emulator.wait_for_receipts(2)
    assert receipts[-1].complete
    assert verifies(dev, receipts[-1].path)
    assert harness.journal.get(job.id).state is JobState.PRINTED


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
