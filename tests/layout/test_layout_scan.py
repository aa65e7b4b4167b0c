"""Scannability: every receipt still scans and verifies after what a phone photo does to it."""

from __future__ import annotations

import pytest
from layout_degrade import DEGRADATIONS
from layout_support import CHECK_AT, Authority, Signed, decode_qr_texts

from hardware.layout import Receipt
from verifier.documents import DocumentType
from verifier.verify import verify


@pytest.mark.parametrize("name", list(DEGRADATIONS))
def test_every_receipt_scans_after_degradation(
    name: str,
    receipts: dict[tuple[DocumentType, int], Receipt],
    signed: dict[DocumentType, Signed],
    authority: Authority,
    capsys: pytest.CaptureFixture[str],
) -> None:
    degrade = DEGRADATIONS[name]
    failed = []
    for (doc_type, width), receipt in receipts.items():
        texts = decode_qr_texts(degrade(receipt.image))
        ok = (
            texts == [signed[doc_type].qr_text]
            and verify(texts[0], authority.trust, CHECK_AT).valid
        )
        if not ok:
            failed.append(f"{doc_type.slug}-{width}")
    fraction = 1 - len(failed) / len(receipts)
    with capsys.disabled():
        print(
            f"\n  scan after {name}: {fraction:.0%} of {len(receipts)} receipts decoded and VALID"
        )
    assert failed == []
