"""The verifiable log: an RFC 9162 Merkle tree over the ledger's global sequence of stored events.

Each leaf is ``SHA-256(0x00 || canonical record)`` of one stored event, in the order of the global
sequence; interior nodes are ``SHA-256(0x01 || left || right)``. The record is the stored row
itself (sequence number, aggregate id, version, topic and the stored bytes), not the decoded event,
so the tree commits to exactly what the database holds and a verifier needs no domain code.

The view keeps every leaf and the root of every complete perfect subtree, written in the same
transaction as its tracking position like any other view; with them a root or a proof costs
O(log² n) reads. Proofs are RFC 9162's exactly (``audit.rfc9162``).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from functools import cache
from hashlib import sha256
from typing import Any, ClassVar
from uuid import UUID

import msgspec
from sqlalchemy import Connection, Select, and_, bindparam, func, or_, select

from audit import rfc9162
from projections.engine import COPY_THRESHOLD, View, copy_rows, copy_text
from projections.tables import merkle_leaves, merkle_nodes

LEAF_PREFIX = rfc9162.LEAF_PREFIX
RECORD_FORMAT = "dsledger-record-v1"
_RECORD_START = RECORD_FORMAT.encode() + b"\n"
_LEAF_START = sha256(LEAF_PREFIX + _RECORD_START)
_FIXED = struct.Struct(">Q16sQI")
"""Sequence, aggregate id, version and the topic's length."""
_LENGTH = struct.Struct(">I")


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
        return _RECORD_START + self._fields()

    def _fields(self) -> bytes:
        topic = self.topic.encode()
        return b"".join((
            _FIXED.pack(self.sequence, self.originator_id.bytes, self.version, len(topic)), topic,
            _LENGTH.pack(len(self.state)), self.state,
        ))

    def leaf_hash(self) -> bytes:
        # The hash of the prefix every leaf shares is taken once and copied.
        digest = _LEAF_START.copy()
        digest.update(self._fields())
        return digest.digest()


node_hash = rfc9162.node_hash
EMPTY_ROOT = rfc9162.EMPTY_ROOT


class CompactRange:
    """The roots of the perfect subtrees covering leaves ``[0, size)``: enough to append the next
    leaf and to give the root at any size, in O(log n) memory — how a verifier streams a million
    events without holding them."""

    def __init__(self, size: int = 0, peaks: Sequence[bytes] = ()) -> None:
        self.size = size
        self._peaks: list[bytes] = list(peaks)  # left to right, strictly decreasing widths
        assert len(self._peaks) == size.bit_count()

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
    weight: ClassVar[int] = 2
    tables = (merkle_nodes, merkle_leaves)
    raw: ClassVar[bool] = True

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        self.apply_batch(conn, [(position, event)])

    def apply_batch(self, conn: Connection, items: Sequence[tuple[int, Any]]) -> None:
        # One read of the right edge of the tree, then two bulk inserts: a batch of 500 events
        # costs a handful of statements, not thousands.
        size = logged_size(conn)
        compact = CompactRange(size, _peaks(conn, size))
        leaves: list[tuple[int, int, str, int]] = []
        nodes: list[tuple[int, int, bytes]] = []
        for _, notification in items:
            record = StoredRecord.of(notification)
            leaves.append((compact.size, record.sequence, str(record.originator_id),
                           record.version))
            nodes += compact.append(record.leaf_hash())
        if conn.dialect.name == "postgresql" and len(leaves) >= COPY_THRESHOLD:
            # A catch-up's three rows per event, formatted for COPY here: numbers, a uuid and a
            # hash need no escaping but the bytea's backslash.
            copy_text(conn, merkle_leaves,
                      "".join([f"{a}\t{b}\t{c}\t{d}\n" for a, b, c, d in leaves]))
            copy_text(conn, merkle_nodes,
                      "".join([f"{a}\t{b}\t\\\\x{c.hex()}\n" for a, b, c in nodes]))
            return
        copy_rows(conn, merkle_leaves, leaves)
        copy_rows(conn, merkle_nodes, nodes)


def _peaks(conn: Connection, size: int) -> list[bytes]:
    """The roots of the perfect subtrees that cover the first ``size`` leaves, largest first."""
    wanted: list[tuple[int, int]] = []
    offset = 0
    for level in reversed(range(size.bit_length())):
        if size >> level & 1:
            wanted.append((level, offset >> level))
            offset += 1 << level
    if not wanted:
        return []
    params: dict[str, int] = {}
    for k, (level, index) in enumerate(wanted):
        params[f"level{k}"], params[f"idx{k}"] = level, index
    rows = conn.execute(_peaks_statement(len(wanted)), params)
    found = {(int(row.level), int(row.idx)): bytes(row.hash) for row in rows}
    return [found[key] for key in wanted]


