"""Command throughput over HTTP on the real service (uvicorn subprocess with its projection engine,
loopback): ``POST /services/{id}/suspension`` and ``…/reinstatement`` alternately, operator token,
1, 4 and 16 client threads, each on its own services. Each answer waits, as the API does, until the
views have applied the command (read-your-writes), so this includes the projection of each event.

Compared in the same run with baseline 1 (raw INSERT+COMMIT), baseline 2 (the stock library), the
domain-level figure of ``commands`` when it ran, and ``GET /health`` under the same load.
"""

from __future__ import annotations

from uuid import UUID

import httpx

from bench import baseline_insert, baseline_library, commands
from bench import server as service
from bench.catalogue_data import registered_services, save_in_batches
from bench.context import Context
from bench.core import Burst
from bench.http_reads import HEALTH_LABEL, backends, report_load, report_rss

NAME = "http_commands"
NEEDS: tuple[str, ...] = ("baseline_insert", "baseline_library")


def key(backend: str, writers: int) -> str:
    return f"{NAME}.{backend}.writers_{writers}"


def alternating(service_ids: list[UUID]) -> list[service.Request]:
    """One thread's request: suspend or reinstate its services in turn. The state is kept across
    runs, so a run that stops half-way leaves the next one consistent."""
    body = {"reason": "벤치마크 점검"}
    suspended = [False] * len(service_ids)
    turn = [0]

    def call(client: httpx.Client) -> httpx.Response:
        index = turn[0] % len(service_ids)
        action = "reinstatement" if suspended[index] else "suspension"
        response = client.post(f"/services/{service_ids[index]}/{action}", json=body)
        if response.is_success:
            turn[0] += 1
            suspended[index] = not suspended[index]
        return response

    return [call]


def run(ctx: Context) -> None:
    sizes = ctx.sizes
    for backend in backends(ctx):
        per_level: dict[int, list[UUID]] = {}
        with ctx.dbs.runtime(backend) as runtime:
            for writers in sizes.writers:
                services = registered_services(writers * sizes.services_per_writer,
                                               prefix=f"HTTP-{writers}")
                save_in_batches(runtime, services)
                per_level[writers] = [s.id for s in services]
            runtime.projector.catch_up()
        with service.serve(ctx.dbs.settings(backend)) as server:
            idle_rss = server.peak_rss_mib()
            for writers, ids in per_level.items():
                mixes = [alternating(ids[w::writers]) for w in range(writers)]
                floor = [[service.health] for _ in range(writers)]
                bursts: dict[str, list[Burst]] = {"health": [], "commands": []}
                for _ in range(sizes.runs):
                    for name, mix in (("health", floor), ("commands", mixes)):
                        bursts[name].append(service.load(
                            server, mix, seconds=sizes.http_seconds,
                            max_requests=sizes.http_max_requests))
                size = (f"{writers} client thread(s) × {sizes.services_per_writer} services, ≤ "
                        f"{sizes.http_max_requests:,} requests or {sizes.http_seconds:g} s per run")
                report_load(
                    ctx, benchmark=NAME, backend=backend, prefix=key(backend, writers),
                    label=f"HTTP commands (suspend/reinstate), {backend}, {writers} "
                          f"writer{'s' * (writers > 1)}",
                    unit="commands/s", bursts=bursts["commands"],
                    floors=[("health", HEALTH_LABEL, bursts["health"])],
                    size=size, rate_baselines=[
                        baseline_insert.key(backend, 1), baseline_insert.key(backend, writers),
                        baseline_library.key(backend, writers), commands.key(backend, writers)])
            peak_rss = server.peak_rss_mib()
        report_rss(ctx, NAME, backend, idle_rss, peak_rss, "under the HTTP command load")
