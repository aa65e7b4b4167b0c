"""The office app's words: every key in both languages, and minutes counted as Arabic does."""

from __future__ import annotations

from registry.office_web.text import ATTENTION, PAPER, PRINTER, TEXT, minutes_ago


def test_every_key_in_both_languages_and_not_blank() -> None:
    assert set(TEXT["ar"]) == set(TEXT["en"])
    for lang in ("ar", "en"):
        assert all(v.strip() for v in TEXT[lang].values()), lang
    for table in (ATTENTION, PAPER, PRINTER):
        assert all(ar.strip() and en.strip() for ar, en in table.values())


def test_minutes_ago() -> None:
    assert minutes_ago(0, "ar") == "منذ أقل من دقيقة"
    assert minutes_ago(1, "ar") == "منذ دقيقة واحدة"
    assert minutes_ago(2, "ar") == "منذ دقيقتين"
    assert minutes_ago(5, "ar") == "منذ \u20685\u2069 دقائق"
    assert minutes_ago(11, "ar") == "منذ \u206811\u2069 دقيقة"
    assert minutes_ago(7, "en") == "7 min ago"
