"""Command throughput at the domain level: dsledger's ``Ledger`` (built by ``Runtime``, the real
composition root) running ``submit_sla_report`` on concluded contracts, 1, 4 and 16 threads, each
thread on its own contracts. The contracts come from the demo's procurement stories told under
other references (opening, budget, requirements, the recorded search, exclusions, quotes,
evaluation, award, conclusion), so each is a real contract with its terms and SLA targets. Each
command, acting as the contract's provider, loads the contract, applies its rules (the service is
on the contract, the contract is active, the period lies within its term and before today) and
saves one event in its own transaction. The projection engine is not running.

Compared in the same run with baseline 1 (raw INSERT+COMMIT) and baseline 2 (the stock library's
save loop) on the same database, interleaved with them run by run (see ``bench/writes.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

import msgspec

from bench import baseline_insert, baseline_library, writes
from bench.context import Context
from bench.core import Figure, Target, median
from bench.databases import POSTGRES
from domain.actor import KOREA, Actor, CommandContext, Role
from domain.contract import Contract
from domain.contract_terms import ContractKind, SlaFigures
from domain.ledger import Ledger
from dsledger.demo import load_demo
from dsledger.demo_contracts import DEMO_PROCUREMENTS, record_procurement
from dsledger.runtime import Runtime

NAME = "commands"
NEEDS: tuple[str, ...] = ("baseline_insert", "baseline_library")


def key(backend: str, writers: int) -> str:
    return f"{NAME}.{backend}.writers_{writers}"


Report = tuple[UUID, CommandContext, str, SlaFigures]
"""A contract, its provider's context, the service reported on and the month's figures."""


def demo_at() -> datetime:
    """When the benchmarks' procurements are told: far enough back that each contract's first
    month is over by today, while its term (two or three years: the demo's long-term continuing
    contracts) still runs, so a service on today's clock takes its reports too."""
    return datetime.combine(date.today() - timedelta(days=75), time(9), tzinfo=KOREA)


def concluded_contracts(runtime: Runtime, count: int, prefix: str) -> list[Report]:
    """``count`` contracts, the demo's stories in turn, each under a reference of its own."""
    stories = [demo for demo in DEMO_PROCUREMENTS
               if not demo.stay_open and demo.kind is ContractKind.LONG_TERM_CONTINUING]
    at = demo_at()
    made: list[Report] = []
    for index in range(count):
        demo = msgspec.structs.replace(stories[index % len(stories)],
                                       reference=f"{prefix}-{index:04d}")
        contract_id = record_procurement(runtime, demo, at + timedelta(minutes=index))
        contract = runtime.ledger.load(Contract, contract_id)
        service = contract.services[0]
        start = contract.terms.start
        provider = CommandContext(
            actor=Actor(principal_id=f"sla@{service.provider_id}", role=Role.PROVIDER,
                        provider_id=service.provider_id),
            correlation_id=f"bench-{prefix}-{index}",
            at=datetime.combine(start + timedelta(days=40), time(9), tzinfo=KOREA))
        made.append((contract_id, provider, service.service_id, SlaFigures(
            period_start=start, period_end=start + timedelta(days=29),
            availability_percent=Decimal("99.99"))))
    return made


def reporting(ledger: Ledger, reports: list[Report]) -> Callable[[], None]:
    """One worker: an SLA report on each of its contracts in turn."""
    turn = [0]

    def command() -> None:
        contract_id, provider, service_id, figures = reports[turn[0] % len(reports)]
        turn[0] += 1
        ledger.submit_sla_report(provider, contract_id, service_id, figures)

    return command


def run(ctx: Context) -> None:
    writes.run(ctx, [writes.this(__name__)])


def levels(ctx: Context, backend: str) -> tuple[int, ...]:
    return ctx.sizes.writers


@contextmanager
def session(ctx: Context, backend: str) -> Iterator[writes.WorkersFor]:
    with ctx.dbs.runtime(backend, fresh=False) as runtime:
        load_demo(runtime.ledger, at=demo_at())
        runtime.projector.catch_up()  # the stories' searches read the catalogue view

        def workers_for(writers: int) -> writes.Workers:
            reports = concluded_contracts(runtime, writers * ctx.sizes.services_per_writer,
                                          prefix=f"CMD-{writers}")
            return [reporting(runtime.ledger, reports[w::writers]) for w in range(writers)]

        yield workers_for


def report(ctx: Context, backend: str, rates: dict[int, list[float]]) -> None:
    for writers, runs in rates.items():
        figure = Figure(
            key=key(backend, writers), benchmark=NAME, backend=backend,
            label=f"Ledger commands (SLA report on a contract), {backend}, {writers} "
                  f"writer{'s' * (writers > 1)}",
            unit="commands/s", value=median(runs), runs=runs,
            size=f"{writers} thread(s) × {ctx.sizes.services_per_writer} contracts, one event "
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
