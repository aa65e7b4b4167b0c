"""Helpers for the verifier tests: a fixed moment and a root and signer key pair with their
trust list. The fixtures in conftest.py build on these; tests import them from here, never
from conftest.py."""

from __future__ import annotations

import datetime as dt

from verifier.fixtures import sample_trust_list, signer_entry
from verifier.keys import SigningKey
from verifier.trust import TrustList, load_trust_list

__all__ = ["NOW", "Keys"]

NOW = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)


class Keys:
    def __init__(self) -> None:
        self.root = SigningKey.generate()
        self.signer = SigningKey.generate()

    def trust(self, **kw: object) -> TrustList:
        entry = signer_entry(self.signer, not_before=NOW - dt.timedelta(days=10))
        data = sample_trust_list(self.root, [entry], issued_at=NOW - dt.timedelta(hours=1), **kw)  # type: ignore[arg-type]
        return load_trust_list(data, [self.root.public])
