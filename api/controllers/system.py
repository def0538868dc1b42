"""Liveness and the ledger's position: how far the log and each view have come."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from api.commands import runtime_of
from domain import rules
from domain.rules import refuse
from scheduler.clock import ControllableClock


class LedgerPosition(msgspec.Struct, frozen=True):
    head: int
    """The global position of the newest recorded event."""
    views: dict[str, int]
    """How far each view has applied the log."""
    database: str


class SystemController(Controller):
    path = "/"
    tags = ["system"]

    @get("/health", sync_to_thread=True, summary="The service answers and its database too")
    def health(self, request: Request[Any, Any, Any]) -> dict[str, str]:
        runtime_of(request.app.state).projector.positions()
        return {"status": "ok"}

    @get("/ledger/position", sync_to_thread=True, summary="Head of the log and each view's position")
    def position(self, request: Request[Any, Any, Any]) -> LedgerPosition:
        runtime = runtime_of(request.app.state)
        return LedgerPosition(head=runtime.projector.head(), views=runtime.projector.positions(),
                              database="postgresql" if runtime.settings.is_postgres else "sqlite")


class ClockReading(msgspec.Struct, frozen=True):
    now: datetime
    controllable: bool


class SetClock(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    # A time without an offset is read as UTC; msgspec's schema only says "a string" then, so
    # the format is said here (RFC 3339 times, which carry one, are the ones to send).
    now: Annotated[datetime, msgspec.Meta(extra_json_schema={"format": "date-time"})]


class ClockController(Controller):
    """The ledger's clock. In a demo (``serve --now`` or ``--demo``) the operator may move it
    forward to replay a contract's year; on a real deployment it is the machine's clock."""

    path = "/system/clock"
    tags = ["system"]

    @get("/", sync_to_thread=False, summary="What time the ledger believes it is")
    def read(self, request: Request[Any, Any, Any]) -> ClockReading:
        runtime = runtime_of(request.app.state)
        return ClockReading(now=runtime.now(),
                            controllable=isinstance(runtime.clock, ControllableClock))

    @post("/", sync_to_thread=True, status_code=200,
          summary="Move a demo clock forward (operator; demo mode only)")
    def move(self, request: Request[Any, Any, Any], data: JSONBody[SetClock]) -> ClockReading:
        runtime = runtime_of(request.app.state)
        clock = runtime.clock
        if not isinstance(clock, ControllableClock):
            refuse(rules.CLOCK_NOT_CONTROLLABLE)
        when = data.now if data.now.tzinfo else data.now.replace(tzinfo=UTC)
        try:
            clock.set(when)
        except ValueError as error:
            refuse(rules.CLOCK_BACKWARDS, "now", problem=str(error))
        return ClockReading(now=runtime.now(), controllable=True)
