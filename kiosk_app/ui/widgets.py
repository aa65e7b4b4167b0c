"""Kivy widgets that know right-to-left: a label that wraps then shapes, a mirroring row.

`BidiLabel` takes the logical text in `raw` and the paragraph direction in `rtl`; whenever
either, its width or its font changes it wraps the text to the width (measuring shaped lines
with Kivy's own text provider) and shows the shaped, visually ordered lines. `align` is
"start" or "end" (which side depends on the direction) or "center". `MirrorBox` is a
horizontal BoxLayout whose children are laid out right to left when `rtl` is true, so a
whole screen mirrors by binding one property.

What this module does not do: know about the session or the catalogues (the App does).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.core.text import LabelBase
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    NumericProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk_app.i18n.text import has_rtl, layout

__all__ = ["FONT_NAME", "BidiButton", "BidiLabel", "MirrorBox", "register_fonts"]

FONT_NAME = "SanadUI"


def register_fonts() -> None:
    """DejaVu Sans covers Arabic presentation forms and Latin (Roboto, Kivy's default, does not)."""
    import kivy

    bundled = Path(kivy.__file__).parent / "data" / "fonts" / "DejaVuSans.ttf"
    system = Path("/usr/share/fonts/truetype/dejavu")
    regular = system / "DejaVuSans.ttf"
    bold = system / "DejaVuSans-Bold.ttf"
    LabelBase.register(
        FONT_NAME,
        str(regular if regular.exists() else bundled),
        fn_bold=str(bold if bold.exists() else bundled),
    )


@functools.lru_cache(maxsize=64)
def _measurer(font_name: str, font_size: float, bold: bool) -> CoreLabel:
    return CoreLabel(font_name=font_name, font_size=font_size, bold=bold)


@functools.lru_cache(maxsize=16384)
def _extent(font: tuple[str, float, bool], line: str) -> float:
    """The drawn width of one shaped line (wrapping measures the same candidates again and
    again as screens are re-laid out)."""
    return float(_measurer(*font).get_extents(line)[0])


def _app_rtl() -> bool | None:
    from kivy.app import App

    app = App.get_running_app()
    return None if app is None or not hasattr(app, "rtl") else bool(app.rtl)


class BidiLabel(Label):  # type: ignore[misc]
    """`direction`: "app" follows the App's language, "text" guesses from the text itself."""

    raw = StringProperty("")
    direction = OptionProperty("app", options=["app", "text", "rtl", "ltr"])
    rtl = BooleanProperty(False)  # the direction in effect (read-only for kv)
    base_size = NumericProperty(26)  # font size before the larger-text factor
    align = OptionProperty("start", options=["start", "center", "end"])

    def __init__(self, **kwargs: Any) -> None:
        self._trigger = Clock.create_trigger(self._relayout, -1)
        super().__init__(**kwargs)
        from kivy.app import App

        app = App.get_running_app()
        if app is not None and hasattr(app, "rtl"):
            app.fbind("rtl", self._trigger)
        self.fbind("raw", self._trigger)
        self.fbind("direction", self._trigger)
        self.fbind("width", self._trigger)
        self.fbind("font_size", self._trigger)
        self.fbind("font_name", self._trigger)
        self.fbind("bold", self._trigger)
        self.fbind("align", self._trigger)
        self._relayout()

    def _relayout(self, *_: object) -> None:
        if self.direction == "app":
            self.rtl = bool(_app_rtl())
        elif self.direction == "text":
            self.rtl = has_rtl(self.raw)
        else:
            self.rtl = self.direction == "rtl"
        if self.parent is None and not self.raw:
            return
        font = (self.font_name, float(self.font_size), bool(self.bold))

        def measure(line: str) -> float:
            return _extent(font, line)

        usable = max(self.width - 2 * self.padding[0], 20) * 0.97
        self.text = layout(self.raw, usable, measure, rtl=self.rtl)
        if self.align == "center":
            self.halign = "center"
        elif (self.align == "start") == self.rtl:
            self.halign = "right"
        else:
            self.halign = "left"
        self.text_size = (None, None)  # lines are already cut; the kv rule places the texture


class BidiButton(ButtonBehavior, BidiLabel):  # type: ignore[misc]
    """A BidiLabel that is a button; its look is drawn in kv (`<BidiButton>` rule)."""

    bg = ColorProperty([1, 0.82, 0, 1])
    fg = ColorProperty([0.03, 0.05, 0.1, 1])

    def on_touch_down(self, touch: Any) -> bool:
        if self.disabled:
            return False
        return bool(super().on_touch_down(touch))


class MirrorBox(BoxLayout):  # type: ignore[misc]
    """A horizontal row laid out right to left when `rtl` is true (children keep their order)."""

    rtl = BooleanProperty(False)
    follow_app = BooleanProperty(True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fbind("rtl", self._trigger_layout)
        from kivy.app import App

        app = App.get_running_app()
        if app is not None and hasattr(app, "rtl"):
            app.fbind("rtl", self._follow)
            self._follow()

    def _follow(self, *_: object) -> None:
        if self.follow_app:
            self.rtl = bool(_app_rtl())

    def do_layout(self, *args: Any) -> None:
        super().do_layout(*args)
        if self.rtl:
            for child in self.children:  # reflect each child's box about the row's centre
                child.x = self.x + (self.right - child.right)
