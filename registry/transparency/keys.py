"""The checkpoint key: its private half owner-only in DATA/keys/checkpoint.jwk, its public
half as a signed-note verifier key in DATA/checkpoint-key.txt for verifiers to fetch.

The private key file is made once (O_EXCL, 0600) and never overwritten: of two processes
starting at once, both end up with the first's key, and anything already at the path (even a
dangling symlink) is an error, not replaced. The verifier key is always derived from the
private key (`public_key_text`); the text file is a published copy, rewritten when it is
missing or does not match, never read back as the truth.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

from sqlalchemy.orm import Session

from registry.config import DataDir, create_private
from registry.errors import ConfigError
from registry.models import AuditCheckpoint
from registry.transparency import merkle
from registry.transparency.checkpoint import Checkpoint, sign_checkpoint, verifier_key
from registry.transparency.log import tree_leaves
from verifier import keys as vkeys

__all__ = [
    "ORIGIN",
    "checkpoint_key",
    "public_key_path",
    "public_key_text",
    "sign_current",
    "store_checkpoint",
]

ORIGIN = "sanad.registry/audit-log"


def _private_path(data: DataDir) -> Path:
    return data.keys_dir / "checkpoint.jwk"


def public_key_path(data: DataDir) -> Path:
    return data.root / "checkpoint-key.txt"


def public_key_text(key: vkeys.SigningKey) -> str:
    """The signed-note verifier key of `key`, as served and published (one line)."""
    return verifier_key(ORIGIN, key.public.raw) + "\n"


def checkpoint_key(data: DataDir) -> vkeys.SigningKey:
    """The checkpoint key, made on first use; its verifier key (re)published if missing."""
    path = _private_path(data)
    if not path.is_file():
        data.ensure()
        key = vkeys.SigningKey.generate()
        try:
            create_private(path, json.dumps(key.to_jwk(), indent=2) + "\n")
        except FileExistsError:
            if not path.is_file():
                raise ConfigError(
                    f"{path} exists but is not a key file: not replaced (remove it by hand)"
                ) from None
            # another process made the key first: use it
    key = vkeys.load_signing_key(path)
    _publish(data, key)
    return key


def _publish(data: DataDir, key: vkeys.SigningKey) -> None:
    text = public_key_text(key)
    path = public_key_path(data)
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    path.write_text(text, encoding="utf-8")


def sign_current(session: Session, data: DataDir) -> str:
    """A signed checkpoint note of the log as it is now."""
    leaves = tree_leaves(session)
    cp = Checkpoint(ORIGIN, len(leaves), merkle.root(leaves))
    return sign_checkpoint(cp, checkpoint_key(data), ORIGIN)


def store_checkpoint(session: Session, data: DataDir, now: dt.datetime) -> AuditCheckpoint:
    """Sign a checkpoint of the log now and keep it in `audit_checkpoints`."""
    note = sign_current(session, data)
    size, root_b64 = note.split("\n")[1:3]
    row = AuditCheckpoint(
        tree_size=int(size),
        root_hash=base64.b64decode(root_b64).hex(),
        note=note,
        created_at=now,
    )
    session.add(row)
    return row
