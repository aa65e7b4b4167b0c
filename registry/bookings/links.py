"""Signed links in appointment SMS: `<portal>/b/<reference>?t=<token>` lets the person who
received the SMS see, cancel or confirm that one appointment without signing in.

The token is HMAC-SHA256 over the purpose and the reference with the registry's link secret
(DATA/keys/booking-links.key, 32 random bytes made owner-only on first use, never
overwritten), written in 22 lower-case letters (about 103 bits): no digits, so an SMS body
never carries a run of digits that could pass for a national number. A token opens one
reference only; rotating the secret file invalidates every link sent.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from registry.config import PRIVATE_FILE, BookingsConfig, DataDir

__all__ = ["check", "load_secret", "sign", "url"]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
TOKEN_LENGTH = 22


def load_secret(data: DataDir, settings: BookingsConfig) -> bytes:
    """The link secret, made on first use (O_EXCL: two processes starting at once agree)."""
    path = Path(settings.link_secret_file)
    if not path.is_absolute():
        path = data.root / path
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32) + "\n")
    text = path.read_text(encoding="ascii").strip()
    if len(text) < 64:  # a file being written by the other process: read it once more
        text = path.read_text(encoding="ascii").strip()
    return bytes.fromhex(text)


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
