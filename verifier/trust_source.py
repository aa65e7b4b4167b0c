"""Where a verifier gets its trust list: a URL (with ETag and an on-disk cache) or a file.

`TrustSource` holds the newest verified trust list and says where it came from
(`TrustOrigin`: a file, the on-disk cache, or fetched online by this process), when it was
obtained, when the URL last answered, and the last refresh error. It:

- loads the cache at start-up (a cached list that no longer verifies is ignored, not trusted);
- loads a file (a USB stick carried to an offline border post);
- refreshes from any URL that serves the signed list's bytes (the registry serves
  `GET {registry}/api/v1/trust-list` as `application/cose`), sending `If-None-Match`; or,
  given a `fetch` callable (the seam the kiosk uses to fetch through its signed registry
  client), from whatever that callable returns: `fetch(etag held or None)` gives
  ``(bytes, etag)``, or ``(None, etag)`` when the list held is still the published one, and
  raises `FetchError` or `OSError` when it cannot get an answer;
- refuses a list that does not verify against the pinned root keys or goes back in sequence,
  and keeps the one it has (`verifier.trust.TrustStore` does the checking);
- writes every accepted list to the cache atomically, so several worker processes can share
  one cache directory.

It does not schedule or retry anything itself: the service runs `refresh` on a timer and
retries with back-off (stamina), the CLI calls `refresh_sync`. A refused list (bad
signature, rollback, below the pinned `min_sequence`, or the sequence held republished with
other content) is logged as an error, kept in `refused` until a newer list is held, and
reported by `problem_kind` / `status_json` for the service's status, readiness and metrics.
Exceptions:

    VerifierError (verifier.errors)
    ├── TrustListError (verifier.errors)  a list that does not verify, or a rollback
    └── TrustSourceError                  no trust list could be obtained
        └── FetchError                    the URL did not give a list (network, HTTP status,
                                          size); the list already held is kept
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from verifier.errors import KeyFileError, TrustListError, VerifierError
from verifier.keys import PublicKey, load_public_key
from verifier.trust import MAX_TRUST_LIST_BYTES, TrustList, TrustStore

__all__ = [
    "CACHE_FILE",
    "DEFAULT_REFRESH_SECONDS",
    "MAX_KEY_FILE_BYTES",
    "Fetch",
    "FetchError",
    "RefreshOutcome",
    "TrustOrigin",
    "TrustSource",
    "TrustSourceError",
    "TrustState",
    "default_cache_dir",
    "load_root_key",
    "read_capped",
]

log = logging.getLogger(__name__)

CACHE_FILE = "trust-list.cose"
META_FILE = "trust-list.meta.json"
DEFAULT_REFRESH_SECONDS = 900.0
DEFAULT_TIMEOUT_SECONDS = 10.0
_MAX_FETCH_BYTES = MAX_TRUST_LIST_BYTES + 1024


MAX_KEY_FILE_BYTES = 64 * 1024


def read_capped(path: Path, cap: int, what: str) -> bytes:
    """The bytes of a file the verifier reads, refusing more than cap bytes (a device such as
    /dev/zero, a huge or growing file). OSError for an unreadable path; ValueError over cap."""
    with path.open("rb") as f:
        data = f.read(cap + 1)
    if len(data) > cap:
        raise ValueError(f"{what} {path} is larger than {cap} bytes")
    return data


def load_root_key(path: Path) -> PublicKey:
    """A pinned root public key from a JWK file: bounded in size, and every fault (unreadable,
    not JSON, nested too deep, not Ed25519) a KeyFileError with the file's name."""
    try:
        read_capped(path, MAX_KEY_FILE_BYTES, "key file")
        if not path.is_file():
            raise KeyFileError(f"key file {path} is not a regular file")
        return load_public_key(path)
    except KeyFileError:
        raise
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise KeyFileError(str(exc)) from None
    except RecursionError:
        raise KeyFileError(f"{path} is not a JSON key file (nested too deeply)") from None


class TrustSourceError(VerifierError):
    """No trust list could be obtained."""


class FetchError(TrustSourceError):
    """The URL did not give a trust list; whatever list was held is kept."""


# the fetch seam: the ETag of the list held (None for none) -> (the list's bytes, or None when
# the list held is still current; the ETag to send next time)
Fetch = Callable[[str | None], tuple[bytes | None, str | None]]


