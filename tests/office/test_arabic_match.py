"""Arabic name matching: clerks' real spelling habits, pg_trgm agreement, Latin suggestions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.names import FAMILIES, FEMALE, MALE
from registry.office.arabic_match import (
    DUPLICATE_THRESHOLD,
    blocking_keys,
    edit_distance,
    name_parts,
    normalise,
    same_name,
    search_key,
    similar_names,
    similarity,
    suggest_latin,
    suggest_latin_name,
    trigrams,
)

_CASES = json.loads((Path(__file__).parent / "arabic_names.json").read_text(encoding="utf-8"))[
    "cases"
]


@pytest.mark.parametrize("case", _CASES, ids=[c["description"] for c in _CASES])
def test_clerks_spellings(case: dict[str, str]) -> None:
    a, b, expect = case["a"], case["b"], case["expect"]
    assert same_name(a, b) is (expect == "same")
    assert similar_names(a, b) is (expect != "different")
    if expect == "same":
        assert search_key(a) == search_key(b)
        assert similarity(a, b) == 1.0


def test_normalised_form_folds_every_listed_variant() -> None:
    assert normalise("أإآٱ") == "اااا"
    assert normalise("ؤئ") == "وي"
    assert normalise("ةى") == "هي"
    assert normalise("مَرْيَمُ") == "مريم"
    assert normalise("رحمٰن") == "رحمن"  # dagger alef
    assert normalise("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹") == "0123456789 0123456789"
    assert normalise("  محمد \t\n  أحمد  ") == "محمد احمد"
    assert normalise("") == ""
    assert normalise("ـــ") == ""


def test_compounds_are_one_part() -> None:
    assert name_parts("عبد الله محمد عبد الرحمن بني هاني") == (
        "عبدالله",
        "محمد",
        "عبدالرحمن",
        "بنيهاني",
    )
    assert name_parts("نور الدين أحمد صلاح الدين آل خليفة") == (
        "نورالدين",
        "احمد",
        "صلاحالدين",
        "الخليفه",
    )
    assert name_parts("محمد أحمد علي أبو رمان") == ("محمد", "احمد", "علي", "ابورمان")
    # a lone prefix at the end stays a part; a lone suffix at the start stays a part
    assert name_parts("محمد عبد") == ("محمد", "عبد")
    assert name_parts("الله") == ("الله",)
    assert name_parts("") == ()


def test_every_demo_name_has_a_key_and_parts_of_one_word() -> None:
    for arabic, _ in (*MALE, *FEMALE, *FAMILIES):
        assert len(name_parts(arabic)) == 1, arabic
        key = search_key(arabic)
        assert key and key.isascii() and " " not in key, arabic


def test_search_key_is_ascii_and_drops_what_is_not_an_arabic_letter() -> None:
    assert search_key("محمد ١٢٣ Smith أحمد") == "m7md a7md"
    assert search_key("123") == ""
    assert similarity("123", "123") == 0.0  # pg_trgm: no trigrams, no similarity


def test_search_key_drops_the_article() -> None:
    assert search_key("الطراونة") == search_key("طراونة") == "6rawnh"
    assert search_key("آل خليفة") == search_key("خليفة")
    assert search_key("التل") == "altl"  # what is left would be too short to search by
    assert search_key("عبد الله") == "3bdallh"  # an article inside a compound stays


def test_blocking_keys_leave_out_one_part_each() -> None:
    assert blocking_keys("محمد أحمد علي العمري") == {
        "123:m7md a7md 3ly",
        "124:m7md a7md 3mry",
        "134:m7md 3ly 3mry",
        "234:a7md 3ly 3mry",
    }
    # a three-part query is given, father's and family name: the grandfather omitted
    assert blocking_keys("محمد احمد العمرى") == {"124:m7md a7md 3mry"}
    assert blocking_keys("محمد العمري") == frozenset()
    assert blocking_keys("محمد أحمد علي العمري الخامس") == frozenset()
    assert blocking_keys("123 أحمد علي العمري") == frozenset()


# a name part on its own: not a compound's prefix or suffix, which would join its neighbour
_part = st.text(alphabet=st.sampled_from(list("ابتجحدرسعلمنهوي")), min_size=3, max_size=8).filter(
    lambda p: (
        len(name_parts(p)) == 1
        and not p.startswith(("عبد", "ابو", "بني", "ال"))
        and not p.endswith(("الله", "الدين"))
    )
)


@given(st.lists(_part, min_size=4, max_size=4), st.integers(0, 3), _part)
def test_one_wrong_part_still_shares_a_blocking_key(
    parts: list[str], wrong: int, other: str
) -> None:
    name = " ".join(parts)
    typed = " ".join(other if i == wrong else p for i, p in enumerate(parts))
    assert blocking_keys(name) & blocking_keys(typed)
    # and the grandfather left out entirely
    three = " ".join((parts[0], parts[1], parts[3]))
    assert blocking_keys(three) <= blocking_keys(name)


def test_similarity_is_pg_trgm_similarity() -> None:
    # محمد → {"  m", " m7", "m7m", "7md", "md "}; احمد → {"  a", " a7", "a7m", "7md", "md "}
    assert trigrams(search_key("محمد")) == {"  m", " m7", "m7m", "7md", "md "}
    assert similarity("محمد", "احمد") == pytest.approx(2 / 8)
    assert trigrams("a") == {"  a", " a "}


def test_duplicate_threshold_separates_one_mistake_from_another_name() -> None:
    assert similarity("محمد أحمد علي الخصاونة", "محمد أحمد علي الخساونة") >= DUPLICATE_THRESHOLD
    assert similar_names("الخصاونة", "الخساونة")
    assert similarity("خالد أحمد علي العمري", "محمد أحمد علي العمري") < 0.7
    assert edit_distance("حسن", "حسين") == 1
    assert edit_distance("أحمد", "احمد") == 0
    assert edit_distance("", "علي") == 3
    assert not similar_names("", "")


_arabic_letters = st.text(
    alphabet=st.sampled_from(
        list("ابتثجحخدذرزسشصضطظعغفقكلمنهوي") + list("أإآؤئءةى") + ["\u064e", "\u0651", "ـ", " "]
    ),
    max_size=30,
)


@given(_arabic_letters)
def test_normalise_is_idempotent(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)
    assert search_key(normalise(text)) == search_key(text)


@given(_arabic_letters, _arabic_letters)
def test_similarity_is_a_symmetric_score(a: str, b: str) -> None:
    s = similarity(a, b)
    assert 0.0 <= s <= 1.0
    assert s == similarity(b, a)
    if search_key(a):
        assert similarity(a, a) == 1.0


@given(_arabic_letters)
def test_diacritics_and_tatweel_never_change_the_key(text: str) -> None:
    decorated = "".join(ch + "\u064f" if ch.strip() else ch for ch in text) + "ـ"
    assert search_key(decorated) == search_key(text)


# --- the database agrees ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg(throwaway_postgres: Callable[[str], AbstractContextManager[str]]) -> Iterator[Any]:
    from sqlalchemy import create_engine, text

    with throwaway_postgres("sanad_office") as url:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            conn.commit()
            yield conn
        engine.dispose()


def _pg_similarity(conn: Any, a: str, b: str) -> tuple[float, set[str]]:
    from sqlalchemy import text

    row = conn.execute(
        text("SELECT similarity(:a, :b), show_trgm(:a)"), {"a": search_key(a), "b": search_key(b)}
    ).one()
    return float(row[0]), set(row[1])


@pytest.mark.postgres
@pytest.mark.parametrize("case", _CASES, ids=[c["description"] for c in _CASES])
def test_postgresql_pg_trgm_gives_the_same_score(pg: Any, case: dict[str, str]) -> None:
    score, grams = _pg_similarity(pg, case["a"], case["b"])
    assert score == pytest.approx(similarity(case["a"], case["b"]), abs=1e-6)
    assert grams == trigrams(search_key(case["a"]))


@pytest.mark.postgres
@settings(max_examples=150, deadline=None)
@given(a=_arabic_letters, b=_arabic_letters)
def test_postgresql_agrees_on_any_arabic_text(pg: Any, a: str, b: str) -> None:
    score, grams = _pg_similarity(pg, a, b)
    assert score == pytest.approx(similarity(a, b), abs=1e-6)
    assert grams == trigrams(search_key(a))


# --- Latin suggestions -----------------------------------------------------------------------


def test_known_names_take_the_registry_spelling() -> None:
    assert suggest_latin(["محمد", "أحمد", "عبد الله", "الخصاونة"]) == (
        "Mohammad",
        "Ahmad",
        "Abdullah",
        "Al-Khasawneh",
    )
    # the registry's spelling whatever the clerk's habits
    assert suggest_latin(["مُحمّد", "احمد", "عبدالله", "الخصاونه"]) == (
        "Mohammad",
        "Ahmad",
        "Abdullah",
        "Al-Khasawneh",
    )
    assert suggest_latin_name(["فاطمة", "محمود", "علي", "الزعبي"]) == (
        "Fatima Mahmoud Ali Al-Zoubi"
    )


@pytest.mark.parametrize(
    ("arabic", "latin"),
    [
        ("رحمن", "Rahman"),
        ("يوسف", "Yousef"),
        ("منصور", "Mansour"),
        ("رائد", "Raed"),
        ("عودة", "Odeh"),
        ("عبد الستار", "Abdulsatar"),
        ("عبدالستار", "Abdulsatar"),
        ("أبو حمدان", "Abu Hamdan"),
        ("بني حمدان", "Bani Hamdan"),
        ("نور الدين", "Noureddin"),
        ("عطا الله", "Ataallah"),
    ],
)
def test_unknown_names_follow_letter_rules(arabic: str, latin: str) -> None:
    assert suggest_latin(["محمد", arabic]) == ("Mohammad", latin)


def test_family_part_writes_ta_marbuta_as_eh() -> None:
    assert suggest_latin(["حمدة", "الشرايعة"]) == ("Hamda", "Al-Sharayaeh")


def test_suggestion_uses_written_vowels() -> None:
    assert suggest_latin(["مُنِير"])[0].startswith("Mun")


@given(st.lists(_arabic_letters, min_size=1, max_size=4))
def test_any_name_gets_an_ascii_suggestion(parts: list[str]) -> None:
    latin = suggest_latin(parts)
    assert len(latin) == len(parts)
    assert all(p.isascii() for p in latin)


@pytest.mark.postgres
def test_the_documented_search_finds_a_misspelt_name_through_both_indexes(pg: Any) -> None:
    """docs/office.md's two queries, on a table of demo names, with the indexes forced."""
    import random

    from sqlalchemy import text

    rng = random.Random(7)
    rows = []
    for i in range(3000):
        given = rng.choice(MALE if i % 2 else FEMALE)[0]
        name = f"{given} {rng.choice(MALE)[0]} {rng.choice(MALE)[0]} {rng.choice(FAMILIES)[0]}"
        rows.append({"id": i, "key": search_key(name), "blocks": sorted(blocking_keys(name))})
    target = "إبراهيم عبد الرحمن مصطفى الخصاونة"
    rows.append({"id": 9999, "key": search_key(target), "blocks": sorted(blocking_keys(target))})
    pg.execute(text("CREATE TEMP TABLE persons (id int, name_key text, name_blocks text[])"))
    pg.execute(
        text("INSERT INTO persons VALUES (:id, :key, :blocks)"),
        rows,
    )
    pg.execute(text("CREATE INDEX ON persons USING gin (name_blocks)"))
    pg.execute(text("CREATE INDEX ON persons USING gin (name_key gin_trgm_ops)"))
    pg.execute(text("ANALYZE persons"))
    pg.execute(text("SET enable_seqscan = off"))
    typed = "ابراهيم عبدالرحمن مصطفي الخساونه"  # hamza, compound, alef maqsura, ص for س
    by_blocks = pg.execute(
        text(
            "SELECT id, similarity(name_key, :k) FROM persons WHERE name_blocks && :b"
            " ORDER BY similarity(name_key, :k) DESC LIMIT 20"
        ),
        {"k": search_key(typed), "b": sorted(blocking_keys(typed))},
    ).all()
    assert by_blocks[0][0] == 9999
    assert by_blocks[0][1] == pytest.approx(similarity(typed, target), abs=1e-6)
    plan = " ".join(
        r[0]
        for r in pg.execute(
            text("EXPLAIN SELECT id FROM persons WHERE name_blocks && :b"),
            {"b": sorted(blocking_keys(typed))},
        )
    )
    assert "Bitmap Index Scan" in plan
    pg.execute(text("SET pg_trgm.similarity_threshold = 0.5"))
    by_trigrams = pg.execute(
        text(
            "SELECT id FROM persons WHERE name_key % :k"
            " ORDER BY similarity(name_key, :k) DESC LIMIT 20"
        ),
        {"k": search_key(typed)},
    ).all()
    assert by_trigrams[0][0] == 9999
    pg.execute(text("RESET enable_seqscan"))
    pg.execute(text("DROP TABLE persons"))
