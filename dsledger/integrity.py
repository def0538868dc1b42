"""One aggregate's integrity, checked in time proportional to its own events, not to the log.

Each stored event of the aggregate is hashed again and compared with its leaf in the Merkle log;
each leaf under the latest signed tree head is proven included in that head's root, and the head's
signature is checked. That is what a page or a client can afford on every request; the whole-log
check (``dsledger verify``, ``GET /audit/verification``) remains the complete one.
"""

from __future__ import annotations

from uuid import UUID

import msgspec
from sqlalchemy import select

from audit import rfc9162
from dsledger.runtime import Runtime
from dsledger.tree_heads import TreeHead, verify_signature
from projections.merkle_log import StoredRecord, StoredTree
from projections.tables import merkle_leaves


class EventProblem(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    sequence: int | None
    detail: str


class AggregateIntegrity(msgspec.Struct, frozen=True, kw_only=True):
    aggregate_id: str
    events: int
    """Events the event store holds for the aggregate."""
    proven: int
    """Of them, how many were proven to be in the signed tree head."""
    head: TreeHead | None
    problems: list[EventProblem]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def complete(self) -> bool:
        """Every event is proven under a signed head (newer ones wait for the next head)."""
        return self.ok and self.proven == self.events


def check_aggregate(runtime: Runtime, aggregate_id: UUID) -> AggregateIntegrity:
    stored = list(runtime.ledger.recorder.select_events(aggregate_id))
    head = runtime.tree_heads.latest()
    problems: list[EventProblem] = []
    if head is not None and not verify_signature(head, runtime.tree_heads.public_key):
        problems.append(EventProblem(version=0, sequence=None, detail=(
            f"the latest tree head (size {head.tree_size}) is not signed by the ledger's key")))
        head = None
    proven = 0
    with runtime.db.connect() as conn:
        tree = StoredTree(conn)
        leaves = {int(row.originator_version): (int(row.sequence), int(row.leaf_index))
                  for row in conn.execute(select(merkle_leaves).where(
                      merkle_leaves.c.originator_id == str(aggregate_id)))}
        for expected, item in enumerate(stored, start=1):
            version = int(item.originator_version)
            if version != expected:
                problems.append(EventProblem(version=version, sequence=None, detail=(
                    f"version {expected} is missing from the event store")))
            logged = leaves.get(version)
            if logged is None:
                # Not a fault by itself: the Merkle view may not have reached it yet.
                continue
            sequence, index = logged
            leaf = StoredRecord(sequence, aggregate_id, version, item.topic,
                                bytes(item.state)).leaf_hash()
            if tree.leaf_hash(index) != leaf:
                problems.append(EventProblem(version=version, sequence=sequence, detail=(
                    "the stored event no longer hashes to the leaf the log recorded")))
                continue
            if head is None or index >= head.tree_size:
                continue
            if not rfc9162.verify_inclusion(index, head.tree_size, leaf,
                                            tree.inclusion_proof(index, head.tree_size),
                                            bytes.fromhex(head.root_hash)):
                problems.append(EventProblem(version=version, sequence=sequence, detail=(
                    f"the event is not in the signed tree head of size {head.tree_size}")))
                continue
            proven += 1
    extra = sorted(set(leaves) - {int(item.originator_version) for item in stored})
    problems.extend(EventProblem(version=version, sequence=leaves[version][0], detail=(
        "the log recorded this version but the event store no longer holds it"))
        for version in extra)
    return AggregateIntegrity(aggregate_id=str(aggregate_id), events=len(stored), proven=proven,
                              head=head, problems=problems)
