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
    keys += [f"printer.{p.value}" for p in ks.PrinterState]
    keys += [f"busy.{st.value}" for st in ks.State if st.busy and st is not ks.State.PRINTING]
    for key in keys:
        assert cat.has(key), key
        assert cat.get(
            key,
            **dict.fromkeys(
                (
                    "tries",
                    "minutes",
                    "reason",
                    "printer",
                    "serial",
                    "detail",
                    "seconds",
                    "min",
                    "label",
                ),
                "X",
            ),
        )


def test_arabic_texts_are_arabic() -> None:
    ar = CATALOGUES["ar"]
    for key, text in ar.texts.items():
        if key.startswith(
            (
                "currency.",
                "notice.refused",
                "tech.job",
                "tech.fault_line",
                "tech.language",
                "printing.progress",
                "fee.format",
            )
        ):
            continue
        assert ktext.has_rtl(text), key


def test_placeholders_are_filled() -> None:
    assert CATALOGUES["en"].get("pin.tries", tries=2) == "Tries remaining: 2"
    assert CATALOGUES["ar"].get("pin.tries", tries=2) == "المحاولات المتبقية: \u20682\u2069"
    assert ktext.shape_line(CATALOGUES["en"].get("pin.tries", tries=2)) == "Tries remaining: 2"


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


def test_fee_formatting_shows_every_minor_digit() -> None:
    # contract "Fees": "1.000 دينار", "0.500 دينار", English "JOD 1.000"
    assert i18n.format_fee(1000, "JOD", CATALOGUES["ar"]) == "1.000 دينار"
    assert i18n.format_fee(500, "JOD", CATALOGUES["ar"]) == "0.500 دينار"
    assert i18n.format_fee(1000, "JOD", CATALOGUES["en"]) == "JOD 1.000"
    assert i18n.format_fee(2500, "JOD", CATALOGUES["en"], minor_units=3) == "JOD 2.500"
    assert i18n.format_fee(100, "EUR", CATALOGUES["en"]) == "EUR 1.00"
    assert i18n.format_fee(7, "XYZ", CATALOGUES["en"], minor_units=0) == "XYZ 7"


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


# --- one vocabulary, words that mean what they say -----------------------------------------

# Arabic marks (harakat, shadda, sukun, tanween...). Tanween fath on a final alef ("رقمًا") is
# spelling, not meaning; every other mark must be in this reviewed list, where it is kept on
# purpose and the sentence reads right even if a font dropped it.
_MARKS = set(map(chr, range(0x064B, 0x0653))) | {"\u0670"}
REVIEWED_WITH_MARKS = {
    # the passive "is issued" is the sentence of the issue itself; read without the damma it
    # still says who may have the certificate
    "refusal.not_close_relative",
}


def _meaningful_marks(text: str) -> list[str]:
    found = []
    for i, ch in enumerate(text):
        if ch not in _MARKS:
            continue
        if ch == "\u064b" and text[i + 1 : i + 2] == "ا":  # tanween fath before alef
            continue
        if ch == "\u064b" and text[i - 1 : i] == "ا":  # written after the alef
            continue
        found.append(f"U+{ord(ch):04X}")
    return found


def test_no_arabic_text_depends_on_diacritics() -> None:
    ar = CATALOGUES["ar"]
    for key, text in ar.texts.items():
        marks = _meaningful_marks(text)
        if key in REVIEWED_WITH_MARKS:
            assert marks, f"{key} has no marks left: drop it from the reviewed list"
        else:
            assert not marks, f"{key}: {marks} in {text!r}"


def test_every_key_exists_in_both_languages() -> None:
    assert set(CATALOGUES["ar"].texts) == set(CATALOGUES["en"].texts)
    for code in ("ar", "en"):
        for key, text in CATALOGUES[code].texts.items():
            assert text.strip(), f"{code} {key} is empty"


def test_the_vocabulary_is_one() -> None:
    ar = " ".join(CATALOGUES["ar"].texts.values())
    assert "الرمز السري" not in ar  # the PIN is الرقم السري everywhere
    assert not any("\u0660" <= ch <= "\u0669" for ch in ar)  # Western digits in Arabic text
    assert "غير موظف" not in ar
    assert not any(key.startswith("document.") for key in CATALOGUES["ar"].texts)  # words.py
    assert CATALOGUES["ar"].get("app.authority") == "دائرة الأحوال المدنية والجوازات"
    assert CATALOGUES["en"].get("app.authority") == "Civil Status and Passports Department"


