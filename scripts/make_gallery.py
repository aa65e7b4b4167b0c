"""Regenerate docs/gallery/: every document type at 384 and 576 dots, from the sample documents.

Run: .venv/bin/python scripts/make_gallery.py [--out docs/gallery]

Keys are fresh on every run (the gallery is for looking, not for verifying), so the QR codes
change each time while the text does not. Writes <type>-<width>.png (1-bit, 203 dpi, exactly as
the printer gets it), the same for a few variants that a reader of Arabic must check (a
married woman's individual extract, a family headed by a widow with an unmarried daughter),
and README.md with one row per image.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import replace
from pathlib import Path

from hardware.layout import render_a4, render_verdict
from hardware.layout.receipt import Masthead
from verifier.documents import (
    Bilingual,
    Document,
    DocumentType,
    FamilyMember,
    MaritalStatus,
    Place,
    Relation,
    Sex,
)
from verifier.fixtures import (
    ISSUER,
    SAMPLE_ISSUED_AT,
    sample_documents,
    sample_serial,
    sample_trust_list,
    signer_entry,
)
from verifier.keys import SigningKey
from verifier.national_id import make as make_nid
from verifier.payload import Claims
from verifier.sign import sign_document
from verifier.trust import load_trust_list
from verifier.verify import Verdict, verify

ROOT = Path(__file__).resolve().parent.parent

_README_HEAD = """# Certificate gallery

Every document type of the format, laid out by `hardware.layout` at both paper widths:
384 dots (58 mm paper) and 576 dots (80 mm paper), 1-bit at 203 dpi, exactly the image the
printer receives. Regenerate with `.venv/bin/python scripts/make_gallery.py`; the samples are
`verifier.fixtures.sample_documents()` (deliberately long names and places), signed with
throwaway keys, so the QR codes change on every run and verify only against that run's trust
list.

How a certificate is laid out (`hardware/layout/receipt.py` says why in more words):

- Top to bottom: the authority in Arabic and English, the document title, the serial, issue
  time (UTC unless the kiosk passes its time zone), issuer, issuing centre and kiosk; then
  every signed field in schema order; then the QR, how to verify it and the thermal-paper
  advice. The authority's names and the verification address are the root-signed trust
  list's (`Masthead.from_trust_list`), so they are configuration, never code.
- Every word is `verifier.words`' (docs/display.md, docs/glossary.md): the page and the CLI
  print the same labels. A woman's marital status and a female head of family are in the
  feminine (متزوجة, عزباء, ربة الأسرة).
- Each field: the English label at the left and the Arabic label at the right of one line;
  then the Arabic value right-aligned and set right to left, and the Latin value
  left-aligned. A value that reads the same in both (a date, a number) goes once, between the
  two labels; a short pair (Male / ذكر) shares one line with its labels.
- Arabic in Amiri shaped by raqm (FriBiDi); Latin in DejaVu Sans Condensed. Numbers that
  follow Arabic read 2018-10-05 on both sides. Lines are wrapped
  by words measured with the real font, a word wider than the paper is cut, and lines are
  stacked by their ink, so nothing is clipped and no paper is left blank. Every Latin or
  numeric value inside an Arabic line (a date, a record number, the address) is isolated
  (FSI … PDI), so it reads as it does alone.
- A4 (`render_a4`, what `sanad kiosk render --out x.pdf` writes): the same content laid
  out anew for the page at 300 dpi, not the receipt enlarged, and without the thermal-paper
  advice.
- QR: alphanumeric mode, error correction Q (M, then L, only when Q would need modules under
  4 dots on 58 mm), modules as many whole dots as fit, 4-module quiet zone inside the paper.

