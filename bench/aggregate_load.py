"""Loading one aggregate with many events (10,000; tiny mode fewer): a DigitalService suspended and
reinstated over and over. Times ``ledger.repository.get(id)`` (the current state) and
``get(id, version=half)`` (as-of replay), milliseconds, median of the runs. The ledger snapshots
every 100 events, so a load reads the newest snapshot at or below the version and replays the rest.
Those loads run in a runtime without the aggregate cache, so each one reads the store; a read through
the cache (what a process that has the aggregate cached does: read the events recorded since, copy
the cached state) is measured beside them.

Baseline, same run and database: the recorder reading the same stored events
(``recorder.select_events``) without decoding or replaying them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from uuid import UUID

import msgspec

from bench.catalogue_data import CONTEXT, registered_services
from bench.context import Context
from bench.core import Figure, Target, median
from domain.actor import acting
from domain.service import DigitalService
from dsledger.runtime import Runtime

NAME = "aggregate_load"
NEEDS: tuple[str, ...] = ()
TARGET_MS = 30.0
SAVE_EVERY = 1000


def key(backend: str, what: str) -> str:
    return f"{NAME}.{backend}.{what}"


def long_history(runtime: Runtime, events: int) -> UUID:
    """One service whose history is ``events`` events long (saved 1,000 events per transaction)."""
    service = registered_services(1, prefix="LONG")[0]
    with acting(CONTEXT):
        while service.version < events:
            if service.suspended:
                service.reinstate("점검 완료")
            else:
                service.suspend("품질 점검")
            if len(service.pending_events) >= SAVE_EVERY:
                runtime.ledger.save(service)
    runtime.ledger.save(service)
    return service.id


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
    service_id = long_history(runtime, events)
    ledger = runtime.ledger
    assert ledger.repository.cache is None
    recorder = ledger.recorder
    loaded: DigitalService = ledger.repository.get(service_id)
    assert loaded.version == events, loaded.version
    assert ledger.repository.get(service_id, version=half).version == half
    through_cache = cached.ledger.repository
    assert through_cache.cache is not None and through_cache.get(service_id).version == events
    cases: dict[str, Callable[[], object]] = {
        "select_events": lambda: recorder.select_events(service_id),
        "select_events_half": lambda: recorder.select_events(service_id, lte=half),
        "get": lambda: ledger.repository.get(service_id),
        "get_as_of_half": lambda: ledger.repository.get(service_id, version=half),
        "get_cached": lambda: through_cache.get(service_id),
    }
    recorder.select_events(service_id)  # the loads above warmed the rest
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ctx.sizes.runs):
        for name, call in cases.items():
            began = time.perf_counter()
            call()
            timings[name].append((time.perf_counter() - began) * 1000)
    size = f"one aggregate with {events:,} events; as-of version {half:,}"
    labels = {
        "select_events": (f"read {events:,} stored events (recorder)", True),
        "select_events_half": (f"read {half:,} stored events (recorder)", True),
        "get": (f"load aggregate with {events:,} events (store: snapshot + replay)", False),
        "get_as_of_half": (f"as-of replay to version {half:,}", False),
        "get_cached": (f"read aggregate with {events:,} events through the aggregate cache",
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
