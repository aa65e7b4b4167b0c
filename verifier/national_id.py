"""National ID numbers: ten digits, the last a Luhn check digit over the first nine.

Pure functions, shared by the format (schema validation), the registry (every input and its
document serials: `luhn_check_digit`, `luhn_valid`) and the kiosk (the keypad checks as the
citizen types). This is the project's one Luhn. `hardware` does not import this: its ID-card
reader takes a validator from whoever wires it.

Luhn is computed here with a lookup table rather than python-stdnum: every verification
recomputes up to a dozen check digits, and stdnum's generic version cost 21 µs each (12% of a
verification in bench/format.py) against about 1 µs here.
"""

from __future__ import annotations

__all__ = [
    "NATIONAL_ID_LENGTH",
    "check_digit",
    "from_body",
    "is_valid",
    "luhn_check_digit",
    "luhn_valid",
    "make",
    "normalise",
]

NATIONAL_ID_LENGTH = 10
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # digit * 2, digits summed


_DOUBLE = bytes.maketrans(b"0123456789", bytes(_DOUBLED))
_PLAIN = bytes.maketrans(b"0123456789", bytes(range(10)))


def _luhn_sum(digits: str, double_first: bool) -> int:
    # From the right, every second digit is doubled; double_first says whether the rightmost
    # digit given is one of them. Callers have checked that digits are ASCII digits.
    rev = digits.encode("ascii")[::-1]
    doubled, plain = (rev[0::2], rev[1::2]) if double_first else (rev[1::2], rev[0::2])
    return sum(doubled.translate(_DOUBLE)) + sum(plain.translate(_PLAIN))


def _is_digits(text: str, length: int) -> bool:
    return len(text) == length and text.isascii() and text.isdigit()


def _ascii_digits(text: str) -> bool:
    return bool(text) and text.isascii() and text.isdigit()


def luhn_check_digit(digits: str) -> str:
    """The Luhn check digit to append to one or more ASCII digits (ValueError otherwise)."""
    if not _ascii_digits(digits):
        raise ValueError("Luhn needs one or more ASCII digits")
    return str((10 - _luhn_sum(digits, True) % 10) % 10)


def luhn_valid(digits: str) -> bool:
    """True for two or more ASCII digits whose last is the Luhn check digit of the others."""
    return len(digits) >= 2 and _ascii_digits(digits) and _luhn_sum(digits, False) % 10 == 0


def check_digit(first_nine: str) -> str:
    """The check digit that completes nine digits into a national ID."""
    if not _is_digits(first_nine, NATIONAL_ID_LENGTH - 1):
        raise ValueError("a national ID body is exactly nine ASCII digits")
    return luhn_check_digit(first_nine)


def from_body(body: int) -> str:
    """The national ID whose first nine digits are body (0 to 999999999), zero-padded: what
    the wire carries. Every verification completes up to a dozen of these, so the Luhn sum
    is taken three digits at a time from tables (`_LUHN_DPD`, `_LUHN_PDP`) instead of digit
    by digit; tests/verifier/test_documents.py checks it against `make` and python-stdnum."""
    if type(body) is not int or not 0 <= body < 10 ** (NATIONAL_ID_LENGTH - 1):
        raise ValueError("a national ID body is an integer from 0 to 999999999")
    high, rest = divmod(body, 1000000)
    middle, low = divmod(rest, 1000)
    # With the check digit appended, the body's digits 1, 3, 5, 7, 9 (from the left) are the
    # doubled ones: doubled-plain-doubled, plain-doubled-plain, doubled-plain-doubled.
    total = _LUHN_DPD[high] + _LUHN_PDP[middle] + _LUHN_DPD[low]
    return f"{body:09d}{(10 - total % 10) % 10}"


def _chunk_sums(doubled: tuple[bool, bool, bool]) -> tuple[int, ...]:
    return tuple(
        sum(_DOUBLED[int(d)] if dbl else int(d) for d, dbl in zip(f"{n:03d}", doubled, strict=True))
        for n in range(1000)
    )


_LUHN_DPD = _chunk_sums((True, False, True))
_LUHN_PDP = _chunk_sums((False, True, False))


def make(first_nine: str) -> str:
    """Nine digits plus their check digit."""
    return first_nine + check_digit(first_nine)


def normalise(text: str) -> str:
    """Strip spaces, dashes and direction marks; map Arabic-Indic digits (٠١٢… ۰۱۲…) to ASCII."""
    out = []
    for ch in text:
        if ch in " -\u200f\u200e":
            continue
        if "\u0660" <= ch <= "\u0669":
            ch = chr(ord("0") + ord(ch) - 0x0660)
        elif "\u06f0" <= ch <= "\u06f9":
            ch = chr(ord("0") + ord(ch) - 0x06F0)
        out.append(ch)
    return "".join(out)


def is_valid(text: str) -> bool:
    """True for exactly ten ASCII digits whose last is the Luhn check digit of the others."""
    return _is_digits(text, NATIONAL_ID_LENGTH) and _luhn_sum(text, False) % 10 == 0
