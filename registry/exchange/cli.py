"""`sanad registry agency add|csr-sign|revoke|disable|list` and `sanad registry exchange serve`."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

__all__ = ["make_groups"]


def _ca_dir(data: Any) -> Path:
    return Path(data.keys_dir) / "agency-ca"


def _exchange_key(data: Any) -> Any:
    """The exchange's signing key, made on first use and never replaced (create_private)."""
    from registry.config import create_private
    from registry.exchange.listener import EXCHANGE_KEY
    from verifier.keys import SigningKey, load_signing_key

    path = Path(data.keys_dir) / EXCHANGE_KEY
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            create_private(path, json.dumps(SigningKey.generate().to_jwk(), indent=2) + "\n")
    return load_signing_key(path)


def make_groups(
    data_option: Callable[[Any], Any], errors: Callable[[Any], Any], open_: Callable[..., Any]
) -> tuple[click.Group, click.Group]:
    @click.group()
    def agency() -> None:
        """Agencies that query the registry over the data exchange."""

    @agency.command("add")
    @data_option
    @click.argument("code")
    @click.option("--name-ar", required=True)
    @click.option("--name-latin", required=True)
    @click.option("--contact", required=True)
    @click.option("--basis", "bases", multiple=True, help="BASIS=query,query (repeatable)")
    @click.option(
        "--per-minute", default=60, show_default=True, help="Requests a minute (1 to 100000)."
    )
    @errors
    def add(
        data_dir: Path,
        db_url: str | None,
        code: str,
        name_ar: str,
        name_latin: str,
        contact: str,
        bases: tuple[str, ...],
        per_minute: int,
    ) -> None:
        """Register an agency and the queries each of its legal bases allows."""
        from registry.exchange.agencies import add_agency

        parsed: dict[str, list[str]] = {}
        for b in bases:
            basis, sep, queries = b.partition("=")
            if not sep:
                raise click.UsageError(f"--basis {b!r}: write BASIS=query,query")
            parsed.setdefault(basis, []).extend(q.strip() for q in queries.split(",") if q.strip())
        _, db = open_(data_dir, db_url)
        with db.session() as s:
            add_agency(
                s, code, name_ar, name_latin, contact, parsed, dt.datetime.now(dt.UTC), per_minute
            )
            s.commit()
        click.echo(f"agency {code} added")

    @agency.command("csr-sign")
    @data_option
    @click.argument("code")
    @click.argument("csr", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @errors
    def csr_sign(data_dir: Path, db_url: str | None, code: str, csr: Path, out: Path) -> None:
        """Sign an agency's CSR: a one-year client certificate (the CA is made on first use)."""
        from registry.exchange.agencies import record_certificate
        from registry.exchange.ca import CA_CERT, create_ca, load_ca
        from registry.models import Agency

        data, db = open_(data_dir, db_url)
        now = dt.datetime.now(dt.UTC)
        ca_dir = _ca_dir(data)
        # create_ca refuses (ConfigError) if the key is there without its certificate
        ca = load_ca(ca_dir) if (ca_dir / CA_CERT).exists() else create_ca(ca_dir, now)
        with db.session() as s:
            if s.get(Agency, code) is None:
                raise click.UsageError(f"no agency {code}")
            try:
                issued = ca.sign_csr(csr.read_bytes(), code, now)
            except ValueError as exc:
                raise click.UsageError(f"not a valid CSR: {exc}") from None
            record_certificate(s, code, issued, now)
            s.commit()
        out.write_bytes(issued.pem)
        click.echo(f"certificate {issued.serial} until {issued.not_after:%Y-%m-%d}")

    @agency.command("revoke")
    @data_option
    @click.argument("serial")
    @errors
    def revoke(data_dir: Path, db_url: str | None, serial: str) -> None:
        """Revoke a certificate: refused from the next request on."""
        from registry.exchange.agencies import revoke_certificate

        _, db = open_(data_dir, db_url)
        with db.session() as s:
            try:
                revoke_certificate(s, serial, dt.datetime.now(dt.UTC))
            except LookupError:
                raise click.UsageError(f"no certificate {serial}") from None
            s.commit()
        click.echo(f"certificate {serial} revoked")

    @agency.command("disable")
    @data_option
    @click.argument("code")
    @errors
    def disable(data_dir: Path, db_url: str | None, code: str) -> None:
        """Disable an agency: all its certificates are refused."""
        from registry.exchange.agencies import disable_agency

        _, db = open_(data_dir, db_url)
        with db.session() as s:
            try:
                disable_agency(s, code)
            except LookupError:
                raise click.UsageError(f"no agency {code}") from None
            s.commit()
        click.echo(f"agency {code} disabled")

    @agency.command("list")
    @data_option
    @errors
    def list_(data_dir: Path, db_url: str | None) -> None:
        """The agencies, their state and legal bases."""
        from sqlalchemy import select

        from registry.models import Agency

        _, db = open_(data_dir, db_url)
        with db.session() as s:
            for a in s.execute(select(Agency).order_by(Agency.code)).scalars():
                state = "active" if a.active else "disabled"
                bases = json.loads(a.bases)
                click.echo(f"{a.code}\t{state}\t{a.name_latin}\t{a.name_ar}\t{bases}")

    @click.group()
    def exchange() -> None:
        """The data exchange's own mutual-TLS listener."""

    @exchange.command("serve")
    @data_option
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8443, show_default=True)
    @click.option("--cert", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @click.option("--key", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
    @errors
    def serve(
        data_dir: Path,
        db_url: str | None,
        host: str,
        port: int,
        cert: Path,
        key: Path,
        workers: int,
    ) -> None:
        """Serve the exchange: TLS with a client certificate from the agency CA required."""
        import os

        from registry.exchange.listener import serve as run
        from registry.service import DATA_ENV, DB_ENV

        data, db = open_(data_dir, db_url)  # migrate once, before any worker starts
        db.dispose()
        ca_file = _ca_dir(data) / "agency-ca.pem"
        if not ca_file.exists():
            raise click.UsageError("no agency CA yet: sign an agency's CSR first")
        _exchange_key(data)  # made once here, so every worker reads the same one
        os.environ[DATA_ENV] = str(Path(data.root).resolve())
        if db_url:
            os.environ[DB_ENV] = db_url
        run(host, port, ca_file, cert, key, workers)

    return agency, exchange
