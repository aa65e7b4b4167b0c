"""Fuzzing the service: schemathesis against its OpenAPI description, hypothesis on /verify.

Bounded (at most ~100 examples per endpoint) so the run stays short. The property throughout:
bad input is a 4xx with a reason or a verdict, never a 5xx, and nothing altered verifies as
a different document.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from service_support import Material

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def test_api_never_answers_5xx_and_matches_its_description(service: str) -> None:
    # Driven by hand rather than with schemathesis.pytest.from_fixture, which reads the
    # `_nodeid` attribute pytest 9 no longer has.
    schema = schemathesis.openapi.from_url(f"{service}/api/v1/openapi.json")
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    operations = [result.ok() for result in schema.get_all_operations()]
    calls: list[str] = []
    assert {op.path for op in operations} >= {"/api/v1/verify", "/api/v1/verify-image"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=60 if operation.method.upper() == "POST" else 10,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def run(case: schemathesis.Case) -> None:
            calls.append(case.operation.path)
            case.call_and_validate(base_url=service, checks=checks)

        run()
    assert calls.count("/api/v1/verify") >= 30  # the fuzzing really ran


@pytest.fixture(scope="module")
def client(service: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service, timeout=10) as c:
        yield c


_suppress = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@given(text=st.text(max_size=300) | st.text(alphabet=BASE45, max_size=600).map("SN1D:".__add__))
@settings(max_examples=100, deadline=None, suppress_health_check=_suppress)
def test_any_text_gets_a_verdict_or_a_4xx(client: httpx.Client, text: str) -> None:
    r = client.post("/api/v1/verify", json={"qr_text": text})
    assert r.status_code < 500
    if r.status_code == 200:
        assert r.json()["valid"] is False
    else:
        assert r.status_code == 422
        assert r.json()["detail"]


@given(data=st.data())
@settings(max_examples=100, deadline=None, suppress_health_check=_suppress)
def test_a_mutated_code_never_verifies_as_another_document(
    client: httpx.Client, material: Material, data: st.DataObject
) -> None:
    original = material.birth
    i = data.draw(st.integers(min_value=5, max_value=len(original) - 1), label="position")
    c = data.draw(st.sampled_from(BASE45).filter(lambda ch: ch != original[i]), label="char")
    mutated = original[:i] + c + original[i + 1 :]
    r = client.post("/api/v1/verify", json={"qr_text": mutated})
    assert r.status_code == 200
    v = r.json()
    if v["valid"]:
        baseline = client.post("/api/v1/verify", json={"qr_text": original}).json()
        assert v["document"] == baseline["document"]


@given(
    body=st.one_of(
        st.binary(max_size=2000),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids),
            max_leaves=10,
        ).map(lambda v: httpx.Request("POST", "/", json=v).content),
    ),
    content_type=st.sampled_from(["application/json", "text/plain", "multipart/form-data"]),
)
@settings(max_examples=100, deadline=None, suppress_health_check=_suppress)
def test_arbitrary_bodies_get_a_4xx_or_a_verdict(
    client: httpx.Client, body: bytes, content_type: str
) -> None:
    for path in ("/api/v1/verify", "/api/v1/verify-image"):
        r = client.post(path, content=body, headers={"Content-Type": content_type})
        assert r.status_code < 500, (path, r.status_code, r.text)
        if r.status_code >= 400:
            assert r.json()["detail"]
