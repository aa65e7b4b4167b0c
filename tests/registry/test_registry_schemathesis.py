"""Property-based API tests: schemathesis drives every operation with generated input.

Requests are signed with an enrolled kiosk's key (so generated bodies reach the handlers, not
just the signature check) and carry a live citizen session; the answer must never be a 5xx and
its status must be one the OpenAPI description documents. Bounded: 25 examples per operation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, status_code_conformance

from registry.signing import sign_request
from tests.support.registry import LiveServer, Registry, login
from verifier.keys import SigningKey


class SigningAdapter(requests.adapters.HTTPAdapter):
    """Signs each request as the kiosk would, after schemathesis has built it."""

    def __init__(self, kiosk_id: str, key: SigningKey, token: str) -> None:
        super().__init__()
        self.kiosk_id, self.key, self.token = kiosk_id, key, token

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        assert request.method is not None and request.path_url is not None
        request.headers.update(
            sign_request(self.key, self.kiosk_id, request.method, request.path_url, body)
        )
        request.headers.setdefault("Authorization", f"Bearer {self.token}")
        return super().send(request, *args, **kwargs)


@pytest.fixture
def api_server(registry: Registry) -> Iterator[tuple[LiveServer, requests.Session]]:
    with LiveServer(registry) as live:
        key = registry.enroll("FUZZ-1")
        with live.client("FUZZ-1", key) as client:
            token = login(client, registry.citizens()[0]).token
        session = requests.Session()
        session.mount("http://", SigningAdapter("FUZZ-1", key, token))
        yield live, session
        session.close()


def test_api_never_fails_on_generated_input(
    api_server: tuple[LiveServer, requests.Session],
) -> None:
    live, session = api_server
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    statuses: Counter[int] = Counter()
    for operation in operations:

        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(session=session, timeout=30)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])

        check()
    # the generator reached the handlers, not only the validators
    assert sum(statuses.values()) >= 150
    assert statuses[200] + statuses[201] >= 10, statuses
