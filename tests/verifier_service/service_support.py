"""Helpers for the verification service tests: keys and trust lists, the service on a live
server (started the one way, `tests.support.servers`), and a tiny real HTTP server standing in
for the registry (a test double that fails on demand)."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.servers import serve_app
from verifier.codec import decode_text
from verifier.cose import parse_sign1
from verifier.documents import DocumentType
from verifier.fixtures import (
    ISSUER,
    sample_documents,
    sample_serial,
    sample_trust_list,
    signer_entry,
)
from verifier.keys import SigningKey, save_public_key
from verifier.national_id import luhn_check_digit
from verifier.service import ServiceConfig, create_app
from verifier.sign import sign_document
from verifier.trust import SignerEntry, serial_hash


@dataclass
class Material:
    """Keys, a trust list and signed samples, made fresh for the test session."""

    dir: Path
    root: SigningKey
    signer: SigningKey
    entry: SignerEntry
    root_key_path: Path
    trust_list_path: Path
    issued_at: dt.datetime
    texts: dict[DocumentType, str]

    def trust_list(
        self,
        sequence: int,
        signers: list[SignerEntry] | None = None,
        revoked: tuple[str, ...] = (),
        root: SigningKey | None = None,
        issued_at: dt.datetime | None = None,
    ) -> bytes:
        return sample_trust_list(
            root or self.root,
            signers if signers is not None else [self.entry],
            sequence=sequence,
            issued_at=issued_at or self.issued_at,
            revoked_serials=frozenset(serial_hash(s) for s in revoked),
        )

    def sign(self, doc_type: DocumentType, key: SigningKey | None = None, serial: str = "") -> str:
        return sign_document(
            sample_documents()[doc_type],
            serial=serial or sample_serial(doc_type),
            issuer=ISSUER,
            issued_at=self.issued_at,
            key=key or self.signer,
        )

    @property
    def birth(self) -> str:
        return self.texts[DocumentType.BIRTH_CERTIFICATE]


def make_material(out: Path) -> Material:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    root, signer = SigningKey.generate(), SigningKey.generate()
    entry = signer_entry(signer, not_before=now - dt.timedelta(days=1))
    root_key_path = out / "root.pub.jwk"
    save_public_key(root.public, root_key_path)
    m = Material(out, root, signer, entry, root_key_path, out / "trust-list.cose", now, {})
    m.trust_list_path.write_bytes(m.trust_list(1))
    m.texts = {t: m.sign(t) for t in DocumentType}
    return m


def tamper(text: str) -> str:
    """The same document with one bit of its signed bytes changed: well-formed, forged."""
    from verifier.codec import decode_text, encode_text

    cose = bytearray(decode_text(text))
    cose[-1] ^= 0x01  # the last byte is the signature's
    return encode_text(bytes(cose))


# -- what the registry answers (the status contract)


def registry_serial(letter: str, number: int, year: int = 26) -> str:
    digits = f"{year:02d}{number:07d}"
    check = luhn_check_digit(digits)
    return f"{letter}{year:02d}-{number:07d}-{check}"


def contract_answer(
    material: Material,
    text: str,
    serial: str,
    doc_type: DocumentType = DocumentType.BIRTH_CERTIFICATE,
    **kw: object,
) -> dict[str, Any]:
    """What the registry knows of a document it issued: its answer, plus the payload digest
    it compares the caller's with (the fake registry leaves that out of the answer)."""
    payload = parse_sign1(decode_text(text)).payload
    out: dict[str, Any] = {
        "serial": serial,
        "status": "valid",
        "reason": None,
        "since": None,
        "document_type": doc_type.slug,
        "issued_at": material.issued_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
    }
    out.update(kw)
    return out


# -- the service on a live server (the one way: tests.support.servers.serve_app) ---------------

HEALTH = "/healthz"


def run_service(config: ServiceConfig, **kw: Any) -> AbstractContextManager[str]:
    """The service for `config` on a live server; `with run_service(...) as url:`. Keyword
    arguments go to `create_app` (e.g. `clock=` for the rate limiter)."""
    return serve_app(create_app(config, **kw), health=HEALTH)


def base_config(material: Material, **kw: object) -> ServiceConfig:
    values: dict[str, object] = {
        "root_keys": (str(material.root_key_path),),
        "trust_file": str(material.trust_list_path),
        "rate_per_minute": 0,
    }
    values.update(kw)
    return ServiceConfig(**values)  # type: ignore[arg-type]


# -- a tiny real HTTP server standing in for the registry ----------------------------------------


@dataclass
class FakeRegistry:
    """Serves a trust list (with ETag) and document statuses; can fail on demand."""

    trust_list: bytes = b""
    statuses: dict[str, dict[str, object]] = field(default_factory=dict)
    fail_with: int | None = None
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # monotonic time of each request
    url: str = ""

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.trust_list).hexdigest()[:16] + '"'

    @property
    def trust_url(self) -> str:
        return f"{self.url}/api/v1/trust-list"


@contextmanager
def fake_registry(initial: bytes = b"") -> Iterator[FakeRegistry]:
    reg = FakeRegistry(trust_list=initial)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            reg.requests.append((self.path, self.headers.get("If-None-Match")))
            reg.times.append(time.monotonic())
            if reg.fail_with is not None:
                self.send_error(reg.fail_with)
                return
            if self.path == "/api/v1/trust-list":
                if self.headers.get("If-None-Match") == reg.etag:
                    self.send_response(304)
                    self.send_header("ETag", reg.etag)
                    self.end_headers()
                    return
                self._send(200, reg.trust_list, "application/cose", {"ETag": reg.etag})
                return
            prefix, suffix = "/api/v1/documents/", "/status"
            path, _, query = self.path.partition("?")
            if path.startswith(prefix) and path.endswith(suffix):
                import json
                import urllib.parse

                # As the registry does: status only to whoever sends the document's digest.
                serial = path[len(prefix) : -len(suffix)]
                status = reg.statuses.get(serial)
                sent = urllib.parse.parse_qs(query).get("payload_sha256", [""])[0]
                if status is None or sent != status.get("payload_sha256"):
                    self._send(404, b'{"error": {"code": "not_issued"}}', "application/json")
                    return
                answer = {k: v for k, v in status.items() if k != "payload_sha256"}
                self._send(200, json.dumps(answer).encode(), "application/json")
                return
            self.send_error(404)

        def _send(
            self, code: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    reg.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield reg
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
