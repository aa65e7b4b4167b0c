"""Fixtures for the layout tests: fresh keys, a trust list, and every sample document signed,
verified and rendered at both paper widths (rendered once per session: it is the slow part)."""

from __future__ import annotations

import pytest
from layout_support import MASTHEAD, WIDTHS, Authority, Signed, serial_for

from hardware.layout import Receipt, render_verdict
from verifier.documents import DocumentType
from verifier.fixtures import sample_documents


@pytest.fixture(scope="session")
def authority() -> Authority:
    return Authority()


@pytest.fixture(scope="session")
def signed(authority: Authority) -> dict[DocumentType, Signed]:
    return {t: authority.sign(d, serial_for(t)) for t, d in sample_documents().items()}


@pytest.fixture(scope="session")
def receipts(signed: dict[DocumentType, Signed]) -> dict[tuple[DocumentType, int], Receipt]:
    return {
        (t, int(w)): render_verdict(s.verdict, s.qr_text, width_dots=w, masthead=MASTHEAD)
        for t, s in signed.items()
        for w in WIDTHS
    }
