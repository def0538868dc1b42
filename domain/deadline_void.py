"""A deadline the scheduler found void: its command was refused — met, already recorded, or no
longer applicable — by the rule the event names.

It is recorded in the log, so the deadlines view (like every view) holds nothing the log does not
and a rebuild keeps the deadline void. It is an aggregate of its own, one per deadline (its id is
derived from the deadline's), rather than an event on the contract, service or procurement the
deadline belongs to: a background job must not move the version of an aggregate people are
changing (their next command would meet a version conflict, their If-Match a stale ETag). The event
names that aggregate (``owner_type``, ``owner_id``). Recording it twice is refused: the id exists.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.aggregate import LedgerAggregate, require_system

_VOID_NAMESPACE = UUID("6b604e2a-2b5f-4f30-9d5e-000000000014")


def void_id_for(deadline_id: str) -> UUID:
    return uuid5(_VOID_NAMESPACE, deadline_id)


class DeadlineVoid(LedgerAggregate):
    """One void deadline: a single event, recorded by the scheduler."""

    @staticmethod
    def create_id(deadline_id: str) -> UUID:
        return void_id_for(deadline_id)

    @classmethod
    def record(cls, *, deadline_id: str, kind: str, owner_type: str, owner_id: str,
               reason: str) -> DeadlineVoid:
        require_system()
        return cls(deadline_id=deadline_id, kind=kind, owner_type=owner_type, owner_id=owner_id,
                   reason=reason)

    @event("DeadlineVoided")
    def __init__(self, deadline_id: str, kind: str, owner_type: str, owner_id: str,
                 reason: str) -> None:
        self.deadline_id = deadline_id
        self.kind = kind
        self.owner_type = owner_type
        self.owner_id = owner_id
        self.reason = reason
