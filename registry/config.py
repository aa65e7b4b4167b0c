"""Where the registry keeps its things, and the settings it runs with.

A data directory holds everything the registry owns on disk (the directories 0700, private
files 0600):

    DATA/
      registry.toml        settings, written by `init` from the packaged default
                           (registry/default-registry.toml); 0600
      registry.sqlite3     the default database (when no --db URL is given)
      keys/root.jwk        the root private key (0600; offline in production)
      keys/signers/KID.jwk document-signer private keys (0600)
      trust-list.cose      the latest trust list, as published
      demo-citizens.csv    demo national IDs and PINs (demo data only)
      counter-printer/     the emulated counter printer's receipts as PNGs: certificates
                           and PIN mailers (0700, files 0600: a mailer holds a PIN)

The file is read by a pydantic-settings model (`RegistryConfig`): the `[registry]` table's keys
are its fields, the `[identity]` table the issuing authority and its jurisdiction; each can be
overridden from the environment (`SANAD_REGISTRY_<KEY>`, `SANAD_REGISTRY_IDENTITY__<KEY>`), and
an unknown key or table is refused with a message naming it. `load_settings` turns the model into
`Settings`, the frozen runtime view the rest of the registry uses (durations as timedeltas).

The `[sms]` table (`SmsConfig`) says where SMS go and when: the gateway (SMPP or HTTP), its
address and account, quiet hours in a time zone, the per-number rate limit, retries and the
worker's lease; the gateway's password is read from an owner-only file or the environment.

An optional `[oidc]` table names a ministry's own OpenID provider for staff sign-in
(`OidcConfig`: issuer, client id, the file holding the client secret, the button's words, and
which group is which role at which office, as `[[oidc.groups]]`); without it the office signs
in with passwords and codes only. The secret itself is never in the file: `client_secret_file`
is a path under the data directory, owner-only, read by `registry.office.oidc` at start-up.

The identity (authority names, issuer code, country, currency and its minor units, currency
name, verification address) is configuration only: nothing in the code names a jurisdiction.
A data directory without an `[identity]` table uses the packaged default file's (the pilot).
Nothing here opens a database or touches a key.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from registry.errors import ConfigError
from verifier import trust
from verifier.documents import Bilingual
from verifier.settings_env import unknown_variables

__all__ = [
    "BookingsConfig",
    "CounterPrinterConfig",
    "DataDir",
    "Identity",
    "IdentityConfig",
    "OidcConfig",
    "OidcGroup",
    "PaymentsConfig",
    "RegistryConfig",
    "Settings",
    "SmsConfig",
    "ThrottlePolicy",
    "create_private",
    "default_config_text",
    "default_data_dir",
    "default_identity",
    "load_config",
    "load_settings",
    "open_private",
    "write_private",
]

DB_ENV = "SANAD_REGISTRY_DB"
ENV_PREFIX = "SANAD_REGISTRY_"
DEFAULT_CONFIG = "default-registry.toml"


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


def create_private(path: os.PathLike[str] | str, content: str) -> None:
    """Write a new owner-only (0600) text file whole, never replacing anything at `path`: a
    file, a directory or a symlink (even a dangling one) there raises FileExistsError.

    The text goes to a temporary name (O_EXCL) and is hard-linked into place, so a reader
    never sees a half-written key and, of two processes making one at once, the first wins
    and the second gets FileExistsError (and should read the first's)."""
    final = Path(path)
    tmp = final.with_name(f".{final.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)  # whatever the umask
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, final)  # EEXIST if anything is at `final`; never follows a symlink
    finally:
        os.unlink(tmp)


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
    def counter_printer_dir(self) -> Path:
        """Where the emulated counter printer writes its receipts as PNGs (`[counter_printer]`):
        certificates and PIN mailers, owner-only."""
        return self.root / "counter-printer"

    @property
    def office_key_path(self) -> Path:
        return self.keys_dir / "office.key"

    def office_key(self) -> bytes:
        """The office app's 32-byte secret (the sign-in form's CSRF tokens), made on first use."""
        path = self.office_key_path
        if path.exists():
            raw = bytes.fromhex(path.read_text(encoding="ascii").strip())
            if len(raw) == 32:
                return raw
        self.ensure()
        key = secrets.token_bytes(32)
        write_private(path, key.hex() + "\n")
        return key

    @property
    def staff_secret_key_path(self) -> Path:
        return self.keys_dir / "staff-secrets.key"

    def staff_secret_key(self) -> bytes:
        """The key that seals staff TOTP secrets in the database (`registry.staff.SecretSeal`),
        made on first use; losing it means resetting every staff account's second factor."""
        path = self.staff_secret_key_path
        if path.exists():
            raw = bytes.fromhex(path.read_text(encoding="ascii").strip())
            if len(raw) != 32:
                raise ConfigError(f"{path} does not hold a 32-byte key")
            return raw
        self.ensure()
        key = secrets.token_bytes(32)
        write_private(path, key.hex() + "\n")
        return key

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
        configured = load_config(self).database
        if configured:
            return configured
        return self.sqlite_url


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


# ---------------------------------------------------------------------------------------------
# The identity: configuration, never code


class IdentityConfig(BaseModel):
    """The `[identity]` table: who issues, for which jurisdiction (the trust list's keys 5, 9)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    authority_ar: str = Field(min_length=1, max_length=200)
    authority_en: str = Field(min_length=1, max_length=200)
    issuer: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{0,15}$", description="the CWT issuer code")
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")
    minor_units: int = Field(ge=0, le=4)
    currency_name_ar: str = Field(min_length=1, max_length=40)
    currency_name_en: str = Field(min_length=1, max_length=40)
    verify_url: str = Field(pattern=r"^https://[!-~]+$", max_length=trust.MAX_URL)


@dataclass(frozen=True)
class Identity:
    """The issuing authority and its jurisdiction, as the registry uses them."""

    authority: Bilingual
    issuer: str
    country: str
    currency: str
    minor_units: int
    currency_name: Bilingual
    verify_url: str

    @classmethod
    def from_config(cls, c: IdentityConfig) -> Identity:
        return cls(
            authority=Bilingual(c.authority_ar, c.authority_en),
            issuer=c.issuer,
            country=c.country,
            currency=c.currency,
            minor_units=c.minor_units,
            currency_name=Bilingual(c.currency_name_ar, c.currency_name_en),
            verify_url=c.verify_url,
        )

    def for_trust_list(self) -> trust.Identity:
        """Key 9 of the trust list."""
        return trust.Identity(
            country=self.country,
            currency=self.currency,
            minor_units=self.minor_units,
            verify_url=self.verify_url,
            currency_name=self.currency_name,
        )


def default_config_text() -> str:
    """The packaged default registry.toml (the pilot jurisdiction), as `init` writes it."""
    return (importlib.resources.files("registry") / DEFAULT_CONFIG).read_text(encoding="utf-8")


@functools.cache
def _default_identity_config() -> IdentityConfig:
    raw = tomllib.loads(default_config_text())
    return IdentityConfig(**raw["identity"])


def default_identity() -> Identity:
    """The packaged default file's identity (used when a data directory names none)."""
    return Identity.from_config(_default_identity_config())


class CounterPrinterConfig(BaseModel):
    """The `[counter_printer]` table: the office counter's receipt printer, for certificates
    and PIN mailers (`registry.counter_paper`, `registry.pin_mailer`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # "emulator": the ESC/POS emulator, writing each receipt as a PNG into
    # DATA/counter-printer/; or a printer URL (tcp://, serial://, usb://, file://: hardware.url)
    url: str = Field(default="emulator", min_length=1, max_length=300)
    width: Literal[384, 576] = 576
    profile: str | None = Field(default=None, max_length=40)  # a python-escpos profile name


# ---------------------------------------------------------------------------------------------
# A ministry's own identity provider for staff (optional)

_LOOPBACK_HTTP = r"http://(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?"


class OidcGroup(BaseModel):
    """One `[[oidc.groups]]` entry: members of `group` sign in as `role` at `office`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: str = Field(min_length=1, max_length=200)
    role: Literal["clerk", "registrar", "supervisor", "administrator"]
    office: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")  # as offices.code

    @model_validator(mode="after")
    def _office_bound(self) -> OidcGroup:
        # as `declarations.Staff` requires: clerks and registrars work at one office
        bound = self.role in ("clerk", "registrar")
        if bound != (self.office is not None):
            need = "needs an office" if bound else "takes no office"
            raise ValueError(f"group {self.group!r}: the role {self.role} {need}")
        return self


class OidcConfig(BaseModel):
    """The `[oidc]` table: the ministry's OpenID provider and how its groups map to roles.

    `issuer` is the provider's issuer URL exactly as its discovery document states it (https;
    plain http only on loopback, for tests and the demo). `client_secret_file` is relative to
    the data directory and must be owner-only. `name_ar`/`name_en` label the sign-in button
    ("الدخول عبر <name_ar>"). `groups` are tried in order: list the strongest role first.
    `redirect_uri` is the public callback address when the office sits behind a proxy that
    changes the host (default: the request's own /office/sign-in/oidc/callback)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(pattern=rf"^(https://[!-~]+|{_LOOPBACK_HTTP}(/[!-~]*)?)$", max_length=300)
    client_id: str = Field(min_length=1, max_length=200)
    client_secret_file: str = Field(min_length=1, max_length=300)
    name_ar: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    groups_claim: str = Field(default="groups", min_length=1, max_length=100)
    scope: str = Field(default="openid profile email", pattern=r"^openid( [!-~]+)*$")
    require_mfa: bool = True
    # https, or plain http only to this machine (the demo): the code must not travel in clear
    redirect_uri: str | None = Field(
        default=None, pattern=rf"^(https://[!-~]+|{_LOOPBACK_HTTP}(/[!-~]*)?)$", max_length=500
    )
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    groups: tuple[OidcGroup, ...] = Field(min_length=1, max_length=200)


# ---------------------------------------------------------------------------------------------
# The SMS gateway and outbox (registry.sms)

_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"


class SmsConfig(BaseModel):
    """The `[sms]` table: where SMS go (`registry.sms`) and when they may.

    `gateway` "smpp" (an operator's SMSC, SMPP 3.4), "http" (an SMS HTTP API at `http_url`)
    or "none" (messages stay queued). The SMPP password or HTTP API token is never in the
    file: `password_file` (inside the data directory, owner-only), else the environment
    variable SANAD_SMS_PASSWORD. Quiet hours (`quiet_start` to `quiet_end`, in `time_zone`)
    hold notifications until the morning, never one-time codes; a number gets at most
    `rate_limit` non-urgent messages per `rate_window_minutes` (urgent ones are sent and
    counted). A message is tried `max_attempts` times, waiting `retry_base_seconds * 2^n`
    (at most `retry_max_seconds`) between; a worker's claim lasts `lease_seconds`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gateway: Literal["smpp", "http", "none"] = "smpp"
    host: str = Field(default="127.0.0.1", min_length=1, max_length=255)
    port: int = Field(default=2775, ge=1, le=65535)
    system_id: str = Field(default="sanad", min_length=1, max_length=16)
    system_type: str = Field(default="", max_length=12)
    password_file: str | None = Field(default=None, min_length=1, max_length=300)
    transceiver: bool = True  # bind_transceiver, so delivery receipts come back
    source_addr: str = Field(default="Sanad", min_length=1, max_length=11)
    http_url: str | None = Field(default=None, pattern=r"^https?://[!-~]+$", max_length=300)
    time_zone: str = Field(default="UTC", min_length=1, max_length=64)
    quiet_start: str = Field(default="21:00", pattern=_CLOCK)
    quiet_end: str = Field(default="08:00", pattern=_CLOCK)
    rate_limit: int = Field(default=5, ge=1, le=1000)
    rate_window_minutes: int = Field(default=60, ge=1, le=1440)
    max_attempts: int = Field(default=8, ge=1, le=100)
    retry_base_seconds: float = Field(default=30.0, ge=0, le=3600)
    retry_max_seconds: float = Field(default=3600.0, ge=0, le=86400)
    lease_seconds: float = Field(default=300.0, gt=0, le=3600)
    batch_size: int = Field(default=20, ge=1, le=1000)
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    idle_seconds: float = Field(default=2.0, gt=0, le=300)

    @model_validator(mode="after")
    def _zone_exists(self) -> SmsConfig:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.time_zone!r}") from None
        if self.gateway == "http" and not self.http_url:
            raise ValueError("gateway = http needs http_url")
        return self


# The mobile-money provider (registry.payments)


class PaymentsConfig(BaseModel):
    """The `[payments]` table: the mobile-money provider and how the ledger talks to it.

    The API key and the callback secret are never in this file: they are read from
    `api_key_file` and `callback_secret_file` (relative to the data directory, owner-only,
    made at set-up when missing: `registry.payments.setup`), unless the environment gives
    them (SANAD_REGISTRY_PAYMENTS__API_KEY, SANAD_REGISTRY_PAYMENTS__CALLBACK_SECRET). The
    currency is the identity's. `callback_base_url` is this registry's address as the
    provider reaches it; the callback goes to <it>/api/v1/payments/callback."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str = Field(default="mobile-money", pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    base_url: str = Field(
        default="http://127.0.0.1:8790", pattern=r"^https?://[!-~]+$", max_length=300
    )
    api_key_file: str = Field(default="keys/payments-api.key", min_length=1, max_length=300)
    callback_secret_file: str = Field(
        default="keys/payments-callback.key", min_length=1, max_length=300
    )
    api_key: str | None = Field(default=None, min_length=16, max_length=500)
    callback_secret: str | None = Field(default=None, min_length=32, max_length=500)
    callback_base_url: str = Field(
        default="http://127.0.0.1:8700", pattern=r"^https?://[!-~]+$", max_length=300
    )
    poll_interval_seconds: int = Field(default=60, ge=1, le=86400)
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)


# ---------------------------------------------------------------------------------------------
# The file and the environment


class BookingsConfig(BaseModel):
    """The `[bookings]` table: appointments at the offices (`registry.bookings`).

    Days and times are the office's (its `timezone`), never the server's. `portal_url` is the
    portal's address as a citizen's phone reaches it: SMS links point there."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_days: int = Field(default=60, ge=1, le=366)
    min_notice_minutes: int = Field(default=120, ge=0, le=10080)
    hold_minutes: int = Field(default=5, ge=1, le=60)
    max_active_per_person: int = Field(default=3, ge=1, le=50)
    holds_per_hour: int = Field(default=10, ge=1, le=1000)
    # whose public holidays are never offered; unset: the [identity] country's
    holiday_country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    check_in_early_minutes: int = Field(default=30, ge=0, le=240)
    check_in_late_minutes: int = Field(default=10, ge=0, le=240)
    waitlist_offer_minutes: int = Field(default=30, ge=5, le=1440)
    reminder_hour: int = Field(default=17, ge=0, le=23)  # the day before, office time
    portal_url: str = Field(
        default="http://127.0.0.1:8480", pattern=r"^https?://[!-~]+$", max_length=300
    )
    link_secret_file: str = Field(default="keys/booking-links.key", min_length=1, max_length=300)


class RegistryConfig(BaseSettings):
    """DATA/registry.toml: `[registry]` keys are the fields, `[identity]` the identity; the
    environment overrides both (SANAD_REGISTRY_SESSION_MINUTES,
    SANAD_REGISTRY_IDENTITY__CURRENCY)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    database: str | None = Field(default=None, max_length=500)
    signing_window_days: int = Field(default=90, ge=1, le=3650)
    trust_list_validity_days: int = Field(default=7, ge=1, le=366)
    trust_list_max_age: int = Field(default=300, ge=0, le=86400)
    session_minutes: int = Field(default=5, ge=1, le=120)
    request_skew_seconds: int = Field(default=120, ge=5, le=3600)
    max_pin_failures: int = Field(default=10, ge=1, le=100)
    free_pin_failures: int = Field(default=3, ge=0, le=100)
    pin_base_delay: float = Field(default=1.0, ge=0, le=3600)
    pin_max_delay: float = Field(default=300.0, ge=0, le=86400)
    kiosk_max_failures: int = Field(default=30, ge=1, le=100_000)
    kiosk_window_minutes: int = Field(default=10, ge=1, le=1440)
    pin_opslimit: int = Field(default=2, ge=1, le=64)
    pin_memlimit_kib: int = Field(default=64 * 1024, ge=8, le=4 * 1024 * 1024)
    offline_minutes: int = Field(default=10, ge=1, le=1440)
    minor_age: int = Field(default=18, ge=1, le=30)
    family_law: str | None = Field(default=None, min_length=1, max_length=1000)
    identity: IdentityConfig = Field(default_factory=_default_identity_config)
    counter_printer: CounterPrinterConfig = Field(default_factory=CounterPrinterConfig)
    oidc: OidcConfig | None = None
    sms: SmsConfig = Field(default_factory=SmsConfig)
    payments: PaymentsConfig = Field(default_factory=PaymentsConfig)
    bookings: BookingsConfig = Field(default_factory=BookingsConfig)

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
        return (env_settings, init_settings)


def _file_values(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    unknown = sorted(set(data) - {"registry", *_TABLES})
    if unknown:
        raise ConfigError(
            f"{path}: unknown table or key {', '.join(unknown)!s} "
            "(only [registry], [identity], [counter_printer], [oidc], [sms], [payments] "
            "and [bookings])"
        )
    values: dict[str, Any] = {}
    for table in ("registry", *_TABLES):
        if table in data and not isinstance(data[table], dict):
            raise ConfigError(f"{path}: [{table}] must be a table")
    values.update(data.get("registry", {}))
    for table in _TABLES:
        if table in values:
            raise ConfigError(f"{path}: [registry] has no key {table} (use the [{table}] table)")
        if table in data:
            values[table] = data[table]
    return values


_TABLES = ("identity", "counter_printer", "oidc", "sms", "payments", "bookings")  # + [registry]


def _describe(exc: ValidationError, path: Path) -> str:
    lines = []
    for e in exc.errors()[:10]:
        loc = [str(x) for x in e.get("loc", ())]
        table = loc[0] if loc and loc[0] in _TABLES else None
        where = f"[{table}] {'.'.join(loc[1:])}" if table else ".".join(loc)
        msg = "unknown key" if e.get("type") == "extra_forbidden" else e.get("msg", "invalid")
        lines.append(f"{where or '?'}: {msg}")
    return f"{path} (or {ENV_PREFIX}* in the environment): " + "; ".join(lines)


def load_config(data: DataDir) -> RegistryConfig:
    """The data directory's settings file with the environment's overrides, validated."""
    path = data.config_path
    values = _file_values(path)
    stray = unknown_variables(ENV_PREFIX, RegistryConfig, os.environ, also=("DATA", "DB"))
    if stray:
        raise ConfigError(
            f"unknown environment variable {', '.join(stray)}: no such setting (check the "
            f"spelling; settings are the keys of {path.name}'s [registry] and [identity])"
        )
    try:
        return RegistryConfig(**values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None


@dataclass(frozen=True)
class Settings:
    """What the registry runs with (from `load_settings`; the defaults are the file's)."""

    identity: Identity = field(default_factory=default_identity)
    counter_printer: CounterPrinterConfig = field(default_factory=CounterPrinterConfig)
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
    family_law: Path | None = None  # the office's family-law rules file; None: packaged
    oidc: OidcConfig | None = None  # a ministry's own identity provider for staff
    sms: SmsConfig = field(default_factory=SmsConfig)  # the SMS gateway and outbox
    payments: PaymentsConfig = field(default_factory=PaymentsConfig)  # the mobile-money provider
    bookings: BookingsConfig = field(default_factory=BookingsConfig)  # appointments


def load_settings(data: DataDir) -> Settings:
    """Settings from DATA/registry.toml and the environment (see `RegistryConfig`)."""
    c = load_config(data)
    try:
        throttle = ThrottlePolicy(
            max_failures=c.max_pin_failures,
            free_failures=c.free_pin_failures,
            base_delay=c.pin_base_delay,
            max_delay=c.pin_max_delay,
            kiosk_max_failures=c.kiosk_max_failures,
            kiosk_window=dt.timedelta(minutes=c.kiosk_window_minutes),
        )
    except ConfigError as exc:
        raise ConfigError(f"{data.config_path}: {exc.message}") from None
    return Settings(
        identity=Identity.from_config(c.identity),
        counter_printer=c.counter_printer,
        signing_window=dt.timedelta(days=c.signing_window_days),
        trust_list_validity=dt.timedelta(days=c.trust_list_validity_days),
        trust_list_max_age=c.trust_list_max_age,
        session_ttl=dt.timedelta(minutes=c.session_minutes),
        request_skew=dt.timedelta(seconds=c.request_skew_seconds),
        throttle=throttle,
        pin_opslimit=c.pin_opslimit,
        pin_memlimit=c.pin_memlimit_kib * 1024,
        offline_after=dt.timedelta(minutes=c.offline_minutes),
        minor_age=c.minor_age,
        family_law=data.root / c.family_law if c.family_law else None,
        oidc=c.oidc,
        sms=c.sms,
        payments=c.payments,
        bookings=c.bookings.model_copy(
            update={"holiday_country": c.bookings.holiday_country or c.identity.country}
        ),
    )
