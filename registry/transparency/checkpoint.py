"""C2SP tlog-checkpoint bodies signed as C2SP signed notes with an Ed25519 key.

Body: origin line, decimal tree size, base64 root hash, each ending in a newline. Note: the
body, a blank line, then `— <key name> base64(key id ‖ signature)` lines; the key id is the
first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key). A verifier key is published as
`<name>+<hex key id>+base64(0x01 ‖ public key)`.

`open_note` reads a checkpoint as untrusted text (a file anyone may hand over): a checkpoint's
body has no empty line (tlog-checkpoint: "at least three non-empty lines"), so its one blank
line is the first; a second blank line, control characters, carriage returns, text that is
not UTF-8 or is larger than any checkpoint, and a line after the blank line that is not a
signature are each refused with a sentence saying which.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from verifier import keys as vkeys

__all__ = [
    "MAX_NOTE",
    "Checkpoint",
    "CheckpointError",
    "key_id",
    "open_note",
    "sign_checkpoint",
    "verifier_key",
]

_ED25519 = b"\x01"
_DASH = "\u2014 "
# far above a checkpoint with the 16 signatures signed-note asks verifiers to accept, even
# post-quantum ones of nearly 5 kB each
MAX_NOTE = 256 * 1024
_MAX_SIZE_DIGITS = 20  # a tree of up to 10**20 leaves


class CheckpointError(ValueError):
    """A checkpoint that does not parse or whose signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + _ED25519 + public).digest()[:4]


def verifier_key(name: str, public: bytes) -> str:
    kid = key_id(name, public).hex()
    return f"{name}+{kid}+{base64.b64encode(_ED25519 + public).decode()}"


def _parse_verifier_key(text: str) -> tuple[str, bytes, bytes]:
    try:
        name, kid_hex, b64 = text.strip().split("+", 2)  # names hold no "+"
        raw = base64.b64decode(b64, validate=True)
        kid = bytes.fromhex(kid_hex)
    except ValueError as exc:
        raise CheckpointError("the verifier key is not a signed-note verifier key") from exc
    if raw[:1] != _ED25519 or len(raw) != 33 or key_id(name, raw[1:]) != kid:
        raise CheckpointError("the verifier key is not a valid Ed25519 note key")
    return name, kid, raw[1:]


def sign_checkpoint(cp: Checkpoint, key: vkeys.SigningKey, name: str) -> str:
    body = cp.body()
    sig = key.sign(body.encode())
    blob = base64.b64encode(key_id(name, key.public.raw) + sig).decode()
    return f"{body}\n{_DASH}{name} {blob}\n"


def _parse_body(body: str) -> Checkpoint:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise CheckpointError("the checkpoint body needs an origin, a size and a root hash")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not origin or not _decimal(size_text):
        raise CheckpointError("the checkpoint's origin or size is malformed")
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError as exc:
        raise CheckpointError("the checkpoint's root hash is not base64") from exc
    if len(root) != 32:
        raise CheckpointError("the checkpoint's root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root)


def _decimal(text: str) -> bool:
    """ASCII digits, no leading zero (str.isdigit alone takes "٤٢" and other scripts' digits)."""
    return (
        0 < len(text) <= _MAX_SIZE_DIGITS
        and text.isascii()
        and text.isdigit()
        and (text == "0" or text[0] != "0")
    )


def _split_note(note: str | bytes) -> tuple[str, list[str]]:
    """The note's text (with its final newline) and its signature lines; CheckpointError if
    it is not one well-formed signed note."""
    if len(note) > MAX_NOTE:
        raise CheckpointError(f"not a checkpoint: larger than {MAX_NOTE // 1024} KiB")
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CheckpointError("not a checkpoint: the text is not UTF-8") from exc
    if "\r" in note:
        raise CheckpointError(
            "the checkpoint has carriage returns (saved with Windows line endings?)"
        )
    if any(c < " " and c != "\n" for c in note):
        raise CheckpointError("the checkpoint holds control characters")
    body, sep, sigs = note.partition("\n\n")
    if not sep:
        raise CheckpointError("not a signed note: no blank line before the signatures")
    if not sigs:
        raise CheckpointError("the checkpoint has no signature lines after its blank line")
    lines = sigs.removesuffix("\n").split("\n")  # a lost final newline is only cosmetic
    if "" in lines:
        raise CheckpointError(
            "the checkpoint has a second blank line: one note per file, no empty lines in it"
        )
    if not all(line.startswith(_DASH) for line in lines):
        raise CheckpointError("a line after the checkpoint's blank line is not a signature")
    return body + "\n", lines


def open_note(note: str | bytes, verifier: str) -> Checkpoint:
    """The checkpoint in `note` if the key in `verifier` signed it; CheckpointError if not."""
    name, kid, public = _parse_verifier_key(verifier)
    body, sigs = _split_note(note)
    for line in sigs:
        try:
            sig_name, blob = line[len(_DASH) :].split(" ")
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            continue
        if sig_name != name or raw[:4] != kid:
            continue
        if vkeys.verify_detached(public, body.encode(), raw[4:]):
            return _parse_body(body)
        raise CheckpointError("the checkpoint's signature does not verify: forged or altered")
    raise CheckpointError(f"the checkpoint carries no signature by {name}")
