"""Regenerate docs/gallery/: every document type at 384 and 576 dots, from the sample documents.

Run: .venv/bin/python scripts/make_gallery.py [--out docs/gallery]

Keys are fresh on every run (the gallery is for looking, not for verifying), so the QR codes
change each time while the text does not. Writes <type>-<width>.png (1-bit, 203 dpi, exactly as
the printer gets it) and README.md with one row per image.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from kiosk_app.layout import render_verdict
from verifier.fixtures import (
    ISSUER,
    SAMPLE_ISSUED_AT,
    sample_documents,
    sample_serial,
    sample_trust_list,
    signer_entry,
)
from verifier.keys import SigningKey
from verifier.sign import sign_document
from verifier.trust import load_trust_list
from verifier.verify import verify

URL = "https://verify.csr.example"
ROOT = Path(__file__).resolve().parent.parent

_README_HEAD = """# Certificate gallery

Every document type of the format, laid out by `kiosk_app.layout` at both paper widths:
384 dots (58 mm paper) and 576 dots (80 mm paper), 1-bit at 203 dpi, exactly the image the
printer receives. Regenerate with `.venv/bin/python scripts/make_gallery.py`; the samples are
`verifier.fixtures.sample_documents()` (deliberately long names and places), signed with
throwaway keys, so the QR codes change on every run and verify only against that run's trust
list.

How a certificate is laid out (`kiosk_app/layout/receipt.py` says why in more words):

- Top to bottom: the authority in Arabic and English, the document title, the serial, issue
  time (UTC unless the kiosk passes its time zone), issuer, issuing centre and kiosk; then
  every signed field in schema order; then the QR and how to verify it (the verifier address
  is configurable).
- Each field: the English label at the left and the Arabic label at the right of one line;
  then the Arabic value right-aligned and set right to left, and the Latin value
  left-aligned. A value that reads the same in both (a date, a number) goes once, between the
  two labels; a short pair (Male / ذكر) shares one line with its labels.
- Arabic in Amiri shaped by raqm (FriBiDi); Latin in DejaVu Sans Condensed. Numbers that
  follow Arabic are bidi-isolated so a date reads 2018-10-05 on both sides. Lines are wrapped
  by words measured with the real font, a word wider than the paper is cut, and lines are
  stacked by their ink, so nothing is clipped and no paper is left blank.
- QR: alphanumeric mode, error correction Q (M, then L, only when Q would need modules under
  4 dots on 58 mm), modules as many whole dots as fit, 4-module quiet zone inside the paper.

| document | paper | length | QR | image |
|---|---|---|---|---|
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "gallery")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    root, signer = SigningKey.generate(), SigningKey.generate()
    entry = signer_entry(signer, not_before=SAMPLE_ISSUED_AT - dt.timedelta(days=1))
    trust = load_trust_list(sample_trust_list(root, [entry]), [root.public])
    rows = []
    for doc_type, document in sample_documents().items():
        text = sign_document(
            document,
            serial=sample_serial(doc_type),
            issuer=ISSUER,
            issued_at=SAMPLE_ISSUED_AT,
            key=signer,
        )
        verdict = verify(text, trust, SAMPLE_ISSUED_AT + dt.timedelta(hours=1))
        if not verdict.valid:
            raise SystemExit(f"{doc_type.slug}: sample does not verify: {verdict.reason}")
        for width, paper in ((384, "58 mm"), (576, "80 mm")):
            receipt = render_verdict(verdict, text, width_dots=width, verifier_url=URL)
            name = f"{doc_type.slug}-{width}.png"
            receipt.image.save(out / name, format="PNG", optimize=True, dpi=(203, 203))
            qr = receipt.qr
            rows.append(
                f"| {doc_type.slug.replace('_', ' ')} | {paper} | {receipt.height_mm:.0f} mm "
                f"| v{qr.version}-{qr.ecc.value}, {qr.module_dots} dots/module "
                f"| [{name}]({name}) |"
            )
            print(f"wrote {out / name} ({receipt.height_mm:.0f} mm)")
    (out / "README.md").write_text(_README_HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {out / 'README.md'}")


if __name__ == "__main__":
    main()
