"""Channel kinds: a kiosk (a machine in a centre, where a citizen stands) or the portal (the
internet-facing web channel). Both are rows of `kiosks`, enrolled with their own Ed25519 key
and signing every request the same way; what each may call differs: a kiosk signs a citizen in
with the PIN alone and issues on the spot, the portal needs the one-time code and places
orders. A route for the other kind is refused (403 channel_not_allowed) before anything else.
"""

from __future__ import annotations

import enum

from registry.codes import ErrorCode
from registry.errors import Refused

__all__ = ["ChannelKind", "require_kiosk", "require_portal"]


class ChannelKind(enum.StrEnum):
    KIOSK = "kiosk"
    PORTAL = "portal"


def require_kiosk(kind: str) -> None:
    if kind != ChannelKind.KIOSK:
        raise Refused("this request is for kiosks only", code=ErrorCode.CHANNEL_NOT_ALLOWED)


def require_portal(kind: str) -> None:
    if kind != ChannelKind.PORTAL:
        raise Refused("this request is for the portal only", code=ErrorCode.CHANNEL_NOT_ALLOWED)
