"""`sanad registry agency ...` on a real (SQLite) registry: clear messages, exit codes."""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from registry.exchange.ca import CA_CERT, CA_KEY
from sanad.cli import main
from tests.exchange.exchange_support import key_and_csr, server_cert
from tests.support.registry import Registry, copied_registry
from tests.support.servers import SANAD, free_port, wait_for


@pytest.fixture
def registry(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return copied_registry(tmp_path, tmp_path_factory)


def _agency(registry: Registry, *args: str) -> Result:
    db_args = ["--data", str(registry.data.root), "--db", registry.data.database_url()]
    return CliRunner().invoke(main, ["registry", "agency", *args, *db_args])


def _csr(tmp_path: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PENS")]))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "pens.csr"
    path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    return path


def _add_pens(registry: Registry) -> None:
    result = _agency(
        registry,
        "add",
        "PENS",
        "--name-ar",
        "مؤسسة الضمان",
        "--name-latin",
        "Pensions office",
        "--contact",
        "it@pens.example",
        "--basis",
        "pension=is_alive",
    )
    assert result.exit_code == 0, result.output


def test_csr_sign_keeps_a_ca_key_whose_certificate_is_missing(
    registry: Registry, tmp_path: Path
) -> None:
    _add_pens(registry)
    csr = _csr(tmp_path)
    first = _agency(registry, "csr-sign", "PENS", str(csr), "--out", str(tmp_path / "1.pem"))
    assert first.exit_code == 0, first.output
    ca_dir = registry.data.keys_dir / "agency-ca"
    key_pem = (ca_dir / CA_KEY).read_bytes()
    (ca_dir / CA_CERT).unlink()
    again = _agency(registry, "csr-sign", "PENS", str(csr), "--out", str(tmp_path / "2.pem"))
    assert again.exit_code == 2
    assert "not made again" in again.output and again.exception is not None
    assert isinstance(again.exception, SystemExit)
    assert (ca_dir / CA_KEY).read_bytes() == key_pem
    assert not (tmp_path / "2.pem").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name-latin", "x" * 161], "name_latin is longer than 160 characters"),
        (["--per-minute", "0"], "per_minute must be between 1 and 100000"),
        (["--basis", "pension"], "write BASIS=query,query"),
        (["--basis", "pension=is_rich"], "unknown queries: is_rich"),
    ],
    ids=["long name", "zero per minute", "basis without queries", "unknown query"],
)
def test_agency_add_says_what_is_wrong(registry: Registry, args: list[str], message: str) -> None:
    fields = {"--name-ar": "مؤسسة الضمان", "--name-latin": "Pensions", "--contact": "it@pens"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        fields[flag] = value
    result = _agency(registry, "add", "PENS", *[x for kv in fields.items() for x in kv])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert message in result.output
    assert "Traceback" not in result.output


def test_agency_add_twice_says_it_exists(registry: Registry) -> None:
    _add_pens(registry)
    result = _agency(
        registry, "add", "PENS", "--name-ar", "أ", "--name-latin", "P", "--contact", "c"
    )
    assert result.exit_code == 2 and "agency PENS already exists" in result.output


def _worker_pids(pid: int) -> list[int]:
    """The uvicorn workers under `pid` (multiprocessing's spawned children)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(OSError):
                if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                    out.append(int(child))
    return out


def test_exchange_serve_with_two_workers_over_mutual_tls(
    registry: Registry, tmp_path: Path
) -> None:
    _add_pens(registry)
    key, csr = key_and_csr(tmp_path, "PENS")
    (tmp_path / "pens.csr").write_bytes(csr)
    signed = _agency(
        registry, "csr-sign", "PENS", str(tmp_path / "pens.csr"), "--out", str(tmp_path / "c.pem")
    )
    assert signed.exit_code == 0, signed.output
    cert, server_key = server_cert(tmp_path)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as err:  # the child keeps its own descriptor
        server = subprocess.Popen(
            [
                *(SANAD, "registry", "exchange", "serve", "--workers", "2", "--port", str(port)),
                *("--data", str(registry.data.root), "--db", registry.data.database_url()),
                *("--cert", str(cert), "--key", str(server_key)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:

        def listening() -> bool:
            assert server.poll() is None, log.read_text(errors="replace")
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        wait_for(listening, timeout=60, what="the exchange listener")
        assert len(wait_for(lambda: _worker_pids(server.pid), 30, "two workers")) == 2
        nid = registry.citizens()[0]["national_id"]
        body = {"legal_basis": "pension", "case_reference": "C-9", "national_id": nid}
        ctx = ssl.create_default_context(cafile=str(cert))
        ctx.load_cert_chain(str(tmp_path / "c.pem"), str(key))
        statuses = []
        for _ in range(6):  # a connection each: the workers share the socket
            with httpx.Client(verify=ctx, timeout=10) as c:
                url = f"https://127.0.0.1:{port}/api/v1/exchange/is_alive"
                statuses.append(c.post(url, json=body).status_code)
        assert statuses == [200] * 6
        bare = ssl.create_default_context(cafile=str(cert))
        with httpx.Client(verify=bare, timeout=10) as c, pytest.raises(httpx.HTTPError):
            c.post(f"https://127.0.0.1:{port}/api/v1/exchange/is_alive", json=body)
    finally:
        server.terminate()
        server.wait(15)
