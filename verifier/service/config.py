"""The verification service's configuration: one pydantic-settings model.

Values come from, highest first: what the caller passes (the `sanad verify serve` options),
environment variables `SANAD_VERIFY_<FIELD>` (nested with `__`; lists as JSON), a TOML file
(`sanad verify serve --config FILE`), then the defaults below. An unknown key in the file or
in the call is refused with its name. Worker processes receive the resolved configuration
as environment variables (`to_environ`), so every worker runs with exactly the parent's.
"""

from __future__ import annotations

import contextvars
import json
import os
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from verifier.settings_env import unknown_variables
from verifier.trust_source import DEFAULT_REFRESH_SECONDS, TrustSourceError

__all__ = ["ENV_PREFIX", "ConfigError", "ServiceConfig", "load_config"]

ENV_PREFIX = "SANAD_VERIFY_"
_TOML_FILE: contextvars.ContextVar[Path | None] = contextvars.ContextVar(
    "sanad_verify_toml", default=None
)


class ConfigError(TrustSourceError):
    """The configuration cannot be used (unknown key, bad value, unreadable file)."""


class ServiceConfig(BaseSettings):
    """Everything the service needs."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    root_keys: tuple[str, ...] = Field(
        min_length=1, description="Pinned root public keys (JWK files)."
    )
    trust_url: str | None = None
    trust_file: str | None = None
    cache_dir: str | None = None
    refresh_seconds: float = Field(default=DEFAULT_REFRESH_SECONDS, gt=0)
    fetch_timeout: float = Field(default=10.0, gt=0)
    min_sequence: int = Field(
        default=0,
        ge=0,
        description="Refuse any trust list below this sequence number (for a verifier with "
        "no cache: an old genuine list must not be accepted).",
    )
    stale_grace_days: float = Field(
        default=30.0,
        ge=0,
        description="Days past the trust list's next-update during which a genuine document "
        "is shown as unconfirmed (amber); after that it is refused.",
    )
    status_url: str | None = None  # registry base URL for the optional online status check
    status_timeout: float = Field(default=2.0, gt=0)
    max_image_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=24_000_000, ge=10_000)
    max_codes_per_image: int = Field(default=8, ge=1)
    decode_timeout: float = Field(default=10.0, gt=0)
    decode_workers: int = Field(default=2, ge=1, le=16)
    body_timeout: float = Field(default=15.0, gt=0)
    rate_per_minute: int = Field(default=600, ge=0)  # per client address; 0 turns it off
    rate_burst: int = Field(default=60, ge=1)
    clear_after_seconds: int = Field(default=60, ge=5, le=3600)

    @field_validator("trust_url", "status_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _TOML_FILE.get()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    def to_environ(self) -> dict[str, str]:
        """The resolved values as SANAD_VERIFY_* variables (None values are left out)."""
        out: dict[str, str] = {}
        for name, value in self.model_dump().items():
            if value is None:
                continue
            key = ENV_PREFIX + name.upper()
            if isinstance(value, (list, tuple, dict)):
                out[key] = json.dumps(list(value) if isinstance(value, tuple) else value)
            elif isinstance(value, bool):
                out[key] = "true" if value else "false"
            else:
                out[key] = str(value)
        return out


def load_config(path: Path | None = None, **given: Any) -> ServiceConfig:
    """The configuration from given values, the environment and the TOML file at path.

    ConfigError with every problem named (never a traceback) if it cannot be used.
    """
    if path is not None:
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
        if not path.is_file() or size > 256 * 1024:
            raise ConfigError(f"config {path} is not a regular file under 256 KiB")
    stray = unknown_variables(ENV_PREFIX, ServiceConfig, os.environ)
    if stray:
        raise ConfigError(
            f"unknown environment variable {', '.join(stray)}: no such setting (check the "
            "spelling; `sanad verify serve --help` lists them)"
        )
    token = _TOML_FILE.set(path)
    try:
        return ServiceConfig(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: "
            + ("unknown key" if e["type"] == "extra_forbidden" else e["msg"])
            for e in exc.errors()
        )
        where = f" in {path}" if path else ""
        raise ConfigError(f"configuration{where} refused: {problems}") from None
    except (ValueError, OSError) as exc:  # a TOML syntax error, an unreadable file
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    finally:
        _TOML_FILE.reset(token)
