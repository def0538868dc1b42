"""Signed tree heads: the ledger's signed statement "my log had this many events and this root".

An auditor who keeps a copy of a head can later prove, without trusting the database or the
operator, that the first ``tree_size`` events are still exactly those it signed (the root must be
recomputed from the rows) and that a later head extends it (a consistency proof).

Each head is a C2SP checkpoint signed as a note (``audit.checkpoint``); the JSON head is a view of
it that carries the note itself. Heads signed before checkpoints existed carry no note and were
signed over :func:`legacy_signed_bytes`; they still verify.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, Row, func, insert, select
from sqlalchemy.exc import IntegrityError

from audit.checkpoint import (
    Checkpoint,
    note_signature,
    parse_body,
    published_time,
    sign_checkpoint,
    sign_note,
    verifier_key,
)
from projections.merkle_log import StoredTree
from projections.tables import tree_heads

HEAD_FORMAT = "dsledger-tree-head-v1"
LOG_ID = "dsledger"


class TreeHead(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    tree_size: int
    root_hash: str
    """Hex of the RFC 9162 root over the first ``tree_size`` events of the global sequence."""
    issued_at: datetime
    key_id: str
    """Hex SHA-256 of the raw Ed25519 public key that signed."""
    signature: str
    """Base64 Ed25519 signature over :meth:`signed_bytes`: the checkpoint's text."""
    checkpoint: str | None = None
    """The C2SP signed note: the checkpoint text, an empty line, the signature line. Verify it with
    the key from ``GET /audit/checkpoint/verifier-key`` (Go: ``note.Open``). None on heads signed
    before checkpoints existed."""

    def signed_bytes(self) -> bytes:
        if self.checkpoint is None:
            return legacy_signed_bytes(self.tree_size, bytes.fromhex(self.root_hash),
                                       self.issued_at)
        body, _, _ = self.checkpoint.rpartition("\n\n")
        return (body + "\n").encode()


def checkpoint_of(origin: str, tree_size: int, root: bytes, issued_at: datetime) -> Checkpoint:
    """The checkpoint a head signs; its time is written exactly as the JSON head publishes it."""
    return Checkpoint(origin=origin, size=tree_size, root=root,
                      issued_at=published_time(_utc(issued_at)))


def legacy_signed_bytes(tree_size: int, root: bytes, issued_at: datetime) -> bytes:
    """What heads signed before checkpoints: a fixed text whose time is Python's ``isoformat``."""
    return (f"{HEAD_FORMAT}\n{LOG_ID}\n{tree_size}\n{root.hex()}\n"
            f"{_utc(issued_at).isoformat(timespec='microseconds')}\n").encode()


def key_id(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_key_bytes(public_key)).hexdigest()


def public_key_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_from_hex(value: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(value))


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """Read the key; generate one for development when the file does not exist yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        # Written whole under a private name, then linked into place: a process starting at the
        # same moment never reads a half-written key, and the first link wins.
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        partial.write_bytes(pem)
        partial.chmod(0o600)
        try:
            os.link(partial, path)
        except FileExistsError:
            pass  # another process generated it first: use theirs
        finally:
            partial.unlink()
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return loaded


def read_public_key(path: Path) -> Ed25519PublicKey | None:
    """The public half of a configured key, without generating one."""
    if not path.exists():
        return None
    return load_signing_key(path).public_key()


def verify_signature(head: TreeHead, public_key: Ed25519PublicKey) -> bool:
    """The head was signed by this key, and its checkpoint (if any) says what its fields say."""
    if head.key_id != key_id(public_key):
        return False
    try:
        public_key.verify(base64.b64decode(head.signature), head.signed_bytes())
        if head.checkpoint is not None:
            signed = parse_body(head.signed_bytes().decode())
            return (signed.size == head.tree_size and signed.root.hex() == head.root_hash
                    and signed.issued_at == published_time(_utc(head.issued_at)))
    except (InvalidSignature, ValueError):
        return False
    return True


def _utc(moment: datetime) -> datetime:
    # SQLite hands datetimes back naive (stored as UTC); PostgreSQL in the session's zone.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _head(row: Row[Any]) -> TreeHead:
    return TreeHead(tree_size=int(row.tree_size), root_hash=bytes(row.root_hash).hex(),
                    issued_at=_utc(row.issued_at), key_id=row.key_id,
                    signature=base64.b64encode(bytes(row.signature)).decode(),
                    checkpoint=row.checkpoint)


class TreeHeadLog:
    """Signs and keeps the tree heads of one ledger."""

    def __init__(self, db: Engine, key: Ed25519PrivateKey, origin: str) -> None:
        self.db = db
        self.key = key
        self.origin = origin
        self.public_key = key.public_key()
        self.key_id = key_id(self.public_key)
        self.verifier_key = verifier_key(origin, self.public_key)

    def sign(self, text: str) -> str:
        """Any other statement the ledger makes about its log, as a note signed by the same key
        under the log's name (evidence packs sign what they cite this way)."""
        return sign_note(text, self.origin, self.key)

    def publish(self, issued_at: datetime) -> TreeHead | None:
        """Sign the log as far as it is built; nothing new to sign gives the existing head. An
        empty log has no head."""
        issued_at = _utc(issued_at)
        with self.db.begin() as conn:
            tree = StoredTree(conn)
            size = tree.size
            if size == 0:
                return None
            existing = conn.execute(select(tree_heads).where(tree_heads.c.tree_size == size)).first()
            if existing is not None:
                return _head(existing)
            root = tree.root()
        note = sign_checkpoint(checkpoint_of(self.origin, size, root, issued_at), self.origin,
                               self.key)
        try:
            with self.db.begin() as conn:
                conn.execute(insert(tree_heads).values(
                    tree_size=size, root_hash=root, issued_at=issued_at, key_id=self.key_id,
                    signature=note_signature(note), checkpoint=note))
        except IntegrityError:
            pass  # another process signed the same size at the same moment: keep the first
        head = self.at(size)
        assert head is not None
        return head

    def latest(self) -> TreeHead | None:
        with self.db.connect() as conn:
            row = conn.execute(select(tree_heads).order_by(tree_heads.c.tree_size.desc())
                               .limit(1)).first()
        return None if row is None else _head(row)

    def at(self, tree_size: int) -> TreeHead | None:
        with self.db.connect() as conn:
            row = conn.execute(select(tree_heads).where(tree_heads.c.tree_size == tree_size)).first()
        return None if row is None else _head(row)

    def count(self) -> int:
        with self.db.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(tree_heads)).scalar_one())

    def all(self, *, limit: int | None = None, offset: int = 0) -> list[TreeHead]:
        return stored_heads(self.db, limit=limit, offset=offset)


def stored_heads(db: Engine, *, limit: int | None = None, offset: int = 0) -> list[TreeHead]:
    query = select(tree_heads).order_by(tree_heads.c.tree_size).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    with db.connect() as conn:
        return [_head(row) for row in conn.execute(query)]
