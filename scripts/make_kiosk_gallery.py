"""Regenerate docs/gallery/kiosk/: every kiosk screen in Arabic and English, at two sizes.

    .venv/bin/python scripts/make_kiosk_gallery.py [--out docs/gallery/kiosk]

The real Kivy app tours every screen offscreen (`sanad.kiosk_tour`: the journey and its error
screens, a recording runner in place of the registry, printer and payment), once on a
landscape 1280x800 panel and once on a portrait 1080x1920 totem, each in its own process
(Kivy has one window per process). The PNGs land in `<out>/1280x800/` and `<out>/1080x1920/`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = ("1280x800", "1080x1920")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "gallery" / "kiosk")
    args = parser.parse_args()
    for old in args.out.glob("*.png"):  # the one-size gallery this replaces
        old.unlink()
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen"}
    status = 0
    for size in SIZES:
        target = args.out / size
        shutil.rmtree(target, ignore_errors=True)
        status |= subprocess.call(
            [sys.executable, "-m", "sanad.kiosk_tour", "--size", size, "--lang", "ar,en",
             "--shots", str(target)],
            cwd=ROOT, env=env,
        )  # fmt: skip
        if target.exists():
            os.chmod(target, 0o755)  # a published gallery (sample data only)
            for png in target.glob("*.png"):
                os.chmod(png, 0o644)
    return status


if __name__ == "__main__":
    sys.exit(main())
