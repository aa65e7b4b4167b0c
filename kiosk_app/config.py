"""The kiosk's configuration: one TOML file, then environment overrides, checked at start-up.

    [kiosk]      id, key (device key file), data_dir, technician_pin_hash (Argon2id, PyNaCl str)
    [registry]   url, timeout (seconds), root_key (the authority's public key file, pinned),
                 min_sequence (the oldest trust list sequence accepted, pinned; default 0)
    [printer]    url (tcp://, serial://, usb://, file://), width (384 | 576), profile, timeout
    [scanner]    port (a serial device, or "" for none), baudrate
    [ui]         languages, default_language, fullscreen, large_text
    [timeouts]   idle, warning (>= 20), done, message, print (seconds)
    [documents]  verifier_url (printed under the QR), timezone (IANA name)
    [journal]    retention_days
    [payment]    provider ("simulated"), decline_over (simulated provider only: minor units)
    [heartbeat]  interval (seconds)

Any value can be overridden by ``SANAD_KIOSK_<SECTION>_<NAME>`` (``SANAD_KIOSK_REGISTRY_URL``);
lists are comma-separated. Relative paths are relative to the config file's folder.

What this module does not do: read keys or open devices; it only says where they are.

Exception tree::

    ConfigError
"""

from __future__ import annotations

import contextlib
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from kiosk_app.errors import KioskError
from kiosk_app.session import Settings

__all__ = ["ENV_PREFIX", "ConfigError", "KioskConfig", "load_config"]

ENV_PREFIX = "SANAD_KIOSK_"

log = logging.getLogger(__name__)


class ConfigError(KioskError):
    """The configuration file is missing, malformed or has a value out of range."""


@dataclass(frozen=True)
class KioskConfig:
    kiosk_id: str
    key_path: Path
    registry_url: str
    root_key_path: Path | None
    printer_url: str
    data_dir: Path = field(default_factory=lambda: Path(platformdirs.user_data_dir("sanad-kiosk")))
    technician_pin_hash: str = ""
    registry_timeout: float = 5.0
    min_sequence: int = 0  # trust lists below this sequence are refused (rollback floor)
    printer_width: int = 576
    printer_profile: str | None = None
    printer_timeout: float = 2.0
    scanner_port: str = ""
    scanner_baudrate: int = 9600
    languages: tuple[str, ...] = ("ar", "en")
    default_language: str = "ar"
    fullscreen: bool = True
    idle_seconds: int = 60
    warning_seconds: int = 30
    done_seconds: int = 20
    message_seconds: int = 45
    print_seconds: float = 30.0
    verifier_url: str = "https://verify.sanad.example"
    timezone: str = "UTC"
    retention_days: int = 30
    payment_provider: str = "simulated"
    payment_decline_over: int | None = None
    heartbeat_seconds: float = 60.0

    def settings(self) -> Settings:
        return Settings(
            languages=self.languages,
            default_language=self.default_language,
            idle_seconds=self.idle_seconds,
            warning_seconds=self.warning_seconds,
            done_seconds=self.done_seconds,
            message_seconds=self.message_seconds,
        )

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.sqlite3"


