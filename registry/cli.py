"""`sanad registry ...`: set up, run and administer the registry.

Exit codes: 0 ok, 1 the check failed (`audit verify` found tampering), 2 usage or I/O error.
Every command takes `--data DIR` (default $SANAD_REGISTRY_DATA, else the platform's data
directory) and `--db URL` (default: the data directory's setting, else its SQLite file).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from registry.config import DataDir, default_data_dir, load_settings
from registry.errors import RegistryError
from registry.exchange import cli as exchange_cli
from registry.orders import cli as orders_cli
from registry.payments import cli as payments_cli
from registry.payments import setup as payment_secrets
from registry.transparency import keys as transparency_keys
from verifier.errors import VerifierError

__all__ = ["group"]

F = TypeVar("F", bound=Callable[..., Any])
EPILOG = "Exit codes: 0 ok, 1 the check failed, 2 usage or I/O error."


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (RegistryError, VerifierError) as exc:
            _fail(str(exc) or type(exc).__name__)
        except OSError as exc:
            _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        return None

    return wrapper  # type: ignore[return-value]


def _data_option(fn: F) -> F:
    fn = click.option(
        "--db",
        "db_url",
        default=None,
        metavar="URL",
        help="sqlite:///FILE or postgresql+psycopg://USER@HOST/DB",
    )(fn)
    return click.option(
        "--data",
        "data_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=lambda: os.environ.get("SANAD_REGISTRY_DATA") or str(default_data_dir()),
        show_default="$SANAD_REGISTRY_DATA or the platform data directory",
        help="The registry's data directory.",
    )(fn)


def _open(data_dir: Path, db_url: str | None) -> tuple[DataDir, Any]:
    from registry.db import Database

    data = DataDir(data_dir)
    if not data.root.exists():
        raise click.UsageError(f"{data.root} does not exist: run `sanad registry init` first")
    db = Database(data.database_url(db_url), pool_size=2)
    db.migrate()
    return data, db


@click.group(epilog=EPILOG)
def group() -> None:
    """The civil registry: records, keys, trust list, kiosks, issuance and audit."""


@group.command(epilog=EPILOG)
@_data_option
@click.option(
    "--demo",
    type=click.IntRange(0, 1_000_000),
    default=0,
    metavar="N",
    help="Generate a demo population of N persons.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the population.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_errors
def init(data_dir: Path, db_url: str | None, demo: int, seed: int, as_json: bool) -> None:
    """Create or upgrade a data directory: schema, keys, trust list, optional demo data.

    Demo PINs are listed in DATA/demo-citizens.csv and hashed at a cheap Argon2id cost,
    re-hashed at the production cost on each citizen's first login.
    """
    from registry.seed import initialise

    data = DataDir(data_dir)

    def progress(n: int) -> None:
        if not as_json:
            click.echo(f"\r  inserted {n}/{demo} persons", nl=False, err=True)

    result = initialise(
        data,
        database_url=db_url,
        demo=demo,
        seed=seed,
        settings=load_settings(data),
        progress=progress,
    )
    if demo and not as_json:
        click.echo("", err=True)
    if as_json:
        click.echo(json.dumps(result.__dict__ | {"data": str(data.root)}, indent=2))
        return
    click.echo(f"registry data directory: {data.root}")
    click.echo(f"database: {result.database_url.split('@')[-1]}")
    click.echo(f"root key {result.root_kid}; document signer {result.signer_kid}")
    if result.trust_list_sequence is None:
        click.echo("trust list not published: the root private key is not in the data directory")
    else:
        click.echo(f"trust list #{result.trust_list_sequence}: {data.trust_list_path}")
    if demo:
        click.echo(
            f"{result.persons_added} persons, {result.credentials_added} with a PIN; "
            f"national IDs and PINs in {result.demo_citizens}"
        )


@group.command(epilog=EPILOG)
@_data_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8700, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@_errors
def serve(data_dir: Path, db_url: str | None, host: str, port: int, workers: int) -> None:
    """Run the HTTP API (FastAPI on uvicorn)."""
    import uvicorn

    from registry.service import DATA_ENV, DB_ENV

    data, db = _open(data_dir, db_url)  # migrate once, before any worker starts
    db.dispose()
    data.office_key()  # made once here, so every worker reads the same ones
    data.staff_secret_key()
    payment_secrets.ensure_secrets(data, load_settings(data).payments)
    transparency_keys.checkpoint_key(data)
    os.environ[DATA_ENV] = str(data.root.resolve())
    if db_url:
        os.environ[DB_ENV] = db_url
    uvicorn.run(
        "registry.service:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


# -- keys ------------------------------------------------------------------------------------


@group.group(epilog=EPILOG)
def keys() -> None:
    """The root key and the document-signer keys (every change republishes the trust list)."""


def _print_signers(db: Any) -> None:
    from sqlalchemy import select

    from registry.keyring import current_signer
    from registry.models import RootKey, Signer
    from verifier.trust import SignerStatus

    with db.session() as s:
        for r in s.execute(select(RootKey).order_by(RootKey.created_at)).scalars():
            click.echo(f"root   {r.kid}  {'active' if r.active else 'replaced'}")
        cur = current_signer(s)
        for sg in s.execute(select(Signer).order_by(Signer.created_at)).scalars():
            status = SignerStatus(sg.status).name.lower()
            extra = f" from {sg.revoked_at.isoformat()}" if sg.revoked_at else ""
            mark = "  (current)" if cur is not None and cur.kid == sg.kid else ""
            click.echo(
                f"signer {sg.kid}  {status}{extra}  window {sg.not_before.isoformat()} .. "
                f"{sg.not_after.isoformat()}{mark}"
            )


@keys.command("list", epilog=EPILOG)
@_data_option
@_errors
def keys_list(data_dir: Path, db_url: str | None) -> None:
    """List the root and signer keys."""
    _, db = _open(data_dir, db_url)
    _print_signers(db)


@keys.command("create-root", epilog=EPILOG)
@_data_option
@click.option("--force", is_flag=True, help="Replace an existing root key.")
@_errors
def keys_create_root(data_dir: Path, db_url: str | None, force: bool) -> None:
    """Create the root key that signs the trust list (verifiers pin its public half)."""
    from registry import keyring

    data, db = _open(data_dir, db_url)
    with db.session() as s:
        row = keyring.create_root(s, data, force=force)
        s.flush()
        pub = keyring.publish_trust_list(s, data, load_settings(data))
    click.echo(f"root key {row.kid}; public key for verifiers: {data.root_public_key_path}")
    click.echo(f"trust list #{pub.sequence} published")


_window_option = click.option(
    "--window-days",
    type=click.IntRange(1, 3650),
    default=None,
    help="Signing window in days (default 90).",
)


def _window(days: int | None) -> dt.timedelta | None:
    return dt.timedelta(days=days) if days else None


@keys.command("create-signer", epilog=EPILOG)
@_data_option
@_window_option
@_errors
def keys_create_signer(data_dir: Path, db_url: str | None, window_days: int | None) -> None:
    """Create a document-signer key, active from now."""
    from registry import keyring

    data, db = _open(data_dir, db_url)
    settings = load_settings(data)
    with db.session() as s:
        row = keyring.create_signer(s, data, settings, window=_window(window_days))
        s.flush()
        pub = keyring.publish_trust_list(s, data, settings)
    click.echo(f"signer {row.kid} until {row.not_after.isoformat()}; trust list #{pub.sequence}")


@keys.command("rotate", epilog=EPILOG)
@_data_option
@_window_option
@_errors
def keys_rotate(data_dir: Path, db_url: str | None, window_days: int | None) -> None:
    """Retire the current signer(s) and create a new one."""
    from registry import keyring

    data, db = _open(data_dir, db_url)
    settings = load_settings(data)
    with db.session() as s:
        row = keyring.rotate_signer(s, data, settings, window=_window(window_days))
        s.flush()
        pub = keyring.publish_trust_list(s, data, settings)
    click.echo(
        f"new signer {row.kid} until {row.not_after.isoformat()}; trust list #{pub.sequence}"
    )


@keys.command("retire", epilog=EPILOG)
@_data_option
@click.argument("kid")
@_errors
def keys_retire(data_dir: Path, db_url: str | None, kid: str) -> None:
    """Stop a signer signing; what it signed stays valid."""
    from registry import keyring

    data, db = _open(data_dir, db_url)
    with db.session() as s:
        row = keyring.retire_signer(s, kid)
        s.flush()
        pub = keyring.publish_trust_list(s, data, load_settings(data))
    click.echo(f"signer {row.kid} retired; trust list #{pub.sequence}")


@keys.command("revoke", epilog=EPILOG)
@_data_option
@click.argument("kid")
@click.option(
    "--from",
    "from_",
    required=True,
    metavar="ISO-8601",
    help="Documents signed from this moment on are not valid (e.g. 2026-11-01T00:00Z).",
)
@click.option("--no-replace", is_flag=True, help="Do not create a replacement signer.")
@_errors
def keys_revoke(data_dir: Path, db_url: str | None, kid: str, from_: str, no_replace: bool) -> None:
    """Revoke a compromised signer from a moment."""
    from registry import keyring

    try:
        moment = dt.datetime.fromisoformat(from_.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter("not an ISO 8601 time", param_hint="--from") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    data, db = _open(data_dir, db_url)
    settings = load_settings(data)
    with db.session() as s:
        row, new = keyring.revoke_signer(
            s, data, settings, kid, from_=moment, replace=not no_replace
        )
        s.flush()
        pub = keyring.publish_trust_list(s, data, settings)
    click.echo(f"signer {row.kid} revoked from {moment.isoformat()}; trust list #{pub.sequence}")
    if new is not None:
        click.echo(f"replacement signer {new.kid}")


@group.command("trust-list", epilog=EPILOG)
@_data_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the signed trust list (application/cose).",
)
@_errors
def trust_list(data_dir: Path, db_url: str | None, out: Path) -> None:
    """Export the latest trust list, e.g. for an offline border post."""
    from registry import keyring

    _, db = _open(data_dir, db_url)
    with db.session() as s:
        latest = keyring.latest_trust_list(s)
    if latest is None:
        _fail("no trust list has been published yet")
        return
    keyring.write_file(out, latest.data)
    click.echo(f"trust list #{latest.sequence} ({len(latest.data)} bytes) written to {out}")


# -- kiosks ----------------------------------------------------------------------------------


@group.group(epilog=EPILOG)
def kiosk() -> None:
    """Enrol and revoke kiosks."""


@kiosk.command("keygen", epilog=EPILOG)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Private key file to write (0600); the public key goes beside it (.pub.jwk).",
)
@_errors
def kiosk_keygen(out: Path) -> None:
    """Make a kiosk device key pair (run on the kiosk; enrol the public half)."""
    from verifier.keys import SigningKey, save_public_key, save_signing_key

    key = SigningKey.generate()
    save_signing_key(key, out)
    pub = out.with_suffix(".pub.jwk")
    save_public_key(key.public, pub)
    click.echo(str(pub))


@kiosk.command("enroll", epilog=EPILOG)
@_data_option
@click.option("--id", "kiosk_id", required=True, help="The kiosk id, e.g. AMM-001.")
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The kiosk's Ed25519 public key (JWK file).",
)
@click.option("--centre-ar", default="مركز خدمة المواطن - عمان", show_default=True)
@click.option("--centre-latin", default="Citizen Service Centre - Amman", show_default=True)
@click.option(
    "--office",
    default=None,
    help="The office the kiosk stands in (e.g. AMM), for check-in and queue tickets.",
)
@_errors
def kiosk_enroll(
    data_dir: Path,
    db_url: str | None,
    kiosk_id: str,
    public_key: Path,
    centre_ar: str,
    centre_latin: str,
    office: str | None,
) -> None:
    """Enrol a kiosk's device key."""
    from registry import kiosks
    from verifier.keys import load_public_key

    pk = load_public_key(public_key)
    data, db = _open(data_dir, db_url)
    with db.session() as s:
        _, pub = kiosks.enroll_and_publish(  # the trust list names the centre
            s,
            data,
            load_settings(data),
            kiosk_id,
            pk.raw,
            centre_ar,
            centre_latin or None,
            dt.datetime.now(dt.UTC),
            by="cli",
            office=office.upper() if office else None,
        )
    click.echo(f"kiosk {kiosk_id} enrolled (key {pk.kid.hex()}); trust list #{pub.sequence}")


