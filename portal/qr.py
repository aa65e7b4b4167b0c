"""The order code as a QR, drawn as inline SVG on the server (pure; `qrcode` encodes it).

One <path> of whole modules with a four-module quiet zone, dark on white, no style attribute
(the page's CSP allows none), `role="img"` with the code as its accessible name. The text is
the nine-character code in upper case, so the QR uses alphanumeric mode and stays small
(version 1) for any phone camera and the kiosk's scanner.
"""

from __future__ import annotations

from html import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_Q

__all__ = ["qr_svg"]

_QUIET = 4


def qr_svg(text: str, *, label: str) -> str:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=0)
    qr.add_data(text.upper())
    qr.make(fit=True)
    matrix: list[list[bool]] = qr.get_matrix()
    size = len(matrix) + 2 * _QUIET
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start + _QUIET},{y + _QUIET}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
