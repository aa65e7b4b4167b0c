"""The browser's side of a session: sealed cookies and CSRF tokens (pure, no I/O).

The registry's citizen session token *is* the session: the portal keeps nothing on its own
disk, so any number of portal processes can serve the same citizen. The token travels in a
cookie sealed with AES-256-GCM (`cryptography`) under the portal's cookie key: the browser can
neither read it nor change it, and a cookie sealed for one purpose (``pending``, the sign-in
waiting for its SMS code; ``session``) does not open as another (the purpose is the
associated data). Each sealed value carries its own random id; a form's CSRF token is an
HMAC-SHA256 of that id under a key derived from the cookie key, so a token is worthless once
its cookie is replaced (at sign-in, at sign-out). Before sign-in, a plain random ``pre``
cookie plays that part for the sign-in form, as in the office app.

What it does not do: decide when a session ends (the registry does: its expiry is carried
along, and every call asks the registry anyway), or set cookies (the app does).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["MAX_AGE", "Pending", "Seal", "SessionState", "new_id"]

MAX_AGE = dt.timedelta(hours=12)  # a sealed cookie older than this is refused whatever it says
_NONCE = 12


def new_id() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Pending:
    """A sign-in waiting for the SMS code (the registry's challenge, never the PIN)."""

    id: str
    challenge: str
    expires_at: dt.datetime
    phone_hint: str
    sealed_at: dt.datetime


@dataclass(frozen=True)
class SessionState:
    """A signed-in citizen: the registry's token, its expiry, the name to greet them by."""

    id: str
    token: str
    expires_at: dt.datetime
    name_ar: str
    name_latin: str | None
    sealed_at: dt.datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Seal:
    """Seals and opens the portal's cookies under one 32-byte key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the cookie key is 32 bytes")
        self._aead = AESGCM(key)
        self._csrf_key = hmac.new(key, b"sanad-portal csrf", hashlib.sha256).digest()

    def _seal(self, purpose: str, payload: dict[str, Any]) -> str:
        nonce = secrets.token_bytes(_NONCE)
        data = json.dumps(payload, separators=(",", ":")).encode()
        return _b64(nonce + self._aead.encrypt(nonce, data, purpose.encode()))

    def _open(self, purpose: str, text: str | None, now: dt.datetime) -> dict[str, Any] | None:
        if not text or len(text) > 3000:
            return None
        try:
            raw = _unb64(text)
            data = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], purpose.encode())
            payload = json.loads(data)
            sealed_at = dt.datetime.fromisoformat(payload["sealed_at"])
        except (ValueError, binascii.Error, InvalidTag, KeyError, TypeError):
            return None
        if not isinstance(payload, dict) or not now - MAX_AGE <= sealed_at <= now + MAX_AGE:
            return None
        return payload

    # -- the two cookies ----------------------------------------------------------------

    def seal_pending(self, p: Pending) -> str:
        return self._seal(
            "pending",
            {
                "id": p.id,
                "challenge": p.challenge,
                "expires_at": p.expires_at.isoformat(),
                "phone_hint": p.phone_hint,
                "sealed_at": p.sealed_at.isoformat(),
            },
        )

    def open_pending(self, text: str | None, now: dt.datetime) -> Pending | None:
        d = self._open("pending", text, now)
        if d is None:
            return None
        try:
            return Pending(
                str(d["id"]),
                str(d["challenge"]),
                dt.datetime.fromisoformat(d["expires_at"]),
                str(d["phone_hint"]),
                dt.datetime.fromisoformat(d["sealed_at"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def seal_session(self, s: SessionState) -> str:
        return self._seal(
            "session",
            {
                "id": s.id,
                "token": s.token,
                "expires_at": s.expires_at.isoformat(),
                "name_ar": s.name_ar,
                "name_latin": s.name_latin,
                "sealed_at": s.sealed_at.isoformat(),
            },
        )

    def open_session(self, text: str | None, now: dt.datetime) -> SessionState | None:
        d = self._open("session", text, now)
        if d is None:
            return None
        try:
            return SessionState(
                str(d["id"]),
                str(d["token"]),
                dt.datetime.fromisoformat(d["expires_at"]),
                str(d["name_ar"]),
                d["name_latin"] if isinstance(d.get("name_latin"), str) else None,
                dt.datetime.fromisoformat(d["sealed_at"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    # -- CSRF -------------------------------------------------------------------------------

    def csrf(self, purpose: str, owner_id: str) -> str:
        """The form token for the cookie with id `owner_id` ("pre", "pending" or "session")."""
        message = f"{purpose}:{owner_id}".encode()
        return hmac.new(self._csrf_key, message, hashlib.sha256).hexdigest()

    def csrf_ok(self, purpose: str, owner_id: str | None, token: str | None) -> bool:
        if not owner_id or not token:
            return False
        expected = self.csrf(purpose, owner_id).encode()
        return hmac.compare_digest(expected, token.encode("utf-8", "replace"))