@kiosk.command("revoke", epilog=EPILOG)
@_data_option
@click.option("--id", "kiosk_id", required=True)
@click.option("--reason", default="revoked by the administrator", show_default=True)
@_errors
def kiosk_revoke(data_dir: Path, db_url: str | None, kiosk_id: str, reason: str) -> None:
    """Revoke a kiosk: its next request is refused."""
    from registry import kiosks

    _, db = _open(data_dir, db_url)
    with db.session() as s:
        kiosks.revoke(s, kiosk_id, reason, dt.datetime.now(dt.UTC))
    click.echo(f"kiosk {kiosk_id} revoked")


@kiosk.command("list", epilog=EPILOG)
@_data_option
@_errors
def kiosk_list(data_dir: Path, db_url: str | None) -> None:
    """List kiosks and what needs attention."""
    from registry import kiosks

    data, db = _open(data_dir, db_url)
    settings = load_settings(data)
    now = dt.datetime.now(dt.UTC)
    with db.session() as s:
        for k in kiosks.list_kiosks(s):
            needs = ", ".join(a.value for a in kiosks.attention(k, now, settings.offline_after))
            click.echo(f"{k.id}  {needs or 'ok'}")


# -- the portal ------------------------------------------------------------------------------


@group.group(epilog=EPILOG)
def portal() -> None:
    """Enrol the citizen portal as a channel."""


