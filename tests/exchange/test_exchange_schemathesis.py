"""schemathesis over the exchange listener, on the real socket with mutual TLS: every request
carries a valid agency certificate (so generated bodies reach the handler, not the handshake),
the agency's legal basis allows every query and its rate is high enough not to be the answer.
No generated request may get a 5xx, and every response (status, content type, body) must be
the one the OpenAPI document describes. The document is read over the same mutual-TLS
connection. Bounded: 40 examples for the operation, plus explicit cases for each query
(answered, refused, malformed, a NUL in every field). On SQLite and on PostgreSQL, which
refuses a NUL in text where SQLite stores it (that was a 500 before the listener refused
control characters).
"""

from __future__ import annotations

import ssl
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from registry.exchange.agencies import QUERIES
from registry.models import Person
from tests.exchange.exchange_support import World, exchange_world
from tests.support.postgres import throwaway_database

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class MutualTls(requests.adapters.HTTPAdapter):
    """requests over the exchange's TLS: the test's server certificate as the only trust
    anchor (the context httpx is given in the other tests) and the agency's client
    certificate."""

    def __init__(self, ctx: ssl.SSLContext) -> None:
        self.ctx = ctx
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self.ctx
        super().init_poolmanager(*args, **kwargs)


def _session(world: World, cert: tuple[Path, Path]) -> requests.Session:
    ctx = ssl.create_default_context(cafile=str(world.server_cert))
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    session = requests.Session()
    session.mount("https://", MutualTls(ctx))
    return session


def _schema(world: World, session: requests.Session) -> Any:
    document = session.get(f"{world.url}/openapi.json", timeout=10)
    assert document.status_code == 200
    return schemathesis.openapi.from_dict(document.json())


@contextmanager
def _world(tmp_path: Path, factory: pytest.TempPathFactory, url: str | None) -> Iterator[World]:
    bases = {"pension": sorted(QUERIES)}
    with exchange_world(tmp_path, factory, bases, 100_000, url) as w:
        yield w


def test_exchange_never_fails_and_answers_as_documented(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with _world(tmp_path, tmp_path_factory, None) as world:
        _fuzz(world)


@pytest.mark.postgres
def test_exchange_on_postgresql_never_fails(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """PostgreSQL refuses what SQLite stores (a NUL in text): the same run there."""
    with (
        throwaway_database("sanad_exchange_fuzz") as url,
        _world(tmp_path, tmp_path_factory, url) as world,
    ):
        _fuzz(world)


def _fuzz(world: World) -> None:
    cert, key, _ = world.issue("PENS")
    with world.db.session() as s:
        national_id = s.execute(select(Person.national_id).limit(1)).scalar_one()
    with _session(world, (cert, key)) as session:
        schema = _schema(world, session)
        operations = [r.ok() for r in schema.get_all_operations()]
        assert [(op.method.upper(), op.path) for op in operations] == [
            ("POST", "/api/v1/exchange/{query}")
        ]
        (operation,) = operations
        statuses: Counter[int] = Counter()

        def call(case: Any) -> None:
            response = case.call(session=session, base_url=world.url, timeout=30)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)

        @settings(
            max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy())
        def generated(case: Any) -> None:
            call(case)

        generated()
        # each query answered, refused (nobody's number) and malformed, checked the same way
        for query in sorted(QUERIES):
            for fields in (
                {"national_id": national_id, "child_national_id": national_id, "serial": "X1"},
                {"national_id": "0000000000", "child_national_id": "0000000000"},
                {"national_id": "12"},
                {"national_id": "\x00", "child_national_id": "\x00", "serial": "A\x00"},
            ):
                body = {"legal_basis": "pension", "case_reference": "C-1", **fields}
                call(operation.Case(path_parameters={"query": query}, body=body))
        call(operation.Case(path_parameters={"query": "no_such_query"}, body=body))
    assert statuses[200] >= 3 and statuses[403] >= 5, statuses
    assert statuses[422] >= 5 and statuses[404] >= 1, statuses
