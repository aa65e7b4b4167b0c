"""The QR symbol: encoded with the `qrcode` library, drawn in whole dots with no grey.

The QR text of a Sanad document is all in the QR alphanumeric set, so it is encoded in
alphanumeric mode. Error correction Q is the default (DESIGN.md); on 58 mm paper a long
document at Q would need modules under 4 dots, which phones read badly, so `fit_qr` steps
down to M, then L, before it would shrink a module below `min_module` dots. Modules are as
large as the width allows, and the 4-module quiet zone is always kept inside the width.

Pure: builds images in memory, no I/O.
"""

from __future__ import annotations

import enum
import functools
import itertools
import re
from dataclasses import dataclass

import qrcode
import qrcode.constants
import qrcode.exceptions
import qrcode.util
from PIL import Image

from hardware.layout.errors import QrCapacityError

__all__ = ["QUIET_ZONE", "QrEcc", "QrSymbol", "encode_qr", "fit_qr", "symbol_image"]

QUIET_ZONE = 4  # modules of white on every side (ISO/IEC 18004)
_ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]+")


class QrEcc(enum.Enum):
    """Error correction level; the value is the share of the symbol that can be lost."""

    L = "L"  # ~7 %
    M = "M"  # ~15 %
    Q = "Q"  # ~25 %
    H = "H"  # ~30 %

    @property
    def _constant(self) -> int:
        return int(
            {
                "L": qrcode.constants.ERROR_CORRECT_L,
                "M": qrcode.constants.ERROR_CORRECT_M,
                "Q": qrcode.constants.ERROR_CORRECT_Q,
                "H": qrcode.constants.ERROR_CORRECT_H,
            }[self.value]
        )


@dataclass(frozen=True)
class QrSymbol:
    """An encoded symbol: `rows[y][x]` is True for a dark module (quiet zone not included)."""

    text: str
    ecc: QrEcc
    version: int
    rows: tuple[tuple[bool, ...], ...]

    @property
    def modules(self) -> int:
        return len(self.rows)


def _qr(text: str, ecc: QrEcc) -> qrcode.QRCode:
    if not _ALPHANUMERIC.fullmatch(text):
        raise QrCapacityError("the QR text is not in the QR alphanumeric character set")
    qr = qrcode.QRCode(error_correction=ecc._constant, border=0, box_size=1)
    qr.add_data(qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM))
    return qr


def _version(qr: qrcode.QRCode) -> int:
    try:
        return int(qr.best_fit())
    except (qrcode.exceptions.DataOverflowError, ValueError) as exc:  # ValueError: past v40
        raise QrCapacityError("the QR text is too long for any QR version") from exc


def encode_qr(text: str, ecc: QrEcc = QrEcc.Q, *, version: int | None = None) -> QrSymbol:
    """Encode text in alphanumeric mode at the smallest version that holds it (or at the
    version given, which the caller has found to be that one).

    The mask is the one with the lowest ISO/IEC 18004 penalty, scored on bit rows by
    `_best_mask` from the 8 exact candidate symbols `_mask_candidates` derives from the one
    made with mask 0. `qrcode` itself places the data eight times over and scores each module
    by module in Python, which was half of a receipt's render time; its scorer also skips
    some overlapping 2×2 blocks and finder-like runs, so on a near-tie it may pick another
    mask than this exact ISO score does. Any mask decodes.
    """
    qr = _qr(text, ecc)
    qr.version = _version(qr) if version is None else version
    qr.mask_pattern = 0
    qr.make(fit=False)
    best = _best_mask(_mask_candidates(qr))
    if best != 0:
        qr.mask_pattern = best
        qr.make(fit=False)
    rows = tuple(tuple(bool(m) for m in row) for row in qr.modules)
    return QrSymbol(text, ecc, int(qr.version), rows)


# ---------------------------------------------------------------------------------------------
# Mask choice. A row is an int whose bit c is the module in column c (1 = dark).


def _bits(row: list[bool | None]) -> int:
    return sum(1 << c for c, dark in enumerate(row) if dark)


