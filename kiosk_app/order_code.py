"""Order codes as the kiosk reads them: typed on the keypad, or scanned from the citizen's phone.

An order placed on the portal is collected at any kiosk with its code: 9 characters of
Crockford's base32 alphabet (digits, and letters without I, L, O and U), the last a Luhn mod 32
check character (python-stdnum's `stdnum.luhn` over that alphabet), shown to the citizen in
groups of three ("K7Q-M2X-A9C"). The phone shows the same code as a QR, whose text is the code
itself or ``SANAD-ORDER:<code>``; the ID-card scanner reads either.

The check character is verified here, before any request, so a typo is told at once and never
costs a PIN try. Whether the order exists, is paid and is for a kiosk is the registry's word.

What this module deliberately does not do: map Crockford's look-alike letters (I, L, O) onto
digits. The keypad has no such keys, and a scanned code is the registry's own text; a code with
one of them is not a code.
"""

from __future__ import annotations

from stdnum import luhn

__all__ = ["ALPHABET", "CODE_LENGTH", "QR_PREFIX", "display", "from_scan", "is_valid", "normalise"]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 9
QR_PREFIX = "SANAD-ORDER:"
_GROUP = 3
_IGNORED = "- \t"  # the display form's hyphens, and spaces a citizen or a scanner adds


def normalise(text: str) -> str:
    """Upper case, without hyphens and spaces ("k7q-m2x-a9c" → "K7QM2XA9C"). Anything else is
    kept, for `is_valid` to refuse."""
    return "".join(ch for ch in text.strip().upper() if ch not in _IGNORED)


def is_valid(code: str) -> bool:
    """A normalised code of the right length, in the alphabet, whose check character holds."""
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return False
    return bool(luhn.is_valid(code, ALPHABET))


def display(code: str) -> str:
    """The grouped form the citizen was shown ("K7Q-M2X-A9C"); a partial code groups as typed."""
    return "-".join(code[i : i + _GROUP] for i in range(0, len(code), _GROUP))


def from_scan(text: str, *, bare: bool = True) -> str | None:
    """The valid code in a scanned QR's text, or None. ``SANAD-ORDER:<code>`` always counts;
    the bare code only when `bare` (on the order screen, not where an ID card is expected: a
    card's number could pass for a code)."""
    raw = text.strip()
    if raw.upper().startswith(QR_PREFIX):
        raw = raw[len(QR_PREFIX) :]
    elif not bare:
        return None
    code = normalise(raw)
    return code if is_valid(code) else None
