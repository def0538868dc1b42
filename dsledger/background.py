"""What a service process runs beside its API: the projection engine's thread and the deadline
scheduler, started together and stopped together (the scheduler first, so it records nothing the
engine will not see)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from dsledger.runtime import Runtime

if TYPE_CHECKING:
    from scheduler.runner import DeadlineScheduler


@contextmanager
def background_work(runtime: Runtime, *, projector: bool,
                    scheduler: DeadlineScheduler | None) -> Iterator[None]:
    thread, stop = runtime.projector.start() if projector else (None, None)
    if scheduler is not None:
        scheduler.start()
    try:
        yield
    finally:
        if scheduler is not None:
            scheduler.stop()
        if thread is not None and stop is not None:
            stop.set()
            runtime.projector.poke()
            thread.join(timeout=10)
