"""The kiosk's client retries (through stamina) only where repeating cannot do harm: a request
that never reached the registry always, a lost answer or a 503 only for safe calls, a login
never; each attempt signed afresh."""

from __future__ import annotations

import httpx
import pytest

from registry.client import RegistryClient
from registry.errors import RegistryUnreachable, ServiceUnavailable
from tests.support.registry import Kiosk, LiveServer, Registry, login
from tests.support.servers import closed_port_url
from verifier.keys import SigningKey


class Counting(httpx.HTTPTransport):
    """The real transport, counting what was sent; optionally losing the answers to one path
    (the request reached the server, its answer did not reach us)."""

    def __init__(self, lose: str | None = None) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []
        self.lose = lose

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        response = super().handle_request(request)
        if self.lose is not None and request.url.path == self.lose:
            response.read()
            response.close()
            raise httpx.ReadError("connection reset after the request was sent")
        return response


def test_an_unreachable_registry_is_tried_again_with_fresh_signatures() -> None:
    transport = Counting()
    url = closed_port_url()
    with (
        RegistryClient(
            url, "K-1", SigningKey.generate(), retries=2, backoff=0.01, transport=transport
        ) as client,
        pytest.raises(RegistryUnreachable) as err,
    ):
        client.login(national_id="9941510936", pin="123456")
    assert type(err.value) is RegistryUnreachable
    assert len(transport.sent) == 3  # a refused connection never reached it: safe even for login
    nonces = {r.headers["X-Sanad-Nonce"] for r in transport.sent}
    assert len(nonces) == 3


def test_a_lost_answer_is_retried_for_safe_calls_only(
    server: LiveServer, registry: Registry
) -> None:
    key = registry.enroll("K-LOST")
    citizen = registry.citizens()[0]
    lost_login = Counting(lose="/api/v1/auth/login")
    with (
        server.client("K-LOST", key, retries=2, backoff=0.01, transport=lost_login) as client,
        pytest.raises(RegistryUnreachable),
    ):
        login(client, citizen)
    assert len(lost_login.sent) == 1  # a login is never repeated: it counts against the PIN
    lost_reads = Counting(lose="/api/v1/fees")
    with (
        server.client("K-LOST", key, retries=2, backoff=0.01, transport=lost_reads) as client,
        pytest.raises(RegistryUnreachable),
    ):
        client.fees()
    assert len(lost_reads.sent) == 3


@pytest.mark.postgres
def test_a_503_is_retried_then_reported(pg_registry: Registry) -> None:
    from sqlalchemy import create_engine, text

    from tests.support.postgres import PG_ADMIN

    key = pg_registry.enroll("K-503")
    with LiveServer(pg_registry) as live:
        transport = Counting()
        with live.client("K-503", key, retries=2, backoff=0.01, transport=transport) as client:
            kiosk = Kiosk("K-503", key, client)
            assert kiosk.client.fees()
            name = pg_registry.url.rsplit("/", 1)[1]
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text("ALTER DATABASE " + f'"{name}"' + " WITH ALLOW_CONNECTIONS false"))
                c.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                    ),
                    {"n": name},
                )
            try:
                transport.sent.clear()
                with pytest.raises(ServiceUnavailable):
                    kiosk.client.fees()
                assert len(transport.sent) == 3
            finally:
                with admin.connect() as c:
                    c.execute(
                        text("ALTER DATABASE " + f'"{name}"' + " WITH ALLOW_CONNECTIONS true")
                    )
                admin.dispose()
