"""`sanad verify ...`: check printed documents from the command line, a desk scanner or a service.

Commands: `check` (one QR text, photo or stdin), `scan` (a serial desk scanner, one line per
scan), `serve` (the HTTP API and web page), `dev-fixtures` (keys and samples for development).
The trust list comes from a file (`--trust-list`), a URL (`--trust-url`, cached on disk and
used offline when the URL cannot be reached), or both.

Exit codes (all commands): 0 valid / done, 1 the document is not valid, 2 usage or I/O error.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from verifier.errors import KeyFileError, TrustListError
from verifier.keys import PublicKey
from verifier.presentation import display_fields, issue_fields
from verifier.qr import normalise_qr_text
from verifier.scanner import verify_typed
from verifier.service_words import officer_message
from verifier.trust_source import (
    DEFAULT_REFRESH_SECONDS,
    RefreshOutcome,
    TrustSource,
    TrustSourceError,
    default_cache_dir,
    load_root_key,
    read_capped,
)
from verifier.verify import DEFAULT_STALE_GRACE, Verdict

__all__ = ["group"]

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
_EPILOG = "Exit codes: 0 valid, 1 not valid (any reason), 2 usage or I/O error."


MAX_STDIN_BYTES = 8192  # longer than any QR text (4,296 characters at most)
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_PIXELS = 24_000_000


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


_GRACE_OPTION = click.option(
    "--stale-grace-days",
    "stale_grace_days",
    type=click.FloatRange(min=0),
    default=DEFAULT_STALE_GRACE.total_seconds() / 86400,
    show_default=True,
    help="Days past the trust list's next update during which a genuine document is "
    "NOT CONFIRMED (exit 1) rather than refused.",
)


class _Guarded(click.Group):
    """Every failure a command does not handle itself ends as exit 2 with one line, never a
    traceback (a file nested too deeply to parse, a device that never ends, a full disk)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(EXIT_USAGE)
        except RecursionError:
            _fail("an input is nested too deeply to read")
        except MemoryError:
            _fail("an input is too large to read")
        except OSError as exc:
            _fail(f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}")
        except Exception as exc:  # the last line of defence: a message, exit 2
            _fail(f"unexpected {type(exc).__name__}: {str(exc)[:200]}")


@click.group(name="verify", cls=_Guarded, epilog=_EPILOG)
def group() -> None:
    """Verify printed Sanad documents: one at a time, from a desk scanner, or as a web service."""


