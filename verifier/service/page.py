"""The verification page's files: read once from the package and from the system's fonts."""

from __future__ import annotations

import contextlib
from importlib import resources
from pathlib import Path

from verifier.service.config import ServiceConfig

__all__ = ["CSP", "Page"]

# Fonts tried for the page, first found wins; the page falls back to system fonts without one.
_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf",
    "/usr/share/fonts/truetype/fonts-hosny-amiri/Amiri-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
_FONT_BOLD_CANDIDATES = (
    "/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Bold.ttf",
    "/usr/share/fonts/truetype/fonts-hosny-amiri/Amiri-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
_ASSETS = {
    "app.js": "application/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; font-src 'self'; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


class Page:
    """The page's files, read once from the package and from the system's fonts."""

    def __init__(self, config: ServiceConfig) -> None:
        web = resources.files("verifier") / "web"
        html = (web / "index.html").read_text(encoding="utf-8")
        self.html = html.replace("{{CLEAR_AFTER}}", str(int(config.clear_after_seconds))).encode()
        self.headers = {
            "Content-Security-Policy": CSP,
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
        }
        self._assets: dict[str, tuple[bytes, str]] = {
            name: ((web / name).read_bytes(), media) for name, media in _ASSETS.items()
        }
        for name, candidates in (
            ("font.ttf", _FONT_CANDIDATES),
            ("font-bold.ttf", _FONT_BOLD_CANDIDATES),
        ):
            for path in candidates:
                with contextlib.suppress(OSError):
                    self._assets[name] = (Path(path).read_bytes(), "font/ttf")
                    break

    def asset(self, name: str) -> tuple[bytes, str] | None:
        return self._assets.get(name)
