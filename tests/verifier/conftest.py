"""Fixtures for the verifier tests (the helpers behind them are in verifier_support.py)."""

from __future__ import annotations

import pytest

from verifier.documents import Document, DocumentType
from verifier.fixtures import sample_documents

from .verifier_support import Keys


@pytest.fixture
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="session")
def samples() -> dict[DocumentType, Document]:
    return sample_documents()
