"""PINs: format check, Argon2id hashing (PyNaCl's pwhash) and the demo cost.

Production PINs are hashed at libsodium's interactive cost (opslimit 2, 64 MiB: about 75 ms
on this class of machine). Hashing 10,000 demo PINs at that cost would take over ten
minutes, so demo PINs use `DEMO_OPSLIMIT`/`DEMO_MEMLIMIT` (1 pass, 64 KiB: a few
microseconds); `needs_rehash` spots them and `registry.citizens` re-hashes a PIN at the
production cost the first time its owner logs in successfully. The Argon2id string records its
own parameters, so both kinds verify with the same call.

Pure apart from the hashing itself; never logs a PIN.
"""

from __future__ import annotations

import re

import nacl.exceptions
import nacl.pwhash.argon2id as argon2id

__all__ = [
    "DEMO_MEMLIMIT",
    "DEMO_OPSLIMIT",
    "hash_pin",
    "is_valid_pin",
    "needs_rehash",
    "verify_pin",
]

DEMO_OPSLIMIT = 1
DEMO_MEMLIMIT = 64 * 1024
_PIN = re.compile(r"[0-9]{4,8}")
_PARAMS = re.compile(r"\$m=(\d+),t=(\d+),p=\d+\$")


def is_valid_pin(pin: str) -> bool:
    """A PIN is 4 to 8 ASCII digits."""
    return isinstance(pin, str) and _PIN.fullmatch(pin) is not None


def hash_pin(pin: str, *, opslimit: int, memlimit: int) -> str:
    if not is_valid_pin(pin):
        raise ValueError("a PIN is 4 to 8 digits")
    return argon2id.str(pin.encode("ascii"), opslimit=opslimit, memlimit=memlimit).decode("ascii")


def verify_pin(stored: str, pin: str) -> bool:
    """True if pin matches the stored Argon2id string; False on any mismatch or bad input."""
    if not is_valid_pin(pin):
        return False
    try:
        return bool(argon2id.verify(stored.encode("ascii"), pin.encode("ascii")))
    except (nacl.exceptions.InvalidkeyError, nacl.exceptions.CryptoError, ValueError):
        return False


def needs_rehash(stored: str, *, opslimit: int, memlimit: int) -> bool:
    """True if the stored hash is cheaper than the given production cost."""
    m = _PARAMS.search(stored)
    if m is None:
        return True
    mem_kib, passes = int(m.group(1)), int(m.group(2))
    return mem_kib * 1024 < memlimit or passes < opslimit
