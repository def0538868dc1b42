"""Command throughput over HTTP on the real service (uvicorn subprocess with its projection engine,
loopback): ``POST /contracts/{id}/sla-reports``, each with its contract's provider's token, 1, 4 and
16 client threads, each on its own contracts (concluded through the demo's procurement stories, as
in ``commands``). Each answer waits, as the API does, until the views have applied the command
(read-your-writes), so this includes the projection of each event.

Compared in the same run with baseline 1 (raw INSERT+COMMIT), baseline 2 (the stock library), the
domain-level figure of ``commands`` when it ran, and ``GET /health`` under the same load.
"""

from __future__ import annotations

import httpx

from api.auth import Principal, issue_token
from bench import baseline_insert, baseline_library, commands
from bench import server as service
from bench.context import Context
from bench.core import Burst
from bench.http_reads import HEALTH_LABEL, backends, report_load, report_rss
from domain.actor import Role
from dsledger.demo import load_demo

NAME = "http_commands"
NEEDS: tuple[str, ...] = ("baseline_insert", "baseline_library")


def key(backend: str, writers: int) -> str:
    return f"{NAME}.{backend}.writers_{writers}"


def reporting(reports: list[commands.Report], secret: str) -> list[service.Request]:
    """One thread's request: an SLA report on each of its contracts in turn, as its provider."""
    calls = []
    for contract_id, provider, service_id, figures in reports:
        principal = Principal(principal_id=provider.actor.principal_id, role=Role.PROVIDER,
                              provider_id=provider.actor.provider_id)
        calls.append((f"/contracts/{contract_id}/sla-reports",
                      {"Authorization": f"Bearer {issue_token(secret, principal)}"},
                      {"service_id": service_id, "period_start": figures.period_start.isoformat(),
                       "period_end": figures.period_end.isoformat(),
                       "availability_percent": str(figures.availability_percent)}))
    turn = [0]

    def call(client: httpx.Client) -> httpx.Response:
        path, headers, body = calls[turn[0] % len(calls)]
        turn[0] += 1
        return client.post(path, json=body, headers=headers)

    return [call]


def run(ctx: Context) -> None:
    sizes = ctx.sizes
    for backend in backends(ctx):
        per_level: dict[int, list[commands.Report]] = {}
        with ctx.dbs.runtime(backend) as runtime:
            load_demo(runtime.ledger, at=commands.demo_at())
            runtime.projector.catch_up()  # the stories' searches read the catalogue view
            for writers in sizes.writers:
                per_level[writers] = commands.concluded_contracts(
                    runtime, writers * sizes.services_per_writer, prefix=f"HTTP-{writers}")
            runtime.projector.catch_up()
        settings = ctx.dbs.settings(backend)
        with service.serve(settings) as server:
            idle_rss = server.peak_rss_mib()
            for writers, reports in per_level.items():
                mixes = [reporting(reports[w::writers], settings.jwt_secret)
                         for w in range(writers)]
                floor = [[service.health] for _ in range(writers)]
                bursts: dict[str, list[Burst]] = {"health": [], "commands": []}
                for _ in range(sizes.runs):
                    for name, mix in (("health", floor), ("commands", mixes)):
                        bursts[name].append(service.load(
                            server, mix, seconds=sizes.http_seconds,
                            max_requests=sizes.http_max_requests))
                size = (f"{writers} client thread(s) × {sizes.services_per_writer} contracts, ≤ "
                        f"{sizes.http_max_requests:,} requests or {sizes.http_seconds:g} s per run")
                report_load(
                    ctx, benchmark=NAME, backend=backend, prefix=key(backend, writers),
                    label=f"HTTP commands (SLA report on a contract), {backend}, {writers} "
                          f"writer{'s' * (writers > 1)}",
                    unit="commands/s", bursts=bursts["commands"],
                    floors=[("health", HEALTH_LABEL, bursts["health"])],
                    size=size, rate_baselines=[
                        baseline_insert.key(backend, 1), baseline_insert.key(backend, writers),
                        baseline_library.key(backend, writers), commands.key(backend, writers)])
            peak_rss = server.peak_rss_mib()
        report_rss(ctx, NAME, backend, idle_rss, peak_rss, "under the HTTP command load")
