"""Fixtures for orders: a registry with a portal channel and a kiosk enrolled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.client import RegistryClient
from tests.support.registry import LiveServer, Registry, copied_registry


@pytest.fixture
def registry(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return copied_registry(tmp_path, tmp_path_factory)


@pytest.fixture
def server(registry: Registry) -> Iterator[LiveServer]:
    with LiveServer(registry) as live:
        yield live


@pytest.fixture
def portal(registry: Registry, server: LiveServer) -> Iterator[RegistryClient]:
    key = registry.enroll_portal("PORTAL-1")
    with server.client("PORTAL-1", key, retries=0) as c:
        yield c


@pytest.fixture
def kiosk(registry: Registry, server: LiveServer) -> Iterator[RegistryClient]:
    key = registry.enroll("IRB-001")
    with server.client("IRB-001", key, retries=0) as c:
        yield c
