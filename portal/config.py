"""The portal's configuration: portal.toml, then environment overrides, checked at start-up.

    [portal]     id (the channel id the registry enrolled), key (its Ed25519 key file),
                 cookie_key (the file holding the 32-byte key that seals session cookies),
                 public_url (the address citizens type; https:// makes cookies Secure),
                 phone_region (ISO 3166-1 alpha-2: how a mobile number without +country is
                 read; "" accepts only +international numbers), timezone (the IANA zone
                 of the clocks citizens read: a hold's expiry is shown in it)
    [registry]   url, timeout (seconds)
    [http]       host, port (where `sanad portal serve` listens)

Any key can be overridden by ``SANAD_PORTAL_<TABLE>__<KEY>`` (``SANAD_PORTAL_REGISTRY__URL``);
an unknown table, key or ``SANAD_PORTAL_*`` variable is refused with a message naming it.
Relative paths in the file are relative to its folder. `PortalConfig` is the frozen runtime
view. `initialise(data_dir, ...)` is `sanad portal init`: a fresh channel key, its public JWK
for the registry's `sanad registry portal enroll`, a cookie key and portal.toml, all
owner-only (0600 files in a 0700 folder).

What this module does not do: read the keys (`load_cookie_key` and `verifier.keys` do, when
the app is built) or talk to the registry.

Exception tree::

    ConfigError
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from verifier.settings_env import unknown_variables

__all__ = [
    "CONFIG_NAME",
    "ENV_PREFIX",
    "ConfigError",
    "InitResult",
    "PortalConfig",
    "initialise",
    "load_config",
    "load_cookie_key",
]

ENV_PREFIX = "SANAD_PORTAL_"
CONFIG_NAME = "portal.toml"
KEY_NAME = "portal-key.jwk"
PUBLIC_NAME = "portal-public.jwk"
COOKIE_KEY_NAME = "cookie.key"


class ConfigError(Exception):
    """The configuration or one of its files is missing, malformed or out of range."""


@dataclass(frozen=True)
class PortalConfig:
    channel_id: str
    key_path: Path
    cookie_key_path: Path
    registry_url: str
    public_url: str = "http://127.0.0.1:8090"
    phone_region: str = ""
    registry_timeout: float = 10.0
    timezone: str = "Asia/Amman"
    host: str = "127.0.0.1"
    port: int = 8090

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies whenever citizens reach the portal over https."""
        return self.public_url.startswith("https://")


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// URL")
    return value.rstrip("/")


def _region(value: str) -> str:
    if value and not (len(value) == 2 and value.isascii() and value.isalpha()):
        raise ValueError("an ISO 3166-1 alpha-2 country code such as JO, or empty")
    return value.upper()


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("an IANA time zone such as Asia/Amman") from None
    return value


_Url = Annotated[str, AfterValidator(_http_url)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Portal(_Section):
    id: str = Field(min_length=1, max_length=64)
    key: Path
    cookie_key: Path
    public_url: _Url = "http://127.0.0.1:8090"
    phone_region: Annotated[str, AfterValidator(_region)] = ""
    timezone: Annotated[str, AfterValidator(_zone)] = "Asia/Amman"


class _Registry(_Section):
    url: _Url
    timeout: float = Field(default=10.0, gt=0)


class _Http(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=1, le=65535)


_ENVIRON: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "portal_environ", default=None
)


class _Env(EnvSettingsSource):
    def _load_env_vars(self) -> Mapping[str, str | None]:
        env = _ENVIRON.get()
        return parse_env_vars(
            os.environ if env is None else env,
            self.case_sensitive,
            self.env_ignore_empty,
            self.env_parse_none_str,
        )


