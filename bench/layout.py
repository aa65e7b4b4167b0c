"""Benchmark: certificate layout time per receipt and receipt length, per type and paper width.

Run: .venv/bin/python bench/layout.py [--repeat N]

For every sample document (verifier.fixtures) at 384 and 576 dots it prints the median
render time (claims → 1-bit image, QR included) as wall clock and as CPU time (the machine
may be shared: CPU time is what other processes do not inflate), the receipt length in mm,
and the QR's version, error correction and module size. The baseline, measured in the same
run, is the QR alone as `qrcode` makes it (encoding plus its own mask selection); the ratio
is the whole receipt's CPU time over it. Goal: under 100 ms per receipt.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from functools import partial

import qrcode
import qrcode.constants
import qrcode.util

from hardware.layout import Masthead, Receipt, render_verdict
from verifier.fixtures import (
    AUTHORITY,
    IDENTITY,
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
from verifier.verify import Verdict, verify

GOAL_MS = 100.0
MASTHEAD = Masthead(AUTHORITY, IDENTITY.verify_url)  # what the fixtures' trust list publishes


def _median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds per call (CPU time is what a shared or busy
    machine does not inflate)."""
    fn()  # warm-up: fonts opened, caches filled
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _render(verdict: Verdict, text: str, width: int) -> Receipt:
    return render_verdict(verdict, text, width_dots=width, masthead=MASTHEAD)


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
        f"{'document type':<22} {'dots':>4} {'wall ms':>8} {'CPU ms':>7} {'qrcode ms':>9} "
        f"{'ratio':>6} {'mm':>6} {'QR':>7} {'module':>6}"
    )
    print(header)
    print("-" * len(header))
    all_cpu: list[float] = []
    all_wall: list[float] = []
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
        _, base = _median_ms(partial(_qr_only, text), args.repeat)
        for width in (384, 576):
            wall, cpu = _median_ms(partial(_render, verdict, text, width), args.repeat)
            all_cpu.append(cpu)
            all_wall.append(wall)
            r = _render(verdict, text, width)
            qr = f"v{r.qr.version}-{r.qr.ecc.value}"
            print(
                f"{doc_type.slug:<22} {width:>4} {wall:>8.1f} {cpu:>7.1f} {base:>9.1f} "
                f"{cpu / base:>6.2f} {r.height_mm:>6.1f} {qr:>7} {r.qr.module_dots:>6}"
            )
    worst = max(all_cpu)
    verdict_text = "meets" if worst < GOAL_MS else "MISSES"
    print(
        f"\nCPU per receipt: median {statistics.median(all_cpu):.1f} ms, worst {worst:.1f} ms: "
        f"{verdict_text} the {GOAL_MS:.0f} ms goal (wall clock median "
        f"{statistics.median(all_wall):.1f} ms, worst {max(all_wall):.1f} ms on this machine now)"
    )
    print(
        "ratio = receipt CPU time / the QR alone with qrcode's own encoder and mask choice "
        "(same text, same run)"
    )


if __name__ == "__main__":
    main()
