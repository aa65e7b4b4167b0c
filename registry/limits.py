"""Request-size limits enforced before routing: a pure ASGI middleware.

`BodyLimit` wraps the registry's application. It answers `413 body_too_large` in the API's
error shape when the `Content-Length` header announces more than `max_body` bytes (the body is
never read), `400 invalid_request` when that header is malformed or repeated, and, for a body
sent without a length (chunked), reads at most `max_body + 1` bytes before answering 413. A
body within the limit is read whole here (at most 64 KiB), then replayed to the application,
so no handler, dependency or signature check ever sees more than the limit, and the memory a
request can cost is bounded by the limit, not by what the client sends.

No I/O beyond the ASGI messages; nothing of the body is logged.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from registry.codes import ErrorCode

__all__ = ["BodyLimit"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _answer(send: Send, status: int, code: ErrorCode, message: str) -> None:
    body = json.dumps({"error": {"code": code.value, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies larger than `max_body` bytes before the application sees them."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"the request body is larger than {self.max_body} bytes"
        lengths = [v for k, v in scope.get("headers", ()) if k.lower() == b"content-length"]
        if len(lengths) > 1 or (lengths and not (lengths[0].isdigit() and len(lengths[0]) < 20)):
            await _answer(send, 400, ErrorCode.INVALID_REQUEST, "malformed Content-Length")
            return
        if lengths and int(lengths[0]) > self.max_body:
            await _answer(send, 413, ErrorCode.BODY_TOO_LARGE, too_large)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away: nothing to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _answer(send, 413, ErrorCode.BODY_TOO_LARGE, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as servers do

        await self.app(scope, replay, send)
