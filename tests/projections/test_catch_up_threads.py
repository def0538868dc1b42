"""On PostgreSQL a catch-up applies the views of a large batch in threads while it reads the next
batch ahead: the tables are the ones the views give applied one after the other, also with a second
worker catching up beside it (so that the batch read ahead may start where the views are not)."""

from __future__ import annotations

from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from projections.engine import SMALL_BATCH, ProjectionEngine
from scheduler.clock import ControllableClock
from tests.procurement.conftest import catalogue, reader
from tests.projections.test_engine import every_view, record_history, side_by_side
from tests.scheduler.test_deadlines import a_year, clock, runtime

__all__ = ["catalogue", "clock", "reader", "runtime"]


def history(runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
            catalogue: dict[str, str]) -> None:
    """A year of contracts, then a catalogue of a hundred services: several large batches."""
    a_year(runtime, clock, reader, catalogue)
    record_history(runtime, 100)


def engine(runtime: Runtime, batch_size: int, threads: int) -> ProjectionEngine:
    return ProjectionEngine(runtime.ledger, runtime.db, runtime.projector.views,
                            batch_size=batch_size, apply_threads=threads)


def test_views_applied_in_threads_give_the_tables_of_one_after_the_other(
    runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
    catalogue: dict[str, str],
) -> None:
    history(runtime, clock, reader, catalogue)
    one_by_one = engine(runtime, SMALL_BATCH + 10, threads=1)
    one_by_one.rebuild()
    expected = every_view(runtime)
    head = runtime.projector.head()
    assert head > 4 * (SMALL_BATCH + 10), "several large batches, each read ahead of the last"

    threaded = engine(runtime, SMALL_BATCH + 10, threads=3)
    assert threaded.apply_threads == (3 if runtime.settings.is_postgres else 1)
    threaded.empty()
    assert threaded.catch_up() > 0
    assert threaded.position() == head
    assert every_view(runtime) == expected


def test_two_workers_catching_up_in_threads_never_apply_an_event_twice(
    runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
    catalogue: dict[str, str],
) -> None:
    history(runtime, clock, reader, catalogue)
    runtime.projector.rebuild()
    expected = every_view(runtime)
    # Different batch sizes, so that each worker's claims and reads ahead cross the other's.
    workers = [engine(runtime, SMALL_BATCH + 3, threads=3), engine(runtime, SMALL_BATCH + 17,
                                                                       threads=2)]
    workers[0].empty()
    assert side_by_side(workers, ProjectionEngine.catch_up) == []
    assert workers[1].position() == runtime.projector.head()
    assert every_view(runtime) == expected
