"""How a scheduler tick's cost grows with the number of open contracts: it should follow what is
due, not what is open.

Each run fills the deadlines view with ``open`` pending deadlines that fall due in the future (three
per open contract: disclosure, end notice, expiry) and ``due`` deadlines that are due today, then
times the tick's selection — the query the sweep runs before each firing — until every due row has
been read. The baseline is the same measurement with 1,000 open contracts in the same run on the
same database; the figure is the ratio between them. Rows are written straight into the view: the
bench measures the tick's read path, not the projection of 300,000 events.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, insert, text

from dsledger.runtime import Runtime
from projections.tables import deadlines
from scheduler.sweep import next_due

TODAY = date(2026, 6, 1)


def fill(runtime: Runtime, open_contracts: int, due: int) -> None:
    rows: list[dict[str, Any]] = []
    for n in range(open_contracts):
        contract = str(uuid.uuid4())
        for kind, days in (("disclosure_overdue", 30 + n % 300), ("end_notice_overdue", 200),
                           ("expiry", 400)):
            rows.append(_row(kind, contract, TODAY + timedelta(days=days)))
    for n in range(due):
        rows.append(_row("expiry", f"due-{n}", TODAY - timedelta(days=n % 5)))
    with runtime.db.begin() as conn:
        conn.execute(delete(deadlines))
        for start in range(0, len(rows), 5000):
            conn.execute(insert(deadlines), rows[start:start + 5000])
    with runtime.db.begin() as conn:
        # Fresh statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE would give.
        conn.execute(text("ANALYZE deadlines"))


def _row(kind: str, aggregate_id: str, fires_on: date) -> dict[str, Any]:
    return {"deadline_id": f"{kind}:{aggregate_id}:", "kind": kind, "aggregate_type": "contract",
            "aggregate_id": aggregate_id, "subject": "", "settled_by": None, "fires_on": fires_on,
            "counting": "calendar", "state": "pending", "detail": {}, "note": None,
            "created_position": 0, "updated_position": 0}


def tick_seconds(runtime: Runtime, due: int) -> float:
    """Read every due deadline the way a sweep does, one earliest-first query at a time."""
    skip: set[str] = set()
    started = time.perf_counter()
    for _ in range(due):
        row = next_due(runtime, TODAY, skip)
        assert row is not None
        skip.add(row["deadline_id"])
    assert next_due(runtime, TODAY, skip) is None
    return time.perf_counter() - started


def measure(runtime: Runtime, open_contracts: int, due: int, repeats: int) -> float:
    fill(runtime, open_contracts, due)
    tick_seconds(runtime, due)  # warm the caches once
    return statistics.median(tick_seconds(runtime, due) for _ in range(repeats))


def run(runtime: Runtime, *, open_contracts: int = 100_000, baseline: int = 1_000,
        due: int = 20, repeats: int = 5) -> dict[str, Any]:
    base = measure(runtime, baseline, due, repeats)
    large = measure(runtime, open_contracts, due, repeats)
    with runtime.db.begin() as conn:
        conn.execute(delete(deadlines))
    return {
        "name": "scheduler tick",
        "due_deadlines": due,
        "baseline_open_contracts": baseline,
        "open_contracts": open_contracts,
        "baseline_tick_ms": round(base * 1000, 3),
        "tick_ms": round(large * 1000, 3),
        "ratio_vs_baseline": round(large / base, 2),
        "target": "ratio close to 1: the tick's cost follows what is due (index on state, day)",
    }
