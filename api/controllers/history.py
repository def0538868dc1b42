"""The auditors' history: any aggregate's events as the log holds them, its state replayed as of a
version or a time, and what changed between two versions. Auditors read every aggregate; an agency
reads the procurements and contracts it owns.

Everything here is read from the event log itself, never from a view: an auditor must see what the
ledger recorded, not what a projection made of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, cast
from uuid import UUID

import msgspec
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from litestar import Controller, Request, get
from litestar.params import FromPath, QueryParameter
from sqlalchemy import column, select, table

from api.auth import Principal, require_role
from api.authorization import POLICY
from api.commands import runtime_of
from api.schemas.history import (
    AttributeChange,
    ChangeKind,
    EventActor,
    HistoryDiff,
    HistoryEvent,
    HistoryEvents,
    HistoryState,
)
from domain import rules
from domain.actor import Role
from domain.aggregate import LedgerAggregate
from domain.contract import Contract
from domain.procurement import Procurement
from domain.rules import refuse
from dsledger.runtime import Runtime

Req = Request[Principal, Any, Any]
AggregateId = FromPath[UUID]
HISTORY_ROLES = POLICY["GET /history/{aggregate_id:uuid}/events"].roles
_MAX_VERSION = 1_000_000_000
EVENTS_PAGE = 500
MAX_EVENTS_PAGE = 1000

_ENVELOPE = {field.name for field in dataclasses.fields(LedgerAggregate.Event)} | {
    "originator_topic"
}
_KINDS = {
    "DigitalService": ("digital service", "디지털서비스"),
    "Procurement": ("procurement", "조달 건"),
    "Contract": ("contract", "계약"),
    "QualityInspection": ("inspection", "품질 점검"),
    "SemiannualReport": ("semiannual report", "반기 보고"),
    "Agency": ("agency", "수요기관"),
    "AgencyCode": ("agency code claim", "행정표준기관코드 등록"),
}


@dataclasses.dataclass(frozen=True)
class History:
    """One aggregate's events, in order, with each one's place in the global sequence."""

    aggregate_id: UUID
    events: Sequence[LedgerAggregate.Event]
    positions: dict[int, int]

    @property
    def last_version(self) -> int:
        return len(self.events)

    def replay(self, version: int) -> LedgerAggregate:
        """The aggregate as its first ``version`` events made it (versions run 1, 2, … with no
        gaps, so they are the first ``version`` of the list)."""
        aggregate: Any = None
        for event in self.events[:version]:
            aggregate = event.mutate(aggregate)
        assert isinstance(aggregate, LedgerAggregate)
        return aggregate

    def entry(self, event: LedgerAggregate.Event) -> HistoryEvent:
        actor = event.actor
        data = {field.name: getattr(event, field.name) for field in dataclasses.fields(event)
                if field.name not in _ENVELOPE}
        return HistoryEvent(
            version=event.originator_version, position=self.positions[event.originator_version],
            type=type(event).__name__, timestamp=event.timestamp,
            actor=EventActor(principal_id=actor.principal_id, role=actor.role.value,
                             agency_id=actor.agency_id, provider_id=actor.provider_id),
            correlation_id=event.correlation_id,
            data=msgspec.to_builtins(data, order="deterministic"),
        )


def _kind(aggregate: LedgerAggregate) -> tuple[str, str]:
    name = type(aggregate).__name__
    return _KINDS.get(name, (name, name))


def _positions(runtime: Runtime, aggregate_id: UUID) -> dict[int, int]:
    """Each version's notification id. ``select_events`` does not return it and
    ``select_notifications`` can only find it by reading the whole log, so it is read by the
    primary key from the library's own table: SQLite's ``rowid`` and PostgreSQL's
    ``notification_id`` are exactly what ``select_notifications`` answers as ``Notification.id``."""
    recorder = runtime.ledger.recorder
    key: UUID | str
    if isinstance(recorder, PostgresApplicationRecorder):
        log = table(recorder.events_table_name, column("originator_id"),
                    column("originator_version"), column("notification_id"),
                    schema=recorder.datastore.schema)
        number, key = log.c.notification_id, aggregate_id
    elif isinstance(recorder, SQLiteApplicationRecorder):
        # The library stores a UUID originator id as its 32 hex digits on SQLite.
        log = table(recorder.events_table_name, column("originator_id"),
                    column("originator_version"), column("rowid"))
        number, key = log.c.rowid, aggregate_id.hex
    else:
        raise TypeError(f"dsledger runs on SQLite or PostgreSQL, not {type(recorder).__name__}")
    with runtime.db.connect() as conn:
        rows = conn.execute(select(log.c.originator_version, number)
                            .where(log.c.originator_id == key)).all()
    return {int(version): int(position) for version, position in rows}


def load_history(runtime: Runtime, aggregate_id: UUID) -> tuple[History, LedgerAggregate]:
    """The aggregate's history as the log holds it, and its current state, for any reader; the
    caller checks the reader with :func:`require_reader`."""
    ledger = runtime.ledger
    stored = ledger.recorder.select_events(aggregate_id)
    if not stored:
        refuse(rules.HISTORY_NOT_FOUND, "aggregate_id", aggregate_id=str(aggregate_id))
    events: list[LedgerAggregate.Event] = []
    for item in stored:
        try:
            events.append(cast(LedgerAggregate.Event, ledger.mapper.to_domain_event(item)))
        except Exception:
            # Whatever the decoder trips on, an event that no longer decodes is a fact about the
            # log an auditor must be told plainly, not a server error.
            refuse(rules.HISTORY_EVENT_UNREADABLE, aggregate_id=str(aggregate_id),
                   version=item.originator_version,
                   sequence=_positions(runtime, aggregate_id).get(item.originator_version, "?"))
    # Read after the events: the log only grows, so every event read above has its position.
    history = History(aggregate_id, events, _positions(runtime, aggregate_id))
    return history, history.replay(history.last_version)


def _history(request: Req, aggregate_id: UUID) -> tuple[History, LedgerAggregate]:
    """The aggregate's history and its current state. Who may read it (an auditor, or the agency
    owning the procurement or contract) api.authorization has checked before the handler ran."""
    return load_history(runtime_of(request.app.state), aggregate_id)


def require_reader(principal: Principal, aggregate: LedgerAggregate) -> None:
    """Auditors read everything; an agency only the procurements and contracts its own state
    names it the owner of. For the web pages, which read a cookie rather than a bearer header
    and so pass no route guard; they check the role first with :func:`require_history_role`."""
    if principal.role is not Role.AGENCY:
        return
    if not isinstance(aggregate, Procurement | Contract) or (
            aggregate.agency_id != principal.agency_id):
        # As the API's table answers (api.authorization): what is not the agency's is, to it,
        # not there, so the answer never confirms that someone else's record exists.
        refuse(rules.HISTORY_NOT_FOUND, "aggregate_id", aggregate_id=str(aggregate.id))


def require_history_role(principal: Principal) -> None:
    """The roles the API's table lets read a history, for callers without the guard."""
    require_role(principal, *HISTORY_ROLES)


