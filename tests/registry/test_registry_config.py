"""Settings: one TOML file written by `init` from the packaged default, environment overrides,
unknown keys refused; the identity (authority, issuer, country, currency, verification address)
comes from it and reaches the trust list and the fee answers, never from code."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from registry import keyring
from registry.config import DataDir, default_identity, load_settings
from registry.errors import ConfigError
from registry.seed import initialise
from tests.support.registry import FAST, Kiosk, LiveServer, Registry, login
from verifier.documents import Bilingual
from verifier.keys import load_public_key
from verifier.trust import load_trust_list

OTHER_IDENTITY = """
[identity]
authority_ar = "سلطة الاختبار"
authority_en = "Test Authority"
issuer = "ZZ-TEST"
country = "ZZ"
currency = "XTS"
minor_units = 2
currency_name_ar = "وحدة"
currency_name_en = "test unit"
verify_url = "https://verify.test.example/check"
"""


@pytest.fixture(autouse=True)
def _no_registry_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SANAD_REGISTRY_"):
            monkeypatch.delenv(name)


def _with_config(tmp_path: Path, text: str) -> DataDir:
    data = DataDir(tmp_path / "data")
    data.ensure()
    data.config_path.write_text(text, encoding="utf-8")
    return data


def test_init_writes_the_packaged_default_with_the_pilot_identity(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "data")
    initialise(data, settings=FAST)
    text = data.config_path.read_text(encoding="utf-8")
    assert "[identity]" in text and "[registry]" in text
    assert stat.S_IMODE(data.config_path.stat().st_mode) == 0o600
    identity = load_settings(data).identity
    assert identity == default_identity()
    assert identity.authority == Bilingual(
        "دائرة الأحوال المدنية والجوازات", "Civil Status and Passports Department"
    )
    assert (identity.issuer, identity.country, identity.currency, identity.minor_units) == (
        "JO-CSPD",
        "JO",
        "JOD",
        3,
    )
    assert identity.currency_name == Bilingual("دينار", "dinar")
    # init --db records the URL in the same file, and the file still loads
    other = DataDir(tmp_path / "other")
    url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    initialise(other, database_url=url, settings=FAST)
    assert other.database_url() == url
    assert load_settings(other).identity == identity


def test_the_trust_list_and_signers_carry_the_configured_identity(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "data")
    data.ensure()
    data.config_path.write_text(
        "[registry]\npin_opslimit = 1\npin_memlimit_kib = 64\n" + OTHER_IDENTITY, encoding="utf-8"
    )
    initialise(data)  # the settings come from the file
    trust = load_trust_list(
        data.trust_list_path.read_bytes(), [load_public_key(data.root_public_key_path)]
    )
    assert trust.authority == Bilingual("سلطة الاختبار", "Test Authority")
    assert trust.identity.country == "ZZ"
    assert trust.identity.currency == "XTS"
    assert trust.identity.minor_units == 2
    assert trust.identity.verify_url == "https://verify.test.example/check"
    assert trust.identity.currency_name == Bilingual("وحدة", "test unit")
    assert {s.issuer for s in trust.signers} == {"ZZ-TEST"}


def test_fees_carry_the_currency_minor_units(
    server: LiveServer, kiosk: Kiosk, registry: Registry
) -> None:
    fees = httpx.get(f"{server.url}/api/v1/fees").json()["fees"]
    assert fees and all(
        set(f["fee"]) == {"amount", "currency", "minor_units"} and f["fee"]["minor_units"] == 3
        for f in fees
    )
    citizen = registry.citizens()[0]
    session = login(kiosk.client, citizen)
    offers = kiosk.client.entitlements(session)
    assert offers and all(o.fee_minor_units == 3 for o in offers)
    doc = kiosk.client.issue(
        session,
        document_type=offers[0].document_type,
        subject=offers[0].subject,
        payment_reference="PAY-MINOR",
    )
    assert doc.fee_minor_units == 3
    assert all(f.minor_units == 3 for f in kiosk.client.fees())


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _with_config(tmp_path, "[registry]\nsession_minutes = 7\n" + OTHER_IDENTITY)
    assert load_settings(data).session_ttl == dt.timedelta(minutes=7)
    monkeypatch.setenv("SANAD_REGISTRY_SESSION_MINUTES", "17")
    monkeypatch.setenv("SANAD_REGISTRY_KIOSK_MAX_FAILURES", "12")
    monkeypatch.setenv("SANAD_REGISTRY_IDENTITY__MINOR_UNITS", "0")
    settings = load_settings(data)
    assert settings.session_ttl == dt.timedelta(minutes=17)
    assert settings.throttle.kiosk_max_failures == 12
    assert settings.identity.minor_units == 0
    assert settings.identity.country == "ZZ"  # the rest of [identity] still from the file
    monkeypatch.setenv("SANAD_REGISTRY_DATABASE", "sqlite:////tmp/from-env.sqlite3")
    assert data.database_url() == "sqlite:////tmp/from-env.sqlite3"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[registry]\nsesion_minutes = 5\n", "sesion_minutes"),
        ("[registry]\nissuer = 'JO-CSPD'\n", "issuer"),  # the issuer moved to [identity]
        ("[registry]\nmax_pin_failures = 101\n", "max_pin_failures"),
        ("[registry]\nsession_minutes = 'five'\n", "session_minutes"),
        ("[regsitry]\nsession_minutes = 5\n", "regsitry"),
        ("database = 'sqlite://'\n", "database"),
        (OTHER_IDENTITY + "colour = 'green'\n", "colour"),
        (OTHER_IDENTITY.replace('"ZZ"', '"Jordan"'), "country"),
        (OTHER_IDENTITY.replace("https://", "http://"), "verify_url"),
        (OTHER_IDENTITY.replace("minor_units = 2", "minor_units = 5"), "minor_units"),
        ("[identity]\ncountry = 'ZZ'\n", "authority_ar"),  # an [identity] table is complete
        ("[registry\n", "cannot read"),
    ],
)
def test_unknown_or_bad_keys_are_refused_naming_them(tmp_path: Path, text: str, named: str) -> None:
    data = _with_config(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(data)
    assert named in str(err.value)
    assert str(data.config_path) in str(err.value)


def test_a_bad_environment_value_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _with_config(tmp_path, "")
    monkeypatch.setenv("SANAD_REGISTRY_SESSION_MINUTES", "0")
    with pytest.raises(ConfigError) as err:
        load_settings(data)
    assert "session_minutes" in str(err.value)


@pytest.mark.parametrize(
    "name",
    ["SANAD_REGISTRY_SESION_MINUTES", "SANAD_REGISTRY_IDENTITY__CURENCY", "sanad_registry_x"],
)
def test_a_misspelt_environment_variable_is_refused_not_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    data = _with_config(tmp_path, "")
    monkeypatch.setenv("SANAD_REGISTRY_SESSION_MINUTES", "7")  # a real one, and the two others
    monkeypatch.setenv("SANAD_REGISTRY_DATA", str(tmp_path))  # the registry reads themselves
    monkeypatch.setenv("SANAD_REGISTRY_DB", "sqlite://")
    assert load_settings(data).session_ttl == dt.timedelta(minutes=7)
    monkeypatch.setenv(name, "5")
    with pytest.raises(ConfigError) as err:
        load_settings(data)
    assert name in str(err.value) and "no such setting" in str(err.value)


def test_the_cli_refuses_a_bad_config_with_a_message(tmp_path: Path) -> None:
    from registry.cli import group

    data = DataDir(tmp_path / "data")
    initialise(data, settings=FAST)
    data.config_path.write_text("[registry]\nsesion_minutes = 5\n", encoding="utf-8")
    result = CliRunner().invoke(group, ["keys", "list", "--data", str(data.root)])
    assert result.exit_code == 2, result.output
    assert "sesion_minutes" in result.output and "Traceback" not in result.output


def test_no_jurisdiction_is_named_in_the_registry_code() -> None:
    """Identity is configuration: no Python module names the pilot's authority, issuer code,
    country, currency or verification address (place names of the demo population aside)."""
    root = Path(__file__).resolve().parents[2] / "registry"
    pattern = re.compile(
        r"JO-CSPD|\"JOD\"|'JOD'|\"JO\"|دينار|\bdinar\b|verify\.sanad|Passports Department|"
        r"Civil Status and Civil Registry|مصلحة الأحوال|دائرة الأحوال"
    )
    offenders = [
        f"{p.relative_to(root)}:{n}"
        for p in sorted(root.glob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_keyring_signers_take_the_issuer_from_the_settings(registry: Registry) -> None:
    db = registry.db()
    try:
        with db.session() as s:
            signer = keyring.current_signer(s)
        assert signer is not None and signer.issuer == registry.settings.identity.issuer
    finally:
        db.dispose()
