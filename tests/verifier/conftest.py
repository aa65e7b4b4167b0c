from __future__ import annotations

import datetime as dt

import pytest

from verifier.documents import Document, DocumentType
from verifier.fixtures import sample_documents, sample_trust_list, signer_entry
from verifier.keys import SigningKey
from verifier.trust import TrustList, load_trust_list

NOW = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)


class Keys:
    def __init__(self) -> None:
        self.root = SigningKey.generate()
        self.signer = SigningKey.generate()

    def trust(self, **kw: object) -> TrustList:
        entry = signer_entry(self.signer, not_before=NOW - dt.timedelta(days=10))
        data = sample_trust_list(self.root, [entry], issued_at=NOW - dt.timedelta(hours=1), **kw)  # type: ignore[arg-type]
        return load_trust_list(data, [self.root.public])


@pytest.fixture
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="session")
def samples() -> dict[DocumentType, Document]:
    return sample_documents()
