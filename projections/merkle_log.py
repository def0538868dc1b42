"""The verifiable log: an RFC 9162 Merkle tree over the ledger's global sequence of stored events.

Each leaf is ``SHA-256(0x00 || canonical record)`` of one stored event, in the order of the global
sequence; interior nodes are ``SHA-256(0x01 || left || right)``. The record is the stored row
itself (sequence number, aggregate id, version, topic and the stored bytes), not the decoded event,
so the tree commits to exactly what the database holds and a verifier needs no domain code.

The view keeps every leaf and the root of every complete perfect subtree, written in the same
transaction as its tracking position like any other view; with them a root or a proof costs
O(log² n) reads. Proofs and their verification are pymerkle's (RFC 9162 layout).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from hashlib import sha256
from typing import Any, ClassVar
from uuid import UUID

from pymerkle import BaseMerkleTree
from sqlalchemy import Connection, func, insert, select

from projections.engine import View
from projections.tables import merkle_leaves, merkle_nodes

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
RECORD_FORMAT = "dsledger-record-v1"


class StoredRecord:
    """The five things a leaf commits to, however they were read (library or raw SQL)."""

    __slots__ = ("originator_id", "sequence", "state", "topic", "version")

    def __init__(self, sequence: int, originator_id: UUID, version: int, topic: str,
                 state: bytes) -> None:
        self.sequence = sequence
        self.originator_id = originator_id
        self.version = version
        self.topic = topic
        self.state = state

    @classmethod
    def of(cls, notification: Any) -> StoredRecord:
        originator = notification.originator_id
        return cls(int(notification.id), originator if isinstance(originator, UUID) else UUID(
            str(originator)), int(notification.originator_version), str(notification.topic),
            bytes(notification.state))

    def canonical(self) -> bytes:
        """Fixed-width integers and length-prefixed strings: one encoding, whatever the database
        (SQLite stores ids as hex text, PostgreSQL as uuid)."""
        topic = self.topic.encode()
        return b"".join((
            RECORD_FORMAT.encode(), b"\n",
            struct.pack(">Q", self.sequence), self.originator_id.bytes,
            struct.pack(">Q", self.version),
            struct.pack(">I", len(topic)), topic,
            struct.pack(">I", len(self.state)), self.state,
        ))

    def leaf_hash(self) -> bytes:
        return sha256(LEAF_PREFIX + self.canonical()).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(NODE_PREFIX + left + right).digest()


EMPTY_ROOT = sha256(b"").digest()


class CompactRange:
    """The roots of the perfect subtrees covering leaves ``[0, size)``: enough to append the next
    leaf and to give the root at any size, in O(log n) memory — how a verifier streams a million
    events without holding them."""

    def __init__(self) -> None:
        self.size = 0
        self._peaks: list[bytes] = []  # left to right, strictly decreasing widths

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf; return the (level, index, hash) of every perfect subtree it completes."""
        completed = [(0, self.size, leaf)]
        node, level, index = leaf, 0, self.size
        self._peaks.append(leaf)
        while (index & 1) == 1:
            self._peaks.pop()
            left = self._peaks.pop()
            node = node_hash(left, node)
            level, index = level + 1, index >> 1
            self._peaks.append(node)
            completed.append((level, index, node))
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self._peaks:
            return EMPTY_ROOT
        node = self._peaks[-1]
        for peak in reversed(self._peaks[:-1]):
            node = node_hash(peak, node)
        return node


class MerkleLogView(View):
    """Appends each stored event as the next leaf and stores the perfect subtrees it completes."""

    name: ClassVar[str] = "merkle_log"
    tables = (merkle_nodes, merkle_leaves)
    raw: ClassVar[bool] = True

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        record = StoredRecord.of(event)
        size = logged_size(conn)
        conn.execute(insert(merkle_leaves).values(
            leaf_index=size, sequence=record.sequence, originator_id=str(record.originator_id),
            originator_version=record.version))
        node, level, index = record.leaf_hash(), 0, size
        rows = [{"level": 0, "idx": index, "hash": node}]
        while (index & 1) == 1:
            left = conn.execute(select(merkle_nodes.c.hash).where(
                merkle_nodes.c.level == level, merkle_nodes.c.idx == index - 1)).scalar_one()
            node = node_hash(bytes(left), node)
            level, index = level + 1, index >> 1
            rows.append({"level": level, "idx": index, "hash": node})
        conn.execute(insert(merkle_nodes), rows)


def logged_size(conn: Connection) -> int:
    """How many events the Merkle log holds (read off the primary key, not by counting)."""
    last = conn.execute(select(func.max(merkle_leaves.c.leaf_index))).scalar_one()
    return 0 if last is None else int(last) + 1


class StoredTree(BaseMerkleTree):  # type: ignore[misc]
    """pymerkle's RFC 9162 proofs over the view's tables, read-only, on one connection.

    A perfect subtree's root is read, never recomputed, so a root or a proof over a million leaves
    touches a few dozen rows.
    """

    def __init__(self, conn: Connection) -> None:
        super().__init__("sha256", disable_cache=True)
        self.conn = conn
        self._size = logged_size(conn)

    def _encode_entry(self, data: bytes) -> bytes:
        return data

    def _store_leaf(self, data: bytes, digest: bytes) -> int:
        raise TypeError("the Merkle log grows only by projecting the ledger")

    def _get_size(self) -> int:
        return self._size

    def _get_leaf(self, index: int) -> bytes:
        return self._node(0, index - 1)

    def _get_leaves(self, offset: int, width: int) -> list[bytes]:
        rows = self.conn.execute(
            select(merkle_nodes.c.hash)
            .where(merkle_nodes.c.level == 0, merkle_nodes.c.idx >= offset,
                   merkle_nodes.c.idx < offset + width)
            .order_by(merkle_nodes.c.idx))
        return [bytes(row.hash) for row in rows]

    def _get_subroot(self, offset: int, width: int) -> bytes:
        # RFC 9162's decompositions only ever ask for aligned perfect subtrees.
        level = width.bit_length() - 1
        assert width == 1 << level and offset % width == 0, (offset, width)
        return self._node(level, offset >> level)

    def _node(self, level: int, index: int) -> bytes:
        value = self.conn.execute(select(merkle_nodes.c.hash).where(
            merkle_nodes.c.level == level, merkle_nodes.c.idx == index)).scalar_one()
        return bytes(value)

    def leaf_index_of(self, sequence: int) -> int | None:
        """The 0-based leaf of the event at this global sequence number, if it is logged yet."""
        value = self.conn.execute(select(merkle_leaves.c.leaf_index).where(
            merkle_leaves.c.sequence == sequence)).scalar_one_or_none()
        return None if value is None else int(value)

    def leaves_of(self, sequences: Iterable[int]) -> dict[int, int]:
        wanted = list(sequences)
        rows = self.conn.execute(select(merkle_leaves.c.sequence, merkle_leaves.c.leaf_index).where(
            merkle_leaves.c.sequence.in_(wanted)))
        return {int(row.sequence): int(row.leaf_index) for row in rows}


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The root over a list of leaf hashes (for packs and tests; the log itself never holds them)."""
    compact = CompactRange()
    for leaf in leaves:
        compact.append(leaf)
    return compact.root()
