"""`sanad verify ...`: check a printed document from the command line; make development fixtures.

Exit codes (all commands): 0 valid / done, 1 the document is not valid, 2 usage or I/O error.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from verifier.errors import KeyFileError, TrustListError
from verifier.keys import PublicKey, load_public_key
from verifier.presentation import REASONS, display_fields
from verifier.trust import TrustList, load_trust_list
from verifier.verify import Verdict, verify

__all__ = ["group"]

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
_EPILOG = "Exit codes: 0 valid, 1 not valid (any reason), 2 usage or I/O error."


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.group(name="verify", epilog=_EPILOG)
def group() -> None:
    """Verify printed Sanad documents and make development fixtures."""


def _parse_at(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        _fail(f"--at {value!r} is not an ISO-8601 time")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def load_trust(trust_list: Path, root_keys: tuple[Path, ...]) -> TrustList:
    """Read and verify a trust list file against pinned root key files; exit 2 on failure."""
    if not root_keys:
        _fail("no root key pinned: pass --root-key FILE (the authority's public key)")
    try:
        keys: list[PublicKey] = [load_public_key(p) for p in root_keys]
        data = trust_list.read_bytes()
    except KeyFileError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot read trust list {trust_list}: {exc.strerror}")
    try:
        return load_trust_list(data, keys)
    except TrustListError as exc:
        _fail(f"trust list {trust_list} refused: {exc}")


def _read_texts(qr_text: str | None, stdin: bool, image: Path | None) -> list[str]:
    given = sum(x is not None and x is not False for x in (qr_text, image)) + int(stdin)
    if given != 1:
        _fail("give exactly one of QR_TEXT, --stdin or --image PHOTO")
    if stdin:
        return [sys.stdin.read(8192).strip()]
    if image is not None:
        from verifier.qr import ImageError, decode_image

        try:
            texts = decode_image(image)
        except (ImageError, OSError) as exc:
            _fail(f"cannot read image {image}: {exc}")
        if not texts:
            _fail(f"no QR code found in {image}")
        return texts
    assert qr_text is not None
    return [qr_text]


def _print_human(verdict: Verdict) -> None:
    ar, en = REASONS[verdict.status.value]
    colour = "green" if verdict.valid else "red"
    head = "VALID" if verdict.valid else "NOT VALID"
    click.secho(f"{head}: {verdict.reason}", fg=colour, bold=True)
    click.echo(f"  {en} / {ar}")
    claims = verdict.claims
    if claims is not None:
        doc = claims.document
        schema = doc.schema
        title = f"{schema.title_en} / {schema.title_ar}" if schema else f"unknown type {int(doc.type)} (shown raw)"
        click.echo(f"  document: {title}")
        click.echo(f"  serial:   {claims.serial}")
        click.echo(f"  issued:   {claims.issued_at.isoformat()} by {claims.issuer}, kiosk {doc.kiosk}")
        for f in display_fields(doc):
            en_value = f.en.replace("\n", "\n              ")
            click.echo(f"  {f.label_en}: {en_value}")
            if f.ar != f.en:
                click.echo(f"  {f.label_ar}: {f.ar}")
    if verdict.signer is not None:
        click.echo(f"  signer:   {verdict.signer.kid.hex()} ({verdict.signer.status.name.lower()})")
    age = verdict.trust_list_age
    if age is not None:
        click.echo(f"  trust list #{verdict.trust_list_sequence}, {int(age.total_seconds() // 3600)} h old")


@group.command(epilog=_EPILOG)
@click.argument("qr_text", required=False)
@click.option("--stdin", is_flag=True, help="Read the QR text from standard input.")
@click.option("--image", type=click.Path(path_type=Path), help="Decode the QR from a photo or scan.")
@click.option("--trust-list", "trust_list", type=click.Path(path_type=Path), required=True,
              help="The signed trust list file (trust-list.cose).")
@click.option("--root-key", "root_keys", type=click.Path(path_type=Path), multiple=True,
              help="Pinned root public key (JWK file); may be given more than once.")
@click.option("--at", "at", help="Verify as of this ISO-8601 time (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
def check(
    qr_text: str | None,
    stdin: bool,
    image: Path | None,
    trust_list: Path,
    root_keys: tuple[Path, ...],
    at: str | None,
    as_json: bool,
) -> None:
    """Check a printed document's QR text against a trust list."""
    moment = _parse_at(at)
    texts = _read_texts(qr_text, stdin, image)
    trust = load_trust(trust_list, root_keys)
    verdicts = [verify(t, trust, moment) for t in texts]
    if as_json:
        out = [v.to_json() for v in verdicts]
        click.echo(json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False, indent=2))
    else:
        for v in verdicts:
            _print_human(v)
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
