"""The technician's fleet page (HTML, no external resources): kiosks, those needing a visit
first. Pure: rows in, a page out.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from typing import Any

__all__ = ["fleet_html"]

log = logging.getLogger(__name__)

_ATTENTION_WORDS = {
    "never_seen": "never sent a heartbeat",
    "offline": "offline",
    "paper_out": "paper out",
    "paper_near_end": "paper near end",
    "printer_error": "printer error",
    "printer_unknown": "printer not answering",
    "cover_open": "cover open",
    "failed_jobs": "failed print jobs waiting",
    "revoked": "revoked",
}


def fleet_html(rows: list[dict[str, Any]], now: dt.datetime) -> str:
    e = html.escape
    needing = sum(1 for r in rows if r["attention"])
    lines = []
    for r in rows:
        seen = r["last_seen_at"]
        ago = f"{int((now - seen).total_seconds() // 60)} min ago" if seen else "never"
        flags = ", ".join(_ATTENTION_WORDS.get(a, a) for a in r["attention"]) or "OK"
        cls = "bad" if r["attention"] else "ok"
        lines.append(
            f'<tr class="{cls}"><td>{e(r["id"])}</td>'
            f'<td>{e(r["centre"]["latin"] or "")}<br><span lang="ar" dir="rtl">'
            f"{e(r['centre']['ar'])}</span></td>"
            f"<td>{e(flags)}</td><td>{e(ago)}</td><td>{e(r['printer'] or '-')}</td>"
            f"<td>{e(r['paper'] or '-')}</td><td>{r['journal_backlog'] or 0}</td>"
            f"<td>{r['failed_jobs'] or 0}</td><td>{e(r['app_version'] or '-')}</td>"
            f"<td>{e(r['last_error'] or '')}</td></tr>"
        )
    body = "\n".join(lines) or '<tr><td colspan="10">No kiosks enrolled.</td></tr>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="30">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sanad fleet: {needing} kiosk(s) need attention</title>
<style>
body{{font-family:system-ui,sans-serif;margin:1.5rem}} table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #bbb;padding:.4rem;text-align:left;vertical-align:top}}
tr.bad{{background:#fde2e1}} tr.ok{{background:#e6f4ea}} h1{{font-size:1.4rem}}
</style></head><body>
<h1>Kiosk fleet — {needing} of {len(rows)} need attention</h1>
<p>Updated {e(now.strftime("%Y-%m-%d %H:%M:%S UTC"))}; refreshes every 30 s.</p>
<table><thead><tr><th>Kiosk</th><th>Centre</th><th>Needs</th><th>Last heartbeat</th>
<th>Printer</th><th>Paper</th><th>Backlog</th><th>Failed jobs</th><th>App</th>
<th>Last error</th></tr></thead><tbody>
{body}
</tbody></table></body></html>
"""
