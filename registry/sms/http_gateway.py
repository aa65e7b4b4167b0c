"""The second kind of gateway: an SMS HTTP API, over httpx.

The shape most SMS HTTP APIs share:

    POST {base}/messages
    Authorization: Bearer TOKEN
    Idempotency-Key: sanad-sms-<outbox row id>      (the same for every attempt)
    {"from": "Sanad", "to": "+9627...", "text": "..."}
    → 201/202 {"id": "...", "status": "accepted"}

4xx answers are the message's fault (`MessageRefused`, permanent, except 408/409/425/429);
5xx, timeouts and refused connections are the gateway's (`GatewayUnavailable`). The
Idempotency-Key is the outbox row's, so a retry after a crash between the provider's answer
and the outbox commit is recognised by a provider that honours it. Delivery reports of HTTP
APIs arrive as webhooks to the caller's own server; this adapter does not receive them
(`receipts` returns none), so such messages stay `sent`.
"""

from __future__ import annotations

from types import TracebackType

import httpx

from registry.sms.gateway import GatewayUnavailable, MessageRefused, Receipt

__all__ = ["HttpGateway"]

_TEMPORARY = {408, 409, 425, 429}


class HttpGateway:
    def __init__(
        self, base_url: str, *, token: str, source_addr: str = "Sanad", timeout: float = 10.0
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.token = token
        self.source_addr = source_addr
        self.timeout = timeout
        self._client: httpx.Client | None = None
        self.idempotency_key: str | None = None  # set by the worker per message

    def open(self) -> None:
        if self._client is None:
            self._client = httpx.Client(
                base_url=self.base_url,
                timeout=self.timeout,
                headers={"Authorization": f"Bearer {self.token}"},
            )

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> HttpGateway:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def send(self, to: str, text: str) -> str:
        self.open()
        assert self._client is not None
        headers = {"Idempotency-Key": self.idempotency_key} if self.idempotency_key else {}
        try:
            r = self._client.post(
                "messages",
                json={"from": self.source_addr, "to": to, "text": text},
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise GatewayUnavailable(f"the SMS API is unreachable ({type(exc).__name__})") from exc
        if r.status_code >= 500:
            raise GatewayUnavailable(f"the SMS API answered {r.status_code}")
        if r.status_code >= 400:
            raise MessageRefused(
                f"the SMS API refused the message ({r.status_code})",
                status=str(r.status_code),
                permanent=r.status_code not in _TEMPORARY,
            )
        try:
            message_id = r.json()["id"]
        except (ValueError, KeyError, TypeError) as exc:
            raise GatewayUnavailable("the SMS API's answer has no message id") from exc
        if not isinstance(message_id, str | int):
            raise GatewayUnavailable("the SMS API's message id is not a string")
        return str(message_id)

    def receipts(self, wait: float = 0.0) -> list[Receipt]:
        return []
