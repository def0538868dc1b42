"""``dsledger verify``: recompute the whole verifiable log from the stored rows and say where it
breaks.

Three independent checks, each reported at the first place it fails:

1. every stored event, read straight from the event store, hashes to the leaf the Merkle log
   recorded for its sequence number — an altered byte, a deleted, inserted or swapped row shows up
   at its own position;
2. each aggregate's versions run 1, 2, 3… in global order — a row moved between positions or
   removed shows up even if the Merkle tables were rewritten to match;
3. every signed tree head (those in the database, and those an auditor kept and passes in) has a
   valid signature and equals the root recomputed from the rows at its size — so a forger who
   rewrote rows *and* the Merkle tables is still caught by any head signed before the change.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine, select

from audit.checkpoint import SIGNATURE_PREFIX, NoteError, note_signature, parse_body
from dsledger.tree_heads import TreeHead, key_id, stored_heads, verify_signature
from projections.merkle_log import CompactRange, StoredRecord
from projections.tables import merkle_leaves, merkle_nodes

BATCH = 5_000


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    """altered | deleted | inserted | moved | version-gap | head-signature | head-root |
    head-beyond-log"""
    sequence: int | None
    """The global sequence number (event position) where it was found."""
    aggregate_id: str | None = None
    version: int | None = None
    detail: str


class VerifyReport(msgspec.Struct, kw_only=True):
    events: int = 0
    logged: int = 0
    """How many events the Merkle log covers; the rest were not yet projected (not a fault)."""
    heads_checked: int = 0
    root: str = ""
    problems: list[Problem] = msgspec.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


class _Leaf(msgspec.Struct, frozen=True):
    index: int
    sequence: int
    originator_id: str
    version: int
    hash: bytes


def _stored_leaves(db: Engine) -> Iterator[_Leaf]:
    last = -1
    while True:
        with db.connect() as conn:
            rows = conn.execute(
                select(merkle_leaves, merkle_nodes.c.hash)
                .join(merkle_nodes, (merkle_nodes.c.level == 0)
                      & (merkle_nodes.c.idx == merkle_leaves.c.leaf_index), isouter=True)
                .where(merkle_leaves.c.leaf_index > last)
                .order_by(merkle_leaves.c.leaf_index).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            yield _Leaf(int(row.leaf_index), int(row.sequence), row.originator_id,
                        int(row.originator_version), bytes(row.hash or b""))
        last = int(rows[-1].leaf_index)


def _stored_records(recorder: Any) -> Iterator[StoredRecord]:
    start = 1
    while True:
        batch = recorder.select_notifications(start=start, limit=BATCH)
        if not batch:
            return
        for notification in batch:
            yield StoredRecord.of(notification)
        start = int(batch[-1].id) + 1


class Verifier:
    def __init__(self, recorder: Any, db: Engine, public_key: Ed25519PublicKey | None,
                 trusted_heads: Sequence[TreeHead] = ()) -> None:
        self.recorder = recorder
        self.db = db
        self.public_key = public_key
        self.trusted_heads = list(trusted_heads)

    def run(self, *, limit: int = 100) -> VerifyReport:
        report = VerifyReport()
        pending: list[TreeHead] = []
        compact = CompactRange()
        versions: dict[UUID, int] = {}
        leaves = _stored_leaves(self.db)
        leaf = next(leaves, None)

        def problem(kind: str, sequence: int | None, detail: str, aggregate: Any = None,
                    version: int | None = None) -> None:
            if len(report.problems) < limit:
                report.problems.append(Problem(
                    kind=kind, sequence=sequence, detail=detail, version=version,
                    aggregate_id=None if aggregate is None else str(aggregate)))

        for head in [*stored_heads(self.db), *self.trusted_heads]:
            if self.public_key is not None and not verify_signature(head, self.public_key):
                problem("head-signature", None, f"the tree head of size {head.tree_size} is not "
                        "signed by the trusted key")
            else:
                pending.append(head)
        pending.sort(key=lambda head: head.tree_size)

        def check_heads() -> None:
            while pending and pending[0].tree_size == compact.size:
                head = pending.pop(0)
                report.heads_checked += 1
                if compact.root().hex() != head.root_hash:
                    problem("head-root", None,
                            f"signed tree head of size {head.tree_size} does not match the root "
                            f"recomputed from the stored events (rows up to this size changed)")

        for record in _stored_records(self.recorder):
            report.events += 1
            digest = record.leaf_hash()
            altered = False
            if (leaf is not None and leaf.sequence == record.sequence and not _same(leaf, record)
                    and not self._logged(record) and not self._stored(leaf)):
                # The same row of the log, now naming an aggregate or version the log never had,
                # while what the log had there is gone: the row was edited, not inserted, removed
                # or swapped.
                problem("altered", record.sequence, "the stored event's aggregate or version "
                        f"changed (the log recorded version {leaf.version} of "
                        f"{leaf.originator_id})", record.originator_id, record.version)
                report.logged += 1
                altered = True
                leaf = next(leaves, None)
            while not altered and leaf is not None and not _same(leaf, record):
                if not self._logged(record):
                    problem("inserted", record.sequence, "this event is not in the Merkle log, "
                            "which continues past it", record.originator_id, record.version)
                    break
                if self._stored(leaf):
                    problem("moved", record.sequence, "the log has another event here; this one "
                            "was logged elsewhere (rows reordered or swapped)",
                            record.originator_id, record.version)
                    leaf = next(leaves, None)
                    break
                problem("deleted", leaf.sequence, "the Merkle log holds this event; the event "
                        "store no longer does", leaf.originator_id, leaf.version)
                leaf = next(leaves, None)
            else:
                if leaf is not None and not altered:
                    report.logged += 1
                    if leaf.hash != digest:
                        moved = ("" if leaf.sequence == record.sequence else
                                 f" (its sequence number changed from {leaf.sequence})")
                        problem("altered", record.sequence, "the stored event does not hash to "
                                f"the leaf the Merkle log recorded for it{moved}",
                                record.originator_id, record.version)
                    leaf = next(leaves, None)
            expected = versions.get(record.originator_id, 0) + 1
            if record.version != expected and not altered:
                problem("version-gap", record.sequence, f"version {record.version} follows "
                        f"version {expected - 1} of this aggregate", record.originator_id,
                        record.version)
            versions[record.originator_id] = record.version
            compact.append(digest)
            check_heads()
        while leaf is not None:
            problem("deleted", leaf.sequence, "the Merkle log holds this event; the event store "
                    "no longer does", leaf.originator_id, leaf.version)
            leaf = next(leaves, None)
        for head in pending:
            problem("head-beyond-log", None, f"a signed tree head covers {head.tree_size} events; "
                    f"only {compact.size} are stored (events were removed from the end)")
        report.root = compact.root().hex()
        return report


    def _logged(self, record: StoredRecord) -> bool:
        with self.db.connect() as conn:
            return conn.execute(select(merkle_leaves.c.leaf_index).where(
                merkle_leaves.c.originator_id == str(record.originator_id),
                merkle_leaves.c.originator_version == record.version)).first() is not None

    def _stored(self, leaf: _Leaf) -> bool:
        events = self.recorder.select_events(UUID(leaf.originator_id), gt=leaf.version - 1,
                                             lte=leaf.version)
        return bool(events)


def _same(leaf: _Leaf, record: StoredRecord) -> bool:
    return leaf.originator_id == str(record.originator_id) and leaf.version == record.version


def load_trusted_heads(path: Path, public_key: Ed25519PublicKey) -> list[TreeHead]:
    """Tree heads an auditor kept, in any form the ledger publishes them: the body of
    ``GET /audit/tree-heads`` (a page of heads), a JSON list of heads, one head
    (``GET /audit/tree-heads/latest``), or checkpoint notes (``GET /audit/checkpoint``; several
    may follow one another in one file). A note's signature is checked like any head's."""
    data = path.read_bytes()
    if data.lstrip()[:1] not in (b"{", b"["):
        return [_head_of_note(note, public_key) for note in _notes(data.decode())]
    page = msgspec.json.decode(data)
    if isinstance(page, dict) and "items" in page:
        page = page["items"]
    return msgspec.convert(page if isinstance(page, list) else [page], list[TreeHead])


def _notes(text: str) -> list[str]:
    """Signed notes one after another: a note ends with its last signature line."""
    notes: list[str] = []
    current: list[str] = []
    signing = False
    for line in text.splitlines(keepends=True):
        if signing and not line.startswith(SIGNATURE_PREFIX):
            notes.append("".join(current))
            current, signing = [], False
        current.append(line)
        signing = signing or line == "\n"
    if current:
        notes.append("".join(current))
    return notes


def _head_of_note(note: str, public_key: Ed25519PublicKey) -> TreeHead:
    body, _, _ = note.rpartition("\n\n")
    checkpoint = parse_body(body + "\n")
    if checkpoint.issued_at is None:
        raise NoteError("the checkpoint has no dsledger-issued-at line")
    return TreeHead(tree_size=checkpoint.size, root_hash=checkpoint.root.hex(),
                    issued_at=msgspec.convert(checkpoint.issued_at, datetime),
                    key_id=key_id(public_key),
                    signature=base64.b64encode(note_signature(note)).decode(), checkpoint=note)
