"""Who is acting, on whose behalf, and when: attached to every recorded event."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import msgspec

from domain import bounds

KOREA = ZoneInfo("Asia/Seoul")


class Role(enum.Enum):

    OPERATOR = "operator"
    AGENCY = "agency"
    PROVIDER = "provider"
    AUDITOR = "auditor"
    SYSTEM = "system"


class Actor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The principal that caused an event: a person or the scheduler."""

    principal_id: str
    role: Role
    agency_id: str | None = None
    provider_id: str | None = None

    def __post_init__(self) -> None:
        # Every event records its actor; the organisation ids land in String(64) view columns.
        bounds.texts(self, {"principal_id": bounds.NAME_LENGTH}, default=bounds.ID_LENGTH)


class CommandContext(msgspec.Struct, frozen=True):
    """The request a command belongs to: its actor, correlation id and the time it happened.

    The time is carried explicitly so that a controllable clock (demos, the scheduler's
    catch-up, tests) stamps events with the time the ledger believes it is.
    """

    actor: Actor
    correlation_id: str
    at: datetime

    @property
    def today(self) -> date:
        """The calendar date in Korea, which is what every deadline of the guideline counts in."""
        return self.at.astimezone(KOREA).date()


_current: ContextVar[CommandContext | None] = ContextVar("dsledger_command_context", default=None)


class NoActingContextError(RuntimeError):
    """An event was about to be recorded without knowing who caused it."""


def current_context() -> CommandContext:
    context = _current.get()
    if context is None:
        raise NoActingContextError(
            "events can only be triggered inside `acting(...)`: every event records its actor"
        )
    return context


@contextmanager
def acting(context: CommandContext) -> Iterator[CommandContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def utc_now() -> datetime:
    return datetime.now(UTC)
