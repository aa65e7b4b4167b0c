"""What every booking step needs besides the session: the `[bookings]` settings and the
secret that signs SMS links (`links.load_secret`)."""

from __future__ import annotations

from dataclasses import dataclass

from registry.config import BookingsConfig, DataDir

__all__ = ["Rules", "load_rules"]


@dataclass(frozen=True)
class Rules:
    settings: BookingsConfig
    link_secret: bytes


def load_rules(data: DataDir, settings: BookingsConfig) -> Rules:
    from registry.bookings import links

    return Rules(settings, links.load_secret(data, settings))