@portal.command("enroll", epilog=EPILOG)
@_data_option
@click.option("--id", "portal_id", default="PORTAL-1", show_default=True)
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The portal's Ed25519 public key (JWK file, from `sanad portal init`).",
)
@click.option("--centre-ar", default="الخدمات الإلكترونية", show_default=True)
@click.option("--centre-latin", default="E-services", show_default=True)
@_errors
def portal_enroll(
    data_dir: Path,
    db_url: str | None,
    portal_id: str,
    public_key: Path,
    centre_ar: str,
    centre_latin: str,
) -> None:
    """Enrol the portal's key: its requests are signed like a kiosk's, its sign-ins need the
    SMS code, and documents sent by post name it as the issuing centre."""
    from registry import kiosks
    from verifier.keys import load_public_key

    pk = load_public_key(public_key)
    data, db = _open(data_dir, db_url)
    with db.session() as s:
        _, pub = kiosks.enroll_and_publish(
            s,
            data,
            load_settings(data),
            portal_id,
            pk.raw,
            centre_ar,
            centre_latin or None,
            dt.datetime.now(dt.UTC),
            by="cli",
            kind="portal",
        )
    click.echo(f"portal {portal_id} enrolled (key {pk.kid.hex()}); trust list #{pub.sequence}")


# -- audit, documents, citizens ----------------------------------------------------------------


