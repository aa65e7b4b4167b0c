"""Every kiosk screen holds at every common panel size, in both languages and in large text.

Each case is one process (Kivy has one window per process) touring every screen through the
real app (`sanad.kiosk_tour`); at each screen the tour's eye (`layout_problems`) lists any label
whose text is wider or taller than its widget, any widget that leaves the window and any two
boxes' children that overlap. The test fails on anything listed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sanad.kiosk_tour import SIZES

pytestmark = [pytest.mark.gui, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "large-text"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_screen_holds(tmp_path: Path, size: tuple[int, int], large: bool) -> None:
    check = tmp_path / "problems.json"
    argv = [sys.executable, "-m", "sanad.kiosk_tour", "--size", f"{size[0]}x{size[1]}",
            "--lang", "ar,en", "--check", str(check)]  # fmt: skip
    if large:
        argv.append("--large")
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_HOME": str(tmp_path / "kivy")}
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=600, cwd=ROOT, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    problems = json.loads(check.read_text(encoding="utf-8"))
    # every screen of the tour was looked at, in both languages
    assert len([n for n in problems if n.startswith("ar-")]) >= 24
    assert len([n for n in problems if n.startswith("en-")]) >= 24
    found = {screen: issues for screen, issues in problems.items() if issues}
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
