"""Where the registry keeps its things, and the settings it runs with.

A data directory holds everything the registry owns on disk:

    DATA/
      registry.toml        settings (optional; written by `init`)
      registry.sqlite3     the default database (when no --db URL is given)
      keys/root.jwk        the root private key (0600; offline in production)
      keys/signers/KID.jwk document-signer private keys (0600)
      trust-list.cose      the latest trust list, as published
      admin-token          the bearer token of the back-office endpoints (0600)
      demo-citizens.csv    demo national IDs and PINs (demo data only)

Settings are plain frozen dataclasses with defaults; `load_settings` reads the optional TOML
file. Nothing here opens a database or touches a key.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from registry.errors import ConfigError
from verifier.documents import Bilingual

__all__ = [
    "DEFAULT_ISSUER",
    "DataDir",
    "Settings",
    "ThrottlePolicy",
    "default_data_dir",
    "load_settings",
]

DEFAULT_ISSUER = "JO-CSPD"
AUTHORITY = Bilingual(
    "مصلحة الأحوال المدنية والسجل المدني", "Civil Status and Civil Registry Authority"
)
DB_ENV = "SANAD_REGISTRY_DB"


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("sanad")) / "registry"


PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def open_private(path: os.PathLike[str] | str, *, encoding: str = "utf-8") -> TextIO:
    """A text file opened for writing, truncated, owner-only (0600) whether or not it existed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)  # O_CREAT's mode does not apply to a file that existed
    return os.fdopen(fd, "w", encoding=encoding, newline="")


def write_private(path: os.PathLike[str] | str, content: str) -> None:
    """Write a whole text file, owner-only (0600)."""
    with open_private(path) as f:
        f.write(content)


@dataclass(frozen=True)
class DataDir:
    root: Path

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    @property
    def root_key_path(self) -> Path:
        return self.keys_dir / "root.jwk"

    @property
    def root_public_key_path(self) -> Path:
        return self.root / "root-public.jwk"

    def signer_key_path(self, kid_hex: str) -> Path:
        return self.keys_dir / "signers" / f"{kid_hex}.jwk"

    @property
    def trust_list_path(self) -> Path:
        return self.root / "trust-list.cose"

    @property
    def config_path(self) -> Path:
        return self.root / "registry.toml"

    @property
    def admin_token_path(self) -> Path:
        return self.root / "admin-token"

    @property
    def demo_citizens_path(self) -> Path:
        return self.root / "demo-citizens.csv"

    @property
    def sqlite_url(self) -> str:
        return f"sqlite:///{(self.root / 'registry.sqlite3').resolve()}"

    def ensure(self) -> None:
        """Create the directory tree, owner-only (0700): it holds personal data and keys."""
        try:
            for d in (self.root, self.keys_dir, self.keys_dir / "signers"):
                d.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.chmod(d, 0o700)  # mkdir's mode does not apply to a directory that existed
        except OSError as exc:
            raise ConfigError(f"cannot create the data directory {self.root}: {exc}") from exc

    def database_url(self, override: str | None = None) -> str:
        """--db URL, else $SANAD_REGISTRY_DB, else registry.toml's `database`, else SQLite."""
        if override:
            return override
        if os.environ.get(DB_ENV):
            return os.environ[DB_ENV]
        configured = _read_toml(self.config_path).get("database")
        if isinstance(configured, str) and configured:
            return configured
        return self.sqlite_url

    def admin_token(self, *, create: bool = False) -> str | None:
        path = self.admin_token_path
        if path.exists():
            return path.read_text(encoding="ascii").strip() or None
        if not create:
            return None
        token = secrets.token_urlsafe(32)
        write_private(path, token + "\n")
        return token


@dataclass(frozen=True)
class ThrottlePolicy:
    """Per-citizen PIN throttling and the per-kiosk failure budget.

    After the `free_failures`-th consecutive failure each further attempt must wait
    `base_delay * 2**(failures - free_failures)` seconds (capped at `max_delay`); at
    `max_failures` (≤ 100, NIST SP 800-63B §5.2.2) the account locks until an officer unlocks it.
    """

    max_failures: int = 10
    free_failures: int = 3
    base_delay: float = 1.0
    max_delay: float = 300.0
    kiosk_max_failures: int = 30
    kiosk_window: dt.timedelta = dt.timedelta(minutes=10)

    def __post_init__(self) -> None:
        if not 1 <= self.max_failures <= 100:
            raise ConfigError("max_failures must be between 1 and 100")

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after `failures` consecutive failures before the next attempt."""
        if failures < self.free_failures:
            return 0.0
        return float(min(self.max_delay, self.base_delay * 2 ** (failures - self.free_failures)))


@dataclass(frozen=True)
class Settings:
    issuer: str = DEFAULT_ISSUER
    authority: Bilingual = AUTHORITY
    signing_window: dt.timedelta = dt.timedelta(days=90)
    trust_list_validity: dt.timedelta = dt.timedelta(days=7)
    trust_list_max_age: int = 300  # Cache-Control max-age, seconds
    session_ttl: dt.timedelta = dt.timedelta(minutes=5)
    request_skew: dt.timedelta = dt.timedelta(seconds=120)
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    pin_opslimit: int = 2  # nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
    pin_memlimit: int = 64 * 1024 * 1024  # MEMLIMIT_INTERACTIVE
    offline_after: dt.timedelta = dt.timedelta(minutes=10)
    minor_age: int = 18


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    section = data.get("registry", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [registry] must be a table")
    return section


def load_settings(data: DataDir) -> Settings:
    """Settings from DATA/registry.toml's [registry] table (every key optional).

    Keys: database, issuer, signing_window_days, session_minutes, max_pin_failures (≤ 100),
    free_pin_failures, pin_base_delay, pin_max_delay (seconds), kiosk_max_failures,
    pin_opslimit, pin_memlimit_kib (the production Argon2id cost).
    """
    raw = _read_toml(data.config_path)
    settings = Settings()
    try:
        if "issuer" in raw:
            settings = replace(settings, issuer=str(raw["issuer"]))
        if "signing_window_days" in raw:
            settings = replace(
                settings, signing_window=dt.timedelta(days=int(raw["signing_window_days"]))
            )
        if "session_minutes" in raw:
            settings = replace(
                settings, session_ttl=dt.timedelta(minutes=int(raw["session_minutes"]))
            )
        t = settings.throttle
        settings = replace(
            settings,
            throttle=replace(
                t,
                max_failures=int(raw.get("max_pin_failures", t.max_failures)),
                free_failures=int(raw.get("free_pin_failures", t.free_failures)),
                base_delay=float(raw.get("pin_base_delay", t.base_delay)),
                max_delay=float(raw.get("pin_max_delay", t.max_delay)),
                kiosk_max_failures=int(raw.get("kiosk_max_failures", t.kiosk_max_failures)),
            ),
        )
        if "pin_opslimit" in raw:
            settings = replace(settings, pin_opslimit=int(raw["pin_opslimit"]))
        if "pin_memlimit_kib" in raw:
            settings = replace(settings, pin_memlimit=int(raw["pin_memlimit_kib"]) * 1024)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{data.config_path}: {exc}") from exc
    return settings
