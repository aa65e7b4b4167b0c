"""What the declaration pages decide without a server: their words in both languages, the
API's language from Accept-Language, the HTTP status of each refusal, the facts as lines, and
the family-law rules file read once from the office options or registry.toml."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from registry.civil import store
from registry.civil.births import HANDLER as BIRTHS
from registry.config import DataDir, load_settings
from registry.db import Database
from registry.errors import ConfigError
from registry.http_state import Registry
from registry.office.declarations import EventKind, State
from registry.office.errors import NoTransition, Refusal, Refused
from registry.office.family_law import default_family_law
from registry.office_web.context import OfficeContext, OfficeOptions, load_family_law
from registry.office_web.declarations import api_lang, facts_rows, record_path, refusal_status
from registry.office_web.declarations_text import TEXT
from registry.seed import initialise
from tests.support.registry import FAST


def test_every_word_in_both_languages_and_not_blank() -> None:
    assert set(TEXT["ar"]) == set(TEXT["en"])
    for lang in ("ar", "en"):
        assert all(v.strip() for v in TEXT[lang].values()), lang


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "en"),
        ("", "en"),
        ("ar", "ar"),
        ("ar-JO,ar;q=0.9,en;q=0.8", "ar"),
        ("en-GB, ar;q=0.5", "en"),
        ("fr, ar;q=0.7, en;q=0.3", "ar"),
        ("ar;q=0, en", "en"),
        ("de", "en"),
        ("ar;q=nonsense, en;q=0.2", "en"),
    ],
)
def test_the_api_answers_in_the_language_asked_for(header: str | None, lang: str) -> None:
    assert api_lang(header) == lang


def _refused(code: str) -> Refused:
    return Refused(Refusal(code, "ع", "e"))


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (_refused("own_declaration"), 403),
        (_refused("other_office"), 403),
        (_refused("not_permitted"), 403),
        (_refused("reason_required"), 422),
        (_refused("findings_refuse"), 409),
        (_refused("warnings_unacknowledged"), 409),
        (_refused("death_second"), 409),
        (NoTransition(Refusal("wrong_state", "ع", "e")), 409),
    ],
)
def test_each_refusal_has_its_status(exc: Refused, status: int) -> None:
    assert refusal_status(exc) == status


def test_the_facts_read_as_words_in_each_language() -> None:
    facts = store.parse(
        EventKind.BIRTH,
        {
            "given_ar": "ليان",
            "sex": 2,
            "date_of_birth": "2026-11-17",
            "place": {"name_ar": "مستشفى البشير"},
            "mother": {"national_id": "2990000008"},
            "informant": {"relation": "hospital", "name_ar": "المستشفى"},
        },
    )
    ar = dict(facts_rows(EventKind.BIRTH, facts, "ar"))
    en = dict(facts_rows(EventKind.BIRTH, facts, "en"))
    assert ar["الجنس"] == "أنثى" and en["Sex"] == "Female"
    assert ar["المبلِّغ: الصلة"] == "المستشفى" and en["The informant: relation"] == "Hospital"
    assert ar["مكان الولادة: الاسم بالعربية"] == "مستشفى البشير"
    assert "given_latin" not in str(en)  # left out, not shown as None
    # the amend form is filled from the facts and gives them back
    assert store.parse(EventKind.BIRTH, BIRTHS.from_form(BIRTHS.to_form(facts))) == facts


def test_a_registered_birth_leads_to_the_childs_record() -> None:
    waiting = store.DeclarationView(
        id=1,
        number="AMM-2026-000001",
        kind=EventKind.BIRTH,
        office="AMM",
        state=State.DECLARED,
        revision=1,
        facts=BIRTHS.facts_model.model_construct(),
        subject="2990000008",
        declared_by="clerk",
        declared_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        authors=frozenset({1}),
        reason=None,
        reviewed_by=None,
        reviewed_at=None,
        acknowledged=frozenset(),
        registered_ref=None,
        summary=("", ""),
        history=(),
    )
    born = replace(waiting, state=State.REGISTERED, registered_ref="person:2026000012")
    death = replace(
        waiting,
        kind=EventKind.DEATH,
        state=State.REGISTERED,
        registered_ref="death:D2026/AMM/000001",
    )
    assert record_path(waiting) is None
    assert record_path(born) == "/office/record/2026000012"
    assert record_path(death) == "/office/record/2990000008"


RULES = (Path(__file__).parents[2] / "registry" / "office" / "family-law.toml").read_text(
    encoding="utf-8"
)


def _context(data: DataDir, options: OfficeOptions) -> OfficeContext:
    db = Database(data.sqlite_url)
    try:
        return OfficeContext(Registry(data, db, load_settings(data)), options)
    finally:
        db.dispose()


def test_the_family_law_rules_come_from_the_options_or_registry_toml(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "data")
    initialise(data, settings=FAST)
    assert _context(data, OfficeOptions()).law == default_family_law()
    stricter = tmp_path / "stricter.toml"
    stricter.write_text(RULES.replace("registration_days = 30", "registration_days = 7"))
    assert _context(data, OfficeOptions(family_law=stricter)).law.birth.registration_days == 7
    (data.root / "local-law.toml").write_text(
        RULES.replace("registration_days = 30", "registration_days = 14")
    )
    config = data.config_path.read_text(encoding="utf-8")
    data.config_path.write_text(
        config.replace("[registry]\n", '[registry]\nfamily_law = "local-law.toml"\n', 1)
    )
    assert load_settings(data).family_law == data.root / "local-law.toml"
    assert _context(data, OfficeOptions()).law.birth.registration_days == 14
    # the options win over the file
    assert _context(data, OfficeOptions(family_law=stricter)).law.birth.registration_days == 7


def test_a_bad_family_law_file_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the family-law rules"):
        load_family_law(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text(RULES.replace("registration_days = 30", "registration_days = 30\nfoo = 1"))
    with pytest.raises(ConfigError, match=r"unknown key birth\.foo"):
        load_family_law(bad)
