"""How an HTTP request becomes a command: who acts (the token), under which correlation id, at what
time (the runtime's clock), against which version (``If-Match``); and how its answer reads."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar import Request, Response
from litestar.datastructures import State

from api.auth import Principal
from api.schemas.common import CommandResponse
from domain import rules
from domain.actor import CommandContext
from domain.ledger import CommandResult
from domain.rules import refuse
from dsledger.runtime import Runtime

CORRELATION_HEADER = "X-Correlation-ID"
CORRELATION_STATE = "idempotent_correlation_id"
"""Where ``api.idempotency`` puts the id a keyed request's events are to carry."""
POSITION_HEADER = "X-Ledger-Position"
MIN_POSITION_HEADER = "X-Min-Position"
CORRELATION_FORMAT = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
# ASCII digits only ("²".isdigit() is True, and int("²") raises), at most 18 of them: every
# position fits a BIGINT.
_POSITION = re.compile(r"^[0-9]{1,18}$")
_ETAG = re.compile(r'^(W/)?"?(?P<version>[0-9]{1,9})"?$')
READ_YOUR_WRITES_TIMEOUT = 5.0


def runtime_of(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


def command_context(request: Request[Principal, Any, Any]) -> CommandContext:
    correlation_id = (request.state.get(CORRELATION_STATE) or request.headers.get(CORRELATION_HEADER)
                      or str(uuid.uuid4()))
    if not CORRELATION_FORMAT.match(correlation_id):
        refuse(rules.REQUEST_MALFORMED, CORRELATION_HEADER,
               problem=f"{CORRELATION_HEADER} must be 1-100 of A-Z a-z 0-9 . _ : -")
    request.state.correlation_id = correlation_id
    return CommandContext(actor=request.user.actor, correlation_id=correlation_id,
                          at=runtime_of(request.app.state).now())


def expected_version(request: Request[Any, Any, Any]) -> int | None:
    value = request.headers.get("If-Match")
    if value is None or value.strip() == "*":
        return None
    match = _ETAG.match(value.strip())
    if match is None:
        refuse(rules.REQUEST_MALFORMED, "If-Match",
               problem='If-Match must be the version the change is based on, e.g. "3"')
    return int(match.group("version"))


def answered(result: CommandResult, request: Request[Any, Any, Any],
             status_code: int = 200) -> Response[CommandResponse]:
    """The command's answer. The views are given a moment to reach the command's position, so a
    read right after it sees the change (read-your-writes) without the client having to ask."""
    runtime = runtime_of(request.app.state)
    runtime.projector.poke()
    runtime.projector.wait_for(result.position, READ_YOUR_WRITES_TIMEOUT)
    return Response(
        CommandResponse(aggregate_id=result.aggregate_id, version=result.version,
                        position=result.position),
        status_code=status_code,
        headers={"ETag": f'"{result.version}"', POSITION_HEADER: str(result.position),
                 CORRELATION_HEADER: request.state.get("correlation_id", "")},
    )


def await_min_position(request: Request[Any, Any, Any]) -> None:
    """A read that names a position waits (briefly) until every view has applied it."""
    value = request.headers.get(MIN_POSITION_HEADER)
    if value is None:
        return
    if not _POSITION.fullmatch(value):
        refuse(rules.REQUEST_MALFORMED, MIN_POSITION_HEADER,
               problem=f"{MIN_POSITION_HEADER} must be a ledger position (1 to 18 digits 0-9)")
    runtime_of(request.app.state).projector.wait_for(int(value), READ_YOUR_WRITES_TIMEOUT)