@group.group(epilog=EPILOG)
def audit() -> None:
    """The hash-chained issuance log."""


@audit.command("verify", epilog=EPILOG)
@_data_option
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A saved signed checkpoint: check that the log only grew since it.",
)
@_errors
def audit_verify(
    data_dir: Path, db_url: str | None, as_json: bool, checkpoint_file: Path | None
) -> None:
    """Check every entry of the log; exit 1 and say where if it was tampered with."""
    from registry.audit import verify_chain

    if checkpoint_file is not None:
        _audit_verify_checkpoint(data_dir, db_url, checkpoint_file)
        return
    _, db = _open(data_dir, db_url)
    with db.session() as s:
        report = verify_chain(s)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "entries": report.entries,
                    "head": {"seq": report.head_seq, "hash": report.head_hash},
                    "problems": [
                        {"seq": p.seq, "kind": p.kind.value, "message": p.message}
                        for p in report.problems
                    ],
                },
                indent=2,
            )
        )
    else:
        for p in report.problems:
            click.echo(f"entry {p.seq}: {p.kind.value}: {p.message}")
        verdict = "intact" if report.ok else f"BROKEN ({len(report.problems)} problem(s))"
        click.echo(f"audit log {verdict}: {report.entries} entries, head {report.head_hash[:16]}")
    if not report.ok:
        sys.exit(1)


