"""Benchmark: certificate layout time per receipt and receipt length, per type and paper width.

Run: .venv/bin/python bench/layout.py [--repeat N]

For every sample document (verifier.fixtures) at 384 and 576 dots it prints the median
render time (claims → 1-bit image, QR included), the receipt length in mm, and the QR's
version, error correction and module size. The baseline, measured in the same run, is the QR
alone: `qrcode` encoding the same text with mask selection, which any layout must pay; the
ratio says what the text layout adds on top. Goal: under 100 ms per receipt.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import qrcode
import qrcode.constants
import qrcode.util

from kiosk_app.layout import Receipt, render_verdict
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

GOAL_MS = 100.0
URL = "https://verify.csr.example"


def _median_ms(fn: object, repeat: int) -> float:
    assert callable(fn)
    fn()  # warm-up: fonts opened, caches filled
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _qr_only(text: str) -> None:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4)
    qr.add_data(qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM))
    qr.make(fit=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    root, signer = SigningKey.generate(), SigningKey.generate()
    entry = signer_entry(signer, not_before=SAMPLE_ISSUED_AT - dt.timedelta(days=1))
    trust = load_trust_list(sample_trust_list(root, [entry]), [root.public])
    at = SAMPLE_ISSUED_AT + dt.timedelta(hours=1)

    header = (
        f"{'document type':<22} {'dots':>4} {'ms':>7} {'QR-only ms':>10} {'ratio':>6} "
        f"{'mm':>6} {'QR':>7} {'module':>6}"
    )
    print(header)
    print("-" * len(header))
    all_ms: list[float] = []
    for doc_type, document in sample_documents().items():
        text = sign_document(
            document,
            serial=sample_serial(doc_type),
            issuer=ISSUER,
            issued_at=SAMPLE_ISSUED_AT,
            key=signer,
        )
        verdict = verify(text, trust, at)
        assert verdict.valid, verdict.reason
        base = _median_ms(lambda t=text: _qr_only(t), args.repeat)
        for width in (384, 576):
            result: list[Receipt] = []

            def run(w: int = width, t: str = text) -> None:
                result[:] = [render_verdict(verdict, t, width_dots=w, verifier_url=URL)]

            ms = _median_ms(run, args.repeat)
            all_ms.append(ms)
            r = result[0]
            qr = f"v{r.qr.version}-{r.qr.ecc.value}"
            print(
                f"{doc_type.slug:<22} {width:>4} {ms:>7.1f} {base:>10.1f} {ms / base:>6.2f} "
                f"{r.height_mm:>6.1f} {qr:>7} {r.qr.module_dots:>6}"
            )
    worst = max(all_ms)
    verdict_text = "meets" if worst < GOAL_MS else "MISSES"
    print(
        f"\nmedian of medians {statistics.median(all_ms):.1f} ms, worst {worst:.1f} ms: "
        f"{verdict_text} the {GOAL_MS:.0f} ms goal"
    )


if __name__ == "__main__":
    main()
