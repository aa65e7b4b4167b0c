"""Signed-note checkpoints: a genuine one opens, a forged or altered one does not."""

from __future__ import annotations

import pytest

from registry.transparency.checkpoint import (
    Checkpoint,
    CheckpointError,
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
