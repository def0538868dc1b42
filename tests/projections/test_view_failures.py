"""A view that cannot apply an event stops alone, at that event, on SQLite and PostgreSQL: the
failure is recorded with the event, the other views reach the head, commands do not wait for it,
readiness names it, retries back off, and once the fault is gone it resumes exactly there — its
rows then equal a rebuild. ``dsledger rebuild`` names the event, finishes the others, and fails."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import Connection, select

from api.app import create_app
from dsledger.cli import main
from dsledger.runtime import Runtime
from projections.catalogue import CatalogueView
from projections.engine import View, retry_delay
from projections.merkle_log import MerkleLogView
from projections.tables import projection_tracking, view_failures
from tests.projections.test_engine import CONTEXT, every_view, profile, record_history

POISONED: dict[type[View], str] = {CatalogueView: "catalogue", MerkleLogView: "merkle_log"}


class Poison:
    """Makes ``view`` fail on the event at ``position`` as a database would: the rows of the
    events before it are written, then a statement fails (which, on PostgreSQL, aborts the
    transaction: the engine must not go on with it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, view: type[View], position: int) -> None:
        self.monkeypatch = monkeypatch
        self.view = view
        self.position = position
        self.original = view.apply_batch
        self.calls = 0
        original = self.original
        poison = self

        def failing(this: View, conn: Connection, items: Any) -> None:
            poison.calls += 1
            before = [item for item in items if item[0] < poison.position]
            if len(before) == len(items):
                original(this, conn, items)
                return
            original(this, conn, before)
            conn.exec_driver_sql("SELECT no_such_column FROM projection_tracking")

        monkeypatch.setattr(view, "apply_batch", failing)

    def remove(self) -> None:
        self.monkeypatch.setattr(self.view, "apply_batch", self.original)


def stored(runtime: Runtime, position: int) -> Any:
    return runtime.ledger.recorder.select_notifications(start=position, limit=1)[0]


def tracked(runtime: Runtime) -> dict[str, int]:
    with runtime.db.connect() as conn:
        return {row.view: int(row.position) for row in conn.execute(select(projection_tracking))}


def more_events(runtime: Runtime, n: int) -> int:
    """A few more catalogue events (services selected); the new head."""
    for _ in range(n):
        k = runtime.projector.head()
        runtime.ledger.select_service(CONTEXT, notice_number=f"LATER-{k}",
                                      selection_date=date(2025, 1, 1),
                                      valid_until=date(2028, 1, 1), profile=profile(100 + k))
    return runtime.projector.head()


@pytest.fixture
def api(runtime: Runtime) -> Iterator[TestClient[Any]]:
    # No projection thread: the test moves the views itself, so what it asserts is not raced.
    with TestClient(app=create_app(runtime, run_projector=False)) as client:
        yield client


@pytest.mark.parametrize("view", list(POISONED), ids=list(POISONED.values()))
def test_a_view_that_cannot_apply_an_event_stops_alone_at_it_and_resumes_there(
        runtime: Runtime, api: TestClient[Any], monkeypatch: pytest.MonkeyPatch,
        view: type[View]) -> None:
    name = POISONED[view]
    record_history(runtime, count=10)
    engine = runtime.projector
    poisoned_at = 15  # a catalogue event (every event is one, the Merkle log reads them all)
    event = stored(runtime, poisoned_at)
    poison = Poison(monkeypatch, view, poisoned_at)

    engine.catch_up()  # does not raise, does not spin

    head = engine.head()
    failures = engine.failures()
    assert [f.view for f in failures] == [name]
    failure = failures[0]
    assert (failure.position, failure.originator_id, failure.originator_version) == (
        poisoned_at, str(event.originator_id), event.originator_version)
    assert failure.event_type == event.topic.partition(":")[2]
    assert "no_such_column" in failure.error_message
    assert failure.error_class.endswith(("OperationalError", "UndefinedColumn"))
    assert failure.attempts == 1 and failure.first_failed_at == failure.last_failed_at
    # The failed view has every event before its failure, the others reach the head.
    positions = tracked(runtime)
    assert positions[name] == poisoned_at - 1
    assert all(position == head for view_name, position in positions.items() if view_name != name)

    # A command's answer does not wait for the failed view: wait_for answers yes at once.
    head = more_events(runtime, 2)
    engine.catch_up()
    assert engine.wait_for(head, timeout=30) is True
    assert engine.position() == head
    assert tracked(runtime)[name] == poisoned_at - 1

    # Readiness names it, and so does the ledger's position; /health (liveness) stays 200.
    ready = api.get("/health/ready")
    assert ready.status_code == 503
    assert list(ready.json()["failed"]) == [name]
    assert ready.json()["failed"][name]["position"] == poisoned_at
    position = api.get("/ledger/position").json()
    assert position["failed"][name]["originator_id"] == str(event.originator_id)
    assert position["views"][name] == poisoned_at - 1
    assert api.get("/health").status_code == 200

    # Retries back off: nothing is tried again before the pause is over (the worker does not
    # spin), then once, and the next pause is twice as long.
    calls = poison.calls
    for _ in range(3):
        engine.run_once()
        engine.catch_up()
    assert poison.calls == calls
    assert engine.failures()[0].attempts == 1
    real_clock = engine.clock
    engine.clock = lambda: real_clock() + retry_delay(1) + 0.5
    engine.catch_up()
    again = engine.failures()[0]
    assert again.attempts == 2 and again.position == poisoned_at
    assert again.first_failed_at == failure.first_failed_at
    assert (again.next_attempt_at - again.last_failed_at).total_seconds() == pytest.approx(
        retry_delay(2)) == 2 * retry_delay(1)
    calls = poison.calls
    engine.catch_up()
    assert poison.calls == calls
    engine.clock = real_clock
    assert [retry_delay(n) for n in (1, 2, 3, 9, 10, 50)] == [1, 2, 4, 256, 300, 300]

    # The fault is removed (new code): the view resumes from exactly the failed event, its
    # failure goes, and its rows equal a rebuild's (an event applied twice or lost would show;
    # the Merkle log's leaves would also refuse a second insert).
    poison.remove()
    engine.retry_failed()
    engine.catch_up()
    assert engine.failures() == []
    assert set(tracked(runtime).values()) == {head}
    assert api.get("/health/ready").status_code == 200
    resumed = every_view(runtime)
    engine.rebuild()
    assert every_view(runtime) == resumed
    with runtime.db.connect() as conn:
        assert conn.execute(select(view_failures)).all() == []


