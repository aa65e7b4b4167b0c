#!/usr/bin/env python3
"""Format benchmark: size of every document type's QR, and sign/verify throughput on one core.

Prints, for the longest realistic sample of each type: CBOR payload bytes, compressed bytes,
QR characters, QR version at ECC Q and M, and dots per module on 384- and 576-dot paper
(4-module quiet zone). Then documents signed and verified per second beside raw PyNaCl
`VerifyKey.verify` on the same message, measured in the same run (in turns, so each figure
sees the same load), with the ratio; and, on the same text, an independent pipeline (the
`base45` package, zlib, pycose, cbor2: signature and claims map only, no schema, trust or
revocation checks) for comparison.

Usage: .venv/bin/python bench/format.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import base45
import cbor2
import nacl.signing
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

from verifier import codec, cose
from verifier.fixtures import (
    ISSUER,
    sample_documents,
    sample_serial,
    sample_trust_list,
    signer_entry,
)
from verifier.keys import SigningKey
from verifier.payload import Claims, encode_claims
from verifier.qr import make_qr
from verifier.sign import sign_document
from verifier.trust import load_trust_list
from verifier.verify import verify

NOW = dt.datetime(2026, 11, 2, 9, 41, tzinfo=dt.UTC)


def dots_per_module(version: int, paper_dots: int) -> int:
    return paper_dots // (17 + 4 * version + 8)


def rates(fns: Mapping[str, Callable[[], object]], seconds: float) -> dict[str, float]:
    """Calls per second of each function, measured in turns.

    The machine is shared: a figure measured a few seconds after another sees other load.
    So the functions take turns in short slices (about 20 ms each) until each has run for
    `seconds` in all; every figure then spans the same stretch of time and the ratios
    between them are fair. Time is this process's CPU time (`time.process_time`): on a busy
    machine wall-clock time also counts the moments another process held the core.
    """
    batch = dict.fromkeys(fns, 1)
    spent = dict.fromkeys(fns, 0.0)
    calls = dict.fromkeys(fns, 0)
    while min(spent.values()) < seconds:
        for name, fn in fns.items():
            n = batch[name]
            start = time.process_time()
            for _ in range(n):
                fn()
            elapsed = time.process_time() - start
            spent[name] += elapsed
            calls[name] += n
            if elapsed < 0.02:
                batch[name] = n * 2
    return {name: calls[name] / spent[name] for name in fns}


def independent_pipeline(public_key: bytes) -> Callable[[str], Any]:
    """Decode and check a QR text with other people's code only (nothing from verifier/)."""
    key = OKPKey(crv=Ed25519, x=public_key)
    zdict = codec.deflate_dictionary()  # the format's published dictionary file

    def run(text: str) -> Any:
        body = base45.b45decode(text[5:])
        if text[3] == "D":
            body = zlib.decompressobj(-15, zdict=zdict).decompress(body)
        outer = cbor2.loads(body)
        items = [dict(v) if isinstance(v, Mapping) else v for v in outer.value]
        msg = Sign1Message.from_cose_obj(items, allow_unknown_attributes=False)
        msg.key = key
        if not msg.verify_signature():
            raise AssertionError("independent pipeline: bad signature")
        return cbor2.loads(msg.payload)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per throughput figure")
    args = parser.parse_args()
    root, signer = SigningKey.generate(), SigningKey.generate()
    trust = load_trust_list(
        sample_trust_list(root, [signer_entry(signer, not_before=NOW - dt.timedelta(days=1))]),
        [root.public],
    )
    header = (
        f"{'document type':22} {'payload':>7} {'deflated':>8} {'no dict':>7} {'QR chars':>8} "
        f"{'ver Q':>5} {'ver M':>5} {'dots/mod 384':>12} {'576':>4}"
    )
    print(header)
    print("-" * len(header))
    texts = {}
    worst_q = 0
    for doc_type, document in sample_documents().items():
        claims = Claims(ISSUER, NOW, sample_serial(doc_type), document)
        payload = encode_claims(claims)
        cose_bytes = cose.sign1(payload, signer)
        no_dict = zlib.compressobj(9, zlib.DEFLATED, -15)
        plain = len(no_dict.compress(cose_bytes) + no_dict.flush())
        text = codec.encode_text(cose_bytes)
        body = len(codec.decode_text(text))  # inflated = COSE bytes; deflated size below
        packed = len(text[5:]) * 2 // 3
        vq, vm = make_qr(text, "Q").version, make_qr(text, "M").version
        worst_q = max(worst_q, vq)
        texts[doc_type] = text
        print(
            f"{doc_type.slug:22} {len(payload):7} {packed:8} {plain:7} {len(text):8} "
            f"{vq:5} {vm:5} {dots_per_module(vq, 384):12} {dots_per_module(vq, 576):4}"
        )
        assert body == len(cose_bytes)
    print(f"\nlargest QR version at ECC Q: {worst_q} (goal: 15 or lower; 12 gives 5 dots on 58 mm)")
    print("deflated = COSE_Sign1 bytes after DEFLATE with the v1 dictionary; no dict = without it")

    document = sample_documents()
    birth = next(iter(document))
    text = sign_document(document[birth], serial="BI-1", issuer=ISSUER, issued_at=NOW, key=signer)
    msg = cose.parse_sign1(codec.decode_text(text))
    tbs, sig = msg.to_be_signed(), msg.signature
    vk = nacl.signing.VerifyKey(signer.public.raw)

    assert verify(text, trust, NOW).valid
    other = independent_pipeline(signer.public.raw)
    assert other(text)[1] == ISSUER
    measured = rates(
        {
            "raw_verify": lambda: vk.verify(tbs, sig),
            "full_verify": lambda: verify(text, trust, NOW),
            "other_verify": lambda: other(text),
        },
        args.seconds,
    )
    raw_verify, full_verify = measured["raw_verify"], measured["full_verify"]
    other_verify = measured["other_verify"]
    signing = rates(
        {
            "raw_sign": lambda: signer.nacl_key.sign(tbs),
            "full_sign": lambda: sign_document(
                document[birth], serial="BI-1", issuer=ISSUER, issued_at=NOW, key=signer
            ),
        },
        args.seconds,
    )
    raw_sign, full_sign = signing["raw_sign"], signing["full_sign"]
    print(f"\n{'one core, birth certificate':34} {'per second':>12} {'vs raw PyNaCl':>14}")
    print(f"{'raw PyNaCl VerifyKey.verify':34} {raw_verify:12,.0f} {1.0:14.2f}")
    print(f"{'decode + verify (Verdict)':34} {full_verify:12,.0f} {full_verify / raw_verify:14.2f}")
    print(
        f"{'independent: base45+zlib+pycose':34} {other_verify:12,.0f} "
        f"{other_verify / raw_verify:14.2f}"
    )
    print(f"{'raw PyNaCl SigningKey.sign':34} {raw_sign:12,.0f} {1.0:14.2f}")
    print(f"{'encode + sign (QR text)':34} {full_sign:12,.0f} {full_sign / raw_sign:14.2f}")
    print("goal: decode + verify at least 0.60 of the raw verification rate")


if __name__ == "__main__":
    main()
