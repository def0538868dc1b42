"""The projection engine over a recorded log (20,000 events quick, 200,000 full, ``--events N``):

- catch-up rate: the views emptied, then ``runtime.projector.catch_up()``'s loop (``run_once``
  until every view reaches the head) timed in this process, events/s;
- rebuild: ``dsledger.rebuild.rebuild()`` (the views in groups, one process per core, as
  ``dsledger rebuild`` runs it) from a subprocess (``bench.projection_worker``), its time and its
  peak RSS (VmHWM).

Each replay may take at most ``--replay-budget`` seconds (checked after each batch); a replay stopped
by the budget reports the events it applied and its rate, and no time for the whole log. Nothing is
extrapolated.

Baselines, same run and database: reading and decoding the same events with the recorder and the
mapper alone (``select_notifications`` + ``to_domain_event``, in the engine's batch size) for the
rates; a subprocess that builds the same ``Runtime`` and does nothing for the RSS.
"""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
import time

import msgspec

from bench.catalogue_data import CONTEXT, build, demo_entries, save_in_batches
from bench.context import Context
from bench.core import Figure, Target, median
from bench.projection_worker import WorkerReport
from domain.actor import acting
from domain.service import DigitalService
from dsledger.rebuild import OutOfTime, catch_up_until
from dsledger.runtime import Runtime
from projections.engine import ProjectionEngine

NAME = "projection"
NEEDS: tuple[str, ...] = ()
EVENTS_PER_SERVICE = 10
CATCH_UP_TARGET = 20_000.0
REBUILD_TARGET_EVENTS = 1_000_000
REBUILD_TARGET_SECONDS = 90.0


def key(backend: str, what: str) -> str:
    return f"{NAME}.{backend}.{what}"


def record_log(runtime: Runtime, events: int) -> float:
    """Record about ``events`` events: demo services (selection, registration, certifications,
    Mall listing…) suspended and reinstated up to ten events each. Returns events/s recorded."""
    services: list[DigitalService] = []
    total = 0
    # Some demo services never reach ten events (cancelled, never registered): a fifth more of
    # them than ten events each would need, so that the log does reach ``events``.
    entries = demo_entries(max(1, math.ceil(events * 1.2 / EVENTS_PER_SERVICE)) + 50)
    with acting(CONTEXT):
        for demo in entries:
            if total >= events:
                break
            service = build(demo)
            while (service.version < EVENTS_PER_SERVICE and service.registered
                   and not service.cancelled and total + service.version < events):
                if service.suspended:
                    service.reinstate("점검 완료")
                else:
                    service.suspend("품질 점검")
            total += service.version
            services.append(service)
    began = time.perf_counter()
    save_in_batches(runtime, services)
    return runtime.projector.head() / (time.perf_counter() - began)


def bounded_catch_up(projector: ProjectionEngine, budget: float) -> tuple[int, float]:
    """``catch_up`` itself, stopped after the batch that passes ``budget`` seconds (0: none).
    Returns (events every view applied, seconds)."""
    start = projector.position()
    began = time.perf_counter()
    with contextlib.suppress(OutOfTime):
        catch_up_until(projector, time.monotonic() + budget if budget else None)
    return projector.position() - start, time.perf_counter() - began


def read_and_decode(runtime: Runtime, events: int) -> float:
    """Baseline: the first ``events`` events read and decoded as the engine does; events/s."""
    recorder, mapper = runtime.ledger.recorder, runtime.ledger.mapper
    batch = runtime.projector.batch_size
    position = 0
    began = time.perf_counter()
    while position < events:
        notifications = recorder.select_notifications(start=position + 1,
                                                      limit=min(batch, events - position))
        if not notifications:
            break
        for notification in notifications:
            mapper.to_domain_event(notification)
        position = notifications[-1].id
    return position / (time.perf_counter() - began)


def worker(runtime: Runtime, mode: str, budget: float) -> WorkerReport:
    settings = runtime.settings
    env = {**os.environ, "DSLEDGER_DATABASE_URL": settings.database_url,
           "DSLEDGER_DATA_DIR": str(settings.data_dir), "DSLEDGER_JWT_SECRET": settings.jwt_secret}
    timeout = 600 if not budget else budget * 4 + 120
    done = subprocess.run([sys.executable, "-m", "bench.projection_worker", mode, "--budget",
                           str(budget)], env=env, capture_output=True, timeout=timeout,
                          check=True)
    return msgspec.json.decode(done.stdout.splitlines()[-1], type=WorkerReport)


