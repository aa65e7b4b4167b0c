"""The `[payments]` settings made usable: the provider's secrets and the adapter.

The API key and the callback secret are made at set-up (`ensure_secrets`, called by
`sanad registry init`) as owner-only files under the data directory, unless the environment
gives them; reading one that others may read, or that belongs to another user, is refused.
`sanad sim pay --callback-secret-file` and `--api-key-file` take the same files in the demo.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from registry.config import DataDir, PaymentsConfig, write_private
from registry.errors import ConfigError
from registry.payments.mobile_money import MobileMoney

__all__ = [
    "CALLBACK_PATH",
    "api_key",
    "callback_secret",
    "callback_url",
    "ensure_secrets",
    "provider",
    "secret_path",
]

CALLBACK_PATH = "/api/v1/payments/callback"


def secret_path(data: DataDir, relative: str, what: str) -> Path:
    rel = Path(relative)
    if rel.is_absolute() or ".." in rel.parts:
        raise ConfigError(f"[payments] {what} must be a path inside the data directory")
    return data.root / rel


def _read(path: Path, what: str) -> str:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"[payments] {what} {path} is not a file")
        if info.st_mode & 0o077:
            raise ConfigError(f"[payments] {what} {path} is readable by others: chmod 600 it")
        if os.name == "posix" and info.st_uid != os.getuid():
            raise ConfigError(f"[payments] {what} {path} belongs to another user")
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(
            f"[payments] {what} {path} does not exist: run `sanad registry init`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"[payments] cannot read {what} {path}: {exc}") from exc
    if not 16 <= len(value) <= 500:
        raise ConfigError(f"[payments] {what} {path} is empty or not a secret")
    return value


def ensure_secrets(data: DataDir, config: PaymentsConfig) -> list[Path]:
    """Make the API key and callback secret files that are missing (owner-only); the paths
    made. (With a real operator, replace them by what the operator issued.)"""
    made = []
    for relative, what, given in (
        (config.api_key_file, "api_key_file", config.api_key),
        (config.callback_secret_file, "callback_secret_file", config.callback_secret),
    ):
        path = secret_path(data, relative, what)
        if given is None and not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_private(path, secrets.token_hex(32) + "\n")
            made.append(path)
    return made


def api_key(data: DataDir, config: PaymentsConfig) -> str:
    if config.api_key is not None:
        return config.api_key
    return _read(secret_path(data, config.api_key_file, "api_key_file"), "api_key_file")


def callback_secret(data: DataDir, config: PaymentsConfig) -> bytes:
    if config.callback_secret is not None:
        return config.callback_secret.encode("utf-8")
    path = secret_path(data, config.callback_secret_file, "callback_secret_file")
    return _read(path, "callback_secret_file").encode("utf-8")


def callback_url(config: PaymentsConfig) -> str:
    return config.callback_base_url.rstrip("/") + CALLBACK_PATH


def provider(data: DataDir, config: PaymentsConfig) -> MobileMoney:
    """The configured provider's adapter (close it when done)."""
    return MobileMoney(
        config.base_url,
        api_key(data, config),
        name=config.provider,
        timeout=config.timeout_seconds,
        connect_timeout=config.connect_timeout_seconds,
    )
