"""One word-wrapper: the paper's `break_lines` also breaks the kiosk's screen text."""

from __future__ import annotations

import inspect

from hardware.layout import text as paper_text
from kiosk_app.i18n import text as screen_text


def _width(line: str) -> float:
    return float(len(line))  # a monospace measure: the breaking, not the font, is under test


def test_the_kiosk_wrapper_is_the_papers() -> None:
    text = "أدخل الرقم السري المكون من أربعة أرقام\n\nثم اضغط متابعة " + "ب" * 30
    fits = lambda line: _width(screen_text.shape_line(line, True)) <= 12  # noqa: E731
    assert screen_text.wrap(text, 12, _width, rtl=True) == paper_text.break_lines(
        text, fits, blank_lines=True
    )
    source = inspect.getsource(screen_text)
    assert "def _break_word" not in source and "break_lines" in source


def test_break_lines_keeps_words_whole_and_cuts_only_a_word_too_long() -> None:
    fits = lambda line: len(line) <= 10  # noqa: E731
    assert paper_text.break_lines("one two three four", fits) == ["one two", "three four"]
    assert paper_text.break_lines("x" * 25, fits) == ["x" * 10, "x" * 10, "x" * 5]
    assert paper_text.break_lines("a\n\nb", fits) == ["a", "b"]
    assert paper_text.break_lines("a\n\nb", fits, blank_lines=True) == ["a", "", "b"]


def test_a_cut_arabic_word_keeps_its_joining_forms_on_paper_only() -> None:
    fits = lambda line: len(line.replace("\u200d", "")) <= 4  # noqa: E731
    word = "مستشفيات"
    assert paper_text.break_lines(word, fits, joiner=True) == ["مستش\u200d", "\u200dفيات"]
    assert paper_text.break_lines(word, fits) == ["مستش", "فيات"]