def test_a_live_worker_applies_the_other_views_and_skips_the_failed_one(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small batches (what a live worker sees after each command) apply every view together in
    # one transaction: a failing view must not roll the others back with it.
    engine = runtime.projector
    record_history(runtime, count=3)
    engine.catch_up()
    poisoned_at = more_events(runtime, 1)
    Poison(monkeypatch, CatalogueView, poisoned_at)
    head = more_events(runtime, 2)
    while engine.run_once():
        pass
    assert [f.position for f in engine.failures()] == [poisoned_at]
    positions = tracked(runtime)
    assert positions.pop("catalogue") == poisoned_at - 1
    assert set(positions.values()) == {head}
    assert engine.wait_for(head, timeout=30) is True


def test_rebuild_names_the_failing_event_finishes_the_others_and_exits_non_zero(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    record_history(runtime, count=8)
    runtime.projector.catch_up()
    poisoned_at = 12
    event = stored(runtime, poisoned_at)
    Poison(monkeypatch, CatalogueView, poisoned_at)
    settings = runtime.settings
    result = CliRunner().invoke(main, ["rebuild", "--processes", "1"], env={
        "DSLEDGER_DATABASE_URL": settings.database_url, "DSLEDGER_DATA_DIR": str(settings.data_dir),
        "DSLEDGER_JWT_SECRET": settings.jwt_secret})
    assert result.exit_code == 1, result.output
    assert "catalogue" in result.output and f"position {poisoned_at}" in result.output
    assert str(event.originator_id) in result.output
    head = runtime.projector.head()
    positions = tracked(runtime)
    assert positions.pop("catalogue") == poisoned_at - 1
    assert set(positions.values()) == {head}
    assert [(f.view, f.position) for f in runtime.projector.failures()] == [
        ("catalogue", poisoned_at)]


def test_readiness_names_the_views_far_behind_the_head(
        runtime: Runtime, api: TestClient[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import api.controllers.system as system

    record_history(runtime, count=3)
    runtime.projector.catch_up()
    assert api.get("/health/ready").status_code == 200
    monkeypatch.setattr(system, "READY_MAX_LAG", 2)
    head = more_events(runtime, 3)  # not projected: no worker runs
    ready = api.get("/health/ready")
    assert ready.status_code == 503
    body = ready.json()
    assert body["failed"] == {} and body["head"] == head
    # The catalogue and the Merkle log read these events; every view is as far behind.
    assert set(body["behind"]) == set(tracked(runtime)) and body["max_lag"] == 2
    runtime.projector.catch_up()
    assert api.get("/health/ready").json()["status"] == "ready"


def test_the_obligations_board_says_it_is_stopped_while_the_deadlines_view_is(
        runtime: Runtime, api: TestClient[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from projections.deadlines import DeadlineView
    from tests.principals import AGENCY, OPERATOR
    from tests.web.conftest import sign_in

    record_history(runtime, count=3)
    poisoned_at = 2
    poison = Poison(monkeypatch, DeadlineView, poisoned_at)
    runtime.projector.catch_up()
    sign_in(api, OPERATOR)
    board = api.get("/web/obligations", params={"lang": "en"}).text
    assert f"could not apply event {poisoned_at} of the log" in board
    assert "no_such_column" in board  # the operator sees the error
    sign_in(api, AGENCY)
    board = api.get("/web/obligations", params={"lang": "ko"}).text
    assert f"{poisoned_at}번 사건을 반영하지 못해" in board and "no_such_column" not in board
    poison.remove()
    runtime.projector.retry_failed()
    runtime.projector.catch_up()
    assert "번 사건을 반영하지 못해" not in api.get("/web/obligations").text
