"""Order codes: short, typed on a kiosk's keypad or scanned from a phone, check-charactered.

A code is eight random characters of Crockford's base 32 (digits and letters without I, L, O
and U, so nothing reads as another) and a ninth, the Luhn mod 32 check character over them
(python-stdnum's `luhn` with that alphabet): one mistyped character or two swapped neighbours
are caught before any lookup. 32^8 ≈ 10^12 codes, drawn with `secrets`: a code cannot be
guessed, and the citizen's PIN is asked as well when it is collected.

It is shown in groups of three (`K7Q-M2X-A96`) and carried in a QR code as
`SANAD-ORDER:K7QM2XA96`; `parse` takes either, in any case, with or without the hyphens and
spaces, and reads I and L as 1 and O as 0 as Crockford's alphabet does.

Pure functions, no I/O.
"""

from __future__ import annotations

import secrets

from stdnum import luhn

__all__ = ["ALPHABET", "QR_PREFIX", "display", "new_code", "parse", "qr_text"]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
QR_PREFIX = "SANAD-ORDER:"
LENGTH = 9
_READS_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH - 1))
    return body + luhn.calc_check_digit(body, ALPHABET)


def parse(text: str, *, prefix: str = QR_PREFIX) -> str | None:
    """The order code in `text` (typed, pasted or scanned), or None when it cannot be one:
    the wrong length, a character outside the alphabet, or a check character that fails.
    `prefix` is the QR text's (an appointment's reference is the same kind of code)."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    raw = text.strip().upper()
    if raw.startswith(prefix):
        raw = raw[len(prefix) :]
    code = "".join(raw.split()).replace("-", "").translate(_READS_AS)
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code if luhn.is_valid(code, ALPHABET) else None


def display(code: str) -> str:
    return "-".join(code[i : i + 3] for i in range(0, len(code), 3))


def qr_text(code: str, *, prefix: str = QR_PREFIX) -> str:
    return prefix + code
