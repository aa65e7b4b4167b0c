"""The service's HTTP API over a real uvicorn server on an ephemeral port."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from PIL import Image
from service_support import Material, base_config, tamper

from tests.support.clock import ManualClock
from verifier.documents import DocumentType
from verifier.qr import make_qr


def qr_png(text: str, scale: int = 4, fmt: str = "PNG") -> bytes:
    img = make_qr(text).make_image().get_image().convert("L")
    img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def post_text(url: str, text: str, **kw: Any) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/verify", json={"qr_text": text, **kw}, timeout=10)


def test_valid_text_gives_valid_verdict_with_every_signed_field(
    service: str, material: Material
) -> None:
    r = post_text(service, material.birth)
    assert r.status_code == 200
    v = r.json()
    assert v["valid"] is True
    assert v["status"] == "valid"
    assert v["summary"]["ar"] and v["summary"]["en"]
    doc = v["document"]
    assert doc["type"] == "birth_certificate"
    names = {f["name"]: f for f in doc["fields"]}
    assert names["name"]["display"]["en"] == "Abdullah Mohammad Abdulrahman Al-Shawabkeh"
    assert names["name"]["label"]["ar"]
    assert doc["kiosk"] == "K-AMM-0417"
    assert doc["centre"]["display"]["en"].startswith("Citizen Service Centre")
    assert v["trust_list"]["source"] == "file"
    assert v["trust_list"]["sequence"] == 1
    assert 7000 < v["trust_list"]["age_seconds"] < 7300  # the list was issued 2 h ago
    assert v["revocation_source"] == "trust_list"
    assert v["online_status"] is None
    assert r.headers["cache-control"] == "no-store"


def test_every_document_type_verifies(service: str, material: Material) -> None:
    with httpx.Client(base_url=service) as client:
        for doc_type, text in material.texts.items():
            v = client.post("/api/v1/verify", json={"qr_text": text}).json()
            assert v["status"] == "valid", doc_type
            assert v["document"]["type"] == doc_type.slug


def test_tampered_text_gives_bad_signature_and_no_fields(service: str, material: Material) -> None:
    v = post_text(service, tamper(material.birth)).json()
    assert v["valid"] is False
    assert v["status"] == "bad_signature"
    assert "altered or forged" in v["reason"]
    assert v["document"] is None  # nothing from an unverified payload is shown


def test_same_fields_as_the_cli_json(service: str, material: Material) -> None:
    from click.testing import CliRunner

    from verifier.cli import group

    result = CliRunner().invoke(
        group,
        [
            "check",
            material.birth,
            "--trust-list",
            str(material.trust_list_path),
            "--root-key",
            str(material.root_key_path),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    import json

    cli = json.loads(result.output)
    api = post_text(service, material.birth).json()
    assert set(cli) <= set(api)
    assert api["document"] == cli["document"]
    assert api["signer"] == cli["signer"]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("hello", "malformed"),
        ("SN1D:!!!!", "malformed"),
        ("SN9D:ABC", "unsupported_version"),
    ],
)
def test_bad_texts_give_a_verdict_not_an_error(service: str, text: str, status: str) -> None:
    r = post_text(service, text)
    assert r.status_code == 200
    assert r.json()["status"] == status
    assert r.json()["valid"] is False


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (b"not json", "application/json", 422),
        (b"\x80\x81 not utf-8", "application/json", 422),
        (b'{"qr_text": 5}', "application/json", 422),
        (b'{"qr_text": ""}', "application/json", 422),
        (b'{"qr_text": "SN1D:A", "extra": 1}', "application/json", 422),
        (b"[]", "application/json", 422),
        (b'{"qr_text": "' + b"A" * 9000 + b'"}', "application/json", 422),
        (b"x" * 20000, "application/json", 413),
    ],
)
def test_bad_requests_get_a_4xx_with_a_reason(
    service: str, body: bytes, content_type: str, code: int
) -> None:
    r = httpx.post(f"{service}/api/v1/verify", content=body, headers={"Content-Type": content_type})
    assert r.status_code == code
    assert r.json()["detail"]


def test_photo_of_a_qr_is_verified(service: str, material: Material) -> None:
    for fmt in ("PNG", "JPEG"):
        data = qr_png(material.texts[DocumentType.FAMILY_EXTRACT], fmt=fmt)
        r = httpx.post(
            f"{service}/api/v1/verify-image",
            files={"image": (f"receipt.{fmt.lower()}", data, f"image/{fmt.lower()}")},
            timeout=20,
        )
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["found"] == 1
        assert out["verdicts"][0]["status"] == "valid"
        assert out["verdicts"][0]["document"]["type"] == "family_extract"


def test_image_without_a_code_finds_nothing(service: str) -> None:
    buf = io.BytesIO()
    Image.new("L", (300, 200), 255).save(buf, "PNG")
    r = httpx.post(f"{service}/api/v1/verify-image", files={"image": ("x.png", buf.getvalue())})
    assert r.status_code == 200
    assert r.json() == {"found": 0, "verdicts": []}


def test_image_limits(material: Material, serve_app: Callable[..., Any]) -> None:
    config = base_config(material, max_image_bytes=200_000, max_image_pixels=1_000_000)
    with serve_app(config) as url:
        post = lambda data: httpx.post(  # noqa: E731
            f"{url}/api/v1/verify-image", files={"image": ("x", data)}, timeout=20
        )
        r = post(b"GIF89a not accepted")
        assert r.status_code == 415
        r = post(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
        assert r.status_code == 422
        assert "could not be read" in r.json()["detail"]
        big = io.BytesIO()
        Image.new("L", (2000, 1000), 255).save(big, "PNG")
        assert len(big.getvalue()) < 200_000
        r = post(big.getvalue())
        assert r.status_code == 413
        assert "pixels" in r.json()["detail"]
        r = post(b"\xff\xd8\xff" + b"\0" * 300_000)
        assert r.status_code == 413
        r = httpx.post(f"{url}/api/v1/verify-image", content=b"abc")
        assert r.status_code == 422


def test_rate_limit_per_client(material: Material, serve_app: Callable[..., Any]) -> None:
    # The limiter reads an injected clock: no time passes unless the test says so, so a slow
    # machine cannot refill the bucket between requests.
    clock = ManualClock()
    config = base_config(material, rate_per_minute=6, rate_burst=5)
    with serve_app(config, clock=clock) as url:
        codes = [post_text(url, material.birth).status_code for _ in range(8)]
        assert codes[:5] == [200] * 5  # the burst
        assert codes[5:] == [429] * 3
        r = post_text(url, material.birth)
        assert r.status_code == 429
        assert r.headers["retry-after"] == "10"  # one token at 6 a minute
        assert "too many requests" in r.json()["detail"]
        assert httpx.get(f"{url}/").status_code == 200  # the page itself is not limited
        clock.advance(9.9)
        assert post_text(url, material.birth).status_code == 429
        clock.advance(0.2)  # past the refill of one token: one request, and only one
        assert post_text(url, material.birth).status_code == 200
        assert post_text(url, material.birth).status_code == 429
        clock.advance(60)  # a quiet minute refills the burst, no more
        codes = [post_text(url, material.birth).status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]


def test_health_readiness_and_trust_status(service: str) -> None:
    assert httpx.get(f"{service}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{service}/readyz").json()["status"] == "ready"
    status = httpx.get(f"{service}/api/v1/trust-list/status").json()
    assert status["sequence"] == 1
    assert status["source"] == "file"
    assert status["stale"] is False


def test_metrics_count_verdicts_and_show_trust_list_age(
    material: Material, serve_app: Callable[..., Any]
) -> None:
    with serve_app(base_config(material)) as url:
        post_text(url, material.birth)
        post_text(url, material.birth)
        post_text(url, tamper(material.birth))
        text = httpx.get(f"{url}/metrics").text
    assert 'sanad_verifier_verdicts_total{endpoint="text",status="valid"} 2.0' in text
    assert 'sanad_verifier_verdicts_total{endpoint="text",status="bad_signature"} 1.0' in text
    assert 'sanad_verifier_request_seconds_count{endpoint="text"} 3.0' in text
    age = re.search(r"^sanad_verifier_trust_list_age_seconds (\S+)$", text, re.M)
    assert age is not None
    assert 7000 < float(age.group(1)) < 7300
    assert "sanad_verifier_trust_list_sequence 1.0" in text


def test_logs_carry_kid_and_serial_hash_never_names_or_text(
    material: Material, serve_app: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with serve_app(base_config(material)) as url:
        post_text(url, material.birth)
        post_text(url, tamper(material.birth))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"kid={material.signer.kid.hex()}" in logged
    assert "serial_hash=" in logged
    assert material.birth not in logged
    assert material.birth[:40] not in logged
    for word in ("Abdullah", "Al-Shawabkeh", "الشوابكة", "BI26-"):
        assert word not in logged


def test_page_and_assets_use_no_external_resources(service: str) -> None:
    r = httpx.get(f"{service}/")
    assert r.status_code == 200
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
    html = r.text
    assert 'dir="rtl"' in html
    assert 'content="60"' in html  # clear-after, from the config
    for name in ("app.js", "app.css"):
        asset = httpx.get(f"{service}/static/{name}")
        assert asset.status_code == 200
        html += asset.text
    assert not re.search(
        r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html.replace("http://www.w3.org", "")
    )
    assert "localStorage" not in html
    assert "sessionStorage" not in html
    assert "document.cookie" not in html
    font = httpx.get(f"{service}/static/font.ttf")
    assert font.status_code == 200
    assert font.headers["content-type"] == "font/ttf"
    assert httpx.get(f"{service}/static/../service.py").status_code == 404
    assert httpx.get(f"{service}/static/nothing.js").status_code == 404


def test_openapi_describes_the_endpoints(service: str) -> None:
    spec = httpx.get(f"{service}/api/v1/openapi.json").json()
    assert "/api/v1/verify" in spec["paths"]
    assert "/api/v1/verify-image" in spec["paths"]
    ok = spec["paths"]["/api/v1/verify"]["post"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/VerdictOut")


def test_fast_path_and_route_answer_alike(service: str, material: Material) -> None:
    """Well-formed JSON is answered by the middleware's fast path; anything else by the
    FastAPI route (here: another JSON media type). Both must give the same verdict."""
    import json

    body = json.dumps({"qr_text": material.birth, "online": True}).encode()
    fast = httpx.post(
        f"{service}/api/v1/verify", content=body, headers={"Content-Type": "application/json"}
    )
    routed = httpx.post(
        f"{service}/api/v1/verify", content=body, headers={"Content-Type": "application/x+json"}
    )
    assert fast.status_code == routed.status_code == 200
    a, b = fast.json(), routed.json()
    for v in (a, b):
        v.pop("checked_at")
        v["trust_list"].pop("age_seconds")
    assert a == b
    assert fast.headers["cache-control"] == routed.headers["cache-control"] == "no-store"


def test_a_body_that_dribbles_in_times_out_with_408(
    material: Material, serve_app: Callable[..., Any]
) -> None:
    import socket

    with serve_app(base_config(material, body_timeout=0.5)) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(
                b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"qr_text": '
            )
            answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b"did not arrive in time" in answer
        # the service is still fine
        assert post_text(url, material.birth).json()["status"] == "valid"


def test_caps_lock_text_is_read_as_printed_and_said_so(service: str, material: Material) -> None:
    v = post_text(service, material.birth.lower()).json()
    assert (v["status"], v["input"]) == ("valid", "upper_cased")
    assert "Caps Lock" in v["officer"]["note"]["en"]
    v = post_text(service, "sn1d:qq").json()
    assert (v["status"], v["input"]) == ("malformed", "lower_case")
    assert v["officer"]["family"] == "unreadable"
    assert "Caps Lock is off" in v["officer"]["note"]["en"]
    v = post_text(service, material.birth).json()
    assert v["input"] is None and v["officer"]["note"] is None
