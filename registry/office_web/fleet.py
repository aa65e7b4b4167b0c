"""The fleet's rows: every kiosk and what it needs, those needing a visit first."""

from __future__ import annotations

from typing import Any

from registry import kiosks
from registry.http_state import Registry

__all__ = ["fleet_of"]


def fleet_of(reg: Registry) -> list[dict[str, Any]]:
    """The kiosks and what each needs, those needing a visit first (the fleet page's rows)."""
    now = reg.now()
    out = []
    with reg.db.session() as s:
        for k in kiosks.list_kiosks(s):
            out.append(
                {
                    "id": k.id,
                    "centre": {"ar": k.centre_ar, "latin": k.centre_latin},
                    "revoked": k.revoked_at is not None,
                    "last_seen_at": k.last_seen_at,
                    "printer": k.printer,
                    "paper": k.paper,
                    "cover_open": k.cover_open,
                    "app_version": k.app_version,
                    "last_error": k.last_error,
                    "journal_backlog": k.journal_backlog,
                    "failed_jobs": k.failed_jobs,
                    "attention": [
                        a.value for a in kiosks.attention(k, now, reg.settings.offline_after)
                    ],
                }
            )
    out.sort(key=lambda k: (not k["attention"], k["id"]))
    return out
