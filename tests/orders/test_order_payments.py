"""Paying for an order through the mobile-money simulator (`sanad sim pay`, its own process):
the provider's signed callback makes the order ready and queues the SMS once; a lost callback
is settled by polling; a provider that is down leaves the order unpaid, saying so; a kiosk's
own sale is an order and a ledger entry too."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from registry.client import CitizenSession, RegistryClient
from registry.config import PaymentsConfig
from registry.models import Order, PaymentRow, SmsMessage
from registry.payments import ledger
from registry.payments import setup as payments_setup
from tests.support.registry import LiveServer, Registry
from tests.support.servers import SanadServer, free_port, wait_for
from verifier.documents import DocumentType


@pytest.fixture
def provider(registry: Registry) -> Iterator[str]:
    payments_setup.ensure_secrets(registry.data, PaymentsConfig())
    secret = registry.data.root / PaymentsConfig().callback_secret_file
    port = free_port()
    with SanadServer(
        "sim",
        "pay",
        "--port",
        str(port),
        "--callback-secret-file",
        str(secret),
        "--callback-delay",
        "0.1",
        port=port,
        health="/health",
    ):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def paying(registry: Registry, server: LiveServer, provider: str) -> LiveServer:
    reg = server.app.state.registry
    reg.settings = dataclasses.replace(
        reg.settings, payments=PaymentsConfig(base_url=provider, callback_base_url=server.url)
    )
    return server


def _faults(provider: str, **faults: object) -> None:
    httpx.post(f"{provider}/control/faults", json=faults, timeout=5).raise_for_status()


def _order(
    registry: Registry, portal: RegistryClient
) -> tuple[dict[str, str], CitizenSession, str]:
    citizen = next(c for c in registry.citizens() if c["phone"])
    ch = portal.portal_sign_in(national_id=citizen["national_id"], pin=citizen["pin"])
    code = re.search(r"\b(\d{6})\b", registry.last_sms(citizen["phone"]))
    assert code
    session = portal.portal_verify(ch.challenge, code.group(1))
    order = portal.place_order(
        session,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=citizen["national_id"],
        collection="kiosk",
        idempotency_key=uuid.uuid4().hex,
    )
    return citizen, session, order.code


def _count(registry: Registry, model: type, **where: object) -> int:
    db = registry.db()
    try:
        with db.session() as s:
            q = select(func.count()).select_from(model)
            for k, v in where.items():
                q = q.where(getattr(model, k) == v)
            return int(s.execute(q).scalar_one())
    finally:
        db.dispose()


def test_a_callback_makes_the_order_ready_once(
    registry: Registry, paying: LiveServer, portal: RegistryClient, provider: str
) -> None:
    _faults(provider, callback_duplicated=True)
    citizen, session, code = _order(registry, portal)
    key = uuid.uuid4().hex
    paid = portal.pay_order(session, code, msisdn=citizen["phone"], idempotency_key=key)
    assert paid.payment is not None and paid.payment.state in ("pending", "captured")
    wait_for(lambda: portal.order(session, code).state == "ready", timeout=15)
    again = portal.pay_order(session, code, msisdn=citizen["phone"], idempotency_key=key)
    assert again.state == "ready"
    assert _count(registry, PaymentRow, state="captured") == 1
    ready_sms = _count(registry, SmsMessage, template="order_ready")
    assert ready_sms == 1  # two callbacks, one SMS


def test_a_lost_callback_is_settled_by_polling(
    registry: Registry, paying: LiveServer, portal: RegistryClient, provider: str
) -> None:
    _faults(provider, callback_lost=True)
    citizen, session, code = _order(registry, portal)
    portal.pay_order(session, code, msisdn=citizen["phone"], idempotency_key=uuid.uuid4().hex)
    assert portal.order(session, code).state == "unpaid"
    from registry.orders.payment import on_settlement

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
            return portal.order(session, code).state == "ready"

        wait_for(settled, timeout=15)
    finally:
        client.close()
        db.dispose()


def test_a_provider_that_is_down_leaves_the_order_unpaid_and_says_so(
    registry: Registry, paying: LiveServer, portal: RegistryClient, provider: str
) -> None:
    _faults(provider, down=True)
    citizen, session, code = _order(registry, portal)
    answer = portal.pay_order(
        session, code, msisdn=citizen["phone"], idempotency_key=uuid.uuid4().hex
    )
    assert answer.state == "unpaid"
    assert answer.payment is not None and answer.payment.problem == "provider_unreachable"


def test_a_kiosk_sale_is_an_order_and_a_ledger_entry(
    registry: Registry, kiosk: RegistryClient
) -> None:
    citizen = registry.citizens()[0]
    session = kiosk.login(national_id=citizen["national_id"], pin=citizen["pin"])
    offer = next(o for o in kiosk.entitlements(session) if o.fee_amount > 0)
    doc = kiosk.issue(
        session,
        document_type=offer.document_type,
        subject=offer.subject,
        payment_reference="TERM-" + uuid.uuid4().hex[:10],
        idempotency_key=uuid.uuid4().hex,
    )
    assert _count(registry, Order, channel="kiosk", state="collected") == 1
    assert _count(registry, PaymentRow, provider_reference=doc.payment_reference) == 1


def test_a_second_pay_with_another_key_is_the_same_request(
    registry: Registry, paying: LiveServer, portal: RegistryClient, provider: str
) -> None:
    _faults(provider, callback_lost=True)
    citizen, session, code = _order(registry, portal)
    portal.pay_order(session, code, msisdn=citizen["phone"], idempotency_key=uuid.uuid4().hex)
    portal.pay_order(session, code, msisdn=citizen["phone"], idempotency_key=uuid.uuid4().hex)
    assert _count(registry, PaymentRow, channel="portal") == 1