def _parse_at(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        _fail(f"--at {value!r} is not an ISO-8601 time")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _root_keys(root_keys: tuple[Path, ...]) -> list[PublicKey]:
    if not root_keys:
        _fail("no root key pinned: pass --root-key FILE (the authority's public key)")
    try:
        return [load_root_key(p) for p in root_keys]
    except KeyFileError as exc:
        _fail(str(exc))


def obtain_trust(
    trust_list: Path | None,
    trust_url: str | None,
    cache_dir: Path | None,
    root_keys: tuple[Path, ...],
    min_sequence: int = 0,
) -> TrustSource:
    """A TrustSource holding a verified list from the file, the URL or the cache; exit 2 if
    none can be had. Offline, the cached list is used and a warning says how old it is."""
    if trust_list is None and trust_url is None:
        _fail("give --trust-list FILE or --trust-url URL (or both)")
    if trust_url is not None and not trust_url.startswith(("http://", "https://")):
        _fail(f"--trust-url {trust_url!r} is not an http(s) URL")
    keys = _root_keys(root_keys)
    if trust_url is not None and cache_dir is None:
        cache_dir = default_cache_dir()
    source = TrustSource(keys, url=trust_url, cache_dir=cache_dir, min_sequence=min_sequence)
    source.load_cache()
    if trust_list is not None:
        try:
            source.load_file(trust_list)
        except TrustSourceError as exc:
            _fail(str(exc))
        except TrustListError as exc:
            if source.state is None:
                _fail(f"trust list {trust_list} refused: {exc}")
            click.echo(f"warning: trust list {trust_list} not used: {exc}", err=True)
    if trust_url is not None:
        outcome = source.refresh_sync()
        state = source.state
        if state is None:
            _fail(
                f"no trust list: {trust_url} gave none ({_last_error(source)}) and none is cached"
            )
        if outcome in (RefreshOutcome.FAILED, RefreshOutcome.REFUSED):
            hours = state.age().total_seconds() / 3600
            click.echo(
                f"warning: {state.last_error}; using the {state.origin.value} trust list "
                f"#{state.trust_list.sequence}, issued {hours:.1f} h ago",
                err=True,
            )
    return source


def _last_error(source: TrustSource) -> str:
    return "see the log" if source.state is None else str(source.state.last_error)


def trust_options(f: Any) -> Any:
    """The trust list options `check` and `scan` share."""
    for option in reversed(
        (
            click.option(
                "--trust-list",
                "trust_list",
                type=click.Path(path_type=Path),
                help="The signed trust list file (trust-list.cose).",
            ),
            click.option(
                "--trust-url",
                "trust_url",
                metavar="URL",
                help="Fetch the trust list from this URL (e.g. "
                "https://registry/api/v1/trust-list); cached, used offline.",
            ),
            click.option(
                "--cache-dir",
                "cache_dir",
                type=click.Path(path_type=Path),
                help="Trust list cache directory (default: the user cache dir).",
            ),
            click.option(
                "--root-key",
                "root_keys",
                type=click.Path(path_type=Path),
                multiple=True,
                help="Pinned root public key (JWK file); may be given more than once.",
            ),
            click.option(
                "--min-sequence",
                "min_sequence",
                type=click.IntRange(min=0),
                default=0,
                help="Refuse any trust list below this sequence number.",
            ),
        )
    ):
        f = option(f)
    return f


def _read_texts(qr_text: str | None, stdin: bool, image: Path | None) -> list[str]:
    given = sum(x is not None for x in (qr_text, image)) + int(stdin)
    if given != 1:
        _fail("give exactly one of QR_TEXT, --stdin or --image PHOTO")
    if stdin:
        data = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
        if len(data) > MAX_STDIN_BYTES:
            _fail(f"standard input holds more than {MAX_STDIN_BYTES} bytes: not a QR text")
        try:
            return [normalise_qr_text(data.decode("utf-8"))]
        except UnicodeDecodeError:
            _fail("standard input is not text (UTF-8)")
    if image is not None:
        from verifier.qr import ImageError
        from verifier.service.images import ImageRefused, decode_bounded

        try:
            raw = read_capped(image, MAX_IMAGE_BYTES, "image")
            texts = decode_bounded(raw, max_pixels=MAX_IMAGE_PIXELS)
        except OSError as exc:
            _fail(f"cannot read image {image}: {exc.strerror or exc}")
        except ImageRefused as exc:
            _fail(f"image {image} refused: {exc.message}")
        except (ImageError, ValueError) as exc:
            _fail(f"cannot read image {image}: {exc}")
        if not texts:
            _fail(f"no QR code found in {image}")
        return [normalise_qr_text(t) for t in texts]
    assert qr_text is not None
    return [normalise_qr_text(qr_text)]


_COLOURS = {"valid": "green", "unconfirmed": "yellow", "not_valid": "red"}


def _print_human(verdict: Verdict, out: dict[str, Any]) -> None:
    """The verdict as an officer reads it: headline, what it means, what to do, then the
    document's lines labelled as the paper prints them."""
    words = officer_message(out)
    colour = _COLOURS[words["outcome"]]
    click.secho(f"{words['headline']['en']}: {words['meaning']['en']}", fg=colour, bold=True)
    click.echo(f"  {words['action']['en']}")
    click.echo(f"  {words['headline']['ar']}: {words['meaning']['ar']}")
    click.echo(f"  {words['action']['ar']}")
    if words["note"]:
        click.secho(f"  {words['note']['en']}", fg="yellow")
        click.echo(f"  {words['note']['ar']}")
    claims = verdict.claims
    if claims is not None:
        doc = claims.document
        schema = doc.schema
        title = (
            f"{schema.title_en} / {schema.title_ar}"
            if schema
            else f"unknown type {int(doc.type)} (shown raw)"
        )
        click.echo(f"  document: {title}")
        for f in [*issue_fields(claims), *display_fields(doc)]:
            en_value = f.en.replace("\n", "\n              ")
            click.echo(f"  {f.label_en}: {en_value}")
            if f.ar != f.en or f.label_ar != f.label_en:
                click.echo(f"  {f.label_ar}: {f.ar}")
    if verdict.signer is not None:
        click.echo(f"  signer:   {verdict.signer.kid.hex()} ({verdict.signer.status.name.lower()})")
    age = verdict.trust_list_age
    if age is not None:
        click.echo(
            f"  trust list #{verdict.trust_list_sequence}, {int(age.total_seconds() // 3600)} h old"
        )


@group.command(epilog=_EPILOG)
@click.argument("qr_text", required=False)
@click.option("--stdin", is_flag=True, help="Read the QR text from standard input.")
@click.option(
    "--image", type=click.Path(path_type=Path), help="Decode the QR from a photo or scan."
)
@trust_options
@click.option("--at", "at", help="Verify as of this ISO-8601 time (default: now).")
@_GRACE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
def check(
    qr_text: str | None,
    stdin: bool,
    image: Path | None,
    trust_list: Path | None,
    trust_url: str | None,
    cache_dir: Path | None,
    root_keys: tuple[Path, ...],
    min_sequence: int,
    at: str | None,
    stale_grace_days: float,
    as_json: bool,
) -> None:
    """Check a printed document's QR text against a trust list (a file, a URL, or both)."""
    moment = _parse_at(at)
    texts = _read_texts(qr_text, stdin, image)
    source = obtain_trust(trust_list, trust_url, cache_dir, root_keys, min_sequence)
    trust = source.trust_list
    grace = dt.timedelta(days=stale_grace_days)
    typed = [verify_typed(t, trust, moment, stale_grace=grace) for t in texts]
    verdicts = [v for v, _ in typed]
    out = [{**v.to_json(), "input": note} for v, note in typed]
    if source.state is not None:
        for o in out:
            o["trust_list"] = {**o["trust_list"], **source.state.to_json(moment)}
    if as_json:
        for o in out:
            o["officer"] = officer_message(o)
        click.echo(json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False, indent=2))
    else:
        for v, o in zip(verdicts, out, strict=True):
            _print_human(v, o)
        if source.state is not None:
            offline = ", offline" if source.state.last_error else ""
            click.echo(f"  trust list source: {source.state.origin.value}{offline}")
    sys.exit(EXIT_VALID if all(v.valid for v in verdicts) else EXIT_INVALID)


