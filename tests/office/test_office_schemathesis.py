"""schemathesis over the office API: with a supervisor's bearer token no generated request
gets a 5xx or an undocumented status; without one, every operation but sign-in is 401; with
an administrator's, the administrators' operations neither."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, status_code_conformance

from tests.office.office_support import Site


def office_operations(site: Site) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{site.url}/openapi.json")
    ops = [r.ok() for r in schema.get_all_operations()]  # type: ignore[union-attr]
    return [op for op in ops if op.path.startswith("/api/v1/office/")]


def run(ops: list[Any], session: requests.Session, statuses: Counter[int], n: int) -> None:
    for operation in ops:

        @settings(
            max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(session=session, timeout=30)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
            creates = case.operation.path.startswith("/api/v1/office/admin/")  # may add
            if not creates and (
                case.operation.path != "/api/v1/office/session" or case.method != "POST"
            ):
                assert response.status_code != 201

        check()


def test_office_api_with_and_without_a_token(populated_site: Site) -> None:
    site = populated_site
    ops = office_operations(site)
    assert len(ops) >= 5
    site.next_step()
    token = httpx.post(
        f"{site.url}/api/v1/office/session",
        json={
            "username": "huda.supervisor",
            "password": site.passwords["huda.supervisor"],
            "code": site.code("huda.supervisor"),
        },
    ).json()["token"]
    # the generated DELETE /session would end the token's session: keep it for the end
    ordered = sorted(ops, key=lambda op: (op.method.upper() == "DELETE", op.path))
    with requests.Session() as anonymous:
        bare: Counter[int] = Counter()
        run(ordered, anonymous, bare, 15)
        assert set(bare) <= {401, 422}, bare
    with requests.Session() as signed:
        signed.headers["Authorization"] = f"Bearer {token}"
        statuses: Counter[int] = Counter()
        run(ordered, signed, statuses, 20)
    assert statuses[200] >= 10, statuses


ADMIN_PATHS = {
    "/api/v1/office/admin/staff",
    "/api/v1/office/admin/staff/{username}/disable",
    "/api/v1/office/admin/staff/{username}/reset",
    "/api/v1/office/admin/staff/{username}/unlock",
    "/api/v1/office/admin/kiosks",
    "/api/v1/office/admin/kiosks/{kiosk_id}/revoke",
    "/api/v1/office/admin/fees",
    "/api/v1/office/admin/fees/{document_type}",
    "/api/v1/office/admin/offices",
    "/api/v1/office/admin/offices/{code}/close",
}


def test_administrators_operations_with_an_administrators_token(populated_site: Site) -> None:
    site = populated_site
    ops = [op for op in office_operations(site) if op.path.startswith("/api/v1/office/admin/")]
    assert {op.path for op in ops} == ADMIN_PATHS
    site.next_step()
    token = httpx.post(
        f"{site.url}/api/v1/office/session",
        json={
            "username": "sami.admin",
            "password": site.passwords["sami.admin"],
            "code": site.code("sami.admin"),
        },
    ).json()["token"]
    with requests.Session() as anonymous:
        bare: Counter[int] = Counter()
        run(ops, anonymous, bare, 5)
        assert set(bare) <= {401}, bare
    with requests.Session() as signed:
        signed.headers["Authorization"] = f"Bearer {token}"
        statuses: Counter[int] = Counter()
        run(ops, signed, statuses, 15)
    assert statuses[200] >= 4 and statuses[422] >= 4, statuses