# (section, name) -> (field, converter)
_FIELDS: dict[tuple[str, str], tuple[str, str]] = {
    ("kiosk", "id"): ("kiosk_id", "str"),
    ("kiosk", "key"): ("key_path", "path"),
    ("kiosk", "data_dir"): ("data_dir", "path"),
    ("kiosk", "technician_pin_hash"): ("technician_pin_hash", "str"),
    ("registry", "url"): ("registry_url", "url"),
    ("registry", "timeout"): ("registry_timeout", "float"),
    ("registry", "root_key"): ("root_key_path", "path"),
    ("registry", "min_sequence"): ("min_sequence", "int"),
    ("printer", "url"): ("printer_url", "str"),
    ("printer", "width"): ("printer_width", "width"),
    ("printer", "profile"): ("printer_profile", "optstr"),
    ("printer", "timeout"): ("printer_timeout", "float"),
    ("scanner", "port"): ("scanner_port", "str"),
    ("scanner", "baudrate"): ("scanner_baudrate", "int"),
    ("ui", "languages"): ("languages", "list"),
    ("ui", "default_language"): ("default_language", "str"),
    ("ui", "fullscreen"): ("fullscreen", "bool"),
    ("timeouts", "idle"): ("idle_seconds", "int"),
    ("timeouts", "warning"): ("warning_seconds", "int"),
    ("timeouts", "done"): ("done_seconds", "int"),
    ("timeouts", "message"): ("message_seconds", "int"),
    ("timeouts", "print"): ("print_seconds", "float"),
    ("documents", "verifier_url"): ("verifier_url", "url"),
    ("documents", "timezone"): ("timezone", "str"),
    ("journal", "retention_days"): ("retention_days", "int"),
    ("payment", "provider"): ("payment_provider", "str"),
    ("payment", "decline_over"): ("payment_decline_over", "optint"),
    ("heartbeat", "interval"): ("heartbeat_seconds", "float"),
}
_REQUIRED = ("kiosk_id", "key_path", "registry_url", "printer_url")


def _convert(kind: str, value: Any, where: str, base: Path) -> Any:
    try:
        if kind in ("str", "optstr", "url"):
            if not isinstance(value, str):
                raise TypeError("expected a string")
            if kind == "optstr":
                return value or None
            if kind == "url" and not value.startswith(("http://", "https://")):
                raise ValueError("expected an http:// or https:// URL")
            return value.rstrip("/") if kind == "url" else value
        if kind == "path":
            path = Path(os.path.expanduser(str(value)))
            return path if path.is_absolute() else base / path
        if kind in ("int", "optint", "width"):
            if isinstance(value, bool):
                raise TypeError("expected a number")
            number = int(value)
            if kind == "width" and number not in (384, 576):
                raise ValueError("printer width is 384 (58 mm) or 576 (80 mm) dots")
            if number < 0:
                raise ValueError("must not be negative")
            return number
        if kind == "float":
            seconds = float(value)
            if seconds <= 0:
                raise ValueError("must be positive")
            return seconds
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError("expected true or false")
        if kind == "list":
            items = value.split(",") if isinstance(value, str) else list(value)
            out = tuple(str(item).strip() for item in items if str(item).strip())
            if not out:
                raise ValueError("needs at least one entry")
            return out
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    raise AssertionError(kind)


def _warn_if_shared(path: Path, raw: Mapping[str, Any]) -> None:
    """The technician's PIN hash is a secret: say so when others may read the file."""
    kiosk = raw.get("kiosk")
    if not isinstance(kiosk, dict) or not kiosk.get("technician_pin_hash"):
        return
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            log.warning(
                "%s holds the technician PIN hash but is readable by others: chmod 600", path
            )


def load_config(path: Path | None, environ: Mapping[str, str] | None = None) -> KioskConfig:
    """Read `path` (None: environment only), apply ``SANAD_KIOSK_*`` overrides, check it all."""
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
        _warn_if_shared(path, raw)
    values: dict[str, Any] = {}
    for section, table in raw.items():
        if not isinstance(table, dict):
            raise ConfigError(f"[{section}] must be a table")
        for name, value in table.items():
            if (section, name) not in _FIELDS:
                raise ConfigError(f"unknown setting [{section}] {name}")
            fname, kind = _FIELDS[(section, name)]
            values[fname] = _convert(kind, value, f"[{section}] {name}", base)
    for (section, name), (fname, kind) in _FIELDS.items():
        var = f"{ENV_PREFIX}{section}_{name}".upper()
        if var in env:
            values[fname] = _convert(kind, env[var], var, Path.cwd())
    missing = [f for f in _REQUIRED if f not in values]
    if missing:
        names = [f"[{s}] {n}" for (s, n), (f, _) in _FIELDS.items() if f in missing]
        raise ConfigError(f"missing settings: {', '.join(names)}")
    try:
        config = KioskConfig(**values)
        config.settings()
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return config
