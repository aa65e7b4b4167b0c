"""Translation catalogues and right-to-left text preparation for Kivy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import ImageFont

from kiosk_app import i18n
from kiosk_app import session as ks
from kiosk_app.i18n import text as ktext
from verifier.documents import DocumentType

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CATALOGUES = i18n.Catalogues.load()


def test_arabic_and_english_are_shipped_arabic_first() -> None:
    assert CATALOGUES.codes[:2] == ("ar", "en")
    assert CATALOGUES["ar"].rtl
    assert not CATALOGUES["en"].rtl
    assert CATALOGUES["ar"].name == "العربية"


@pytest.mark.parametrize("code", ["ar", "en"])
def test_every_key_the_session_and_ui_use_is_translated(code: str) -> None:
    cat = CATALOGUES[code]
    keys = [n.value for n in ks.Notice]
    keys += [f"document.{t.value}" for t in DocumentType]
    keys += [f"printer.{p.value}" for p in ks.PrinterState]
    keys += [f"busy.{st.value}" for st in ks.State if st.busy and st is not ks.State.PRINTING]
    for key in keys:
        assert cat.has(key), key
        assert cat.get(
            key,
            **dict.fromkeys(
                ("tries", "minutes", "reason", "printer", "serial", "detail", "seconds", "min"), "X"
            ),
        )


def test_arabic_texts_are_arabic() -> None:
    ar = CATALOGUES["ar"]
    for key, text in ar.texts.items():
        if key.startswith(
            ("currency.", "notice.refused", "done.receipt", "tech.job", "printing.progress")
        ):
            continue
        assert ktext.has_rtl(text), key


def test_placeholders_are_filled() -> None:
    assert CATALOGUES["en"].get("pin.tries", tries=2) == "Tries remaining: 2"
    assert CATALOGUES["ar"].get("pin.tries", tries=2) == "المحاولات المتبقية: 2"


def test_adding_a_language_is_adding_a_file(tmp_path: Path) -> None:
    here = Path(i18n.__file__).parent
    for f in here.glob("*.json"):
        shutil.copy(f, tmp_path)
    fr = json.loads((here / "en.json").read_text(encoding="utf-8"))
    fr["_meta"] = {"name": "Français", "direction": "ltr", "order": 3}
    fr["pin.title"] = "Entrez votre code"
    (tmp_path / "fr.json").write_text(json.dumps(fr), encoding="utf-8")
    cats = i18n.Catalogues.load(tmp_path)
    assert cats.codes == ("ar", "en", "fr")
    assert cats["fr"].get("pin.title") == "Entrez votre code"


def test_a_catalogue_missing_a_key_is_refused(tmp_path: Path) -> None:
    here = Path(i18n.__file__).parent
    shutil.copy(here / "en.json", tmp_path)
    broken = json.loads((here / "ar.json").read_text(encoding="utf-8"))
    del broken["pin.title"]
    (tmp_path / "ar.json").write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(i18n.CatalogueError, match=r"ar\.json: missing keys \['pin.title'\]"):
        i18n.Catalogues.load(tmp_path)


def test_a_placeholder_mismatch_is_refused(tmp_path: Path) -> None:
    here = Path(i18n.__file__).parent
    shutil.copy(here / "en.json", tmp_path)
    broken = json.loads((here / "ar.json").read_text(encoding="utf-8"))
    broken["pin.tries"] = "المحاولات المتبقية: {count}"
    (tmp_path / "ar.json").write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(i18n.CatalogueError, match="placeholders"):
        i18n.Catalogues.load(tmp_path)


def test_malformed_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "en.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(i18n.CatalogueError, match=r"en\.json"):
        i18n.Catalogues.load(tmp_path)
    with pytest.raises(i18n.CatalogueError, match="no catalogue"):
        CATALOGUES["xx"]


def test_fee_formatting() -> None:
    assert i18n.format_fee(50000, "YER", CATALOGUES["ar"]) == "500 ريال"
    assert i18n.format_fee(123456, "YER", CATALOGUES["en"]) == "1,234.56 rials"
    assert i18n.format_fee(100, "EUR", CATALOGUES["en"]) == "1 EUR"
    assert i18n.format_fee(1000, "JOD", CATALOGUES["ar"]) == "1 دينار"  # fils: 1000 a dinar
    assert i18n.format_fee(2500, "JOD", CATALOGUES["en"]) == "2.500 JOD"


# --- shaping and wrapping ----------------------------------------------------------------------


def _measure() -> ktext.Measure:
    font = ImageFont.truetype(DEJAVU, 32, layout_engine=ImageFont.Layout.BASIC)
    return lambda line: float(font.getlength(line))


def test_shaped_arabic_is_joined_and_reversed() -> None:
    word = "شهادة"
    shaped = ktext.shape_line(word)
    # presentation forms (U+FE70..U+FEFF) in visual, left-to-right order: the last letter first
    assert all("\ufe70" <= ch <= "\ufeff" for ch in shaped)
    assert shaped[0] == "\ufe93"  # ة final form, drawn leftmost
    assert shaped[-1] == "\ufeb7"  # ش initial form, drawn rightmost
    assert len(shaped) == len(word)


def test_latin_inside_arabic_keeps_its_order() -> None:
    shaped = ktext.shape_line("الرقم التسلسلي: B-2026-000123", rtl=True)
    assert "B-2026-000123" in shaped
    assert shaped.index("B-2026") < shaped.index("\ufedf")  # the serial sits left of the Arabic


def test_latin_text_is_untouched() -> None:
    assert ktext.shape_line("Birth certificate (2)") == "Birth certificate (2)"


def test_rtl_paragraph_wraps_before_shaping_first_words_on_first_line() -> None:
    text = CATALOGUES["ar"].get("notice.print_failed", serial="B-2026-000123")
    measure = _measure()
    lines = ktext.wrap(text, 500, measure, rtl=True)
    assert len(lines) > 3
    assert text.startswith(lines[0])  # logical order: the paragraph's start is the first line
    assert " ".join(lines) == " ".join(text.split())
    for line in lines:
        assert measure(ktext.shape_line(line, True)) <= 500
    shaped = ktext.layout(text, 500, measure, rtl=True).split("\n")
    assert shaped[0] == ktext.shape_line(lines[0], True)


def test_long_word_is_cut_to_fit() -> None:
    measure = _measure()
    lines = ktext.wrap("x" * 80, 200, measure)
    assert len(lines) > 1
    assert "".join(lines) == "x" * 80
    assert all(measure(line) <= 200 for line in lines)


def test_explicit_newlines_are_kept() -> None:
    assert ktext.wrap("a b\n\nc", 1000, _measure()) == ["a b", "", "c"]


def test_word_ligatures_the_font_lacks_are_not_used() -> None:
    shaped = ktext.shape_line("عبد الله لا ريال")
    assert "\ufdf2" not in shaped  # ARABIC LIGATURE ALLAH: missing from DejaVu Sans
    assert "\ufdfc" not in shaped  # RIAL SIGN
    assert "\ufefb" in shaped  # lam-alef stays a ligature: it is obligatory
    assert all(not "\ufc00" <= ch <= "\ufdff" for ch in ktext.shape_line("على إلى الأولى"))
