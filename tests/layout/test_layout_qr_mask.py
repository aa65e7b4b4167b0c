"""The fast mask choice: its geometry matches qrcode's symbols, and it picks a good mask."""

from __future__ import annotations

import itertools
import random

import pytest
import qrcode
import qrcode.constants
import qrcode.util

from hardware.layout.qr import _best_mask, _bits, _mask_candidates, _penalty

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def _symbol(text: str, mask: int, version: int | None = None) -> qrcode.QRCode:
    qr = qrcode.QRCode(
        version=version,
        error_correction=qrcode.constants.ERROR_CORRECT_L,
        border=0,
        mask_pattern=mask,
    )
    qr.add_data(qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM))
    qr.make(fit=version is None)
    return qr


@pytest.mark.parametrize("version", [1, 2, 6, 7, 14, 15, 16, 22, 40])
def test_mask_candidates_are_exactly_the_symbols_qrcode_makes(version: int) -> None:
    text = "SN1D:" + "7A" * (version * 4)
    candidates = _mask_candidates(_symbol(text, 0, version))
    for k in range(8):
        assert candidates[k] == [_bits(row) for row in _symbol(text, k, version).modules], k


def _reference_penalty(m: list[list[bool]]) -> int:
    """ISO/IEC 18004 section 7.8.3, written out module by module (slow and plain)."""
    n = len(m)
    lines = [list(row) for row in m] + [[m[r][c] for r in range(n)] for c in range(n)]
    score = 0
    for line in lines:
        run = 1
        for a, b in itertools.pairwise(line):
            if a == b:
                run += 1
            else:
                score += run - 2 if run >= 5 else 0
                run = 1
        score += run - 2 if run >= 5 else 0
    for r in range(n - 1):
        for c in range(n - 1):
            if m[r][c] == m[r][c + 1] == m[r + 1][c] == m[r + 1][c + 1]:
                score += 3
    patterns = ([1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1])
    for line in lines:
        bits = [int(x) for x in line]
        for i in range(n - 10):
            if bits[i : i + 11] in patterns:
                score += 40
    dark = sum(map(sum, m))
    score += 10 * (abs(dark * 100 // (n * n) - 50) // 5)
    return score


def test_the_fast_score_is_the_iso_score() -> None:
    rng = random.Random(7)
    for _ in range(6):
        text = "SN1D:" + "".join(rng.choice(ALPHANUMERIC) for _ in range(rng.randint(20, 400)))
        qr = _symbol(text, rng.randrange(8))
        modules = [[bool(x) for x in row] for row in qr.modules]
        assert _penalty([_bits(row) for row in qr.modules], len(modules)) == _reference_penalty(
            modules
        )


def test_the_chosen_mask_is_the_lowest_iso_penalty() -> None:
    rng = random.Random(5)
    for _ in range(10):
        text = "SN1D:" + "".join(rng.choice(ALPHANUMERIC) for _ in range(rng.randint(50, 700)))
        chosen = _best_mask(_mask_candidates(_symbol(text, 0)))
        scores = [
            _reference_penalty([[bool(x) for x in row] for row in _symbol(text, k).modules])
            for k in range(8)
        ]
        assert scores[chosen] == min(scores)