def logged_size(conn: Connection) -> int:
    """How many events the Merkle log holds (read off the primary key, not by counting)."""
    last = conn.execute(_LAST_LEAF).scalar_one()
    return 0 if last is None else int(last) + 1


@cache
def _peaks_statement(count: int) -> Select[Any]:
    """The nodes ``(level{k}, idx{k})`` for k < ``count``, each found by the primary key. Built
    once per count (at most 64): every batch a live worker applies runs one. Not a row-value
    ``IN``: SQLite answered that by scanning the whole table, a batch's cost growing with the
    log."""
    nodes = merkle_nodes.c
    return select(nodes.level, nodes.idx, nodes.hash).where(or_(*(
        and_(nodes.level == bindparam(f"level{k}"), nodes.idx == bindparam(f"idx{k}"))
        for k in range(count))))


# Built once: every batch a live worker applies runs it.
_LAST_LEAF = select(func.max(merkle_leaves.c.leaf_index))


class StoredTree:
    """RFC 9162 roots and proofs (``audit.rfc9162``) over the view's tables, read-only, on one
    connection. A perfect subtree's root is read, never recomputed, and every node a root or a
    proof needs is read in one statement per tree level: a proof over a million leaves touches a
    few dozen rows."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.size = logged_size(conn)

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (all of them by default)."""
        size = self.size if size is None else size
        self._require(size)
        return rfc9162.range_hash(0, size, self._read(rfc9162.nodes_of([(0, size)])))

    def leaf_hash(self, index: int) -> bytes:
        """The hash of leaf ``index`` (0-based)."""
        self._require(index + 1)
        return self._read({(0, index)})[(0, index)]

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of ``size`` leaves (§2.1.3.1)."""
        self._require(size)
        return self._hashes(rfc9162.inclusion_ranges(index, size))

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """The proof that the tree of ``second`` leaves extends that of ``first`` (§2.1.4.1)."""
        self._require(second)
        return self._hashes(rfc9162.consistency_ranges(first, second))

    def tile(self, level: int, first: int, width: int) -> bytes | None:
        """The ``width`` hashes of tree level ``level`` from index ``first``, concatenated (a
        C2SP tile), or None when the log does not hold them all yet."""
        rows = self.conn.execute(
            select(merkle_nodes.c.hash)
            .where(merkle_nodes.c.level == level, merkle_nodes.c.idx >= first,
                   merkle_nodes.c.idx < first + width)
            .order_by(merkle_nodes.c.idx)).all()
        return b"".join(bytes(row.hash) for row in rows) if len(rows) == width else None

    def _require(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"the log holds {self.size} leaves, not {size}")

    def _hashes(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        nodes = self._read(rfc9162.nodes_of(ranges))
        return [rfc9162.range_hash(lo, hi, nodes) for lo, hi in ranges]

    def _read(self, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        if not wanted:
            return {}
        by_level: dict[int, list[int]] = {}
        for level, index in wanted:
            by_level.setdefault(level, []).append(index)
        # One indexed lookup per level: SQLite plans a row-value IN list as a scan of the table.
        rows = self.conn.execute(select(merkle_nodes).where(or_(*(
            and_(merkle_nodes.c.level == level, merkle_nodes.c.idx.in_(sorted(indexes)))
            for level, indexes in by_level.items()))))
        found = {(int(row.level), int(row.idx)): bytes(row.hash) for row in rows}
        missing = wanted - found.keys()
        if missing:
            raise LookupError(f"the Merkle log lacks the nodes {sorted(missing)[:5]}")
        return found

    def leaf(self, sequence: int) -> LoggedEvent | None:
        """Where the event at this global sequence number sits in the log, if it is logged yet."""
        row = self.conn.execute(select(merkle_leaves).where(
            merkle_leaves.c.sequence == sequence)).first()
        if row is None:
            return None
        return LoggedEvent(leaf_index=int(row.leaf_index), sequence=int(row.sequence),
                           originator_id=row.originator_id, version=int(row.originator_version))


class LoggedEvent(msgspec.Struct, frozen=True, kw_only=True):
    leaf_index: int
    """0-based, as RFC 9162 counts leaves."""
    sequence: int
    originator_id: str
    version: int


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The root over a list of leaf hashes (for packs and tests; the log itself never holds them)."""
    compact = CompactRange()
    for leaf in leaves:
        compact.append(leaf)
    return compact.root()
