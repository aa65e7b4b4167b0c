"""The authority's agency CA: its key and certificate, and client certificates from CSRs.

`create_ca` makes the CA once: its key file is created exclusively and owner-only (0600,
whatever the umask) and neither file is ever replaced, so a second `create_ca` in the same
directory (or a key whose certificate went missing) is a ConfigError, not a new CA that would
silently invalidate every agency's certificate.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from registry.config import create_private
from registry.errors import ConfigError

__all__ = [
    "CA_CERT",
    "CA_KEY",
    "AgencyCa",
    "IssuedCertificate",
    "create_ca",
    "fingerprint",
    "load_ca",
]

CLIENT_VALIDITY = dt.timedelta(days=365)
CA_KEY = "agency-ca-key.pem"
CA_CERT = "agency-ca.pem"


@dataclass(frozen=True)
class IssuedCertificate:
    pem: bytes
    serial: str
    fingerprint: str
    not_after: dt.datetime


@dataclass(frozen=True)
class AgencyCa:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    def sign_csr(
        self,
        csr_pem: bytes,
        agency_code: str,
        now: dt.datetime,
        validity: dt.timedelta = CLIENT_VALIDITY,
        not_before: dt.datetime | None = None,
    ) -> IssuedCertificate:
        """A client certificate (EKU clientAuth, CN = the agency code) for the CSR's key."""
        csr = x509.load_pem_x509_csr(csr_pem)
        if not csr.is_signature_valid:
            raise ValueError("the CSR's signature does not verify")
        start = not_before or now - dt.timedelta(minutes=5)
        cert = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sanad exchange"),
                        x509.NameAttribute(NameOID.COMMON_NAME, agency_code),
                    ]
                )
            )
            .issuer_name(self.cert.subject)
            .public_key(csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + validity)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        return IssuedCertificate(
            cert.public_bytes(serialization.Encoding.PEM),
            format(cert.serial_number, "x"),
            fingerprint(cert),
            cert.not_valid_after_utc,
        )


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def create_ca(directory: Path, now: dt.datetime, name: str = "Sanad agency CA") -> AgencyCa:
    """Make the CA key (a new owner-only file) and its self-signed certificate in directory;
    ConfigError if either file is already there."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(directory, 0o700)  # mkdir's mode does not apply to a directory that existed
    for existing in (directory / CA_KEY, directory / CA_CERT):
        if existing.exists() or existing.is_symlink():
            raise ConfigError(
                f"{existing} exists: the agency CA is not made again (restore its other file "
                "from the backup, or move both away to start a new CA)"
            )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_path, cert_path = directory / CA_KEY, directory / CA_CERT
    try:
        create_private(key_path, pem.decode("ascii"))
    except FileExistsError:  # made meanwhile by another process: theirs stays
        raise ConfigError(f"{key_path} appeared while the agency CA was made") from None
    try:
        with cert_path.open("xb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
    except FileExistsError:
        raise ConfigError(f"{cert_path} appeared while the agency CA was made") from None
    return AgencyCa(key, cert)


def load_ca(directory: Path) -> AgencyCa:
    key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the agency CA key is not an EC key")
    cert = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
    return AgencyCa(key, cert)