@pytest.mark.parametrize(
    ("key", "arabic", "english"),
    [
        ("notice.locked", "أدخلت رقمًا سريًا خاطئًا عدة مرات", "wrong PIN too many times"),
        ("refused.title", "لا يمكن إصدار هذه الوثيقة", "cannot be issued"),
        ("refusal.not_parent", "لست الأب أو الأم لصاحب القيد", "not the father or mother"),
        (
            "payment.note",
            "سيتم حجز المبلغ الآن، ولن يتم خصمه إلا بعد طباعة وثيقتك",
            "reserved now and charged only once",
        ),
        (
            "refusal.not_close_relative",
            "تُصدر شهادة الوفاة لزوج المتوفى أو أبنائه أو والديه فقط",
            "spouse, children or parents",
        ),
        ("done.thanks", "احفظها بعيدًا عن الحرارة والشمس", "away from heat and sunlight"),
        ("id.valid", "صيغة الرقم الوطني صحيحة", "format"),
    ],
)
def test_the_wordings_a_reader_of_arabic_asked_for(key: str, arabic: str, english: str) -> None:
    assert arabic in CATALOGUES["ar"].texts[key]
    assert english in CATALOGUES["en"].texts[key]


def test_diacritics_survive_shaping() -> None:
    shaped = ktext.shape_line("تُصدر شهادة الوفاة", rtl=True)
    assert "\u064f" in shaped  # the damma of the passive is drawn, not deleted
    assert "\u064b" in ktext.shape_line("أدخلت رقمًا", rtl=True)


@pytest.mark.parametrize(
    "template",
    [
        "الرقم التسلسلي لوثيقتك {v}، ويمكن للموظف إعادة طباعتها.",
        "{v} الرقم التسلسلي",
        "الرقم: {v}",
        "رقم عملية الدفع {v}",
    ],
)
@pytest.mark.parametrize("value", ["B26-0000001-8", "B1941/0000001", "SIM-3F2A9C11D0E4-12"])
def test_isolated_values_keep_their_order_inside_arabic(template: str, value: str) -> None:
    text = template.format(v=ktext.isolate(value))
    shaped = ktext.shape_line(text, rtl=True)
    assert value in shaped
    assert ktext.FSI not in shaped and ktext.PDI not in shaped  # no font draws them


def test_catalogue_values_are_isolated() -> None:
    text = CATALOGUES["ar"].get("notice.print_failed", serial="B26-0000001-8")
    assert f"{ktext.FSI}B26-0000001-8{ktext.PDI}" in text
    assert "B26-0000001-8" in ktext.shape_line(text, rtl=True)


# codes a citizen never sees: the kiosk's own signature, administration, the office, bugs
_NOT_FOR_CITIZENS = {
    "signature_missing", "signature_invalid", "timestamp_stale", "nonce_replayed", "not_found",
    "internal_error", "already_revoked", "root_key_offline",
    "not_issued", "body_too_large",
    "not_permitted", "wrong_office", "requester_deceased",  # the office counter's (staff)
    "no_phone", "code_invalid", "code_expired",  # the portal's sign-in: a kiosk never asks
}  # fmt: skip


@pytest.mark.parametrize("code", ["ar", "en"])
def test_every_refusal_code_is_worded_by_the_kiosk_alone(code: str) -> None:
    import registry.codes
    from registry.codes import ErrorCode

    cat = CATALOGUES[code]
    for error in ErrorCode:
        if error.value not in _NOT_FOR_CITIZENS:
            assert cat.has(f"refusal.{error.value}"), error.value
    # one place words refusals, this catalogue: the registry answers codes only
    assert not hasattr(registry.codes, "CITIZEN_MESSAGES")


def test_brackets_are_mirrored_inside_arabic() -> None:
    text = CATALOGUES["ar"].get("choose.for", name="سارة خالد الكيلاني", relation="زوجتك")
    shaped = ktext.shape_line(text, rtl=True)
    # drawn left to right: "(زوجتك) ... :صاحب الوثيقة", the bracket pair the right way round
    assert shaped.index("(") < shaped.index(")")
    assert shaped.startswith("(")


def test_a_line_cut_inside_an_isolated_value_still_shapes() -> None:
    text = CATALOGUES["ar"].get("preview.subtitle", document="شهادة ميلاد", name="Sara Al-Kilani")
    lines = ktext.wrap(text, 160, _measure(), rtl=True)
    assert len(lines) > 1
    for line in lines:  # a line may hold a PDI without its FSI, or the reverse
        shaped = ktext.shape_line(line, rtl=True)
        assert ktext.FSI not in shaped and ktext.PDI not in shaped