@group.command("dev-fixtures", epilog=_EPILOG)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Directory to write.")
@click.option("--json", "as_json", is_flag=True, help="Print the paths as JSON.")
def dev_fixtures(out: Path, as_json: bool) -> None:
    """Make a root key, a signer key, a trust list and a signed sample of every document type.

    For development only: the keys are fresh and unprotected.
    """
    from verifier.fixtures import make_dev_fixtures

    try:
        made = make_dev_fixtures(out)
    except OSError as exc:
        _fail(f"cannot write fixtures to {out}: {exc.strerror}")
    if as_json:
        click.echo(json.dumps(made.to_json(), indent=2))
        return
    click.echo(f"trust list: {made.trust_list}")
    click.echo(f"root key:   {made.root_key}")
    for name, path in made.samples.items():
        click.echo(f"sample {name}: {path}")
    click.echo(
        f"try: sanad verify check --stdin --trust-list {made.trust_list} --root-key {made.root_key}"
        f" < {next(iter(made.samples.values()))}"
    )


@group.command(epilog=_EPILOG)
@click.option(
    "--serial",
    "port",
    required=True,
    metavar="PORT",
    help="The scanner's serial port: /dev/ttyACM0, /dev/ttyUSB0, a pty, or a pyserial "
    "URL such as socket://host:port.",
)
@click.option("--baud", default=9600, show_default=True, help="Baud rate (set on the scanner too).")
@click.option(
    "--beep", is_flag=True, help="Ring the terminal bell: once if valid, three times if not."
)
@trust_options
@click.option(
    "--refresh",
    "refresh_seconds",
    type=float,
    default=DEFAULT_REFRESH_SECONDS,
    show_default=True,
    help="With --trust-url: seconds between trust list refreshes.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "ar"]),
    default="en",
    show_default=True,
    help="Language of the line shown per scan.",
)
@click.option("--json", "as_json", is_flag=True, help="Print each verdict as one line of JSON.")
@click.option(
    "--max-scans",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many scans (default: run until interrupted).",
)
def scan(
    port: str,
    baud: int,
    beep: bool,
    trust_list: Path | None,
    trust_url: str | None,
    cache_dir: Path | None,
    root_keys: tuple[Path, ...],
    min_sequence: int,
    refresh_seconds: float,
    lang: str,
    as_json: bool,
    max_scans: int | None,
) -> None:
    """Verify every code a serial desk scanner reads, one line per scan, until interrupted."""
    import time

    from verifier.scanner import open_port, scan_lines, verdict_line

    source = obtain_trust(trust_list, trust_url, cache_dir, root_keys, min_sequence)
    source.refresh_seconds = refresh_seconds
    try:
        conn = open_port(port, baud)
    except (OSError, ValueError) as exc:
        _fail(f"cannot open scanner port {port}: {exc}")
    state = source.state
    assert state is not None
    scans = [0]
    next_refresh = time.monotonic() + refresh_seconds
    try:
        click.echo(
            f"ready: scanning on {port}; trust list #{state.trust_list.sequence} "
            f"({state.origin.value}, issued {state.age().total_seconds() / 3600:.1f} h ago). "
            "Ctrl-C to stop.",
            err=True,
        )
        for text in scan_lines(conn, lambda: max_scans is not None and scans[0] >= max_scans):
            if trust_url is not None and time.monotonic() >= next_refresh:
                source.refresh_sync()
                next_refresh = time.monotonic() + refresh_seconds
            if not text:
                continue
            scans[0] += 1
            verdict, note = verify_typed(text, source.trust_list)
            if as_json:
                out = {**verdict.to_json(), "input": note}
                assert source.state is not None
                out["trust_list"] = {**out["trust_list"], **source.state.to_json()}
                click.echo(json.dumps(out, ensure_ascii=False))
            else:
                colour = "green" if verdict.valid else "red"
                click.secho(verdict_line(verdict, lang, note), fg=colour, bold=True)
            if beep:
                click.echo("\a" * (1 if verdict.valid else 3), nl=False)
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        _fail(f"scanner port {port} failed: {exc}")
    finally:
        conn.close()


