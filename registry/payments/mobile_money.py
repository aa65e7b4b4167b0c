"""A mobile-money operator's collection API over httpx (the MTN MoMo / M-Pesa shape).

    POST /v1/requesttopay            X-Reference-Id: <our idempotency key, a UUID>
                                     X-Callback-Url: <where the result is POSTed>
                                     {"amount", "currency", "externalId",
                                      "payer": {"partyIdType": "MSISDN", "partyId"},
                                      "payerMessage", "payeeNote"}
                                     → 202 {"reference", "status": "PENDING"}
    GET  /v1/requesttopay/{ref}      ref: the provider's reference or our reference id
                                     → 200 {"reference", "externalId", "amount", "currency",
                                            "status": PENDING|SUCCESSFUL|FAILED, "reason"}
                                     → 404 never heard of it
    POST /v1/refund                  X-Reference-Id: <the refund's own key>, X-Callback-Url
                                     {"reference", "amount", "currency", "reason"} → 202
    GET  /v1/refund/{ref}            as the payment's status
    every request                    Authorization: Bearer <API key>

Amounts are integers in the currency's minor units. Sending the same X-Reference-Id again
with the same body is answered with the same reference (no second charge).

Errors are translated once, here: no connection or 502/503 → `ProviderDown` (the request did
not arrive); a timeout or 504 → `ProviderTimeout` (it may have arrived: ask the status); a 4xx
with the operator's code → `ProviderDeclined`; anything else unexpected →
`ProviderProtocolError`. Timeouts are bounded (connect 3 s, each read or write 10 s by
default). It does not retry: the ledger's status query is the retry, with the same key.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from registry.payments.errors import (
    ProviderDeclined,
    ProviderDown,
    ProviderProtocolError,
    ProviderTimeout,
)
from registry.payments.provider import Accepted, PayRequest, RefundRequest, StatusAnswer
from registry.payments.states import Answer

__all__ = ["MobileMoney"]

log = logging.getLogger(__name__)

MAX_REFERENCE = 64


class MobileMoney:
    """The adapter; use it as a context manager or call `close()`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        name: str = "mobile-money",
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> MobileMoney:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the calls ---------------------------------------------------------------------------

    def request_to_pay(self, req: PayRequest) -> Accepted:
        body = {
            "amount": req.amount,
            "currency": req.currency,
            "externalId": req.idempotency_key,
            "payer": {"partyIdType": "MSISDN", "partyId": req.msisdn.lstrip("+")},
            "payerMessage": req.message[:160],
            "payeeNote": req.message[:160],
        }
        answer = self._send("POST", "/v1/requesttopay", body, req.idempotency_key, req.callback_url)
        return Accepted(_reference(answer))

    def payment_status(self, reference: str) -> StatusAnswer | None:
        return self._status("/v1/requesttopay/", reference)

    def refund(self, req: RefundRequest) -> Accepted:
        body = {
            "reference": req.provider_reference,
            "amount": req.amount,
            "currency": req.currency,
            "reason": req.reason[:160],
        }
        answer = self._send("POST", "/v1/refund", body, req.idempotency_key, req.callback_url)
        return Accepted(_reference(answer))

    def refund_status(self, reference: str) -> StatusAnswer | None:
        return self._status("/v1/refund/", reference)

    # -- HTTP ---------------------------------------------------------------------------------

    def _send(
        self, method: str, path: str, body: dict[str, Any], key: str, callback_url: str | None
    ) -> dict[str, Any]:
        headers = {"X-Reference-Id": key}
        if callback_url:
            headers["X-Callback-Url"] = callback_url
        response = self._request(method, path, json=body, headers=headers)
        if response.status_code != 202:
            self._refused(response, path)
        return _json(response, path)

    def _status(self, prefix: str, reference: str) -> StatusAnswer | None:
        if not _safe_reference(reference):
            raise ProviderProtocolError("a reference outside the provider's alphabet")
        path = prefix + reference
        response = self._request("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            self._refused(response, path)
        data = _json(response, path)
        try:
            return StatusAnswer(
                reference=_reference(data),
                external_id=_opt_str(data.get("externalId")),
                amount=_int(data["amount"]),
                currency=str(data["currency"]),
                answer=Answer(str(data["status"]).upper()),
                reason=_opt_str(data.get("reason")),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ProviderProtocolError(
                f"the provider's status answer is malformed ({exc})"
            ) from None

    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            return self._client.request(method, path, **kw)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
                log.warning("%s: no connection to %s in time", self.name, self.base_url)
                raise ProviderDown("the provider did not accept a connection in time") from exc
            log.warning("%s: no answer from %s in time (%s)", self.name, path, type(exc).__name__)
            raise ProviderTimeout("the provider did not answer in time") from exc
        except httpx.TransportError as exc:
            log.warning("%s: cannot reach %s (%s)", self.name, self.base_url, type(exc).__name__)
            if isinstance(exc, httpx.ConnectError):
                raise ProviderDown("the provider cannot be reached") from exc
            # the connection broke after the request went out: it may have arrived
            raise ProviderTimeout("the connection to the provider broke") from exc

    def _refused(self, response: httpx.Response, path: str) -> None:
        status = response.status_code
        code = _error_code(response)
        log.warning("%s: %s answered %d %s", self.name, path, status, code or "")
        if status in (502, 503):
            raise ProviderDown(f"the provider is unavailable ({status})")
        if status == 504:
            raise ProviderTimeout("the provider's gateway timed out (504)")
        if status in (401, 403):
            raise ProviderDown(f"the provider refused our credentials ({status}): check [payments]")
        if 400 <= status < 500 and status != 409:
            raise ProviderDeclined(
                f"the provider refused the request ({code})", reason=code or "REJECTED"
            )
        raise ProviderProtocolError(f"unexpected answer {status} from the provider")


def _json(response: httpx.Response, path: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise ProviderProtocolError(f"the provider's answer to {path} is not JSON") from None
    if not isinstance(data, dict):
        raise ProviderProtocolError(f"the provider's answer to {path} is not an object")
    return data


def _error_code(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    code = data.get("code") if isinstance(data, dict) else None
    return str(code)[:40] if isinstance(code, str) and code.isascii() else None


def _safe_reference(text: str) -> bool:
    return (
        0 < len(text) <= MAX_REFERENCE
        and all(c.isalnum() or c in "-_." for c in text)
        and text.isascii()
    )


def _reference(data: dict[str, Any]) -> str:
    ref = data.get("reference")
    if not isinstance(ref, str) or not _safe_reference(ref):
        raise ProviderProtocolError("the provider's answer has no usable reference")
    return ref


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("amount is not an integer")
    return int(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)[:200]
