"""End-to-end acceptance: the registry on PostgreSQL, a verifier service and two kiosks, each
its own process, and the whole life of two certificates.

Citizen A (Arabic) gets a birth certificate at kiosk 1 while citizen B (English) gets a
marriage certificate at kiosk 2; both receipts (the emulators' PNGs) are decoded and verify
VALID at the verifier service. B's certificate is revoked and, after the verifier's refresh,
is not valid; the signer key is rotated, A's certificate still verifies and a new one is
signed by the new key. Kiosk 2 is revoked: its next request is refused and it shows
out-of-service, and stays so (touches start nothing, across heartbeats) while technician mode
still works and says why; re-enrolled, it is back in service at its next heartbeat. The audit
log verifies and the fleet shows both kiosks with their printers.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from system_support import (
    CENTRE_AR,
    FINISH,
    TECH_PIN,
    System,
    journey,
    login_steps,
    trust_sequence,
    wait_for,
)

from kiosk_app.journal import JobState, Journal
from verifier.qr import decode_image

pytestmark = [pytest.mark.slow, pytest.mark.gui, pytest.mark.postgres]

BIRTH, MARRIAGE = 1, 3


def _qr(receipt: dict[str, Any]) -> str:
    assert receipt["complete"], receipt
    (text,) = decode_image(Path(receipt["path"]))
    return text


def test_two_citizens_two_kiosks_revocation_rotation_and_a_revoked_kiosk(
    kiosks: System,
) -> None:
    registry, verifier = kiosks.registry, kiosks.verifier
    k1, p1 = kiosks.kiosk("SYS-K1")
    k2, p2 = kiosks.kiosk("SYS-K2")
    a = kiosks.citizen(exclude=("deceased",))
    b = kiosks.citizen("married", exclude=("divorced",))

    # -- A (Arabic, birth) and B (English, marriage) at the same time -------------------------
    last1 = k1.send(*journey("ar", a, BIRTH, "self"))[-1]
    last2 = k2.send(*journey("en", b, MARRIAGE))[-1]
    assert k1.wait_step(last1)["state"] == "done"
    assert k2.wait_step(last2)["state"] == "done"
    r1, r2 = k1.report(), k2.report()
    for report in (r1, r2):
        assert [p["state"] for p in report["payments"]] == ["captured"]  # paid once
    serial_a, serial_b = r1["serial"], r2["serial"]
    assert serial_a.startswith("B") and serial_b.startswith("M")
    qr_a = _qr(p1.wait_receipts(1)[0])
    qr_b = _qr(p2.wait_receipts(1)[0])

    verdict_a, verdict_b = verifier.verify(qr_a), verifier.verify(qr_b)
    assert (verdict_a["valid"], verdict_a["status"]) == (True, "valid"), verdict_a
    assert (verdict_b["valid"], verdict_b["status"]) == (True, "valid"), verdict_b
    assert verdict_a["document"]["serial"] == serial_a
    assert verdict_b["document"]["serial"] == serial_b
    assert verdict_a["document"]["type"] == "birth_certificate"
    assert verdict_b["document"]["type"] == "marriage_certificate"
    image = verifier.verify_image(Path(p1.receipts()[0]["path"]))
    assert image["found"] == 1 and image["verdicts"][0]["valid"], image

    # both citizens finish: the kiosks are back on attract with nothing of them on screen
    k1.run(FINISH)
    k2.run(FINISH)
    for k in (k1, k2):
        report = k.report()
        assert (report["state"], report["citizen_data"]) == ("attract", False)
        (job,) = Journal(k.base / "state" / "journal.sqlite3").jobs()
        assert job.state is JobState.PRINTED

    # -- the administrator revokes B's certificate --------------------------------------------
    before = trust_sequence(registry)
    registry.admin("document", "revoke", serial_b, "--reason", "issued in error")
    after = trust_sequence(registry)
    assert after > before
    verifier.wait_sequence(after)
    revoked = verifier.verify(qr_b)
    assert (revoked["valid"], revoked["status"]) == (False, "document_revoked"), revoked
    assert verifier.verify(qr_a)["valid"]
    kiosks.artifacts.update(receipt_a=p1.receipts()[0]["path"], qr_b=qr_b)  # for the page test

    # -- the signer key is rotated: A's still verifies, a new one is signed by the new key ---
    old_kid = verdict_a["kid"]
    registry.admin("keys", "rotate")
    rotated = trust_sequence(registry)
    assert rotated > after
    verifier.wait_sequence(rotated)
    still = verifier.verify(qr_a)
    assert (still["valid"], still["kid"]) == (True, old_kid), still
    last = k1.send(*journey("ar", a, BIRTH, "self"))[-1]
    assert k1.wait_step(last)["state"] == "done"
    new_serial = k1.report()["serial"]
    assert new_serial != serial_a
    qr_new = _qr(p1.wait_receipts(2)[1])
    fresh = verifier.verify(qr_new)
    assert fresh["valid"] and fresh["document"]["serial"] == new_serial, fresh
    assert fresh["kid"] != old_kid
    k1.run(FINISH)

    # -- kiosk 2 is revoked: its next request is refused and it shows out-of-service ----------
    *to_pin, pin_ok = login_steps("en", b["national_id"], b["pin"])
    k2.run(*to_pin)  # a citizen is typing a PIN when the kiosk is revoked
    registry.admin("kiosk", "revoke", "--id", "SYS-K2", "--reason", "stolen")
    refused = k2.run({**pin_ok, "until": [*pin_ok["until"], "out_of_service"]})
    refused_at = time.monotonic()
    assert refused["state"] == "out_of_service"
    report = k2.report()
    assert (report["screen"], report["kiosk_refused"]) == ("out_of_service", "kiosk_revoked")
    assert report["citizen_data"] is False  # the citizen's journey ended with the refusal
    # no citizen can start a journey: a touch does nothing
    k2.run({"label": "touch", "do": "touch", "until": ["out_of_service"]})
    # technician mode still works, and says why
    k2.run(
        {"label": "gesture", "do": "corner", "until": ["tech_pin"]},
        {"label": "tech pin", "do": "keys", "text": TECH_PIN},
        {"label": "tech ok", "do": "tap_key", "key": "button.ok", "until": ["technician"]},
        {"label": "check", "do": "tap_key", "key": "tech.check_registry", "until": ["technician"],
         "timeout": 30},
    )  # fmt: skip
    tech = k2.report()
    assert (tech["state"], tech["kiosk_refused"]) == ("technician", "kiosk_revoked")
    assert (
        tech["notice"] == "notice.tech_failed" and "kiosk_revoked" in tech["notice_args"]["detail"]
    )
    k2.run({"label": "leave", "do": "tap_key", "key": "tech.exit", "until": ["out_of_service"]})
    # past the next heartbeat (every 5 s), still out of service, and touches still do nothing
    time.sleep(max(0.0, refused_at + 6 - time.monotonic()))
    k2.run({"label": "touch again", "do": "touch", "until": ["out_of_service"]})
    report = k2.report()
    assert (report["state"], report["screen"]) == ("out_of_service", "out_of_service")
    assert report["citizen_data"] is False
    refused_index = next(
        i
        for i, r in enumerate(k2.records())
        if r["kind"] == "shown" and r["state"] == "out_of_service"
    )
    after_refusal = {r["state"] for r in k2.records()[refused_index:] if r["kind"] == "shown"}
    assert after_refusal <= {"out_of_service", "tech_pin", "tech_verifying", "technician",
                             "tech_busy"}, after_refusal  # fmt: skip
    assert [p["state"] for p in report["payments"]] == ["captured"]  # only B's first purchase
    assert p2.receipts()[1:] == []  # nothing more printed there

    # -- the audit log verifies ------------------------------------------------------------
    audit = registry.admin("audit", "verify", "--json")
    result = json.loads(audit.stdout)
    assert result["ok"] is True, result

    # -- the fleet shows both kiosks with their printers ---------------------------------------
    def fleet() -> dict[str, dict[str, Any]] | None:
        answer = registry.get_admin("/api/v1/office/fleet")
        assert answer.status_code == 200, answer.text
        rows = {row["id"]: row for row in answer.json()["kiosks"]}
        if all(rows.get(k, {}).get("printer") == "online" for k in ("SYS-K1", "SYS-K2")):
            return rows
        return None

    rows = wait_for(fleet, 30, "both kiosks' heartbeats in the fleet")
    assert rows["SYS-K1"]["paper"] == "ok" and not rows["SYS-K1"]["revoked"]
    assert rows["SYS-K2"]["revoked"] and "revoked" in rows["SYS-K2"]["attention"]
    assert httpx.get(f"{registry.url}/fleet", timeout=10).status_code == 404  # no token page

    # -- kiosk 2 re-enrolled: its next heartbeat puts it back in service ------------------------
    registry.admin(
        "kiosk", "enroll", "--id", "SYS-K2", "--public-key", str(k2.base / "kiosk.pub.jwk"),
        "--centre-ar", CENTRE_AR, "--centre-latin", "Citizen Service Centre - Amman",
    )  # fmt: skip
    back = wait_for(
        lambda: (r := k2.report())["state"] == "attract" and r, 30, "kiosk 2 back in service"
    )
    assert (back["screen"], back["kiosk_refused"]) == ("attract", None)
    k2.run({"label": "touch", "do": "touch", "until": ["language"]})  # citizens are welcome
