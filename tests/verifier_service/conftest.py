"""Fixtures for the verification service tests (helpers live in service_support.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from service_support import Material, base_config, make_material, run_service

from verifier.service import ServiceConfig


@pytest.fixture(scope="session")
def material(tmp_path_factory: pytest.TempPathFactory) -> Material:
    """Fresh keys, a trust list issued two hours ago, and a signed sample of every type."""
    return make_material(Path(tmp_path_factory.mktemp("material")))


@pytest.fixture
def serve_app() -> Callable[..., AbstractContextManager[str]]:
    """serve_app(config, **create_app_kw) -> a context manager running the service, yielding
    its base URL."""

    def start(config: ServiceConfig, **kw: Any) -> AbstractContextManager[str]:
        return run_service(config, **kw)

    return start


@pytest.fixture(scope="module")
def service(material: Material) -> Iterator[str]:
    """One service for read-only API tests: trust list from a file, no rate limit."""
    with run_service(base_config(material)) as url:
        yield url