@functools.lru_cache(maxsize=8)
def _mask_rows(version: int) -> tuple[tuple[int, ...], ...]:
    """For each of the 8 masks, per row, the data modules that mask darkens (inverts).

    Data modules are all but the function patterns: finders with separators and format
    information, timing, alignment, version information. Geometry only, cached per version.
    """
    n = 17 + 4 * version
    function = [[False] * n for _ in range(n)]

    def mark(r0: int, c0: int, r1: int, c1: int) -> None:
        for r in range(max(r0, 0), min(r1, n)):
            for c in range(max(c0, 0), min(c1, n)):
                function[r][c] = True

    mark(0, 0, 9, 9)  # top-left finder, separator, format information
    mark(0, n - 8, 9, n)  # top-right
    mark(n - 8, 0, n, 9)  # bottom-left, and the dark module
    centres = qrcode.util.pattern_position(version)
    for r in centres:
        for c in centres:
            if not function[r][c]:  # alignment patterns, except where a finder is
                mark(r - 2, c - 2, r + 3, c + 3)
    mark(6, 0, 7, n)  # timing (after the alignment patterns, which may cross it)
    mark(0, 6, n, 7)
    if version >= 7:
        mark(0, n - 11, 6, n - 8)  # version information
        mark(n - 11, 0, n - 8, 6)
    masks = []
    for k in range(8):
        fn = qrcode.util.mask_func(k)
        masks.append(
            tuple(
                sum(1 << c for c in range(n) if not function[r][c] and fn(r, c)) for r in range(n)
            )
        )
    return tuple(masks)


_RUN = re.compile(r"0{5,}|1{5,}")
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")


def _penalty(rows: list[int], n: int) -> int:
    """ISO/IEC 18004 mask penalty: runs, 2×2 blocks, finder-like patterns, dark balance."""
    full = (1 << n) - 1
    lines = [format(r, f"0{n}b") for r in rows]
    lines += ["".join(col) for col in zip(*lines, strict=True)]
    score = sum(len(m) - 2 for line in lines for m in _RUN.findall(line))  # 3 + (run - 5)
    score += 40 * sum(len(_FINDER_LIKE.findall(line)) for line in lines)
    inner = full >> 1
    for a, b in itertools.pairwise(rows):
        same_down = ~(a ^ b) & full
        same_right = ~(a ^ (a >> 1)) & inner
        score += 3 * (same_down & (same_down >> 1) & same_right).bit_count()
    dark = sum(r.bit_count() for r in rows)
    score += 10 * (abs(dark * 100 // (n * n) - 50) // 5)
    return score


def _mask_candidates(qr: qrcode.QRCode) -> list[list[int]]:
    """The symbol under each of the 8 masks, as bit rows, from the symbol made with mask 0:
    the data modules flipped where the masks differ, and each mask's own format bits (which
    `qrcode` writes into row 8 and column 8 for us)."""
    version, n = int(qr.version), int(qr.modules_count)
    masks = _mask_rows(version)
    base = [_bits(row) for row in qr.modules]
    candidates = []
    for k in range(8):
        qr.setup_type_info(False, k)
        rows = [b ^ m0 ^ mk for b, m0, mk in zip(base, masks[0], masks[k], strict=True)]
        # Format bits: row 8 and column 8 beside the finders (the middles are data).
        beside = (1 << 9) - 1 | ((1 << 8) - 1) << (n - 8)
        rows[8] = rows[8] & ~beside | _bits(qr.modules[8]) & beside
        for r in (*range(9), *range(n - 8, n)):
            rows[r] = rows[r] & ~(1 << 8) | int(bool(qr.modules[r][8])) << 8
        candidates.append(rows)
    qr.setup_type_info(False, 0)  # leave the object as it was
    return candidates


def _best_mask(candidates: list[list[int]]) -> int:
    """The mask whose symbol has the lowest penalty."""
    n = len(candidates[0])
    scores = [_penalty(rows, n) for rows in candidates]
    return scores.index(min(scores))


def _modules_of(version: int) -> int:
    return 17 + 4 * version


def fit_qr(
    text: str,
    width_dots: int,
    *,
    min_module: int = 4,
    max_module: int | None = None,
    levels: tuple[QrEcc, ...] = (QrEcc.Q, QrEcc.M, QrEcc.L),
) -> tuple[QrSymbol, int]:
    """The symbol at the strongest level in `levels` whose modules can be >= min_module dots,
    and the module size in dots: as large as fits width_dots with the quiet zone."""
    for ecc in levels:
        version = _version(_qr(text, ecc))
        module = width_dots // (_modules_of(version) + 2 * QUIET_ZONE)
        if module >= min_module:
            if max_module is not None:
                module = max(min_module, min(module, max_module))
            return encode_qr(text, ecc, version=version), module
    raise QrCapacityError(
        f"the QR text ({len(text)} characters) does not fit {width_dots} dots with modules of "
        f"{min_module} dots and a {QUIET_ZONE}-module quiet zone, even at error correction "
        f"{levels[-1].value}"
    )


def symbol_image(symbol: QrSymbol, module: int) -> Image.Image:
    """The symbol alone (no quiet zone) as a 1-bit image, each module module×module dots."""
    n = symbol.modules
    data = bytes(0 if dark else 255 for row in symbol.rows for dark in row)
    small = Image.frombytes("L", (n, n), data).convert("1", dither=Image.Dither.NONE)
    return small.resize((n * module, n * module), Image.Resampling.NEAREST)
