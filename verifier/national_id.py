"""National ID numbers: ten digits, the last a Luhn check digit over the first nine.

Pure functions, shared by the format (schema validation), the registry (every input) and the
kiosk (the keypad checks as the citizen types). `hardware` does not import this: its ID-card
reader takes a validator from whoever wires it.
"""

from __future__ import annotations

from stdnum import luhn

__all__ = ["NATIONAL_ID_LENGTH", "check_digit", "is_valid", "make", "normalise"]

NATIONAL_ID_LENGTH = 10


def check_digit(first_nine: str) -> str:
    """The check digit that completes nine digits into a national ID."""
    if len(first_nine) != NATIONAL_ID_LENGTH - 1 or not first_nine.isascii() or not first_nine.isdigit():
        raise ValueError("a national ID body is exactly nine ASCII digits")
    return str(luhn.calc_check_digit(first_nine))


def make(first_nine: str) -> str:
    """Nine digits plus their check digit."""
    return first_nine + check_digit(first_nine)


def normalise(text: str) -> str:
    """Strip spaces and dashes, and map Arabic-Indic digits to ASCII (٠١٢… and ۰۱۲…)."""
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
    if len(text) != NATIONAL_ID_LENGTH or not text.isascii() or not text.isdigit():
        return False
    return bool(luhn.is_valid(text))