| document | sample | paper | length | QR | image |
|---|---|---|---|---|
"""


_WIFE = Bilingual("رنا عبد العزيز يوسف الكيلاني", "Rana Abdulaziz Yousef Al-Kilani")


def _variants(samples: dict[DocumentType, Document]) -> list[tuple[str, str, Document]]:
    """(file stem, description, document): every sample, then the ones with women's words."""
    out = [(t.slug, "", d) for t, d in samples.items()]
    single = samples[DocumentType.INDIVIDUAL_EXTRACT]
    out.append(
        (
            "individual_extract-married_woman",
            "married woman (متزوجة)",
            replace(
                single,
                fields={
                    **single.fields,
                    "name": _WIFE,
                    "national_id": make_nid("298803214"),
                    "sex": Sex.FEMALE,
                    "date_of_birth": dt.date(1988, 4, 17),
                    "place_of_birth": Place(3201),
                    "marital_status": MaritalStatus.MARRIED,
                    "father_name": Bilingual(
                        "عبد العزيز يوسف عبد القادر الكيلاني",
                        "Abdulaziz Yousef Abdulqader Al-Kilani",
                    ),
                    "mother_name": Bilingual(
                        "هالة سامي عبد الفتاح الحسيني", "Hala Sami Abdulfattah Al-Husseini"
                    ),
                    "record_number": "B1988/0000417",
                    "registration_date": dt.date(1988, 4, 30),
                },
            ),
        )
    )
    family = samples[DocumentType.FAMILY_EXTRACT]
    out.append(
        (
            "family_extract-widow",
            "widow heading the family (ربة الأسرة، أرملة), unmarried daughter (عزباء)",
            replace(
                family,
                fields={
                    **family.fields,
                    "members": (
                        FamilyMember(
                            _WIFE, make_nid("298803214"), Relation.HEAD, Sex.FEMALE,
                            dt.date(1988, 4, 17), MaritalStatus.WIDOWED,
                        ),
                        FamilyMember(
                            Bilingual("ليلى محمد عبد الرحمن الشوابكة",
                                      "Layla Mohammad Abdulrahman Al-Shawabkeh"),
                            make_nid("201809935"), Relation.DAUGHTER, Sex.FEMALE,
                            dt.date(2018, 10, 5), MaritalStatus.SINGLE,
                        ),
                    ),
                    "record_number": "B2012/0003310",
                },
            ),
        )
    )  # fmt: skip
    return out


def document_claims(verdict: Verdict) -> Claims:
    assert verdict.claims is not None
    return verdict.claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "gallery")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    root, signer = SigningKey.generate(), SigningKey.generate()
    entry = signer_entry(signer, not_before=SAMPLE_ISSUED_AT - dt.timedelta(days=1))
    trust = load_trust_list(sample_trust_list(root, [entry]), [root.public])
    masthead = Masthead.from_trust_list(trust)
    rows = []
    for stem, what, document in _variants(sample_documents()):
        doc_type = DocumentType(document.type)
        text = sign_document(
            document,
            serial=sample_serial(doc_type),
            issuer=ISSUER,
            issued_at=SAMPLE_ISSUED_AT,
            key=signer,
        )
        verdict = verify(text, trust, SAMPLE_ISSUED_AT + dt.timedelta(hours=1))
        if not verdict.valid:
            raise SystemExit(f"{stem}: sample does not verify: {verdict.reason}")
        for width, paper in ((384, "58 mm"), (576, "80 mm")):
            receipt = render_verdict(verdict, text, width_dots=width, masthead=masthead)
            name = f"{stem}-{width}.png"
            receipt.image.save(out / name, format="PNG", optimize=True, dpi=(203, 203))
            qr = receipt.qr
            rows.append(
                f"| {doc_type.slug.replace('_', ' ')} | {what or 'sample'} | {paper} "
                f"| {receipt.height_mm:.0f} mm "
                f"| v{qr.version}-{qr.ecc.value}, {qr.module_dots} dots/module "
                f"| [{name}]({name}) |"
            )
            print(f"wrote {out / name} ({receipt.height_mm:.0f} mm)")
        if stem == DocumentType.FAMILY_EXTRACT.slug:  # one example of the A4 layout
            a4 = render_a4(document_claims(verdict), text, masthead=masthead)
            name = f"{stem}-a4.png"
            a4.image.save(out / name, format="PNG", optimize=True, dpi=(a4.dpi, a4.dpi))
            rows.append(
                f"| {doc_type.slug.replace('_', ' ')} | A4 layout (`render_a4`, the PDF's page) "
                f"| A4, 300 dpi | {a4.height_mm:.0f} mm "
                f"| v{a4.qr.version}-{a4.qr.ecc.value}, {a4.qr.module_dots} dots/module "
                f"| [{name}]({name}) |"
            )
            print(f"wrote {out / name} ({a4.height_mm:.0f} mm)")
    (out / "README.md").write_text(_README_HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {out / 'README.md'}")


if __name__ == "__main__":
    main()
