"""Helpers shared by the layout tests: an authority with fresh keys, QR decoding."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import zxingcpp
from PIL import Image

from hardware.layout import PaperWidth
from hardware.layout.receipt import Masthead
from verifier.documents import Document, DocumentType
from verifier.fixtures import AUTHORITY, IDENTITY, PLACES
from verifier.keys import SigningKey
from verifier.sign import sign_document
from verifier.trust import SignerEntry, TrustList, load_trust_list, sign_trust_list
from verifier.verify import Verdict, verify

ISSUER = "CSR"
ISSUED_AT = dt.datetime(2026, 11, 2, 9, 41, 7, tzinfo=dt.UTC)
CHECK_AT = ISSUED_AT + dt.timedelta(hours=1)
VERIFIER_URL = IDENTITY.verify_url
# The pilot jurisdiction, as the test trust lists publish it (the same as the fixtures').
PILOT_AUTHORITY = AUTHORITY
MASTHEAD = Masthead(PILOT_AUTHORITY, VERIFIER_URL)
WIDTHS = (PaperWidth.MM58, PaperWidth.MM80)
TYPES = tuple(DocumentType)


@dataclass(frozen=True)
class Signed:
    document: Document
    qr_text: str
    verdict: Verdict


class Authority:
    """A root key, a document signer, and the trust list that vouches for it."""

    def __init__(self) -> None:
        self.root = SigningKey.generate()
        self.signer = SigningKey.generate()
        entry = SignerEntry(
            public_key=self.signer.public.raw,
            issuer=ISSUER,
            not_before=ISSUED_AT - dt.timedelta(days=10),
            not_after=ISSUED_AT + dt.timedelta(days=80),
            document_types=frozenset(int(t) for t in DocumentType),
        )
        tl = TrustList(
            sequence=1,
            issued_at=ISSUED_AT,
            next_update=ISSUED_AT + dt.timedelta(days=1),
            authority=PILOT_AUTHORITY,
            signers=(entry,),
            places=PLACES,
            identity=IDENTITY,
        )
        self.trust_bytes = sign_trust_list(tl, self.root)
        self.trust = load_trust_list(self.trust_bytes, [self.root.public])

    def sign(self, document: Document, serial: str) -> Signed:
        text = sign_document(
            document, serial=serial, issuer=ISSUER, issued_at=ISSUED_AT, key=self.signer
        )
        verdict = verify(text, self.trust, CHECK_AT)
        assert verdict.valid, verdict.reason
        return Signed(document, text, verdict)


def serial_for(doc_type: DocumentType) -> str:
    return f"{doc_type.slug[:2].upper()}26-{1000417 + int(doc_type):08d}"


def decode_qr_texts(image: Image.Image) -> list[str]:
    """Every QR text zxing-cpp finds in an image."""
    grey = image.convert("L")
    return [
        r.text
        for r in zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
        if r.valid
    ]


def contains(image: Image.Image, template: Image.Image) -> bool:
    """True if template appears pixel for pixel somewhere in image (both "L", 0/255)."""
    img, tpl = image.convert("L"), template.convert("L")
    w, h = tpl.size
    rows = [img.tobytes()[y * img.width : (y + 1) * img.width] for y in range(img.height)]
    trows = [tpl.tobytes()[y * w : (y + 1) * w] for y in range(h)]
    for y in range(img.height - h + 1):
        x = rows[y].find(trows[0])
        while x != -1:
            if x + w <= img.width and all(rows[y + i][x : x + w] == trows[i] for i in range(1, h)):
                return True
            x = rows[y].find(trows[0], x + 1)
    return False
