"""The kiosk request signature: how a kiosk proves a request is its own, fresh and intact.

Every kiosk request carries four headers:

    X-Sanad-Kiosk:     the kiosk id, as enrolled
    X-Sanad-Timestamp: Unix time in whole seconds when the request was signed
    X-Sanad-Nonce:     16 to 64 characters of base64url, fresh for every request
    X-Sanad-Signature: base64url (no padding) of the Ed25519 signature over `canonical()`

and the signed text is, lines joined with "\\n" (no trailing newline):

    SANAD-KIOSK-SIG-V1
    METHOD                      upper case
    TARGET                      path and query exactly as sent ("/api/v1/documents?x=1")
    TIMESTAMP
    NONCE
    KIOSK-ID
    SHA-256 of the body, lower-case hex (of the empty string when there is no body)

The registry refuses a request whose timestamp is more than its skew (120 s) from its clock,
whose nonce it has seen from that kiosk within the window (a replay), whose kiosk is unknown or
revoked, or whose signature does not verify. Pure: shared by `registry.service` (checking)
and `registry.client` (signing); no I/O.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from registry.codes import ErrorCode
from registry.errors import KioskAuthError
from verifier.keys import SigningKey, verify_detached

__all__ = [
    "HEADER_KIOSK",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "KIOSK_ID",
    "SCHEME",
    "SignatureHeaders",
    "canonical",
    "is_fresh",
    "parse_headers",
    "sign_request",
    "valid_kiosk_id",
]

SCHEME = "SANAD-KIOSK-SIG-V1"
HEADER_KIOSK = "X-Sanad-Kiosk"
HEADER_TIMESTAMP = "X-Sanad-Timestamp"
HEADER_NONCE = "X-Sanad-Nonce"
HEADER_SIGNATURE = "X-Sanad-Signature"
KIOSK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_SIG = re.compile(r"[A-Za-z0-9_-]{86}")
_TS = re.compile(r"[0-9]{1,12}")


def valid_kiosk_id(text: str) -> bool:
    return isinstance(text, str) and KIOSK_ID.fullmatch(text) is not None


def canonical(
    method: str, target: str, timestamp: int, nonce: str, kiosk_id: str, body: bytes
) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join(
        (SCHEME, method.upper(), target, str(timestamp), nonce, kiosk_id, digest)
    ).encode("utf-8")


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_request(
    key: SigningKey,
    kiosk_id: str,
    method: str,
    target: str,
    body: bytes,
    *,
    now: dt.datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four headers for one request."""
    ts = int((now or dt.datetime.now(dt.UTC)).timestamp())
    nonce = nonce or secrets.token_urlsafe(18)
    sig = key.sign(canonical(method, target, ts, nonce, kiosk_id, body))
    return {
        HEADER_KIOSK: kiosk_id,
        HEADER_TIMESTAMP: str(ts),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: _b64u(sig),
    }


@dataclass(frozen=True)
class SignatureHeaders:
    kiosk_id: str
    timestamp: int
    nonce: str
    signature: bytes

    def verify(self, public_key: bytes, method: str, target: str, body: bytes) -> bool:
        message = canonical(method, target, self.timestamp, self.nonce, self.kiosk_id, body)
        return verify_detached(public_key, message, self.signature)


def parse_headers(headers: Mapping[str, str]) -> SignatureHeaders:
    """The signature headers, or KioskAuthError saying which is missing or malformed."""
    values = {
        h: headers.get(h) for h in (HEADER_KIOSK, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)
    }
    missing = [h for h, v in values.items() if not v]
    if missing:
        raise KioskAuthError(
            f"unsigned request: missing {', '.join(missing)}", code=ErrorCode.SIGNATURE_MISSING
        )
    kiosk, ts, nonce, sig = (values[h] or "" for h in values)
    if not KIOSK_ID.fullmatch(kiosk):
        raise KioskAuthError("malformed kiosk id", code=ErrorCode.SIGNATURE_INVALID)
    if not _TS.fullmatch(ts):
        raise KioskAuthError("malformed timestamp", code=ErrorCode.SIGNATURE_INVALID)
    if not _NONCE.fullmatch(nonce):
        raise KioskAuthError("malformed nonce", code=ErrorCode.SIGNATURE_INVALID)
    if not _SIG.fullmatch(sig):
        raise KioskAuthError("malformed signature", code=ErrorCode.SIGNATURE_INVALID)
    raw = base64.urlsafe_b64decode(sig + "==")
    return SignatureHeaders(kiosk, int(ts), nonce, raw)


def is_fresh(timestamp: int, now: dt.datetime, skew: dt.timedelta) -> bool:
    return abs(now.timestamp() - timestamp) <= skew.total_seconds()
