"""The online status check against a real HTTP server answering as the registry's contract says
(docs/verifier-service.md "Online status"): 200 with the document's type and issue time for an
issued serial asked with that document's payload digest, 404 for everything else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from service_support import Material, base_config, contract_answer, fake_registry, registry_serial

from verifier.documents import DocumentType

BIRTH = DocumentType.BIRTH_CERTIFICATE


def post(url: str, text: str, **kw: Any) -> dict[str, Any]:
    r = httpx.post(f"{url}/api/v1/verify", json={"qr_text": text, **kw}, timeout=10)
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


def test_online_status_is_used_labelled_and_compared(
    material: Material, serve_app: Callable[..., Any]
) -> None:
    serial = registry_serial("B", 41)
    text = material.sign(BIRTH, serial=serial)
    with fake_registry() as registry:
        with serve_app(base_config(material, status_url=registry.url)) as url:
            registry.statuses[serial] = contract_answer(material, text, serial)
            v = post(url, text)
            assert v["status"] == "valid", v
            assert v["revocation_source"] == "online"
            assert v["online_status"]["checked"] is True
            assert v["online_status"]["issued"] is True
            assert v["online_status"]["registry_status"] == "valid"

            registry.statuses[serial] = contract_answer(
                material, text, serial, status="revoked", reason="lost", since="2026-01-02"
            )
            v = post(url, text)
            assert v["status"] == "document_revoked"
            assert v["valid"] is False
            assert v["online_status"]["reason"] == "lost"
            assert v["online_status"]["since"] == "2026-01-02"

            v = post(url, text, online=False)
            assert (v["status"], v["revocation_source"], v["online_status"]) == (
                "valid",
                "trust_list",
                None,
            )

            registry.fail_with = 503
            v = post(url, text)
            assert v["status"] == "valid"  # the registry's trouble does not fail a document
            assert v["revocation_source"] == "trust_list"
            assert v["online_status"]["checked"] is False
            assert v["online_status"]["error"] == "HTTP 503"
            registry.fail_with = None

            del registry.statuses[serial]  # genuinely signed, never issued: a stolen key
            v = post(url, text)
            assert v["status"] == "not_in_registry"
            assert v["online_status"]["registry_status"] == "not_found"
        digest = contract_answer(material, text, serial)["payload_sha256"]
        asked = [p for p, _ in registry.requests if f"/documents/{serial}/status?" in p]
        assert asked and all(p.endswith(f"?payload_sha256={digest}") for p in asked)


def test_a_stolen_key_cannot_pick_a_serial_the_registry_answers_for(
    material: Material, serve_app: Callable[..., Any]
) -> None:
    """Each forged document is genuinely signed (the forger holds a signer key); the registry
    issued a different document under the real serial. None of them may come out VALID."""
    real = registry_serial("B", 77)
    real_text = material.sign(BIRTH, serial=real)
    good = contract_answer(material, real_text, real)
    wrong_check = real[:-1] + str((int(real[-1]) + 1) % 10)
    forged = {
        "wrong check digit": (wrong_check, {}),
        "other syntax": ("B26-77", {}),
        "letter of another type": ("D" + real[1:], {}),
        "same serial, other payload": (real, {}),
        "same serial, other issue time": (real, {"issued_at": "2020-01-01T00:00:00Z"}),
        "same serial, other type": (real, {"document_type": "death-certificate"}),
    }
    with (
        fake_registry() as registry,
        serve_app(base_config(material, status_url=registry.url)) as url,
    ):
        for name, (serial, changes) in forged.items():
            registry.requests.clear()
            # The registry would answer 200 for whatever it is asked (the worst case).
            text = material.sign(BIRTH, serial=serial) if serial != real else real_text
            answer = {**good, "serial": serial, **changes}
            if name == "same serial, other payload":
                # A forged document under the real serial: different signed bytes.
                import dataclasses

                from verifier.fixtures import ISSUER, sample_documents
                from verifier.sign import sign_document

                doc = sample_documents()[BIRTH]
                text = sign_document(
                    dataclasses.replace(doc, kiosk=doc.kiosk + "X"),
                    serial=serial,
                    issuer=ISSUER,
                    issued_at=material.issued_at,
                    key=material.signer,
                )
            registry.statuses = {serial: answer}
            v = post(url, text)
            assert v["status"] == "not_in_registry", (name, v["status"], v["online_status"])
            assert v["valid"] is False
            asked = bool(registry.requests)
            if name in ("wrong check digit", "other syntax", "letter of another type"):
                assert not asked, name  # refused by the verifier itself, without asking
                assert v["online_status"]["registry_status"] == "bad_serial"
            elif name == "same serial, other payload":
                # the registry holds another document under that serial: not the forger's
                assert v["online_status"]["registry_status"] == "not_found", name
            elif name.startswith("same serial"):
                assert v["online_status"]["registry_status"] == "mismatch", name
        registry.statuses = {real: good}
        assert post(url, real_text)["status"] == "valid"
