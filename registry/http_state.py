"""What every request of the registry API needs: the application's state (`Registry`: settings,
database, key cache, places) and the FastAPI dependencies that read the kiosk's
signature headers and body (`signed_request`) and authenticate the kiosk (`kiosk_identity`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry import channels, citizens, keyring, kiosks
from registry.config import DataDir, Settings
from registry.db import Database
from registry.errors import (
    KeyringError,
    SessionInvalid,
)
from registry.places import PlaceBook
from registry.signing import SignatureHeaders, parse_headers
from verifier.documents import Bilingual

__all__ = [
    "Auth",
    "KioskIdentity",
    "Kiosk_",
    "Registry",
    "SignedRequest",
    "Signed_",
    "bearer",
    "kiosk_identity",
    "registry_of",
    "route_template",
    "signed_request",
    "utc_now",
]

log = logging.getLogger(__name__)

NONCE_PURGE_EVERY = 60.0


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---------------------------------------------------------------------------------------------
# The application's state


@dataclass(frozen=True)
class KioskIdentity:
    """The enrolled channel that signed a request: a kiosk, or the portal."""

    id: str
    centre: Bilingual
    kind: str = "kiosk"

    def require_kiosk(self) -> None:
        channels.require_kiosk(self.kind)

    def require_portal(self) -> None:
        channels.require_portal(self.kind)


class Registry:
    """What every request needs: settings, the database, the key cache, the places."""

    def __init__(
        self,
        data: DataDir,
        db: Database,
        settings: Settings,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.data = data
        self.now = clock  # the time every request is judged by; tests inject one they move
        self.db = db
        self.settings = settings
        self.keys = keyring.KeyCache(data)
        self.places = PlaceBook(db)
        self._last_purge = 0.0
        self._purge_lock = threading.Lock()

    def authenticate_in(self, s: Session, signed: SignedRequest) -> KioskIdentity:
        """Check the request signature inside the caller's transaction (nonce recorded)."""
        now = self.now()
        kiosk = kiosks.authenticate(
            s,
            signed.headers,
            signed.method,
            signed.target,
            signed.body,
            now,
            self.settings.request_skew,
        )
        if self._purge_due():
            kiosks.purge_nonces(s, now - 2 * self.settings.request_skew)
        return KioskIdentity(kiosk.id, Bilingual(kiosk.centre_ar, kiosk.centre_latin), kiosk.kind)

    def _purge_due(self) -> bool:
        with self._purge_lock:
            due = time.monotonic() - self._last_purge > NONCE_PURGE_EVERY
            if due:
                self._last_purge = time.monotonic()
        return due

    def purge_nonces_if_due(self) -> None:
        """Forget nonces older than the replay window (at most once a minute per process)."""
        if self._purge_due():
            with self.db.session() as s:
                kiosks.purge_nonces(s, self.now() - 2 * self.settings.request_skew)

    def authenticate(self, signed: SignedRequest) -> KioskIdentity:
        with self.db.session() as s:
            if not self.db.is_sqlite:
                # a transaction of its own that only records the nonce: losing it in a crash
                # reopens a two-minute replay window at worst, so skip the WAL flush wait
                s.execute(text("SET LOCAL synchronous_commit TO OFF"))
            return self.authenticate_in(s, signed)

    def person_for(self, token: str | None, kiosk: KioskIdentity) -> int:
        if token is None:
            raise SessionInvalid("no session token (Authorization: Bearer ...)")
        with self.db.session() as s:
            return citizens.resolve_session(s, token, kiosk.id, self.settings, self.now())

    def trust_list(self) -> keyring.PublishedList:
        with self.db.session() as s:
            latest = keyring.latest_trust_list(s)
        now = self.now()
        half = self.settings.trust_list_validity / 2
        if latest is not None and now < latest.next_update - half:
            return latest
        if self.data.root_key_path.exists():
            try:
                with self.db.session() as s:
                    return keyring.publish_trust_list(s, self.data, self.settings)
            except IntegrityError:  # another process published the same sequence first
                with self.db.session() as s:
                    latest = keyring.latest_trust_list(s)
        if latest is None:
            raise KeyringError("no trust list has been published yet")
        return latest


def route_template(request: Request) -> str:
    """The route's template (never the concrete path: it may hold a serial)."""
    return str(getattr(request.scope.get("route"), "path", "?"))


def bearer(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def registry_of(request: Request) -> Registry:
    reg: Registry = request.app.state.registry
    return reg


@dataclass(frozen=True)
class SignedRequest:
    headers: SignatureHeaders
    method: str
    target: str
    body: bytes


async def signed_request(request: Request) -> SignedRequest:
    """Dependency: the signature headers, method, target and body, not yet checked (the body
    is at most MAX_BODY bytes: `BodyLimit` refused anything larger before routing)."""
    body = await request.body()
    headers = parse_headers(request.headers)
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    target = raw_path.decode("latin-1")
    query = request.scope.get("query_string", b"")
    if query:
        target += "?" + query.decode("latin-1")
    return SignedRequest(headers, request.method, target, body)


async def kiosk_identity(request: Request) -> KioskIdentity:
    """Dependency: the enrolled kiosk that signed this request (401 otherwise)."""
    signed = await signed_request(request)
    return await run_in_threadpool(registry_of(request).authenticate, signed)


Kiosk_ = Annotated[KioskIdentity, Depends(kiosk_identity)]
Signed_ = Annotated[SignedRequest, Depends(signed_request)]
Auth = Annotated[str | None, Header(alias="Authorization", max_length=300)]
