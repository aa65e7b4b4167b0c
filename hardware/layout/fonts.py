"""Fonts for the certificate: finding them on the system and opening them with raqm.

Arabic (and any line that mixes Arabic with Latin) is set in Amiri (Debian's
fonts-hosny-amiri), which covers both scripts; Latin-only lines are set in DejaVu Sans
Condensed, which stays crisp at thermal-printer sizes. Fonts are looked up at known Debian
paths first and through `fc-match` second, only when first needed, never at import time.

What this module does not do: lay out text (see `text`) or bundle font files.
"""

from __future__ import annotations

import enum
import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont, features

from hardware.layout.errors import FontNotFoundError, TextEngineError

__all__ = ["FontSet", "Script", "default_fonts", "open_font", "require_raqm"]


class Script(enum.Enum):
    ARABIC = "arabic"  # Arabic, or Arabic mixed with Latin: needs a font covering both
    LATIN = "latin"


@dataclass(frozen=True)
class FontSet:
    arabic: Path
    arabic_bold: Path
    latin: Path
    latin_bold: Path

    def path(self, script: Script, bold: bool) -> Path:
        if script is Script.ARABIC:
            return self.arabic_bold if bold else self.arabic
        return self.latin_bold if bold else self.latin


_AMIRI_DIRS = (
    "/usr/share/fonts/opentype/fonts-hosny-amiri",
    "/usr/share/fonts/truetype/fonts-hosny-amiri",
    "/usr/share/fonts/opentype/amiri",
    "/usr/share/fonts/truetype/amiri",
)
_DEJAVU_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")

# (file name, directories, fc-match pattern), for arabic, arabic_bold, latin, latin_bold
_WANTED = (
    ("Amiri-Regular.ttf", _AMIRI_DIRS, "Amiri:style=Regular"),
    ("Amiri-Bold.ttf", _AMIRI_DIRS, "Amiri:style=Bold"),
    ("DejaVuSansCondensed.ttf", _DEJAVU_DIRS, "DejaVu Sans:style=Condensed"),
    ("DejaVuSansCondensed-Bold.ttf", _DEJAVU_DIRS, "DejaVu Sans:style=Condensed Bold"),
)


def _fc_match(pattern: str, family: str) -> Path | None:
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "--format=%{family}\n%{file}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.splitlines()
    # fc-match always answers something; only believe it if the family is the one asked for.
    if len(lines) == 2 and family.lower() in lines[0].lower() and Path(lines[1]).is_file():
        return Path(lines[1])
    return None


def _find(name: str, dirs: tuple[str, ...], pattern: str) -> Path:
    for d in dirs:
        candidate = Path(d) / name
        if candidate.is_file():
            return candidate
    found = _fc_match(pattern, pattern.split(":")[0])
    if found is None:
        package = "fonts-hosny-amiri" if name.startswith("Amiri") else "fonts-dejavu"
        raise FontNotFoundError(
            f"font {name} not found (looked in {', '.join(dirs)} and with fc-match); "
            f"install the Debian package {package}"
        )
    return found


@functools.cache
def default_fonts() -> FontSet:
    """Amiri and DejaVu Sans Condensed from the system; FontNotFoundError if missing."""
    return FontSet(*(_find(*w) for w in _WANTED))


def require_raqm() -> None:
    """Raise TextEngineError unless Pillow can shape Arabic (raqm with FriBiDi)."""
    if not features.check("raqm"):
        raise TextEngineError(
            "Pillow's raqm text layout engine is not available, so Arabic cannot be shaped "
            "or ordered right to left; install the Debian packages libraqm0 and libfribidi0 "
            "(apt-get install libraqm0 libfribidi0)"
        )


@functools.lru_cache(maxsize=64)
def open_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """The font at a pixel size, with raqm layout (cached: opening a font costs ~1 ms)."""
    require_raqm()
    try:
        return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)
    except OSError as exc:
        raise FontNotFoundError(f"cannot open font {path}: {exc}") from exc
