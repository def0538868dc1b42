"""Run the benchmarks and write a Markdown and a JSON report.

    .venv/bin/python -m bench.run                 # full sizes, 5 runs per figure (~10 min, 2 cores)
    .venv/bin/python -m bench.run --quick         # smaller sizes, 3 runs (~2-3 min)
    .venv/bin/python -m bench.run --only commands search
    .venv/bin/python -m bench.run --only projection --events 1000000 --replay-budget 0

It creates its own PostgreSQL database (``dsledger_bench_<random>``, from DSLEDGER_BENCH_PG or
DSLEDGER_TEST_PG, default postgres@127.0.0.1:5432) and a temporary SQLite file, and drops both at
the end. Every figure is the median of several runs, reported beside baselines measured in the same
run on the same database; a benchmark's baselines run first even when only it is asked for.
Reports: ``bench/results/report.md`` and ``report.json`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sqlite3
import sys
import time
import traceback
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bench import (
    aggregate_load,
    audit,
    baseline_insert,
    baseline_library,
    commands,
    http_commands,
    http_reads,
    projection,
    report,
    scheduler_tick,
    search,
    writes,
)
from bench.context import Benchmark, Context
from bench.core import Figure, Results, Sizes
from bench.databases import BenchDatabases


class SchedulerTick:
    """``bench/scheduler_tick.py`` (the scheduler's read path) in this harness: its own figure and
    its own same-run baseline (the same tick with 1,000 open contracts), on each database."""

    NAME: str = "scheduler_tick"
    NEEDS: tuple[str, ...] = ()

    @staticmethod
    def run(ctx: Context) -> None:
        for backend in ctx.dbs.backends:
            with ctx.dbs.runtime(backend) as runtime:
                tick = scheduler_tick.run(runtime,
                                          open_contracts=ctx.sizes.scheduler_open_contracts,
                                          repeats=ctx.sizes.runs)
            base_key = f"scheduler_tick.{backend}.baseline"
            ctx.results.add(Figure(
                key=base_key, benchmark="scheduler_tick", backend=backend, baseline=True,
                label=f"scheduler tick, {tick['baseline_open_contracts']:,} open contracts, "
                      f"{backend}", unit="ms", value=tick["baseline_tick_ms"],
                runs=[tick["baseline_tick_ms"]], size=f"{tick['due_deadlines']} due deadlines",
                higher_is_better=False, note="median computed by bench/scheduler_tick.py"))
            ctx.results.add(Figure(
                key=f"scheduler_tick.{backend}.tick", benchmark="scheduler_tick",
                backend=backend, label=f"scheduler tick, {tick['open_contracts']:,} open "
                f"contracts, {backend}", unit="ms", value=tick["tick_ms"], runs=[tick["tick_ms"]],
                size=f"{tick['due_deadlines']} due deadlines", higher_is_better=False,
                note=f"target: {tick['target']}"), compare_to=[base_key])


BENCHMARKS: list[Benchmark] = [baseline_insert, baseline_library, commands, http_commands,
                               http_reads, projection, search, aggregate_load, SchedulerTick(),
                               audit]
BY_NAME = {benchmark.NAME: benchmark for benchmark in BENCHMARKS}
INTERLEAVED = {baseline_insert.NAME: baseline_insert, baseline_library.NAME: baseline_library,
               commands.NAME: commands}
"""Write benchmarks run together, run by run (``bench/writes.py``), when several are selected."""


def selected(only: list[str] | None) -> list[Benchmark]:
    """The asked-for benchmarks and, before them, every benchmark they are compared with."""
    wanted: set[str] = set()

    def want(name: str) -> None:
        if name not in wanted:
            wanted.add(name)
            for need in BY_NAME[name].NEEDS:
                want(need)

    for name in only or list(BY_NAME):
        want(name)
    return [benchmark for benchmark in BENCHMARKS if benchmark.NAME in wanted]


def not_measured(ran: list[str], ctx: Context) -> list[str]:
    items = [
        "HTTP benchmarks run on PostgreSQL only (SQLite when PostgreSQL is absent); the load "
        "generator (httpx threads) runs on the same 2 cores as the single uvicorn process, so "
        "the HTTP figures are for client and server sharing the machine, not for a server "
        "given 2 cores of its own.",
        "Commands measured are SLA reports on concluded contracts (domain and HTTP); the "
        "other procurement, contract, service, inspection and report commands are not "
        "benchmarked.",
        "Catch-up is measured from empty views; catching up a live service that fell behind "
        "(views full, LISTEN/NOTIFY wake-ups) is not measured separately.",
        "Search is measured on the first page (limit 20, offset 0) of each query; deep offsets "
        "are not.",
        "Aggregate loads use the ledger's snapshots (one every 100 events), so a load replays at "
        "most 99 events after the newest snapshot; the baseline reads every stored event. "
        "A load without snapshots is not measured.",
    ]
    if "projection" in ran and not ctx.sizes.projection_on_every_database:
        items.append("Projection on SQLite: the quick run measures PostgreSQL only (the full run "
                     "measures both).")
    if "projection" in ran and ctx.sizes.projection_events < 1_000_000:
        items.append(f"The 1,000,000-event rebuild: this run recorded "
                     f"{ctx.sizes.projection_events:,}; run `python -m bench.run --only "
                     f"projection --events 1000000 --replay-budget 0`.")
    for name in BY_NAME:
        if name not in ran:
            items.append(f"`{name}`: not selected in this run (see --only).")
    if ctx.dbs.pg_problem:
        items.append(f"Every PostgreSQL figure: {ctx.dbs.pg_problem}")
    return items


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, 3 runs")
    parser.add_argument("--tiny", action="store_true",
                        help="tiny sizes for tests (200 services, 300 events; wins over --quick): "
                             "the harness runs, the figures mean nothing")
    parser.add_argument("--only", nargs="+", choices=sorted(BY_NAME), metavar="NAME",
                        help=f"run only these (and their baselines): {', '.join(BY_NAME)}")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--runs", type=int, help="runs per figure (default 5; quick 3)")
    parser.add_argument("--events", type=int, help="events recorded for the projection benchmark")
    parser.add_argument("--replay-budget", type=float,
                        help="seconds one catch-up or rebuild may take (0: unbounded)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    sizes = Sizes.for_mode("tiny" if args.tiny else "quick" if args.quick else "full")
    if args.runs:
        sizes = dataclasses.replace(sizes, runs=args.runs)
    if args.events:
        sizes = dataclasses.replace(sizes, projection_events=args.events)
    if args.replay_budget is not None:
        sizes = dataclasses.replace(sizes, replay_budget=args.replay_budget)
    benchmarks = selected(args.only)
    started = datetime.now(UTC)
    began = time.perf_counter()
    results = Results()
    dbs = BenchDatabases()
    ctx = Context(sizes=sizes, dbs=dbs, results=results)
    if dbs.pg_problem:
        print(f"! {dbs.pg_problem}: SQLite only", flush=True)
    interleaved = [INTERLEAVED[b.NAME] for b in benchmarks if b.NAME in INTERLEAVED]
    try:
        for benchmark in benchmarks:
            if benchmark.NAME in INTERLEAVED and benchmark.NAME != interleaved[0].NAME:
                continue  # ran with the first of them
            group = [b.NAME for b in interleaved] if benchmark.NAME in INTERLEAVED else []
            print(f"\n== {' + '.join(group) or benchmark.NAME} ({sizes.mode}"
                  f"{', interleaved' if len(group) > 1 else ''})", flush=True)
            t0 = time.perf_counter()
            try:
                if group:
                    writes.run(ctx, [writes.this(b.__name__) for b in interleaved])
                else:
                    benchmark.run(ctx)
            except Exception:
                results.errors.append({"benchmark": " + ".join(group) or benchmark.NAME,
                                       "error": traceback.format_exc()})
                print(traceback.format_exc(), file=sys.stderr, flush=True)
            print(f"  ({time.perf_counter() - t0:.1f} s)", flush=True)
    finally:
        pg_settings = dbs.pg_settings
        dbs.close()
    meta = {
        "mode": sizes.mode, "runs": sizes.runs, "sizes": dataclasses.asdict(sizes),
        "benchmarks": [b.NAME for b in benchmarks], "only": args.only,
        "started": started.isoformat(timespec="seconds"),
        "duration_s": time.perf_counter() - began, "cpus": os.cpu_count(),
        "python": platform.python_version(), "eventsourcing": version("eventsourcing"),
        "postgres": pg_settings, "sqlite": sqlite3.sqlite_version,
        "command": " ".join(["python -m bench.run", *(argv if argv is not None else sys.argv[1:])]),
    }
    report.write(args.out, meta, results, not_measured([b.NAME for b in benchmarks], ctx))
    print(f"\nreports: {args.out / 'report.md'}, {args.out / 'report.json'} "
          f"({meta['duration_s']:.0f} s)", flush=True)
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
