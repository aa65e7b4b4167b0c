"""docs/glossary.md lists every word of verifier/words.py, in both languages, as a table row."""

from __future__ import annotations

from pathlib import Path

from verifier import words

GLOSSARY = Path(__file__).resolve().parents[2] / "docs" / "glossary.md"


def _terms() -> list[words.Term]:
    tables = (
        words.DOCUMENT_TITLES, words.FIELD_LABELS, words._FIELD_LABELS_BY_TYPE,
        words.ISSUE_LABELS, words.MEMBER_LABELS, words.SEX, words._MARITAL, words.RELATIONS,
        words.SUBJECT_ROLES, words.PLACE_KINDS,
    )  # fmt: skip
    found = [t for table in tables for t in table.values()]
    return [*found, words.THERMAL_ADVICE, words.verify_note("{url}"), words.verify_note("")]


def test_every_word_is_in_the_glossary() -> None:
    text = GLOSSARY.read_text(encoding="utf-8")
    missing = [t for t in _terms() if f"| {t.ar} | {t.en} |" not in text]
    assert not missing, f"add to docs/glossary.md: {missing}"


def test_the_pin_has_one_name() -> None:
    text = GLOSSARY.read_text(encoding="utf-8")
    assert "| الرقم السري | PIN |" in text
    assert all("الرمز السري" not in t.ar for t in _terms())
