"""Request bodies are capped before routing, on a real uvicorn server in its own process: a
large announced body is refused unread, a large chunked body after at most the limit, with
413 in the API's error shape, and the server's memory stays bounded."""

from __future__ import annotations

import json
import select
import socket
import time
from pathlib import Path

import httpx

from tests.support.registry import Registry, registry_process

MiB = 1024 * 1024


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _read_response(sock: socket.socket, timeout: float = 10.0) -> tuple[int, dict[str, object]]:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, json.loads(rest[:length])


def _chunked_upload(port: int, path: str, total: int) -> tuple[int, dict[str, object], int]:
    """Stream up to `total` bytes as chunks; stop as soon as the server answers. Returns the
    status, the JSON body and how many bytes were sent before the answer came."""
    sock = socket.create_connection(("127.0.0.1", port))
    try:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        piece = b"x" * 65536
        chunk = b"%x\r\n" % len(piece) + piece + b"\r\n"
        sent = 0
        sock.setblocking(False)
        while sent < total:
            readable, writable, _ = select.select([sock], [sock], [], 10)
            if readable:
                break
            if writable:
                try:
                    sent += sock.send(chunk)
                except BlockingIOError:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    break
        else:
            sock.setblocking(True)
            sock.sendall(b"0\r\n\r\n")
        sock.setblocking(True)
        status, body = _read_response(sock)
        return status, body, sent
    finally:
        sock.close()


def test_large_and_streamed_bodies_are_refused_before_routing(registry: Registry) -> None:
    with registry_process(registry, workers=1) as server:
        port = server.port
        # warm up the routes once, so the memory baseline includes imports and caches
        httpx.post(f"{server.url}/api/v1/documents", content=b"{}", timeout=10)
        before = _rss_kib(server.proc.pid)

        # an announced length over the limit: refused without reading the body
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(
                b"POST /api/v1/documents HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 419430400\r\n\r\n"
            )
            status, body = _read_response(sock)
        assert status == 413
        assert body["error"]["code"] == "body_too_large"  # type: ignore[index]

        # a chunked body with no length: refused once it passes 64 KiB, for every route
        for path in ("/api/v1/documents", "/api/v1/auth/login", "/api/v1/no-such-route"):
            t0 = time.monotonic()
            status, body, sent = _chunked_upload(port, path, 200 * MiB)
            assert status == 413, (path, status, body)
            assert body == {
                "error": {"code": "body_too_large", "message": body["error"]["message"]}  # type: ignore[index]
            }
            # the answer came long before the 200 MiB were sent (socket buffers aside)
            assert sent < 40 * MiB, sent
            assert time.monotonic() - t0 < 10

        grown = _rss_kib(server.proc.pid) - before
        assert grown < 20 * 1024, f"the server grew by {grown} KiB"

        # a body within the limit still reaches the application (a 401: it is not signed)
        r = httpx.post(
            f"{server.url}/api/v1/kiosk/heartbeat", content=b"{" + b" " * 60000 + b"}", timeout=10
        )
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "signature_missing"


def test_malformed_content_length_is_a_400(registry: Registry) -> None:
    with registry_process(registry, workers=1) as server:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(
                b"POST /api/v1/documents HTTP/1.1\r\nHost: x\r\n"
                b"Content-Length: 99999999999999999999999\r\n\r\n"
            )
            sock.settimeout(10)
            head = sock.recv(65536)
        assert head.split(b" ", 2)[1] in (b"400", b"413")
