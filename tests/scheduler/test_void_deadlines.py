"""A void deadline is an event in the log, not a row the scheduler writes: on SQLite and
PostgreSQL, the deadlines a sweep finds void are recorded as ``DeadlineVoided`` (by the scheduler,
naming the deadline's aggregate and the rule that refused it, once), and a rebuild gives the same
rows. The aggregate the deadline belongs to is left at its version."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from dsledger.runtime import Runtime
from dsledger.settings import Settings
from projections.catalogue_reader import CatalogueReader
from projections.deadlines import DeadlineView
from projections.tables import deadlines
from scheduler.clock import ControllableClock
from scheduler.sweep import SCHEDULER, SweepReport, sweep
from tests.procurement.conftest import OPERATOR, context
from tests.scheduler.test_deadlines import START, a_year, move


@pytest.fixture
def clock() -> ControllableClock:
    return ControllableClock(START)


@pytest.fixture
def runtime(settings_factory: Callable[[], Settings], clock: ControllableClock) -> Iterator[Runtime]:
    rt = Runtime(settings_factory(), clock=clock)
    yield rt
    rt.close()


def deadline_rows(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        return [dict(row) for row in conn.execute(
            select(deadlines).order_by(deadlines.c.deadline_id)).mappings()]


def voided_events(runtime: Runtime) -> list[Any]:
    events = [runtime.ledger.mapper.to_domain_event(n)
              for n in runtime.ledger.recorder.select_notifications(start=1, limit=100_000)]
    return [e for e in events if type(e).__name__ == "DeadlineVoided"]


def test_a_void_deadline_is_recorded_once_and_a_rebuild_keeps_it(
    runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
    catalogue: dict[str, str],
) -> None:
    a_year(runtime, clock, reader, catalogue)
    move(clock, "2027-04-19")
    report = sweep(runtime, limit=10_000)
    assert report.void, "the year has deadlines that no longer apply"
    events = voided_events(runtime)
    assert sorted(e.deadline_id for e in events) == sorted(report.void)
    assert all(e.actor == SCHEDULER and e.reason for e in events)
    # Each names its deadline, the aggregate the deadline belongs to and the refusing rule.
    rows = {row["deadline_id"]: row for row in deadline_rows(runtime)}
    for event in events:
        row = rows[event.deadline_id]
        assert row["state"] == "void" and row["note"] == f"refused: {event.reason}"
        assert (event.kind, event.owner_type, event.owner_id) == (
            row["kind"], row["aggregate_type"], row["aggregate_id"])
    # The deadline's own aggregate did not move: nobody changing it meets a version conflict.
    owner = rows[events[0].deadline_id]
    stored = runtime.ledger.recorder.select_events(UUID(owner["aggregate_id"]))
    assert not any(s.topic.endswith("DeadlineVoided") for s in stored)
    # Swept again (a second scheduler, a restart): nothing fired, nothing voided twice.
    again = sweep(runtime, limit=10_000)
    assert again.fired == [] and again.void == []
    assert Counter(e.deadline_id for e in voided_events(runtime)) == Counter(report.void)
    incremental = deadline_rows(runtime)
    runtime.projector.rebuild()
    assert deadline_rows(runtime) == incremental


def test_no_deadline_fires_or_is_voided_while_the_deadlines_view_is_stopped(
    runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
    catalogue: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    a_year(runtime, clock, reader, catalogue)
    runtime.projector.catch_up()
    original = DeadlineView.apply_batch
    stop_at = runtime.projector.head() + 1

    def failing(self: DeadlineView, conn: Any, items: Any) -> None:
        if any(position >= stop_at for position, _ in items):
            raise RuntimeError("the deadlines view cannot apply this event")
        original(self, conn, items)

    monkeypatch.setattr(DeadlineView, "apply_batch", failing)
    runtime.ledger.suspend_service(context(OPERATOR), UUID(catalogue["N-01"]), "점검")
    runtime.projector.catch_up()
    assert [f.view for f in runtime.projector.failures()] == ["deadlines"]
    move(clock, "2027-04-19")
    head = runtime.projector.head()
    # Its rows may show as pending what was met since: nothing fires from them.
    assert sweep(runtime, limit=10_000) == SweepReport()
    assert runtime.projector.head() == head
    monkeypatch.setattr(DeadlineView, "apply_batch", original)
    runtime.projector.retry_failed()
    report = sweep(runtime, limit=10_000)
    assert report.fired and runtime.projector.failures() == []
