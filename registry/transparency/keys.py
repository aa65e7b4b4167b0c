"""The checkpoint key: its private half owner-only in DATA/keys/checkpoint.jwk, its public
half as a signed-note verifier key in DATA/checkpoint-key.txt for verifiers to fetch."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from registry.config import DataDir
from registry.models import AuditCheckpoint
from registry.transparency import merkle
from registry.transparency.checkpoint import Checkpoint, sign_checkpoint, verifier_key
from registry.transparency.log import tree_leaves
from verifier import keys as vkeys

__all__ = ["ORIGIN", "checkpoint_key", "public_key_path", "sign_current", "store_checkpoint"]

ORIGIN = "sanad.registry/audit-log"


def _private_path(data: DataDir) -> Path:
    return data.keys_dir / "checkpoint.jwk"


def public_key_path(data: DataDir) -> Path:
    return data.root / "checkpoint-key.txt"


def checkpoint_key(data: DataDir) -> vkeys.SigningKey:
    """The checkpoint key, made (and its verifier key published) on first use."""
    path = _private_path(data)
    if path.exists():
        return vkeys.load_signing_key(path)
    data.ensure()
    key = vkeys.SigningKey.generate()
    vkeys.save_signing_key(key, path)
    public_key_path(data).write_text(verifier_key(ORIGIN, key.public.raw) + "\n")
    return key


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
