"""Liveness and the ledger's position: how far the log and each view have come."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from api.commands import runtime_of
from domain import rules
from domain.rules import refuse
from projections.engine import ViewFailure
from scheduler.clock import ControllableClock

READY_MAX_LAG = 10_000
"""A view more than this many events behind the head makes the service not ready: a catch-up
after a start is still under way (about half a second's work on PostgreSQL), or the projection
worker is not keeping up."""


class LedgerPosition(msgspec.Struct, frozen=True):
    head: int
    """The global position of the newest recorded event."""
    views: dict[str, int]
    """How far each view has applied the log."""
    database: str
    failed: dict[str, ViewFailure] = {}
    """The views stopped at an event they cannot apply, with the event and the error: each stays
    at the position before it while the others go on, and commands do not wait for it."""


class Readiness(msgspec.Struct, frozen=True):
    status: str
    """``ready``, or ``not-ready`` (answered with 503)."""
    head: int
    failed: dict[str, ViewFailure]
    behind: dict[str, int]
    """Views more than ``max_lag`` events behind the head, with their position."""
    max_lag: int


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
        projector = runtime.projector
        return LedgerPosition(head=projector.head(), views=projector.positions(),
                              database="postgresql" if runtime.settings.is_postgres else "sqlite",
                              failed={failure.view: failure for failure in projector.failures()})

    @get("/health/ready", sync_to_thread=True,
         summary="Ready: no view failed and none far behind (503 naming them otherwise)",
         responses={503: ResponseSpec(data_container=Readiness,
                                      description="A view failed or is far behind: named")})
    def ready(self, request: Request[Any, Any, Any]) -> Response[Readiness]:
        # ``/health`` is liveness (the process and its database answer); this is readiness: a
        # load balancer or an operator learns that a view stopped at an event, or lags, by name.
        projector = runtime_of(request.app.state).projector
        head = projector.head()
        failed = {failure.view: failure for failure in projector.failures()}
        behind = {name: position for name, position in projector.positions().items()
                  if name not in failed and head - position > READY_MAX_LAG}
        ok = not failed and not behind
        return Response(Readiness(status="ready" if ok else "not-ready", head=head,
                                  failed=failed, behind=behind, max_lag=READY_MAX_LAG),
                        status_code=200 if ok else 503)


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
        runtime.ledger.require_clock_not_before_log(when)
        try:
            clock.set(when)
        except ValueError as error:
            refuse(rules.CLOCK_BACKWARDS, "now", problem=str(error))
        return ClockReading(now=runtime.now(), controllable=True)