class PortalFile(BaseSettings):
    """portal.toml: one field per table; ``SANAD_PORTAL_<TABLE>__<KEY>`` overrides a key."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    portal: _Portal
    registry: _Registry
    http: _Http = _Http()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (_Env(settings_cls), init_settings)


def _problems(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        parts = [str(p) for p in error["loc"]]
        where = f"[{parts[0]}] {'.'.join(parts[1:])}".strip() if parts else "the configuration"
        if error["type"] == "missing":
            lines.append(f"missing setting {where}")
        elif error["type"] == "extra_forbidden":
            lines.append(f"unknown setting {where}")
        else:
            lines.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(lines)


def _absolute(path: Path, base: Path) -> Path:
    path = path.expanduser()
    return path if path.is_absolute() else base / path


def load_config(path: Path | None, environ: Mapping[str, str] | None = None) -> PortalConfig:
    """Read `path` (None: the environment only), apply ``SANAD_PORTAL_*`` overrides."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    base = Path.cwd()
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        base = path.resolve().parent
        table = raw.get("portal")
        if isinstance(table, dict):
            for name in ("key", "cookie_key"):
                if isinstance(table.get(name), str):
                    table[name] = str(_absolute(Path(table[name]), base))
    stray = unknown_variables(ENV_PREFIX, PortalFile, env, also=("CONFIG",))
    if stray:
        raise ConfigError(
            f"unknown environment variable {', '.join(stray)}: no such setting (a key is "
            f"{ENV_PREFIX}<TABLE>__<KEY>, e.g. {ENV_PREFIX}REGISTRY__URL)"
        )
    token = _ENVIRON.set(env)
    try:
        f = PortalFile(**raw)
    except ValidationError as exc:
        raise ConfigError(f"{path or 'portal configuration'}: {_problems(exc)}") from None
    finally:
        _ENVIRON.reset(token)
    cwd = Path.cwd()
    return PortalConfig(
        channel_id=f.portal.id,
        key_path=_absolute(f.portal.key, cwd),
        cookie_key_path=_absolute(f.portal.cookie_key, cwd),
        registry_url=f.registry.url,
        public_url=f.portal.public_url,
        phone_region=f.portal.phone_region,
        registry_timeout=f.registry.timeout,
        timezone=f.portal.timezone,
        host=f.http.host,
        port=f.http.port,
    )


def load_cookie_key(path: Path) -> bytes:
    """The 32-byte cookie key (base64 in its file); refused when others may read the file."""
    try:
        if path.stat().st_mode & 0o077:
            raise ConfigError(f"{path} holds the cookie key but others may read it: chmod 600")
        text = path.read_text(encoding="ascii").strip()
        key = base64.urlsafe_b64decode(text)
    except OSError as exc:
        raise ConfigError(f"cannot read the cookie key {path}: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a base64 cookie key") from exc
    if len(key) != 32:
        raise ConfigError(f"{path}: the cookie key is 32 bytes")
    return key


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o600)


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class InitResult:
    config_path: Path
    public_key_path: Path
    channel_id: str


def initialise(
    data_dir: Path,
    *,
    channel_id: str = "PORTAL-1",
    registry_url: str = "http://127.0.0.1:8000",
    public_url: str = "http://127.0.0.1:8090",
    phone_region: str = "",
    port: int = 8090,
) -> InitResult:
    """`sanad portal init`: keys and portal.toml in a new (or empty) owner-only folder.

    Refuses (ConfigError) to overwrite an existing key: a second init would lock the portal
    out of a registry that enrolled the first."""
    from verifier.keys import SigningKey, save_public_key, save_signing_key

    try:
        _http_url(registry_url)
        _http_url(public_url)
        region = _region(phone_region)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    data_dir = data_dir.expanduser().resolve()
    key_path, cookie_path = data_dir / KEY_NAME, data_dir / COOKIE_KEY_NAME
    config_path, public_path = data_dir / CONFIG_NAME, data_dir / PUBLIC_NAME
    for existing in (key_path, cookie_path, config_path):
        if existing.exists():
            raise ConfigError(f"{existing} exists: this folder is initialised already")
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(data_dir, 0o700)
        key = SigningKey.generate()
        save_signing_key(key, key_path)
        save_public_key(key.public, public_path)
        _write_private(cookie_path, base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        _write_private(
            config_path,
            "[portal]\n"
            f"id = {_toml_str(channel_id)}\n"
            f"key = {_toml_str(KEY_NAME)}\n"
            f"cookie_key = {_toml_str(COOKIE_KEY_NAME)}\n"
            f"public_url = {_toml_str(public_url.rstrip('/'))}\n"
            f"phone_region = {_toml_str(region)}\n\n"
            "[registry]\n"
            f"url = {_toml_str(registry_url.rstrip('/'))}\n\n"
            "[http]\n"
            'host = "127.0.0.1"\n'
            f"port = {port}\n",
        )
    except OSError as exc:
        with contextlib.suppress(OSError):
            for made in (key_path, cookie_path, config_path, public_path):
                made.unlink(missing_ok=True)
        raise ConfigError(f"cannot write to {data_dir}: {exc.strerror or exc}") from exc
    return InitResult(config_path, public_path, channel_id)
