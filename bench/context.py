"""What a benchmark is given: the sizes of this mode, the run's databases and the results so far."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bench.core import Results, Sizes
from bench.databases import BenchDatabases


@dataclass
class Context:
    sizes: Sizes
    dbs: BenchDatabases
    results: Results

    def log(self, message: str) -> None:
        print(f"  · {message}", flush=True)


class Benchmark(Protocol):
    """A module under bench/: its name, the benchmarks whose figures it is compared with (run
    first, in the same run), and ``run``."""

    NAME: str
    NEEDS: tuple[str, ...]

    def run(self, ctx: Context) -> None: ...
