"""What the administrators' pages share: a refused act as status and words, the one-time
credentials as the page shows them (the provisioning URI as text, its secret, and a QR code
drawn here as a data: PNG, since the pages load nothing from elsewhere and run no script),
and the JSON shape of a staff member."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import qrcode

from registry import staff as accounts
from registry.admin_refusals import AdminRefused
from registry.errors import KeyringError, RegistryError
from registry.office.declarations import Permission
from registry.office.errors import Refusal
from registry.office_web.admin_text import TEXT

__all__ = ["ADMIN", "OneTime", "credentials_json", "one_time", "refusal_of", "staff_json"]

ADMIN = Permission.ADMINISTER

NOT_PUBLISHED = Refusal(
    "root_key_offline", TEXT["ar"]["not_published_kiosk"], TEXT["en"]["not_published_kiosk"]
)


def refusal_of(exc: RegistryError) -> tuple[int, Refusal]:
    """The status and words of a refused administrator's act (any other error is a bug)."""
    if isinstance(exc, AdminRefused):
        return exc.status, exc.refusal
    if isinstance(exc, KeyringError):
        return 503, NOT_PUBLISHED
    raise exc


@dataclass(frozen=True)
class OneTime:
    """Credentials shown once: never stored in a form, a cookie or a log."""

    username: str
    password: str | None
    secret: str
    uri: str
    qr_png: str  # data:image/png;base64,...


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, box_size=6, border=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def secret_of(uri: str) -> str:
    """The base32 secret inside a provisioning URI (for typing into an authenticator)."""
    return parse_qs(urlsplit(uri).query).get("secret", [""])[0]


def one_time(creds: accounts.Credentials) -> OneTime:
    uri = creds.totp_uri
    return OneTime(creds.staff.username, creds.password, secret_of(uri), uri, _qr_data_uri(uri))


def staff_json(v: accounts.StaffView) -> dict[str, Any]:
    return {
        "username": v.username,
        "name": {"ar": v.name_ar, "en": v.name_en},
        "role": v.role.value,
        "office": v.office,
        "disabled": v.disabled,
        "locked": v.locked,
    }


def credentials_json(creds: accounts.Credentials) -> dict[str, Any]:
    return {
        "staff": staff_json(creds.staff),
        "password": creds.password,
        "totp_secret": secret_of(creds.totp_uri),
        "totp_uri": creds.totp_uri,
    }
