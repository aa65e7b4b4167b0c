"""The mobile-money adapter against the simulator process: the operator's API shape, the
idempotency key, and every provider failure mapped to its exception."""

from __future__ import annotations

import uuid

import httpx
import pytest

from registry.payments.errors import (
    ProviderDeclined,
    ProviderDown,
    ProviderProtocolError,
    ProviderTimeout,
)
from registry.payments.mobile_money import MobileMoney
from registry.payments.provider import PayRequest, RefundRequest, StatusAnswer
from registry.payments.states import Answer
from tests.payments.support import MSISDN, Sim
from tests.support.servers import closed_port_url, wait_for


def _settled(provider: MobileMoney, reference: str, *, refund: bool = False) -> StatusAnswer:
    """The provider's answer once it is no longer PENDING."""

    def done() -> StatusAnswer | None:
        s = (provider.refund_status if refund else provider.payment_status)(reference)
        return s if s is not None and s.answer is not Answer.PENDING else None

    answer = wait_for(done, what=f"{reference} to settle")
    assert answer is not None
    return answer


def _pay(key: str | None = None, amount: int = 1500, msisdn: str = MSISDN) -> PayRequest:
    return PayRequest(key or str(uuid.uuid4()), amount, "JOD", msisdn, None)


def test_request_to_pay_is_accepted_then_settles(provider: MobileMoney) -> None:
    req = _pay()
    accepted = provider.request_to_pay(req)
    assert accepted.reference.startswith("MP")
    first = provider.payment_status(accepted.reference)
    assert first is not None and first.answer in (Answer.PENDING, Answer.SUCCESSFUL)
    done = _settled(provider, accepted.reference)
    assert done.answer is Answer.SUCCESSFUL
    assert (done.amount, done.currency, done.external_id) == (1500, "JOD", req.idempotency_key)
    # the merchant's reference id finds it too (what a poll uses when the 202 was lost)
    by_key = provider.payment_status(req.idempotency_key)
    assert by_key is not None and by_key.reference == accepted.reference


def test_the_same_key_is_the_same_request(provider: MobileMoney) -> None:
    req = _pay()
    assert provider.request_to_pay(req) == provider.request_to_pay(req)
    with pytest.raises(ProviderProtocolError):
        provider.request_to_pay(_pay(req.idempotency_key, amount=1600))


def test_unknown_reference_is_none(provider: MobileMoney) -> None:
    assert provider.payment_status("MP0000000000000000") is None
    with pytest.raises(ProviderProtocolError):
        provider.payment_status("../../etc")


def test_a_payer_the_provider_does_not_know_is_declined(provider: MobileMoney) -> None:
    with pytest.raises(ProviderDeclined) as err:
        provider.request_to_pay(_pay(msisdn="+123"))
    assert err.value.reason == "PAYER_NOT_FOUND"


def test_down_and_unreachable_are_provider_down(sim: Sim, provider: MobileMoney) -> None:
    sim.faults(down=True)
    with pytest.raises(ProviderDown, match="unavailable"):
        provider.request_to_pay(_pay())
    with MobileMoney(closed_port_url(), "k" * 32) as nowhere, pytest.raises(ProviderDown):
        nowhere.request_to_pay(_pay())


def test_a_wrong_api_key_is_refused(sim: Sim) -> None:
    with (
        MobileMoney(sim.url, "wrong-key-" + "x" * 20) as wrong,
        pytest.raises(ProviderDown, match="credentials"),
    ):
        wrong.request_to_pay(_pay())


def test_slow_answer_is_a_timeout(sim: Sim, provider: MobileMoney) -> None:
    sim.faults(slow=1.0)
    with (
        MobileMoney(sim.url, sim.api_key, timeout=0.3) as impatient,
        pytest.raises(ProviderTimeout),
    ):
        impatient.request_to_pay(_pay())


def test_garbage_is_a_protocol_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(202, text="<html>hello</html>")

    mock = httpx.MockTransport(handler)  # the one stand-in: a provider answering garbage
    with (
        MobileMoney("http://provider.test", "k" * 32, transport=mock) as p,
        pytest.raises(ProviderProtocolError),
    ):
        p.request_to_pay(_pay())


def test_refund_of_a_successful_payment(provider: MobileMoney) -> None:
    accepted = provider.request_to_pay(_pay())
    assert _settled(provider, accepted.reference).answer is Answer.SUCCESSFUL
    req = RefundRequest(str(uuid.uuid4()), accepted.reference, 1500, "JOD", "not fulfilled", None)
    refund = provider.refund(req)
    assert refund.reference.startswith("MR") and provider.refund(req) == refund
    done = _settled(provider, refund.reference, refund=True)
    assert (done.answer, done.amount) == (Answer.SUCCESSFUL, 1500)
    with pytest.raises(ProviderDeclined):  # a second refund of the same payment
        provider.refund(
            RefundRequest(str(uuid.uuid4()), accepted.reference, 1500, "JOD", "x", None)
        )
