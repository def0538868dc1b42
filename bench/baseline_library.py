"""Baseline 2: the stock eventsourcing library. ``eventsourcing.application.Application`` with a
trivial ``Aggregate`` subclass, the same persistence settings as the ledger (``Settings.ledger_env``:
``PERSISTENCE_MODULE=eventsourcing.postgres`` or ``eventsourcing.sqlite``, pool sizes, lock
timeout), and a ``save`` loop: 1, 4 and 16 threads, each on its own aggregates, one event per save.

The aggregates stay in memory (no load per save), so this is the library's write path alone; a
dsledger command also loads its aggregate and runs its rules. On SQLite the application has its own
file beside the ledger's (the library names every application's SQLite table ``stored_events``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ClassVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench import baseline_insert, writes
from bench.context import Context
from bench.core import Figure, median
from bench.databases import POSTGRES
from dsledger.settings import Settings

NAME = "baseline_library"
NEEDS: tuple[str, ...] = ("baseline_insert",)
AGGREGATES_PER_WRITER = 10


class Counter(Aggregate):
    def __init__(self) -> None:
        self.count = 0

    @event("Incremented")
    def increment(self) -> None:
        self.count += 1


class StockApplication(Application[UUID]):
    name = "BenchStock"
    env: ClassVar[dict[str, str]] = {}


def key(backend: str, writers: int) -> str:
    return f"{NAME}.{backend}.writers_{writers}"


def run(ctx: Context) -> None:
    writes.run(ctx, [writes.this(__name__)])


def levels(ctx: Context, backend: str) -> tuple[int, ...]:
    return ctx.sizes.writers


@contextmanager
def session(ctx: Context, backend: str) -> Iterator[writes.WorkersFor]:
    settings = ctx.dbs.settings(backend)
    if backend != POSTGRES:
        settings = Settings(database_url=f"sqlite:///{ctx.dbs.sqlite_file('library')}",
                            data_dir=settings.data_dir, jwt_secret=settings.jwt_secret)
    app = StockApplication(env=settings.ledger_env())
    try:
        yield lambda writers: [_saver(app) for _ in range(writers)]
    finally:
        app.close()


def _saver(app: StockApplication) -> Callable[[], None]:
    aggregates = [Counter() for _ in range(AGGREGATES_PER_WRITER)]
    app.save(*aggregates)
    turn = [0]

    def save() -> None:
        aggregate = aggregates[turn[0] % len(aggregates)]
        turn[0] += 1
        aggregate.increment()
        app.save(aggregate)

    return save


def report(ctx: Context, backend: str, rates: dict[int, list[float]]) -> None:
    for writers, runs in rates.items():
        ctx.results.add(Figure(
            key=key(backend, writers), benchmark=NAME, backend=backend, baseline=True,
            label=f"stock eventsourcing Application.save, {backend}, {writers} "
                  f"writer{'s' * (writers > 1)}",
            unit="events/s", value=median(runs), runs=runs,
            size=f"{writers} thread(s) × {AGGREGATES_PER_WRITER} aggregates, one event per "
                 f"save, {ctx.sizes.write_seconds:g} s per run"),
            compare_to=[baseline_insert.key(backend, 1), baseline_insert.key(backend, writers)])
