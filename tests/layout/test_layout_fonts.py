"""Fonts: found on the system, and a clear error naming the package when one is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware.layout import FontNotFoundError, FontSet, LayoutError, default_fonts, render_text
from hardware.layout.fonts import _find


def test_the_default_fonts_are_amiri_and_dejavu() -> None:
    fonts = default_fonts()
    assert fonts.arabic.name == "Amiri-Regular.ttf"
    assert fonts.arabic_bold.name == "Amiri-Bold.ttf"
    assert fonts.latin.name.startswith("DejaVuSans")
    assert all(
        p.is_file() for p in (fonts.arabic, fonts.arabic_bold, fonts.latin, fonts.latin_bold)
    )


def test_a_missing_font_names_the_debian_package(tmp_path: Path) -> None:
    with pytest.raises(FontNotFoundError, match="fonts-hosny-amiri"):
        _find("Amiri-Nonexistent.ttf", (str(tmp_path),), "NoSuchFamilyAtAll:style=Regular")


def test_an_unreadable_font_file_is_a_layout_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font")
    fonts = FontSet(bogus, bogus, bogus, bogus)
    with pytest.raises(FontNotFoundError, match="cannot open font"):
        render_text("محمد", width_dots=384, fonts=fonts)


def test_render_text_refuses_other_widths() -> None:
    with pytest.raises(LayoutError, match="384 or 576"):
        render_text("x", width_dots=400)
