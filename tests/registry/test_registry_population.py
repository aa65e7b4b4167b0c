"""The demo population: deterministic, consistent, three generations, fast; `init` end to end."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from registry.population import REFERENCE_DATE, demo_pin, generate
from sanad.cli import main
from verifier import national_id


def test_same_seed_same_population_other_seed_other_population() -> None:
    a, b, c = generate(800, 11), generate(800, 11), generate(800, 12)
    assert a == b
    assert a.persons != c.persons


def test_population_is_consistent() -> None:
    pop = generate(3000, 5)
    assert len(pop.persons) == 3000
    people = {p["id"]: p for p in pop.persons}
    deaths = {d["person_id"]: d for d in pop.deaths}
    assert len({p["national_id"] for p in pop.persons}) == 3000
    for p in pop.persons:
        assert national_id.is_valid(p["national_id"])
        assert p["date_of_birth"] <= p["birth_registered_on"] <= REFERENCE_DATE
        for parent_key, sex in (("father_id", 1), ("mother_id", 2)):
            parent = people.get(p[parent_key]) if p[parent_key] else None
            if parent is None:
                continue
            assert parent["sex"] == sex
            assert parent["date_of_birth"] + dt.timedelta(days=17 * 365) < p["date_of_birth"]
            if p[parent_key] in deaths and parent_key == "mother_id":
                assert deaths[p[parent_key]]["date"] >= p["date_of_birth"]
        father = people.get(p["father_id"]) if p["father_id"] else None
        if father is not None:  # four-part names: given, father, grandfather, family
            assert p["father_given_ar"] == father["given_ar"]
            assert p["grandfather_given_ar"] == father["father_given_ar"]
            assert p["family_latin"] == father["family_latin"]
    for m in pop.marriages:
        h, w = people[m["husband_id"]], people[m["wife_id"]]
        assert h["sex"] == 1 and w["sex"] == 2
        assert m["date"] >= w["date_of_birth"] + dt.timedelta(days=18 * 365)
    for d in pop.divorces:
        assert d["date"] > pop.marriages[d["marriage_id"] - 1]["date"]
    for d in pop.deaths:
        assert d["date"] > people[d["person_id"]]["date_of_birth"]


def test_three_generations_and_every_kind_of_event() -> None:
    pop = generate(3000, 5)
    people = {p["id"]: p for p in pop.persons}

    def depth(pid: int) -> int:
        father = people[pid]["father_id"]
        return 1 if father is None else 1 + depth(father)

    generations = Counter(depth(pid) for pid in people)
    assert set(generations) == {1, 2, 3}
    assert pop.marriages and pop.divorces and pop.deaths
    minors = [p for p in pop.persons if p["date_of_birth"].year > REFERENCE_DATE.year - 18]
    assert minors
    places = Counter(p["place_of_birth_latin"] for p in pop.persons)
    assert places.most_common(1)[0][0] == "Amman" and "Irbid" in places


def test_ten_thousand_persons_generate_quickly() -> None:
    start = time.perf_counter()
    pop = generate(10_000, 1)
    assert len(pop.persons) == 10_000
    assert time.perf_counter() - start < 10


def test_demo_pin_is_derived_from_seed_and_id() -> None:
    assert demo_pin(1, "9941510936") == demo_pin(1, "9941510936")
    assert demo_pin(1, "9941510936") != demo_pin(2, "9941510936")
    assert len(demo_pin(3, "2968887154")) == 6


def test_init_cli_creates_everything(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "reg"
    result = runner.invoke(
        main, ["registry", "init", "--data", str(data), "--demo", "500", "--seed", "4", "--json"]
    )
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["persons_added"] == 500 and info["trust_list_sequence"] == 1
    assert (data / "registry.sqlite3").exists() and (data / "trust-list.cose").exists()
    listed = runner.invoke(
        main, ["registry", "demo-citizens", "--data", str(data), "--count", "2", "--json"]
    )
    rows = json.loads(listed.output)
    assert len(rows) == 2 and rows[0]["pin"] == demo_pin(4, rows[0]["national_id"])
    again = runner.invoke(main, ["registry", "init", "--data", str(data)])
    assert again.exit_code == 0, again.output  # re-running keeps what is there
    bad = runner.invoke(
        main, ["registry", "init", "--data", str(tmp_path / "x"), "--db", "mysql://h/d"]
    )
    assert bad.exit_code == 2 and "sqlite" in bad.output


def test_init_never_replaces_a_root_key_kept_offline(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "reg"
    first = runner.invoke(main, ["registry", "init", "--data", str(data), "--json"])
    assert first.exit_code == 0, first.output
    root_public = (data / "root-public.jwk").read_text()
    published = (data / "trust-list.cose").read_bytes()
    (data / "keys" / "root.jwk").rename(tmp_path / "root-on-a-usb-stick.jwk")
    again = runner.invoke(main, ["registry", "init", "--data", str(data), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["trust_list_sequence"] is None
    assert (data / "root-public.jwk").read_text() == root_public  # the pinned root is unchanged
    assert (data / "trust-list.cose").read_bytes() == published
    assert not (data / "keys" / "root.jwk").exists()
