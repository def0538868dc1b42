"""HTTP reads on the real service (uvicorn subprocess, loopback): half public catalogue searches
(``GET /catalogue/pages/{page}/services?…`` with the search benchmark's filter combinations), half
``GET /services/{id}`` with an operator token, over ``2 × http_read_threads`` keep-alive
connections (8 in the quick and full sizes), each cycling through its own shuffled list. The
service runs as it would be deployed on this machine: ``serve --workers`` with one API process per
core (``bench.server.DEFAULT_WORKERS``; DSLEDGER_BENCH_WORKERS=1 measures a single process).

The searches repeat (each connection cycles through the same hundred-odd queries), so after the
first pass the service answers them from its search cache (``DSLEDGER_SEARCH_CACHE``: an answer is
kept while the catalogue view stays at the position it was read at). The same load is then run on
the service started again with the cache off, every search read from the database, and reported
beside it (no target).

Reports requests/s, p50 and p99, and the service's peak RSS. Baselines, same run: the cheapest
route (``GET /health``, one query) on the same server under the same load, the smallest ASGI app
under the same load (what generator and loopback allow at all), and the service's RSS once started
and warmed up. The load generator is wrk when it is on PATH, else httpx threads in this process;
either way it shares the machine's cores with the service.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import httpx
import msgspec

from bench import server as service
from bench.catalogue_data import load_catalogue
from bench.context import Context
from bench.core import Burst, Figure, Target, median
from bench.search import filter_combinations
from bench.wrk import LoadRun
from domain.search import SearchConditions

NAME = "http_reads"
NEEDS: tuple[str, ...] = ()
RPS_TARGET = 1500.0
CONNECTIONS_PER_THREAD = 2
WARM_UP_SECONDS = 2.0
P99_TARGET_MS = 50.0


def key(backend: str, what: str) -> str:
    return f"{NAME}.{backend}.{what}"


def query(conditions: SearchConditions) -> httpx.QueryParams:
    params: list[tuple[str, str | int | float | bool | None]] = []
    if conditions.keywords:
        params.append(("keywords", conditions.keywords))
    for flt, value in conditions.used_filters().items():
        if isinstance(value, bool):
            params.append((flt.value, "true"))
        else:
            params += [(flt.value, member.value) for member in sorted(value)]  # type: ignore[type-var]
    return httpx.QueryParams(params)


def search_path(conditions: SearchConditions) -> str:
    params = query(conditions)
    path = f"/catalogue/pages/{conditions.page.value}/services"
    return f"{path}?{params}" if params else path


def read_mix(service_ids: Sequence[str], per_page: int, connections: int, seed: int = 5,
             ) -> list[list[str]]:
    """One list of paths per connection: every search combination in its own shuffled order, each
    followed by one service's entry."""
    rng = random.Random(seed)
    searches = [search_path(c) for c in filter_combinations(per_page)]
    mixes = []
    for _ in range(connections):
        own: list[str] = []
        for search in rng.sample(searches, len(searches)):
            own += [search, f"/services/{rng.choice(service_ids)}"]
        mixes.append(own)
    return mixes


def backends(ctx: Context) -> list[str]:
    """HTTP runs on PostgreSQL, the deployment database (SQLite only without it)."""
    return ctx.dbs.backends[:1]


def run(ctx: Context) -> None:
    sizes = ctx.sizes
    workers = service.DEFAULT_WORKERS
    # Closed-loop clients: with too few, the service waits on them (and on its database round
    # trips) instead of working, and the figure is a latency, not a capacity. Two per client
    # thread of the old generator, whatever the service's worker count, so configurations of
    # the service compare under the same load; with several workers it also evens out which
    # worker the kernel hands each (persistent) connection to.
    connections = CONNECTIONS_PER_THREAD * sizes.http_read_threads
    generator = service.generator()
    for backend in backends(ctx):
        with ctx.dbs.runtime(backend) as runtime:
            loaded = load_catalogue(runtime, sizes.http_services, sizes.search_verify_sample)
        mixes = read_mix(loaded.service_ids, sizes.search_queries_per_page, connections)
        health = [["/health"] for _ in range(connections)]
        echo = [["/"] for _ in range(connections)]
        with service.serve(ctx.dbs.settings(backend), workers=workers) as server, \
                service.serve_echo(ctx.dbs.workdir, server.token) as ceiling:
            def load(target: service.Server, mix: list[list[str]], seconds: float,
                     max_requests: int) -> LoadRun:
                return service.load_paths(target, mix, seconds=seconds,
                                          max_requests=max_requests, workdir=ctx.dbs.workdir)

            for target, mix in ((server, health), (server, mixes), (ceiling, echo)):
                # Warm up, untimed: with wrk, long enough for each connection to go through its
                # list once, so each worker has built its statements as a running service has.
                load(target, mix, seconds=WARM_UP_SECONDS, max_requests=20 * connections)
            idle_rss = server.peak_rss_mib()
            runs: dict[str, list[LoadRun]] = {"health": [], "echo": [], "reads": []}
            for _ in range(sizes.runs):
                for name, target, mix in (("echo", ceiling, echo), ("health", server, health),
                                          ("reads", server, mixes)):
                    runs[name].append(load(target, mix, sizes.http_seconds,
                                           sizes.http_max_requests))
            peak_rss = server.peak_rss_mib()
        uncached_settings = msgspec.structs.replace(ctx.dbs.settings(backend), search_cache=0)
        with service.serve(uncached_settings, workers=workers) as uncached:
            load(uncached, mixes, seconds=WARM_UP_SECONDS, max_requests=20 * connections)
            runs["uncached"] = [load(uncached, mixes, sizes.http_seconds, sizes.http_max_requests)
                                for _ in range(sizes.runs)]
        bound = (f"{max(1, math.ceil(sizes.http_seconds))} s per run (wrk -d)" if generator == "wrk"
                 else f"≤ {sizes.http_max_requests:,} requests or {sizes.http_seconds:g} s per run")
        requests = sorted(run.requests for run in runs["reads"])
        size = (f"{loaded.services:,} services; service: {workers} uvicorn API worker "
                f"process{'es' * (workers > 1)}; load: {generator}, {connections} keep-alive "
                f"connections, {bound}; {requests[0]:,}–{requests[-1]:,} reads per run")
        report_load(ctx, benchmark=NAME, backend=backend, prefix=key(backend, "reads"),
                    label=f"HTTP reads (search + entry), {backend}", unit="requests/s",
                    bursts=runs["reads"], size=size,
                    floors=[("health", HEALTH_LABEL, runs["health"]),
                            ("client_ceiling", CEILING_LABEL, runs["echo"])],
                    rps_target=RPS_TARGET, p99_target_ms=P99_TARGET_MS)
        report_load(ctx, benchmark=NAME, backend=backend, prefix=key(backend, "reads_uncached"),
                    label=f"HTTP reads (search + entry), search cache off, {backend}",
                    unit="requests/s", bursts=runs["uncached"], size=size,
                    floors=[("health", HEALTH_LABEL, runs["health"])])
        report_rss(ctx, NAME, backend, idle_rss, peak_rss, "under the HTTP read load",
                   processes=server.workers + (server.workers > 1))


