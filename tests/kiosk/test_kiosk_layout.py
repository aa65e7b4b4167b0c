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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from sanad.kiosk_tour import SIZES

# the first case waits for every tour (the module fixture): about two minutes on an idle
# two-core machine, much more on a busy one
pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]


CASES = [(size, large) for size in SIZES for large in (False, True)]


def _tour(root: Path, size: tuple[int, int], large: bool) -> tuple[int, str, Path]:
    where = root / f"{size[0]}x{size[1]}{'-large' if large else ''}"
    where.mkdir()
    check = where / "problems.json"
    argv = [sys.executable, "-m", "sanad.kiosk_tour", "--size", f"{size[0]}x{size[1]}",
            "--lang", "ar,en", "--check", str(check)]  # fmt: skip
    if large:
        argv.append("--large")
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_HOME": str(where / "kivy")}
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=600, cwd=ROOT, env=env, check=False
    )
    return done.returncode, done.stderr[-3000:], check


@pytest.fixture(scope="module")
def tours(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[tuple[int, int], bool], Any]:
    """Every case's tour, three processes at a time: a tour spends half its time waiting for
    the screens' own timers, so they overlap well even on two cores."""
    root = tmp_path_factory.mktemp("tours")
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {case: pool.submit(_tour, root, *case) for case in CASES}
        return {case: f.result() for case, f in futures.items()}


@pytest.mark.parametrize(
    ("size", "large"),
    CASES,
    ids=[f"{w}x{h}-{'large' if large else 'normal'}-text" for (w, h), large in CASES],
)
def test_every_screen_holds(
    tours: dict[tuple[tuple[int, int], bool], Any], size: tuple[int, int], large: bool
) -> None:
    returncode, stderr, check = tours[(size, large)]
    assert returncode == 0, stderr
    problems = json.loads(check.read_text(encoding="utf-8"))
    # every screen of the tour was looked at, in both languages
    assert len([n for n in problems if n.startswith("ar-")]) >= 24
    assert len([n for n in problems if n.startswith("en-")]) >= 24
    found = {screen: issues for screen, issues in problems.items() if issues}
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
