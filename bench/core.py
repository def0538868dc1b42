"""What every benchmark shares: sizes per mode, figures with their same-run baselines, statistics,
and a bounded runner for concurrent workers."""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# --- sizes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """How big and how long each benchmark is in one mode. Every loop is bounded both by a count
    and by a time, so a slow machine (or a slow build of dsledger) still finishes."""

    mode: str
    runs: int
    writers: tuple[int, ...]
    write_seconds: float
    """Per run and per concurrency level, for the write loops (baselines and commands)."""
    services_per_writer: int
    http_seconds: float
    http_max_requests: int
    http_read_threads: int
    http_services: int
    search_services: int
    search_verify_sample: int
    search_queries_per_page: int
    projection_events: int
    replay_budget: float
    """Seconds one catch-up or rebuild may take before it is stopped (0: unbounded); checked
    after each batch of the engine (500 events by default), so a replay does at least one."""
    projection_on_every_database: bool
    """False: the projection benchmark runs on PostgreSQL only (the deployment database)."""
    aggregate_events: int
    scheduler_open_contracts: int

    @classmethod
    def for_mode(cls, mode: str) -> Sizes:
        return _SIZES[mode]


_SIZES = {
    "full": Sizes(mode="full", runs=5, writers=(1, 4, 16), write_seconds=1.0,
                  services_per_writer=20, http_seconds=2.0, http_max_requests=6000,
                  http_read_threads=4, http_services=20_000, search_services=20_000,
                  search_verify_sample=200, search_queries_per_page=20,
                  projection_events=200_000, replay_budget=8.0,
                  projection_on_every_database=True, aggregate_events=10_000,
                  scheduler_open_contracts=100_000),
    "quick": Sizes(mode="quick", runs=3, writers=(1, 4, 16), write_seconds=0.4,
                   services_per_writer=10, http_seconds=0.6, http_max_requests=2000,
                   http_read_threads=4, http_services=2_000, search_services=20_000,
                   search_verify_sample=60, search_queries_per_page=8,
                   projection_events=20_000, replay_budget=1.0,
                   projection_on_every_database=False, aggregate_events=10_000,
                   scheduler_open_contracts=20_000),
    "tiny": Sizes(mode="tiny", runs=3, writers=(1, 4, 16), write_seconds=0.15,
                  services_per_writer=2, http_seconds=0.3, http_max_requests=100,
                  http_read_threads=2, http_services=100, search_services=200,
                  search_verify_sample=20, search_queries_per_page=4,
                  projection_events=300, replay_budget=3.0, projection_on_every_database=True,
                  aggregate_events=300, scheduler_open_contracts=1_000),
}


# --- figures --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A figure against one baseline figure measured in the same run: ``ratio = value / baseline``."""

    baseline: str
    label: str
    value: float
    unit: str
    ratio: float


@dataclass(frozen=True)
class Target:
    text: str
    met: bool | None
    """None: the target cannot be judged from what was measured (say why in ``text``)."""


@dataclass
class Figure:
    key: str
    benchmark: str
    label: str
    unit: str
    value: float
    """The median over ``runs`` (for a peak, the maximum: see ``note``)."""
    runs: list[float]
    size: str
    """What was measured, exactly: no figure is extrapolated."""
    backend: str | None = None
    baseline: bool = False
    comparisons: list[Comparison] = field(default_factory=list)
    target: Target | None = None
    note: str = ""
    higher_is_better: bool = True

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Results:
    """Figures in the order they were measured; baselines are looked up by key."""

    def __init__(self) -> None:
        self.figures: dict[str, Figure] = {}
        self.errors: list[dict[str, str]] = []
        self.notes: list[str] = []

    def add(self, figure: Figure, compare_to: Sequence[str] = ()) -> Figure:
        for key in dict.fromkeys(compare_to):
            base = self.figures.get(key)
            if base is None or base.value == 0 or math.isnan(base.value):
                continue
            figure.comparisons.append(Comparison(
                baseline=key, label=base.label, value=base.value, unit=base.unit,
                ratio=figure.value / base.value))
        self.figures[figure.key] = figure
        print(f"  {render(figure)}", flush=True)
        return figure

    def get(self, key: str) -> Figure | None:
        return self.figures.get(key)

    def ratio(self, figure: Figure, baseline_key: str) -> float | None:
        for comparison in figure.comparisons:
            if comparison.baseline == baseline_key:
                return comparison.ratio
        return None


def fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}"


def render(figure: Figure) -> str:
    """``value (ratio× baseline)`` as the report prints every figure."""
    head = f"{figure.label}: {fmt(figure.value, figure.unit)}"
    ratios = "; ".join(f"{c.ratio:.2f}× {c.label} = {fmt(c.value, c.unit)}"
                       for c in figure.comparisons)
    if figure.baseline:
        return f"{head} (baseline{'; ' + ratios if ratios else ''})"
    return f"{head} ({ratios})" if ratios else f"{head} (no baseline)"


# --- statistics -----------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): an observed value, never an interpolation."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


def vmhwm_mib(pid: int | str = "self") -> float:
    """Peak resident set size of a process (VmHWM in /proc/PID/status), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


# --- concurrent, bounded workers ------------------------------------------------------------------


@dataclass(frozen=True)
class Burst:
    operations: int
    seconds: float
    latencies: list[float]
    """Seconds per operation, over every worker."""

    @property
    def rate(self) -> float:
        return self.operations / self.seconds if self.seconds > 0 else math.nan


def burst(workers: Sequence[Callable[[], None]], *, seconds: float, max_operations: int,
          ) -> Burst:
    """Run each worker's operation in its own thread, all starting together, until ``seconds``
    have passed or ``max_operations`` (over all workers) are done; return what was done in how
    long. An exception in any worker stops the burst and is raised here."""
    stop = threading.Event()
    start = threading.Barrier(len(workers) + 1)
    counts = [0] * len(workers)
    latencies: list[list[float]] = [[] for _ in workers]
    failures: list[BaseException] = []
    budget = max(1, max_operations // len(workers))

    def loop(index: int, operation: Callable[[], None]) -> None:
        start.wait()
        own = latencies[index]
        try:
            while not stop.is_set() and counts[index] < budget:
                began = time.perf_counter()
                operation()
                own.append(time.perf_counter() - began)
                counts[index] += 1
        except BaseException as error:
            failures.append(error)
            stop.set()

    threads = [threading.Thread(target=loop, args=(i, op), daemon=True)
               for i, op in enumerate(workers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    deadline = began + seconds
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.perf_counter()))
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.perf_counter() - began
    if failures:
        raise failures[0]
    return Burst(operations=sum(counts), seconds=elapsed,
                 latencies=[x for own in latencies for x in own])
