"""HTTP reads on the real service (uvicorn subprocess, loopback): half public catalogue searches
(``GET /catalogue/pages/{page}/services?…`` with the search benchmark's filter combinations), half
``GET /services/{id}`` with an operator token, from a fixed number of client threads.

Reports requests/s, p50 and p99, and the service's peak RSS. Baselines, same run and server: the
cheapest route (``GET /health``, one query) under the same load, and the service's RSS once started
and warmed up. The load generator shares the machine's cores with the service.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import httpx

from bench import server as service
from bench.catalogue_data import load_catalogue
from bench.context import Context
from bench.core import Burst, Figure, Target, median, percentile
from bench.search import filter_combinations
from domain.search import SearchConditions

NAME = "http_reads"
NEEDS: tuple[str, ...] = ()
RPS_TARGET = 1500.0
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


def _search(conditions: SearchConditions) -> service.Request:
    path = f"/catalogue/pages/{conditions.page.value}/services"
    params = query(conditions)
    return lambda client: client.get(path, params=params)


def _entry(service_id: str) -> service.Request:
    return lambda client: client.get(f"/services/{service_id}")


def read_mix(service_ids: Sequence[str], per_page: int, threads: int, seed: int = 5,
             ) -> list[list[service.Request]]:
    rng = random.Random(seed)
    searches = [_search(c) for c in filter_combinations(per_page)]
    mixes = []
    for _ in range(threads):
        own: list[service.Request] = []
        for search in rng.sample(searches, len(searches)):
            own += [search, _entry(rng.choice(service_ids))]
        mixes.append(own)
    return mixes


def backends(ctx: Context) -> list[str]:
    """HTTP runs on PostgreSQL, the deployment database (SQLite only without it)."""
    return ctx.dbs.backends[:1]


def run(ctx: Context) -> None:
    sizes = ctx.sizes
    threads = sizes.http_read_threads
    for backend in backends(ctx):
        with ctx.dbs.runtime(backend) as runtime:
            loaded = load_catalogue(runtime, sizes.http_services, sizes.search_verify_sample)
        mixes = read_mix(loaded.service_ids, sizes.search_queries_per_page, threads)
        health = [[service.health] for _ in range(threads)]
        echo = [[service.root] for _ in range(threads)]
        with service.serve(ctx.dbs.settings(backend)) as server, \
                service.serve_echo(ctx.dbs.workdir, server.token) as ceiling:
            for target, mix in ((server, health), (server, mixes), (ceiling, echo)):
                # Warm up, untimed: the first requests of each thread.
                service.load(target, mix, seconds=10, max_requests=20 * threads)
            idle_rss = server.peak_rss_mib()
            bursts: dict[str, list[Burst]] = {"health": [], "echo": [], "reads": []}
            for _ in range(sizes.runs):
                for name, target, mix in (("echo", ceiling, echo), ("health", server, health),
                                          ("reads", server, mixes)):
                    bursts[name].append(service.load(target, mix, seconds=sizes.http_seconds,
                                                     max_requests=sizes.http_max_requests))
            peak_rss = server.peak_rss_mib()
        size = (f"{loaded.services:,} services; {threads} client threads, ≤ "
                f"{sizes.http_max_requests:,} requests or {sizes.http_seconds:g} s per run")
        report_load(ctx, benchmark=NAME, backend=backend, prefix=key(backend, "reads"),
                    label=f"HTTP reads (search + entry), {backend}", unit="requests/s",
                    bursts=bursts["reads"], size=size,
                    floors=[("health", HEALTH_LABEL, bursts["health"]),
                            ("client_ceiling", CEILING_LABEL, bursts["echo"])],
                    rps_target=RPS_TARGET, p99_target_ms=P99_TARGET_MS)
        report_rss(ctx, NAME, backend, idle_rss, peak_rss, "under the HTTP read load")


Floor = tuple[str, str, list[Burst]]
"""A baseline load measured in the same run: (key suffix, label, its bursts)."""
HEALTH_LABEL = "GET /health (cheapest route) under the same load"
CEILING_LABEL = "minimal ASGI app under the same load (load-generator ceiling)"


def report_load(ctx: Context, *, benchmark: str, backend: str, prefix: str, label: str,
                unit: str, bursts: list[Burst], floors: list[Floor], size: str,
                rps_target: float | None = None, p99_target_ms: float | None = None,
                rate_baselines: Sequence[str] = ()) -> None:
    """Rate, p50 and p99 of ``bursts`` beside the same statistics of each floor. Keys:
    ``{prefix}_rate|p50|p99`` and ``{prefix}_{floor}_rate|p50|p99``."""
    def stat_of(stat: str, of: list[Burst]) -> list[float]:
        if stat == "rate":
            return [b.rate for b in of]
        return [percentile(b.latencies, 50 if stat == "p50" else 99) * 1000 for b in of]

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
               under: str) -> None:
    idle_key = f"{name}.{backend}.service_rss_idle"
    ctx.results.add(Figure(
        key=idle_key, benchmark=name, backend=backend, baseline=True,
        label=f"service peak RSS after start and warm-up, {backend}", unit="MiB", value=idle,
        runs=[idle], size="VmHWM of the uvicorn process", higher_is_better=False))
    ctx.results.add(Figure(
        key=f"{name}.{backend}.service_rss_peak", benchmark=name, backend=backend,
        label=f"service peak RSS {under}, {backend}", unit="MiB", value=peak, runs=[peak],
        size="VmHWM of the uvicorn process after every run", higher_is_better=False,
        note="a high-water mark over all runs, not a median"), compare_to=[idle_key])
