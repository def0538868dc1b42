"""Loading one contract with many events (10,000; tiny mode fewer): a contract concluded as the
command benchmarks conclude theirs (``commands.concluded_contracts``), its provider submitting one
SLA report after another. Times ``ledger.repository.get(id)`` (the
current state) and ``get(id, version=half)`` (as-of replay), milliseconds, median of the runs. The
ledger snapshots every 100 events, so a load reads the newest snapshot at or below the version and
replays the rest. Those loads run in a runtime without the aggregate cache, so each one reads the
store; a read through the cache (what a process that has the aggregate cached does: read the
events recorded since, copy the cached state) is measured beside them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from uuid import UUID

import msgspec

from bench import commands
from bench.context import Context
from bench.core import Figure, Target, median
from domain.actor import acting
from domain.contract import Contract
from dsledger.demo import load_demo
from dsledger.runtime import Runtime

NAME = "aggregate_load"
NEEDS: tuple[str, ...] = ()
TARGET_MS = 30.0
SAVE_EVERY = 1000


def key(backend: str, what: str) -> str:
    return f"{NAME}.{backend}.{what}"


def long_contract(runtime: Runtime, events: int) -> UUID:
    """A concluded contract whose history is ``events`` events long, its provider reporting the
    same month's SLA figures again and again (saved 1,000 events per transaction)."""
    load_demo(runtime.ledger, at=commands.demo_at())
    runtime.projector.catch_up()  # the procurement's search reads the catalogue view
    contract_id, provider, service_id, figures = commands.concluded_contracts(
        runtime, 1, prefix="LOAD")[0]
    contract: Contract = runtime.ledger.repository.get(contract_id)
    with acting(provider):
        while contract.version < events:
            contract.submit_sla_report(service_id, figures)
            if len(contract.pending_events) >= SAVE_EVERY:
                runtime.ledger.save(contract)
    runtime.ledger.save(contract)
    return contract.id


def run(ctx: Context) -> None:
    for backend in ctx.dbs.backends:
        with ctx.dbs.runtime(backend) as runtime:
            uncached = Runtime(msgspec.structs.replace(runtime.settings, aggregate_cache=0))
            try:
                _measure(ctx, backend, runtime, uncached)
            finally:
                uncached.close()


def _measure(ctx: Context, backend: str, cached: Runtime, runtime: Runtime) -> None:
    events = ctx.sizes.aggregate_events
    half = events // 2
    contract_id = long_contract(runtime, events)
    ledger = runtime.ledger
    assert ledger.repository.cache is None
    recorder = ledger.recorder
    loaded: Contract = ledger.repository.get(contract_id)
    assert loaded.version == events, loaded.version
    assert ledger.repository.get(contract_id, version=half).version == half
    through_cache = cached.ledger.repository
    assert through_cache.cache is not None and through_cache.get(contract_id).version == events
    cases: dict[str, Callable[[], object]] = {
        "select_events": lambda: recorder.select_events(contract_id),
        "select_events_half": lambda: recorder.select_events(contract_id, lte=half),
        "get": lambda: ledger.repository.get(contract_id),
        "get_as_of_half": lambda: ledger.repository.get(contract_id, version=half),
        "get_cached": lambda: through_cache.get(contract_id),
    }
    recorder.select_events(contract_id)  # the loads above warmed the rest
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ctx.sizes.runs):
        for name, call in cases.items():
            began = time.perf_counter()
            call()
            timings[name].append((time.perf_counter() - began) * 1000)
    size = f"one contract with {events:,} events (SLA reports); as-of version {half:,}"
    labels = {
        "select_events": (f"read {events:,} stored events (recorder)", True),
        "select_events_half": (f"read {half:,} stored events (recorder)", True),
        "get": (f"load contract with {events:,} events (store: snapshot + replay)", False),
        "get_as_of_half": (f"as-of replay to version {half:,}", False),
        "get_cached": (f"read contract with {events:,} events through the aggregate cache",
                       False),
    }
    baseline_of = {"get": "select_events", "get_as_of_half": "select_events_half",
                   "get_cached": "select_events"}
    for name, (label, is_baseline) in labels.items():
        figure = Figure(key=key(backend, name), benchmark=NAME, backend=backend,
                        label=f"{label}, {backend}", unit="ms",
                        value=median(timings[name]), runs=timings[name], size=size,
                        baseline=is_baseline, higher_is_better=False)
        if name == "get":
            text = f"≤ {TARGET_MS:g} ms with 10,000 events"
            figure.target = (Target(text, figure.value <= TARGET_MS) if events >= 10_000
                             else Target(f"{text} (not judged: {events:,} events)", None))
        ctx.results.add(figure, compare_to=[key(backend, baseline_of[name])]
                        if name in baseline_of else [])
