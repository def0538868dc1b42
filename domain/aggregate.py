"""The base of every dsledger aggregate: each event it records carries its actor, the request's
correlation id, and the time the ledger's clock gave the command."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from domain import rules
from domain.actor import Actor, Role, current_context
from domain.rules import refuse, require


class LedgerAggregate(Aggregate):
    class Event(Aggregate.Event):
        actor: Actor
        correlation_id: str

    class Created(Event, Aggregate.Created):
        pass

    class DeadlineVoided(Event):
        """A deadline of this aggregate that will not fire: the scheduler's command for it was
        refused (met, already recorded, or no longer applicable) by the rule ``reason`` names.
        Recorded on the aggregate the deadline belongs to, so the deadlines view — like every
        view — holds nothing the log does not. Each concrete aggregate has its own subclass
        (``Contract.DeadlineVoided``…), made by the library, so consumers see it by its
        aggregate like any other event."""

        deadline_id: str
        kind: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            voided = aggregate.__dict__.get("voided_deadlines", [])
            aggregate.voided_deadlines = [*voided, self.deadline_id]

    def void_deadline(self, deadline_id: str, kind: str, reason: str) -> None:
        """The scheduler's record that a deadline is void; once per deadline (a second sweep,
        a second scheduler or a restart mid-sweep is refused, and records nothing)."""
        require_system()
        require(deadline_id not in self.__dict__.get("voided_deadlines", []),
                rules.DEADLINE_NOT_APPLICABLE, kind=kind)
        # The subclass of the concrete aggregate: its topic names the contract, the service…
        self.trigger_event(type(self).DeadlineVoided, deadline_id=deadline_id, kind=kind,
                           reason=reason)

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
