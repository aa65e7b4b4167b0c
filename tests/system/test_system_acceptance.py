"""End-to-end acceptance: the registry on PostgreSQL, a verifier service and two kiosks, each
its own process, and the whole life of two certificates.

Citizen A (Arabic) gets a birth certificate at kiosk 1 while citizen B (English) gets a
marriage certificate at kiosk 2; both receipts (the emulators' PNGs) are decoded and verify
VALID at the verifier service. B's certificate is revoked and, after the verifier's refresh,
is not valid; the signer key is rotated, A's certificate still verifies and a new one is
signed by the new key. Kiosk 2 is revoked and its next request is refused on screen. The audit
log verifies and the fleet shows both kiosks with their printers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from system_support import System, journey, login_steps, trust_sequence, wait_for

from kiosk_app.journal import JobState, Journal
from verifier.qr import decode_image

pytestmark = [pytest.mark.slow, pytest.mark.gui, pytest.mark.postgres]

BIRTH, MARRIAGE = 1, 3
FINISH = {"label": "finish", "do": "tap_key", "key": "button.finish", "until": ["attract"]}


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

    # -- kiosk 2 is revoked: its next request is refused and it says so -----------------------
    registry.admin("kiosk", "revoke", "--id", "SYS-K2", "--reason", "stolen")
    refused = k2.run(*login_steps("en", b["national_id"], b["pin"]))
    assert refused["state"] == "refused"
    report = k2.report()
    assert report["screen"] == "message"
    assert report["notice_args"].get("reason") == "kiosk_revoked"
    assert p2.receipts()[1:] == []  # nothing more printed there

    # -- the audit log verifies ------------------------------------------------------------
    audit = registry.admin("audit", "verify", "--json")
    result = json.loads(audit.stdout)
    assert result["ok"] is True, result

    # -- the fleet shows both kiosks with their printers ---------------------------------------
    def fleet() -> dict[str, dict[str, Any]] | None:
        answer = registry.get_admin("/api/v1/fleet")
        assert answer.status_code == 200, answer.text
        rows = {row["id"]: row for row in answer.json()["kiosks"]}
        if all(rows.get(k, {}).get("printer") == "online" for k in ("SYS-K1", "SYS-K2")):
            return rows
        return None

    rows = wait_for(fleet, 30, "both kiosks' heartbeats in the fleet")
    assert rows["SYS-K1"]["paper"] == "ok" and not rows["SYS-K1"]["revoked"]
    assert rows["SYS-K2"]["revoked"] and "revoked" in rows["SYS-K2"]["attention"]
    page = httpx.get(f"{registry.url}/fleet", params={"token": registry.admin_token}, timeout=10)
    assert page.status_code == 200
    assert "SYS-K1" in page.text and "SYS-K2" in page.text