def run(ctx: Context) -> None:
    sizes = ctx.sizes
    budget = sizes.replay_budget
    backends = ctx.dbs.backends if sizes.projection_on_every_database else ctx.dbs.backends[:1]
    for backend in backends:
        with ctx.dbs.runtime(backend) as runtime:
            recording = record_log(runtime, sizes.projection_events)
            head = runtime.projector.head()
            ctx.log(f"{backend}: recorded {head:,} events ({recording:,.0f} events/s, "
                    f"{500} aggregates per transaction)")
            catch_up: list[float] = []
            applied: list[int] = []
            baseline: list[float] = []
            rebuilds: list[WorkerReport] = []
            idle: list[float] = []
            for _ in range(sizes.runs):
                runtime.projector.empty()
                events, seconds = bounded_catch_up(runtime.projector, budget)
                catch_up.append(events / seconds)
                applied.append(events)
                baseline.append(read_and_decode(runtime, max(events, 1)))
                rebuilds.append(worker(runtime, "rebuild", budget))
            idle.append(worker(runtime, "idle", 0).peak_rss_mib)
            whole_log: list[float] = []
            if all(r.finished for r in rebuilds):
                # Only when the rebuild time exists: reading the whole log is its baseline.
                whole_log = [head / read_and_decode(runtime, head) for _ in range(sizes.runs)]
            _report(ctx, backend, head, budget, catch_up, applied, baseline, rebuilds, idle,
                    whole_log, views=len(runtime.projector.views))


def _report(ctx: Context, backend: str, head: int, budget: float, catch_up: list[float],
            applied: list[int], baseline: list[float], rebuilds: list[WorkerReport],
            idle: list[float], whole_log: list[float], *, views: int) -> None:
    results = ctx.results
    budget_text = f"budget {budget:g} s per replay" if budget else "no time budget"
    read_key = key(backend, "read_decode_rate")
    results.add(Figure(
        key=read_key, benchmark=NAME, backend=backend, baseline=True,
        label=f"read + decode the log (recorder + mapper), {backend}", unit="events/s",
        value=median(baseline), runs=baseline,
        size=f"the events each catch-up run applied (median {median(applied):,.0f})"))
    catch_up_applied = median(applied)
    results.add(Figure(
        key=key(backend, "catch_up_rate"), benchmark=NAME, backend=backend,
        label=f"projection catch-up ({views} views), {backend}", unit="events/s",
        value=median(catch_up), runs=catch_up,
        size=f"{catch_up_applied:,.0f} of {head:,} events applied per run ({budget_text})",
        target=Target(f"≥ {CATCH_UP_TARGET:,.0f} events/s", median(catch_up) >= CATCH_UP_TARGET)),
        compare_to=[read_key])
    rates = [r.position / r.seconds for r in rebuilds]
    finished = all(r.finished for r in rebuilds)
    reached = median([float(r.position) for r in rebuilds])
    results.add(Figure(
        key=key(backend, "rebuild_rate"), benchmark=NAME, backend=backend,
        label=f"full rebuild ({views} views in {rebuilds[0].processes} "
              f"process{'es' * (rebuilds[0].processes > 1)}, as dsledger rebuild), {backend}",
        unit="events/s",
        value=median(rates), runs=rates,
        size=(f"all {head:,} events" if finished else
              f"{reached:,.0f} of {head:,} events before the budget ({budget_text})"),
        note="" if finished else "stopped by the time budget: no time for the whole log"),
        compare_to=[read_key])
    seconds = [r.seconds for r in rebuilds]
    needed = REBUILD_TARGET_EVENTS / REBUILD_TARGET_SECONDS
    if finished:
        if head >= REBUILD_TARGET_EVENTS:
            target = Target(f"1,000,000 events ≤ {REBUILD_TARGET_SECONDS:g} s",
                            median(seconds) <= REBUILD_TARGET_SECONDS)
        else:
            target = Target(f"1,000,000 events ≤ {REBUILD_TARGET_SECONDS:g} s (not judged: "
                            f"{head:,} events; run --events 1000000)", None)
        read_all_key = key(backend, "read_decode_seconds")
        results.add(Figure(
            key=read_all_key, benchmark=NAME, backend=backend, baseline=True,
            label=f"read + decode all {head:,} events (recorder + mapper), {backend}", unit="s",
            value=median(whole_log), runs=whole_log, size=f"all {head:,} events",
            higher_is_better=False))
        results.add(Figure(
            key=key(backend, "rebuild_seconds"), benchmark=NAME, backend=backend,
            label=f"full rebuild time, {head:,} events, {backend}", unit="s",
            value=median(seconds), runs=seconds, size=f"all {head:,} events",
            target=target, higher_is_better=False), compare_to=[read_all_key])
    else:
        results.notes.append(
            f"projection ({backend}): the rebuild of {head:,} events did not finish within "
            f"{budget:g} s, so there is no rebuild time; the 1,000,000-event target needs "
            f"≥ {needed:,.0f} events/s sustained, measured {median(rates):,.0f} events/s.")
    idle_key = key(backend, "idle_rss")
    results.add(Figure(
        key=idle_key, benchmark=NAME, backend=backend, baseline=True,
        label=f"peak RSS of an idle runtime process, {backend}", unit="MiB", value=max(idle),
        runs=idle, size="Runtime built, head read, nothing else (one run)",
        higher_is_better=False))
    peaks = [r.peak_rss_mib for r in rebuilds]
    results.add(Figure(
        key=key(backend, "rebuild_peak_rss"), benchmark=NAME, backend=backend,
        label=f"peak RSS of a rebuild, {backend}", unit="MiB", value=max(peaks), runs=peaks,
        size=f"{reached:,.0f} events replayed", higher_is_better=False,
        note="peak: the maximum over the runs"), compare_to=[idle_key])
