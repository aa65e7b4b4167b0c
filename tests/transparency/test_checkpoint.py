"""Signed-note checkpoints: a genuine one opens, a forged or altered one does not."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from registry.transparency.checkpoint import (
    Checkpoint,
    CheckpointError,
    key_id,
    open_note,
    sign_checkpoint,
    verifier_key,
)
from verifier.keys import SigningKey

NAME = "sanad.example/audit-log"
CP = Checkpoint(NAME, 42, bytes(range(32)))


def test_round_trip_and_format() -> None:
    key = SigningKey.generate()
    note = sign_checkpoint(CP, key, NAME)
    lines = note.split("\n")
    assert lines[:3] == [NAME, "42", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="]
    assert lines[3] == "" and lines[4].startswith(f"\u2014 {NAME} ")
    assert open_note(note, verifier_key(NAME, key.public.raw)) == CP


def test_forged_signature_and_altered_body_fail() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    vkey = verifier_key(NAME, key.public.raw)
    with pytest.raises(CheckpointError, match="no signature"):
        open_note(sign_checkpoint(CP, other, NAME), vkey)
    note = sign_checkpoint(CP, key, NAME)
    with pytest.raises(CheckpointError, match="does not verify"):
        open_note(note.replace("\n42\n", "\n43\n"), vkey)
    with pytest.raises(CheckpointError):
        open_note("garbage", vkey)


def _genuine() -> tuple[str, str]:
    key = SigningKey.generate()
    return sign_checkpoint(CP, key, NAME), verifier_key(NAME, key.public.raw)


# each a genuine note made hostile or damaged; the message says what is wrong with it
HOSTILE: dict[str, tuple[Callable[[str], str], str]] = {
    "trailing blank line": (lambda n: n + "\n", "second blank line"),
    "two notes in one file": (lambda n: n + n, "second blank line"),
    "garbage after a blank line": (lambda n: n + "\nrm -rf /\n", "second blank line"),
    "text after the signature": (lambda n: n + "forged 99\n", "not a signature"),
    "windows line endings": (lambda n: n.replace("\n", "\r\n"), "carriage returns"),
    "control character": (lambda n: n.replace(NAME, NAME + "\x1b[2J", 1), "control"),
    "no signature lines": (lambda n: n.split("\n\n")[0] + "\n\n", "no signature lines"),
    "no blank line": (lambda n: n.replace("\n\n", "\n"), "no blank line"),
    "huge": (lambda n: n + "\u2014 x " + "A" * 300_000 + "\n", "larger than"),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_malformed_note_is_a_clear_error(case: str) -> None:
    note, vkey = _genuine()
    damage, message = HOSTILE[case]
    with pytest.raises(CheckpointError, match=message):
        open_note(damage(note), vkey)


def test_note_bytes_must_be_utf8() -> None:
    note, vkey = _genuine()
    assert open_note(note.encode(), vkey) == CP
    with pytest.raises(CheckpointError, match="not UTF-8"):
        open_note(note.encode() + b"\xff\xfe\n", vkey)


def test_lost_final_newline_still_opens() -> None:
    note, vkey = _genuine()
    assert open_note(note.removesuffix("\n"), vkey) == CP


def test_signed_body_with_foreign_digits_or_a_blank_line_is_refused() -> None:
    key = SigningKey.generate()
    vkey = verifier_key(NAME, key.public.raw)
    for body in (f"{NAME}\n\u0664\u0662\n{CP.body().split(chr(10))[2]}\n", f"{NAME}\n\n42\n"):
        sig = key.sign(body.encode())
        blob = base64.b64encode(key_id(NAME, key.public.raw) + sig).decode()
        with pytest.raises(CheckpointError):
            open_note(f"{body}\n\u2014 {NAME} {blob}\n", vkey)
