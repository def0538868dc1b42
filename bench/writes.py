"""The write benchmarks run interleaved: for each database, each concurrency level and each run,
baseline 1 (raw INSERT+COMMIT), baseline 2 (the stock library) and dsledger's commands run back to
back, so every ratio compares measurements taken seconds apart. (This machine's fsync latency
drifts by tens of percent over a minute; measured one after the other, the ratios would carry
that drift.)"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from typing import Protocol, cast

from bench.context import Context
from bench.core import burst

Workers = list[Callable[[], None]]
WorkersFor = Callable[[int], Workers]
WARM_UP_SECONDS = 0.2
"""Workers for a number of writers: one operation each, on the worker's own rows/aggregates."""


class WriteBenchmark(Protocol):
    NAME: str

    def levels(self, ctx: Context, backend: str) -> tuple[int, ...]: ...

    def session(self, ctx: Context, backend: str) -> AbstractContextManager[WorkersFor]: ...

    def report(self, ctx: Context, backend: str, rates: dict[int, list[float]]) -> None: ...


def this(module_name: str) -> WriteBenchmark:
    """A write benchmark module as the protocol it implements."""
    return cast(WriteBenchmark, sys.modules[module_name])


def run(ctx: Context, benchmarks: list[WriteBenchmark]) -> None:
    for backend in ctx.dbs.backends:
        ctx.dbs.reset(backend)
        rates: dict[str, dict[int, list[float]]] = {b.NAME: {} for b in benchmarks}
        with ExitStack() as stack:
            sessions = {b.NAME: stack.enter_context(b.session(ctx, backend)) for b in benchmarks}
            for writers in ctx.sizes.writers:
                measured = [b for b in benchmarks if writers in b.levels(ctx, backend)]
                workers = {b.NAME: sessions[b.NAME](writers) for b in measured}
                for b in measured:
                    # Untimed, for every benchmark alike: connections opened, statements
                    # prepared, aggregates loaded. A quick run's bursts are short enough for
                    # that first use to weigh on the first of them.
                    burst(workers[b.NAME], seconds=WARM_UP_SECONDS, max_operations=1_000_000)
                for _ in range(ctx.sizes.runs):
                    for b in measured:
                        result = burst(workers[b.NAME], seconds=ctx.sizes.write_seconds,
                                       max_operations=1_000_000)
                        rates[b.NAME].setdefault(writers, []).append(result.rate)
        for b in benchmarks:
            b.report(ctx, backend, rates[b.NAME])