def _audit_verify_checkpoint(data_dir: Path, db_url: str | None, checkpoint_file: Path) -> None:
    from registry.transparency.checkpoint import MAX_NOTE
    from registry.transparency.keys import checkpoint_key, public_key_text
    from registry.transparency.log import check_against

    with checkpoint_file.open("rb") as f:
        note = f.read(MAX_NOTE + 1)  # more is refused unread: no checkpoint is that large
    data, db = _open(data_dir, db_url)
    verifier = public_key_text(checkpoint_key(data))
    with db.session() as s:
        report = check_against(s, note, verifier)
    db.dispose()
    click.echo(f"audit log {'consistent' if report.ok else 'NOT CONSISTENT'}: {report.message}")
    if not report.ok:
        sys.exit(1)


@audit.command("checkpoint", epilog=EPILOG)
@_data_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write it here.")
@_errors
def audit_checkpoint(data_dir: Path, db_url: str | None, out: Path | None) -> None:
    """Sign a checkpoint (size and Merkle root) of the log now, keep it and print it."""
    from registry.transparency.keys import store_checkpoint

    data, db = _open(data_dir, db_url)
    with db.session() as s:
        note = store_checkpoint(s, data, dt.datetime.now(dt.UTC)).note
    db.dispose()
    if out is not None:
        out.write_text(note, encoding="utf-8")
    click.echo(note, nl=False)


@audit.command("prove", epilog=EPILOG)
@_data_option
@click.argument("entry_id", type=click.IntRange(min=1))
@_errors
def audit_prove(data_dir: Path, db_url: str | None, entry_id: int) -> None:
    """Print the inclusion proof (JSON) of log entry ENTRY_ID in the current tree."""
    from registry.transparency.log import inclusion
    from registry.transparency.merkle import ProofError

    _, db = _open(data_dir, db_url)
    try:
        with db.session() as s:
            proof = inclusion(s, entry_id)
    except ProofError as exc:
        db.dispose()
        _fail(str(exc))
        return
    db.dispose()
    click.echo(json.dumps(proof, indent=2))


@group.group(epilog=EPILOG)
def document() -> None:
    """Issued documents: status and revocation."""


@document.command("revoke", epilog=EPILOG)
@_data_option
@click.argument("serial")
@click.option("--reason", required=True, help="Why (recorded in the audit log).")
@_errors
def document_revoke(data_dir: Path, db_url: str | None, serial: str, reason: str) -> None:
    """Revoke a document and publish a trust list listing it."""
    from registry.issuance import revoke_document

    data, db = _open(data_dir, db_url)
    with db.session() as s:
        pub = revoke_document(s, data, load_settings(data), serial, reason, dt.datetime.now(dt.UTC))
    click.echo(f"{serial} revoked; trust list #{pub.sequence}")


@document.command("status", epilog=EPILOG)
@_data_option
@click.argument("serial")
@_errors
def document_status(data_dir: Path, db_url: str | None, serial: str) -> None:
    """Valid, revoked or superseded."""
    from registry.issuance import document_status as status

    _, db = _open(data_dir, db_url)
    with db.session() as s:
        st = status(s, serial)
    click.echo(f"{st.serial}: {st.state.value}" + (f" ({st.reason})" if st.reason else ""))


_by_option = click.option(
    "--by",
    default="cli",
    show_default=True,
    help="Who makes the change (named in the audit log).",
)


@group.group(epilog=EPILOG)
def citizen() -> None:
    """Citizen accounts."""


