from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.portal.portal_support import Site, portal_site


@pytest.fixture
def site(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with portal_site(tmp_path, tmp_path_factory) as s:
        yield s


@pytest.fixture
def paying_site(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The same, with the mobile-money simulator taking the payments."""
    with portal_site(tmp_path, tmp_path_factory, payments=True) as s:
        yield s
