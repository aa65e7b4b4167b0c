"""Orders through the registry's API: the portal signs a citizen in with the PIN and the SMS
code, places an order; a kiosk collects it with the code and the PIN, once."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from registry.client import CitizenSession, RegistryClient
from registry.codes import ErrorCode
from registry.errors import Conflict, InvalidCredentials, InvalidInput, NotFound, Refused
from registry.models import IssuedDocument, Order
from registry.orders import codes, store
from tests.support.registry import Registry, wrong_pin
from verifier.documents import DocumentType
from verifier.verify import Status, verify


def _citizen(registry: Registry, *facts: str) -> dict[str, str]:
    return next(c for c in registry.citizens(*facts) if c["phone"])


def _code_in(sms: str) -> str:
    found = re.search(r"\b(\d{6})\b", sms)
    assert found, sms
    return found.group(1)


def _signed_in(
    registry: Registry, portal: RegistryClient, citizen: dict[str, str]
) -> CitizenSession:
    ch = portal.portal_sign_in(national_id=citizen["national_id"], pin=citizen["pin"])
    return portal.portal_verify(ch.challenge, _code_in(registry.last_sms(citizen["phone"])))


def _pay(registry: Registry, code: str) -> None:
    """The fee captured (what a verified provider callback does: registry.orders.store)."""
    import datetime as dt

    db = registry.db()
    try:
        with db.session() as s:
            order = store.find(s, code, lock=True)
            assert store.settle_capture(s, order, dt.datetime.now(dt.UTC))
    finally:
        db.dispose()


def test_sign_in_needs_the_pin_then_the_sms_code_once(
    registry: Registry, portal: RegistryClient
) -> None:
    citizen = _citizen(registry)
    with pytest.raises(InvalidCredentials) as wrong:
        portal.portal_sign_in(national_id=citizen["national_id"], pin=wrong_pin(citizen["pin"]))
    assert wrong.value.tries_remaining is not None
    ch = portal.portal_sign_in(national_id=citizen["national_id"], pin=citizen["pin"])
    assert ch.phone_hint.endswith(citizen["phone"][-2:])
    sms = registry.last_sms(citizen["phone"])
    assert citizen["national_id"] not in sms and citizen["pin"] not in sms
    code = _code_in(sms)
    bad = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(InvalidCredentials) as e:
        portal.portal_verify(ch.challenge, bad)
    assert e.value.code is ErrorCode.CODE_INVALID and e.value.tries_remaining == 4
    session = portal.portal_verify(ch.challenge, code)
    assert session.name.ar
    assert portal.entitlements(session)
    with pytest.raises(InvalidCredentials) as again:  # single use
        portal.portal_verify(ch.challenge, code)
    assert again.value.code is ErrorCode.CODE_EXPIRED


def test_five_wrong_codes_spend_the_sign_in(registry: Registry, portal: RegistryClient) -> None:
    citizen = _citizen(registry)
    ch = portal.portal_sign_in(national_id=citizen["national_id"], pin=citizen["pin"])
    code = _code_in(registry.last_sms(citizen["phone"]))
    bad = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            portal.portal_verify(ch.challenge, bad)
    with pytest.raises(InvalidCredentials) as fifth:
        portal.portal_verify(ch.challenge, bad)
    assert fifth.value.code is ErrorCode.CODE_EXPIRED
    with pytest.raises(InvalidCredentials) as right_too_late:
        portal.portal_verify(ch.challenge, code)
    assert right_too_late.value.code is ErrorCode.CODE_EXPIRED


def test_each_channel_kind_is_kept_to_its_own_routes(
    registry: Registry, portal: RegistryClient, kiosk: RegistryClient
) -> None:
    citizen = _citizen(registry)
    with pytest.raises(Refused) as kiosk_signing_in:
        kiosk.portal_sign_in(national_id=citizen["national_id"], pin=citizen["pin"])
    assert kiosk_signing_in.value.code is ErrorCode.CHANNEL_NOT_ALLOWED
    with pytest.raises(Refused) as portal_pin_only:
        portal.login(national_id=citizen["national_id"], pin=citizen["pin"])
    assert portal_pin_only.value.code is ErrorCode.CHANNEL_NOT_ALLOWED
    session = _signed_in(registry, portal, citizen)
    with pytest.raises(Refused) as portal_issuing:
        portal.issue(
            session,
            document_type=DocumentType.BIRTH_CERTIFICATE,
            subject=citizen["national_id"],
            payment_reference="PAY-1",
        )
    assert portal_issuing.value.code is ErrorCode.CHANNEL_NOT_ALLOWED


def test_an_order_is_placed_once_collected_once_and_verifies(
    registry: Registry, portal: RegistryClient, kiosk: RegistryClient
) -> None:
    citizen = _citizen(registry)
    session = _signed_in(registry, portal, citizen)
    key = uuid.uuid4().hex
    order = portal.place_order(
        session,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=citizen["national_id"],
        collection="kiosk",
        idempotency_key=key,
    )
    assert order.state == "unpaid" and order.fee_amount > 0 and codes.parse(order.code)
    again = portal.place_order(
        session,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=citizen["national_id"],
        collection="kiosk",
        idempotency_key=key,
    )
    assert again.code == order.code
    assert [o.code for o in portal.orders(session)] == [order.code]

    with pytest.raises(Conflict) as unpaid:
        kiosk.collect_order(order_code=order.code, pin=citizen["pin"])
    assert unpaid.value.code is ErrorCode.ORDER_NOT_READY
    _pay(registry, order.code)
    assert portal.order(session, order.code).state == "ready"
    assert codes.display(order.code) in registry.last_sms(citizen["phone"])  # "ready" SMS

    with pytest.raises(InvalidCredentials):
        kiosk.collect_order(order_code=order.code, pin=wrong_pin(citizen["pin"]))
    with pytest.raises(InvalidInput) as typo:
        kiosk.collect_order(
            order_code=order.code[:-1] + ("0" if order.code[-1] != "0" else "1"), pin=citizen["pin"]
        )
    assert typo.value.code is ErrorCode.ORDER_CODE_INVALID
    got = kiosk.collect_order(order_code=codes.display(order.code).lower(), pin=citizen["pin"])
    assert verify(got.document.qr_text, registry.trust()).status is Status.VALID
    retry = kiosk.collect_order(order_code=order.code, pin=citizen["pin"])  # the answer lost
    assert retry.document.serial == got.document.serial and retry.document.replayed
    assert kiosk.order_collected(order.code).state == "collected"
    with pytest.raises(Conflict) as twice:
        kiosk.collect_order(order_code=order.code, pin=citizen["pin"])
    assert twice.value.code is ErrorCode.ORDER_COLLECTED
    db = registry.db()
    try:
        with db.session() as s:
            row = s.execute(select(Order).where(Order.code == order.code)).scalar_one()
            docs = (
                s.execute(
                    select(IssuedDocument).where(
                        IssuedDocument.payment_reference == f"ORDER-{order.code}"
                    )
                )
                .scalars()
                .all()
            )
            assert [d.id for d in docs] == [row.document_id]
    finally:
        db.dispose()


def test_orders_for_a_counter_or_another_citizen_are_not_collected_here(
    registry: Registry, portal: RegistryClient, kiosk: RegistryClient
) -> None:
    citizen, other = [c for c in registry.citizens() if c["phone"]][:2]
    session = _signed_in(registry, portal, citizen)
    office = portal.offices()[0]
    order = portal.place_order(
        session,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=citizen["national_id"],
        collection="counter",
        office=office.code,
        idempotency_key=uuid.uuid4().hex,
    )
    assert order.office is not None and order.office.code == office.code
    _pay(registry, order.code)
    with pytest.raises(Conflict) as elsewhere:
        kiosk.collect_order(order_code=order.code, pin=citizen["pin"])
    assert elsewhere.value.code is ErrorCode.ORDER_ELSEWHERE
    other_session = _signed_in(registry, portal, other)
    with pytest.raises(NotFound):
        portal.order(other_session, order.code)


def test_an_order_is_refused_for_what_the_kiosk_would_refuse(
    registry: Registry, portal: RegistryClient
) -> None:
    citizen = _citizen(registry)
    session = _signed_in(registry, portal, citizen)
    stranger = next(c for c in registry.citizens() if c["national_id"] != citizen["national_id"])
    with pytest.raises(Refused) as refused:
        portal.place_order(
            session,
            document_type=DocumentType.BIRTH_CERTIFICATE,
            subject=stranger["national_id"],
            collection="kiosk",
            idempotency_key=uuid.uuid4().hex,
        )
    assert refused.value.code is not ErrorCode.CHANNEL_NOT_ALLOWED
    with pytest.raises(InvalidInput):
        portal.place_order(
            session,
            document_type=DocumentType.BIRTH_CERTIFICATE,
            subject=citizen["national_id"],
            collection="post",
            idempotency_key=uuid.uuid4().hex,
        )


def test_the_hourly_cap_on_codes_refuses_without_charging_the_pin(
    registry: Registry, portal: RegistryClient, kiosk: RegistryClient
) -> None:
    from registry.errors import Throttled
    from registry.portal_sign_in import MAX_CHALLENGES_PER_HOUR

    citizen = _citizen(registry)
    for _ in range(MAX_CHALLENGES_PER_HOUR):
        portal.portal_sign_in(national_id=citizen["national_id"], pin=citizen["pin"])
    with pytest.raises(Throttled):
        portal.portal_sign_in(national_id=citizen["national_id"], pin=citizen["pin"])
    # the right PIN each time: nothing was charged against it, the kiosk still signs them in
    assert kiosk.login(national_id=citizen["national_id"], pin=citizen["pin"]).name.ar


def test_only_the_kiosk_that_issued_an_order_marks_it_collected(
    registry: Registry, server: object, portal: RegistryClient, kiosk: RegistryClient
) -> None:
    from tests.support.registry import LiveServer

    assert isinstance(server, LiveServer)
    citizen = _citizen(registry)
    session = _signed_in(registry, portal, citizen)
    order = portal.place_order(
        session,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=citizen["national_id"],
        collection="kiosk",
        idempotency_key=uuid.uuid4().hex,
    )
    _pay(registry, order.code)
    kiosk.collect_order(order_code=order.code, pin=citizen["pin"])
    key = registry.enroll("IRB-002")
    with server.client("IRB-002", key, retries=0) as other:
        with pytest.raises(Conflict) as elsewhere:
            other.order_collected(order.code)
        assert elsewhere.value.code is ErrorCode.ORDER_ELSEWHERE
    assert kiosk.order_collected(order.code).state == "collected"


def test_a_long_tracking_number_reaches_the_sms_in_groups() -> None:
    from registry.orders.notices import _grouped
    from registry.sms import templates

    assert _grouped("RR123456789JO") == "RR123456789JO"  # an S10 number stays as it is
    shown = _grouped("123456789012")
    assert shown.replace(" ", "") == "123456789012"
    text = templates.render("order_dispatched", "ar", {"order_code": "K7Q", "tracking": shown})
    assert "1234 5678 9012" in text


def test_an_order_whose_document_was_issued_is_not_refunded(
    registry: Registry, portal: RegistryClient, kiosk: RegistryClient
) -> None:
    import datetime as dt

    from registry.orders.refunds import refund_order
    from registry.payments.mobile_money import MobileMoney

    citizen = _citizen(registry)
    session = _signed_in(registry, portal, citizen)
    order = portal.place_order(
        session,
        document_type=DocumentType.BIRTH_CERTIFICATE,
        subject=citizen["national_id"],
        collection="kiosk",
        idempotency_key=uuid.uuid4().hex,
    )
    _pay(registry, order.code)
    kiosk.collect_order(order_code=order.code, pin=citizen["pin"])  # printed, not yet marked
    db = registry.db()
    try:
        with MobileMoney("http://127.0.0.1:9", "k" * 32) as nowhere, pytest.raises(Conflict):
            refund_order(db, nowhere, order.code, reason="test", now=dt.datetime.now(dt.UTC))
    finally:
        db.dispose()
