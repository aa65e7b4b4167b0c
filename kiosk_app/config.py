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

The file is read by a pydantic-settings model (`KioskFile`, one field per table, as
`registry.config` and `verifier.service.config` do): any key can be overridden by
``SANAD_KIOSK_<TABLE>__<KEY>`` (``SANAD_KIOSK_REGISTRY__URL``; lists comma-separated); an
unknown table or key, and an unknown ``SANAD_KIOSK_*`` variable (`verifier.settings_env`), is
refused with a message naming it. Relative paths in the file are relative to its folder, in
the environment to the working directory. `KioskConfig` is the frozen runtime view.

What this module does not do: read keys or open devices; it only says where they are.

Exception tree::

    ConfigError
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import platformdirs
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    ValidationError,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from kiosk_app.errors import KioskError
from kiosk_app.session import Settings
from verifier.settings_env import unknown_variables

__all__ = ["ENV_PREFIX", "ConfigError", "KioskConfig", "KioskFile", "load_config"]

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
    office: str = ""  # the office this kiosk stands in: appointments booked here are there

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


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// URL")
    return value.rstrip("/")


def _entries(value: object) -> object:
    """A list from TOML, or comma-separated from the environment."""
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, list | tuple):
        out = tuple(str(item).strip() for item in value if str(item).strip())
        if not out:
            raise ValueError("needs at least one entry")
        return out
    return value


def _width(value: int) -> int:
    if value not in (384, 576):
        raise ValueError("printer width is 384 (58 mm) or 576 (80 mm) dots")
    return value


_Url = Annotated[str, AfterValidator(_http_url)]
_List = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_entries)]
_Width = Annotated[int, AfterValidator(_width)]
_Seconds = Annotated[float, Field(gt=0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Kiosk(_Section):
    id: str
    key: Path
    data_dir: Path | None = None
    technician_pin_hash: str = ""
    office: str = ""  # the office the kiosk stands in (its code, "AMM"): where it books


class _Registry(_Section):
    url: _Url
    timeout: _Seconds = 5.0
    root_key: Path | None = None
    min_sequence: NonNegativeInt = 0  # trust lists below this sequence are refused


class _Printer(_Section):
    url: str
    width: _Width = 576
    profile: str | None = None
    timeout: _Seconds = 2.0


class _Scanner(_Section):
    port: str = ""
    baudrate: PositiveInt = 9600


class _Ui(_Section):
    languages: _List = ("ar", "en")
    default_language: str = "ar"
    fullscreen: bool = True


class _Timeouts(_Section):
    idle: PositiveInt = 60
    warning: PositiveInt = 30
    done: PositiveInt = 20
    message: PositiveInt = 45
    print: _Seconds = 30.0


class _Documents(_Section):
    verifier_url: _Url = "https://verify.sanad.example"
    timezone: str = "UTC"


class _Journal(_Section):
    retention_days: NonNegativeInt = 30


class _Payment(_Section):
    provider: str = "simulated"
    decline_over: NonNegativeInt | None = None


class _Heartbeat(_Section):
    interval: _Seconds = 60.0


# the environment the next model reads (load_config's `environ`; os.environ by default)
_ENVIRON: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "kiosk_environ", default=None
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


class KioskFile(BaseSettings):
    """kiosk.toml: one field per table; ``SANAD_KIOSK_<TABLE>__<KEY>`` overrides a key."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    kiosk: _Kiosk
    registry: _Registry
    printer: _Printer
    scanner: _Scanner = _Scanner()
    ui: _Ui = _Ui()
    timeouts: _Timeouts = _Timeouts()
    documents: _Documents = _Documents()
    journal: _Journal = _Journal()
    payment: _Payment = _Payment()
    heartbeat: _Heartbeat = _Heartbeat()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # the environment over the file (given as init values); no .env, no secrets dir
        return (_Env(settings_cls), init_settings)


def _where(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if not parts:
        return "the configuration"
    if len(parts) == 1:
        return f"[{parts[0]}]"
    return f"[{parts[0]}] {'.'.join(parts[1:])}"


def _problems(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = _where(error["loc"])
        if error["type"] == "missing":
            lines.append(f"missing setting {where}")
        elif error["type"] == "extra_forbidden":
            lines.append(f"unknown setting {where}")
        else:
            lines.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(lines)


def _absolute(path: Path | None, base: Path) -> Path | None:
    if path is None:
        return None
    path = path.expanduser()
    return path if path.is_absolute() else base / path


def _file_paths(raw: dict[str, Any], base: Path) -> None:
    """A relative path in the file is relative to the file's folder (the environment's: to
    the working directory)."""
    for section, name in (("kiosk", "key"), ("kiosk", "data_dir"), ("registry", "root_key")):
        table = raw.get(section)
        if isinstance(table, dict) and isinstance(table.get(name), str):
            table[name] = str(_absolute(Path(table[name]), base))


def _runtime(f: KioskFile) -> KioskConfig:
    cwd = Path.cwd()
    data_dir = _absolute(f.kiosk.data_dir, cwd)
    key_path = _absolute(f.kiosk.key, cwd)
    assert key_path is not None
    return KioskConfig(
        kiosk_id=f.kiosk.id,
        key_path=key_path,
        registry_url=f.registry.url,
        root_key_path=_absolute(f.registry.root_key, cwd),
        printer_url=f.printer.url,
        **({"data_dir": data_dir} if data_dir is not None else {}),
        technician_pin_hash=f.kiosk.technician_pin_hash,
        registry_timeout=f.registry.timeout,
        min_sequence=f.registry.min_sequence,
        printer_width=f.printer.width,
        printer_profile=f.printer.profile or None,
        printer_timeout=f.printer.timeout,
        scanner_port=f.scanner.port,
        scanner_baudrate=f.scanner.baudrate,
        languages=f.ui.languages,
        default_language=f.ui.default_language,
        fullscreen=f.ui.fullscreen,
        idle_seconds=f.timeouts.idle,
        warning_seconds=f.timeouts.warning,
        done_seconds=f.timeouts.done,
        message_seconds=f.timeouts.message,
        print_seconds=f.timeouts.print,
        verifier_url=f.documents.verifier_url,
        timezone=f.documents.timezone,
        retention_days=f.journal.retention_days,
        payment_provider=f.payment.provider,
        payment_decline_over=f.payment.decline_over,
        heartbeat_seconds=f.heartbeat.interval,
        office=f.kiosk.office.strip().upper(),
    )


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
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        _warn_if_shared(path, raw)
        _file_paths(raw, path.resolve().parent)
    stray = unknown_variables(ENV_PREFIX, KioskFile, env, also=("CONFIG",))
    if stray:
        raise ConfigError(
            f"unknown environment variable {', '.join(stray)}: no such setting (check the "
            f"spelling; a key is {ENV_PREFIX}<TABLE>__<KEY>, e.g. {ENV_PREFIX}PRINTER__URL)"
        )
    token = _ENVIRON.set(env)
    try:
        parsed = KioskFile(**raw)
    except ValidationError as exc:
        raise ConfigError(f"{path or 'kiosk configuration'}: {_problems(exc)}") from None
    finally:
        _ENVIRON.reset(token)
    try:
        config = _runtime(parsed)
        config.settings()
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return config