def _require_version(history: History, aggregate: LedgerAggregate, version: int,
                     parameter: str) -> None:
    if version > history.last_version:
        kind, kind_ko = _kind(aggregate)
        refuse(rules.HISTORY_VERSION_NOT_RECORDED, parameter, kind=kind, kind_ko=kind_ko,
               version=version, last=history.last_version)


def _version_at(history: History, aggregate: LedgerAggregate, at: datetime) -> int:
    """The version of the last event recorded at or before ``at``. Events are recorded in the
    order of the ledger's clock, which only moves forward, so their times never decrease."""
    if at.tzinfo is None:
        refuse(rules.REQUEST_MALFORMED, "at",
               problem="at must carry its offset, e.g. 2026-03-02T09:00:00+09:00")
    reached = [event.originator_version for event in history.events if event.timestamp <= at]
    if not reached:
        kind, kind_ko = _kind(aggregate)
        refuse(rules.HISTORY_BEFORE_CREATION, "at", kind=kind, kind_ko=kind_ko,
               at=at.isoformat(), first=history.events[0].timestamp.isoformat())
    return max(reached)


def _state_of(aggregate: LedgerAggregate) -> dict[str, Any]:
    """The aggregate's public attributes as JSON builtins (sets sorted, so equal states compare
    and diff equal)."""
    public = {name: value for name, value in vars(aggregate).items() if not name.startswith("_")}
    builtins: dict[str, Any] = msgspec.to_builtins(public, order="deterministic")
    return builtins


def _changes_between(before: dict[str, Any], after: dict[str, Any]) -> list[AttributeChange]:
    changes = []
    for name in sorted(before.keys() | after.keys()):
        if name not in before:
            changes.append(AttributeChange(attribute=name, change=ChangeKind.ADDED,
                                           after=after[name]))
        elif name not in after:
            changes.append(AttributeChange(attribute=name, change=ChangeKind.REMOVED,
                                           before=before[name]))
        elif before[name] != after[name]:
            changes.append(AttributeChange(attribute=name, change=ChangeKind.CHANGED,
                                           before=before[name], after=after[name]))
    return changes