@group.command(epilog=_EPILOG)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    help="A TOML file with the service's settings (SANAD_VERIFY_* environment variables "
    "override it; the options below override both). See docs/verifier-service.md.",
)
@click.option(
    "--root-key",
    "root_keys",
    type=click.Path(path_type=Path),
    multiple=True,
    help="Pinned root public key (JWK file); may be given more than once.",
)
@click.option(
    "--trust-url",
    "trust_url",
    metavar="URL",
    help="Fetch the trust list from this URL and refresh it on a schedule.",
)
@click.option(
    "--trust-list",
    "trust_list",
    type=click.Path(path_type=Path),
    help="A signed trust list file (used until the URL gives a newer one).",
)
@click.option(
    "--cache-dir",
    "cache_dir",
    type=click.Path(path_type=Path),
    help="Trust list cache directory (default: the user cache dir).",
)
@click.option(
    "--refresh",
    "refresh_seconds",
    type=click.FloatRange(min=1),
    help=f"Seconds between trust list refreshes [default: {DEFAULT_REFRESH_SECONDS:g}].",
)
@click.option(
    "--min-sequence",
    "min_sequence",
    type=click.IntRange(min=0),
    help="Refuse any trust list below this sequence number (pin it on a verifier with no "
    "cache) [default: 0].",
)
@click.option(
    "--stale-grace-days",
    "stale_grace_days",
    type=click.FloatRange(min=0),
    help="Days past the trust list's next update during which genuine documents show as "
    "NOT CONFIRMED before they are refused [default: 30].",
)
@click.option(
    "--status-url",
    "status_url",
    metavar="URL",
    help="Registry base URL for the optional online status check of each document.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes."
)
@click.option(
    "--rate-limit",
    "rate_limit",
    type=click.IntRange(min=0),
    help="Requests per minute per client address (0: off) [default: 600].",
)
@click.option(
    "--clear-after",
    "clear_after",
    type=click.IntRange(5, 3600),
    help="Seconds before the page clears a verdict [default: 60].",
)
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
def serve(
    config_file: Path | None,
    root_keys: tuple[Path, ...],
    trust_url: str | None,
    trust_list: Path | None,
    cache_dir: Path | None,
    refresh_seconds: float | None,
    min_sequence: int | None,
    stale_grace_days: float | None,
    status_url: str | None,
    host: str,
    port: int,
    workers: int,
    rate_limit: int | None,
    clear_after: int | None,
    log_level: str,
) -> None:
    """Run the verification service: the HTTP API, the web page and metrics."""
    from verifier.service import ConfigError, ConfigErrors, check_config, load_config
    from verifier.service import serve as run

    given: dict[str, Any] = {
        "root_keys": tuple(str(p.resolve()) for p in root_keys) or None,
        "trust_url": trust_url,
        "trust_file": str(trust_list.resolve()) if trust_list else None,
        "cache_dir": str(cache_dir.resolve()) if cache_dir else None,
        "refresh_seconds": refresh_seconds,
        "min_sequence": min_sequence,
        "stale_grace_days": stale_grace_days,
        "status_url": status_url,
        "rate_per_minute": rate_limit,
        "clear_after_seconds": clear_after,
    }
    try:
        config = load_config(config_file, **{k: v for k, v in given.items() if v is not None})
    except ConfigError as exc:
        message = str(exc)
        if "root_keys: Field required" in message:
            message = "no root key pinned: pass --root-key FILE (the authority's public key)"
        _fail(message)
    if config.trust_url is not None and config.cache_dir is None:
        config = config.model_copy(update={"cache_dir": str(default_cache_dir())})
    try:
        check_config(config)
    except ConfigErrors as exc:
        _fail(str(exc))
    click.echo(f"serving on http://{host}:{port}/ with {workers} worker(s)", err=True)
    run(config, host=host, port=port, workers=workers, log_level=log_level)
