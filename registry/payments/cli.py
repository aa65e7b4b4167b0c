"""`sanad registry payments ...`: reconcile a provider statement, poll pending payments.

reconcile --statement FILE.csv [--date YYYY-MM-DD] [--json]
    exit 0 no exceptions, 1 exceptions listed, 2 usage or I/O error
poll [--once]
    ask the provider about entries pending longer than [payments] poll_interval_seconds;
    without --once, again every interval until SIGTERM or Ctrl-C
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["make_group"]

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

EPILOG = "Exit codes: 0 ok, 1 the check failed (reconcile: exceptions found), 2 usage or I/O error."


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("give the date as YYYY-MM-DD") from None


def make_group(
    data_option: Callable[[Any], Any], errors: Callable[[Any], Any], open_data: Callable[..., Any]
) -> click.Group:
    """The `payments` group, with the registry CLI's --data/--db option, error handling and
    data-directory opener (passed in by `registry.cli`, so neither module imports the other
    at import time)."""

    def _common(fn: F) -> F:
        wrapped: F = data_option(errors(fn))
        return wrapped

    _open = open_data

    @click.group(epilog=EPILOG)
    def group() -> None:
        """The payments ledger: reconcile with the provider, settle pending payments."""

    @group.command(epilog=EPILOG)
    @click.option(
        "--statement",
        "statement",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        required=True,
        help="The provider's statement (CSV: date,provider_reference,external_id,amount,...).",
    )
    @click.option(
        "--date",
        "day",
        callback=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="Only this day's lines and entries (default: every day on the statement).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @_common
    def reconcile(
        data_dir: Path, db_url: str | None, statement: Path, day: dt.date | None, as_json: bool
    ) -> None:
        """Match the provider's statement against the ledger and list every exception."""
        from registry.config import load_settings
        from registry.payments import ledger
        from registry.payments import reconcile as rec

        lines = rec.parse_statement(statement.read_text(encoding="utf-8"))
        data, db = _open(data_dir, db_url)
        settings = load_settings(data)
        try:
            chosen = [ln for ln in lines if day is None or ln.date == day]
            dates = {day} if day is not None else {ln.date for ln in chosen}
            keys = {ln.provider_reference for ln in chosen} | {
                ln.external_id for ln in chosen if ln.external_id
            }
            with db.session() as s:
                entries = ledger.reconciliation_entries(
                    s, provider=settings.payments.provider, dates=dates, keys=keys
                )
        finally:
            db.dispose()
        report = rec.reconcile(lines, entries, date=day)
        if as_json:
            click.echo(json.dumps(rec.report_json(report), indent=2, ensure_ascii=False))
        else:
            click.echo(rec.render(report, minor_units=settings.identity.minor_units), nl=False)
        sys.exit(0 if report.ok else 1)

    @group.command(epilog=EPILOG)
    @click.option("--once", is_flag=True, help="Poll once and exit.")
    @_common
    def poll(data_dir: Path, db_url: str | None, once: bool) -> None:
        """Ask the provider about payments still pending (settles lost callbacks)."""
        from registry.config import load_settings
        from registry.orders.payment import on_settlement  # a capture moves its order on
        from registry.payments import ledger, setup

        data, db = _open(data_dir, db_url)
        settings = load_settings(data)
        interval = settings.payments.poll_interval_seconds
        stop = threading.Event()
        if not once:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
        try:
            with setup.provider(data, settings.payments) as provider:
                while True:
                    settled = ledger.poll(
                        db,
                        provider,
                        older_than=dt.timedelta(seconds=interval),
                        now=dt.datetime.now(dt.UTC),
                        on_settlement=on_settlement,
                    )
                    for st in settled:
                        click.echo(f"payment {st.payment_id} (order {st.order_id}): {st.state}")
                    if once or stop.wait(interval):
                        break
        finally:
            db.dispose()

    return group
