"""Refunding an order that could not be fulfilled, against the mobile-money simulator (`sanad
sim pay`, its own process): `sanad registry orders refund CODE --reason` asks for it, the
order stays as it is until the provider's signed refund callback settles it (refunded), or,
the callback lost, the poll does; a collected order is not refunded; asking again changes
nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from registry.cli import group as registry_cli
from registry.client import CitizenSession, RegistryClient
from registry.config import PaymentsConfig
from registry.models import Order, PaymentRow
from registry.orders.payment import on_settlement
from registry.payments import ledger
from registry.payments import setup as payments_setup
from tests.orders.orders_support import place, signed_in, with_db
from tests.orders.test_order_payments import paying, provider  # noqa: F401
from tests.support.registry import LiveServer, Registry
from tests.support.servers import wait_for

pytestmark = pytest.mark.usefixtures("paying")


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch,
    provider: str,  # noqa: F811
    server: LiveServer,
) -> None:
    # the CLI reads [payments] from the data directory and the environment
    monkeypatch.setenv("SANAD_REGISTRY_PAYMENTS__BASE_URL", provider)
    monkeypatch.setenv("SANAD_REGISTRY_PAYMENTS__CALLBACK_BASE_URL", server.url)


def refund(registry: Registry, code: str, reason: str = "the requester died") -> Any:
    return CliRunner().invoke(
        registry_cli,
        [
            "orders",
            "refund",
            code,
            "--reason",
            reason,
            "--data",
            str(registry.data.root),
            "--db",
            registry.url,
        ],
    )


def faults(provider: str, **f: object) -> None:  # noqa: F811
    httpx.post(f"{provider}/control/faults", json=f, timeout=5).raise_for_status()


def paid_order(
    registry: Registry, portal: RegistryClient, collection: str = "kiosk"
) -> tuple[CitizenSession, str]:
    citizen = next(c for c in registry.citizens() if c["phone"])
    session = signed_in(portal, registry.url, citizen)
    address = {"name": "سلمى الخطيب", "line1": "شارع الجامعة", "city": "إربد"}
    order = place(
        portal, session, citizen, collection, address=address if collection == "post" else None
    )
    portal.pay_order(session, order.code, msisdn=citizen["phone"], idempotency_key=uuid.uuid4().hex)
    wait_for(lambda: portal.order(session, order.code).state in ("ready", "paid"), timeout=15)
    return session, order.code


def payment_of(registry: Registry, code: str) -> tuple[str, str | None]:
    return with_db(  # type: ignore[no-any-return]
        registry.url,
        lambda s: tuple(
            s.execute(
                select(PaymentRow.state, PaymentRow.refund_reference)
                .join(Order, Order.id == PaymentRow.order_id)
                .where(Order.code == code, PaymentRow.state != "pending")
            ).one()
        ),
    )


def test_a_refund_settles_by_the_providers_callback(
    registry: Registry,
    portal: RegistryClient,
    cli_env: None,
) -> None:
    session, code = paid_order(registry, portal)
    result = refund(registry, code)
    assert result.exit_code == 0, result.output
    assert "refund_pending" in result.output or "refunded" in result.output
    wait_for(lambda: portal.order(session, code).state == "refunded", timeout=15)
    state, reference = payment_of(registry, code)
    assert state == "refunded" and reference
    again = refund(registry, code)
    assert again.exit_code == 0 and "refunded" in again.output
    assert payment_of(registry, code) == (state, reference)


def test_a_lost_refund_callback_is_settled_by_polling(
    registry: Registry,
    portal: RegistryClient,
    cli_env: None,
    provider: str,  # noqa: F811
) -> None:
    session, code = paid_order(registry, portal, "post")
    faults(provider, callback_lost=True)
    assert refund(registry, code, "returned by the post office").exit_code == 0
    assert portal.order(session, code).state == "paid"  # not refunded before it settles
    db = registry.db()
    client = payments_setup.provider(registry.data, PaymentsConfig(base_url=provider))
    try:

        def settled() -> bool:
            ledger.poll(
                db,
                client,
                older_than=dt.timedelta(0),
                now=dt.datetime.now(dt.UTC),
                on_settlement=on_settlement,
            )
            return portal.order(session, code).state == "refunded"

        wait_for(settled, timeout=15)
    finally:
        client.close()
        db.dispose()


def test_a_collected_order_is_not_refunded(
    registry: Registry,
    portal: RegistryClient,
    kiosk: RegistryClient,
    cli_env: None,
) -> None:
    citizen = next(c for c in registry.citizens() if c["phone"])
    _session, code = paid_order(registry, portal)
    kiosk.collect_order(order_code=code, pin=citizen["pin"])
    kiosk.order_collected(code)
    result = refund(registry, code)
    assert result.exit_code == 2 and "not handed over" in result.output
    assert payment_of(registry, code)[0] == "captured"
    assert refund(registry, code, "   ").exit_code == 2
    assert refund(registry, "NOT-A-CODE").exit_code == 2
