"""The exchange listener over real mutual TLS for tests: an in-process uvicorn on a free port
with `PeerCertProtocol`, a throwaway server certificate, the agency CA and httpx clients."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from registry.config import DataDir
from registry.db import Database
from registry.exchange import agencies
from registry.exchange.ca import AgencyCa, create_ca
from registry.exchange.listener import PeerCertProtocol, create_exchange_app
from registry.seed import initialise
from tests.support.registry import FAST, copied_registry
from tests.support.servers import free_port
from verifier.keys import SigningKey

NOW = dt.datetime.now(dt.UTC)
KEY = SigningKey.generate()


def key_and_csr(tmp: Path, name: str) -> tuple[Path, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp / f"{name}-key.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .sign(key, hashes.SHA256())
    )
    return path, csr.public_bytes(serialization.Encoding.PEM)


def server_cert(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(minutes=5))
        .not_valid_after(NOW + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "server.pem", tmp / "server-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class World:
    def __init__(self, tmp: Path, db: Database, ca: AgencyCa, url: str, server_cert: Path):
        self.tmp, self.db, self.ca, self.url, self.server_cert = tmp, db, ca, url, server_cert

    def issue(self, code: str, **kw: object) -> tuple[Path, Path, str]:
        key_path, csr = key_and_csr(self.tmp, f"{code}-{time.monotonic_ns()}")
        issued = self.ca.sign_csr(csr, code, NOW, **kw)  # type: ignore[arg-type]
        cert_path = self.tmp / f"{issued.serial}.pem"
        cert_path.write_bytes(issued.pem)
        with self.db.session() as s:
            agencies.record_certificate(s, code, issued, NOW)
            s.commit()
        return cert_path, key_path, issued.serial

    def client(self, cert: tuple[Path, Path] | None) -> httpx.Client:
        ctx = ssl.create_default_context(cafile=str(self.server_cert))
        if cert is not None:
            ctx.load_cert_chain(str(cert[0]), str(cert[1]))
        return httpx.Client(base_url=self.url, verify=ctx, timeout=10)


@contextmanager
def exchange_world(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    bases: dict[str, list[str]] | None = None,
    per_minute: int = 60,
    database_url: str | None = None,
) -> Iterator[World]:
    """A demo registry (the run's SQLite template copied, or with `database_url` a small
    population initialised there) with the agency PENS (by default `pension` = is_alive)
    and the exchange listening on 127.0.0.1 with mutual TLS."""
    if database_url is None:
        url = copied_registry(tmp_path, tmp_path_factory).url
    else:
        initialise(DataDir(tmp_path / "data"), database_url=database_url, demo=60, settings=FAST)
        url = database_url
    db = Database(url)
    ca = create_ca(tmp_path / "ca", NOW)
    with db.session() as s:
        agencies.add_agency(
            s,
            "PENS",
            "مؤسسة الضمان",
            "Pensions office",
            "it@pens",
            bases if bases is not None else {"pension": ["is_alive"]},
            NOW,
            per_minute,
        )
        s.commit()
    cert, key = server_cert(tmp_path)
    port = free_port()
    config = uvicorn.Config(
        create_exchange_app(db, KEY),
        host="127.0.0.1",
        port=port,
        http=PeerCertProtocol,
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
        ssl_ca_certs=str(tmp_path / "ca" / "agency-ca.pem"),
        ssl_cert_reqs=ssl.CERT_REQUIRED,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield World(tmp_path, db, ca, f"https://127.0.0.1:{port}", cert)
    finally:
        server.should_exit = True
        thread.join(5)
        db.dispose()