class TrustOrigin(enum.Enum):
    FILE = "file"  # a file given on the command line
    CACHE = "cache"  # the on-disk cache, read at start-up
    ONLINE = "online"  # fetched from the URL by this process


class RefreshOutcome(enum.Enum):
    UPDATED = "updated"  # a new (or same-sequence) list was verified and is now held
    NOT_MODIFIED = "not_modified"  # 304: the list held is still the published one
    REFUSED = "refused"  # the URL served a list that failed verification or rolled back
    FAILED = "failed"  # network error, HTTP error, or too large


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("sanad")) / "verifier"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class TrustState:
    """The trust list held, and what is known about where and when it came from."""

    trust_list: TrustList
    origin: TrustOrigin
    obtained_at: dt.datetime  # when these bytes were fetched (for the cache: by whoever wrote it)
    url: str | None = None
    etag: str | None = None
    last_contact: dt.datetime | None = None  # last time the URL answered (200 or 304)
    last_error: str | None = None  # why the last refresh failed, None if it worked

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        """How old the list is: time since the authority issued it."""
        return (now or _now()) - self.trust_list.issued_at

    def stale(self, now: dt.datetime | None = None) -> bool:
        """True once the list's next-update time has passed without a newer one."""
        return (now or _now()) > self.trust_list.next_update

    def to_json(self, now: dt.datetime | None = None) -> dict[str, Any]:
        now = now or _now()
        tl = self.trust_list
        return {
            "sequence": tl.sequence,
            "issued_at": tl.issued_at.isoformat(),
            "next_update": tl.next_update.isoformat(),
            "age_seconds": int(self.age(now).total_seconds()),
            "stale": self.stale(now),
            "source": self.origin.value,
            "obtained_at": self.obtained_at.isoformat(),
            "last_contact": _iso(self.last_contact),
            "last_refresh_error": self.last_error,
            "online": self.last_error is None and self.last_contact is not None,
        }


