"""Command throughput over HTTP on the real service (uvicorn subprocess with its projection engine,
loopback): ``POST /contracts/{id}/sla-reports``, each with its contract's provider's token, 1, 4 and
16 client threads, each on its own contracts (concluded through the demo's procurement stories, as
in ``commands``). Each answer waits, as the API does, until the views have applied the command
(read-your-writes), so this includes the projection of each event.

Compared in the same run with baseline 1 (raw INSERT+COMMIT), baseline 2 (the stock library), the
domain-level figure of ``commands`` (always run first: the target is a ratio against it), and
``GET /health`` under the same load.

Projection lag under the same load: a monitor thread in this process reads the log's head and the
lowest view position every ``LAG_POLL`` seconds, on its own connection; an event's lag is from the
first poll that sees it in the log to the first that sees every view past it. So it is measured
independently of the answers' own wait, and up to one poll interval is added to or taken from
each figure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import create_engine, text

from api.auth import Principal, issue_token
from bench import baseline_insert, baseline_library, commands
from bench import server as service
from bench.context import Context
from bench.core import Burst, Figure, Target, median, percentile
from bench.http_reads import HEALTH_LABEL, backends, report_load, report_rss
from domain.actor import Role
from dsledger.demo import load_demo

NAME = "http_commands"
NEEDS: tuple[str, ...] = ("baseline_insert", "baseline_library", "commands")
LAG_POLL = 0.005
P99_TARGET_MS = 50.0
"""At 4 clients (issue 14 point 4)."""
LAG_P99_TARGET_MS = 200.0
RATIO_TARGET = 0.5
"""HTTP commands at 16 clients against in-process ledger commands at 16 writers."""


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


@contextmanager
def lag_monitor(url: str, events_table: str) -> Iterator[list[float]]:
    """Seconds from an event's first sighting in the log to every view past it, for the events
    first seen while the block ran (an event still not applied at its end is counted with the
    time it had waited by then)."""
    engine = create_engine(url)
    lags: list[float] = []
    stop = threading.Event()
    query = text(f'SELECT (SELECT max(notification_id) FROM "{events_table}"), '
                 "(SELECT min(position) FROM projection_tracking)")

    def watch() -> None:
        pending: list[tuple[int, float]] = []  # (head, first seen), heads increasing
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            head_seen = conn.execute(query).one()[0] or 0
            while not stop.is_set():
                head, applied = conn.execute(query).one()
                now = time.perf_counter()
                if head is not None and head > head_seen:
                    pending.append((int(head), now))
                    head_seen = int(head)
                while pending and applied is not None and applied >= pending[0][0]:
                    lags.append(now - pending.pop(0)[1])
                stop.wait(LAG_POLL)
            end = time.perf_counter()
            lags.extend(end - seen for _, seen in pending)

    thread = threading.Thread(target=watch, name="lag-monitor", daemon=True)
    thread.start()
    try:
        yield lags
    finally:
        stop.set()
        thread.join(timeout=10)
        engine.dispose()


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
            events_table = str(getattr(runtime.ledger.recorder, "events_table_name",
                                       "stored_events")).split(".")[-1]
        settings = ctx.dbs.settings(backend)
        with service.serve(settings) as server:
            idle_rss = server.peak_rss_mib()
            for writers, reports in per_level.items():
                mixes = [reporting(reports[w::writers], settings.jwt_secret)
                         for w in range(writers)]
                floor = [[service.health] for _ in range(writers)]
                bursts: dict[str, list[Burst]] = {"health": [], "commands": []}
                lag_p99: list[float] = []
                for _ in range(sizes.runs):
                    bursts["health"].append(service.load(
                        server, floor, seconds=sizes.http_seconds,
                        max_requests=sizes.http_max_requests))
                    with lag_monitor(settings.sqlalchemy_url(), events_table) as lags:
                        bursts["commands"].append(service.load(
                            server, mixes, seconds=sizes.http_seconds,
                            max_requests=sizes.http_max_requests))
                    lag_p99.append(percentile(lags, 99) * 1000)
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
                        baseline_library.key(backend, writers), commands.key(backend, writers)],
                    p99_target_ms=P99_TARGET_MS if writers == 4 else None)
                judge(ctx, backend, writers, lag_p99, size)
            peak_rss = server.peak_rss_mib()
        report_rss(ctx, NAME, backend, idle_rss, peak_rss, "under the HTTP command load")


def judge(ctx: Context, backend: str, writers: int, lag_p99: list[float], size: str) -> None:
    """The lag figure, and the throughput target against in-process commands (16 writers)."""
    prefix = key(backend, writers)
    figure = ctx.results.add(Figure(
        key=f"{prefix}_lag_p99", benchmark=NAME, backend=backend,
        label=f"projection lag (commit → every view), p99, under HTTP commands, {backend}, "
              f"{writers} writer{'s' * (writers > 1)}", unit="ms", value=median(lag_p99),
        runs=lag_p99, size=f"{size}; polled every {LAG_POLL * 1000:g} ms",
        higher_is_better=False,
        note="median over runs of each run's p99"))
    if writers >= 4:
        figure.target = Target(f"p99 ≤ {LAG_P99_TARGET_MS:g} ms",
                               figure.value <= LAG_P99_TARGET_MS)
    rate = ctx.results.get(f"{prefix}_rate")
    if rate is not None and writers == 16:
        ratio = ctx.results.ratio(rate, commands.key(backend, writers))
        rate.target = Target(
            f"≥ {RATIO_TARGET:g}× in-process ledger commands at {writers} writers"
            + ("" if ratio is not None else " (not measured in this run)"),
            None if ratio is None else ratio >= RATIO_TARGET)
