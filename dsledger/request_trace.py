"""What a request recorded, found in the log by the correlation id every event of it carries.

A keyed request whose process died after its events committed but before its answer was stored
left no answer to replay; its events are still in the log under its correlation id, after the
position the log had reached when the key was claimed. Reading that stretch of the log tells a
retry whether the first attempt committed."""

from __future__ import annotations

from uuid import UUID

import msgspec

from domain.ledger import Ledger

_BATCH = 1000


class RecordedEvent(msgspec.Struct, frozen=True):
    position: int
    aggregate_id: UUID
    version: int
    event: str
    """The event's class name ("Suspended", "CommunicationLogged")."""


def recorded_under(ledger: Ledger, correlation_id: str, after: int) -> list[RecordedEvent]:
    """The events recorded under ``correlation_id`` at positions after ``after``, in log order."""
    # Stored states are plain JSON unless the ledger compresses or encrypts them; then the id is
    # in there as written (its characters need no escaping), and most events can be passed over
    # without decoding them.
    needle = correlation_id.encode() if ledger.mapper.cipher is None and (
        ledger.mapper.compressor is None) else None
    found: list[RecordedEvent] = []
    start = after + 1
    while True:
        notifications = ledger.recorder.select_notifications(start, _BATCH)
        for notification in notifications:
            if needle is not None and needle not in notification.state:
                continue
            event = ledger.mapper.to_domain_event(notification)
            if getattr(event, "correlation_id", None) == correlation_id:
                found.append(RecordedEvent(
                    position=notification.id, aggregate_id=UUID(str(event.originator_id)),
                    version=event.originator_version, event=type(event).__name__))
        if len(notifications) < _BATCH:
            return found
        start = notifications[-1].id + 1