class TrustSource:
    """The newest verified trust list from a URL, a file and an on-disk cache."""

    def __init__(
        self,
        root_keys: Sequence[PublicKey],
        *,
        url: str | None = None,
        cache_dir: Path | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
        min_sequence: int = 0,
        stale_grace: dt.timedelta = dt.timedelta(days=30),
        fetch: Fetch | None = None,
    ) -> None:
        if not root_keys:
            raise TrustSourceError("no root public key is pinned")
        self.root_keys = tuple(root_keys)
        self.url = url  # with `fetch`, the name of where it fetches from (logs, cache meta)
        self.fetch = fetch
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.refresh_seconds = refresh_seconds
        self.min_sequence = min_sequence
        self.stale_grace = stale_grace
        self.state: TrustState | None = None
        self._store = TrustStore(self.root_keys, min_sequence=min_sequence)
        # The last list refused for a reason the operator must act on, until a newer list is
        # held: (when, what was refused and why). Shown by status_json and problem().
        self.refused: tuple[dt.datetime, str] | None = None

    # -- what is held ------------------------------------------------------------------

    @property
    def trust_list(self) -> TrustList:
        if self.state is None:
            raise TrustSourceError("no trust list has been loaded yet")
        return self.state.trust_list

    def _refuse(self, what: str, exc: TrustListError) -> TrustListError:
        self.refused = (_now(), f"{what} refused: {exc}")
        log.error("trust list %s refused: %s", what, exc)
        return exc

    def _hold(self, data: bytes, origin: TrustOrigin, **kw: Any) -> TrustState:
        """Verify data and hold it. TrustListError on a bad signature, a rollback, a list
        below the pinned minimum sequence, or the same sequence with different content."""
        what = origin.value
        previous = self._store.current
        try:
            candidate = self._store.accept(data)
        except TrustListError as exc:
            raise self._refuse(what, exc) from None
        if previous is None or candidate.sequence > previous.sequence:
            self.refused = None
        if previous is not None and candidate.sequence == previous.sequence and self.state:
            # Same list again: keep the original origin's story, just note the contact.
            self.state = replace(self.state, trust_list=candidate, **_contact_only(kw))
        else:
            self.state = TrustState(candidate, origin, **kw)
            log.info(
                "trust list #%d held (from %s, %d signers, %d revoked serials)",
                candidate.sequence,
                origin.value,
                len(candidate.signers),
                len(candidate.revoked_serials),
            )
        return self.state

    def problem(self, now: dt.datetime | None = None) -> str | None:
        """What the operator must act on, or None: a refused list, a stale or expired list."""
        found = self.problem_kind(now)
        return found[1] if found else None

    def problem_kind(self, now: dt.datetime | None = None) -> tuple[str, str] | None:
        """(kind, sentence) of what the operator must act on: "none_held", "expired" (every
        document is refused), "refused" (a list was refused and the older one is kept),
        "stale" (past next-update: genuine documents are unconfirmed); None if all is well."""
        if self.state is None:
            return ("none_held", "no trust list is held")
        now = now or _now()
        next_update = self.state.trust_list.next_update
        if now > next_update + self.stale_grace:
            return "expired", (
                f"the trust list held (#{self.state.trust_list.sequence}) expired on "
                f"{(next_update + self.stale_grace).date().isoformat()}: documents are refused "
                "until a newer list is loaded"
            )
        if self.refused is not None:
            return "refused", self.refused[1]
        if now > next_update:
            return "stale", (
                f"the trust list held (#{self.state.trust_list.sequence}) is past its next "
                f"update ({next_update.date().isoformat()}): revocations since are unknown"
            )
        return None

    def status_json(self, now: dt.datetime | None = None) -> dict[str, Any]:
        """The state as JSON plus `problem` (None when all is well)."""
        assert self.state is not None
        out = self.state.to_json(now)
        found = self.problem_kind(now)
        out["problem"] = found[1] if found else None
        out["problem_kind"] = found[0] if found else None
        out["min_sequence"] = self.min_sequence
        if self.refused is not None:
            out["refused_at"] = self.refused[0].isoformat()
        return out

    # -- the cache ---------------------------------------------------------------------

    def load_cache(self) -> TrustState | None:
        """Hold the cached list if there is one that verifies; None otherwise (never raises)."""
        if self.cache_dir is None:
            return None
        path = self.cache_dir / CACHE_FILE
        try:
            data = read_capped(path, _MAX_FETCH_BYTES, "trust list cache")
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("cannot read the trust list cache %s: %s", path, exc)
            return None
        meta = self._read_meta()
        try:
            obtained = dt.datetime.fromisoformat(str(meta.get("obtained_at")))
        except ValueError:
            obtained = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        etag = meta.get("etag") if meta.get("url") == self.url else None
        try:
            return self._hold(
                data,
                TrustOrigin.CACHE,
                obtained_at=obtained,
                url=meta.get("url") if isinstance(meta.get("url"), str) else None,
                etag=etag if isinstance(etag, str) else None,
            )
        except TrustListError as exc:
            log.warning("the cached trust list %s is not used: %s", path, exc)
            return None

    def _read_meta(self) -> dict[str, Any]:
        assert self.cache_dir is not None
        try:
            raw = read_capped(self.cache_dir / META_FILE, 64 * 1024, "cache metadata")
            meta = json.loads(raw.decode("utf-8"))
        except (OSError, ValueError, RecursionError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def _write_cache(self, data: bytes) -> None:
        if self.cache_dir is None or self.state is None:
            return
        meta = {
            "url": self.state.url,
            "etag": self.state.etag,
            "obtained_at": self.state.obtained_at.isoformat(),
            "sequence": self.state.trust_list.sequence,
        }
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            _atomic_write(self.cache_dir / CACHE_FILE, data)
            _atomic_write(self.cache_dir / META_FILE, json.dumps(meta, indent=2).encode())
        except OSError as exc:
            # A read-only cache must not stop verification: the list is held in memory.
            log.warning("cannot write the trust list cache in %s: %s", self.cache_dir, exc)

    # -- a file ------------------------------------------------------------------------

    def load_file(self, path: Path) -> TrustState:
        """Hold a trust list file (TrustListError if it does not verify or rolls back;
        TrustSourceError if it cannot be read). It is cached like a fetched one."""
        try:
            data = read_capped(path, MAX_TRUST_LIST_BYTES, "trust list")
        except OSError as exc:
            raise TrustSourceError(f"cannot read trust list {path}: {exc.strerror}") from exc
        except ValueError as exc:
            raise TrustSourceError(str(exc)) from None
        before = self.state
        state = self._hold(data, TrustOrigin.FILE, obtained_at=_now())
        if state is not before:
            self._write_cache(data)
        return state

    # -- online ------------------------------------------------------------------------

    def _held_etag(self) -> str | None:
        if self.state is not None and self.state.etag and self.state.url == self.url:
            return self.state.etag
        return None

    def _request_headers(self) -> dict[str, str]:
        headers = {"Accept": "application/cose, application/octet-stream;q=0.9, */*;q=0.1"}
        etag = self._held_etag()
        if etag:
            headers["If-None-Match"] = etag
        return headers

    def _refresh_fetched(self, fetch: Fetch) -> RefreshOutcome:
        """One refresh through the `fetch` seam: the same checks and refusals as a URL's."""
        try:
            body, etag = fetch(self._held_etag())
        except (FetchError, OSError) as exc:
            return self._failed(str(exc) or type(exc).__name__)
        if body is None:
            return self._apply(304, etag, None)
        if len(body) > _MAX_FETCH_BYTES:
            return self._failed("the trust list is larger than allowed")
        return self._apply(200, etag, body)

    def _apply(self, status: int, etag: str | None, body: bytes | None) -> RefreshOutcome:
        """Act on a URL's answer (status, ETag header, body); the pure-ish half of refresh."""
        now = _now()
        if status == 304 and self.state is not None:
            self.state = replace(self.state, last_contact=now, last_error=None)
            return RefreshOutcome.NOT_MODIFIED
        if status != 200 or body is None:
            return self._failed(f"the trust list URL answered HTTP {status}")
        try:
            before = self.state
            state = self._hold(
                body,
                TrustOrigin.ONLINE,
                obtained_at=now,
                url=self.url,
                etag=etag,
                last_contact=now,
                last_error=None,
            )
        except TrustListError as exc:
            log.warning("trust list from %s refused, the one held is kept: %s", self.url, exc)
            if self.state is not None:
                self.state = replace(self.state, last_contact=now, last_error=f"refused: {exc}")
            return RefreshOutcome.REFUSED
        if state is not before:
            self._write_cache(body)
        return RefreshOutcome.UPDATED

    def _failed(self, why: str) -> RefreshOutcome:
        log.warning("trust list refresh from %s failed: %s", self.url, why)
        if self.state is not None:
            self.state = replace(self.state, last_error=why)
        return RefreshOutcome.FAILED

    async def refresh(self, client: httpx.AsyncClient | None = None) -> RefreshOutcome:
        """Fetch the URL once and act on the answer. Never raises for network trouble."""
        if self.url is None:
            raise TrustSourceError("no trust list URL is configured")
        own = client is None
        client = client or httpx.AsyncClient(timeout=self.timeout)
        try:
            async with client.stream("GET", self.url, headers=self._request_headers()) as resp:
                body = None
                if resp.status_code == 200:
                    body = bytearray()
                    async for chunk in resp.aiter_bytes():
                        body += chunk
                        if len(body) > _MAX_FETCH_BYTES:
                            return self._failed("the trust list is larger than allowed")
                return self._apply(
                    resp.status_code, resp.headers.get("etag"), bytes(body) if body else None
                )
        except httpx.HTTPError as exc:
            return self._failed(_describe(exc))
        finally:
            if own:
                await client.aclose()

    def refresh_sync(self, client: httpx.Client | None = None) -> RefreshOutcome:
        """`refresh` for synchronous callers (the CLI, the desk scanner, the kiosk). With a
        `fetch` seam (and no client given), fetches through it."""
        if self.fetch is not None and client is None:
            return self._refresh_fetched(self.fetch)
        if self.url is None:
            raise TrustSourceError("no trust list URL is configured")
        own = client is None
        client = client or httpx.Client(timeout=self.timeout)
        try:
            with client.stream("GET", self.url, headers=self._request_headers()) as resp:
                body = None
                if resp.status_code == 200:
                    body = bytearray()
                    for chunk in resp.iter_bytes():
                        body += chunk
                        if len(body) > _MAX_FETCH_BYTES:
                            return self._failed("the trust list is larger than allowed")
                return self._apply(
                    resp.status_code, resp.headers.get("etag"), bytes(body) if body else None
                )
        except httpx.HTTPError as exc:
            return self._failed(_describe(exc))
        finally:
            if own:
                client.close()


def _contact_only(kw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if k in ("last_contact", "last_error", "etag")}


def _describe(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "the trust list URL did not answer in time"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect to the trust list URL"
    return f"fetching the trust list failed ({type(exc).__name__})"


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
