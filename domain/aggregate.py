"""The base of every dsledger aggregate: each event it records carries its actor, the request's
correlation id, and the time the ledger's clock gave the command."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from domain import rules
from domain.actor import Actor, Role, current_context
from domain.rules import refuse


class LedgerAggregate(Aggregate):
    class Event(Aggregate.Event):
        actor: Actor
        correlation_id: str

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:
        return super()._create(event_class, id=id, **_stamped(kwargs))

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        super().trigger_event(event_class, **_stamped(kwargs))


def _stamped(kwargs: dict[str, Any]) -> dict[str, Any]:
    context = current_context()
    return {
        **kwargs,
        "actor": context.actor,
        "correlation_id": context.correlation_id,
        "timestamp": context.at,
    }


def require_system() -> None:
    """Deadline events are recorded by the scheduler alone."""
    actor = current_context().actor
    if actor.role is not Role.SYSTEM:
        refuse(rules.AUTH_ROLE_FORBIDDEN, role=actor.role.value, allowed="system (the scheduler)")
