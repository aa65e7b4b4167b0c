"""The `[oidc]` table and the provider's discovery document, without a network: what is
accepted, what is refused with a message naming the key, and the metadata the client keeps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from registry.config import DataDir, load_settings
from registry.errors import ConfigError
from registry.office import oidc
from registry.office.declarations import Role
from registry.office.staff_auth import StaffGrant

TABLE = """
[oidc]
issuer = "{issuer}"
client_id = "sanad-office"
client_secret_file = "keys/oidc.secret"
name_ar = "وزارة الداخلية"
name_en = "the Ministry of Interior"
{extra}

[[oidc.groups]]
group = "registry-admins"
role = "administrator"

[[oidc.groups]]
group = "{group}"
role = "{role}"
{office}
"""


def settings(tmp_path: Path, **kw: str) -> Any:
    values = {
        "issuer": "https://login.moi.example/realms/staff",
        "extra": "",
        "group": "amman-clerks",
        "role": "clerk",
        "office": 'office = "AMM"',
        **kw,
    }
    data = DataDir(tmp_path)
    data.ensure()
    data.config_path.write_text(TABLE.format(**values), encoding="utf-8")
    return load_settings(data)


def test_the_table_becomes_the_mapping_in_order(tmp_path: Path) -> None:
    config = settings(tmp_path).oidc
    assert config is not None and config.groups_claim == "groups" and config.require_mfa
    mapping = oidc.mapping_of(config)
    assert list(mapping.groups) == [
        ("registry-admins", StaffGrant(Role.ADMINISTRATOR, None)),
        ("amman-clerks", StaffGrant(Role.CLERK, "AMM")),
    ]


def test_without_the_table_there_is_no_provider(tmp_path: Path) -> None:
    assert load_settings(DataDir(tmp_path)).oidc is None


@pytest.mark.parametrize(
    ("kw", "named"),
    [
        ({"issuer": "http://login.moi.example"}, "[oidc] issuer"),  # plain http off loopback
        ({"office": ""}, "[oidc] groups.1"),  # a clerk needs an office
        ({"role": "supervisor"}, "[oidc] groups.1"),  # a supervisor takes none
        ({"role": "janitor", "office": ""}, "[oidc] groups.1.role"),
        ({"extra": 'client_secret = "inline"'}, "[oidc] client_secret: unknown key"),
        ({"extra": 'scope = "profile email"'}, "[oidc] scope"),  # not an OpenID request
    ],
    ids=[
        "http-issuer",
        "clerk-without-office",
        "supervisor-with-office",
        "no-such-role",
        "secret-inline",
        "scope-without-openid",
    ],
)
def test_a_bad_table_is_refused_naming_the_key(
    tmp_path: Path, kw: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(tmp_path, **kw)
    assert named in caught.value.message


def test_loopback_http_is_allowed_for_tests_and_the_demo(tmp_path: Path) -> None:
    assert settings(tmp_path, issuer="http://127.0.0.1:8080").oidc is not None


@pytest.mark.parametrize("path", ["/etc/oidc.secret", "../oidc.secret"])
def test_the_secret_file_stays_inside_the_data_directory(tmp_path: Path, path: str) -> None:
    config = settings(tmp_path).oidc.model_copy(update={"client_secret_file": path})
    with pytest.raises(ConfigError, match="inside the data directory"):
        oidc.read_client_secret(DataDir(tmp_path), config)


def test_a_missing_secret_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read client_secret_file"):
        oidc.read_client_secret(DataDir(tmp_path), settings(tmp_path).oidc)


ISSUER = "https://login.moi.example/realms/staff"
DISCOVERY: dict[str, Any] = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/auth",
    "token_endpoint": f"{ISSUER}/token",
    "jwks_uri": f"{ISSUER}/certs",
    "id_token_signing_alg_values_supported": ["HS256", "RS256", "none", "ES256"],
    "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_post"],
}


def test_discovery_keeps_public_key_algorithms_and_a_secret_method() -> None:
    meta = oidc.parse_metadata(DISCOVERY, ISSUER)
    assert meta.algorithms == {"RS256", "ES256"}  # never none, never HMAC
    assert meta.auth_method == "client_secret_post"
    assert meta.token_endpoint == f"{ISSUER}/token"


@pytest.mark.parametrize(
    "change",
    [
        {"issuer": ISSUER + "/"},
        {"id_token_signing_alg_values_supported": ["none", "HS256"]},
        {"token_endpoint": "http://login.moi.example/token"},
        {"jwks_uri": None},
        {"token_endpoint_auth_methods_supported": ["private_key_jwt"]},
        {"code_challenge_methods_supported": ["plain"]},
    ],
    ids=[
        "other-issuer",
        "no-public-key-alg",
        "plain-http",
        "no-jwks",
        "no-secret-method",
        "no-s256",
    ],
)
def test_a_discovery_document_that_will_not_do_is_refused(change: dict[str, Any]) -> None:
    doc = {k: v for k, v in {**DISCOVERY, **change}.items() if v is not None}
    with pytest.raises(oidc.IdentityRefused) as caught:
        oidc.parse_metadata(doc, ISSUER)
    assert caught.value.refusal is oidc.MISCONFIGURED
