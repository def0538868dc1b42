"""Command throughput at the domain level: dsledger's ``Ledger`` (built by ``Runtime``, the real
composition root) running ``suspend_service`` and ``reinstate_service`` alternately on registered
services, 1, 4 and 16 threads, each thread on its own services. Each command loads its aggregate,
applies its rules (and, for a suspension, asks the contracts view which contracts are at risk),
and saves one event in its own transaction. The projection engine is not running.

Compared in the same run with baseline 1 (raw INSERT+COMMIT) and baseline 2 (the stock library's
save loop) on the same database, interleaved with them run by run (see ``bench/writes.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from uuid import UUID

from bench import baseline_insert, baseline_library, writes
from bench.catalogue_data import CONTEXT, registered_services, save_in_batches
from bench.context import Context
from bench.core import Figure, Target, median
from bench.databases import POSTGRES
from domain.ledger import Ledger

NAME = "commands"
NEEDS: tuple[str, ...] = ("baseline_insert", "baseline_library")


def key(backend: str, writers: int) -> str:
    return f"{NAME}.{backend}.writers_{writers}"


def alternate(ledger: Ledger, service_ids: list[UUID]) -> Callable[[], None]:
    """One worker: suspend, then reinstate, each of its services in turn."""
    suspended = [False] * len(service_ids)
    turn = [0]

    def command() -> None:
        index = turn[0] % len(service_ids)
        turn[0] += 1
        if suspended[index]:
            ledger.reinstate_service(CONTEXT, service_ids[index], "점검 완료")
        else:
            ledger.suspend_service(CONTEXT, service_ids[index], "품질 점검")
        suspended[index] = not suspended[index]

    return command


def run(ctx: Context) -> None:
    writes.run(ctx, [writes.this(__name__)])


def levels(ctx: Context, backend: str) -> tuple[int, ...]:
    return ctx.sizes.writers


@contextmanager
def session(ctx: Context, backend: str) -> Iterator[writes.WorkersFor]:
    with ctx.dbs.runtime(backend, fresh=False) as runtime:
        def workers_for(writers: int) -> writes.Workers:
            services = registered_services(writers * ctx.sizes.services_per_writer,
                                           prefix=f"CMD-{writers}")
            save_in_batches(runtime, services)
            ids = [s.id for s in services]
            return [alternate(runtime.ledger, ids[w::writers]) for w in range(writers)]

        yield workers_for


def report(ctx: Context, backend: str, rates: dict[int, list[float]]) -> None:
    for writers, runs in rates.items():
        figure = Figure(
            key=key(backend, writers), benchmark=NAME, backend=backend,
            label=f"Ledger commands (suspend/reinstate), {backend}, {writers} "
                  f"writer{'s' * (writers > 1)}",
            unit="commands/s", value=median(runs), runs=runs,
            size=f"{writers} thread(s) × {ctx.sizes.services_per_writer} services, one event "
                 f"per command, {ctx.sizes.write_seconds:g} s per run")
        library = baseline_library.key(backend, writers)
        raw = baseline_insert.key(backend, 1)
        ctx.results.add(figure, compare_to=[raw, baseline_insert.key(backend, writers), library])
        if backend == POSTGRES and writers == 1:
            ratio = ctx.results.ratio(figure, raw)
            figure.target = Target("one writer ≥ 0.5× raw INSERT+COMMIT",
                                   None if ratio is None else ratio >= 0.5)
        if backend == POSTGRES and writers == 16:
            ratio = ctx.results.ratio(figure, library)
            figure.target = Target("16 writers ≥ 2× the stock library's 16 writers",
                                   None if ratio is None else ratio >= 2.0)
