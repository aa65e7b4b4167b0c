"""Signed links in appointment SMS: `<portal>/b/<reference>?t=<token>` lets the person who
received the SMS see, cancel or confirm that one appointment without signing in.

The token is HMAC-SHA256 over the purpose and the reference with the registry's link secret
(DATA/keys/booking-links.key, 32 random bytes made owner-only on first use, never
replaced: `registry.config.create_private`), written in 22 lower-case letters (about 103
bits): no digits, so an SMS body never carries a run of digits that could pass for a national
number. A token opens one
reference only; rotating the secret file invalidates every link sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from pathlib import Path

from registry.config import BookingsConfig, DataDir, create_private
from registry.errors import ConfigError

__all__ = ["check", "load_secret", "sign", "url"]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
TOKEN_LENGTH = 22


def load_secret(data: DataDir, settings: BookingsConfig) -> bytes:
    """The link secret, made on first use (O_EXCL: two processes starting at once agree)."""
    path = Path(settings.link_secret_file)
    if not path.is_absolute():
        path = data.root / path
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            create_private(path, secrets.token_hex(32) + "\n")
    try:
        secret = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise ConfigError(f"{path}: not a booking-link secret (64 hex digits)") from None
    if len(secret) < 32:
        raise ConfigError(f"{path}: not a booking-link secret (64 hex digits)")
    return secret


def sign(reference: str, secret: bytes) -> str:
    digest = hmac.new(secret, b"booking-link\x00" + reference.encode(), hashlib.sha256).digest()
    n = int.from_bytes(digest, "big")
    letters = []
    for _ in range(TOKEN_LENGTH):
        n, r = divmod(n, 26)
        letters.append(_LETTERS[r])
    return "".join(letters)


def check(reference: str, token: object, secret: bytes) -> bool:
    if not isinstance(token, str) or len(token) != TOKEN_LENGTH:
        return False
    return hmac.compare_digest(sign(reference, secret), token)


def url(settings: BookingsConfig, reference: str, secret: bytes) -> str:
    return f"{settings.portal_url.rstrip('/')}/b/{reference}?t={sign(reference, secret)}"