def _range_as_written(request: Req) -> None:
    """Litestar would name a bad value by the handler's argument (``from_version``, as ``from`` is
    a Python keyword), not by the parameter the client wrote, so these two are checked first."""
    for name, required in (("from", True), ("to", False)):
        value = request.query_params.get(name)
        if value is None and not required:
            continue
        if value is None or not (value.isascii() and value.isdigit()
                                 and 1 <= int(value) <= _MAX_VERSION):
            refuse(rules.REQUEST_MALFORMED, name,
                   problem=f"{name} must be a version, a whole number from 1")


class HistoryController(Controller):
    path = "/history"
    tags = ["history"]

    @get("/{aggregate_id:uuid}/events", sync_to_thread=True,
         summary="Every event of an aggregate in order, with its actor and global position "
                 "(auditor; an agency for its own procurements and contracts)")
    def events(
        self, request: Req, aggregate_id: AggregateId,
        after: Annotated[int, QueryParameter(
            ge=0, le=_MAX_VERSION,
            description="Only events after this version (the previous page's next_after)")] = 0,
        limit: Annotated[int, QueryParameter(
            ge=1, le=MAX_EVENTS_PAGE, description="At most this many events")] = EVENTS_PAGE,
    ) -> HistoryEvents:
        history, current = _history(request, aggregate_id)
        # Versions run 1, 2, … with no gaps, so version v is the list's v-1th entry.
        page = history.events[after:after + limit]
        last_shown = after + len(page)
        return HistoryEvents(
            aggregate_id=aggregate_id, aggregate_type=type(current).__name__,
            last_version=history.last_version,
            next_after=last_shown if last_shown < history.last_version else None,
            events=[history.entry(event) for event in page])

    @get("/{aggregate_id:uuid}/state", sync_to_thread=True,
         summary="The aggregate replayed from the log as of a version or a time")
    def state(
        self, request: Req, aggregate_id: AggregateId,
        version: Annotated[int | None, QueryParameter(
            ge=1, le=_MAX_VERSION, description="The version to replay up to")] = None,
        at: Annotated[datetime | None, QueryParameter(
            description="An ISO-8601 time with its offset: the last event recorded at or "
                        "before it")] = None,
    ) -> HistoryState:
        if version is not None and at is not None:
            refuse(rules.HISTORY_ONE_POINT, "at", given="both version and at were given",
                   given_ko="version과 at을 함께 지정할 수 없습니다.")
        if version is None and at is None:
            refuse(rules.HISTORY_ONE_POINT, "version", given="neither was given",
                   given_ko="version 또는 at이 필요합니다.")
        history, current = _history(request, aggregate_id)
        if at is not None:
            version = _version_at(history, current, at)
        assert version is not None
        _require_version(history, current, version, "version")
        reached = history.events[version - 1]
        return HistoryState(
            aggregate_id=aggregate_id, aggregate_type=type(current).__name__, version=version,
            position=history.positions[version], timestamp=reached.timestamp,
            last_version=history.last_version, state=_state_of(history.replay(version)),
        )

    @get("/{aggregate_id:uuid}/diff", before_request=_range_as_written,
         sync_to_thread=True,
         summary="What changed between two versions, and the events that changed it")
    def diff(
        self, request: Req, aggregate_id: AggregateId,
        from_version: Annotated[int, QueryParameter(name="from", ge=1, le=_MAX_VERSION,
                                                    description="The earlier version")],
        to_version: Annotated[int | None, QueryParameter(
            name="to", ge=1, le=_MAX_VERSION,
            description="The later version (the last one when omitted)")] = None,
    ) -> HistoryDiff:
        if to_version is not None and from_version > to_version:
            refuse(rules.HISTORY_RANGE_REVERSED, "from", from_version=from_version,
                   to_version=to_version)
        history, current = _history(request, aggregate_id)
        _require_version(history, current, from_version, "from")
        to = history.last_version if to_version is None else to_version
        _require_version(history, current, to, "to")
        return HistoryDiff(
            aggregate_id=aggregate_id, aggregate_type=type(current).__name__,
            from_version=from_version, to_version=to,
            from_timestamp=history.events[from_version - 1].timestamp,
            to_timestamp=history.events[to - 1].timestamp,
            changes=_changes_between(_state_of(history.replay(from_version)),
                                    _state_of(history.replay(to))),
            events=[history.entry(event) for event in history.events[from_version:to]],
        )
