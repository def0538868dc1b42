"""Rebuilding every view from the log in several processes.

The views are independent of each other, and one Python process applies them on one core at most
(the GIL), so a rebuild splits them into groups and replays the log into each group in a process of
its own. Each process reads the log itself and decodes only the events its views read; each view's
rows and position still commit together, so a rebuild stopped half way is resumed by any projection
worker, as after a crash.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from multiprocessing import get_context

from dsledger.runtime import Runtime
from dsledger.settings import Settings
from projections.engine import ProjectionEngine, View


class OutOfTime(Exception):
    """A time-boxed rebuild stopped at the end of a batch."""


def view_groups(views: Sequence[View], processes: int) -> list[list[str]]:
    """The views' names in at most ``processes`` groups of about equal weight (heaviest first,
    each to the lightest group so far)."""
    groups: list[list[str]] = [[] for _ in range(max(1, min(processes, len(views))))]
    weights = [0] * len(groups)
    for view in sorted(views, key=lambda view: -view.weight):
        lightest = weights.index(min(weights))
        groups[lightest].append(view.name)
        weights[lightest] += view.weight
    return [group for group in groups if group]


SMALL_LOG = 50_000
"""Below this many events a rebuild runs in the calling process: starting a group process (a new
interpreter, its imports, its connections) costs about as much as replaying that many events."""


def default_processes(runtime: Runtime) -> int:
    """One per core on PostgreSQL; one on SQLite, whose single writer the groups would only
    queue for; one for a small log."""
    if not runtime.settings.is_postgres or runtime.projector.head() < SMALL_LOG:
        return 1
    return os.cpu_count() or 1


def groups_for(runtime: Runtime, processes: int | None) -> list[list[str]]:
    """The groups a rebuild with ``processes`` (None: :func:`default_processes`) runs."""
    return view_groups(runtime.projector.views, processes or default_processes(runtime))


def rebuild(runtime: Runtime, processes: int | None = None,
            progress: Callable[[int, int], None] | None = None, budget: float = 0.0,
            batch_size: int | None = None) -> int:
    """Empty every view and replay the whole log into it, in ``processes`` processes (by default
    see :func:`default_processes`; 1: in this process). Returns the (view, event) applications; raises
    :class:`OutOfTime` when ``budget`` seconds (0: none) ran out first. Batches are of
    ``batch_size`` events (by default the engine's rebuild batch)."""
    projector = runtime.projector
    batch = batch_size or projector.replay_batch_size
    groups = groups_for(runtime, processes)
    projector.empty()
    target = projector.head()
    if len(groups) == 1:
        return catch_up_until(projector, time.monotonic() + budget if budget else None,
                              progress, batch_size=batch)
    context = get_context("spawn")  # no inherited connections or threads
    with ProcessPoolExecutor(max_workers=len(groups), mp_context=context) as pool:
        deadline = time.time() + budget if budget else None
        futures = [pool.submit(_rebuild_group, runtime.settings, names, batch, deadline)
                   for names in groups]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.5, return_when=FIRST_EXCEPTION)
            if progress is not None:
                progress(min(projector.position(), target), target)
            if any(future.done() and future.exception() for future in futures):
                break
        return sum(future.result() for future in futures)


def _rebuild_group(settings: Settings, names: list[str], batch: int,
                   deadline: float | None) -> int:
    runtime = Runtime(settings)
    try:
        views = [view for view in runtime.projector.views if view.name in names]
        engine = ProjectionEngine(runtime.ledger, runtime.db, views)
        # The deadline is wall-clock time, shared with the parent across processes.
        until = None if deadline is None else time.monotonic() + (deadline - time.time())
        return catch_up_until(engine, until, batch_size=batch)
    finally:
        runtime.close()


def catch_up_until(engine: ProjectionEngine, until: float | None,
                   progress: Callable[[int, int], None] | None = None, *,
                   batch_size: int | None = None) -> int:
    """``engine.catch_up``, stopped with :class:`OutOfTime` after the batch that passes ``until``
    (``time.monotonic()``; None: never)."""
    def report(done: int, total: int) -> None:
        if until is not None and time.monotonic() >= until and done < total:
            raise OutOfTime(f"stopped at {done:,} of {total:,}")
        if progress is not None:
            progress(done, total)

    return engine.catch_up(report, batch_size=batch_size)