Floor = tuple[str, str, Sequence[Burst | LoadRun]]
"""A baseline load measured in the same run: (key suffix, label, its bursts)."""
HEALTH_LABEL = "GET /health (cheapest route) under the same load"
CEILING_LABEL = "minimal ASGI app under the same load (load-generator ceiling)"


def report_load(ctx: Context, *, benchmark: str, backend: str, prefix: str, label: str,
                unit: str, bursts: Sequence[Burst | LoadRun], floors: list[Floor], size: str,
                rps_target: float | None = None, p99_target_ms: float | None = None,
                rate_baselines: Sequence[str] = ()) -> None:
    """Rate, p50 and p99 of ``bursts`` beside the same statistics of each floor. Keys:
    ``{prefix}_rate|p50|p99`` and ``{prefix}_{floor}_rate|p50|p99``."""
    def stat_of(stat: str, of: Sequence[Burst | LoadRun]) -> list[float]:
        loads = [LoadRun.of(run) for run in of]
        if stat == "rate":
            return [run.rate for run in loads]
        return [(run.p50 if stat == "p50" else run.p99) * 1000 for run in loads]

    for stat in ("rate", "p50", "p99"):
        rate = stat == "rate"
        what = "throughput" if rate else stat
        floor_keys = []
        for suffix, floor_label, floor in floors:
            runs = stat_of(stat, floor)
            floor_keys.append(f"{prefix}_{suffix}_{stat}")
            ctx.results.add(Figure(
                key=floor_keys[-1], benchmark=benchmark, backend=backend, baseline=True,
                label=f"{floor_label}, {what}", unit="requests/s" if rate else "ms",
                value=median(runs), runs=runs, size=size, higher_is_better=rate))
        runs = stat_of(stat, bursts)
        figure = Figure(
            key=f"{prefix}_{stat}", benchmark=benchmark, backend=backend,
            label=f"{label}, {what}", unit=unit if rate else "ms", value=median(runs),
            runs=runs, size=size, higher_is_better=rate)
        if rate and rps_target is not None:
            figure.target = Target(f"≥ {rps_target:,.0f} {unit} on 2 cores",
                                   figure.value >= rps_target)
        if stat == "p99" and p99_target_ms is not None:
            figure.target = Target(f"p99 ≤ {p99_target_ms:g} ms", figure.value <= p99_target_ms)
        ctx.results.add(figure, compare_to=[*floor_keys, *(rate_baselines if rate else ())])


def report_rss(ctx: Context, name: str, backend: str, idle: float, peak: float,
               under: str, processes: int = 1) -> None:
    idle_key = f"{name}.{backend}.service_rss_idle"
    what = ("VmHWM of the uvicorn process" if processes == 1 else
            f"sum of VmHWM over the service's {processes} processes (supervisor and API workers)")
    ctx.results.add(Figure(
        key=idle_key, benchmark=name, backend=backend, baseline=True,
        label=f"service peak RSS after start and warm-up, {backend}", unit="MiB", value=idle,
        runs=[idle], size=what, higher_is_better=False))
    ctx.results.add(Figure(
        key=f"{name}.{backend}.service_rss_peak", benchmark=name, backend=backend,
        label=f"service peak RSS {under}, {backend}", unit="MiB", value=peak, runs=[peak],
        size=f"{what} after every run", higher_is_better=False,
        note="a high-water mark over all runs, not a median"), compare_to=[idle_key])
