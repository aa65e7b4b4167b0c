"""`sanad registry post ...` and `sanad registry orders ...`: the daily postal batch, the
postal operator's reports, and refunds.

post batch [--day YYYY-MM-DD] [--json]     issue and gather the day's postal orders (default
                                           today, UTC); writes DATA/post/DAY/batch.pdf and
                                           manifest.csv; run again: only new orders are added
post dispatch CODE --tracking T            handed to the operator: dispatched, SMS queued
post delivered CODE / post returned CODE   the operator's report
orders refund CODE --reason TEXT           refund an order that could not be fulfilled

Exit codes: 0 ok, 1 the check failed (the batch left orders out; a refund the provider
declined), 2 usage or I/O error (an unknown code, a transition that is not allowed).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["make_groups"]

F = TypeVar("F", bound=Callable[..., Any])
EPILOG = (
    "Exit codes: 0 ok, 1 the check failed (orders left out, a refund declined), "
    "2 usage or I/O error."
)


def _day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date:
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("give the day as YYYY-MM-DD") from None


def make_groups(
    data_option: Callable[[Any], Any], errors: Callable[[Any], Any], open_data: Callable[..., Any]
) -> tuple[click.Group, click.Group]:
    """The `post` and `orders` groups, with the registry CLI's --data/--db option, error
    handling and data-directory opener (passed in by `registry.cli`)."""

    def _common(fn: F) -> F:
        wrapped: F = data_option(errors(fn))
        return wrapped

    @click.group(epilog=EPILOG)
    def post() -> None:
        """The post: the day's batch (PDF and manifest), dispatched, delivered, returned."""

    @post.command(epilog=EPILOG)
    @click.option("--day", callback=_day, default=None, metavar="YYYY-MM-DD")
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
    @_common
    def batch(data_dir: Path, db_url: str | None, day: dt.date, as_json: bool) -> None:
        """Issue every paid postal order's document and write the day's batch."""
        from registry import keyring
        from registry.config import load_settings
        from registry.orders import post as postal
        from registry.places import PlaceBook

        data, db = open_data(data_dir, db_url)
        try:
            files = postal.run_batch(
                db,
                keyring.KeyCache(data),
                PlaceBook(db),
                load_settings(data),
                data,
                day,
                dt.datetime.now(dt.UTC),
            )
        finally:
            db.dispose()
        b = files.batch
        if as_json:
            out = {
                "day": b.day.isoformat(),
                "orders": [e.order_code for e in b.entries],
                "added": b.added,
                "refused": [{"order": c, "code": r} for c, r in b.refused],
                "pdf": str(files.pdf) if files.pdf else None,
                "manifest": str(files.manifest),
                "pages": files.pages,
            }
            click.echo(json.dumps(out, indent=2))
        else:
            click.echo(
                f"postal batch {b.day.isoformat()}: {len(b.entries)} orders "
                f"({len(b.added)} added now), {files.pages} pages"
            )
            if files.pdf:
                click.echo(f"  {files.pdf}")
            click.echo(f"  {files.manifest}")
            for code, reason in b.refused:
                click.echo(f"  left out: {code} ({reason}): refund it", err=True)
        sys.exit(1 if b.refused else 0)

    def _report(data_dir: Path, db_url: str | None, step: Callable[[Any], Any]) -> None:
        from registry.orders import codes

        _, db = open_data(data_dir, db_url)
        try:
            with db.session() as s:
                order = step(s)
                shown = f"{codes.display(order.code)}: {order.state}"
                if order.tracking_number:
                    shown += f" ({order.tracking_number})"
        finally:
            db.dispose()
        click.echo(shown)

    @post.command(epilog=EPILOG)
    @click.argument("code")
    @click.option("--tracking", required=True, help="The operator's tracking number.")
    @_common
    def dispatch(data_dir: Path, db_url: str | None, code: str, tracking: str) -> None:
        """The order's envelope is with the postal operator (SMS with the tracking number)."""
        from registry.orders import post as postal

        now = dt.datetime.now(dt.UTC)
        _report(data_dir, db_url, lambda s: postal.dispatch(s, code, tracking, now))

    @post.command(epilog=EPILOG)
    @click.argument("code")
    @_common
    def delivered(data_dir: Path, db_url: str | None, code: str) -> None:
        """The operator delivered it."""
        from registry.orders import post as postal

        now = dt.datetime.now(dt.UTC)
        _report(data_dir, db_url, lambda s: postal.delivered(s, code, now))

    @post.command(epilog=EPILOG)
    @click.argument("code")
    @_common
    def returned(data_dir: Path, db_url: str | None, code: str) -> None:
        """The operator returned it to the sender (refundable)."""
        from registry.orders import post as postal

        now = dt.datetime.now(dt.UTC)
        _report(data_dir, db_url, lambda s: postal.returned(s, code, now))

    @click.group(epilog=EPILOG)
    def orders() -> None:
        """Orders from every channel: refunds."""

    @orders.command(epilog=EPILOG)
    @click.argument("code")
    @click.option("--reason", required=True, help="Why it could not be fulfilled (200 chars).")
    @_common
    def refund(data_dir: Path, db_url: str | None, code: str, reason: str) -> None:
        """Refund an order that could not be fulfilled (paid, ready or returned)."""
        from registry.config import load_settings
        from registry.orders import refunds
        from registry.payments import setup

        data, db = open_data(data_dir, db_url)
        settings = load_settings(data)
        try:
            with setup.provider(data, settings.payments) as provider:
                view = refunds.refund_order(
                    db,
                    provider,
                    code,
                    reason=reason,
                    now=dt.datetime.now(dt.UTC),
                    callback_url=setup.callback_url(settings.payments),
                )
        finally:
            db.dispose()
        click.echo(
            f"payment {view.payment_id}: {view.state}"
            + (f" ({view.problem})" if view.problem else "")
        )
        sys.exit(1 if view.state == "captured" else 0)

    return post, orders