@citizen.command("unlock", epilog=EPILOG)
@_data_option
@click.argument("national_id")
@_by_option
@_errors
def citizen_unlock(data_dir: Path, db_url: str | None, national_id: str, by: str) -> None:
    """Clear a citizen's PIN failures and lock (after checking their identity in person)."""
    from sqlalchemy import select

    from registry import audit as audit_log
    from registry.audit import AuditEvent
    from registry.citizens import unlock, validate_national_id
    from registry.models import Person

    nid = validate_national_id(national_id)
    _, db = _open(data_dir, db_url)
    with db.session() as s:
        if not unlock(s, nid):
            _fail("no citizen with a PIN has that national number")
        # who unlocked; the citizen as their row id, never the national number (as enrolment)
        person = s.execute(select(Person.id).where(Person.national_id == nid)).scalar_one()
        audit_log.append(
            s, AuditEvent.CITIZEN_UNLOCKED, {"by": by, "person": person}, dt.datetime.now(dt.UTC)
        )
    click.echo("unlocked")


@group.command("demo-citizens", epilog=EPILOG)
@_data_option
@click.option("--count", type=click.IntRange(1), default=5, show_default=True)
@click.option(
    "--with",
    "facts",
    multiple=True,
    help="Only citizens with this fact (married, divorced, parent_of_minor, "
    "deceased_parent, employed).",
)
@click.option("--json", "as_json", is_flag=True)
@_errors
def demo_citizens(
    data_dir: Path, db_url: str | None, count: int, facts: tuple[str, ...], as_json: bool
) -> None:
    """Print demo citizens' national IDs and PINs (from DATA/demo-citizens.csv)."""
    path = DataDir(data_dir).demo_citizens_path
    if not path.exists():
        _fail(f"{path} does not exist: run `sanad registry init --demo N` first")
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if all(x in row["facts"].split() for x in facts):
                rows.append(row)
                if len(rows) >= count:
                    break
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r['national_id']}  PIN {r['pin']}  {r['name_latin']}  [{r['facts']}]")


# -- staff accounts ----------------------------------------------------------------------------


@contextlib.contextmanager
def _opened(data_dir: Path, db_url: str | None) -> Iterator[Any]:
    """The migrated database, its connections closed afterwards."""
    _, db = _open(data_dir, db_url)
    try:
        yield db
    finally:
        db.dispose()


@group.group(epilog=EPILOG)
def staff() -> None:
    """Office staff accounts (bootstrap the first administrator here; then the office app)."""


_ROLES = click.Choice(["clerk", "registrar", "supervisor", "administrator"])
_password_file_option = click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Read the password from this file instead of generating a one-time one.",
)


def _password_from(path: Path | None) -> str | None:
    if path is None:
        return None
    return path.read_text(encoding="utf-8").rstrip("\r\n")


