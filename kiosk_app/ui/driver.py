"""Drive the real Kivy app with simulated touches, step by step, and take screenshots.

Used by the GUI tests, `scripts/make_kiosk_gallery.py`, `sanad demo --self-test` and the
benchmark. `prepare_offscreen()` must run before Kivy is first imported: it selects SDL's
offscreen video driver (no X server), a private KIVY_HOME, no argument parsing and no console
log. A `Step` is an action on the app (a tap on a labelled button, a key, an event), a condition
to wait for, and an optional screenshot name; `Driver` runs them from Kivy's clock and stops
the app when done, failed or out of time.

What it does not do: assert anything (callers check `Driver.error` and the app's state).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Driver", "Step", "find_text", "prepare_offscreen", "tap", "tap_text"]


def prepare_offscreen(width: int = 1280, height: int = 800) -> None:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # leave the logging set-up to the caller
    os.environ.setdefault("KCFG_KIVY_LOG_LEVEL", "warning")
    if not os.environ.get("SANAD_KIVY_LOG"):  # set it to see Kivy's log on the console
        os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
        os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    if "KIVY_HOME" not in os.environ:
        os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="sanad-kivy-")
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "0")
    Config.set("kivy", "exit_on_escape", "0")


def _walk(app: Any) -> list[Any]:
    from kivy.core.window import Window

    return list(Window.walk()) if hasattr(Window, "walk") else list(app.root.walk())


def find_text(app: Any, raw: str) -> Any | None:
    """The visible, enabled widget whose logical text (`raw`, or `text`) is exactly `raw`."""
    from kivy.core.window import Window

    for root in [*Window.children]:
        for widget in root.walk(restrict=True):
            label = getattr(widget, "raw", None) or getattr(widget, "text", None)
            if label != raw or getattr(widget, "disabled", False):
                continue
            if getattr(widget, "opacity", 1) == 0 or widget.width <= 1:
                continue
            if not hasattr(widget, "on_release") and not hasattr(widget, "on_press"):
                continue
            return widget
    return None


def tap(widget: Any) -> None:
    """A finger down and up at the middle of `widget`, through the window like a real touch."""
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()


def tap_at(x: float, y: float) -> None:
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()


def tap_text(raw: str) -> Callable[[Any], None]:
    def action(app: Any) -> None:
        widget = find_text(app, raw)
        if widget is None:
            raise LookupError(f"no enabled button {raw!r} on {app.session.state.name}")
        tap(widget)

    return action


@dataclass
class Step:
    action: Callable[[Any], None] | None
    until: Callable[[Any], bool] = lambda app: True
    shot: str | None = None
    timeout: float = 20.0
    label: str = ""
    # called once the shot's screen has settled, before the screenshot (the layout test's eye)
    inspect: Callable[[Any], None] | None = None


@dataclass
class Driver:
    app: Any
    steps: list[Step]
    shots: Path | None = None
    settle: float = 0.3
    total_timeout: float = 120.0
    error: str | None = None
    screenshots: list[Path] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)
    actions: list[tuple[str, float]] = field(default_factory=list)  # (label, wall clock)
    _index: int = 0
    _acted: bool = False
    _since: float = 0.0
    _met_at: float | None = None
    _started: float = 0.0

    @property
    def completed(self) -> bool:
        return self._index >= len(self.steps)

    def start(self) -> None:
        from kivy.clock import Clock

        self._started = time.monotonic()
        Clock.schedule_interval(self._tick, 0.03)

    def _fail(self, message: str) -> None:
        self.error = message
        self.app.stop()

    def _tick(self, _dt: float) -> bool:
        now = time.monotonic()
        if now - self._started > self.total_timeout:
            self._fail("the whole script ran out of time")
            return False
        if self._index >= len(self.steps):
            self.app.stop()
            return False
        step = self.steps[self._index]
        if not self._acted:
            self._acted = True
            self._since = now
            self._met_at = None
            if step.action is not None:
                self.actions.append((step.label, time.time()))
                try:
                    step.action(self.app)
                except Exception as exc:
                    self._fail(f"step {self._index} ({step.label}): {exc}")
                    return False
            return True
        if self._met_at is None:
            try:
                met = step.until(self.app)
            except Exception as exc:
                self._fail(f"step {self._index} ({step.label}) condition: {exc}")
                return False
            if met:
                self._met_at = now
                self.timings.append((step.label, now - self._since))
            elif now - self._since > step.timeout:
                state = self.app.session.state.name
                self._fail(f"step {self._index} ({step.label}) timed out in {state}")
                return False
            return True
        if step.shot is not None and now - self._met_at < self.settle:
            return True
        if step.shot is not None and step.inspect is not None:
            try:
                step.inspect(self.app)
            except Exception as exc:
                self._fail(f"step {self._index} ({step.label}) inspection: {exc}")
                return False
        if step.shot is not None and self.shots is not None:
            self.screenshots.append(self._screenshot(step.shot))
        self._index += 1
        self._acted = False
        return True

    def _screenshot(self, name: str) -> Path:
        from kivy.core.window import Window

        from kiosk_app.files import FILE_MODE, private_dir

        private_dir(self.shots)  # type: ignore[arg-type]
        target = self.shots / f"{name}.png"  # type: ignore[operator]
        made = Window.screenshot(name=str(self.shots / f"{name}-shot.png"))  # type: ignore[operator]
        os.chmod(made, FILE_MODE)  # a screen may show a citizen's data: owner-only
        Path(made).replace(target)
        return target
