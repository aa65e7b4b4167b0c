"""Fault drills on the running system (same harness as the acceptance run): something breaks
in the middle of real work, and afterwards nothing was lost and nothing was done twice.

1. The printer runs out of paper mid-job: the journal keeps the job with the citizen's open
   authorisation, the technician reprints the same document, and the payment is captured
   exactly once, after the reprint was confirmed.
2. The registry is killed in the middle of an issuance (after it committed, before the kiosk
   heard): the kiosk's retry returns the same document, one row, one payment.
3. The verifier is restarted while the registry is down: it serves from its cache and says so.
4. The kiosk process is killed mid-session: it restarts on the attract screen with nothing of
   the citizen on screen or on disk beyond the journal.
5. The database drops the registry's connections under load (pg_terminate_backend on this
   test's database only): every issuance completes once, none twice, and the audit log holds.
"""

from __future__ import annotations

import functools
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from system_support import (
    FINISH,
    PG_ADMIN,
    TECH_PIN,
    CutProxy,
    System,
    answer_json,
    buy_steps,
    journey,
    login_steps,
    wait_for,
)

from kiosk_app.journal import JobState, Journal
from kiosk_app.payment import PaymentState
from verifier.keys import SigningKey, save_public_key
from verifier.qr import decode_image

pytestmark = [pytest.mark.slow, pytest.mark.gui, pytest.mark.postgres]

BIRTH = 1


def _qr(receipt: dict[str, Any]) -> str:
    (text_,) = decode_image(Path(receipt["path"]))
    return text_


def _documents_of(system: System, kiosk_id: str) -> list[tuple[str, str]]:
    """(serial, payment reference) of every document the registry issued through a kiosk."""
    engine = create_engine(system.registry.db_url)
    try:
        with engine.connect() as c:
            rows = c.execute(
                text("SELECT serial, payment_reference FROM documents WHERE kiosk_id = :k"),
                {"k": kiosk_id},
            ).all()
    finally:
        engine.dispose()
    return [(str(r[0]), str(r[1])) for r in rows]


@pytest.fixture
def registry_back(kiosks: System) -> Any:
    """Whatever a drill did to the registry, it is running again afterwards."""
    yield kiosks.registry
    if not kiosks.registry.healthy():
        kiosks.registry.kill()
        kiosks.registry.start()


def test_paper_runs_out_mid_job_then_the_technician_reprints(kiosks: System) -> None:
    kiosk, printer = kiosks.kiosk("DRILL-PAPER")
    citizen = kiosks.citizen(exclude=("deceased",), skip=1)
    printer.control("paper-out-after 300")
    ended = kiosk.run(*journey("ar", citizen, BIRTH, "self"))
    assert ended["state"] == "print_failed"
    report = kiosk.report()
    serial = report["serial"]
    (payment,) = report["payments"]
    assert payment["state"] == "authorised"  # not taken for a torn page, not released either
    journal = Journal(kiosk.base / "state" / "journal.sqlite3")
    (job,) = journal.jobs()
    assert (job.serial, job.state) == (serial, JobState.FAILED)  # the journal kept the job ...
    assert job.held_payment == payment["id"]  # ... and the payment with it
    kiosk.run(FINISH)
    assert [p["state"] for p in kiosk.report()["payments"]] == ["authorised"]

    printer.control("clear")  # the technician puts in a new roll
    kiosk.run(
        {"label": "gesture", "do": "corner", "until": ["tech_pin"]},
        {"label": "tech pin", "do": "keys", "text": TECH_PIN},
        {"label": "tech ok", "do": "tap_key", "key": "button.ok", "until": ["technician"]},
    )
    assert kiosk.report()["tech_jobs"] == 1
    assert [p["state"] for p in kiosk.report()["payments"]] == ["authorised"]
    kiosk.run({"label": "reprint", "do": "reprint", "until": ["technician"], "timeout": 60})
    after = kiosk.report()
    assert after["notice"] == "notice.tech_ok", after
    receipts = printer.wait_receipts(2)
    assert not receipts[0]["complete"] and receipts[1]["complete"]
    verdict = kiosks.verifier.verify(_qr(receipts[1]))
    assert verdict["valid"] and verdict["document"]["serial"] == serial
    # one document at the registry, one authorisation at the kiosk, captured exactly once
    assert _documents_of(kiosks, "DRILL-PAPER") == [(serial, payment["id"])]

    def captured() -> list[dict[str, Any]] | None:
        payments: list[dict[str, Any]] = kiosk.report()["payments"]
        return payments if payments[0]["state"] != "authorised" else None

    (paid,) = wait_for(captured, 30, "the reprint's capture")
    assert (paid["id"], paid["state"], paid["amount"]) == (
        payment["id"],
        "captured",
        payment["amount"],
    )
    (job,) = journal.jobs()
    assert (job.serial, job.state, job.attempts) == (serial, JobState.PRINTED, 2)
    assert (job.payment, job.payment_state, job.held_payment) == (
        payment["id"],
        PaymentState.CAPTURED,
        None,
    )
    kiosk.run({"label": "leave", "do": "tap_key", "key": "tech.exit", "until": ["attract"]})
    assert [p["state"] for p in kiosk.report()["payments"]] == ["captured"]  # still once