def _print_credentials(creds: Any, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                {
                    "username": creds.staff.username,
                    "role": creds.staff.role.value,
                    "office": creds.staff.office,
                    "password": creds.password,
                    "totp_uri": creds.totp_uri,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    v = creds.staff
    click.echo(f"{v.username}  {v.role.value}  {v.office or 'all offices'}")
    if creds.password is not None:
        click.echo(f"one-time initial password: {creds.password}")
    click.echo(f"second factor (scan into an authenticator app): {creds.totp_uri}")


@staff.command("add", epilog=EPILOG)
@_data_option
@click.argument("username")
@click.option("--role", type=_ROLES, required=True)
@click.option("--office", default=None, help="Office code (required for clerks and registrars).")
@click.option("--name-ar", required=True, help="Display name in Arabic.")
@click.option("--name-en", required=True, help="Display name in English.")
@_password_file_option
@click.option(
    "--demo",
    is_flag=True,
    help="A demo or test account: `staff totp` may print its current code.",
)
@_by_option
@click.option("--json", "as_json", is_flag=True)
@_errors
def staff_add(
    data_dir: Path,
    db_url: str | None,
    username: str,
    role: str,
    office: str | None,
    name_ar: str,
    name_en: str,
    password_file: Path | None,
    demo: bool,
    by: str,
    as_json: bool,
) -> None:
    """Create a staff account; print its TOTP URI and (unless given) a one-time password."""
    from registry import staff as accounts
    from registry.office.declarations import Role
    from registry.office.staff_auth import PasswordPolicy

    with _opened(data_dir, db_url) as db, db.session() as s:
        creds = accounts.add_staff(
            s,
            PasswordPolicy(),
            username=username,
            name_ar=name_ar,
            name_en=name_en,
            role=Role(role),
            office=office,
            password=_password_from(password_file),
            by=by,
            at=dt.datetime.now(dt.UTC),
            seal=accounts.SecretSeal(DataDir(data_dir).staff_secret_key()),
            demo=demo,
        )
    _print_credentials(creds, as_json)


@staff.command("list", epilog=EPILOG)
@_data_option
@click.option("--json", "as_json", is_flag=True)
@_errors
def staff_list(data_dir: Path, db_url: str | None, as_json: bool) -> None:
    """List staff accounts."""
    from registry import staff as accounts

    with _opened(data_dir, db_url) as db, db.session() as s:
        views = accounts.list_staff(s)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "username": v.username,
                        "name": {"ar": v.name_ar, "en": v.name_en},
                        "role": v.role.value,
                        "office": v.office,
                        "disabled": v.disabled,
                        "locked": v.locked,
                        "demo": v.demo,
                    }
                    for v in views
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for v in views:
        state = "disabled" if v.disabled else "locked" if v.locked else "active"
        demo = "  demo" if v.demo else ""
        click.echo(
            f"{v.username}  {v.role.value}  {v.office or 'all offices'}  {state}  {v.name_en}{demo}"
        )


@staff.command("disable", epilog=EPILOG)
@_data_option
@click.argument("username")
@_by_option
@_errors
def staff_disable(data_dir: Path, db_url: str | None, username: str, by: str) -> None:
    """Disable an account and end its sessions."""
    from registry import staff as accounts

    with _opened(data_dir, db_url) as db, db.session() as s:
        view = accounts.disable_staff(s, username, by=by, at=dt.datetime.now(dt.UTC))
    click.echo(f"{view.username} disabled")


@staff.command("reset", epilog=EPILOG)
@_data_option
@click.argument("username")
@_password_file_option
@_by_option
@click.option("--json", "as_json", is_flag=True)
@_errors
def staff_reset(
    data_dir: Path,
    db_url: str | None,
    username: str,
    password_file: Path | None,
    by: str,
    as_json: bool,
) -> None:
    """New password and TOTP secret; unlocks and re-enables the account."""
    from registry import staff as accounts
    from registry.office.staff_auth import PasswordPolicy

    with _opened(data_dir, db_url) as db, db.session() as s:
        creds = accounts.reset_staff(
            s,
            PasswordPolicy(),
            username,
            password=_password_from(password_file),
            by=by,
            at=dt.datetime.now(dt.UTC),
            seal=accounts.SecretSeal(DataDir(data_dir).staff_secret_key()),
        )
    _print_credentials(creds, as_json)


@staff.command("unlock", epilog=EPILOG)
@_data_option
@click.argument("username")
@_by_option
@_errors
def staff_unlock(data_dir: Path, db_url: str | None, username: str, by: str) -> None:
    """Lift a lock after too many failed sign-ins (password and second factor unchanged)."""
    from registry import staff as accounts

    with _opened(data_dir, db_url) as db, db.session() as s:
        view = accounts.unlock_staff(s, username, by=by, at=dt.datetime.now(dt.UTC))
    click.echo(f"{view.username} unlocked")


@staff.command("totp", epilog=EPILOG)
@_data_option
@click.argument("username")
@_errors
def staff_totp(data_dir: Path, db_url: str | None, username: str) -> None:
    """Print a demo account's current second-factor code (refused for real accounts)."""
    from registry import staff as accounts

    with _opened(data_dir, db_url) as db, db.session() as s:
        seal = accounts.SecretSeal(DataDir(data_dir).staff_secret_key())
        code = accounts.demo_totp(s, username, dt.datetime.now(dt.UTC), seal=seal)
    click.echo(code)


# -- appointments --------------------------------------------------------------------------


@group.group(epilog=EPILOG)
def bookings() -> None:
    """Appointments: the worker that sends reminders and passes lapsed waiting-list offers on."""


@bookings.command("work", epilog=EPILOG)
@_data_option
@click.option("--once", is_flag=True, help="One round, then exit.")
@click.option("--every", default=60.0, show_default=True, help="Seconds between rounds.")
@_errors
def bookings_work(data_dir: Path, db_url: str | None, once: bool, every: float) -> None:
    """Each round: the day-before reminders that are due, waiting-list offers not confirmed
    in time passed to the next person, missed appointments closed out as no-shows."""
    import signal
    import threading

    from registry.bookings import reminders
    from registry.bookings.rules import load_rules

    data, db = _open(data_dir, db_url)
    rules = load_rules(data, load_settings(data).bookings)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    totals = [0, 0, 0]
    try:
        while True:
            done = db.transact(
                lambda s: reminders.work_round(s, rules, now=dt.datetime.now(dt.UTC))
            )
            totals = [
                totals[0] + done.reminders,
                totals[1] + done.offers_lapsed,
                totals[2] + done.no_shows,
            ]
            if once or stop.wait(max(1.0, every)):
                break
    finally:
        db.dispose()
    click.echo(f"reminders {totals[0]}, offers passed on {totals[1]}, no-shows {totals[2]}")


# -- SMS ---------------------------------------------------------------------------------------


@group.group(epilog=EPILOG)
def sms() -> None:
    """The SMS outbox: drain it through the configured gateway, see what is in it."""


@sms.command("work", epilog=EPILOG)
@_data_option
@click.option("--once", is_flag=True, help="Send what is due, wait briefly for receipts, exit.")
@click.option("--worker-id", default=None, help="This worker's name in the outbox.")
@_errors
def sms_work(data_dir: Path, db_url: str | None, once: bool, worker_id: str | None) -> None:
    """Send queued SMS through the [sms] gateway until stopped (SIGTERM or Ctrl-C)."""
    import signal
    import threading

    from registry.sms import outbox, worker

    data, db = _open(data_dir, db_url)
    config = load_settings(data).sms
    gateway = worker.gateway_from_config(data, config)
    if gateway is None:
        db.dispose()
        _fail('[sms] gateway = "none": nothing to send through')
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    name = worker_id or worker.default_worker_id()
    if not once:
        click.echo(f"SMS worker {name} draining the outbox (Ctrl-C to stop)", err=True)
    try:
        total = worker.run(
            db,
            gateway,
            outbox.Policy.from_config(config),
            worker_id=name,
            once=once,
            idle=config.idle_seconds,
            stop=stop,
        )
    finally:
        db.dispose()
    click.echo(
        f"sent {total.sent}, retried {total.retried}, failed {total.failed}, "
        f"receipts {total.receipts}"
        + (f" (gateway unavailable: {total.unavailable})" if total.unavailable else "")
    )


@sms.command("status", epilog=EPILOG)
@_data_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_errors
def sms_status(data_dir: Path, db_url: str | None, as_json: bool) -> None:
    """How many messages are in each state."""
    from registry.sms import outbox

    with _opened(data_dir, db_url) as db, db.session() as s:
        counts = outbox.counts(s)
    if as_json:
        click.echo(json.dumps(counts, sort_keys=True))
        return
    for state in outbox.State:
        click.echo(f"{state.value:14} {counts.get(state.value, 0)}")


# -- payments (registry.payments.cli) ---------------------------------------------------------

group.add_command(payments_cli.make_group(_data_option, _errors, _open), "payments")
_post, _orders = orders_cli.make_groups(_data_option, _errors, _open)
group.add_command(_post, "post")
group.add_command(_orders, "orders")
_agency, _exchange = exchange_cli.make_groups(_data_option, _errors, _open)
group.add_command(_agency, "agency")
group.add_command(_exchange, "exchange")
