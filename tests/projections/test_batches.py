"""The engine's batches and bulk paths: a rebuild in large batches gives the tables of small ones, a
view that fails keeps its position while the others move on, views with nothing in a batch only
move their position (and never over another worker's claim), and the bulk insert stores what
``insert()`` stores, however many rows it is given."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Text, cast, insert, select, update

from dsledger.runtime import Runtime
from projections.deadlines import DeadlineView
from projections.engine import COPY_THRESHOLD, ProjectionEngine, bulk_insert
from projections.tables import deadlines, projection_tracking
from tests.projections.test_engine import CONTEXT, every_view, profile, record_history


def run_batches(engine: ProjectionEngine) -> None:
    """``run_once`` until every view is at the head: the path a live worker takes."""
    while engine.position() < engine.head():
        engine.run_once()


def test_a_rebuild_in_large_batches_gives_the_tables_of_small_ones(runtime: Runtime) -> None:
    record_history(runtime)
    engine = runtime.projector
    engine.batch_size = 7
    run_batches(engine)
    small = every_view(runtime)
    assert len(small["deadlines"]) > 60
    engine.rebuild_batch_size = 5000
    engine.rebuild()
    assert every_view(runtime) == small
    assert engine.position() == engine.head()


class Crash(Exception):
    pass


def test_a_failing_view_keeps_its_position_and_the_others_move_on(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    record_history(runtime, count=10)
    engine = runtime.projector
    original = DeadlineView.apply_batch

    def crashing(self: DeadlineView, conn: Any, items: Any) -> None:
        original(self, conn, items)  # its rows are written, then the transaction fails
        raise Crash("deadlines failed")

    monkeypatch.setattr(DeadlineView, "apply_batch", crashing)
    engine.run_once()  # the failure is the view's: recorded, not raised
    positions = engine.positions()
    head = engine.head()
    assert positions["deadlines"] == 0
    assert positions["catalogue"] == head
    assert positions["merkle_log"] == head
    assert positions["contracts"] == head  # nothing of it in the batch: only moved
    assert every_view(runtime)["deadlines"] == []
    assert [(f.view, f.position) for f in engine.failures()] == [("deadlines", 1)]
    assert engine.position() == head  # the failed view left out

    monkeypatch.setattr(DeadlineView, "apply_batch", original)
    engine.retry_failed()
    engine.catch_up()
    assert engine.failures() == []
    recovered = every_view(runtime)
    assert recovered["deadlines"]
    engine.rebuild()
    assert every_view(runtime) == recovered


def test_views_with_nothing_in_a_batch_never_move_over_another_workers_claim(
    runtime: Runtime,
) -> None:
    record_history(runtime, count=5)
    engine = runtime.projector
    positions = engine.positions()
    batch = engine._read(positions)
    assert batch is not None
    # Another worker claims the contracts view (which has nothing in this batch) after this one
    # read the positions: moving it is that worker's, not ours.
    with engine.db.begin() as conn:
        conn.execute(update(projection_tracking).where(projection_tracking.c.view == "contracts")
                     .values(position=2))
    engine._apply(batch, positions)
    after = engine.positions()
    assert after["contracts"] == 2
    assert after["disclosures"] == batch.last
    assert after["catalogue"] == batch.last


def test_the_bulk_insert_stores_what_insert_stores(runtime: Runtime) -> None:
    def row(key: str, **values: Any) -> dict[str, Any]:
        base: dict[str, Any] = dict(
            deadline_id=key, kind="k", aggregate_type="service", aggregate_id="a", subject="",
            settled_by=None, fires_on=date(2026, 1, 2), counting="days",
            state="pending", detail={"providers": ["가", None], "n": 1}, note=None,
            created_position=1, updated_position=1)
        return {**base, **values}

    with runtime.db.begin() as conn:
        conn.execute(insert(deadlines), [row("by-insert"), row("by-insert-null", detail=None)])
        bulk_insert(conn, deadlines, [row("by-bulk"), row("by-bulk-null", detail=None)],
                    skip_existing=True)
        # An existing key is skipped, whatever the new row says: the stored one stands.
        bulk_insert(conn, deadlines, [row("by-bulk", state="void"), row("by-bulk-2")],
                    skip_existing=True)
        bulk_insert(conn, deadlines, [row("by-copy"), row("by-copy-null", detail=None)])
    with runtime.db.connect() as conn:
        stored = {r.deadline_id: (r.detail, r.text, r.state) for r in conn.execute(
            select(deadlines.c.deadline_id, deadlines.c.detail, deadlines.c.state,
                   cast(deadlines.c.detail, Text).label("text")))}
    assert stored["by-bulk"] == stored["by-copy"] == stored["by-insert"]
    assert stored["by-bulk-null"] == stored["by-copy-null"] == stored["by-insert-null"]
    assert stored["by-bulk-2"][2] == "pending"


def test_many_rows_that_may_exist_are_staged_and_the_stored_ones_stand(runtime: Runtime) -> None:
    # From COPY_THRESHOLD rows on, PostgreSQL stages them by COPY: twice in one transaction here,
    # each time over rows stored before.
    def row(n: int, **values: Any) -> dict[str, Any]:
        base: dict[str, Any] = dict(
            deadline_id=f"d-{n:04d}", kind="k", aggregate_type="service", aggregate_id=f"a-{n}",
            subject="", settled_by=None, fires_on=date(2026, 1, 2), counting="days",
            state="pending", detail={"providers": ["가", None], "n": n}, note=None,
            created_position=n, updated_position=n)
        return {**base, **values}

    many = COPY_THRESHOLD * 2
    with runtime.db.begin() as conn:
        conn.execute(insert(deadlines), [row(n) for n in range(0, many, 2)])
        bulk_insert(conn, deadlines, [row(n, state="void") for n in range(many)],
                    skip_existing=True)
        bulk_insert(conn, deadlines, [row(n, state="met") for n in range(many + COPY_THRESHOLD)],
                    skip_existing=True)
    with runtime.db.connect() as conn:
        stored = {r.deadline_id: (r.state, r.detail, r.text) for r in conn.execute(
            select(deadlines.c.deadline_id, deadlines.c.state, deadlines.c.detail,
                   cast(deadlines.c.detail, Text).label("text")))}
    assert len(stored) == many + COPY_THRESHOLD
    assert {n: stored[row(n)["deadline_id"]][0] for n in (0, 1, many)} == {
        0: "pending", 1: "void", many: "met"}
    with runtime.db.begin() as conn:
        conn.execute(insert(deadlines), [row(-1)])
    with runtime.db.connect() as conn:
        by_insert = conn.execute(select(deadlines.c.detail, cast(deadlines.c.detail, Text)).where(
            deadlines.c.deadline_id == row(-1)["deadline_id"])).one()
    assert stored[row(1)["deadline_id"]][1:] == (
        {**by_insert[0], "n": 1}, by_insert[1].replace('"n": -1', '"n": 1'))


def test_a_small_batch_reaches_every_view_in_one_transaction(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What a command waits for (read-your-writes): one transaction, not one per view.
    record_history(runtime, count=3)
    engine = runtime.projector
    engine.catch_up()
    runtime.ledger.select_service(CONTEXT, notice_number="N-late", selection_date=date(2025, 1, 1),
                                  valid_until=date(2028, 1, 1), profile=profile(99))
    begun: list[object] = []
    begin = engine.db.begin

    def counted() -> Any:
        begun.append(object())
        return begin()

    monkeypatch.setattr(engine.db, "begin", counted)
    engine.run_once()
    assert len(begun) == 1
    assert engine.position() == engine.head()
    monkeypatch.undo()
    after = every_view(runtime)
    engine.rebuild()
    assert every_view(runtime) == after