def test_registry_killed_mid_issuance_then_the_retry_returns_the_same_document(
    kiosks: System, registry_back: Any
) -> None:
    registry = kiosks.registry
    proxy = CutProxy(registry.port)
    try:
        kiosk, printer = kiosks.kiosk("DRILL-CUT", registry_url=proxy.url)
        citizen = kiosks.citizen("married", exclude=("divorced", "deceased"), skip=1)
        steps = [*login_steps("en", citizen["national_id"], citizen["pin"]), *buy_steps(BIRTH)]
        kiosk.run(*steps[:-1])  # up to the payment screen
        proxy.arm()
        (pay,) = kiosk.send(steps[-1])
        assert proxy.held_event.wait(30), "the issuance never reached the registry"
        registry.kill()  # it committed the document; its answer is lost with it
        proxy.release.set()
        assert kiosk.wait_step(pay)["state"] == "service_error"
        lost = answer_json(proxy.held or b"")
        assert lost["_status"] == 201 and not lost["replayed"]
        assert printer.receipts() == []

        registry.start()
        retried = kiosk.run(
            {"label": "retry", "do": "tap_key", "key": "button.retry",
             "until": ["done", "print_failed", "service_error", "issue_failed"], "timeout": 60}
        )  # fmt: skip
        assert retried["state"] == "done"
        report = kiosk.report()
        assert report["serial"] == lost["serial"]
        delivered = [answer_json(raw) for raw in proxy.delivered]
        assert [(d["_status"], d["replayed"], d["serial"]) for d in delivered] == [
            (200, True, lost["serial"])
        ]
        (receipt,) = printer.wait_receipts(1)
        verdict = kiosks.verifier.verify(_qr(receipt))
        assert verdict["valid"] and verdict["document"]["serial"] == lost["serial"]
        (payment,) = report["payments"]
        assert payment["state"] == "captured"
        assert _documents_of(kiosks, "DRILL-CUT") == [(lost["serial"], payment["id"])]
        kiosk.run(FINISH)
    finally:
        proxy.close()


def _issue_by_api(system: System, kiosk_id: str) -> str:
    """A document issued straight through the registry's API (no kiosk UI needed)."""
    from registry.client import RegistryClient

    key = SigningKey.generate()
    pub = system.base / f"{kiosk_id}.pub.jwk"
    save_public_key(key.public, pub)
    system.registry.admin("kiosk", "enroll", "--id", kiosk_id, "--public-key", str(pub))
    citizen = system.citizen(exclude=("deceased",), skip=3)
    with RegistryClient(system.registry.url, kiosk_id, key, timeout=10) as client:
        session = client.login(national_id=citizen["national_id"], pin=citizen["pin"])
        offer = next(o for o in client.entitlements(session) if int(o.document_type) == BIRTH)
        issued = client.issue(
            session,
            document_type=offer.document_type,
            subject=offer.subject,
            payment_reference=f"DRILL-{uuid.uuid4().hex[:12]}",
        )
    return issued.qr_text


def test_verifier_restarted_with_the_registry_down_serves_from_its_cache(
    kiosks: System, registry_back: Any
) -> None:
    registry, verifier = kiosks.registry, kiosks.verifier
    qr = _issue_by_api(kiosks, "DRILL-VERIFY")
    from system_support import trust_sequence

    verifier.wait_sequence(trust_sequence(registry))
    verifier.stop()
    registry.kill()
    verifier.start()  # ready only if it holds a trust list: from its cache
    status = verifier.status()
    assert status["source"] == "cache" and status["online"] is False, status
    assert status["last_refresh_error"], status
    verdict = verifier.verify(qr)
    assert verdict["valid"], verdict
    assert verdict["trust_list"]["source"] == "cache"
    assert verdict["trust_list"]["online"] is False

    registry.start()
    wait_for(lambda: verifier.status()["online"], 30, "the verifier to reach the registry again")
    assert verifier.verify(qr)["valid"]


