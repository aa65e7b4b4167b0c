"""Ed25519 keys: generation, the key id, and key files.

Keys are PyNaCl objects; this module adds the kid (first 8 bytes of SHA-256 of the raw
32-byte public key, per DESIGN.md) and reads and writes key files as JSON Web Keys
(RFC 8037, `kty` "OKP", `crv` "Ed25519"): a private key file carries `d` (the 32-byte seed),
a public one only `x`. Private key files are written owner-only (0600).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import nacl.exceptions
import nacl.signing

from verifier.errors import KeyFileError

__all__ = [
    "KID_LENGTH",
    "PublicKey",
    "SigningKey",
    "kid_of",
    "load_public_key",
    "load_signing_key",
    "public_key_from_jwk",
    "save_public_key",
    "save_signing_key",
    "verify_detached",
]

KID_LENGTH = 8


def kid_of(public_key: bytes) -> bytes:
    """The key id: the first 8 bytes of SHA-256 over the raw 32-byte public key."""
    return hashlib.sha256(public_key).digest()[:KID_LENGTH]


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class PublicKey:
    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 32:
            raise KeyFileError("an Ed25519 public key is 32 bytes")

    @property
    def kid(self) -> bytes:
        return kid_of(self.raw)

    def to_jwk(self) -> dict[str, str]:
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64u(self.raw), "kid": self.kid.hex()}


@dataclass(frozen=True)
class SigningKey:
    """A private Ed25519 key with its public half and kid."""

    nacl_key: nacl.signing.SigningKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(nacl.signing.SigningKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        if len(seed) != 32:
            raise KeyFileError("an Ed25519 seed is 32 bytes")
        return cls(nacl.signing.SigningKey(seed))

    @property
    def public(self) -> PublicKey:
        return PublicKey(bytes(self.nacl_key.verify_key))

    @property
    def kid(self) -> bytes:
        return self.public.kid

    def sign(self, message: bytes) -> bytes:
        """The 64-byte detached Ed25519 signature of message."""
        return bytes(self.nacl_key.sign(message).signature)

    def to_jwk(self) -> dict[str, str]:
        return {**self.public.to_jwk(), "d": _b64u(bytes(self.nacl_key))}


def save_signing_key(key: SigningKey, path: Path) -> None:
    """Write a private key as a JWK file readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(key.to_jwk(), f, indent=2)
        f.write("\n")
    os.chmod(path, 0o600)  # O_CREAT's mode does not apply to a file that already existed


def save_public_key(key: PublicKey, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(key.to_jwk(), indent=2) + "\n", encoding="utf-8")


def _read_jwk(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path} is not a JSON key file") from exc
    if not isinstance(data, dict) or data.get("kty") != "OKP" or data.get("crv") != "Ed25519":
        raise KeyFileError(f"{path} is not an Ed25519 JWK (kty OKP, crv Ed25519)")
    return data


def _field(data: dict[str, object], name: str, path: Path) -> bytes:
    value = data.get(name)
    if not isinstance(value, str):
        raise KeyFileError(f"{path} has no '{name}'")
    try:
        raw = _unb64u(value)
    except ValueError as exc:
        raise KeyFileError(f"{path}: '{name}' is not base64url") from exc
    if len(raw) != 32:
        raise KeyFileError(f"{path}: '{name}' is not 32 bytes")
    return raw


def load_signing_key(path: Path) -> SigningKey:
    data = _read_jwk(path)
    key = SigningKey.from_seed(_field(data, "d", path))
    if "x" in data and _field(data, "x", path) != key.public.raw:
        raise KeyFileError(f"{path}: the public key does not match the private key")
    return key


def load_public_key(path: Path) -> PublicKey:
    """A public key from a JWK file (a private key file works too: its public half is used)."""
    data = _read_jwk(path)
    if "d" in data:
        return load_signing_key(path).public
    return PublicKey(_field(data, "x", path))


def public_key_from_jwk(text: str) -> PublicKey:
    """A public key from a JWK's text (pasted into a form); a private JWK is refused, so that
    nobody learns to paste one."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise KeyFileError("the key is not a JSON Web Key") from exc
    if not isinstance(data, dict) or data.get("kty") != "OKP" or data.get("crv") != "Ed25519":
        raise KeyFileError("the key is not an Ed25519 JWK (kty OKP, crv Ed25519)")
    if "d" in data:
        raise KeyFileError("that is a private key: give the public key only")
    return PublicKey(_field(data, "x", Path("the key")))


def verify_detached(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Ed25519 verification with libsodium's strict checks (non-canonical S, small order)."""
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False
    except nacl.exceptions.CryptoError:
        return False
    return True
