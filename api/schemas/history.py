"""Answers of the history routes: an aggregate's events as the log holds them, its state replayed
as of a version or a time, and the difference between two versions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec


class EventActor(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    principal_id: str
    role: str
    agency_id: str | None = None
    provider_id: str | None = None


class HistoryEvent(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    version: int
    """The aggregate's version this event made (1 for the event that created it)."""
    position: int
    """The event's place in the ledger's one global sequence (its notification id)."""
    type: str
    timestamp: datetime
    """The time of the ledger's clock when the command was recorded."""
    actor: EventActor
    correlation_id: str
    data: dict[str, Any]
    """The event's own attributes (everything but the envelope above), as JSON."""


class HistoryEvents(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A page of an aggregate's events, in version order."""

    aggregate_id: UUID
    aggregate_type: str
    last_version: int
    """The aggregate's latest version when this page was read."""
    next_after: int | None
    """Pass as ``after`` for the next page; null on the last page."""
    events: list[HistoryEvent]


class HistoryState(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The aggregate replayed from its first event up to ``version``."""

    aggregate_id: UUID
    aggregate_type: str
    version: int
    position: int
    timestamp: datetime
    """When the event that made ``version`` was recorded."""
    last_version: int
    state: dict[str, Any]
    """The aggregate's public attributes at ``version``, as JSON."""


class ChangeKind(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


class AttributeChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    attribute: str
    change: ChangeKind
    before: Any = None
    """The value at ``from`` (null when the attribute was added)."""
    after: Any = None
    """The value at ``to`` (null when the attribute was removed)."""


class HistoryDiff(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    aggregate_id: UUID
    aggregate_type: str
    from_version: int
    to_version: int
    from_timestamp: datetime
    to_timestamp: datetime
    changes: list[AttributeChange]
    """Every attribute whose value differs, by name."""
    events: list[HistoryEvent]
    """The events after ``from`` up to and including ``to``: what made the changes."""