def test_kiosk_killed_mid_session_restarts_on_attract_with_nothing_left(
    kiosks: System,
) -> None:
    kiosk, printer = kiosks.kiosk("DRILL-CRASH")
    citizen = kiosks.citizen(exclude=("deceased",), skip=4)
    steps = [*login_steps("ar", citizen["national_id"], citizen["pin"]), *buy_steps(BIRTH)]
    assert kiosk.run(*steps[:-2])["state"] == "preview"  # the citizen is looking at a preview
    assert kiosk.report()["citizen_data"]
    kiosk.kill()
    kiosk.start()  # as systemd would
    report = kiosk.report()
    assert (report["state"], report["screen"], report["citizen_data"]) == (
        "attract",
        "attract",
        False,
    )
    shown = [r for r in kiosk.records() if r["kind"] == "shown"]
    assert {r["state"] for r in shown} == {"attract"}
    assert not any(r["citizen_data"] for r in shown)
    assert report["payments"] == []
    state = kiosk.base / "state"
    assert Journal(state / "journal.sqlite3").jobs() == []
    left = sorted(p.relative_to(state).as_posix() for p in state.rglob("*") if p.is_file())
    # the journal, and the trust list's cache (the list and its URL, ETag, time and sequence)
    allowed = {"journal.sqlite3", "journal.sqlite3-wal", "journal.sqlite3-shm", "trust-list.cose",
               "trust-list.meta.json"}  # fmt: skip
    # in particular no previews/: the killed session's specimen of the citizen's document
    assert set(left) <= allowed, left
    assert printer.receipts() == []
    assert _documents_of(kiosks, "DRILL-CRASH") == []


def test_database_drops_connections_under_load_nothing_lost_nothing_twice(
    kiosks: System,
) -> None:
    from registry.client import RegistryClient
    from registry.errors import RegistryError, RegistryUnreachable

    registry = kiosks.registry
    workers, per_worker = 3, 4
    keys = {}
    for i in range(workers):
        kid = f"DRILL-LOAD-{i}"
        key = SigningKey.generate()
        save_public_key(key.public, kiosks.base / f"{kid}.pub.jwk")
        registry.admin("kiosk", "enroll", "--id", kid, "--public-key",
                       str(kiosks.base / f"{kid}.pub.jwk"))  # fmt: skip
        keys[kid] = key
    results: dict[str, list[tuple[str, str]]] = {k: [] for k in keys}
    errors: list[str] = []
    stop = threading.Event()

    def work(kid: str, skip: int) -> None:
        citizen = kiosks.citizen(exclude=("deceased",), skip=10 + skip)
        try:
            with RegistryClient(registry.url, kid, keys[kid], timeout=10) as client:
                session = _retry(lambda: client.login(
                    national_id=citizen["national_id"], pin=citizen["pin"]))  # fmt: skip
                offers = _retry(lambda: client.entitlements(session))
                offer = next(o for o in offers if int(o.document_type) == BIRTH)
                for n in range(per_worker):
                    idem = f"{kid}-{n}-{uuid.uuid4().hex[:8]}"
                    pay = f"PAY-{idem}"
                    issue = functools.partial(
                        client.issue, session, document_type=offer.document_type,
                        subject=offer.subject, payment_reference=pay, idempotency_key=idem,
                    )  # fmt: skip
                    doc = _retry(issue)
                    again = _retry(issue)  # the same request again: the same document
                    assert again.replayed and again.serial == doc.serial
                    results[kid].append((doc.serial, pay))
        except (RegistryError, AssertionError, StopIteration) as exc:
            errors.append(f"{kid}: {type(exc).__name__}: {exc}")

    def _retry(fn: Any) -> Any:
        for _ in range(40):
            try:
                return fn()
            except RegistryUnreachable:  # 503 or no answer: the database is coming back
                stop.wait(0.25)
        raise AssertionError("the registry did not recover")

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    db_name = registry.db_url.rsplit("/", 1)[1]
    terminated = 0

    def cut() -> None:
        nonlocal terminated
        with admin.connect() as c:
            while not stop.is_set():
                got = c.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = :n AND pid <> pg_backend_pid()"
                    ),
                    {"n": db_name},
                ).scalar()
                terminated += int(got or 0)
                stop.wait(0.3)

    threads = [threading.Thread(target=work, args=(k, i)) for i, k in enumerate(keys)]
    cutter = threading.Thread(target=cut)
    cutter.start()
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join(120)
    finally:
        stop.set()
        cutter.join(10)
        admin.dispose()
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert errors == []
    assert terminated > 0, "no connection was ever cut: the drill proved nothing"
    for kid, issued in results.items():
        assert len(issued) == per_worker
        assert sorted(_documents_of(kiosks, kid)) == sorted(issued)  # none lost, none twice
    serials = [s for issued in results.values() for s, _ in issued]
    assert len(set(serials)) == len(serials)
    audit = registry.admin("audit", "verify", "--json")
    assert '"ok": true' in audit.stdout
    assert registry.healthy()
